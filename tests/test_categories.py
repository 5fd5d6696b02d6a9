"""Each lot's category learned from lelang.go.id's namakategori[] filter (categories.py), through
the real HTTP code against the loopback fake: recorded with the lot, learned again only on a
schedule, a bounded number of requests, no guess when the source is ambiguous."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from conftest import BIMA

from promo_pipeline import categories, clock, collect
from promo_pipeline.cli import cli
from promo_pipeline.demo.server import Fault
from promo_pipeline.lots import get_lot

CAR = "e966e5a7-0923-43ff-970b-cd7eb86ef68a"
HOUSE = "0bb67807-4854-4670-8782-0268e5c12ee1"


def _lots_json(config) -> dict[str, dict]:
    out = CliRunner().invoke(cli, ["--config", str(config.path), "lots", "--json"])
    return {lot["id"]: lot for lot in json.loads(out.stdout)}


def test_categories_come_from_the_source_filter_and_are_recorded(config, db, fake_lelang):
    # A title that names no kind of object: only the source can say what it is.
    house = fake_lelang.dataset.find_item(HOUSE)
    house["namaLotLelang"] = "1 (satu) paket barang sitaan eks kantor di Kota Bima"
    fake_lelang.dataset.categories[HOUSE] = "Elektronik"
    stats = collect.collect_all(config, db)
    assert stats.ok, stats.errors
    assert fake_lelang.count("kategori") == 1
    listed = fake_lelang.paths("listing")
    assert len(listed) == stats.pages + len(fake_lelang.dataset.kategori)
    assert categories.learned(db, BIMA)[HOUSE] == "Elektronik"
    assert get_lot(db, HOUSE).category == "Elektronik"
    lot = _lots_json(config)[HOUSE]
    assert (lot["category_key"], lot["category_source"]) == ("electronics", "lelang")
    # Bounded: the category list plus one page per category (each office's lots are few).
    assert stats.category_requests == 1 + len(fake_lelang.dataset.kategori)


def test_not_learned_again_before_the_refresh_then_learned_again(config, db, fake_lelang):
    start = clock.now()
    with clock.use(start):
        assert collect.collect_all(config, db).category_scans == 1
    with clock.use(start + timedelta(hours=23)):     # category_refresh_hours = 24 by default
        second = collect.collect_all(config, db)
    assert second.category_scans == 0 and fake_lelang.count("kategori") == 1
    # The source files the car elsewhere now: the next scan (after the refresh) says so.
    fake_lelang.dataset.categories[CAR] = "Besi Tua"
    with clock.use(start + timedelta(hours=24)):
        third = collect.collect_all(config, db)
    assert third.category_scans == 1 and fake_lelang.count("kategori") == 2
    assert get_lot(db, CAR).category == "Besi Tua"
    assert _lots_json(config)[CAR]["category_key"] == "scrap"


def test_never_learned_when_switched_off_or_filtered_by_config(cfg_factory, db, fake_lelang):
    off = cfg_factory(fake_lelang, source={"category_refresh_hours": 0})
    assert collect.collect_all(off, db).category_scans == 0
    assert fake_lelang.count("kategori") == 0


def test_a_lot_under_categories_of_two_kinds_gets_none(config, db, fake_lelang):
    fake_lelang.dataset.categories[CAR] = ["Mobil", "Tanah"]
    collect.collect_all(config, db)
    assert CAR not in categories.learned(db, BIMA)
    lot = _lots_json(config)[CAR]
    # The detail's namaKategoriLelang ("Mobil") is all that is left; nothing is invented.
    assert lot["category"] == "Mobil" and lot["category_key"] == "car"


def test_a_failed_scan_keeps_what_was_learned_and_the_run_goes_on(config, db, fake_lelang):
    start = clock.now()
    with clock.use(start):
        collect.collect_all(config, db)
    before = categories.learned(db, BIMA)
    assert before
    fake_lelang.inject("/landing-page/kategori", Fault.error(404))
    with clock.use(start + timedelta(days=1)):
        stats = collect.collect_all(config, db)
    assert stats.ok and stats.category_scans == 1
    assert any("categories not learned" in w for w in stats.warnings)
    assert categories.learned(db, BIMA) == before
    assert get_lot(db, HOUSE).category == before[HOUSE]


def test_the_fake_filters_like_the_api(fake_lelang):
    """Repeated PHP-style namakategori[] values give the lots of any of them."""
    from promo_pipeline.config import Source
    from promo_pipeline.fetch import fetch_listing
    from promo_pipeline.http import HttpClient

    source = Source(api_base=fake_lelang.api_base, requests_per_second=1000.0)
    with HttpClient(source) as client:
        cars = fetch_listing(client, source, BIMA, ["Mobil"]).items
        both = fetch_listing(client, source, BIMA, ["Mobil", "Besi Tua"]).items
        none = fetch_listing(client, source, BIMA, ["Kapal"]).items
    assert [i["lotLelangId"] for i in cars] == [CAR]
    assert len(both) == 2 and none == []
