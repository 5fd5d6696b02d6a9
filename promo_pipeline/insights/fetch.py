"""Fetch the platforms' numbers for published posts, once a day, never failing a run.

Settings read: ``report.insights_days``, ``publish.channels`` and each Graph channel's settings
and token (through :func:`promo_pipeline.publish.outbox.make_channels`).

For every delivery sent to Facebook or Instagram in the last ``report.insights_days`` days and
not asked about in the last :data:`REFETCH_AFTER`, one sample is stored
(:mod:`promo_pipeline.insights.samples`): the numbers (``ok``), none yet (``unavailable``:
Instagram's "not enough viewers", an empty answer) or the error in plain words (``error``: a
missing permission, an expired token). A throttle (Graph codes 4/17/32/613/80001/80002) stops
asking that platform for this run; the next day's run goes on. Nothing here raises for a
platform's answer: a report with missing numbers beats a failed daily job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from promo_pipeline import clock
from promo_pipeline.errors import (
    ConfigError,
    PermanentPublishError,
    PublishError,
    RateLimitedPublishError,
)
from promo_pipeline.insights import samples
from promo_pipeline.publish import deliveries

if TYPE_CHECKING:
    from promo_pipeline.config import Config
    from promo_pipeline.publish.graph import GraphAPI

logger = logging.getLogger(__name__)

#: A delivery asked about less than this long ago is not asked again (a daily job that runs
#: twice, a catch-up after a restart).
REFETCH_AFTER = timedelta(hours=20)

#: Facebook Page post insights (Graph v26.0) → the tool's names.
FACEBOOK_METRICS = {
    "post_total_media_view_unique": "reach",
    "post_media_view": "views",
    "post_reactions_by_type_total": "reactions",
    "post_clicks_by_type": "clicks",
}
#: Instagram media insights → the tool's names.
INSTAGRAM_METRICS = {
    "reach": "reach",
    "views": "views",
    "likes": "reactions",
    "comments": "comments",
    "shares": "shares",
    "saved": "saves",
    "total_interactions": "interactions",
}
#: Channels with numbers to fetch (Telegram's Bot API has none; see the package docstring).
FETCHED = ("facebook", "instagram")


class Unavailable(Exception):
    """The platform has no numbers for this post (yet)."""


def _value(entry: Mapping[str, Any]) -> Any:
    """A metric's value: ``values[-1].value`` (period ``lifetime``) or ``total_value.value``
    (``metric_type=total_value``)."""
    total = entry.get("total_value")
    if isinstance(total, Mapping) and "value" in total:
        return total["value"]
    values = entry.get("values")
    if isinstance(values, list) and values and isinstance(values[-1], Mapping):
        return values[-1].get("value")
    return None


def _count(value: Any, *, key: str | None = None) -> int | None:
    """An integer count from a metric value: a number, or a breakdown dict (summed, or the
    entry *key* of it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, Mapping):
        if key is not None:
            return _count(value.get(key, 0))
        parts = [_count(v) for v in value.values()]
        return sum(p for p in parts if p is not None)
    return None


def parse_insights(body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """A Graph ``/insights`` answer (``{"data": [{"name", "period", "values"|"total_value"}]}``)
    as the tool's metric names; metrics the answer lacks are left out."""
    out: dict[str, int] = {}
    for entry in body.get("data") or []:
        if not isinstance(entry, Mapping) or entry.get("name") not in names:
            continue
        name = str(entry["name"])
        key = "link clicks" if name == "post_clicks_by_type" else None
        n = _count(_value(entry), key=key)
        if n is not None:
            out[names[name]] = n
    return out


def facebook_numbers(api: GraphAPI, post_id: str) -> dict[str, int]:
    """A Page post's numbers: its insights and its shares and comment count."""
    got: dict[str, int] = {}
    problem: PermanentPublishError | None = None
    try:
        body = api.get(f"{post_id}/insights", what="insights",
                       params={"metric": ",".join(FACEBOOK_METRICS)})
        got.update(parse_insights(body, FACEBOOK_METRICS))
    except PermanentPublishError as exc:
        # Page insights need 100+ followers and read_insights; the post's own fields do not.
        if not (exc.code or "").startswith(("100", "10", "2")):
            raise
        problem = exc
    fields = api.get(post_id, what="post", params={
        "fields": "shares,comments.limit(0).summary(true),reactions.limit(0).summary(true)"})
    shares = fields.get("shares")
    got["shares"] = _count(shares.get("count")) or 0 if isinstance(shares, Mapping) else 0
    for edge, name in (("comments", "comments"), ("reactions", "reactions")):
        summary = (fields.get(edge) or {}).get("summary") if isinstance(
            fields.get(edge), Mapping) else None
        if isinstance(summary, Mapping) and _count(summary.get("total_count")) is not None:
            got.setdefault(name, _count(summary.get("total_count")) or 0)
    got["interactions"] = sum(got.get(k, 0) for k in ("reactions", "comments", "shares"))
    if problem is not None and "reach" not in got:
        logger.info("facebook insights of %s not available: %s", post_id, problem)
    return got


def instagram_numbers(api: GraphAPI, media_id: str) -> dict[str, int]:
    """An Instagram media object's numbers (``/{media-id}/insights``)."""
    try:
        body = api.get(f"{media_id}/insights", what="insights",
                       params={"metric": ",".join(INSTAGRAM_METRICS)})
    except PermanentPublishError as exc:
        # "(#10) Not enough viewers for the media to show insights": no numbers, not an error.
        if (exc.code or "").split("/")[0] == "10" and "viewers" in str(exc).lower():
            raise Unavailable("penonton belum cukup untuk ditampilkan Instagram") from None
        raise
    got = parse_insights(body, INSTAGRAM_METRICS)
    if not got:
        raise Unavailable("Instagram belum memberi angka (data bisa tertunda hingga 48 jam)")
    return got


Fetcher = Callable[["GraphAPI", str], dict[str, int]]
_FETCHERS: dict[str, Fetcher] = {"facebook": facebook_numbers, "instagram": instagram_numbers}


@dataclass(frozen=True)
class FetchSummary:
    """What one fetch did: samples per status, channels skipped and why."""

    ok: int = 0
    unavailable: int = 0
    errors: int = 0
    skipped: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "unavailable": self.unavailable, "errors": self.errors,
                "skipped": dict(self.skipped)}


