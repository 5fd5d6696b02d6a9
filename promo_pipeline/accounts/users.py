"""Reviewer accounts and the rules about them: the ``users`` table's owner.

Settings read: none (the callers pass plain values, so the CLI and the page share the rules).

``users`` holds one row per named reviewer: ``name`` (case-insensitive, unique), ``role``
(``reviewer`` | ``admin``), ``password_hash`` (werkzeug scrypt), ``created_at``, ``offices``
(JSON list of the office ids it may review; NULL = every office, e.g. a Kanwil's admin). Its
schema is in :mod:`promo_pipeline.accounts.schema`; this module alone speaks SQL to it and
returns :class:`User` records (never a password hash).

The office rule lives here (:meth:`User.may_review`): an account acts only on the posts of
the offices it was given (``promo users add NAME --offices ID,ID``), an account without offices
on every office's; the queue, the CLI and the review page ask it, and refuse with
:class:`~promo_pipeline.errors.OfficeScopeError` (exit 2, 403 on the page).

The admin rules live here, so ``promo users`` and the review page both get them: nobody removes
their own account, and the last admin can be neither removed nor demoted
(:class:`~promo_pipeline.errors.AdminRuleError`, exit status 2). So does the rule of a named
approval (:func:`require_reviewer`): approving, rejecting or editing a post is done as an
existing account of this install, never as the OS user or a typed-in name
(:class:`~promo_pipeline.errors.ReviewerError`, exit status 2). Removing an account or setting
a new password ends its sessions (:mod:`promo_pipeline.accounts.logins`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

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
    # A session belongs to an account, so logins imports this module, not the other way round.
    from promo_pipeline.accounts import logins

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
        logins.forget_account(db, user.name)
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
    from promo_pipeline.accounts import logins  # (see remove_user)

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
            logins.end_sessions_of(db, user.name)
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
