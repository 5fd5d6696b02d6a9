"""The review queue: posts, their states, and the audit log of every transition.

Settings read: ``captions.channels``, ``captions.primary``, ``captions.templates_dir``,
``brand.*``, ``offices[].timezone``, ``source.site_base``, ``storage.output_dir``.

A post is one or more images plus a caption per channel, for one lot (``kind = "lot"``), a weekly
digest of many lots (``"digest"``) or an H-1 reminder (``"reminder"``). Each post stores its
captions, their lint findings (:func:`promo_pipeline.captions.lint`) and the lot facts it was
made from, so a reviewer sees exactly what will go out and what changed since the last version.

States (:data:`TRANSITIONS` is the whole table)::

    pending     → approved | rejected | expired | outdated | withdrawn
    approved    → published | failed | unconfirmed | pending (un-approve) | expired | outdated
                  | withdrawn
    failed      → approved (send again, by a human) | expired | outdated | withdrawn
    unconfirmed → published (a human confirmed it went out) | approved (it did not; send again)
    rejected    → pending (reopen)
    published, expired, outdated, withdrawn: terminal

Every transition, caption edit and image change is stored in ``post_events`` (who, when, from,
to, why) in the same transaction as the change itself (:func:`promo_pipeline.store.write_tx`).
Image paths are stored relative to ``storage.output_dir`` when they are inside it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import captions as cap
from promo_pipeline import crash, formats, store
from promo_pipeline.errors import (
    NotFoundError,
    NotQueueableError,
    TransitionError,
    UsageError,
)
from promo_pipeline.models import LOT_ENDED, LOT_WITHDRAWN, Lot

logger = logging.getLogger(__name__)

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
PUBLISHED = "published"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
EXPIRED = "expired"
OUTDATED = "outdated"
WITHDRAWN = "withdrawn"

STATUSES = (PENDING, APPROVED, REJECTED, PUBLISHED, FAILED, UNCONFIRMED, EXPIRED, OUTDATED,
            WITHDRAWN)

#: Allowed state changes: from → the states it may move to. Anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED, EXPIRED, OUTDATED, WITHDRAWN}),
    APPROVED: frozenset({PUBLISHED, FAILED, UNCONFIRMED, PENDING, EXPIRED, OUTDATED, WITHDRAWN}),
    FAILED: frozenset({APPROVED, EXPIRED, OUTDATED, WITHDRAWN}),
    UNCONFIRMED: frozenset({PUBLISHED, APPROVED}),
    REJECTED: frozenset({PENDING}),
    PUBLISHED: frozenset(),
    EXPIRED: frozenset(),
    OUTDATED: frozenset(),
    WITHDRAWN: frozenset(),
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
#: Posts that the system itself moves when their lot ends, changes or is withdrawn.
OPEN = (PENDING, APPROVED, FAILED)
#: Posts whose captions and images a reviewer may still change.
EDITABLE = (PENDING, APPROVED, FAILED)

#: Status names for staff (CLI, review page).
STATUS_LABELS = {
    PENDING: "menunggu tinjauan",
    APPROVED: "disetujui",
    REJECTED: "ditolak",
    PUBLISHED: "terbit",
    FAILED: "gagal terbit",
    UNCONFIRMED: "belum pasti terbit",
    EXPIRED: "kedaluwarsa",
    OUTDATED: "usang (ada versi baru)",
    WITHDRAWN: "ditarik",
}
KIND_LABELS = {"lot": "lot", "digest": "rangkuman pekanan", "reminder": "pengingat H-1"}

SYSTEM = "system"

migrations = Migrations("queue")


@migrations()
def m001_posts(db: Database) -> None:
    db["posts"].create(
        {
            "id": int,
            "kind": str,              # lot | digest | reminder
            "dedupe_key": str,        # UNIQUE: one post per (kind, lot, lot version) / digest week
            "lot_id": str,            # the lot (null for digests)
            "lot_ids": str,           # JSON list of lot ids (one for lot/reminder posts)
            "office_id": str,
            "version": int,           # 1, 2, ... per lot: a new version when the lot changed
            "content_hash": str,      # the lot's content_hash this post was made from
            "status": str,
            "template": str,          # design chosen by the reviewer (null = configured formats)
            "images": str,            # JSON list of image paths, relative to storage.output_dir
            "captions": str,          # JSON object: channel -> caption text
            "lint": str,              # JSON list of {channel, level, code, message}
            "blocking": int,          # 1 when a lint finding blocks approval (missing/wrong figure)
            "changes": str,           # JSON list of {field, old, new} against the previous version
            "previous_post_id": int,
            "approved_by": str,
            "approved_at": str,
            "reason": str,            # last rejection / state reason
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["posts"].create_index(["dedupe_key"], unique=True)
    db["posts"].create_index(["status"])
    db["posts"].create_index(["lot_id"])
    db["post_events"].create(
        {
            "id": int,
            "post_id": int,
            "at": str,
            "actor": str,             # reviewer name, or "system"
            "from_status": str,
            "to_status": str,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_events"].create_index(["post_id"])


@migrations()
def m002_facts_deadline_event_action(db: Database) -> None:
    # The lot facts a post was made from (to show "what changed" and to audit), the earliest
    # deadline among its lots (to sort the queue by urgency), and what kind of event a
    # post_events row records (a transition, a caption edit, an image change).
    db["posts"].add_column("facts", str)
    db["posts"].add_column("deadline_at", str)
    db["posts"].create_index(["status", "deadline_at"])
    db["post_events"].add_column("action", str)
    db["post_events"].add_column("detail", str)
    db["post_events"].create_index(["actor"])


# --- helpers -------------------------------------------------------------------------------------

_JSON_FIELDS = {"lot_ids": list, "images": list, "captions": dict, "lint": list,
                "changes": list, "facts": dict}


def _now(now: datetime | None = None) -> datetime:
    return (now or store.now_utc()).astimezone(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _decode(row: Mapping[str, Any]) -> dict[str, Any]:
    post = dict(row)
    for key, kind in _JSON_FIELDS.items():
        value = post.get(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                logger.warning("post %s: column %s is not valid JSON", post.get("id"), key)
                value = None
        post[key] = value if isinstance(value, kind) else kind()
    if not post["lot_ids"] and post.get("lot_id"):
        post["lot_ids"] = [post["lot_id"]]
    post["blocking"] = bool(post.get("blocking"))
    return post


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _row(db: Database, post_id: int) -> dict[str, Any]:
    rows = list(db["posts"].rows_where("id = ?", [post_id]))
    if not rows:
        raise NotFoundError(f"unggahan #{post_id} tidak ada")
    return rows[0]


def _label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "-")


def _add_event(db: Database, post_id: int, *, actor: str, from_status: str | None,
               to_status: str | None, reason: str | None, action: str,
               detail: Mapping[str, Any] | None = None, at: str | None = None) -> None:
    db["post_events"].insert({
        "post_id": post_id,
        "at": at or store.iso_now(),
        "actor": actor,
        "from_status": from_status,
        "to_status": to_status,
        "reason": reason,
        "action": action,
        "detail": _dumps(dict(detail)) if detail else None,
    })


def _move(db: Database, row: Mapping[str, Any], to_status: str, *, actor: str,
          reason: str | None, updates: Mapping[str, Any] | None = None) -> None:
    """Change a post's status inside the caller's transaction, with its audit row."""
    frm = row["status"]
    if to_status not in TRANSITIONS.get(frm, frozenset()):
        raise TransitionError(_refusal(row["id"], frm, to_status))
    at = store.iso_now()
    values = {"status": to_status, "updated_at": at}
    if reason:
        values["reason"] = reason
    if to_status == PENDING:
        values.update({"approved_by": None, "approved_at": None})
    values.update(updates or {})
    db["posts"].update(row["id"], values)
    _add_event(db, row["id"], actor=actor, from_status=frm, to_status=to_status, reason=reason,
               action="transition", at=at)
    logger.info("post %s: %s -> %s by %s", row["id"], frm, to_status, actor)


def _refusal(post_id: int, frm: str, to: str) -> str:
    if frm == to:
        return f"unggahan #{post_id} sudah berstatus {_label(frm)}"
    if frm in TERMINAL:
        return (f"unggahan #{post_id} berstatus {_label(frm)} dan tidak dapat diubah lagi "
                f"(ke {_label(to)})")
    allowed = ", ".join(_label(s) for s in sorted(TRANSITIONS.get(frm, ()))) or "-"
    return (f"unggahan #{post_id} tidak dapat diubah dari {_label(frm)} ke {_label(to)}; "
            f"dari {_label(frm)} hanya bisa ke: {allowed}")


def _actor(actor: str | None) -> str:
    name = " ".join((actor or "").split())
    if not name:
        raise TransitionError("nama peninjau wajib diisi")
    return name[:100]


def _office_tz(cfg: Any, office_id: str | None) -> str:
    office = cfg.office(office_id) if office_id else None
    return office.timezone if office else cfg.default_timezone


def _store_image(cfg: Any, image: str | Path) -> str:
    """An image path as stored: relative to ``storage.output_dir`` when inside it."""
    path = Path(image)
    if cfg is None:
        return str(image)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(cfg.output_dir.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def image_paths(cfg: Any, post: Mapping[str, Any]) -> list[Path]:
    """A post's images as absolute paths (stored paths are relative to ``storage.output_dir``)."""
    images = post.get("images")
    if isinstance(images, str):
        images = json.loads(images or "[]")
    return [cfg.output_dir / p for p in images or []]


