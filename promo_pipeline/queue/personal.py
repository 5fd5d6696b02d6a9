"""Personal data removed from a post's lots, and what reviewers restored of it (issue 10).

Settings read: ``brand.*`` / ``offices[].brand`` (the office's own phone numbers are not
personal data).

The title reading (:mod:`promo_pipeline.titles`) removes phone/SIM numbers, NIK-like numbers,
e-mail addresses and natural persons' names from everything a post shows. A reviewer may put
one back only by the audited action :func:`promo_pipeline.queue.actions.restore_redaction`,
which writes a ``restore`` event (who, when, what, why) in the post's history. Those events are
the only record of a restore: :func:`restored_redactions` reads them for the lint (a restored
text typed into a caption no longer blocks approval; the personal-data warning stays), and
:func:`removed_items` lists, per lot, what was removed and whether and by whom it was restored
(the review page and ``promo queue show``).

What may be restored is a rule of the post (:attr:`Post.editable`: until it is published,
rejected or closed) and of the account (:meth:`promo_pipeline.accounts.User.may_review`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from promo_pipeline.config import Config
from promo_pipeline.lots import Lot
from promo_pipeline.queue import posts
from promo_pipeline.queue.records import Post, PostEvent
from promo_pipeline.titles import Redaction, TitleReading

#: The ``post_events.action`` of a restore.
RESTORE = "restore"


@dataclass(frozen=True)
class RemovedItem:
    """One text the title reading removed from a lot of a post, and its restore (if any)."""

    lot_id: str
    kind: str
    text: str
    restored: PostEvent | None = None

    @property
    def redaction(self) -> Redaction:
        return Redaction(self.kind, self.text)


def _redaction_of(event: PostEvent) -> Redaction | None:
    kind, text = event.detail.get("kind"), event.detail.get("text")
    return Redaction(kind, text) if isinstance(kind, str) and isinstance(text, str) else None


def restore_events(db: Database, post_id: int) -> dict[Redaction, PostEvent]:
    """The ``restore`` event of each restored item of *post_id* (the first one, if repeated)."""
    out: dict[Redaction, PostEvent] = {}
    for event in reversed(posts.events(db, post_id=post_id, action=RESTORE, limit=10_000)):
        r = _redaction_of(event)
        if r is not None:
            out.setdefault(r, event)
    return out


def restored_redactions(db: Database, post_id: int) -> tuple[Redaction, ...]:
    """What reviewers restored on *post_id*, oldest first (what the lint lets through)."""
    return tuple(restore_events(db, post_id))


def lot_reading(cfg: Config, post: Post, lot: Lot) -> TitleReading:
    """The title reading of *lot* as *post* shows it: the office's own numbers kept (the same
    reading the captions, images and lint use)."""
    return lot.reading(cfg.brand_for(post.office_id or lot.office_id).office_phones)


def lot_redactions(cfg: Config, post: Post, lot: Lot) -> tuple[Redaction, ...]:
    """What the title reading of *lot* removed as personal data."""
    return lot_reading(cfg, post, lot).redactions


def removed_items(db: Database, cfg: Config, post: Post,
                  lots: Sequence[Lot]) -> list[RemovedItem]:
    """Per lot of *post* (in order), each removed text with its restore event, if any."""
    done = restore_events(db, post.id)
    out: list[RemovedItem] = []
    for lot in lots:
        for r in lot_redactions(cfg, post, lot):
            out.append(RemovedItem(lot.id, r.kind, r.text, done.get(r)))
    return out
