"""The SQLite store and the application's database: connection settings, migration sets, write
transactions, and databases made before the tables had owners."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import database, store


def test_connect_sets_wal_foreign_keys_and_migrates_once(tmp_path):
    path = tmp_path / "x" / "promo.db"
    db = database.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"lots", "items", "photos", "lot_photos", "runs", "posts", "post_events", "users",
            "deliveries", "images"} <= set(db.table_names())
    applied = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    db.close()
    again = database.connect(path)
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == applied
    assert store.integrity_check(again) == "ok"
    again.close()


def test_the_store_applies_only_the_sets_it_is_given(tmp_path):
    mine = Migrations("mine")

    @mine()
    def m001(db: Database) -> None:
        db["things"].create({"id": int}, pk="id")

    db = store.connect(tmp_path / "a.db", [mine])
    assert db.table_names() == ["_sqlite_migrations", "things"]
    db.close()
    bare = store.connect(tmp_path / "b.db")
    assert bare.table_names() == []
    bare.close()


def test_write_tx_rolls_back_everything_on_error(tmp_path):
    db = database.connect(tmp_path / "promo.db")
    with pytest.raises(RuntimeError), store.write_tx(db):
        db.execute("insert into runs (kind, started_at, status) values ('x', 'y', 'z')")
        raise RuntimeError("boom")
    assert db.execute("select count(*) from runs").fetchone()[0] == 0
    db.close()


def test_a_database_from_before_the_owners_opens_and_keeps_its_rows(tmp_path):
    """The lots, photos and runs tables used to come from one "store" migration set; the
    owners' sets find them in place and only record themselves."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE lots (id TEXT PRIMARY KEY, office_id TEXT NOT NULL, office_name TEXT,
            title TEXT NOT NULL, category TEXT, location TEXT, province TEXT,
            limit_value INTEGER NOT NULL, deposit INTEGER NOT NULL, bid_increment INTEGER,
            starts_at TEXT, ends_at TEXT NOT NULL, deposit_deadline TEXT, source_status TEXT,
            bidding_method TEXT, code TEXT, url TEXT NOT NULL, status TEXT NOT NULL, photos TEXT,
            seller TEXT, organizer TEXT, content_hash TEXT, listing_hash TEXT, raw_listing TEXT,
            raw_detail TEXT, detail_fetched_at TEXT, first_seen_at TEXT, last_seen_at TEXT,
            changed_at TEXT, withdrawn_at TEXT);
        CREATE INDEX idx_lots_office_id_status ON lots (office_id, status);
        CREATE INDEX idx_lots_ends_at ON lots (ends_at);
        CREATE TABLE items (lot_id TEXT REFERENCES lots(id), position INTEGER, name TEXT,
            data TEXT, PRIMARY KEY (lot_id, position));
        CREATE TABLE photos (url TEXT PRIMARY KEY, status TEXT, sha256 TEXT, path TEXT,
            format TEXT, width INTEGER, height INTEGER, bytes INTEGER, error TEXT,
            fetched_at TEXT);
        CREATE TABLE lot_photos (lot_id TEXT REFERENCES lots(id), position INTEGER, url TEXT,
            is_cover INTEGER, PRIMARY KEY (lot_id, position));
        CREATE TABLE runs (id INTEGER PRIMARY KEY, kind TEXT, started_at TEXT,
            finished_at TEXT, status TEXT, counts TEXT, errors TEXT, duration_s FLOAT);
        CREATE INDEX idx_runs_kind_started_at ON runs (kind, started_at);
        CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT);
        INSERT INTO _sqlite_migrations VALUES ('store', 'm001_lots_photos_runs', 'x');
        INSERT INTO runs (kind, started_at, status) VALUES ('run', '2026-01-01T00:00:00+00:00',
            'ok');
    """)
    conn.close()
    db = database.connect(path)
    assert db.execute("select kind, status from runs").fetchall() == [("run", "ok")]
    sets = {r[0] for r in db.execute("select migration_set from _sqlite_migrations")}
    assert {"store", "lots", "photos", "runs", "queue", "review", "publish", "render"} <= sets
    assert store.integrity_check(db) == "ok"
    db.close()