def _deadline(lots: Iterable[Lot]) -> str | None:
    times = [lot.deposit_deadline or lot.ends_at for lot in lots]
    return _iso(min(times)) if times else None


def _lot_closed(lot: Lot, now: datetime) -> str | None:
    """Why a lot can no longer be promoted (Indonesian), or None when it still can."""
    if lot.status == LOT_WITHDRAWN:
        return f"lot {lot.id} sudah ditarik dari lelang.go.id"
    if lot.status == LOT_ENDED or lot.ends_at <= now:
        return f"lelang lot {lot.id} sudah berakhir"
    if lot.deposit_deadline and lot.deposit_deadline <= now:
        return f"batas setor jaminan lot {lot.id} sudah lewat"
    return None


# --- what changed between two versions -----------------------------------------------------------

_CHANGE_LABELS = {
    "title": "Judul",
    "limit_value": "Nilai limit",
    "deposit": "Uang jaminan",
    "bid_increment": "Kelipatan penawaran",
    "starts_at": "Mulai lelang",
    "ends_at": "Penawaran ditutup",
    "deposit_deadline": "Batas setor jaminan",
    "location": "Lokasi",
    "photos": "Foto",
}


def _readable(field: str, value: Any, tz: str) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if field in ("limit_value", "deposit", "bid_increment"):
        return formats.rupiah(int(value))
    if field in ("starts_at", "ends_at", "deposit_deadline"):
        return formats.datetime_long(datetime.fromisoformat(value), tz)
    if field == "photos":
        return f"{len(value)} foto"
    return str(value)


