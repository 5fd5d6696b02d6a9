"""Lots: the Lot record and its rule, save_lot, the round trip through the database."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promo_pipeline import database
from promo_pipeline.lots import (
    LOT_ENDED,
    LOT_WITHDRAWN,
    Item,
    Lot,
    get_lot,
    iter_postable,
    list_lots,
    lot_url,
    save_lot,
)
from promo_pipeline.photos import usable_paths

WIB = timezone(timedelta(hours=7))
OFFICE = "0b1a0000-0000-4000-8000-000000000001"


def make_lot(n: int = 1, **changes) -> Lot:
    lot_id = f"00000000-0000-4000-8000-{n:012d}"
    lot = Lot(
        id=lot_id, office_id=OFFICE, office_name="KPKNL Bima",
        title=f"1 bidang tanah dengan total luas {100 + n} m² di Kota Bima",
        limit_value=100_000_000 + n, deposit=20_000_000,
        ends_at=datetime(2026, 12, 10 + n % 10, 9, 0, tzinfo=WIB),
        url=lot_url("https://lelang.go.id", OFFICE, lot_id),
        category="Tanah", location="KOTA BIMA",
        starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=WIB),
        deposit_deadline=datetime(2026, 12, 9, 9, 0, tzinfo=WIB),
        photos=(f"https://file.lelang.go.id/lelang/p/{n}a.jpg",
                f"https://file.lelang.go.id/lelang/p/{n}b.jpg"),
        items=(Item(name="Tanah", kind="Tanah", area_m2=101.5, ownership="SHM No. 1"),
               Item(name="Bangunan", description="baris satu\nbaris dua")),
        seller={"name": "Bank Contoh"}, organizer={"name": "KPKNL Bima"},
    )
    return dataclasses.replace(lot, **changes)


def test_save_lot_new_unchanged_changed(db):
    lot = make_lot()
    out = save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00",
                         raw_listing={"b": 1, "a": 2}, raw_detail={"id": lot.id},
                         listing_hash="h1", detail_fetched_at="2026-11-01T00:00:00+00:00")
    assert out == "new"
    row = db["lots"].get(lot.id)
    assert row["first_seen_at"] == row["changed_at"] == row["last_seen_at"]
    assert row["raw_listing"] == '{"a": 2, "b": 1}'  # canonical JSON for audit and diffs

    assert save_lot(db, lot, seen_at="2026-11-02T00:00:00+00:00") == "unchanged"
    row = db["lots"].get(lot.id)
    assert row["changed_at"] == "2026-11-01T00:00:00+00:00"
    assert row["last_seen_at"] == "2026-11-02T00:00:00+00:00"
    assert row["raw_listing"] == '{"a": 2, "b": 1}' and row["listing_hash"] == "h1"

    cheaper = make_lot(limit_value=90_000_000, items=(Item(name="Tanah"),), photos=())
    assert save_lot(db, cheaper, seen_at="2026-11-03T00:00:00+00:00") == "changed"
    row = db["lots"].get(lot.id)
    assert row["changed_at"] == "2026-11-03T00:00:00+00:00"
    assert row["first_seen_at"] == "2026-11-01T00:00:00+00:00"
    assert row["content_hash"] == cheaper.content_hash() != lot.content_hash()
    assert db.execute("select count(*) from items where lot_id = ?", [lot.id]).fetchone()[0] == 1
    assert db.execute("select count(*) from lot_photos").fetchone()[0] == 0


def test_save_lot_clears_withdrawn_at_for_an_active_lot(db):
    lot = make_lot()
    save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    db.execute("update lots set status = ?, withdrawn_at = ? where id = ?",
               [LOT_WITHDRAWN, "2026-11-02T00:00:00+00:00", lot.id])
    save_lot(db, lot, seen_at="2026-11-03T00:00:00+00:00")
    row = db["lots"].get(lot.id)
    assert (row["status"], row["withdrawn_at"]) == ("active", None)


def test_get_lot_round_trips_a_lot(db):
    lot = make_lot(3)
    save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    assert get_lot(db, lot.id) == lot
    assert get_lot(db, "missing") is None
    rows = db.execute("select position, url, is_cover from lot_photos order by position")
    assert rows.fetchall() == [(0, lot.photos[0], 1), (1, lot.photos[1], 0)]


def test_list_lots_orders_by_end_and_filters(db):
    for n in (5, 2, 8):
        save_lot(db, make_lot(n), seen_at="2026-11-01T00:00:00+00:00")
    db.execute("update lots set status = 'withdrawn' where id like '%8'")
    lots = list_lots(db)
    assert [lot.ends_at.day for lot in lots] == sorted(lot.ends_at.day for lot in lots)
    assert {lot.id[-1] for lot in list_lots(db, status="active")} == {"2", "5"}
    assert list_lots(db, office_id="other") == []
    assert all(len(lot.items) == 2 for lot in lots)


def test_usable_photo_paths_only_ok_and_present(db, tmp_path):
    lot = make_lot()
    save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    media = tmp_path / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"x")
    db["photos"].insert_all([
        {"url": lot.photos[0], "status": "ok", "path": "photos/a.jpg"},
        {"url": lot.photos[1], "status": "bad", "path": None},
    ], pk="url")
    assert usable_paths(db, media, lot.photos) == [media / "photos" / "a.jpg"]
    (media / "photos" / "a.jpg").unlink()
    assert usable_paths(db, media, lot.photos) == []


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=texts, limit=st.integers(0, 10**14), deposit=st.integers(0, 10**14),
       minutes=st.integers(-10**6, 10**6), offset=st.integers(-12, 14), name=texts,
       area=st.none() | st.floats(0.1, 1e7))
def test_lot_round_trip_property(tmp_path_factory, title, limit, deposit, minutes, offset, name,
                                 area):
    db = database.connect(tmp_path_factory.mktemp("rt") / "promo.db")
    try:
        tz = timezone(timedelta(hours=offset))
        lot = make_lot(title=title, limit_value=limit, deposit=deposit,
                       ends_at=datetime(2026, 6, 1, tzinfo=tz) + timedelta(minutes=minutes),
                       items=(Item(name=name, area_m2=area),))
        save_lot(db, lot, seen_at="2026-01-01T00:00:00+00:00")
        back = get_lot(db, lot.id)
        assert back == lot and back.content_hash() == lot.content_hash()
        assert back.ends_at.utcoffset() == lot.ends_at.utcoffset()
    finally:
        db.close()


# --- the one promotion rule ----------------------------------------------------------------------

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize(("changes", "why"), [
    ({}, None),
    ({"status": LOT_WITHDRAWN}, "ditarik"),
    ({"status": LOT_ENDED}, "berakhir"),
    ({"ends_at": NOW}, "berakhir"),
    ({"deposit_deadline": NOW}, "batas setor jaminan"),
    ({"deposit_deadline": None}, None),
])
def test_closed_reason_is_the_promotion_rule(changes, why):
    lot = make_lot(**changes)
    reason = lot.closed_reason(NOW)
    if why is None:
        assert reason is None and lot.promotable(NOW)
    else:
        assert reason is not None and why in reason and lot.id in reason
        assert not lot.promotable(NOW)


def test_iter_postable_leaves_out_every_lot_that_cannot_be_promoted(db):
    keep = make_lot(1)
    save_lot(db, keep, seen_at="2026-11-01T00:00:00+00:00")
    save_lot(db, make_lot(2, deposit_deadline=NOW - timedelta(hours=1)),
             seen_at="2026-11-01T00:00:00+00:00")
    save_lot(db, make_lot(3, status=LOT_WITHDRAWN), seen_at="2026-11-01T00:00:00+00:00")
    save_lot(db, make_lot(4, ends_at=NOW - timedelta(days=1), deposit_deadline=None),
             seen_at="2026-11-01T00:00:00+00:00")
    assert [[lot.id for lot in page] for page in iter_postable(db, NOW)] == [[keep.id]]
