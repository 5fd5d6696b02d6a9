"""Captions of a re-listed lot say "dilelang ulang", in the words the review page uses
(:func:`promo_pipeline.present.relisted`; the page: tests/test_outcomes.py), on every channel
and within each channel's limit.

The re-listing is real-shaped: a real lelang.go.id title listed again a month later, typed in
upper case with other spacing at a 10 % lower limit (the case tests/test_outcomes.py detects),
collected by the real `promo run` from the loopback fake.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from real_lots import OFFICE_ID, real_items, real_lots
from real_samples import segera_berakhir

from promo_pipeline import captions as cap
from promo_pipeline import database, outcomes, present
from promo_pipeline.cli import cli
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang
from promo_pipeline.lots import LOT_ENDED, save_lot
from promo_pipeline.parse import parse_lot

CHANNELS = ["instagram", "facebook", "telegram", "x", "threads"]
WORDS = present.relisted()


class Brand:
    name = "KPKNL Ambon"
    handle = "@kpknlambon"
    contact = ""
    phone = "0911-5550100"
    website = ""
    helpline = "Halo DJKN 150991"
    hashtags = ("LelangNegara", "KPKNLAmbon", "LelangIndonesia")
    office_phones = ("0911-5550100",)


class Office:
    id = OFFICE_ID
    name = "KPKNL Ambon"
    timezone = "Asia/Jayapura"


def _row(start: str) -> dict[str, str]:
    return next(r for r in segera_berakhir() if r["namaLotLelang"].startswith(start))


def test_the_words_are_the_review_pages():
    assert WORDS == "Dilelang ulang"
    assert present.relisted("1a2b3c4d") == "Dilelang ulang — lot sebelumnya 1a2b3c4d"
    assert WORDS.lower() == present.RELISTED


def test_every_channel_says_it_for_a_relisted_lot_and_only_then():
    for lot in real_lots()[:40]:
        plain = cap.lot_captions(lot, office=Office(), brand=Brand(), channels=CHANNELS)
        again = cap.lot_captions(lot, office=Office(), brand=Brand(), channels=CHANNELS,
                                 relisted=True)
        for channel in CHANNELS:
            assert again[channel].fits, (channel, again[channel].text)
            assert WORDS not in plain[channel].text
            if "relisted" not in again[channel].dropped:
                assert WORDS in again[channel].text, (channel, again[channel].text)
        # A feed caption has room for it whatever the title; X says it for a short title.
        assert all(WORDS in again[c].text for c in ("instagram", "facebook", "telegram"))
    short = next(lot for lot in real_lots() if lot.title.startswith("Motor N Max"))
    x = cap.lot_captions(short, office=Office(), brand=Brand(), channels=["x"], relisted=True)
    assert WORDS in x["x"].text.splitlines()[1]             # one short line under the title


def test_on_x_a_long_title_keeps_the_limit_before_the_words():
    long = next(lot for lot in real_lots() if lot.title.startswith("Barang Inventaris Kantor BPS"))
    x = cap.lot_captions(long, office=Office(), brand=Brand(), channels=["x"], relisted=True)["x"]
    assert x.fits and cap.measure("x", x.text) <= 280
    assert long.url in x.text                                # required parts are never dropped


def test_a_real_relisting_through_promo_run_is_said_in_its_captions(cfg_factory, tmp_path):
    row = _row("1 (satu) unit mobil Pick Up Suzuki di")
    other = _row("1 bidang tanah dengan total luas 385 m<sup>2</sup>")
    now = datetime.now(UTC)
    again = dict(row, namaLotLelang=row["namaLotLelang"].upper().replace(" ", "  "),
                 nilaiLimit=str(int(int(row["nilaiLimit"]) * 0.9)))
    new_item, other_item = real_items(now, rows=[again, other])
    old_item = dict(new_item, lotLelangId="0ld10000-0000-4000-8000-000000000001",
                    namaLotLelang=row["namaLotLelang"], nilaiLimit=row["nilaiLimit"],
                    tglSelesaiLelang=(now - timedelta(days=33)).isoformat())
    old = dataclasses.replace(parse_lot(old_item, None, site_base="https://lelang.go.id",
                                        file_base="https://file.lelang.go.id/lelang/"),
                              status=LOT_ENDED)
    dataset = Dataset(offices=[{"id": OFFICE_ID, "nama": "KPKNL Ambon", "kota": "Kota Ambon",
                                "propinsi": "Maluku", "telepon": "0911-5550100"}])
    for item in (new_item, other_item):
        dataset.add_lot(OFFICE_ID, item)
    runner = CliRunner()
    with FakeLelang(dataset) as server:
        config = cfg_factory(
            server, offices=[{"id": OFFICE_ID, "name": "KPKNL Ambon",
                              "timezone": "Asia/Jayapura", "categories": []}],
            render={"formats": ["feed"], "workers": 1}, captions={"channels": CHANNELS})
        db = database.connect(config.database_path)
        save_lot(db, old, seen_at=(now - timedelta(days=40)).isoformat())
        db.conn.close()
        run = runner.invoke(cli, ["--config", str(config.path), "-q", "run"])
    assert run.exit_code == 0, run.output[-3000:]

    db = database.connect(config.database_path)
    assert outcomes.relisted_from(db, new_item["lotLelangId"]) == old.id   # linked by the run
    db.conn.close()
    posts = json.loads(runner.invoke(cli, ["--config", str(config.path), "queue",
                                           "--json"]).stdout)
    by_lot = {post["lot_ids"][0]: post for post in posts}
    assert set(by_lot) == {new_item["lotLelangId"], other_item["lotLelangId"]}
    relisted, plain = by_lot[new_item["lotLelangId"]], by_lot[other_item["lotLelangId"]]
    assert set(relisted["captions"]) == set(CHANNELS)
    for channel, text in relisted["captions"].items():
        assert WORDS in text, (channel, text)
        assert cap.fits(channel, text), channel
        assert WORDS not in plain["captions"][channel]
    assert not [f for f in relisted["lint"] if f["level"] == "block"], relisted["lint"]