def lot_changes(old: Mapping[str, Any], new: Mapping[str, Any], tz: str) -> list[dict[str, str]]:
    """The facts that differ between two ``Lot.to_json()`` snapshots, in readable Indonesian."""
    out = []
    for field, label in _CHANGE_LABELS.items():
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        old_text, new_text = _readable(field, before, tz), _readable(field, after, tz)
        if field == "photos" and old_text == new_text:
            new_text += " (foto diganti)"
        out.append({"field": field, "label": label, "old": old_text, "new": new_text})
    return out


# --- creating posts ------------------------------------------------------------------------------


def _make_captions(cfg: Any, kind: str, lots: Sequence[Lot], *, office_id: str,
                   week: str | None = None) -> tuple[dict[str, str], list[dict[str, str]]]:
    if kind == "digest":
        made = cap.captions_for_digest(cfg, office_id, lots, week=week or "")
    else:
        made = cap.captions_for_lot(cfg, lots[0], kind=kind)
    texts = {ch: c.text for ch, c in made.items()}
    findings = cap.lint_for(cfg, texts, lots=lots, kind=kind, office_id=office_id)
    return texts, findings


def _insert_post(db: Database, *, kind: str, dedupe_key: str, lots: Sequence[Lot],
                 office_id: str, version: int, content_hash: str, images: list[str],
                 captions: Mapping[str, str], findings: list[dict[str, str]],
                 changes: list[dict[str, str]], previous_post_id: int | None,
                 facts: Mapping[str, Any], reason: str) -> int:
    at = store.iso_now()
    db["posts"].insert({
        "kind": kind,
        "dedupe_key": dedupe_key,
        "lot_id": lots[0].id if kind != "digest" else None,
        "lot_ids": _dumps([lot.id for lot in lots]),
        "office_id": office_id,
        "version": version,
        "content_hash": content_hash,
        "status": PENDING,
        "template": None,
        "images": _dumps(images),
        "captions": _dumps(dict(captions)),
        "lint": _dumps(findings),
        "blocking": int(cap.is_blocking(findings)),
        "changes": _dumps(changes),
        "previous_post_id": previous_post_id,
        "approved_by": None,
        "approved_at": None,
        "reason": None,
        "created_at": at,
        "updated_at": at,
        "facts": _dumps(dict(facts)),
        "deadline_at": _deadline(lots),
    })
    post_id = db.execute("select last_insert_rowid()").fetchone()[0]
    _add_event(db, post_id, actor=SYSTEM, from_status=None, to_status=PENDING, reason=reason,
               action="create", detail={"version": version, "kind": kind}, at=at)
    return post_id


