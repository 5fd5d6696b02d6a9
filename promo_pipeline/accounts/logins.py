"""Logging in: server-side review sessions and login throttling, the owner of the
``review_sessions``, ``login_failures`` and ``login_known`` tables (schema in
:mod:`promo_pipeline.accounts.schema`).

Settings read: ``review.session_hours``, ``review.max_login_failures``, ``review.lockout_minutes``
(passed in by the caller as plain values, so the CLI and the page share these functions).

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
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock
from promo_pipeline.accounts.users import User, get_user
from promo_pipeline.store import write_tx

logger = logging.getLogger(__name__)

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
    row = db.execute("select expires_at, last_seen_at, user_name from review_sessions "
                     "where id_hash = ?", [_hash_sid(sid)]).fetchone()
    user = get_user(db, row[2]) if row is not None else None
    if user is None:
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
    return user


def end_session(db: Database, sid: str | None) -> None:
    if not sid or not isinstance(sid, str):
        return
    with write_tx(db):
        db.execute("delete from review_sessions where id_hash = ?", [_hash_sid(sid)])


def end_sessions_of(db: Database, name: str) -> None:
    """End every session of account *name* (its password changed); inside the caller's
    write transaction."""
    with write_tx(db):
        db.execute("delete from review_sessions where user_name = ?", [name])


def forget_account(db: Database, name: str) -> None:
    """Drop account *name*'s sessions, failure count and known addresses (the account is
    being removed); inside the caller's write transaction."""
    with write_tx(db):
        db.execute("delete from review_sessions where user_name = ?", [name])
        db.execute("delete from login_failures where scope = 'account' and key = ?", [name])
        db.execute("delete from login_known where name = ?", [name])
