"""The outbox: one delivery per (post, channel), claimed before the call, never sent twice.

Settings read: ``publish.*`` (channels, slots, retries, backoff_base, max_wait and the channel
tables), ``offices[].timezone``, ``storage.output_dir``; notifications: ``notify.*``.

Table ``deliveries`` (migration set ``"publish"``)::

    queued ──claim──▶ sending ──▶ sent
       ▲                 ├──▶ queued again   (nothing can have been posted: refused, 429, 5xx)
       │                 ├──▶ failed         (the platform refused: token, permission, caption)
       │                 └──▶ unconfirmed    (sent, answer lost: a human decides)
       └── human "send again" (failed / unconfirmed);  human "mark sent" (unconfirmed / failed)
    queued ──▶ cancelled (the auction ended, or the channel was removed from the config)

- ``idem_key`` = sha256(post id | channel | content) is UNIQUE, and so is (post, channel):
  enqueuing an approved post again is a no-op.
- The claim is ``UPDATE … SET status='sending' WHERE id=? AND status='queued'`` in a
  ``BEGIN IMMEDIATE`` transaction and must change exactly one row; only then is the network
  touched. A delivery still in ``sending`` when the next publish starts was interrupted mid-call
  (crash, kill, power cut) and becomes ``unconfirmed`` — never re-sent automatically. The export
  channel is the exception: its result is a folder, so it is checked on disk instead.
- A post becomes ``published`` when all its deliveries are ``sent``; ``failed`` when one failed
  (the platform's reason in plain words); ``unconfirmed`` when one is unconfirmed.
- Nothing goes out after the auction has ended (or its deposit deadline passed): such posts are
  expired at publish time and their deliveries cancelled, checked again right before each claim.
- Without ``--now`` new posts go out only at the office's publishing slots (``publish.slots``,
  office-local): a slot that has passed and has not been served yet makes the office due.
  Deliveries already in the outbox (retries, a human's "send again") go out whenever due.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from promo_pipeline import clock as clock_mod
from promo_pipeline import crash, queue, runs, store
from promo_pipeline.config import Config
from promo_pipeline.config.secrets import (
    Redactor,
    env_value,
    guard_library_logs,
    secret_values,
)
from promo_pipeline.errors import (
    NotFoundError,
    PermanentPublishError,
    RetryablePublishError,
    TransitionError,
    UnconfirmedPublishError,
)
from promo_pipeline.lots import get_lot
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish.channels import Channel, DeliveryJob, SendContext
from promo_pipeline.publish.channels.base import check_enabled

logger = logging.getLogger(__name__)

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
CANCELLED = "cancelled"
DELIVERY_STATUSES = (QUEUED, SENDING, SENT, FAILED, UNCONFIRMED, CANCELLED)

SYSTEM = "system"
_MAX_ROUNDS = 50  # a bound on in-run retry rounds, whatever the clock does

# --- small helpers ------------------------------------------------------------------------


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _iso_us(when: datetime) -> str:
    """UTC ISO with microseconds: ``next_attempt_at`` values compare as strings, so they and
    what they are compared with always have this one format."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def idem_key(post_id: int, channel: str, content: dict[str, Any]) -> str:
    """sha256 of ``post id | channel | content`` (content as canonical JSON)."""
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{post_id}|{channel}|{blob}".encode()).hexdigest()


def _office_tz(cfg: Config, office_id: str | None) -> ZoneInfo:
    office = cfg.office(office_id) if office_id else None
    return ZoneInfo(office.timezone if office else cfg.default_timezone)


def _event(db: Database, delivery_id: int, frm: str | None, to: str, actor: str,
           note: str | None, now: datetime) -> None:
    db["delivery_events"].insert({"delivery_id": delivery_id, "at": _iso(now), "actor": actor,
                                  "from_status": frm, "to_status": to, "note": note})


def _transition_post(db: Database, post_id: int, to: str, *, actor: str,
                     reason: str | None) -> bool:
    """Move a post through the review workflow; False (logged) when the workflow refuses."""
    try:
        queue.transition(db, post_id, to, actor=actor, reason=reason)
    except TransitionError as exc:
        logger.warning("post %s: cannot move to %s: %s", post_id, to, exc)
        return False
    return True


# --- slots --------------------------------------------------------------------------------


def _parse_hhmm(value: str) -> dtime:
    hh, mm = value.split(":")
    return dtime(int(hh), int(mm))


def latest_slot(slots: list[str], tz: ZoneInfo, now: datetime) -> datetime | None:
    """Today's most recent slot instant at or before *now* (office-local), or None.

    Only today's: a post approved after the last slot of a day waits for the first slot of the
    next day instead of going out at midnight."""
    local = now.astimezone(tz)
    best = None
    for s in slots:
        at = datetime.combine(local.date(), _parse_hhmm(s), tzinfo=tz)
        if at <= local and (best is None or at > best):
            best = at
    return best


