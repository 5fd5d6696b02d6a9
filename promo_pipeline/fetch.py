"""Network only: the lelang.go.id endpoints the collector uses, returning raw JSON.

Settings read (``[source]``): ``api_base``, ``page_size``, ``max_pages`` (plus everything
:class:`~promo_pipeline.http.HttpClient` reads).

- :func:`fetch_listing`: every page of one office's catalogue
  (``landing-page-kpknl/{unitKerjaId}/katalog-lot-lelang``), until ``totalPage`` or an empty
  page, stopping at the page cap or at a page that repeats the previous one; a listing that was
  cut short for any reason says so (``complete=False``), so the collector never concludes that
  a lot vanished from a listing it did not see whole;
- :func:`fetch_detail`: ``landing-page/info/{lotLelangId}`` → its ``data`` object;
- :func:`fetch_offices`, :func:`fetch_categories`: the office and category lists.

Nothing here parses lots; that is :mod:`promo_pipeline.parse`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from promo_pipeline.config import Source
from promo_pipeline.errors import FetchError, PermanentFetchError
from promo_pipeline.http import HttpClient

logger = logging.getLogger(__name__)


def _api(source: Source, path: str) -> str:
    return f"{source.api_base.rstrip('/')}/{path}"


def listing_url(source: Source, office_id: str) -> str:
    return _api(source, f"landing-page-kpknl/{quote(office_id, safe='')}/katalog-lot-lelang")


def detail_url(source: Source, lot_id: str) -> str:
    return _api(source, f"landing-page/info/{quote(lot_id, safe='')}")


def item_id(item: Any) -> str | None:
    """The lot id of a listing item (``lotLelangId``, or ``id`` on some endpoints)."""
    if not isinstance(item, dict):
        return None
    value = item.get("lotLelangId") or item.get("id")
    return str(value) if value not in (None, "") else None


@dataclass
class Listing:
    """One office's listing (for one category filter) as far as it could be fetched."""

    office_id: str
    categories: tuple[str, ...] = ()
    items: list[Any] = field(default_factory=list)
    pages: int = 0
    total_items: int | None = None
    complete: bool = True
    warnings: list[str] = field(default_factory=list)
    error: FetchError | None = None

    def incomplete(self, msg: str) -> None:
        """Record why this listing cannot prove that unseen lots are gone."""
        logger.warning("%s", msg)
        self.warnings.append(msg)
        self.complete = False


def fetch_listing_page(
    client: HttpClient, source: Source, office_id: str, page: int,
    categories: Sequence[str] = (),
) -> dict[str, Any]:
    """One page of the office catalogue, envelope checked (``data`` must be a list)."""
    params: list[tuple[str, Any]] = [("page", page), ("limit", source.page_size)]
    params += [("namakategori[]", c) for c in categories]
    url = listing_url(source, office_id)
    envelope = client.get_json(url, params=params)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), list):
        raise PermanentFetchError(f"{url} page {page}: unexpected listing shape "
                                  "(no 'data' list)", url=url)
    _check_code(envelope, url)
    return envelope


def fetch_listing(
    client: HttpClient,
    source: Source,
    office_id: str,
    categories: Sequence[str] = (),
    *,
    on_page: Callable[[int, int | None], None] | None = None,
) -> Listing:
    """Every page of an office's catalogue; never raises for a fetch failure.

    A page that cannot be fetched (after the client's retries) ends the listing with
    ``error`` set and ``complete=False``; the items of the earlier pages are kept.
    *on_page(page, total_pages)* is called after each page (progress display).
    """
    result = Listing(office_id=office_id, categories=tuple(categories))
    seen: set[str] = set()
    previous: list[str | None] | None = None
    unreadable = 0
    for page in range(1, source.max_pages + 1):
        try:
            envelope = fetch_listing_page(client, source, office_id, page, categories)
        except FetchError as exc:
            result.error = exc
            result.complete = False
            return result
        result.pages += 1
        data = envelope["data"]
        total_pages = _int_or_none(envelope.get("totalPage"))
        result.total_items = _int_or_none(envelope.get("totalItem"))
        if on_page:
            on_page(page, total_pages)
        if not data:
            break
        ids = [item_id(i) for i in data]
        if ids == previous:
            msg = (f"office {office_id}: page {page} repeats page {page - 1}; the listing "
                   "ignores paging, so it is treated as incomplete")
            result.incomplete(msg)
            return result
        previous = ids
        unreadable += ids.count(None)
        for item, lot_id in zip(data, ids, strict=True):
            if lot_id is not None:
                if lot_id in seen:
                    continue  # pages shifted under us: the same lot twice
                seen.add(lot_id)
            result.items.append(item)
        # Past totalPage, go on only while totalItem says lots are missing (a server that caps
        # the page size below ours but counts pages by our size); an empty page ends it.
        if total_pages is not None:
            if page >= total_pages and not _short_of_total(result):
                break
        elif len(data) < source.page_size and not _short_of_total(result):
            break  # no totalPage: a short page is the last one
    else:
        msg = (f"office {office_id}: stopped at the page cap (source.max_pages = "
               f"{source.max_pages}); lots after it were not seen")
        result.incomplete(msg)
        return result
    if unreadable:
        # An entry without a lot id could be any of the lots not seen: a listing with one is
        # no proof that the others are gone, so nothing may be marked withdrawn from it.
        msg = (f"office {office_id}: {unreadable} listing item(s) without a lot id; "
               "treated as incomplete")
        result.incomplete(msg)
    if _short_of_total(result):
        msg = (f"office {office_id}: the listing announced {result.total_items} lots but gave "
               f"{len(result.items)}; treated as incomplete")
        result.incomplete(msg)
    return result


def _short_of_total(result: Listing) -> bool:
    return result.total_items is not None and len(result.items) < result.total_items


def fetch_detail(client: HttpClient, source: Source, lot_id: str) -> dict[str, Any]:
    """The ``data`` object of ``landing-page/info/{lot_id}`` (404 → PermanentFetchError)."""
    url = detail_url(source, lot_id)
    envelope = client.get_json(url)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise PermanentFetchError(f"{url}: unexpected detail shape (no 'data' object)", url=url)
    _check_code(envelope, url)
    return envelope["data"]


def fetch_offices(client: HttpClient, source: Source) -> list[dict[str, Any]]:
    """Every KPKNL office: items with ``id`` (the ``unitKerjaId``) and ``nama``."""
    url = _api(source, "landing-page/kpknl")
    envelope = client.get_json(url, params=[("sortby", "nama"), ("sortdir", "asc")])
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, list):
        raise PermanentFetchError(f"{url}: unexpected office list shape", url=url)
    return [o for o in data if isinstance(o, dict) and o.get("id")]


def fetch_categories(client: HttpClient, source: Source) -> list[str]:
    """The category names accepted by the ``namakategori[]`` filter."""
    url = _api(source, "landing-page/kategori")
    envelope = client.get_json(url)
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, list):
        raise PermanentFetchError(f"{url}: unexpected category list shape", url=url)
    names = [c.get("nama") if isinstance(c, dict) else c for c in data]
    return [n for n in names if isinstance(n, str) and n.strip()]


def _check_code(envelope: dict[str, Any], url: str) -> None:
    code = envelope.get("code")
    if code is not None and str(code) != "200":
        raise PermanentFetchError(f"{url}: API answered code {code!r}", url=url)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
