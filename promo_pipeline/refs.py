"""What staff type to name a lot or an office: a lot id or lelang.go.id lot URL
(``promo run --lot``), an office search (``promo offices --search``).

Settings read: ``source.site_base`` (passed in: its host is accepted in lot URLs too).

Pure: text in, ids or a filtered list out; a reference that names nothing raises
:class:`~promo_pipeline.errors.UsageError` with an example of what is accepted.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from promo_pipeline.errors import UsageError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def parse_lot_ref(text: str, *, site_base: str | None = None) -> tuple[str | None, str]:
    """``(office_id or None, lot_id)`` from a lot id or a lelang.go.id lot URL.

    Accepted: ``{uuid}``, ``https://lelang.go.id/kpknl/{office}/detail-auction/{uuid}``,
    ``https://lelang.go.id/detail-auction/{uuid}`` (scheme optional, ``www.`` and a trailing
    slash, query or fragment allowed; also on the host of *site_base*). Anything else raises
    :class:`UsageError`.
    """
    raw = (text or "").strip()
    if _UUID.match(raw):
        return None, raw.lower()
    bad = UsageError(f"bukan ID lot atau URL lot lelang.go.id: {raw[:120]!r} (contoh: "
                     "https://lelang.go.id/kpknl/<kantor>/detail-auction/<id-lot>)")
    try:
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        host = (parts.hostname or "").lower()
    except ValueError:
        raise bad from None
    hosts = {"lelang.go.id", "www.lelang.go.id"}
    if site_base:
        hosts.add((urlsplit(site_base).hostname or "").lower())
    if parts.scheme not in ("http", "https") or host not in hosts:
        raise bad
    segments = [s for s in parts.path.split("/") if s]
    if (len(segments) == 4 and segments[0] == "kpknl" and segments[2] == "detail-auction"
            and _UUID.match(segments[1]) and _UUID.match(segments[3])):
        return segments[1].lower(), segments[3].lower()
    if len(segments) == 2 and segments[0] == "detail-auction" and _UUID.match(segments[1]):
        return None, segments[1].lower()
    raise bad


def match_offices(offices: list[dict[str, Any]], search: str | None) -> list[dict[str, Any]]:
    """Offices whose name or city contains *search*, ignoring case, spaces, dots and hyphens
    (``"pangkal pinang"`` finds ``KPKNL Pangkalpinang``); all of them without *search*."""
    if not search or not _squash(search):
        return list(offices)
    needle = _squash(search)
    return [o for o in offices
            if needle in _squash(str(o.get("nama") or "")) or
            needle in _squash(str(o.get("kota") or ""))]


def _squash(text: str) -> str:
    return re.sub(r"[\s.\-_]+", "", text).casefold()
