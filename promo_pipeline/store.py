"""The SQLite store (sqlite-utils): the connection, migrations and write transactions.

Settings read: none (the caller passes the database path; see :mod:`promo_pipeline.database`).

One database file holds everything. It is opened in WAL mode with ``synchronous=FULL`` (a lost
"published" mark would mean a double post) and a generous busy timeout. Writes that must not
interleave use :func:`write_tx` (``BEGIN IMMEDIATE``), because a deferred transaction that upgrades
to a write fails at once with "database is locked" instead of waiting.

The store knows no table. Each table's owner module defines its schema as a
:class:`sqlite_utils.migrations.Migrations` set; the application passes those sets to
:func:`connect`, which applies whatever is pending, in the order given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations


def connect(path: str | Path, migrations: Iterable[Migrations] = ()) -> Database:
    """Open (creating if needed) the database at *path* and apply the pending *migrations*."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False)
    db = Database(conn)
    db.enable_wal()
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    for migration_set in migrations:
        migration_set.apply(db)
    return db


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise


def integrity_check(db: Database) -> str:
    return str(db.execute("PRAGMA integrity_check").fetchone()[0])