def due(db: Database, now: datetime, *, days: int) -> list[deliveries.Delivery]:
    """Sent Facebook/Instagram deliveries younger than *days* not asked about lately."""
    if days <= 0:
        return []
    since = now - timedelta(days=days)
    sent = [d for d in deliveries.with_status(db, deliveries.SENT)
            if d.channel in FETCHED and d.remote_id and d.sent_at
            and datetime.fromisoformat(d.sent_at) >= since]
    asked = samples.last_fetched(db, [d.id for d in sent])
    return [d for d in sent if d.id not in asked or now - asked[d.id] >= REFETCH_AFTER]


def fetch_due(cfg: Config, db: Database, *, now: datetime | None = None,
              apis: Mapping[str, GraphAPI] | None = None) -> FetchSummary:
    """Fetch and store the numbers of every due delivery (module docstring). *apis* (channel →
    client) replaces the configured channels' clients (tests)."""
    now = now or clock.now()
    todo = due(db, now, days=cfg.report.insights_days)
    if not todo:
        return FetchSummary()
    skipped: dict[str, str] = {}
    opener = _Opener(cfg, db) if apis is None else None
    counts = {samples.OK: 0, samples.UNAVAILABLE: 0, samples.ERROR: 0}
    try:
        for d in todo:
            if d.channel in skipped:
                continue
            if opener is not None:
                api, why = opener.api(d)
            else:
                assert apis is not None
                api, why = apis.get(d.channel), "kanal tidak dikonfigurasi"
            if api is None:
                skipped[d.channel] = why or "kanal tidak dikonfigurasi"
                continue
            status, numbers, note = _one(api, d)
            if status == "throttled":
                skipped[d.channel] = note or "batas panggilan API tercapai"
                continue
            samples.record(db, delivery_id=d.id, post_id=d.post_id, channel=d.channel,
                           at=now, status=status, metrics=numbers, note=note)
            counts[status] += 1
    finally:
        if opener is not None:
            opener.close()
    for channel, why in skipped.items():
        logger.warning("insights for %s skipped this run: %s", channel, why)
    return FetchSummary(ok=counts[samples.OK], unavailable=counts[samples.UNAVAILABLE],
                        errors=counts[samples.ERROR], skipped=skipped)


def _one(api: GraphAPI, d: deliveries.Delivery) -> tuple[str, dict[str, int], str | None]:
    assert d.remote_id
    try:
        return samples.OK, _FETCHERS[d.channel](api, d.remote_id), None
    except Unavailable as exc:
        return samples.UNAVAILABLE, {}, str(exc)
    except RateLimitedPublishError as exc:
        return "throttled", {}, str(exc)
    except PublishError as exc:
        return samples.ERROR, {}, str(exc)


class _Opener:
    """The Graph clients deliveries need, opened once each: the channel of the post's office
    (its own ``[offices.publish]`` and secrets when it has them, else ``[publish]``)."""

    def __init__(self, cfg: Config, db: Database) -> None:
        self.cfg = cfg
        self.db = db
        self.opened: dict[tuple[str, str], tuple[Any, str | None]] = {}

    def api(self, d: deliveries.Delivery) -> tuple[GraphAPI | None, str | None]:
        from promo_pipeline.publish.outbox import make_channels, own_channels
        from promo_pipeline.queue.posts import find_post

        post = find_post(self.db, d.post_id)
        office = self.cfg.office(post.office_id) if post and post.office_id else None
        if office is not None and not own_channels(self.cfg, office):
            office = None
        key = (office.id if office else "", d.channel)
        if key not in self.opened:
            try:
                channel = make_channels(self.cfg, office, only=[d.channel]).get(d.channel)
                self.opened[key] = (channel, None if channel else "kanal tidak dikonfigurasi")
            except ConfigError as exc:
                self.opened[key] = (None, f"pengaturan kanal belum lengkap: {exc}")
        channel, why = self.opened[key]
        return (channel.api if channel is not None else None), why

    def close(self) -> None:
        for channel, _ in self.opened.values():
            if channel is not None:
                channel.close()
