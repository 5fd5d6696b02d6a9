"""Reviewer accounts, login sessions and login throttling for the review page.

Settings read: ``review.session_hours``, ``review.max_login_failures``, ``review.lockout_minutes``
(passed in by the caller; these functions take plain values so the CLI and the app share them).

Tables (migration set ``"review"``):

- ``users``: one row per named reviewer: ``name`` (case-insensitive, unique), ``role``
  (``reviewer`` | ``admin``), ``password_hash`` (werkzeug scrypt), ``created_at``;
- ``review_sessions``: server-side sessions. The browser's signed cookie carries only a random
  session id; the table keeps its SHA-256, so logging out, resetting a password or removing an
  account ends those sessions on their next request, and a stolen database holds no usable id;
- ``login_failures``: failed logins per (name, client address); after
  ``max_login_failures`` failures the pair is locked for ``lockout_minutes``.

The session secret for cookie signing comes from ``$PROMO_SECRET_KEY`` or, when unset, from a
random key generated once into a 0600 file beside the database (never in the repository).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations
from werkzeug.security import check_password_hash, generate_password_hash

from promo_pipeline import config as config_mod
from promo_pipeline.errors import AccountError, NotFoundError
from promo_pipeline.store import now_utc, write_tx

logger = logging.getLogger(__name__)

ROLES = ("reviewer", "admin")
#: werkzeug's hash method (scrypt: memory-hard). Tests may lower the cost; hashes record their
#: own method, so verifying never depends on this setting.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SECRET_FILE_NAME = "review-secret.key"  # noqa: S105 - a file name, not a secret

# Verifying an unknown name still costs one hash check, so response time does not tell
# whether an account exists.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))

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
    db["review_sessions"].create_index(["user_name"])
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


# --- accounts ----------------------------------------------------------------------------------


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError(
            "nama akun harus 1–40 karakter: huruf, angka, titik, garis bawah atau tanda "
            "hubung, diawali huruf atau angka"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"kata sandi minimal {MIN_PASSWORD_LENGTH} karakter")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"kata sandi maksimal {MAX_PASSWORD_LENGTH} karakter")
    if not password.strip():
        raise AccountError("kata sandi tidak boleh hanya spasi")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"peran harus salah satu dari {', '.join(ROLES)}, bukan {role!r}")
    return role


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "role": row["role"], "created_at": row["created_at"]}


def add_user(db: Database, name: str, password: str, *, role: str = "reviewer") -> dict[str, Any]:
    """Create an account; raises :class:`AccountError` for a bad or taken name, bad password."""
    name = check_name(name)
    check_role(role)
    check_password(password)
    pw_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    with write_tx(db):
        if get_user(db, name) is not None:
            raise AccountError(f"akun {name!r} sudah ada")
        row = {"name": name, "role": role, "password_hash": pw_hash,
               "created_at": now_utc().isoformat(timespec="seconds"), "updated_at": None}
        db["users"].insert(row)
    logger.info("review account %s added (role %s)", name, role)
    return _public(row)


def get_user(db: Database, name: str) -> dict[str, Any] | None:
    """The account row (with its hash) or None; the name matches case-insensitively."""
    if not name:
        return None
    row = db.execute(
        "select name, role, password_hash, created_at from users where name = ?", [name]
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("name", "role", "password_hash", "created_at"), row, strict=True))


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account (name, role, created_at), by name; never the hashes."""
    rows = db.execute(
        "select name, role, created_at from users order by name collate nocase"
    ).fetchall()
    return [{"name": r[0], "role": r[1], "created_at": r[2]} for r in rows]


def count_users(db: Database) -> int:
    if not db["users"].exists():
        return 0
    return db.execute("select count(*) from users").fetchone()[0]


def count_admins(db: Database) -> int:
    return db.execute("select count(*) from users where role = 'admin'").fetchone()[0]


def remove_user(db: Database, name: str) -> None:
    """Delete an account and end all its sessions at once."""
    with write_tx(db):
        user = get_user(db, name)
        if user is None:
            raise NotFoundError(f"akun {name!r} tidak ada")
        db.execute("delete from users where name = ?", [user["name"]])
        db.execute("delete from review_sessions where user_name = ?", [user["name"]])
        db.execute("delete from login_failures where name = ?", [user["name"]])
    logger.info("review account %s removed", user["name"])


def update_user(
    db: Database, name: str, *, role: str | None = None, password: str | None = None
) -> dict[str, Any]:
    """Change an account's role and/or password; a new password ends its sessions."""
    if role is not None:
        check_role(role)
    pw_hash = (generate_password_hash(check_password(password), method=PASSWORD_HASH_METHOD)
               if password is not None else None)
    with write_tx(db):
        user = get_user(db, name)
        if user is None:
            raise NotFoundError(f"akun {name!r} tidak ada")
        changes: dict[str, Any] = {"updated_at": now_utc().isoformat(timespec="seconds")}
        if role is not None:
            changes["role"] = role
        if pw_hash is not None:
            changes["password_hash"] = pw_hash
        sets = ", ".join(f"{k} = ?" for k in changes)
        db.execute(f"update users set {sets} where name = ?",  # noqa: S608 - fixed column names
                   [*changes.values(), user["name"]])
        if pw_hash is not None:
            db.execute("delete from review_sessions where user_name = ?", [user["name"]])
    user.update({k: v for k, v in changes.items() if k != "password_hash"})
    return _public(user)


