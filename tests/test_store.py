"""The SQLite store: connection settings, migrations, save_lot, lots round trip, runs."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promo_pipeline import store
from promo_pipeline.models import LOT_WITHDRAWN, Item, Lot, lot_url

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


def test_connect_sets_wal_foreign_keys_and_migrates_once(tmp_path):
    path = tmp_path / "x" / "promo.db"
    db = store.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"lots", "items", "photos", "lot_photos", "runs"} <= set(db.table_names())
    applied = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    db.close()
    again = store.connect(path)
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == applied
    assert store.integrity_check(again) == "ok"
    again.close()


def test_save_lot_new_unchanged_changed(db):
    lot = make_lot()
    out = store.save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00",
                         raw_listing={"b": 1, "a": 2}, raw_detail={"id": lot.id},
                         listing_hash="h1", detail_fetched_at="2026-11-01T00:00:00+00:00")
    assert out == "new"
    row = db["lots"].get(lot.id)
    assert row["first_seen_at"] == row["changed_at"] == row["last_seen_at"]
    assert row["raw_listing"] == '{"a": 2, "b": 1}'  # canonical JSON for audit and diffs

    assert store.save_lot(db, lot, seen_at="2026-11-02T00:00:00+00:00") == "unchanged"
    row = db["lots"].get(lot.id)
    assert row["changed_at"] == "2026-11-01T00:00:00+00:00"
    assert row["last_seen_at"] == "2026-11-02T00:00:00+00:00"
    assert row["raw_listing"] == '{"a": 2, "b": 1}' and row["listing_hash"] == "h1"

    cheaper = make_lot(limit_value=90_000_000, items=(Item(name="Tanah"),), photos=())
    assert store.save_lot(db, cheaper, seen_at="2026-11-03T00:00:00+00:00") == "changed"
    row = db["lots"].get(lot.id)
    assert row["changed_at"] == "2026-11-03T00:00:00+00:00"
    assert row["first_seen_at"] == "2026-11-01T00:00:00+00:00"
    assert row["content_hash"] == cheaper.content_hash() != lot.content_hash()
    assert db.execute("select count(*) from items where lot_id = ?", [lot.id]).fetchone()[0] == 1
    assert db.execute("select count(*) from lot_photos").fetchone()[0] == 0


def test_save_lot_clears_withdrawn_at_for_an_active_lot(db):
    lot = make_lot()
    store.save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    db.execute("update lots set status = ?, withdrawn_at = ? where id = ?",
               [LOT_WITHDRAWN, "2026-11-02T00:00:00+00:00", lot.id])
    store.save_lot(db, lot, seen_at="2026-11-03T00:00:00+00:00")
    row = db["lots"].get(lot.id)
    assert (row["status"], row["withdrawn_at"]) == ("active", None)


def test_get_lot_round_trips_a_lot(db):
    lot = make_lot(3)
    store.save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    assert store.get_lot(db, lot.id) == lot
    assert store.get_lot(db, "missing") is None
    rows = db.execute("select position, url, is_cover from lot_photos order by position")
    assert rows.fetchall() == [(0, lot.photos[0], 1), (1, lot.photos[1], 0)]


def test_list_lots_orders_by_end_and_filters(db):
    for n in (5, 2, 8):
        store.save_lot(db, make_lot(n), seen_at="2026-11-01T00:00:00+00:00")
    db.execute("update lots set status = 'withdrawn' where id like '%8'")
    lots = store.list_lots(db)
    assert [lot.ends_at.day for lot in lots] == sorted(lot.ends_at.day for lot in lots)
    assert {lot.id[-1] for lot in store.list_lots(db, status="active")} == {"2", "5"}
    assert store.list_lots(db, office_id="other") == []
    assert all(len(lot.items) == 2 for lot in lots)


def test_write_tx_rolls_back_everything_on_error(db):
    with pytest.raises(RuntimeError), store.write_tx(db):
        db["lots"].insert(store.lot_to_row(make_lot()))
        raise RuntimeError("boom")
    assert db.execute("select count(*) from lots").fetchone()[0] == 0


def test_usable_photo_paths_only_ok_and_present(db, tmp_path):
    lot = make_lot()
    store.save_lot(db, lot, seen_at="2026-11-01T00:00:00+00:00")
    media = tmp_path / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"x")
    db["photos"].insert_all([
        {"url": lot.photos[0], "status": "ok", "path": "photos/a.jpg"},
        {"url": lot.photos[1], "status": "bad", "path": None},
    ], pk="url")
    assert store.usable_photo_paths(db, media, lot.id) == [media / "photos" / "a.jpg"]
    (media / "photos" / "a.jpg").unlink()
    assert store.usable_photo_paths(db, media, lot.id) == []


def test_runs_are_recorded(db):
    run_id = store.start_run(db, "scrape")
    assert db["runs"].get(run_id)["status"] == "running"
    store.finish_run(db, run_id, counts={"lots_new": 3}, errors=["x"], status="partial")
    row = db["runs"].get(run_id)
    assert (row["kind"], row["status"]) == ("scrape", "partial")
    assert json.loads(row["counts"]) == {"lots_new": 3} and json.loads(row["errors"]) == ["x"]
    assert row["finished_at"] and row["duration_s"] >= 0


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=texts, limit=st.integers(0, 10**14), deposit=st.integers(0, 10**14),
       minutes=st.integers(-10**6, 10**6), offset=st.integers(-12, 14), name=texts,
       area=st.none() | st.floats(0.1, 1e7))
def test_lot_round_trip_property(tmp_path_factory, title, limit, deposit, minutes, offset, name,
                                 area):
    db = store.connect(tmp_path_factory.mktemp("rt") / "promo.db")
    try:
        tz = timezone(timedelta(hours=offset))
        lot = make_lot(title=title, limit_value=limit, deposit=deposit,
                       ends_at=datetime(2026, 6, 1, tzinfo=tz) + timedelta(minutes=minutes),
                       items=(Item(name=name, area_m2=area),))
        store.save_lot(db, lot, seen_at="2026-01-01T00:00:00+00:00")
        back = store.get_lot(db, lot.id)
        assert back == lot and back.content_hash() == lot.content_hash()
        assert back.ends_at.utcoffset() == lot.ends_at.utcoffset()
    finally:
        db.close()
