"""Reviewer accounts, login sessions and login throttling, with the rules about admins.

Settings read: ``review.session_hours``, ``review.max_login_failures``, ``review.lockout_minutes``
(passed in by the caller; these functions take plain values so the CLI and the page share them).

This module owns the tables (migration set ``"review"``) and returns :class:`User` records:

- ``users``: one row per named reviewer: ``name`` (case-insensitive, unique), ``role``
  (``reviewer`` | ``admin``), ``password_hash`` (werkzeug scrypt), ``created_at``, ``offices``
  (JSON list of the office ids it may review; NULL = every office, e.g. a Kanwil's admin);
- ``review_sessions``: server-side sessions. The browser's signed cookie carries only a random
  session id; the table keeps its SHA-256, so logging out, resetting a password or removing an
  account ends those sessions on their next request, and a stolen database holds no usable id;
- ``login_failures``: failed logins counted per client address (``scope = 'address'``, any
  name) and per existing account (``scope = 'account'``, any address);
- ``login_known``: the addresses each account has logged in from (the last 90 days).

Login throttling (:func:`login_wait`, :func:`record_failure`, :func:`record_success`) backs off
instead of locking: the first ``max_login_failures`` failures of an address or an account cost
nothing; each one after that doubles a wait (1 s, 2 s, 4 s, … up to ``lockout_minutes``) during
which the next attempt is answered "wait" without the password being checked. Failures are
forgotten ``lockout_minutes`` after the last one. The address count limits guessing many names
from one place (name spraying); the account count limits guessing one account from many places,
but never applies at an address the account has logged in from before, so an attacker elsewhere
cannot keep a reviewer out. Behind a reverse proxy every client shares the proxy's address unless
``review.trusted_proxies`` names it (the review page then reads ``X-Forwarded-For``).

The office rule lives here too (:meth:`User.may_review`): an account acts only on the posts of
the offices it was given (``promo users add NAME --offices ID,ID``), an account without offices
on every office's; the queue, the CLI and the review page ask it, and refuse with
:class:`~promo_pipeline.errors.OfficeScopeError` (exit 2, 403 on the page).

The admin rules live here, so ``promo users`` and the review page both get them: nobody removes
their own account, and the last admin can be neither removed nor demoted
(:class:`~promo_pipeline.errors.AdminRuleError`, exit status 2). So does the rule of a named
approval (:func:`require_reviewer`): approving, rejecting or editing a post is done as an
existing account of this install, never as the OS user or a typed-in name
(:class:`~promo_pipeline.errors.ReviewerError`, exit status 2).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock
from promo_pipeline.errors import (
    AccountError,
    AdminRuleError,
    NotFoundError,
    OfficeScopeError,
    ReviewerError,
)
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)

REVIEWER, ADMIN = "reviewer", "admin"
ROLES = (REVIEWER, ADMIN)
#: werkzeug's hash method (scrypt: memory-hard). Tests may lower the cost; hashes record their
#: own method, so verifying never depends on this setting.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

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


@dataclass(frozen=True)
class User:
    """A reviewer account (never its password hash)."""

    name: str
    role: str
    created_at: str
    #: The offices whose posts it may review; empty: every office.
    offices: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def every_office(self) -> bool:
        return not self.offices

    def may_review(self, office_id: str | None) -> bool:
        """The one rule of office scope: may this account see and act on a post of
        *office_id*? An account without offices may act on every post; one with offices only
        on those offices' posts (a post of no office is not theirs)."""
        return self.every_office or (office_id or "") in self.offices

    def refuse(self, office_id: str | None, post_id: int) -> OfficeScopeError:
        """The error for acting on a post outside this account's offices."""
        return OfficeScopeError(
            f"akun {self.name} tidak berwenang atas unggahan #{post_id} (kantor "
            f"{office_id or '-'}); akun ini hanya untuk kantor {', '.join(self.offices)}")

    def to_json(self) -> dict[str, Any]:
        """As ``promo users list --json`` prints it (``offices``: null = every office)."""
        return {"name": self.name, "role": self.role, "created_at": self.created_at,
                "offices": list(self.offices) or None}


