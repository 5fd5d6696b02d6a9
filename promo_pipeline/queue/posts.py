"""The tables ``posts`` and ``post_events``: only this module speaks SQL to them.

Settings read: none.

Their schema is the ``"queue"`` migration set in :mod:`.schema`. Every reader — the CLI, the
review page, the publisher — gets frozen records (:mod:`.records`: :class:`Post`,
:class:`PostEvent`, made from their rows by :func:`~.records.post_from_row` with the JSON
columns decoded), never a raw row. Every status change goes through :func:`move`, which checks
the state table (:mod:`.states`) and writes the audit row in the caller's transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock
from promo_pipeline.errors import NotFoundError, UsageError
from promo_pipeline.queue.records import (
    NewPost,
    Post,
    PostEvent,
    event_from_row,
    json_column,
    post_from_row,
)
from promo_pipeline.queue.states import (
    ATTENTION_ORDER,
    DIGEST,
    PENDING,
    REJECTED,
    STATUSES,
    check_transition,
)

logger = logging.getLogger(__name__)

def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- reading -------------------------------------------------------------------------------------


def find_post(db: Database, post_id: int) -> Post | None:
    rows = list(db.query("select * from posts where id = ?", [post_id]))
    return post_from_row(rows[0]) if rows else None


def get_post(db: Database, post_id: int) -> Post:
    """One post; :class:`NotFoundError` when there is none."""
    post = find_post(db, post_id)
    if post is None:
        raise NotFoundError(f"unggahan #{post_id} tidak ada")
    return post


_ORDER = ("case status " + " ".join(f"when '{s}' then {i}" for i, s in enumerate(ATTENTION_ORDER))
          + " else 99 end, coalesce(deadline_at, '9999'), id")


def list_posts(db: Database, *, status: str | Sequence[str] | None = None,
               office_id: str | None = None, limit: int | None = None,
               offset: int = 0, offices: Sequence[str] | None = None) -> list[Post]:
    """Posts, those needing attention first (pending, failed, unconfirmed, approved, …), then
    by the nearest deadline. *status* may be one status or several; *office_id* one office,
    *offices* only these offices' posts (an account's scope; None: every office)."""
    where: list[str] = []
    args: list[Any] = []
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
    if offices is not None:
        where.append(f"office_id in ({','.join('?' * len(offices))})" if offices else "0")
        args += list(offices)
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
    return [post_from_row(r) for r in db.query(sql, args)]


def post_ids(db: Database, *, status: str) -> list[int]:
    """Ids of the posts in *status*, oldest first (cheaper than :func:`list_posts`)."""
    return [r[0] for r in db.execute("select id from posts where status = ? order by id",
                                     [status])]


def office_ids(db: Database, *, status: str) -> list[str]:
    """The offices that have posts in *status*."""
    return sorted({r[0] or "" for r in db.execute(
        "select distinct office_id from posts where status = ?", [status])})


def count_by_status(db: Database, *, offices: Sequence[str] | None = None) -> dict[str, int]:
    """Number of posts in every status (zero included), in :data:`STATUSES` order (only
    *offices*' posts when given)."""
    counts = dict.fromkeys(STATUSES, 0)
    where, args = "", list(offices or ())
    if offices is not None:
        where = f" where office_id in ({','.join('?' * len(args))})" if args else " where 0"
    for status, n in db.execute(
            f"select status, count(*) from posts{where} group by status", args):  # noqa: S608
        counts[status] = n
    return counts


def pending_created(db: Database, *, since: str, until: str | None = None) -> tuple[int, int]:
    """``(posts pending review created in [since, until], posts pending review in all)``;
    *since* and *until* are :func:`promo_pipeline.clock.iso` instants, as ``created_at`` is."""
    total, new = db.execute(
        "select count(created_at), "
        "coalesce(sum(created_at >= ? and (? is null or created_at <= ?)), 0) "
        "from posts where status = ?", [since, until, until, PENDING]).fetchone()
    return int(new), int(total)


def pending_created_by_office(db: Database, *, since: str, until: str | None = None
                              ) -> dict[str | None, tuple[int, int]]:
    """:func:`pending_created` by office: ``{office id: (created in [since, until], pending)}``
    for the offices with posts pending review."""
    rows = db.execute(
        "select office_id, count(created_at), "
        "coalesce(sum(created_at >= ? and (? is null or created_at <= ?)), 0) "
        "from posts where status = ? group by office_id", [since, until, until, PENDING])
    return {office: (int(new), int(total)) for office, total, new in rows}


def events(db: Database, *, post_id: int | None = None, actor: str | None = None,
           action: str | None = None, limit: int = 200) -> list[PostEvent]:
    """The audit log, newest first, optionally for one post, one actor or one kind of event
    (*action*, e.g. ``restore``)."""
    where: list[str] = []
    args: list[Any] = []
    if post_id is not None:
        where.append("post_id = ?")
        args.append(post_id)
    if actor:
        where.append("actor = ?")
        args.append(actor)
    if action:
        where.append("coalesce(action, 'transition') = ?")
        args.append(action)
    sql = ("select id, post_id, at, actor, from_status, to_status, reason, action, detail "
           "from post_events")
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by id desc limit ?"
    args.append(max(0, int(limit)))
    return [event_from_row(row) for row in db.execute(sql, args).fetchall()]


# --- the queue's own lookups ----------------------------------------------------------------------


def current_post_id(db: Database, kind: str, lot_id: str, content_hash: str) -> int | None:
    """The live post (anything but ``outdated``) of this kind for this lot version."""
    row = db.execute(
        "select id from posts where kind = ? and lot_id = ? and content_hash = ? "
        "and status != 'outdated' order by version desc, id desc limit 1",
        [kind, lot_id, content_hash]).fetchone()
    return row[0] if row else None


def current_digest_id(db: Database, key_prefix: str, content_hash: str) -> int | None:
    """The live digest post whose dedupe key starts with *key_prefix* for this content."""
    row = db.execute("select id from posts where dedupe_key like ? || '%' and content_hash = ? "
                     "and status != 'outdated' order by version desc limit 1",
                     [key_prefix, content_hash]).fetchone()
    return row[0] if row else None


def posts_of_lots(db: Database, lot_ids: Iterable[str], *,
                  kinds: Iterable[str]) -> dict[str, list[Post]]:
    """The posts of these kinds for each lot (oldest first): one query per 500 lots."""
    wanted, ids = list(kinds), list(dict.fromkeys(lot_ids))
    found: dict[str, list[Post]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        sql = (f"select * from posts where lot_id in ({','.join('?' * len(chunk))}) "  # noqa: S608
               f"and kind in ({','.join('?' * len(wanted))}) order by id")
        for row in db.query(sql, [*chunk, *wanted]):
            found.setdefault(row["lot_id"], []).append(post_from_row(row))
    return found


def posts_with_images(db: Database, rels: Iterable[str]) -> list[Post]:
    """The posts whose images include any of *rels* (paths as stored: relative to
    ``storage.output_dir``), newest first; what a file served by the review page belongs to."""
    wanted = list(dict.fromkeys(rels))
    if not wanted:
        return []
    # CASE keeps json_each off a row whose images text is broken (it would fail the query).
    return [post_from_row(r) for r in db.query(
        "select * from posts where case when json_valid(images) then exists (select 1 from "
        "json_each(posts.images) where json_each.value in (select value from json_each(?))) "
        "else 0 end order by id desc", [json.dumps(wanted)])]


def digests_with_prefix(db: Database, key_prefix: str) -> list[Post]:
    """Digest posts whose dedupe key starts with *key_prefix*, highest version first."""
    return [post_from_row(r) for r in db.query(
        "select * from posts where kind = 'digest' and dedupe_key like ? || '%' "
        "order by version desc, id desc", [key_prefix])]


def approved_lot_post(db: Database, lot_id: str, content_hash: str) -> Post | None:
    """The approved or published lot post of this lot version (what a reminder follows)."""
    rows = list(db.query(
        "select * from posts where kind = 'lot' and lot_id = ? and content_hash = ? "
        "and status in ('approved', 'published') order by version desc limit 1",
        [lot_id, content_hash]))
    return post_from_row(rows[0]) if rows else None


def open_posts(db: Database, statuses: Iterable[str]) -> list[tuple[int, str, str, list[str]]]:
    """``(id, kind, status, lot ids)`` of the posts in *statuses*: only what the lifecycle
    decides on (captions and facts of every open post would hold hundreds of MB)."""
    wanted = list(statuses)
    rows = db.execute(f"select id, kind, status, lot_id, lot_ids from posts "  # noqa: S608
                      f"where status in ({','.join('?' * len(wanted))})", wanted).fetchall()
    out = []
    for pid, kind, status, lot_id, lot_ids in rows:
        ids = [str(i) for i in json_column(pid, "lot_ids", lot_ids, list)] or (
            [lot_id] if lot_id else [])
        out.append((pid, kind, status, ids))
    return out


def dedupe_key_taken(db: Database, key: str) -> bool:
    return db.execute("select 1 from posts where dedupe_key = ?", [key]).fetchone() is not None


# --- writing (inside the caller's write transaction) --------------------------------------------


def add_event(db: Database, post_id: int, *, actor: str, from_status: str | None,
              to_status: str | None, reason: str | None, action: str,
              detail: Mapping[str, Any] | None = None, at: str | None = None) -> None:
    db.execute(
        "insert into post_events (post_id, at, actor, from_status, to_status, reason, action, "
        "detail) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [post_id, at or clock.iso(), actor, from_status, to_status, reason, action,
         _dumps(dict(detail)) if detail else None])


def insert_post(db: Database, new: NewPost, *, reason: str) -> int:
    """Insert a pending post with its ``create`` event; returns its id."""
    at = clock.iso()
    cur = db.execute(
        "insert into posts (kind, dedupe_key, lot_id, lot_ids, office_id, version, "
        "content_hash, status, template, images, captions, lint, blocking, changes, "
        "previous_post_id, approved_by, approved_at, reason, created_at, updated_at, facts, "
        "deadline_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?, ?, null, null, "
        "null, ?, ?, ?, ?)",
        [new.kind, new.dedupe_key, None if new.kind == DIGEST else new.lot_ids[0],
         _dumps(list(new.lot_ids)), new.office_id, new.version, new.content_hash, PENDING,
         _dumps(list(new.images)), _dumps(new.captions), _dumps(list(new.lint)),
         int(new.blocking), _dumps([c.to_json() for c in new.changes]), new.previous_post_id,
         at, at, _dumps(new.facts), new.deadline_at])
    post_id = int(cur.lastrowid or 0)
    add_event(db, post_id, actor="system", from_status=None, to_status=PENDING, reason=reason,
              action="create", detail={"version": new.version, "kind": new.kind}, at=at)
    return post_id


def update_content(db: Database, post_id: int, *, at: str,
                   captions: Mapping[str, str] | None = None,
                   lint: Sequence[Mapping[str, str]] | None = None,
                   blocking: bool | None = None, images: Sequence[str] | None = None,
                   template: str | None = None, actor: str | None = None) -> None:
    """Replace a post's captions (with their lint) and/or images; ``updated_at`` becomes *at*
    (and, for a person's change, ``edited_by``/``edited_at`` name them)."""
    values: dict[str, Any] = {"updated_at": at}
    if actor is not None:
        values.update(edited_by=actor, edited_at=at)
    if captions is not None:
        values["captions"] = _dumps(dict(captions))
    if lint is not None:
        values["lint"] = _dumps([dict(f) for f in lint])
    if blocking is not None:
        values["blocking"] = int(blocking)
    if images is not None:
        values["images"] = _dumps(list(images))
    if template is not None:
        values["template"] = template
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"update posts set {sets} where id = ?",  # noqa: S608 - fixed column names
               [*values.values(), post_id])


def move(db: Database, post_id: int, from_status: str, to_status: str, *, actor: str,
         reason: str | None, approved_by: str | None = None,
         approved_at: str | None = None) -> None:
    """Change a post's status inside the caller's transaction, with its audit row.

    :data:`~.states.TRANSITIONS` decides; a refused move raises
    :class:`~promo_pipeline.errors.TransitionError`. Back to pending clears the approval.
    """
    check_transition(post_id, from_status, to_status)
    at = clock.iso()
    values: dict[str, Any] = {"status": to_status, "updated_at": at}
    if reason:
        values["reason"] = reason
    if to_status == PENDING:
        values.update(approved_by=None, approved_at=None, rejected_by=None, rejected_at=None)
    if to_status == REJECTED:
        values.update(rejected_by=actor, rejected_at=at)
    if approved_by is not None:
        values.update(approved_by=approved_by, approved_at=approved_at or at)
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"update posts set {sets} where id = ?",  # noqa: S608 - fixed column names
               [*values.values(), post_id])
    add_event(db, post_id, actor=actor, from_status=from_status, to_status=to_status,
              reason=reason, action="transition", at=at)
    logger.info("post %s: %s -> %s by %s", post_id, from_status, to_status, actor)