def _unique_key(db: Database, key: str, version: int) -> str:
    """The dedupe key; a lot that changed back to an earlier version gets a suffixed key."""
    if db.execute("select 1 from posts where dedupe_key = ?", [key]).fetchone():
        return f"{key}:v{version}"
    return key


def _refresh_images(db: Database, cfg: Any, post_id: int, images: Sequence[str | Path]) -> None:
    """Point a still-pending post at freshly rendered images (the design or brand changed, the
    lot did not). Approved posts keep what the reviewer approved; a design the reviewer picked
    (``template``) is kept too."""
    stored = [_store_image(cfg, p) for p in images]
    if not stored:
        return
    with store.write_tx(db):
        row = _row(db, post_id)
        if row["status"] != PENDING or row["template"] or _decode(row)["images"] == stored:
            return
        at = store.iso_now()
        db["posts"].update(post_id, {"images": _dumps(stored), "updated_at": at})
        _add_event(db, post_id, actor=SYSTEM, from_status=PENDING, to_status=PENDING,
                   reason="gambar dirender ulang", action="images",
                   detail={"old": _decode(row)["images"], "new": stored}, at=at)


def _outdate(db: Database, rows: Iterable[Mapping[str, Any]], reason: str) -> list[int]:
    moved = []
    for row in rows:
        if OUTDATED in TRANSITIONS.get(row["status"], ()):
            _move(db, row, OUTDATED, actor=SYSTEM, reason=reason)
            moved.append(row["id"])
    return moved


def sync_lot_post(db: Database, cfg: Any, lot: Lot, images: Sequence[str | Path]
                  ) -> tuple[int, bool]:
    """The post for this version of *lot*: created (``True``) or the existing one (``False``).

    ``dedupe_key = f"lot:{lot.id}:{lot.content_hash()}"``, so running twice never makes a second
    post for the same lot version. When the lot changed since an earlier post, the earlier
    unpublished posts (pending, approved, failed; its reminders too) become ``outdated`` and
    the new post gets ``version = previous + 1``, ``previous_post_id`` and ``changes``.
    Raises :class:`NotQueueableError` for a lot that ended, was withdrawn or whose deposit
    deadline passed (and that has no post for this version yet).
    """
    chash = lot.content_hash()
    existing = _find_current(db, "lot", lot.id, chash)
    if existing is not None:
        _refresh_images(db, cfg, existing, images)
        return existing, False
    now = _now()
    closed = _lot_closed(lot, now)
    if closed:
        raise NotQueueableError(f"tidak dibuatkan unggahan: {closed}")
    office_id = lot.office_id
    texts, findings = _make_captions(cfg, "lot", [lot], office_id=office_id)
    facts = lot.to_json()
    stored_images = [_store_image(cfg, p) for p in images]
    with store.write_tx(db):
        # Checked again under the write lock: another process may have queued it meanwhile.
        existing = _find_current(db, "lot", lot.id, chash)
        if existing is not None:
            return existing, False
        found = _query(db, "select * from posts where kind = 'lot' and lot_id = ? "
                       "order by version desc, id desc limit 1", [lot.id])
        prev_row = found[0] if found else None
        version = (prev_row["version"] or 0) + 1 if prev_row else 1
        changes = []
        if prev_row:
            old_facts = _decode(prev_row)["facts"]
            changes = lot_changes(old_facts, facts, _office_tz(cfg, office_id))
        open_rows = [r for r in _query(
            db, "select * from posts where lot_id = ? and kind in ('lot', 'reminder')",
            [lot.id]) if r["status"] in OPEN]
        key = _unique_key(db, f"lot:{lot.id}:{chash}", version)
        post_id = _insert_post(
            db, kind="lot", dedupe_key=key, lots=[lot], office_id=office_id, version=version,
            content_hash=chash, images=stored_images, captions=texts, findings=findings,
            changes=changes, previous_post_id=prev_row["id"] if prev_row else None, facts=facts,
            reason=f"dibuat dari lot (versi {version})")
        _outdate(db, open_rows, f"lot berubah; diganti unggahan #{post_id} (versi {version})")
    logger.info("queued post %s for lot %s (version %s)", post_id, lot.id, version)
    crash.point("after_post_queued")
    return post_id, True


def _query(db: Database, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(args))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _find_current(db: Database, kind: str, lot_id: str, chash: str) -> int | None:
    row = db.execute(
        "select id from posts where kind = ? and lot_id = ? and content_hash = ? "
        "and status != ? order by version desc, id desc limit 1",
        [kind, lot_id, chash, OUTDATED]).fetchone()
    return row[0] if row else None