def _offices(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def check_offices(offices: Any) -> tuple[str, ...]:
    """Office ids as stored: stripped, no repeats, in the order given (empty: every office)."""
    out = tuple(dict.fromkeys(str(o).strip() for o in offices or () if str(o).strip()))
    if any(len(o) > 100 for o in out):
        raise AccountError("id kantor terlalu panjang")
    return out


# --- passwords (werkzeug is imported only when a password is hashed or checked) ---------------


def _hash_password(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def _check_hash(pw_hash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return check_password_hash(pw_hash, password)


@functools.cache
def _dummy_hash() -> str:
    # Verifying an unknown name still costs one hash check, so response time does not tell
    # whether an account exists.
    return _hash_password(secrets.token_urlsafe(16))


# --- checks ----------------------------------------------------------------------------------


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


# --- accounts --------------------------------------------------------------------------------


def _user_row(db: Database, name: str) -> tuple[User, str] | None:
    if not name:
        return None
    row = db.execute("select name, role, created_at, password_hash, offices from users "
                     "where name = ?", [name]).fetchone()
    return (User(row[0], row[1], row[2], _offices(row[4])), row[3]) if row else None


def get_user(db: Database, name: str) -> User | None:
    """The account (the name matches case-insensitively), or None."""
    found = _user_row(db, name)
    return found[0] if found else None


def require_reviewer(db: Database, name: str | None) -> User:
    """The account a review decision (approve, reject, edit) is recorded under.

    *name* must name an existing account of this install (case-insensitive; a removed account
    no longer exists). Raises :class:`ReviewerError` (exit status 2) naming the problem: no
    name given, or no such account. The CLI's ``--as NAME`` and the review page's logged-in
    account both go through here, so the audit log only ever holds real accounts.
    """
    name = (name or "").strip()
    if not name:
        raise ReviewerError("sebutkan akun peninjau dengan --as NAMA (daftar akun: "
                            "`promo users list`)")
    user = get_user(db, name) if db.table("users").exists() else None
    if user is None:
        raise ReviewerError(f"akun peninjau {name!r} tidak ada; persetujuan harus atas nama akun "
                            f"yang terdaftar (buat dengan `promo users add {name}`, daftar: "
                            "`promo users list`)")
    return user


def add_user(db: Database, name: str, password: str, *, role: str = REVIEWER,
             offices: Any = ()) -> User:
    """Create an account (*offices*: the office ids it may review; empty = every office);
    raises :class:`AccountError` for a bad or taken name, bad password."""
    name = check_name(name)
    check_role(role)
    check_password(password)
    scope = check_offices(offices)
    pw_hash = _hash_password(password)
    user = User(name, role, clock.iso(), scope)
    with write_tx(db):
        if get_user(db, name) is not None:
            raise AccountError(f"akun {name!r} sudah ada")
        db.execute("insert into users (name, role, password_hash, created_at, updated_at, "
                   "offices) values (?, ?, ?, ?, null, ?)",
                   [name, role, pw_hash, user.created_at, json.dumps(scope) if scope else None])
    logger.info("review account %s added (role %s, offices %s)", name, role,
                ",".join(scope) or "all")
    return user


def list_users(db: Database) -> list[User]:
    """Every account, by name."""
    rows = db.execute("select name, role, created_at, offices from users "
                      "order by name collate nocase").fetchall()
    return [User(r[0], r[1], r[2], _offices(r[3])) for r in rows]


def reviewers_of(users: list[User], office_id: str) -> int:
    """How many of *users* may review *office_id*'s posts."""
    return sum(1 for u in users if u.may_review(office_id))


def count_users(db: Database) -> int:
    if not db.table("users").exists():
        return 0
    return int(db.execute("select count(*) from users").fetchone()[0])


def _admins(db: Database) -> int:
    return int(db.execute("select count(*) from users where role = 'admin'").fetchone()[0])


def remove_user(db: Database, name: str, *, actor: str | None = None) -> User:
    """Delete an account and end all its sessions at once.

    Refused (:class:`AdminRuleError`) for *actor*'s own account and for the last admin.
    """
    with write_tx(db):
        user = get_user(db, name)
        if user is None:
            raise NotFoundError(f"akun {name!r} tidak ada")
        if actor is not None and user.name.casefold() == actor.casefold():
            raise AdminRuleError("akun Anda sendiri tidak dapat dihapus")
        if user.is_admin and _admins(db) <= 1:
            raise AdminRuleError(f"admin terakhir ({user.name}) tidak dapat dihapus; jadikan "
                                 "akun lain admin dulu")
        db.execute("delete from users where name = ?", [user.name])
        db.execute("delete from review_sessions where user_name = ?", [user.name])
        db.execute("delete from login_failures where scope = 'account' and key = ?",
                   [user.name])
        db.execute("delete from login_known where name = ?", [user.name])
    logger.info("review account %s removed", user.name)
    return user


def update_user(db: Database, name: str, *, role: str | None = None,
                password: str | None = None, offices: Any = None) -> User:
    """Change an account's role, password and/or offices (*offices*: None = unchanged, empty =
    every office); a new password ends its sessions.

    Demoting the last admin is refused (:class:`AdminRuleError`).
    """
    if role is not None:
        check_role(role)
    pw_hash = _hash_password(check_password(password)) if password is not None else None
    with write_tx(db):
        user = get_user(db, name)
        if user is None:
            raise NotFoundError(f"akun {name!r} tidak ada")
        if role is not None and role != ADMIN and user.is_admin and _admins(db) <= 1:
            raise AdminRuleError(f"admin terakhir ({user.name}) tidak dapat diturunkan "
                                 "perannya; jadikan akun lain admin dulu")
        changes: dict[str, Any] = {"updated_at": clock.iso()}
        if role is not None:
            changes["role"] = role
        if pw_hash is not None:
            changes["password_hash"] = pw_hash
        scope = user.offices
        if offices is not None:
            scope = check_offices(offices)
            changes["offices"] = json.dumps(scope) if scope else None
        sets = ", ".join(f"{k} = ?" for k in changes)
        db.execute(f"update users set {sets} where name = ?",  # noqa: S608 - fixed column names
                   [*changes.values(), user.name])
        if pw_hash is not None:
            db.execute("delete from review_sessions where user_name = ?", [user.name])
    return User(user.name, role or user.role, user.created_at, scope)


def verify(db: Database, name: str, password: str) -> User | None:
    """The account when *password* is right, else None.

    Takes the same time whether or not the account exists.
    """
    found = _user_row(db, name) if name else None
    if found is None:
        _check_hash(_dummy_hash(), password or "")
        return None
    user, pw_hash = found
    return user if _check_hash(pw_hash, password or "") else None


# --- throttling ------------------------------------------------------------------------------

ADDRESS, ACCOUNT = "address", "account"
#: How long an account remembers an address it logged in from (exempt from the account's wait).
KNOWN_DAYS = 90
#: The first wait after the free failures, doubled by each further failure.
FIRST_WAIT_SECONDS = 1.0


@dataclass(frozen=True)
class LoginWait:
    """Why a login attempt must wait, and until when."""

    scope: str          # ADDRESS or ACCOUNT
    until: datetime

    def seconds(self, now: datetime) -> int:
        return max(1, round((self.until - now).total_seconds()))


def _wait_of(row: Any, now: datetime) -> datetime | None:
    until = clock.parse(row[0]) if row and row[0] else None
    return until if until is not None and until > now else None


def is_known(db: Database, name: str, client: str) -> bool:
    """True when account *name* has logged in from *client* in the last :data:`KNOWN_DAYS`."""
    row = db.execute("select last_at from login_known where name = ? and client = ?",
                     [name.strip(), client]).fetchone()
    cutoff = clock.now() - timedelta(days=KNOWN_DAYS)
    return bool(row) and datetime.fromisoformat(row[0]) > cutoff


def login_wait(db: Database, name: str, client: str) -> LoginWait | None:
    """The wait a login attempt for *name* from *client* is under now, or None (try it)."""
    now = clock.now()
    row = db.execute("select wait_until from login_failures where scope = ? and key = ?",
                     [ADDRESS, client]).fetchone()
    until = _wait_of(row, now)
    if until is not None:
        return LoginWait(ADDRESS, until)
    name = name.strip()
    if not name or is_known(db, name, client):
        return None
    row = db.execute("select wait_until from login_failures where scope = ? and key = ?",
                     [ACCOUNT, name]).fetchone()
    until = _wait_of(row, now)
    return LoginWait(ACCOUNT, until) if until is not None else None


def _backoff(failures: int, max_failures: int, longest: timedelta) -> timedelta | None:
    extra = failures - max_failures
    if extra < 0:
        return None
    # 2 ** extra grows past any cap quickly; cap the exponent so the number stays small.
    return min(timedelta(seconds=FIRST_WAIT_SECONDS * 2 ** min(extra, 40)), longest)


def record_failure(
    db: Database, name: str, client: str, *, max_failures: int, lockout_minutes: float
) -> LoginWait | None:
    """Count a failed login against *client* and (when it exists) account *name*; returns the
    wait this failure starts, if any. Failures ``lockout_minutes`` old are forgotten."""
    now = clock.now()
    longest = timedelta(minutes=lockout_minutes)
    name = name.strip()[:80]
    waits: list[LoginWait] = []
    with write_tx(db):
        keys = [(ADDRESS, client)]
        if name and get_user(db, name) is not None:
            keys.append((ACCOUNT, name))  # unknown names cannot fill the table
        for scope, key in keys:
            row = db.execute("select failures, last_at from login_failures "
                             "where scope = ? and key = ?", [scope, key]).fetchone()
            failures = 0
            if row and now - datetime.fromisoformat(row[1]) <= longest:
                failures = row[0]
            failures += 1
            wait = _backoff(failures, max_failures, longest)
            until = now + wait if wait is not None else None
            db.execute(
                "insert into login_failures (scope, key, failures, last_at, wait_until) "
                "values (?, ?, ?, ?, ?) on conflict (scope, key) do update set "
                "failures = excluded.failures, last_at = excluded.last_at, "
                "wait_until = excluded.wait_until",
                [scope, key, failures, clock.iso(now), clock.iso(until) if until else None])
            if until is not None:
                waits.append(LoginWait(scope, until))
        # Forget what nobody has tried for a while (the table stays small under spraying).
        db.execute("delete from login_failures where last_at < ?", [clock.iso(now - longest)])
    for w in waits:
        logger.warning("review login: %s %r must wait until %s", w.scope,
                       client if w.scope == ADDRESS else name, clock.iso(w.until))
    return waits[0] if waits else None


def record_success(db: Database, name: str, client: str) -> None:
    """A successful login: the address's failures are forgotten and the address is known to
    the account from now on (the account's own failures stay: they may come from elsewhere)."""
    now = clock.now()
    with write_tx(db):
        db.execute("delete from login_failures where scope = ? and key = ?", [ADDRESS, client])
        db.execute("insert into login_known (name, client, last_at) values (?, ?, ?) "
                   "on conflict (name, client) do update set last_at = excluded.last_at",
                   [name.strip(), client, clock.iso(now)])
        db.execute("delete from login_known where last_at < ?",
                   [clock.iso(now - timedelta(days=KNOWN_DAYS))])


# --- sessions --------------------------------------------------------------------------------


def _hash_sid(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def create_session(db: Database, user_name: str, *, hours: float, client: str = "") -> str:
    """A new random session id for *user_name* (store it in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    with write_tx(db):
        # Forget expired sessions while we are here.
        db.execute("delete from review_sessions where expires_at < ?", [clock.iso(now)])
        db.execute(
            "insert into review_sessions (id_hash, user_name, created_at, last_seen_at, "
            "expires_at, client) values (?, ?, ?, ?, ?, ?)",
            [_hash_sid(sid), user_name, clock.iso(now), clock.iso(now),
             clock.iso(now + timedelta(hours=hours)), client[:200]])
    return sid


def session_user(db: Database, sid: str | None) -> User | None:
    """The account behind a live session id, or None (unknown, expired, or account removed)."""
    if not sid or not isinstance(sid, str):
        return None
    row = db.execute(
        "select s.expires_at, s.last_seen_at, u.name, u.role, u.created_at, u.offices "
        "from review_sessions s join users u on u.name = s.user_name where s.id_hash = ?",
        [_hash_sid(sid)],
    ).fetchone()
    if row is None:
        return None
    now = clock.now()
    if datetime.fromisoformat(row[0]) <= now:
        end_session(db, sid)
        return None
    # Touch last_seen at most every five minutes: a write per page view would cost an fsync.
    if now - datetime.fromisoformat(row[1]) > timedelta(minutes=5):
        with write_tx(db):
            db.execute("update review_sessions set last_seen_at = ? where id_hash = ?",
                       [clock.iso(now), _hash_sid(sid)])
    return User(row[2], row[3], row[4], _offices(row[5]))


def end_session(db: Database, sid: str | None) -> None:
    if not sid or not isinstance(sid, str):
        return
    with write_tx(db):
        db.execute("delete from review_sessions where id_hash = ?", [_hash_sid(sid)])
