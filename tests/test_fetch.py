"""Listing pagination, detail, offices and categories against the fake lelang.go.id."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import BIMA

from promo_pipeline.demo.server import Fault
from promo_pipeline.errors import PermanentFetchError
from promo_pipeline.fetch import (
    fetch_categories,
    fetch_detail,
    fetch_listing,
    fetch_offices,
    item_id,
)
from promo_pipeline.http import HttpClient

SAMPLE_IDS = [
    "e966e5a7-0923-43ff-970b-cd7eb86ef68a",
    "0bb67807-4854-4670-8782-0268e5c12ee1",
    "53b504c6-2df9-446f-9f83-91343495fb15",
    "63c3a231-67a7-4851-8559-f3dade535bda",
    "18f7c628-7608-4676-ba6e-b1e7bebf5818",
]


@pytest.fixture
def client(config):
    with HttpClient(config.source) as c:
        yield c


def canned(payload) -> Fault:
    return Fault(status=200, headers={"Content-Type": "application/json"},
                 body=json.dumps(payload).encode(), times=None)


def test_pages_until_total_page(config, client, fake_lelang):
    listing = fetch_listing(client, config.source, BIMA)
    assert [item_id(i) for i in listing.items] == SAMPLE_IDS
    assert (listing.pages, listing.total_items, listing.complete) == (3, 5, True)
    pages = [(r.query["page"], r.query["limit"]) for r in fake_lelang.requests]
    assert pages == [(["1"], ["2"]), (["2"], ["2"]), (["3"], ["2"])]
    assert fake_lelang.paths("listing")[0] == (
        f"/api/v1/landing-page-kpknl/{BIMA}/katalog-lot-lelang")


def test_server_side_page_size_cap_is_followed_through_total_page(config, client, fake_lelang):
    fake_lelang.max_limit = 1
    listing = fetch_listing(client, config.source, BIMA)
    assert [item_id(i) for i in listing.items] == SAMPLE_IDS
    assert listing.pages == 5 and listing.complete


def test_category_filter_is_sent_as_repeated_php_array(config, client, fake_lelang):
    listing = fetch_listing(client, config.source, BIMA, ["Mobil", "Motor"])
    assert sorted(item_id(i) for i in listing.items) == sorted([SAMPLE_IDS[0], SAMPLE_IDS[3]])
    assert fake_lelang.requests[0].query["namakategori[]"] == ["Mobil", "Motor"]


def test_page_cap_stops_and_marks_incomplete(cfg_factory, fake_lelang, caplog):
    cfg = cfg_factory(fake_lelang, source={"max_pages": 2})
    with HttpClient(cfg.source) as client:
        listing = fetch_listing(client, cfg.source, BIMA)
    assert len(listing.items) == 4 and listing.pages == 2
    assert listing.complete is False
    assert "page cap" in listing.warnings[0] and "page cap" in caplog.text


def test_last_page_at_the_cap_is_complete(cfg_factory, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"max_pages": 3})
    with HttpClient(cfg.source) as client:
        listing = fetch_listing(client, cfg.source, BIMA)
    assert listing.complete and len(listing.items) == 5


def test_a_page_repeating_the_previous_one_stops_as_incomplete(config, client, fake_lelang):
    page1 = {"code": 200, "data": fake_lelang.dataset.listings[BIMA][:2], "page": 1,
             "totalPage": 50, "totalItem": 100}
    fake_lelang.inject("/katalog-lot-lelang", canned(page1))  # the server ignores `page`
    listing = fetch_listing(client, config.source, BIMA)
    assert listing.pages == 2 and len(listing.items) == 2
    assert not listing.complete and "repeats page 1" in listing.warnings[0]


def test_an_empty_page_ends_the_listing(config, client, fake_lelang):
    fake_lelang.inject("/katalog-lot-lelang", canned({"code": 200, "data": [], "totalPage": 9}))
    listing = fetch_listing(client, config.source, BIMA)
    assert listing.items == [] and listing.pages == 1 and listing.complete


def test_without_total_page_a_short_page_is_the_last(config, client, fake_lelang):
    fake_lelang.inject("/katalog-lot-lelang",
                       canned({"code": 200, "data": [{"lotLelangId": SAMPLE_IDS[0]}]}))
    listing = fetch_listing(client, config.source, BIMA)
    assert listing.pages == 1 and listing.complete and len(listing.items) == 1


def _pages(server, *datas, total_page=1, total_item=3):
    for data in datas:
        payload = {"code": 200, "data": data, "totalPage": total_page, "totalItem": total_item}
        server.inject("/katalog-lot-lelang", dataclasses.replace(canned(payload), times=1))


def test_lots_announced_beyond_total_page_are_still_fetched(config, client, fake_lelang):
    items = fake_lelang.dataset.listings[BIMA]
    _pages(fake_lelang, items[0:2], items[2:3])  # a server capping its page size below ours
    listing = fetch_listing(client, config.source, BIMA)
    assert [item_id(i) for i in listing.items] == SAMPLE_IDS[:3]
    assert listing.complete and listing.pages == 2


def test_fewer_lots_than_announced_is_incomplete(config, client, fake_lelang):
    items = fake_lelang.dataset.listings[BIMA]
    _pages(fake_lelang, items[0:2], [], total_item=4)
    listing = fetch_listing(client, config.source, BIMA)
    assert len(listing.items) == 2 and listing.pages == 2
    assert not listing.complete and "announced 4 lots but gave 2" in listing.warnings[0]


def test_duplicates_across_pages_are_dropped(config, client, fake_lelang):
    items = fake_lelang.dataset.listings[BIMA]
    items.insert(2, dict(items[0]))  # the first lot again on page 2
    listing = fetch_listing(client, config.source, BIMA)
    assert [item_id(i) for i in listing.items] == SAMPLE_IDS
    assert not listing.complete  # 6 announced, 5 distinct: the pages moved while we read them


def test_a_failing_page_keeps_earlier_items_and_reports(config, client, fake_lelang):
    def on_page(page, total):
        if page == 1:  # page 2 fails for good
            fake_lelang.inject("/katalog-lot-lelang", Fault.error(503, times=None))

    listing = fetch_listing(client, config.source, BIMA, on_page=on_page)
    assert [item_id(i) for i in listing.items] == SAMPLE_IDS[:2]
    assert not listing.complete and listing.error is not None
    assert listing.error.status == 503
    assert fake_lelang.count("listing") == 1 + 1 + config.source.retries


@pytest.mark.parametrize("payload", [
    {"code": 200, "data": {"not": "a list"}},
    [1, 2, 3],
    {"code": 500, "data": [], "message": "internal"},
])
def test_unexpected_listing_shapes_are_errors(config, client, fake_lelang, payload):
    fake_lelang.inject("/katalog-lot-lelang", canned(payload))
    listing = fetch_listing(client, config.source, BIMA)
    assert isinstance(listing.error, PermanentFetchError)
    assert listing.items == [] and not listing.complete


def test_detail(config, client, fake_lelang):
    data = fetch_detail(client, config.source, SAMPLE_IDS[0])
    assert data["id"] == SAMPLE_IDS[0] and data["content"]["barangs"]
    assert fake_lelang.paths("detail") == [f"/api/v1/landing-page/info/{SAMPLE_IDS[0]}"]


def test_missing_detail_is_a_permanent_404(config, client, fake_lelang):
    with pytest.raises(PermanentFetchError) as exc:
        fetch_detail(client, config.source, "00000000-0000-4000-8000-00000000dead")
    assert exc.value.status == 404
    assert fake_lelang.count("detail") == 1


def test_detail_without_data_object_is_an_error(config, client, fake_lelang):
    fake_lelang.inject("/landing-page/info/", canned({"code": 200, "data": None}))
    with pytest.raises(PermanentFetchError, match="unexpected detail shape"):
        fetch_detail(client, config.source, SAMPLE_IDS[0])


def test_offices_sorted_by_name_with_their_ids(config, client, fake_lelang):
    offices = fetch_offices(client, config.source)
    names = [o["nama"] for o in offices]
    assert names == sorted(names, key=str.lower) and "KPKNL Bima" in names
    assert next(o["id"] for o in offices if o["nama"] == "KPKNL Bima") == BIMA
    assert fake_lelang.requests[0].query == {"sortby": ["nama"], "sortdir": ["asc"]}


def test_categories(config, client):
    assert fetch_categories(client, config.source) == [
        "Mobil", "Motor", "Rumah", "Tanah", "Besi Tua", "Elektronik"]


def test_item_id():
    assert item_id({"lotLelangId": "a", "id": "b"}) == "a"
    assert item_id({"id": "b"}) == "b"
    assert item_id({"lotLelangId": ""}) is None
    assert item_id("nope") is None