def digest_hash(lots: Iterable[Lot]) -> str:
    """Identifies a digest's content: its lots and each lot's version."""
    blob = json.dumps(sorted((lot.id, lot.content_hash()) for lot in lots))
    return hashlib.sha256(blob.encode()).hexdigest()


def sync_digest_post(db: Database, cfg: Any, office_id: str, lots: Sequence[Lot],
                     images: Sequence[str | Path], *, week: str) -> tuple[int, bool]:
    """The weekly digest post of *office_id* for ISO *week* (``2026-W11``) over *lots*.

    Lots that can no longer be promoted (ended, withdrawn, deposit deadline passed) are left
    out. The same lots at the same versions give the same post; a different set (or a changed
    lot) makes a new version and outdates the week's earlier unpublished digest.
    """
    try:
        cap.week_monday(week)
    except ValueError as exc:
        raise UsageError(f"pekan tidak sah: {exc}") from None
    now = _now()
    usable = [lot for lot in lots if lot.office_id == office_id and not _lot_closed(lot, now)]
    if not usable:
        raise NotQueueableError(
            f"tidak ada lot yang masih bisa dipromosikan untuk rangkuman {week}")
    usable.sort(key=lambda lt: (lt.deposit_deadline or lt.ends_at, lt.id))
    dhash = digest_hash(usable)
    prefix = f"digest:{office_id}:{week}:"
    row = db.execute("select id from posts where dedupe_key like ? || '%' and content_hash = ? "
                     "and status != ? order by version desc limit 1",
                     [prefix, dhash, OUTDATED]).fetchone()
    if row:
        _refresh_images(db, cfg, row[0], images)
        return row[0], False
    texts, findings = _make_captions(cfg, "digest", usable, office_id=office_id, week=week)
    facts = {"week": week, "lots": [lot.to_json() for lot in usable]}
    stored_images = [_store_image(cfg, p) for p in images]
    with store.write_tx(db):
        row = db.execute("select id from posts where dedupe_key like ? || '%' and "
                         "content_hash = ? and status != ? order by version desc limit 1",
                         [prefix, dhash, OUTDATED]).fetchone()
        if row:
            return row[0], False
        earlier = _query(db, "select * from posts where kind = 'digest' and dedupe_key like "
                         "? || '%' order by version desc, id desc", [prefix])
        prev = earlier[0] if earlier else None
        version = (prev["version"] or 0) + 1 if prev else 1
        changes = _digest_changes(_decode(prev)["facts"], facts) if prev else []
        key = _unique_key(db, f"{prefix}{dhash[:16]}", version)
        post_id = _insert_post(
            db, kind="digest", dedupe_key=key, lots=usable, office_id=office_id,
            version=version, content_hash=dhash, images=stored_images, captions=texts,
            findings=findings, changes=changes, previous_post_id=prev["id"] if prev else None,
            facts=facts, reason=f"rangkuman {week} (versi {version})")
        _outdate(db, [r for r in earlier if r["status"] in OPEN],
                 f"daftar lot pekan ini berubah; diganti unggahan #{post_id}")
    crash.point("after_post_queued")
    return post_id, True


def _digest_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, str]]:
    before = {lot["id"]: lot for lot in old.get("lots", [])}
    after = {lot["id"]: lot for lot in new.get("lots", [])}
    out = []
    for lot_id in after.keys() - before.keys():
        out.append({"field": "lots", "label": "Lot ditambahkan", "old": "-",
                    "new": after[lot_id]["title"]})
    for lot_id in before.keys() - after.keys():
        out.append({"field": "lots", "label": "Lot dihapus", "old": before[lot_id]["title"],
                    "new": "-"})
    for lot_id in after.keys() & before.keys():
        if before[lot_id] != after[lot_id]:
            out.append({"field": "lots", "label": "Lot berubah",
                        "old": before[lot_id]["title"], "new": after[lot_id]["title"]})
    return out