def verify(db: Database, name: str, password: str) -> dict[str, Any] | None:
    """The account (without its hash) when *password* is right, else None.

    Takes the same time whether or not the account exists.
    """
    user = get_user(db, name) if name else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user["password_hash"], password or ""):
        return None
    return _public(user)


# --- throttling --------------------------------------------------------------------------------


def locked_until(db: Database, name: str, client: str) -> datetime | None:
    """When a lockout of (name, client) ends, or None when logins are allowed now."""
    row = db.execute(
        "select locked_until from login_failures where name = ? and client = ?",
        [name.strip(), client],
    ).fetchone()
    if not row or not row[0]:
        return None
    until = datetime.fromisoformat(row[0])
    return until if until > now_utc() else None


def record_failure(
    db: Database, name: str, client: str, *, max_failures: int, lockout_minutes: float
) -> datetime | None:
    """Count a failed login; returns the lockout end when this failure triggers a lockout.

    Failures older than the lockout window are forgotten, so a typo a week ago does not count.
    """
    name = name.strip()[:80]
    now = now_utc()
    window = timedelta(minutes=lockout_minutes)
    with write_tx(db):
        row = db.execute(
            "select failures, first_at, locked_until from login_failures "
            "where name = ? and client = ?", [name, client],
        ).fetchone()
        failures, first_at = 0, now
        if row:
            failures, first_at = row[0], datetime.fromisoformat(row[1])
            expired_lock = row[2] and datetime.fromisoformat(row[2]) <= now
            if expired_lock or now - first_at > window:
                failures, first_at = 0, now
        failures += 1
        until = now + window if failures >= max_failures else None
        db.execute(
            "insert into login_failures (name, client, failures, first_at, locked_until) "
            "values (?, ?, ?, ?, ?) on conflict (name, client) do update set "
            "failures = excluded.failures, first_at = excluded.first_at, "
            "locked_until = excluded.locked_until",
            [name, client, failures, first_at.isoformat(), until.isoformat() if until else None],
        )
    if until:
        logger.warning("review login for %r from %s locked until %s after %d failures",
                       name, client, until.isoformat(timespec="seconds"), failures)
    return until


def clear_failures(db: Database, name: str, client: str) -> None:
    with write_tx(db):
        db.execute("delete from login_failures where name = ? and client = ?",
                   [name.strip(), client])


# --- sessions ----------------------------------------------------------------------------------


def _hash_sid(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def create_session(db: Database, user_name: str, *, hours: float, client: str = "") -> str:
    """A new random session id for *user_name* (store it in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    now = now_utc()
    with write_tx(db):
        # Forget this user's expired sessions while we are here.
        db.execute("delete from review_sessions where expires_at < ?", [now.isoformat()])
        db["review_sessions"].insert({
            "id_hash": _hash_sid(sid), "user_name": user_name,
            "created_at": now.isoformat(timespec="seconds"),
            "last_seen_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + timedelta(hours=hours)).isoformat(timespec="seconds"),
            "client": client[:200],
        })
    return sid


def session_user(db: Database, sid: str | None) -> dict[str, Any] | None:
    """The account behind a live session id, or None (unknown, expired, or account removed)."""
    if not sid or not isinstance(sid, str):
        return None
    row = db.execute(
        "select s.expires_at, s.last_seen_at, u.name, u.role, u.created_at "
        "from review_sessions s join users u on u.name = s.user_name where s.id_hash = ?",
        [_hash_sid(sid)],
    ).fetchone()
    if row is None:
        return None
    now = now_utc()
    if datetime.fromisoformat(row[0]) <= now:
        end_session(db, sid)
        return None
    # Touch last_seen at most every five minutes: a write per page view would cost an fsync.
    if now - datetime.fromisoformat(row[1]) > timedelta(minutes=5):
        with write_tx(db):
            db.execute("update review_sessions set last_seen_at = ? where id_hash = ?",
                       [now.isoformat(timespec="seconds"), _hash_sid(sid)])
    return {"name": row[2], "role": row[3], "created_at": row[4]}


def end_session(db: Database, sid: str | None) -> None:
    if not sid or not isinstance(sid, str):
        return
    with write_tx(db):
        db.execute("delete from review_sessions where id_hash = ?", [_hash_sid(sid)])


# --- the cookie-signing secret -----------------------------------------------------------------


def secret_key(cfg: config_mod.Config) -> str:
    """``$PROMO_SECRET_KEY``, else a random key kept in a 0600 file beside the database."""
    from_env = config_mod.secret("review_secret")
    if from_env:
        return from_env
    path = cfg.database_path.parent / SECRET_FILE_NAME
    return _file_secret(path)


def _file_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written under a temporary name, then linked into place: a concurrent reader never sees
        # a half-written key, and of two processes racing, the first link wins for both.
        value = secrets.token_urlsafe(48)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(value + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
                logger.info("generated the review session key in %s", path)
            except FileExistsError:
                pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise AccountError(
            f"berkas kunci sesi {path} rusak atau kosong; hapus berkas itu agar dibuat ulang"
        )
    return value