def next_slot(slots: list[str], tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first slot instant after *now*, or None without slots."""
    local = now.astimezone(tz)
    best = None
    for day in (local.date(), local.date() + timedelta(days=1)):
        for s in slots:
            at = datetime.combine(day, _parse_hhmm(s), tzinfo=tz)
            if at > local and (best is None or at < best):
                best = at
    return best


def _office_ids(cfg: Config, db: Database) -> list[str]:
    ids = [o.id for o in cfg.offices]
    for row in db.execute("select distinct office_id from posts where status = 'approved'"):
        if row[0] and row[0] not in ids:
            ids.append(row[0])
    return ids


@dataclass
class Due:
    """Which offices may have new posts sent now, and the slot each would serve."""

    offices: dict[str, datetime | None]          # office id -> slot instant served (None: --now)
    waiting: dict[str, datetime | None]          # office id -> next slot


def due_offices(cfg: Config, db: Database, now: datetime, *, ignore_slots: bool) -> Due:
    """Offices whose latest slot has passed and not been served (all of them with --now)."""
    due = Due({}, {})
    slots = cfg.publish.slots
    for office_id in [*_office_ids(cfg, db), ""]:
        tz = _office_tz(cfg, office_id or None)
        if ignore_slots or not slots:
            due.offices[office_id] = latest_slot(slots, tz, now) if slots else None
            continue
        slot = latest_slot(slots, tz, now)
        served = slot is not None and db.execute(
            "select 1 from publish_slots where office_id = ? and slot_at = ?",
            [office_id, _iso(slot)]).fetchone()
        if slot is not None and not served:
            due.offices[office_id] = slot
        else:
            due.waiting[office_id] = next_slot(slots, tz, now)
    return due


def _mark_served(db: Database, due: Due, now: datetime) -> None:
    rows = [{"office_id": o, "slot_at": _iso(s), "served_at": _iso(now)}
            for o, s in due.offices.items() if s is not None]
    if rows:
        with store.write_tx(db):
            db["publish_slots"].insert_all(rows, ignore=True)


# --- enqueue ------------------------------------------------------------------------------


def _lot_facts(db: Database, lot_ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for lot_id in lot_ids:
        row = db.execute(
            "select id, title, url, ends_at, deposit_deadline, limit_value, deposit, status "
            "from lots where id = ?", [lot_id]).fetchone()
        if row:
            keys = ("id", "title", "url", "ends_at", "deposit_deadline", "limit_value",
                    "deposit", "status")
            out.append(dict(zip(keys, row, strict=True)))
    return out


def _post_lot_ids(post: dict[str, Any]) -> list[str]:
    ids = _loads(post.get("lot_ids"), [])
    if not ids and post.get("lot_id"):
        ids = [post["lot_id"]]
    return [str(i) for i in ids]


def _payload(cfg: Config, db: Database, post: dict[str, Any], channel: str) -> dict[str, Any]:
    captions = _loads(post.get("captions"), {}) or {}
    primary = cfg.captions.primary
    if channel == "export":
        caption = captions.get(primary) or next(iter(captions.values()), "")
    else:
        caption = captions.get(channel) or captions.get(primary) or next(
            iter(captions.values()), "")
    lot_ids = _post_lot_ids(post)
    return {
        "post_id": post["id"],
        "kind": post.get("kind") or "lot",
        "office_id": post.get("office_id"),
        "lot_id": post.get("lot_id"),
        "lot_ids": lot_ids,
        "version": post.get("version") or 1,
        "caption": caption,
        "captions": captions if channel == "export" else {},
        "images": _loads(post.get("images"), []) or [],
        "template": post.get("template"),
        "lots": _lot_facts(db, lot_ids) if channel == "export" else [],
        "approved_by": post.get("approved_by"),
        "approved_at": post.get("approved_at"),
    }


def _content_key(post_id: int, channel: str, payload: dict[str, Any]) -> str:
    content = {"caption": payload["caption"], "captions": payload["captions"],
               "images": payload["images"], "version": payload["version"]}
    return idem_key(post_id, channel, content)


def enqueue_approved(
    db: Database, cfg: Config, *, office_ids: list[str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Create the missing deliveries of approved posts (all offices, or only *office_ids*).

    Idempotent: a (post, channel) has at most one delivery, and enqueuing again changes
    nothing. A delivery that has not started yet (``queued`` without a checkpoint, or
    ``cancelled`` because its channel had been removed) takes the post's current content, so a
    caption a reviewer edited after approval is what goes out. Returns how many deliveries were
    created or re-queued.
    """
    now = (clock or clock_mod.now)()
    wanted = None if office_ids is None else set(office_ids)
    created = 0
    for post in list(db["posts"].rows_where("status = 'approved'", order_by="id")):
        may_create = wanted is None or (post.get("office_id") or "") in wanted
        for channel in cfg.publish.channels:
            payload = _payload(cfg, db, post, channel)
            key = _content_key(post["id"], channel, payload)
            body = json.dumps(payload, ensure_ascii=False)
            with store.write_tx(db):
                row = db.execute(
                    "select id, status, idem_key, checkpoint from deliveries "
                    "where post_id = ? and channel = ?", [post["id"], channel]).fetchone()
                if row is None:
                    if not may_create:
                        continue
                    db.execute(
                        "insert into deliveries (post_id, channel, idem_key, status, attempts, "
                        "payload, checkpoint, created_at, updated_at) "
                        "values (?, ?, ?, 'queued', 0, ?, '{}', ?, ?)",
                        [post["id"], channel, key, body, _iso(now), _iso(now)])
                    did = db.execute("select last_insert_rowid()").fetchone()[0]
                    _event(db, did, None, QUEUED, SYSTEM, None, now)
                    created += 1
                    continue
                did, status, old_key, checkpoint = row
                fresh = not _loads(checkpoint, {})
                if status == CANCELLED and may_create and fresh:
                    db.execute("update deliveries set status = 'queued', idem_key = ?, "
                               "payload = ?, attempts = 0, next_attempt_at = null, "
                               "last_error = null, updated_at = ? where id = ?",
                               [key, body, _iso(now), did])
                    _event(db, did, CANCELLED, QUEUED, SYSTEM, "post approved again", now)
                    created += 1
                elif status == QUEUED and fresh and old_key != key:
                    db.execute("update deliveries set idem_key = ?, payload = ?, updated_at = ? "
                               "where id = ? and status = 'queued'", [key, body, _iso(now), did])
                    _event(db, did, QUEUED, QUEUED, SYSTEM, "content updated before sending",
                           now)
    if created:
        logger.info("outbox: %d deliveries queued", created)
    return created


# --- expiry -------------------------------------------------------------------------------


def closed_reason(db: Database, post: dict[str, Any], now: datetime
                  ) -> tuple[str, str] | None:
    """``(new post status, reason)`` when the post must not go out any more, else None.

    The same rules as the review queue (:func:`promo_pipeline.queue.apply_lot_states`): a lot
    post expires once its auction ended or its deposit deadline passed and is withdrawn with
    its lot; a digest is outdated when one of its lots was withdrawn and expires when none of
    its lots can still be joined.
    """
    lots = [lot for lot in (get_lot(db, i) for i in _post_lot_ids(post)) if lot]
    if not lots:
        return None

    def closed(lot: Any) -> str | None:
        if lot.status == "ended" or lot.ends_at <= now:
            return f"lelang lot {lot.id} sudah berakhir"
        if lot.deposit_deadline and lot.deposit_deadline <= now:
            return f"batas setor jaminan lot {lot.id} sudah lewat"
        return None

    withdrawn = [lot for lot in lots if lot.status == "withdrawn"]
    if (post.get("kind") or "lot") == "digest":
        if withdrawn:
            return "outdated", f"lot {withdrawn[0].id} ditarik dari lelang.go.id"
        reasons = [closed(lot) for lot in lots]
        if all(reasons):
            return "expired", "semua lot dalam rangkuman sudah lewat batas waktu"
        return None
    if withdrawn:
        return "withdrawn", f"lot {lots[0].id} ditarik dari lelang.go.id"
    reason = closed(lots[0])
    return ("expired", reason) if reason else None


def _cancel_queued(db: Database, post_id: int, reason: str, now: datetime) -> int:
    rows = db.execute("select id from deliveries where post_id = ? and status = 'queued'",
                      [post_id]).fetchall()
    for (did,) in rows:
        db.execute("update deliveries set status = 'cancelled', last_error = ?, updated_at = ? "
                   "where id = ? and status = 'queued'", [reason, _iso(now), did])
        _event(db, did, QUEUED, CANCELLED, SYSTEM, reason, now)
    return len(rows)


def expire_ended(db: Database, now: datetime) -> list[int]:
    """Stop posts that must not go out any more; returns the ids of posts moved.

    Approved posts whose auction has ended are expired (withdrawn, outdated: see
    :func:`closed_reason`), and queued deliveries of posts that left the approved state
    (expired, withdrawn, outdated by the collector) are cancelled.
    """
    moved = []
    for post in list(db["posts"].rows_where("status = 'approved'", order_by="id")):
        found = closed_reason(db, post, now)
        if found:
            target, reason = found
            with store.write_tx(db):
                _cancel_queued(db, post["id"], f"tidak diterbitkan: {reason}", now)
                _transition_post(db, post["id"], target, actor=SYSTEM,
                                 reason=f"tidak diterbitkan: {reason}")
            moved.append(post["id"])
            logger.info("post %s not published: %s", post["id"], reason)
    stale = db.execute(
        "select distinct d.post_id, p.status from deliveries d join posts p on p.id = d.post_id "
        "where d.status = 'queued' and p.status in ('expired', 'outdated', 'withdrawn', "
        "'rejected', 'published')").fetchall()
    for post_id, status in stale:
        with store.write_tx(db):
            _cancel_queued(db, post_id, f"unggahan berstatus {status}", now)
    return moved


# --- settling posts -----------------------------------------------------------------------


def post_outcome(statuses: list[str]) -> str | None:
    """The post status its deliveries imply, or None while some are still on their way."""
    live = [s for s in statuses if s != CANCELLED]
    if not live or any(s in (QUEUED, SENDING) for s in live):
        return None
    if all(s == SENT for s in live):
        return "published"
    if FAILED in live:
        return "failed"
    return "unconfirmed"


def settle_post(db: Database, post_id: int, *, actor: str = SYSTEM) -> str | None:
    """Bring the post's status in line with its deliveries; returns the new status if moved."""
    rows = db.execute("select channel, status, last_error from deliveries where post_id = ? "
                      "order by id", [post_id]).fetchall()
    target = post_outcome([r[1] for r in rows])
    post = db["posts"].get(post_id)
    if target is None or post["status"] == target:
        return None
    if post["status"] not in ("approved", "failed", "unconfirmed"):
        return None
    problems = [f"{ch}: {err}" for ch, st, err in rows if st in (FAILED, UNCONFIRMED) and err]
    reason = "; ".join(problems) if target != "published" else None
    with store.write_tx(db):
        if _transition_post(db, post_id, target, actor=actor, reason=reason):
            return target
    return None


# --- the publish run ----------------------------------------------------------------------


@dataclass
class DeliveryOutcome:
    delivery_id: int
    post_id: int
    channel: str
    status: str
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    retry_at: str | None = None


@dataclass
class PublishSummary:
    """What one publish did; :meth:`line` is the one-line report the CLI prints."""

    now: bool = False
    due_offices: list[str] = field(default_factory=list)
    next_slot: str | None = None
    enqueued: int = 0
    recovered: list[DeliveryOutcome] = field(default_factory=list)
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    expired_posts: list[int] = field(default_factory=list)
    published_posts: list[int] = field(default_factory=list)
    waiting: int = 0
    duration_s: float = 0.0
    run_id: int | None = None

    def count(self, status: str) -> int:
        final: dict[int, str] = {}
        for o in self.outcomes:
            final[o.delivery_id] = o.status
        return sum(1 for s in final.values() if s == status)

    @property
    def sent(self) -> int:
        return self.count(SENT)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def unconfirmed(self) -> int:
        return self.count(UNCONFIRMED) + sum(1 for r in self.recovered
                                             if r.status == UNCONFIRMED)

    @property
    def problems(self) -> list[DeliveryOutcome]:
        final: dict[int, DeliveryOutcome] = {}
        for o in [*self.recovered, *self.outcomes]:
            final[o.delivery_id] = o
        return [o for o in final.values() if o.status in (FAILED, UNCONFIRMED)]

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        parts = [f"terkirim {self.sent}", f"gagal {self.failed}",
                 f"belum pasti {self.unconfirmed}", f"menunggu {self.waiting}"]
        if self.expired_posts:
            parts.append(f"kedaluwarsa {len(self.expired_posts)}")
        text = f"Publikasi: {', '.join(parts)} ({self.duration_s:.1f} dtk)."
        if not self.due_offices and not self.outcomes and self.next_slot:
            text += (f" Belum waktunya: slot berikutnya {self.next_slot}; "
                     "pakai --now untuk mengirim sekarang.")
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(sent=self.sent, failed=self.failed, unconfirmed=self.unconfirmed)
        return data


def _job(row: dict[str, Any]) -> DeliveryJob:
    return DeliveryJob(id=row["id"], post_id=row["post_id"], channel=row["channel"],
                       idem_key=row["idem_key"], payload=_loads(row["payload"], {}),
                       checkpoint=_loads(row["checkpoint"], {}), attempts=row["attempts"] or 0)


class _Runner:
    """One publish pass: holds the channels, the clock and the results."""

    def __init__(self, cfg: Config, db: Database, channels: dict[str, Channel],
                 clock: Callable[[], datetime], sleep: Callable[[float], None],
                 summary: PublishSummary):
        self.cfg, self.db, self.channels = cfg, db, channels
        self.clock, self.sleep, self.summary = clock, sleep, summary
        self.redact = Redactor(secret_values())

    def ctx(self, job: DeliveryJob) -> SendContext:
        def save(cp: dict[str, Any]) -> None:
            # Committed at once: it records a step that has happened on the platform.
            with store.write_tx(self.db):
                self.db.execute("update deliveries set checkpoint = ?, updated_at = ? "
                                "where id = ?", [json.dumps(cp), _iso(self.clock()), job.id])
            job.checkpoint = dict(cp)

        tz = _office_tz(self.cfg, job.payload.get("office_id"))
        return SendContext(output_dir=self.cfg.output_dir, save_checkpoint=save,
                           clock=self.clock, sleep=self.sleep, office_timezone=str(tz))

    # -- recovery --
    def recover_interrupted(self) -> None:
        """Deliveries left in ``sending`` by a crash: checked (export) or made unconfirmed."""
        rows = list(self.db["deliveries"].rows_where("status = 'sending'", order_by="id"))
        for row in rows:
            job = _job(row)
            now = self.clock()
            channel = self.channels.get(row["channel"])
            found = None
            if channel is not None and channel.can_reconcile:
                found = channel.reconcile(job, self.ctx(job))
            with store.write_tx(self.db):
                if found is not None:
                    self._set(row["id"], SENDING, SENT, now, remote_id=found.remote_id,
                              remote_url=found.remote_url, sent_at=_iso(now), last_error=None,
                              note="ditemukan sudah terkirim setelah proses terhenti")
                    outcome = DeliveryOutcome(row["id"], row["post_id"], row["channel"], SENT,
                                              found.remote_id, found.remote_url)
                elif channel is not None and channel.can_reconcile:
                    self._set(row["id"], SENDING, QUEUED, now, note="belum tertulis; diantrekan")
                    outcome = DeliveryOutcome(row["id"], row["post_id"], row["channel"], QUEUED)
                else:
                    msg = ("proses berhenti di tengah pengiriman (mati mendadak atau dihentikan); "
                           "unggahan mungkin sudah tayang — periksa akun, lalu tandai terkirim "
                           "atau kirim ulang")
                    self._set(row["id"], SENDING, UNCONFIRMED, now, last_error=msg, note=msg)
                    outcome = DeliveryOutcome(row["id"], row["post_id"], row["channel"],
                                              UNCONFIRMED, error=msg)
            logger.warning("delivery %s (%s, post %s) was interrupted mid-send: now %s",
                           row["id"], row["channel"], row["post_id"], outcome.status)
            self.summary.recovered.append(outcome)
            self._settle(row["post_id"])

    def _set(self, delivery_id: int, frm: str, to: str, now: datetime, *, note: str | None = None,
             **cols: Any) -> bool:
        # Column names come from this module's keyword arguments, never from input.
        assigns = "".join(f", {k} = ?" for k in cols)
        sql = (f"update deliveries set status = ?, updated_at = ?{assigns} "  # noqa: S608
               "where id = ? and status = ?")
        cur = self.db.execute(sql, [to, _iso(now), *cols.values(), delivery_id, frm])
        if cur.rowcount == 1:
            _event(self.db, delivery_id, frm, to, SYSTEM, note, now)
            return True
        return False

    def _settle(self, post_id: int) -> None:
        moved = settle_post(self.db, post_id)
        if moved == "published":
            self.summary.published_posts.append(post_id)

    # -- sending --
    def cancel_unconfigured(self) -> None:
        rows = self.db.execute(
            "select id, post_id, channel from deliveries where status = 'queued'").fetchall()
        for did, post_id, channel in rows:
            if channel in self.channels:
                continue
            with store.write_tx(self.db):
                self._set(did, QUEUED, CANCELLED, self.clock(),
                          last_error=f"kanal {channel} tidak lagi dikonfigurasi",
                          note="channel removed from publish.channels")
            self._settle(post_id)

    def due_rows(self) -> list[dict[str, Any]]:
        now = _iso_us(self.clock())
        return [dict(r) for r in self.db.query(
            "select d.* from deliveries d join posts p on p.id = d.post_id "
            "where d.status = 'queued' and p.status = 'approved' "
            "and (d.next_attempt_at is null or d.next_attempt_at <= ?) "
            "order by d.post_id, d.id", [now]) if r["channel"] in self.channels]

    def next_retry(self) -> datetime | None:
        row = self.db.execute(
            "select min(d.next_attempt_at) from deliveries d join posts p on p.id = d.post_id "
            "where d.status = 'queued' and p.status = 'approved'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def claim(self, row: dict[str, Any]) -> bool:
        """Take the delivery (``queued`` → ``sending``) in one write transaction."""
        now = self.clock()
        post = self.db["posts"].get(row["post_id"])
        with store.write_tx(self.db):
            found = closed_reason(self.db, post, now)
            if found:  # the auction ended while this run was busy: never publish it now
                target, reason = found
                _cancel_queued(self.db, row["post_id"], f"tidak diterbitkan: {reason}", now)
                _transition_post(self.db, row["post_id"], target, actor=SYSTEM,
                                 reason=f"tidak diterbitkan: {reason}")
                self.summary.expired_posts.append(row["post_id"])
                return False
            cur = self.db.execute(
                "update deliveries set status = 'sending', claimed_at = ?, updated_at = ?, "
                "attempts = attempts + 1 where id = ? and status = 'queued' and exists "
                "(select 1 from posts p where p.id = deliveries.post_id "
                "and p.status = 'approved')",
                [_iso(now), _iso(now), row["id"]])
            if cur.rowcount != 1:
                return False
            _event(self.db, row["id"], QUEUED, SENDING, SYSTEM, None, now)
        return True

    def deliver(self, row: dict[str, Any]) -> DeliveryOutcome | None:
        channel = self.channels[row["channel"]]
        if not self.claim(row):
            return None
        crash.point("after_delivery_claimed")
        job = _job(self.db["deliveries"].get(row["id"]))
        try:
            result = channel.send(job, self.ctx(job))
        except RetryablePublishError as exc:
            return self._retry_or_fail(job, self.redact(exc), exc.retry_after)
        except PermanentPublishError as exc:
            return self._finish(job, FAILED, error=self.redact(exc))
        except UnconfirmedPublishError as exc:
            return self._finish(job, UNCONFIRMED, error=self.redact(exc))
        except Exception as exc:  # a bug mid-send: the request may have gone out
            logger.exception("delivery %s: unexpected error while sending", job.id)
            return self._finish(job, UNCONFIRMED, error=self.redact(
                f"kesalahan tak terduga saat mengirim ({type(exc).__name__}); unggahan mungkin "
                "sudah tayang — periksa akun sebelum mengirim ulang"))
        crash.point("after_platform_accepted")
        return self._finish(job, SENT, remote_id=result.remote_id, remote_url=result.remote_url)

    def _finish(self, job: DeliveryJob, to: str, *, error: str | None = None,
                remote_id: str | None = None, remote_url: str | None = None) -> DeliveryOutcome:
        now = self.clock()
        cols: dict[str, Any] = {"last_error": error}
        if to == SENT:
            cols.update(remote_id=remote_id, remote_url=remote_url, sent_at=_iso(now),
                        next_attempt_at=None)
        with store.write_tx(self.db):
            self._set(job.id, SENDING, to, now, note=error, **cols)
        level = logging.INFO if to == SENT else logging.WARNING
        logger.log(level, "delivery %s (%s, post %s): %s%s", job.id, job.channel, job.post_id,
                   to, f": {error}" if error else "")
        self._settle(job.post_id)
        return DeliveryOutcome(job.id, job.post_id, job.channel, to, remote_id, remote_url, error)

    def _retry_or_fail(self, job: DeliveryJob, error: str,
                       retry_after: float | None) -> DeliveryOutcome:
        attempts = job.attempts or 1  # the claim counted this attempt already
        if attempts > self.cfg.publish.retries:
            return self._finish(job, FAILED, error=f"gagal setelah {attempts} percobaan: {error}")
        delay = backoff_delay(attempts, self.cfg.publish.backoff_base, retry_after)
        now = self.clock()
        at = now + timedelta(seconds=delay)
        with store.write_tx(self.db):
            self._set(job.id, SENDING, QUEUED, now, last_error=error,
                      next_attempt_at=_iso_us(at),
                      note=f"dicoba lagi dalam {delay:.0f} dtk")
        logger.info("delivery %s (%s): retry in %.1f s: %s", job.id, job.channel, delay, error)
        return DeliveryOutcome(job.id, job.post_id, job.channel, QUEUED, error=error,
                               retry_at=_iso(at))


def backoff_delay(attempt: int, base: float, retry_after: float | None, *,
                  cap: float = 6 * 3600.0) -> float:
    """Delay before retry number *attempt* (1-based): ``base * 2**(attempt-1)`` plus up to 10%
    jitter, never less than the platform's ``retry_after``, never more than *cap*."""
    delay = base * (2 ** max(0, attempt - 1))
    delay += random.uniform(0, delay * 0.1)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return min(delay, cap)


def make_channels(cfg: Config) -> dict[str, Channel]:
    """The configured channels, ready to send (raises ConfigError when one is incomplete)."""
    env = {var: value for var in registry.env_secrets() if (value := env_value(var))}
    wanted = [(registry.get(name), cfg.publish.sections.get(name))
              for name in cfg.publish.channels]
    for cls, section in wanted:
        check_enabled(cls, section, env)
    guard_library_logs(secret_values())
    return {cls.name: cls(section, secrets={v: env[v] for v in cls.env_secrets},
                          timeout=cfg.publish.timeout) for cls, section in wanted}


def publish(
    cfg: Config,
    db: Database,
    *,
    now: bool = False,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    channels: dict[str, Channel] | None = None,
    notify: bool = True,
) -> PublishSummary:
    """Deliver the approved posts that are due; the library entry point of ``promo publish``.

    *now* ignores the publishing slots. *clock* (aware UTC datetimes) and *sleep* are
    injectable for tests. The caller holds the project lock (the CLI command, a daemon job).
    Raises :class:`ConfigError` when a configured channel lacks a setting or token.
    """
    clock = clock or clock_mod.now
    sleep = sleep or time.sleep
    own_channels = channels is None
    channels = make_channels(cfg) if channels is None else channels
    started = time.monotonic()
    summary = PublishSummary(now=now)
    try:
        runner = _Runner(cfg, db, channels, clock, sleep, summary)
        runner.recover_interrupted()
        before = {r[0] for r in db.execute("select id from posts where status = 'approved'")}
        queue.apply_lot_states(db, now=clock())
        expire_ended(db, clock())
        after = {r[0] for r in db.execute("select id from posts where status = 'approved'")}
        summary.expired_posts.extend(sorted(before - after))
        runner.cancel_unconfigured()
        due = due_offices(cfg, db, clock(), ignore_slots=now)
        summary.due_offices = sorted(o for o in due.offices if o)
        nexts = [s for s in due.waiting.values() if s is not None]
        if nexts:
            first = min(nexts)
            summary.next_slot = first.strftime("%H.%M") + " " + (first.tzname() or "")
        summary.enqueued = enqueue_approved(db, cfg, office_ids=list(due.offices),
                                            clock=clock)
        for post_id in [r[0] for r in db.execute(
                "select distinct d.post_id from deliveries d join posts p on p.id = "
                "d.post_id where p.status = 'approved'").fetchall()]:
            runner._settle(post_id)  # a crash between 'sent' and the post's own mark
        rows = runner.due_rows()
        if rows or summary.recovered or summary.expired_posts:
            summary.run_id = runs.start_run(db, "publish")
        for _ in range(_MAX_ROUNDS):
            for row in rows:
                outcome = runner.deliver(row)
                if outcome is not None:
                    summary.outcomes.append(outcome)
            nxt = runner.next_retry()
            if nxt is None:
                break
            wait = (nxt - clock()).total_seconds()
            if wait > cfg.publish.max_wait:
                break
            if wait > 0:
                sleep(wait)
            rows = runner.due_rows()
        _mark_served(db, due, clock())
        summary.waiting = db.execute(
            "select count(*) from deliveries d join posts p on p.id = d.post_id "
            "where d.status = 'queued' and p.status = 'approved'").fetchone()[0]
        summary.duration_s = round(time.monotonic() - started, 3)
        if summary.run_id is not None:
            runs.finish_run(
                db, summary.run_id,
                counts={"sent": summary.sent, "failed": summary.failed,
                        "unconfirmed": summary.unconfirmed, "waiting": summary.waiting,
                        "expired": len(summary.expired_posts),
                        "enqueued": summary.enqueued},
                errors=[f"#{p.delivery_id} {p.channel}: {p.error}" for p in summary.problems],
                status="ok" if summary.ok else "partial")
    finally:
        if own_channels:
            for ch in channels.values():
                ch.close()
    if notify and summary.problems:
        from promo_pipeline import notify as notify_mod

        notify_mod.publish_problems(cfg, db, summary.problems)
    return summary


# --- human resolution ---------------------------------------------------------------------


def _delivery(db: Database, delivery_id: int) -> dict[str, Any]:
    rows = list(db["deliveries"].rows_where("id = ?", [delivery_id]))
    if not rows:
        raise NotFoundError(f"pengiriman #{delivery_id} tidak ditemukan")
    return rows[0]


def resolve_unconfirmed(
    db: Database, delivery_id: int, *, sent: bool, actor: str,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """A human's decision on an unconfirmed delivery (or, to send again, a failed one).

    ``sent=True``: the post is on the platform — mark the delivery sent (the post becomes
    ``published`` once all its channels are sent). ``sent=False``: it is not — queue it to be
    sent again at the next ``promo publish`` (refused once the auction has ended); the post
    returns to ``approved``. Returns the updated delivery row (as :func:`deliveries_for_post`).
    """
    now = (clock or clock_mod.now)()
    row = _delivery(db, delivery_id)
    allowed = (UNCONFIRMED,) if sent else (UNCONFIRMED, FAILED)
    if row["status"] not in allowed:
        what = "belum pasti" if sent else "belum pasti atau gagal"
        raise TransitionError(
            f"pengiriman #{delivery_id} berstatus {row['status']}; hanya pengiriman yang "
            f"{what} yang dapat {'ditandai terkirim' if sent else 'dikirim ulang'}")
    post = db["posts"].get(row["post_id"])
    if sent:
        note = f"ditandai terkirim oleh {actor}"
        with store.write_tx(db):
            db.execute("update deliveries set status = 'sent', sent_at = coalesce(sent_at, ?), "
                       "resolved_by = ?, resolved_at = ?, updated_at = ? "
                       "where id = ? and status = ?",
                       [_iso(now), actor, _iso(now), _iso(now), delivery_id, row["status"]])
            _event(db, delivery_id, row["status"], SENT, actor, note, now)
        settle_post(db, row["post_id"], actor=actor)
    else:
        found = closed_reason(db, post, now)
        if found:
            raise TransitionError(f"tidak dikirim ulang: {found[1]}")
        note = f"dikirim ulang atas permintaan {actor}"
        with store.write_tx(db):
            db.execute("update deliveries set status = 'queued', attempts = 0, "
                       "next_attempt_at = null, resolved_by = ?, resolved_at = ?, "
                       "updated_at = ? where id = ? and status = ?",
                       [actor, _iso(now), _iso(now), delivery_id, row["status"]])
            _event(db, delivery_id, row["status"], QUEUED, actor, note, now)
            if post["status"] in ("unconfirmed", "failed"):
                if not _transition_post(db, row["post_id"], "approved", actor=actor,
                                        reason=f"{row['channel']}: {note}"):
                    raise TransitionError(
                        f"unggahan #{row['post_id']} tidak dapat dikembalikan ke antrean kirim")
    logger.info("delivery %s resolved by %s: %s", delivery_id, actor, "sent" if sent else "resend")
    return _public(_delivery(db, delivery_id))


def resolve_post(
    db: Database, post_id: int, *, sent: bool, actor: str, channel: str | None = None,
) -> list[int]:
    """Resolve every unconfirmed (and, to send again, failed) delivery of a post."""
    statuses = (UNCONFIRMED,) if sent else (UNCONFIRMED, FAILED)
    rows = [d for d in deliveries_for_post(db, post_id)
            if d["status"] in statuses and (channel is None or d["channel"] == channel)]
    if not rows:
        raise NotFoundError(f"unggahan #{post_id} tidak punya pengiriman yang perlu diselesaikan")
    for d in rows:
        resolve_unconfirmed(db, d["id"], sent=sent, actor=actor)
    return [d["id"] for d in rows]


# --- reading ------------------------------------------------------------------------------


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "post_id", "channel", "status", "attempts",
                               "next_attempt_at", "remote_id", "remote_url", "last_error",
                               "created_at", "updated_at", "claimed_at", "sent_at",
                               "resolved_by", "resolved_at")}
    out["error"] = row["last_error"]
    return out


def deliveries_for_post(db: Database, post_id: int) -> list[dict[str, Any]]:
    """The deliveries of one post (no payload), oldest first."""
    return [_public(r) for r in db["deliveries"].rows_where("post_id = ?", [post_id],
                                                             order_by="id")]


def list_deliveries(db: Database, *, status: str | None = None) -> list[dict[str, Any]]:
    """All deliveries (optionally of one status), newest first, without their payload."""
    where, args = (("status = ?", [status]) if status else (None, []))
    return [_public(r) for r in db["deliveries"].rows_where(where, args, order_by="id desc")]


def delivery_events(db: Database, delivery_id: int) -> list[dict[str, Any]]:
    return list(db["delivery_events"].rows_where("delivery_id = ?", [delivery_id],
                                                 order_by="id"))


__all__ = [
    "DELIVERY_STATUSES", "DeliveryOutcome", "PublishSummary", "backoff_delay",
    "deliveries_for_post", "due_offices", "enqueue_approved", "expire_ended", "idem_key",
    "latest_slot", "list_deliveries", "next_slot", "post_outcome", "publish", "resolve_post",
    "resolve_unconfirmed", "settle_post",
]
