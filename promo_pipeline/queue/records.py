"""The queue's records: :class:`Post`, :class:`PostEvent`, :class:`Change` and :class:`NewPost`.

Settings read: ``storage.output_dir`` and ``captions.primary`` (only in :meth:`Post.to_json`).

Plain frozen data, made by :mod:`.posts` (the owner of the ``posts`` and ``post_events`` tables)
from their rows (:func:`post_from_row`, :func:`event_from_row`: pure, defined here) and read by
the CLI, the review page and the publisher. The rules about one post live here:
what blocks its approval (:attr:`Post.blocked`), whether it may still be edited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_pipeline.queue.states import DIGEST, EDITABLE

if TYPE_CHECKING:
    from promo_pipeline.config import Config

logger = logging.getLogger(__name__)

#: The lint level that blocks approval (captions' ``BLOCK``; the lint writes it, posts read it).
BLOCK = "block"


@dataclass(frozen=True)
class Change:
    """One fact that differs from the previous version, both values already readable."""

    field: str
    old: str
    new: str
    label: str = ""

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Post:
    """One post: images and a caption per channel for a lot, a digest or a reminder."""

    id: int
    kind: str
    status: str
    lot_ids: tuple[str, ...]
    office_id: str | None
    version: int
    content_hash: str | None
    images: tuple[str, ...]             # relative to storage.output_dir (or absolute)
    captions: dict[str, str]
    lint: tuple[dict[str, str], ...]
    blocking: bool
    changes: tuple[Change, ...]
    facts: dict[str, Any]
    dedupe_key: str = ""
    template: str | None = None
    previous_post_id: int | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    reason: str | None = None
    deadline_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    rejected_by: str | None = None
    rejected_at: str | None = None
    edited_by: str | None = None          # who last changed its captions or images
    edited_at: str | None = None

    @property
    def lot_id(self) -> str | None:
        """The lot of a lot or reminder post (None for a digest)."""
        return None if self.kind == DIGEST or not self.lot_ids else self.lot_ids[0]

    # --- the approval rule ---------------------------------------------------------------
    @property
    def blocking_findings(self) -> tuple[dict[str, str], ...]:
        """The lint findings that forbid approval (a missing or wrong figure, deadline, link)."""
        return tuple(f for f in self.lint if f.get("level") == BLOCK)

    @property
    def blocked(self) -> bool:
        """True while a blocking finding exists: the post cannot be approved."""
        return self.blocking or bool(self.blocking_findings)

    def blocking_reason(self) -> str:
        """The blocking findings in one sentence, for the refusal message."""
        messages = dict.fromkeys(f.get("message", "").rstrip(".")
                                 for f in self.blocking_findings)
        return "; ".join(m for m in messages if m) or "ada angka yang hilang atau salah"

    @property
    def editable(self) -> bool:
        """Whether reviewers may still change it: its captions and images, and restore a text
        removed from it as personal data (not once published, rejected or closed)."""
        return self.status in EDITABLE

    # --- files and captions -------------------------------------------------------------
    def image_paths(self, output_dir: Path) -> list[Path]:
        """The images as absolute paths (stored paths are relative to ``output_dir``)."""
        return [output_dir / p for p in self.images]

    def primary_caption(self, primary: str) -> str:
        """The caption of channel *primary* (else the first channel's)."""
        if primary in self.captions:
            return self.captions[primary]
        return next(iter(self.captions.values()), "")

    def to_json(self, cfg: Config) -> dict[str, Any]:
        """The post as ``promo queue --json`` prints it (the public contract in DESIGN.md)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "lot_ids": list(self.lot_ids),
            "office_id": self.office_id,
            "version": self.version,
            "caption": self.primary_caption(cfg.captions.primary),
            "captions": dict(self.captions),
            "images": [cfg.display(p) for p in self.image_paths(cfg.output_dir)],
            "lint": [dict(f) for f in self.lint],
            "blocking": self.blocked,
            "changes": [c.to_json() for c in self.changes],
            "previous_post_id": self.previous_post_id,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "rejected_by": self.rejected_by,
            "rejected_at": self.rejected_at,
            "edited_by": self.edited_by,
            "edited_at": self.edited_at,
            "reason": self.reason,
            "template": self.template,
            "deadline_at": self.deadline_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class PostEvent:
    """One audit row: a status change, a caption edit or an image change."""

    id: int
    post_id: int
    at: str
    actor: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    action: str = "transition"
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "post_id": self.post_id, "at": self.at, "actor": self.actor,
                "from_status": self.from_status, "to_status": self.to_status,
                "reason": self.reason, "action": self.action, "detail": dict(self.detail)}


@dataclass(frozen=True)
class NewPost:
    """What :func:`insert_post` stores for a new post (pending review)."""

    kind: str
    dedupe_key: str
    lot_ids: tuple[str, ...]
    office_id: str
    version: int
    content_hash: str
    images: tuple[str, ...]
    captions: dict[str, str]
    lint: tuple[dict[str, str], ...]
    blocking: bool
    changes: tuple[Change, ...]
    facts: dict[str, Any]
    deadline_at: str | None
    previous_post_id: int | None = None


# --- the row form (what :mod:`.posts` reads back) ------------------------------------------------


def json_column(post_id: Any, column: str, text: Any, kind: type) -> Any:
    """A JSON column's value when it is a *kind* (list or dict), else an empty one (a broken
    value is logged, never raised: one bad row must not hide the queue)."""
    if isinstance(text, str) and text:
        try:
            value = json.loads(text)
        except ValueError:
            logger.warning("post %s: column %s is not valid JSON", post_id, column)
            return kind()
        return value if isinstance(value, kind) else kind()
    return kind()


def _change(item: Any) -> Change | None:
    if not isinstance(item, dict) or not item.get("field"):
        return None
    return Change(field=str(item["field"]), old=str(item.get("old") or "-"),
                  new=str(item.get("new") or "-"), label=str(item.get("label") or ""))


def post_from_row(row: Mapping[str, Any]) -> Post:
    """A :class:`Post` from its ``posts`` row."""
    pid = row["id"]
    lot_ids = [str(i) for i in json_column(pid, "lot_ids", row["lot_ids"], list)]
    if not lot_ids and row["lot_id"]:
        lot_ids = [row["lot_id"]]
    changes = (_change(c) for c in json_column(pid, "changes", row["changes"], list))
    return Post(
        id=pid, kind=row["kind"] or "lot", status=row["status"], lot_ids=tuple(lot_ids),
        office_id=row["office_id"], version=row["version"] or 1,
        content_hash=row["content_hash"],
        images=tuple(str(i) for i in json_column(pid, "images", row["images"], list)),
        captions={str(k): str(v) for k, v in json_column(pid, "captions", row["captions"],
                                                   dict).items()},
        lint=tuple(dict(f) for f in json_column(pid, "lint", row["lint"], list)
                   if isinstance(f, dict)),
        blocking=bool(row["blocking"]),
        changes=tuple(c for c in changes if c is not None),
        facts=json_column(pid, "facts", row["facts"], dict),
        dedupe_key=row["dedupe_key"] or "", template=row["template"],
        previous_post_id=row["previous_post_id"], approved_by=row["approved_by"],
        approved_at=row["approved_at"], reason=row["reason"], deadline_at=row["deadline_at"],
        rejected_by=row.get("rejected_by"), rejected_at=row.get("rejected_at"),
        edited_by=row.get("edited_by"), edited_at=row.get("edited_at"),
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def event_from_row(row: Sequence[Any]) -> PostEvent:
    """A :class:`PostEvent` from ``id, post_id, at, actor, from_status, to_status, reason,
    action, detail`` of its ``post_events`` row."""
    return PostEvent(id=row[0], post_id=row[1], at=row[2], actor=row[3], from_status=row[4],
                     to_status=row[5], reason=row[6], action=row[7] or "transition",
                     detail=json_column(row[1], "detail", row[8], dict))
