"""The real lelang.go.id rows through the real HTTP path: all 212 + 10 real titles, limits and
end times served by the loopback fake (listing only: no public capture has a detail), then
`promo run`, `promo lots --json` and `promo queue --json` as staff and scripts would.

Plus three rows written after the issue's examples of personal data in real titles (a seized
phone's SIM number, owners' names on an STNK and a certificate), since the public captures
happen to carry none: they prove no caption and no image text carries a removed text.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from real_lots import OFFICE_ID, listing_rows, real_items

from promo_pipeline.cli import cli
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang
from promo_pipeline.titles import FAMILIES, Redaction, leaks

PERSONAL_ROWS = [
    {"namaLotLelang": "1 (satu) unit Handphone Samsung Galaxy A12 warna hitam dengan provider "
                      "XL nomor 081907654321 di Kota Ambon",
     "nilaiLimit": "850000", "uangJaminan": "200000",
     "tglSelesaiLelang": "2026-01-13T10:00:00+07:00", "namaUnitKerja": "KPKNL Ambon"},
    {"namaLotLelang": "1 (satu) unit Sepeda Motor Honda Beat tahun 2018, Nomor Polisi DE 4321 "
                      "AB, STNK a.n. YOHANES LATUHARHARY di Kota Ambon",
     "nilaiLimit": "6500000", "uangJaminan": "1300000",
     "tglSelesaiLelang": "2026-01-13T10:00:00+07:00", "namaUnitKerja": "KPKNL Ambon"},
    {"namaLotLelang": "1 bidang tanah dengan total luas 250 m<sup>2</sup> SHM No. 1234 atas nama "
                      "Maria Pattinama di Kota Ambon",
     "nilaiLimit": "325000000", "uangJaminan": "65000000",
     "tglSelesaiLelang": "2026-01-13T10:00:00+07:00", "namaUnitKerja": "KPKNL Ambon"},
]


def test_every_real_row_through_promo_run(cfg_factory, tmp_path):
    rows = listing_rows() + PERSONAL_ROWS
    assert len(rows) == 222 + 3
    dataset = Dataset(offices=[{"id": OFFICE_ID, "nama": "KPKNL Ambon", "kota": "Kota Ambon",
                                "propinsi": "Maluku", "telepon": "0911-5550100"}])
    for item in real_items(rows=rows):
        dataset.add_lot(OFFICE_ID, item)
    runner = CliRunner()
    with FakeLelang(dataset) as server:
        config = cfg_factory(
            server, offices=[{"id": OFFICE_ID, "name": "KPKNL Ambon",
                              "timezone": "Asia/Jayapura", "categories": []}],
            render={"formats": ["feed"], "workers": 1})
        run = runner.invoke(cli, ["--config", str(config.path), "-q", "run"])
    assert run.exit_code == 0, run.output[-3000:]

    lots = json.loads(runner.invoke(cli, ["--config", str(config.path), "lots",
                                          "--json"]).stdout)
    assert len(lots) == len(rows)                          # every one stored
    removed: dict[str, list[Redaction]] = {}
    for lot in lots:
        assert lot["category_key"] in FAMILIES, lot["title"]
        assert lot["category_source"] in ("title", None), lot["title"]   # no source category
        assert 0 < len(lot["headline"]) <= 60, lot["title"]
        removed[lot["id"]] = [Redaction(**r) for r in lot["facts"]["redactions"]]
        for r in removed[lot["id"]]:
            assert r.text not in lot["headline"]
    assert sum(len(r) for r in removed.values()) >= 3      # the hand-written rows' data

    posts = json.loads(runner.invoke(cli, ["--config", str(config.path), "queue",
                                           "--json"]).stdout)
    assert len(posts) == len(rows)                         # one post per lot, none failed
    for post in posts:
        (lot_id,) = post["lot_ids"]
        for channel, caption in post["captions"].items():
            assert leaks(caption, removed[lot_id]) == [], (channel, caption)
        codes = {f["code"] for f in post["lint"]}
        assert not codes & {"personal_redacted", "personal_image"}, post["lint"]
        assert post["images"], post["id"]
