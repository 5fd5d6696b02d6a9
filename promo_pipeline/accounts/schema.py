"""The accounts' schema: the ``review`` migration set, which creates ``users``
(owned by :mod:`promo_pipeline.accounts.users`) and ``review_sessions``, ``login_failures`` and
``login_known`` (owned by :mod:`promo_pipeline.accounts.logins`).

One set for both owners because installs have already applied it under these names; a later
table of either owner gets a migration here too. sqlite-utils only, so opening the database
imports nothing else.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("review")


@migrations()
def m001_users_sessions(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE review_sessions (
            id_hash TEXT PRIMARY KEY,
            user_name TEXT NOT NULL COLLATE NOCASE,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            client TEXT
        )
        """
    )
    db.table("review_sessions").create_index(["user_name"])
    db.execute(
        """
        CREATE TABLE login_failures (
            name TEXT NOT NULL COLLATE NOCASE,
            client TEXT NOT NULL,
            failures INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            locked_until TEXT,
            PRIMARY KEY (name, client)
        )
        """
    )


@migrations()
def m002_office_scope(db: Database) -> None:
    # Which offices an account may review (issue 16); NULL: every office.
    db.execute("ALTER TABLE users ADD COLUMN offices TEXT")


@migrations()
def m003_login_backoff(db: Database) -> None:
    # Failures were counted per (name, address) pair and locked the pair out, the right password
    # included; now they are counted per address and per account (see the module docstring).
    db.execute("drop table login_failures")
    db.execute(
        """
        CREATE TABLE login_failures (
            scope TEXT NOT NULL CHECK (scope IN ('address', 'account')),
            key TEXT NOT NULL COLLATE NOCASE,
            failures INTEGER NOT NULL,
            last_at TEXT NOT NULL,
            wait_until TEXT,
            PRIMARY KEY (scope, key)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE login_known (
            name TEXT NOT NULL COLLATE NOCASE,
            client TEXT NOT NULL,
            last_at TEXT NOT NULL,
            PRIMARY KEY (name, client)
        )
        """
    )