def sync_reminder_post(db: Database, cfg: Any, lot: Lot, images: Sequence[str | Path]
                       ) -> tuple[int, bool]:
    """The optional H-1 reminder for *lot*, only when its current lot post is approved or
    published and the deposit deadline is still ahead; one reminder per lot version."""
    chash = lot.content_hash()
    existing = _find_current(db, "reminder", lot.id, chash)
    if existing is not None:
        _refresh_images(db, cfg, existing, images)
        return existing, False
    closed = _lot_closed(lot, _now())
    if closed:
        raise NotQueueableError(f"tidak dibuatkan pengingat: {closed}")
    main = db.execute(
        "select id, version from posts where kind = 'lot' and lot_id = ? and content_hash = ? "
        "and status in (?, ?) order by version desc limit 1",
        [lot.id, chash, APPROVED, PUBLISHED]).fetchone()
    if main is None:
        raise NotQueueableError(
            f"pengingat hanya dibuat untuk lot yang unggahannya sudah disetujui (lot {lot.id})")
    texts, findings = _make_captions(cfg, "reminder", [lot], office_id=lot.office_id)
    stored_images = [_store_image(cfg, p) for p in images]
    with store.write_tx(db):
        existing = _find_current(db, "reminder", lot.id, chash)
        if existing is not None:
            return existing, False
        key = _unique_key(db, f"reminder:{lot.id}:{chash}", main[1])
        post_id = _insert_post(
            db, kind="reminder", dedupe_key=key, lots=[lot], office_id=lot.office_id,
            version=main[1], content_hash=chash, images=stored_images, captions=texts,
            findings=findings, changes=[], previous_post_id=main[0], facts=lot.to_json(),
            reason=f"pengingat H-1 untuk unggahan #{main[0]}")
    crash.point("after_post_queued")
    return post_id, True


# --- lot lifecycle -------------------------------------------------------------------------------


def apply_lot_states(db: Database, cfg: Any, *, now: datetime | None = None) -> dict[str, int]:
    """Move open posts (pending, approved, failed) whose lots moved on.

    A withdrawn lot withdraws its posts; an ended auction or a passed deposit deadline expires
    them. A digest expires when none of its lots can still be joined and becomes ``outdated``
    when one of its lots was withdrawn (the next digest run makes a version without it).
    Returns counts per new status.
    """
    moment = _now(now)
    counts = {EXPIRED: 0, WITHDRAWN: 0, OUTDATED: 0}
    with store.write_tx(db):
        # Only what the decision needs: captions, facts and lint of every open post would hold
        # hundreds of MB for a national catalogue.
        rows = _query(db, "select id, kind, status, lot_id, lot_ids from posts "
                      "where status in (?, ?, ?)", OPEN)
        for row in rows:
            lot_ids = _decode(row)["lot_ids"]
            lots = [lot for lot in (store.get_lot(db, i) for i in lot_ids) if lot is not None]
            if not lots:
                continue
            target, reason = _lifecycle_target(row["kind"], lots, moment)
            if target:
                _move(db, row, target, actor=SYSTEM, reason=reason)
                counts[target] += 1
    if any(counts.values()):
        logger.info("lot states applied: %s", counts)
    return counts


def _lifecycle_target(kind: str, lots: Sequence[Lot], now: datetime
                      ) -> tuple[str | None, str | None]:
    withdrawn = [lot for lot in lots if lot.status == LOT_WITHDRAWN]
    if kind == "digest":
        if withdrawn:
            return OUTDATED, f"lot {withdrawn[0].id} ditarik dari lelang.go.id"
        if all(_lot_closed(lot, now) for lot in lots):
            return EXPIRED, "semua lot dalam rangkuman sudah lewat batas waktu"
        return None, None
    lot = lots[0]
    if withdrawn:
        return WITHDRAWN, "lot ditarik dari lelang.go.id"
    closed = _lot_closed(lot, now)
    if closed:
        return EXPIRED, closed
    return None, None


# --- reviewer actions ----------------------------------------------------------------------------


def transition(db: Database, post_id: int, to_status: str, *, actor: str,
               reason: str | None = None) -> dict[str, Any]:
    """Move a post to *to_status* if :data:`TRANSITIONS` allows it; raises
    :class:`TransitionError` in plain words otherwise. Moving to ``approved`` goes through
    the same checks as :func:`approve`. Returns the updated post."""
    if to_status not in TRANSITIONS:
        raise TransitionError(f"status tidak dikenal: {to_status!r} (pilihan: "
                              f"{', '.join(STATUSES)})")
    if to_status == APPROVED:
        return approve(db, post_id, actor=actor, reason=reason)
    who = _actor(actor)
    reason = " ".join((reason or "").split()) or None
    with store.write_tx(db):
        row = _row(db, post_id)
        _move(db, row, to_status, actor=who, reason=reason)
    return get_post(db, post_id)


