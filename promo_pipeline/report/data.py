"""What the report is computed from, read through each table's owner (no SQL here).

Settings read: ``offices[].timezone`` (through :meth:`Config.timezone_of`), ``storage.output_dir``
(thumbnails).

:func:`gather` is the report's only I/O: the lots active in the month
(:func:`promo_pipeline.lots.active_between`), every post of those lots and every post decided
or published in the month with its audit events and deliveries, the newest platform numbers of
each delivery (:func:`promo_pipeline.insights.samples.latest`) and the lots' outcomes
(:func:`promo_pipeline.outcomes.get_outcomes`). :mod:`.figures` turns a :class:`Dataset` into
numbers without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from promo_pipeline import lots as lots_mod
from promo_pipeline import outcomes as outcomes_mod
from promo_pipeline.config import Config
from promo_pipeline.insights import samples as samples_mod
from promo_pipeline.lots import Lot
from promo_pipeline.outcomes import Outcome
from promo_pipeline.publish import deliveries as deliveries_mod
from promo_pipeline.publish.deliveries import Delivery
from promo_pipeline.queue import posts as posts_mod
from promo_pipeline.queue.records import Post, PostEvent
from promo_pipeline.report.month import Month


@dataclass(frozen=True)
class Sent:
    """One delivery of a post, with the platform's newest numbers (None: none yet)."""

    delivery: Delivery
    sample: samples_mod.Sample | None = None

    @property
    def sent_at(self) -> datetime | None:
        d = self.delivery
        return datetime.fromisoformat(d.sent_at) if d.sent_at else None

    @property
    def sent(self) -> bool:
        return self.delivery.status == deliveries_mod.SENT and self.sent_at is not None


@dataclass(frozen=True)
class PostFacts:
    """A post with its audit trail, its deliveries and its first image (for thumbnails)."""

    post: Post
    events: tuple[PostEvent, ...] = ()
    sends: tuple[Sent, ...] = ()
    image: Path | None = None

    @property
    def published_at(self) -> datetime | None:
        """The first moment any channel published it."""
        times = [s.sent_at for s in self.sends if s.sent and s.sent_at]
        return min(times) if times else None


@dataclass(frozen=True)
class Dataset:
    """Everything one month's report is computed from."""

    month: Month
    office_id: str | None
    timezone: str
    start: datetime
    end: datetime
    lots: tuple[Lot, ...] = ()
    posts: tuple[PostFacts, ...] = ()
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    #: Lots the posts name that are not among :attr:`lots` (titles for the top posts).
    other_lots: dict[str, Lot] = field(default_factory=dict)

    def lot(self, lot_id: str) -> Lot | None:
        return next((x for x in self.lots if x.id == lot_id), None) or self.other_lots.get(
            lot_id)


def _in(when: str | None, start: datetime, end: datetime) -> bool:
    if not when:
        return False
    at = datetime.fromisoformat(when)
    return start <= at < end


def gather(db: Database, cfg: Config, month: Month, office_id: str | None) -> Dataset:
    """Read the month's facts for *office_id* (None: every office) from the owners."""
    tz = cfg.timezone_of(office_id)
    start, end = month.bounds(tz)
    listed = lots_mod.active_between(db, start, end, office_id=office_id)
    listed_ids = {lot.id for lot in listed}
    chosen: list[PostFacts] = []
    for post in posts_mod.list_posts(db, office_id=office_id):
        events = tuple(sorted(posts_mod.events(db, post_id=post.id, limit=10_000),
                              key=lambda e: (e.at, e.id)))
        sends = tuple(Sent(d) for d in deliveries_mod.of_post(db, post.id))
        touches = bool(listed_ids & set(post.lot_ids))
        acted = any(_in(e.at, start, end) for e in events) or any(
            _in(s.delivery.sent_at, start, end) for s in sends)
        if not (touches or acted):
            continue
        image = cfg.output_dir / post.images[0] if post.images else None
        chosen.append(PostFacts(post=post, events=events, sends=sends, image=image))
    numbers = samples_mod.latest(db, [s.delivery.id for p in chosen for s in p.sends])
    chosen = [PostFacts(post=p.post, events=p.events, image=p.image,
                        sends=tuple(Sent(s.delivery, numbers.get(s.delivery.id))
                                    for s in p.sends)) for p in chosen]
    named = {lot_id for p in chosen for lot_id in p.post.lot_ids} - listed_ids
    others = {lot.id: lot for lot in lots_mod.get_lots(db, sorted(named))}
    return Dataset(month=month, office_id=office_id, timezone=tz, start=start, end=end,
                   lots=tuple(listed), posts=tuple(chosen),
                   outcomes=outcomes_mod.get_outcomes(db, listed_ids), other_lots=others)
