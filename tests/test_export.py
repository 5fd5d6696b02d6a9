"""The export channel's folders: readable, Windows-safe names made from the lot's headline (never
its raw title), found again for a resend, old UUID names still recognised, and the Indonesian
note staff open first. The outbox rules around the export are in test_publish.py.

Real titles throughout: the 212 + 10 real rows and the three rows with personal data of
test_pipeline_real.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fake_platforms import add_post
from publish_project import make_jpeg, make_project
from real_lots import real_items, real_lots
from test_pipeline_real import PERSONAL_ROWS

from promo_pipeline import store
from promo_pipeline.lots import Lot, lot_to_row
from promo_pipeline.parse import parse_lot
from promo_pipeline.publish.channels.base import DeliveryJob, SendContext
from promo_pipeline.publish.channels.export import (
    NAME_MAX,
    README,
    WINDOWS_RESERVED,
    ExportChannel,
    find_export,
    folder_name,
    safe_name,
    slug,
)
from promo_pipeline.publish.outbox import publish
from promo_pipeline.titles import leaks

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def personal_lots() -> list[Lot]:
    """The three rows with personal data, with ids of their own (real_items numbers from 0)."""
    items = [dict(item, lotLelangId=str(uuid.uuid5(uuid.NAMESPACE_URL, item["namaLotLelang"])))
             for item in real_items(rows=PERSONAL_ROWS)]
    return [parse_lot(item, None, site_base="https://lelang.go.id",
                      file_base="https://file.lelang.go.id/lelang/") for item in items]


def payload_of(lot: Lot, *, kind: str = "lot", version: int = 1, post_id: int = 1) -> dict:
    """A delivery payload as the outbox builds it (publish.enqueue.payload's lot facts)."""
    reading = lot.reading()
    return {"post_id": post_id, "kind": kind, "office_id": lot.office_id, "lot_id": lot.id,
            "lot_ids": [lot.id], "version": version, "captions": {"telegram": "Lelang"},
            "images": [], "lots": [{"id": lot.id, "title": lot.title, "url": lot.url,
                                    "code": lot.code, "office_name": lot.office_name,
                                    "headline": reading.headline,
                                    "public_title": reading.title}]}


# --- names ---------------------------------------------------------------------------------------


def test_every_real_title_gives_a_valid_readable_unique_name():
    lots = real_lots() + personal_lots()
    names = [folder_name(payload_of(lot)) for lot in lots]
    for lot, name in zip(lots, names, strict=True):
        assert NAME.fullmatch(name), name                  # a-z 0-9 -: the same on Windows
        assert len(name) <= NAME_MAX, name
        assert name.split(".")[0] not in WINDOWS_RESERVED
        assert name.endswith("-" + lot.id[:8]), name       # the id prefix `promo lots` shows
        assert name == folder_name(payload_of(lot))         # stable for the same post
    assert len({lot.id for lot in lots}) == len(set(names)) == len(names) == 225
    def name_of(*words: str) -> str:
        (found,) = [n for lot, n in zip(lots, names, strict=True)
                    if all(w in lot.title for w in words)]
        return found

    assert name_of("luas 385 m", "Kota Jambi").startswith("tanah-bangunan-lt-385-m2-kota-jambi-")
    assert name_of("Mitsubihi").startswith("mitsubihi-colt-diesel-2007-")
    # Upper case, slashes and a long title: cut at a word, no slash, no trailing hyphen.
    assert name_of("Lot 14.").startswith("yamaha-1s7-jupter-mx-")
    assert name_of("Barang Inventaris Kantor BPS").startswith("barang-inventaris-kantor-bps-")


def test_lots_sharing_a_headline_get_different_folders():
    """Many real lots read "Suzuki FD 125 XSD": the id prefix tells them apart."""
    same = [lot for lot in real_lots() if lot.reading().headline == "Suzuki FD 125 XSD"]
    assert len(same) >= 5
    names = {folder_name(payload_of(lot)) for lot in same}
    assert len(names) == len(same)
    assert all(n.startswith("suzuki-fd-125-xsd-") for n in names)


def test_no_personal_data_in_a_folder_name():
    for lot in personal_lots():
        reading = lot.reading()
        assert reading.redactions, lot.title
        name = folder_name(payload_of(lot))
        for r in reading.redactions:
            assert slug(r.text, max_len=200) not in name, (name, r.text)
        # Built from the headline: even a payload without one reads the title again, redacted.
        bare = payload_of(lot)
        del bare["lots"][0]["headline"]
        assert folder_name(bare) == name
    names = [folder_name(payload_of(lot)) for lot in personal_lots()]
    assert not any(w in n for n in names for w in ("081907654321", "yohanes", "latuharhary",
                                                   "maria", "pattinama"))


def test_version_kind_and_code_are_in_the_name():
    lot = dataclasses.replace(real_lots()[0], code="LOT-07")
    assert folder_name(payload_of(lot)).startswith("lot-07-tanah-bangunan-")
    v1, v2 = folder_name(payload_of(lot)), folder_name(payload_of(lot, version=2))
    reminder = folder_name(payload_of(lot, kind="reminder"))
    assert len({v1, v2, reminder}) == 3
    assert v2.endswith(f"-{lot.id[:8]}-v2") and reminder.endswith(f"-{lot.id[:8]}-pengingat")
    digest = {"post_id": 9, "kind": "digest", "office_id": "o", "lot_id": None,
              "lot_ids": ["b", "a"], "version": 1}
    assert NAME.fullmatch(folder_name(digest)) and folder_name(digest).startswith(
        "rangkuman-pekanan-")


@pytest.mark.parametrize("raw,expected", [
    ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("com1", "_com1"), ("LPT9.tar.gz", "_LPT9.tar.gz"),
    ("console", "console"), ("a:b/c\\d*e?", "a-b-c-d-e-"), ("trailing. ", "trailing"), ("", "x"),
])
def test_safe_name_refuses_what_windows_refuses(raw, expected):
    assert safe_name(raw) == expected


def test_slug_cuts_at_a_word_and_folds_accents():
    assert slug("Tanah & bangunan · LT 1.048 m² · Kab. Merangin") == \
        "tanah-bangunan-lt-1-048-m2-kab-merangin"
    assert slug("Café Ñandú") == "cafe-nandu"
    assert slug("aaaa bbbb cccc", max_len=9) == "aaaa-bbbb"
    assert slug("x" * 100, max_len=10) == "x" * 10
    assert slug("/// ...") == ""


# --- sending -------------------------------------------------------------------------------------


@pytest.fixture
def ctx(tmp_path):
    make_jpeg(tmp_path / "render" / "feed.jpg", (432, 540), (22, 48, 107))
    return SendContext(output_dir=tmp_path, save_checkpoint=lambda c: None,
                       clock=lambda: datetime(2026, 1, 10, 3, 0, tzinfo=UTC),
                       sleep=lambda s: None, office_timezone="Asia/Jayapura")


def _job(payload: dict, n: int = 1) -> DeliveryJob:
    return DeliveryJob(id=n, post_id=payload["post_id"], channel="export", idem_key=f"k{n}",
                       payload=dict(payload, images=["render/feed.jpg"]))


def test_a_crashed_export_is_resent_into_the_same_folder(ctx):
    lot = real_lots()[2]
    job = _job(payload_of(lot))
    name = folder_name(job.payload)
    day = ctx.output_dir / "outbox" / "2026-01-10"
    day.mkdir(parents=True)
    half = day / f".{name}.abc123.tmp"                  # what a crash mid-copy leaves
    half.mkdir()
    (half / "01-feed.jpg").write_bytes(b"half")
    assert ExportChannel().look(job, ctx).state == "absent"
    first = ExportChannel().send(job, ctx)
    assert first.remote_id == f"outbox/2026-01-10/{name}"
    assert not half.exists()                              # the sweep removed it
    again = ExportChannel().send(job, ctx)                # resent (e.g. after a lost answer)
    assert again == first
    assert [p.name for p in day.iterdir()] == [name]
    look = ExportChannel().look(job, ctx)
    assert look.state == "found" and look.result == first


def test_a_folder_is_found_by_its_tail_when_the_headline_reads_differently(ctx):
    """A later version may read the title differently: the id tail and post.json decide."""
    lot = real_lots()[3]
    job = _job(payload_of(lot))
    sent = ExportChannel().send(job, ctx)
    folder = ctx.output_dir / sent.remote_id
    renamed = folder.with_name(f"judul-lama-{lot.id[:8]}")
    folder.rename(renamed)
    assert find_export(ctx.output_dir / "outbox", job.payload) == renamed
    # The same tail holding another lot's export is not this post's.
    other = dataclasses.replace(lot, id=lot.id[:8] + "-ffff-other")
    assert find_export(ctx.output_dir / "outbox", payload_of(other)) is None


def test_a_name_taken_by_another_lot_falls_back_to_the_whole_id(ctx):
    lot = real_lots()[4]
    twin = dataclasses.replace(lot, id=lot.id[:8] + "-0000-0000-0000-000000000000")
    first = ExportChannel().send(_job(payload_of(lot)), ctx)
    second = ExportChannel().send(_job(payload_of(twin, post_id=2), 2), ctx)
    assert first != second
    assert second.remote_id.endswith("-" + twin.id)
    assert find_export(ctx.output_dir / "outbox", payload_of(twin, post_id=2)) == \
        ctx.output_dir / second.remote_id


def test_old_uuid_folders_are_still_found_but_not_for_the_reminder(ctx):
    lot = real_lots()[5]
    old = ctx.output_dir / "outbox" / "2025-12-01" / f"{lot.office_id}-{lot.id}-v1"
    old.mkdir(parents=True)
    (old / "post.json").write_text(json.dumps({"kind": "lot", "lot_id": lot.id}),
                                   encoding="utf-8")
    assert ExportChannel().send(_job(payload_of(lot)), ctx).remote_id == \
        f"outbox/2025-12-01/{old.name}"
    # Old names were the same for a lot's post and its H-1 reminder; post.json tells them apart.
    reminder = ExportChannel().send(_job(payload_of(lot, kind="reminder", post_id=2), 2), ctx)
    assert reminder.remote_id.startswith("outbox/2026-01-10/")
    assert reminder.remote_id.endswith("-pengingat")


def test_the_note_names_lot_office_and_link_in_indonesian_without_personal_data(ctx):
    lot = personal_lots()[1]                               # STNK a.n. YOHANES LATUHARHARY
    payload = dict(payload_of(lot), approved_by="sari", approved_at="2026-01-09T02:00:00+00:00",
                   captions={"instagram": "A", "telegram": "B"})
    sent = ExportChannel().send(_job(payload), ctx)
    folder = ctx.output_dir / sent.remote_id
    note = (folder / README).read_text(encoding="utf-8")
    assert "Lot: " + lot.reading().title in note
    assert f"Kantor: {lot.office_name}" in note
    assert f"Tautan: {lot.url}" in note
    assert "Disetujui oleh: sari, Jumat, 9 Januari 2026 pukul 11.00 WIT" in note
    assert "caption-instagram.txt: keterangan untuk Instagram" in note
    assert "caption-telegram.txt: keterangan untuk Telegram" in note
    meta = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    for text in (note, json.dumps(meta, ensure_ascii=False), folder.name):
        assert leaks(text, lot.reading().redactions) == [], text
    assert "public_title" not in meta["lots"][0] and meta["lots"][0]["url"] == lot.url


# --- through the outbox --------------------------------------------------------------------------


def test_real_titles_through_the_outbox_give_readable_folders(tmp_path, tokens):
    p = make_project(tmp_path, ["export"])
    lots = [dataclasses.replace(lot, office_id="off-bima", office_name="KPKNL Bima",
                                ends_at=datetime.now(UTC) + timedelta(days=5))
            for lot in [*real_lots()[:12], *personal_lots()]]
    with store.write_tx(p.db):
        for lot in lots:
            row = lot_to_row(lot)
            row.update(first_seen_at=datetime.now(UTC).isoformat(),
                       last_seen_at=datetime.now(UTC).isoformat())
            p.db["lots"].upsert(row, pk="id")
    for lot in lots:
        add_post(p.db, p.cfg, lot.id, story=False,
                 caption=f"Lelang {lot.reading().title}\n{lot.url}")
    summary = publish(p.cfg, p.db, now=True, notify=False)
    assert summary.sent == len(lots)
    folders = sorted((p.cfg.output_dir / "outbox").glob("*/*"))
    assert len(folders) == len(lots)
    by_lot = {json.loads((f / "post.json").read_text(encoding="utf-8"))["lot_id"]: f
              for f in folders}
    for lot in lots:
        folder = by_lot[lot.id]
        assert folder.name == folder_name(payload_of(lot)), folder.name
        assert NAME.fullmatch(folder.name)
        assert leaks(folder.name.replace("-", " "), lot.reading().redactions) == []
        note = (folder / README).read_text(encoding="utf-8")
        assert "Kantor: KPKNL Bima" in note and lot.url in note
    remote = {d["remote_id"] for d in p.deliveries()}
    assert remote == {f.relative_to(p.cfg.output_dir).as_posix() for f in folders}
    again = publish(p.cfg, p.db, now=True, notify=False)
    assert again.sent == 0 and sorted((p.cfg.output_dir / "outbox").glob("*/*")) == folders