def approve(db: Database, post_id: int, *, actor: str, reason: str | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """Approve a post (from pending, failed or unconfirmed). Refused while a blocking lint
    finding exists and when its auction ended (or its deposit deadline passed)."""
    who = _actor(actor)
    moment = _now(now)
    with store.write_tx(db):
        row = _row(db, post_id)
        if APPROVED not in TRANSITIONS.get(row["status"], ()):
            raise TransitionError(_refusal(post_id, row["status"], APPROVED))
        post = _decode(row)
        if post["blocking"]:
            problems = "; ".join(dict.fromkeys(
                f["message"].rstrip(".") for f in post["lint"] if f.get("level") == "block"))
            raise TransitionError(f"unggahan #{post_id} belum bisa disetujui: "
                                  f"{problems or 'ada angka yang hilang atau salah'}")
        lots = [lot for lot in (store.get_lot(db, i) for i in post["lot_ids"]) if lot]
        closed = [_lot_closed(lot, moment) for lot in lots]
        if lots and (all(closed) if post["kind"] == "digest" else closed[0]):
            raise TransitionError(f"unggahan #{post_id} tidak dapat disetujui: "
                                  f"{next(c for c in closed if c)}")
        _move(db, row, APPROVED, actor=who, reason=reason,
              updates={"approved_by": who, "approved_at": _iso(moment)})
    return get_post(db, post_id)


def reject(db: Database, post_id: int, *, actor: str, reason: str) -> dict[str, Any]:
    """Reject a pending post; the reason is required and stored."""
    text = " ".join((reason or "").split())
    if not text:
        raise TransitionError("alasan penolakan wajib diisi")
    return transition(db, post_id, REJECTED, actor=actor, reason=text)


def edit_caption(db: Database, cfg: Any, post_id: int, channel: str, text: str, *,
                 actor: str) -> dict[str, Any]:
    """Replace one channel's caption, re-run the lint over the post, record the edit.

    Allowed while the post is pending, approved or failed. An approved post goes back to
    pending: what the reviewer approved is no longer what would go out.
    """
    who = _actor(actor)
    new_text = cap.tidy(text or "")
    if not new_text:
        raise UsageError("keterangan tidak boleh kosong")
    post = get_post(db, post_id)
    if channel not in post["captions"] and channel not in cfg.captions.channels:
        raise UsageError(f"kanal {channel!r} tidak ada di unggahan #{post_id} (pilihan: "
                         f"{', '.join(post['captions']) or '-'})")
    lots = [lot for lot in (store.get_lot(db, i) for i in post["lot_ids"]) if lot]
    if not lots:
        raise NotFoundError(f"lot unggahan #{post_id} tidak ada di basis data")
    with store.write_tx(db):
        row = _row(db, post_id)
        if row["status"] not in EDITABLE:
            raise TransitionError(f"keterangan unggahan #{post_id} tidak dapat diubah karena "
                                  f"statusnya {_label(row['status'])}")
        current = _decode(row)
        old_text = current["captions"].get(channel, "")
        if old_text == new_text:
            return current
        texts = dict(current["captions"], **{channel: new_text})
        findings = cap.lint_for(cfg, texts, lots=lots, kind=row["kind"],
                                office_id=row["office_id"])
        at = store.iso_now()
        db["posts"].update(post_id, {"captions": _dumps(texts), "lint": _dumps(findings),
                                     "blocking": int(cap.is_blocking(findings)),
                                     "updated_at": at})
        _add_event(db, post_id, actor=who, from_status=row["status"], to_status=row["status"],
                   reason=f"keterangan {channel} diubah", action="edit",
                   detail={"channel": channel, "old": old_text, "new": new_text}, at=at)
        if row["status"] == APPROVED:
            _move(db, _row(db, post_id), PENDING, actor=who,
                  reason="keterangan diubah setelah disetujui; perlu disetujui ulang")
    return get_post(db, post_id)


def set_images(db: Database, post_id: int, images: Sequence[str | Path], *, actor: str,
               cfg: Any = None, template: str | None = None) -> dict[str, Any]:
    """Replace a post's images (a reviewer picked another design). Paths are stored relative
    to ``storage.output_dir`` when *cfg* is given and they are inside it. An approved post
    goes back to pending."""
    who = _actor(actor)
    stored = [_store_image(cfg, p) for p in images]
    if not stored:
        raise UsageError("unggahan harus punya paling sedikit satu gambar")
    with store.write_tx(db):
        row = _row(db, post_id)
        if row["status"] not in EDITABLE:
            raise TransitionError(f"gambar unggahan #{post_id} tidak dapat diganti karena "
                                  f"statusnya {_label(row['status'])}")
        old = _decode(row)["images"]
        if old == stored and (template is None or template == row["template"]):
            return _decode(row)
        at = store.iso_now()
        values: dict[str, Any] = {"images": _dumps(stored), "updated_at": at}
        if template is not None:
            values["template"] = template
        db["posts"].update(post_id, values)
        _add_event(db, post_id, actor=who, from_status=row["status"], to_status=row["status"],
                   reason="gambar diganti" + (f" (desain {template})" if template else ""),
                   action="images", detail={"old": old, "new": stored, "template": template},
                   at=at)
        if row["status"] == APPROVED:
            _move(db, _row(db, post_id), PENDING, actor=who,
                  reason="gambar diganti setelah disetujui; perlu disetujui ulang")
    return get_post(db, post_id)


# --- reading -------------------------------------------------------------------------------------


def get_post(db: Database, post_id: int) -> dict[str, Any]:
    """One post with its JSON columns decoded; :class:`NotFoundError` when there is none."""
    return _decode(_row(db, post_id))


_ORDER = ("case status " + " ".join(f"when '{s}' then {i}" for i, s in enumerate(
    (PENDING, FAILED, UNCONFIRMED, APPROVED, REJECTED, PUBLISHED, EXPIRED, OUTDATED, WITHDRAWN)))
    + " else 99 end, coalesce(deadline_at, '9999'), id")


def list_posts(db: Database, *, status: str | Sequence[str] | None = None,
               office_id: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[dict[str, Any]]:
    """Posts, those needing attention first (pending, failed, unconfirmed, approved, …), then
    by the nearest deadline. *status* may be one status or several."""
    where, args = [], []
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise UsageError(f"status tidak dikenal: {', '.join(unknown)} "
                             f"(pilihan: {', '.join(STATUSES)})")
        where.append(f"status in ({','.join('?' * len(wanted))})")
        args += wanted
    if office_id:
        where.append("office_id = ?")
        args.append(office_id)
    sql = "select * from posts"
    if where:
        sql += " where " + " and ".join(where)
    sql += f" order by {_ORDER}"
    if limit is not None:
        sql += " limit ? offset ?"
        args += [max(0, int(limit)), max(0, int(offset))]
    elif offset:
        sql += " limit -1 offset ?"
        args.append(max(0, int(offset)))
    return [_decode(r) for r in _query(db, sql, args)]


def count_by_status(db: Database) -> dict[str, int]:
    """Number of posts in every status (zero included), in :data:`STATUSES` order."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in db.execute("select status, count(*) from posts group by status"):
        counts[status] = n
    return counts


def events(db: Database, *, post_id: int | None = None, actor: str | None = None,
           limit: int = 200) -> list[dict[str, Any]]:
    """The audit log, newest first, optionally for one post or one actor."""
    where, args = [], []
    if post_id is not None:
        where.append("post_id = ?")
        args.append(post_id)
    if actor:
        where.append("actor = ?")
        args.append(actor)
    sql = "select * from post_events"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by id desc limit ?"
    args.append(max(0, int(limit)))
    out = []
    for event in _query(db, sql, args):
        try:
            event["detail"] = json.loads(event["detail"]) if event.get("detail") else {}
        except ValueError:
            event["detail"] = {}
        event["action"] = event.get("action") or "transition"
        out.append(event)
    return out


def primary_caption(cfg: Any, captions: Mapping[str, str]) -> str:
    """The caption of ``captions.primary`` (else the first channel's)."""
    if cfg.captions.primary in captions:
        return captions[cfg.captions.primary]
    return next(iter(captions.values()), "")


def post_json(cfg: Any, post: Mapping[str, Any]) -> dict[str, Any]:
    """One post as ``promo queue --json`` prints it (the public contract in DESIGN.md)."""
    p = post if isinstance(post.get("captions"), dict) else _decode(post)
    return {
        "id": p["id"],
        "kind": p["kind"],
        "status": p["status"],
        "lot_ids": list(p["lot_ids"]),
        "office_id": p.get("office_id"),
        "version": p.get("version"),
        "caption": primary_caption(cfg, p["captions"]),
        "captions": dict(p["captions"]),
        "images": [cfg.display(path) for path in image_paths(cfg, p)],
        "lint": list(p["lint"]),
        "blocking": bool(p.get("blocking")),
        "changes": list(p["changes"]),
        "previous_post_id": p.get("previous_post_id"),
        "approved_by": p.get("approved_by"),
        "approved_at": p.get("approved_at"),
        "reason": p.get("reason"),
        "template": p.get("template"),
        "deadline_at": p.get("deadline_at"),
        "created_at": p.get("created_at"),
        "updated_at": p.get("updated_at"),
    }
