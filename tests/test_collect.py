"""The collect stage end to end: real HTTP to the fake lelang.go.id, a real SQLite file."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import BIMA, image_bytes, shift_iso

from promo_pipeline import clock, collect, database, pipeline, refs, store
from promo_pipeline.cli import cli
from promo_pipeline.demo.server import Fault
from promo_pipeline.errors import NotFoundError, UsageError
from promo_pipeline.http import HttpClient
from promo_pipeline.lots import get_lot
from promo_pipeline.photos import usable_paths

CAR = "e966e5a7-0923-43ff-970b-cd7eb86ef68a"
HOUSE = "0bb67807-4854-4670-8782-0268e5c12ee1"
SCRAP = "53b504c6-2df9-446f-9f83-91343495fb15"
MOTOR = "63c3a231-67a7-4851-8559-f3dade535bda"
LAND = "18f7c628-7608-4676-ba6e-b1e7bebf5818"
ALL = {CAR, HOUSE, SCRAP, MOTOR, LAND}
MATARAM = "0b1a0000-0000-4000-8000-000000000003"


def scrape(config, db, *, now=None, **kw) -> collect.CollectStats:
    """One collect run, at *now* when given (the one clock, moved)."""
    with clock.use(now) if now is not None else contextlib.nullcontext():
        return collect.collect_all(config, db, progress=False, **kw)


def lots_by_id(db) -> dict[str, dict]:
    return {r["id"]: r for r in db.query("select * from lots")}


def table(db, name: str, order: str) -> list[dict]:
    return list(db.query(f"select * from {name} order by {order}"))


def set_price(server, lot_id: str, value: str) -> None:
    server.dataset.find_item(lot_id)["nilaiLimit"] = value
    server.dataset.details[lot_id]["nilaiLimit"] = value


def invoke(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config.path), *args])


# --- a first and a second scrape ---------------------------------------------------------------


def test_first_scrape_stores_every_lot_with_items_photos_and_raw_json(config, db, fake_lelang):
    stats = scrape(config, db)
    assert stats.ok and stats.errors == [] and stats.warnings == []
    assert (stats.offices, stats.pages, stats.details) == (1, 3, 5)
    assert (stats.lots_new, stats.lots_changed, stats.lots_unchanged) == (5, 0, 0)
    assert (stats.photos_downloaded, stats.photos_bad, stats.photos_refused) == (5, 0, 0)
    # The office's first scan of categories: the category list, then one page per category.
    assert (stats.category_scans, stats.category_requests) == (1, 1 + 6)
    assert stats.requests == 3 + 5 + 5 + 7
    rows = lots_by_id(db)
    assert set(rows) == ALL
    car = rows[CAR]
    assert car["first_seen_at"] == car["last_seen_at"] == car["changed_at"]
    assert car["status"] == "active" and car["withdrawn_at"] is None
    assert json.loads(car["raw_listing"])["lotLelangId"] == CAR
    assert json.loads(car["raw_detail"])["kodeLot"] == "QB7R2M"
    assert db.execute("select count(*) from items").fetchone()[0] == 5
    covers = db.execute("select lot_id, url from lot_photos where is_cover = 1 "
                        "order by lot_id").fetchall()
    assert dict(covers)[LAND].endswith("577eb224-45e3-4cfe-ad5b-660fd4a5ed9d.jpg")
    assert len(usable_paths(db, config.media_dir, get_lot(db, CAR).photos)) == 2


def test_second_scrape_makes_listing_requests_only_and_changes_nothing(config, db, fake_lelang):
    scrape(config, db, now=datetime.now(UTC))
    lots_before = table(db, "lots", "id")
    others = {t: table(db, t, order) for t, order in
              [("items", "lot_id, position"), ("lot_photos", "lot_id, position"),
               ("photos", "url")]}
    media = {p: p.read_bytes() for p in config.media_dir.rglob("*") if p.is_file()}
    fake_lelang.reset_log()

    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(hours=1))

    assert fake_lelang.counts == {"listing": 3}
    assert (stats.lots_new, stats.lots_changed, stats.lots_unchanged) == (0, 0, 5)
    assert (stats.photos_downloaded, stats.photos_cached) == (0, 5)
    lots_after = table(db, "lots", "id")
    assert [r["last_seen_at"] for r in lots_after] != [r["last_seen_at"] for r in lots_before]
    strip = [{k: v for k, v in r.items() if k != "last_seen_at"} for r in lots_before]
    assert [{k: v for k, v in r.items() if k != "last_seen_at"} for r in lots_after] == strip
    assert {t: table(db, t, order) for t, order in
            [("items", "lot_id, position"), ("lot_photos", "lot_id, position"),
             ("photos", "url")]} == others
    assert {p: p.read_bytes() for p in config.media_dir.rglob("*") if p.is_file()} == media


def test_changed_price_gives_a_new_hash_and_moves_changed_at(config, db, fake_lelang):
    t1 = datetime.now(UTC).replace(microsecond=0)
    scrape(config, db, now=t1)
    before = lots_by_id(db)
    set_price(fake_lelang, CAR, "97000000")
    fake_lelang.reset_log()
    t2 = t1 + timedelta(hours=2)

    stats = scrape(config, db, now=t2)

    assert (stats.lots_changed, stats.lots_unchanged) == (1, 4)
    assert fake_lelang.paths("detail") == [f"/api/v1/landing-page/info/{CAR}"]
    after = lots_by_id(db)
    assert after[CAR]["limit_value"] == 97_000_000
    assert after[CAR]["content_hash"] != before[CAR]["content_hash"]
    assert after[CAR]["changed_at"] == t2.isoformat()
    assert after[CAR]["first_seen_at"] == t1.isoformat()
    assert after[HOUSE]["changed_at"] == t1.isoformat()


def test_listing_change_outside_the_post_facts_refetches_but_is_unchanged(config, db,
                                                                           fake_lelang):
    scrape(config, db)
    fake_lelang.dataset.find_item(SCRAP)["views"] = 999  # not a post fact
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(minutes=5))
    assert stats.details == 1 and stats.lots_changed == 0 and stats.lots_unchanged == 5


def test_new_photo_on_a_changed_lot_is_downloaded(config, db, fake_lelang):
    scrape(config, db)
    detail = fake_lelang.dataset.details[SCRAP]
    detail["photos"] = [{"iscover": True, "file": {"folder": "photo_barang",
                                                   "fileName": "scrap-new.jpg"}}]
    fake_lelang.dataset.files["photo_barang/scrap-new.jpg"] = image_bytes(seed=99)
    fake_lelang.dataset.find_item(SCRAP)["photos"] = detail["photos"]
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(minutes=5))
    assert (stats.lots_changed, stats.photos_downloaded) == (1, 1)
    assert get_lot(db, SCRAP).cover.endswith("scrap-new.jpg")


def test_stale_detail_is_fetched_again(config, db, fake_lelang):
    t1 = datetime.now(UTC)
    scrape(config, db, now=t1)
    fake_lelang.reset_log()
    stats = scrape(config, db, now=t1 + timedelta(hours=25))
    assert stats.details == 5 and stats.lots_unchanged == 5
    assert fake_lelang.count("file") == 0


# --- lifecycle: withdrawn, reappearing, ended --------------------------------------------------


def test_lot_missing_from_a_complete_listing_is_withdrawn_and_can_come_back(config, db,
                                                                             fake_lelang):
    t1 = datetime.now(UTC).replace(microsecond=0)
    scrape(config, db, now=t1)
    item = copy.deepcopy(fake_lelang.dataset.find_item(MOTOR))
    fake_lelang.dataset.remove_lot(MOTOR)
    t2 = t1 + timedelta(hours=1)

    stats = scrape(config, db, now=t2)

    assert stats.lots_withdrawn == 1
    row = lots_by_id(db)[MOTOR]
    assert (row["status"], row["withdrawn_at"]) == ("withdrawn", t2.isoformat())
    assert row["last_seen_at"] == t1.isoformat()
    assert {r["id"] for r in db.query("select id from lots where status = 'active'")} == (
        ALL - {MOTOR})

    fake_lelang.dataset.listings[BIMA].append(item)
    stats = scrape(config, db, now=t2 + timedelta(hours=1))
    assert stats.lots_reappeared == 1 and stats.lots_withdrawn == 0
    row = lots_by_id(db)[MOTOR]
    assert (row["status"], row["withdrawn_at"]) == ("active", None)


def test_no_withdrawal_when_the_listing_was_cut_by_the_page_cap(cfg_factory, db, fake_lelang):
    scrape(cfg_factory(fake_lelang), db)
    capped = cfg_factory(fake_lelang, source={"max_pages": 1})
    stats = scrape(capped, db, now=datetime.now(UTC) + timedelta(hours=1))
    assert stats.lots_withdrawn == 0 and "page cap" in stats.warnings[0]
    assert {r["status"] for r in db.query("select status from lots")} == {"active"}


def test_no_withdrawal_when_the_listing_failed(config, db, fake_lelang):
    scrape(config, db)
    fake_lelang.inject("/katalog-lot-lelang", Fault.error(503, times=None))
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(hours=1))
    assert not stats.ok and stats.office_failures == [BIMA]
    assert stats.lots_withdrawn == 0
    assert {r["status"] for r in db.query("select status from lots")} == {"active"}


def test_lots_whose_end_passed_are_ended_not_withdrawn(config, db, fake_lelang):
    scrape(config, db)
    later = get_lot(db, LAND).ends_at + timedelta(days=1)  # after every sample lot
    fake_lelang.dataset.remove_lot(CAR)
    stats = scrape(config, db, now=later)
    assert stats.lots_ended == 5 and stats.lots_withdrawn == 0
    assert {r["status"] for r in db.query("select status from lots")} == {"ended"}
    assert scrape(config, db, now=later + timedelta(hours=1)).lots_ended == 0


# --- bad input ---------------------------------------------------------------------------------


def test_malformed_items_are_skipped_and_the_rest_stored(config, db, fake_lelang, caplog):
    ds = fake_lelang.dataset
    bad_price = copy.deepcopy(ds.find_item(CAR))
    bad_price.update(lotLelangId="badc0ffe-0000-4000-8000-000000000001", nilaiLimit="Rp 1.000")
    ds.details[bad_price["lotLelangId"]] = dict(ds.details[CAR], id=bad_price["lotLelangId"],
                                                nilaiLimit="Rp 1.000")
    bad_date = copy.deepcopy(ds.find_item(SCRAP))
    bad_date.update(lotLelangId="badc0ffe-0000-4000-8000-000000000002")
    ds.details[bad_date["lotLelangId"]] = dict(ds.details[SCRAP], id=bad_date["lotLelangId"],
                                               tglSelesaiLelang="segera")
    no_id = copy.deepcopy(ds.find_item(MOTOR))
    del no_id["lotLelangId"]
    ds.listings[BIMA][1:1] = [bad_price, "junk", no_id, bad_date]

    stats = scrape(config, db)

    assert stats.ok  # skipped items are warnings, not a failed run
    assert stats.lots_skipped == 4 and stats.lots_new == 5
    assert set(lots_by_id(db)) == ALL
    assert db.execute("select count(*) from items where lot_id like 'badc0ffe%'").fetchone()[0] == 0
    text = "\n".join(stats.warnings)
    assert "lot badc0ffe-0000-4000-8000-000000000001: nilaiLimit is not an amount" in text
    assert "lot badc0ffe-0000-4000-8000-000000000002: tglSelesaiLelang is not an ISO date" in text
    assert "has no lotLelangId" in text
    assert "badc0ffe-0000-4000-8000-000000000001" in caplog.text


def test_a_stored_lot_that_turns_malformed_keeps_its_last_good_data(config, db, fake_lelang):
    scrape(config, db)
    set_price(fake_lelang, CAR, "sembilan puluh juta")
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(hours=1))
    assert stats.lots_skipped == 1 and stats.lots_withdrawn == 0
    row = lots_by_id(db)[CAR]
    assert (row["limit_value"], row["status"]) == (98_500_000, "active")


def test_missing_detail_stores_the_listing_facts(config, db, fake_lelang):
    del fake_lelang.dataset.details[HOUSE]
    stats = scrape(config, db)
    assert stats.ok and stats.lots_new == 5
    assert any("stored from the listing only" in w for w in stats.warnings)
    lot = get_lot(db, HOUSE)
    assert lot.limit_value == 412_750_000 and lot.items == () and lot.deposit_deadline is None


def test_oversize_detail_is_refused_and_the_listing_kept(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"max_response_bytes": 50_000})
    fake_lelang.inject(f"/info/{SCRAP}", Fault.oversize(400_000, content_length=False))
    stats = scrape(cfg, db)
    assert stats.ok and stats.lots_new == 5
    assert any("cap" in w for w in stats.warnings)
    assert get_lot(db, SCRAP).items == ()


def test_detail_failing_after_retries_keeps_the_stored_lot_and_retries_next_run(
    config, db, fake_lelang
):
    scrape(config, db)
    set_price(fake_lelang, CAR, "90000000")
    fake_lelang.inject(f"/info/{CAR}", Fault.error(503, times=None))
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(hours=1))
    assert not stats.ok and any(CAR in e for e in stats.errors)
    assert lots_by_id(db)[CAR]["limit_value"] == 98_500_000
    fake_lelang.clear_faults()
    stats = scrape(config, db, now=datetime.now(UTC) + timedelta(hours=2))
    assert stats.ok and stats.lots_changed == 1
    assert lots_by_id(db)[CAR]["limit_value"] == 90_000_000


# --- faults on the listing ---------------------------------------------------------------------


def test_503_503_200_on_the_listing_succeeds(config, db, fake_lelang):
    fake_lelang.inject("/katalog-lot-lelang", Fault.error(503), Fault.error(503))
    stats = scrape(config, db)
    assert stats.ok and stats.retries == 2 and stats.lots_new == 5


def test_429_with_retry_after_is_honoured(config, db, fake_lelang):
    sleeps: list[float] = []
    client = HttpClient(config.source, sleep=sleeps.append)
    fake_lelang.inject("/landing-page/info/", Fault.error(429, headers={"Retry-After": "4"}))
    stats = scrape(config, db, client=client)
    assert stats.ok and stats.lots_new == 5
    assert 4.0 in sleeps


def test_html_200_on_the_listing_fails_the_office(config, db, fake_lelang):
    fake_lelang.inject("/katalog-lot-lelang", Fault.html())
    summary = pipeline.scrape(config, db, progress=False)
    assert not summary.ok and summary.status == "failed"
    assert "HTML instead of JSON" in summary.errors[0]
    assert lots_by_id(db) == {}
    run = db.execute("select kind, status from runs").fetchall()
    assert run == [("scrape", "failed")]


def test_stalled_listing_fails_within_bounded_time(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, source={"read_timeout": 0.3, "retries": 1})
    fake_lelang.inject("/katalog-lot-lelang", Fault.stalled(5.0, times=None))
    started = time.monotonic()
    stats = scrape(cfg, db)
    assert time.monotonic() - started < 3.0
    assert stats.office_failures == [BIMA] and "read timeout" in stats.errors[0]


def test_failed_office_does_not_stop_the_others(cfg_factory, db, fake_lelang):
    other = {"lotLelangId": "0b1a0000-1111-4000-8000-00000000a001", "unitKerjaId": MATARAM,
             "namaUnitKerja": "KPKNL Mataram", "namaLotLelang": "Laptop bekas di Kota Mataram",
             "namaLokasi": "KOTA MATARAM", "nilaiLimit": "2500000", "uangJaminan": "500000",
             "tglSelesaiLelang": shift_iso("2026-03-20T10:00:00+07:00",
                                           fake_lelang.date_shift),
             "photos": []}
    fake_lelang.dataset.add_lot(MATARAM, other, None, category="Elektronik")
    offices = [{"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
               {"id": MATARAM, "name": "KPKNL Mataram", "timezone": "Asia/Makassar"}]
    cfg = cfg_factory(fake_lelang, offices=offices)
    scrape(cfg, db)  # both offices stored
    fake_lelang.inject(f"/landing-page-kpknl/{BIMA}/", Fault.error(503, times=None))

    result = invoke(cfg, "scrape")

    assert result.exit_code == 1
    assert "selesai sebagian" in result.stdout and "2 kantor" in result.stdout
    assert f"kantor KPKNL Bima ({BIMA})" in result.stderr
    rows = lots_by_id(db)
    assert len(rows) == 6 and {r["status"] for r in rows.values()} == {"active"}
    run = db.execute("select status, errors from runs order by id desc").fetchone()
    assert run[0] == "partial" and BIMA in run[1]


# --- several offices and category filters ------------------------------------------------------


def test_two_offices_are_both_collected(cfg_factory, db, fake_lelang):
    ds = fake_lelang.dataset
    for n in range(3):
        item = copy.deepcopy(ds.find_item(SCRAP))
        item.update(lotLelangId=f"0b1a0000-2222-4000-8000-00000000b00{n}", unitKerjaId=MATARAM,
                    namaUnitKerja="KPKNL Mataram")
        ds.add_lot(MATARAM, item, None, category="Besi Tua")
    offices = [{"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
               {"id": MATARAM, "name": "KPKNL Mataram", "timezone": "Asia/Makassar"}]
    stats = scrape(cfg_factory(fake_lelang, offices=offices), db)
    assert stats.offices == 2 and stats.lots_new == 8 and stats.pages == 3 + 2
    by_office = dict(db.execute("select office_id, count(*) from lots group by office_id"))
    assert by_office == {BIMA: 5, MATARAM: 3}
    assert get_lot(db, "0b1a0000-2222-4000-8000-00000000b001").url.endswith(
        f"/kpknl/{MATARAM}/detail-auction/0b1a0000-2222-4000-8000-00000000b001")


def test_category_filter_one_pass_per_category(cfg_factory, db, fake_lelang):
    offices = [{"id": BIMA, "name": "KPKNL Bima", "categories": ["Rumah", "Motor"]}]
    cfg = cfg_factory(fake_lelang, offices=offices)
    stats = scrape(cfg, db)
    assert set(lots_by_id(db)) == {HOUSE, MOTOR}
    sent = [r.query.get("namakategori[]") for r in fake_lelang.requests if r.kind == "listing"]
    assert sent == [["Rumah"], ["Motor"]]
    assert get_lot(db, HOUSE).category == "Rumah"  # from the filter: no category on detail
    assert stats.ok

    # Lots outside the filter are never "withdrawn" just because the filtered listing omits them.
    scrape(cfg_factory(fake_lelang), db)
    stats = scrape(cfg, db, now=datetime.now(UTC) + timedelta(hours=1))
    assert stats.lots_withdrawn == 0


def test_no_office_configured_is_a_config_error(cfg_factory, db, fake_lelang):
    cfg = cfg_factory(fake_lelang, offices=[])
    result = invoke(cfg, "scrape")
    assert result.exit_code == 2 and "promo offices --search" in result.stderr


def test_the_example_placeholder_id_is_refused_with_a_hint(cfg_factory, db, fake_lelang):
    from pathlib import Path

    from promo_pipeline import config as config_mod

    example = config_mod.load(Path(__file__).parent.parent / "config.toml")
    assert example.offices[0].id == collect.PLACEHOLDER_OFFICE_ID
    cfg = cfg_factory(fake_lelang, offices=[{"id": collect.PLACEHOLDER_OFFICE_ID,
                                             "name": "KPKNL Bima"}])
    result = invoke(cfg, "scrape")
    assert result.exit_code == 2
    assert "offices[0].id" in result.stderr and "promo offices --search" in result.stderr
    assert fake_lelang.requests == []


# --- one lot on demand -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (CAR, (None, CAR)),
    (CAR.upper(), (None, CAR)),
    (f"  https://lelang.go.id/kpknl/{BIMA}/detail-auction/{CAR}  ", (BIMA, CAR)),
    (f"https://www.lelang.go.id/kpknl/{BIMA}/detail-auction/{CAR}/?utm=x#top", (BIMA, CAR)),
    (f"lelang.go.id/detail-auction/{CAR}", (None, CAR)),
    (f"http://lelang.go.id/detail-auction/{CAR}", (None, CAR)),
])
def test_parse_lot_ref(text, expected):
    assert refs.parse_lot_ref(text) == expected


@pytest.mark.parametrize("text", [
    "", "123", "not-a-uuid", f"{CAR}x", f"https://evil.com/detail-auction/{CAR}",
    f"https://lelang.go.id/kpknl/{BIMA}/detail/{CAR}", "https://lelang.go.id/detail-auction/x",
    f"ftp://lelang.go.id/detail-auction/{CAR}", f"https://lelang.go.id/kpknl/x/detail-auction/{CAR}",
])
def test_parse_lot_ref_rejects_anything_else(text):
    with pytest.raises(UsageError, match="bukan ID lot"):
        refs.parse_lot_ref(text)


def test_collect_lot_by_url_even_when_not_listed(config, db, fake_lelang):
    fake_lelang.dataset.remove_lot(CAR)  # only reachable through its detail
    url = f"https://lelang.go.id/kpknl/{BIMA}/detail-auction/{CAR}"
    lot = collect.collect_lot(config, db, url)
    assert lot.id == CAR and lot.limit_value == 98_500_000 and len(lot.items) == 1
    assert fake_lelang.count("listing") == 0
    assert fake_lelang.count("file") == 2
    assert len(usable_paths(db, config.media_dir, get_lot(db, CAR).photos)) == 2
    assert lots_by_id(db)[CAR]["raw_detail"]


def test_collect_lot_by_id_uses_the_only_office_when_the_detail_has_none(config, db,
                                                                         fake_lelang):
    lot = collect.collect_lot(config, db, HOUSE)  # the sample detail has no unitKerjaId
    assert lot.office_id == BIMA and lot.office_name == "KPKNL Bima"


def test_collect_lot_keeps_the_stored_listing_item(config, db, fake_lelang):
    scrape(config, db)
    lot = collect.collect_lot(config, db, SCRAP)
    assert lot == get_lot(db, SCRAP)
    assert json.loads(lots_by_id(db)[SCRAP]["raw_listing"])["lotLelangId"] == SCRAP


def test_collect_lot_unknown_is_not_found(config, db, fake_lelang):
    with pytest.raises(NotFoundError, match="tidak ditemukan"):
        collect.collect_lot(config, db, "00000000-0000-4000-8000-00000000dead")


# --- the CLI -----------------------------------------------------------------------------------


def expected_lots_json(server) -> list[dict]:
    """The `promo lots --json` contract for the samples, value by value."""
    d = server.date_shift
    files = server.file_base
    site = f"https://lelang.go.id/kpknl/{BIMA}/detail-auction/"
    common = {"office_id": BIMA, "office_name": "KPKNL Bima", "status": "active",
              "source_status": "TAYANG", "bidding_method": "OPEN_BIDDING"}
    return [
        {**common, "id": CAR, "code": "QB7R2M", "category": "Mobil", "location": "KAB. BIMA",
         "province": "NUSA TENGGARA BARAT",
         "title": "1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 warna Hitam Metalik, "
                  "Nomor Polisi EA 1587 KB di Kab. Bima",
         "limit_value": 98500000, "deposit": 29550000, "bid_increment": 500000,
         "starts_at": shift_iso("2026-03-02T09:00:00+07:00", d),
         "ends_at": shift_iso("2026-03-11T09:00:00+07:00", d),
         "deposit_deadline": shift_iso("2026-03-10T09:00:00+07:00", d),
         "url": site + CAR,
         "photos": [files + "photo_barang/ef3baf2b-31ad-49d2-95e8-2da575b75013.jpg",
                    files + "photo_barang/1bde711e-56bf-49d9-80ca-3f802945be72.jpg"],
         "items": [{"name": "Toyota Avanza 1.3 G M/T", "kind": "Kendaraan Bermotor Roda Empat",
                    "address": "Halaman Kantor Sekretariat Daerah Kabupaten Bima, "
                               "Jl. Soekarno-Hatta, Woha, Kab. Bima",
                    "ownership": "BPKB N-04418273", "year": "2015", "color": "Hitam Metalik",
                    "plate": "EA 1587 KB", "frame_number": "MHKM1BA2JFK041877"}]},
        {**common, "id": HOUSE, "code": "T4WK9X", "category": "Rumah",  # its filter
         "location": "KOTA BIMA",
         "province": None,
         "title": "1 bidang tanah dengan total luas 210 m² berikut bangunan di Kota Bima",
         "limit_value": 412750000, "deposit": 82550000, "bid_increment": None,
         "starts_at": shift_iso("2026-03-02T09:00:00+07:00", d),
         "ends_at": shift_iso("2026-03-11T09:30:00+07:00", d),
         "deposit_deadline": shift_iso("2026-03-10T09:30:00+07:00", d),
         "url": site + HOUSE,
         "photos": [files + "photo_barang/0198f91e-dab2-4962-9666-1d2649503f78.jpeg"],
         "items": [{"name": "Tanah berikut bangunan rumah tinggal", "kind": "Tanah dan Bangunan",
                    "address": "Jl. Sultan Kaharuddin, Kelurahan Paruga, Kecamatan Rasanae "
                               "Barat, Kota Bima, Provinsi Nusa Tenggara Barat",
                    "area_m2": 210.0, "ownership": "SHM No. 01874 NIB No. 23.72.01.04.00531",
                    "description": "Sebidang tanah seluas 210 m² berikut bangunan rumah tinggal "
                                   "permanen 1 (satu) lantai.\nAtas nama: S***A\nKondisi: "
                                   "dihuni\nObjek dijual dalam kondisi apa adanya (as is)."}]},
        {**common, "id": SCRAP, "code": "H2D8PL", "category": "Besi Tua",
         "location": "KOTA BIMA", "province": None,
         "title": "1 (satu) paket Scrap/Besi Tua eks bongkaran rangka atap dan pagar besi "
                  "kantor di Kota Bima",
         "limit_value": 6350000, "deposit": 1905000, "bid_increment": 100000,
         "starts_at": shift_iso("2026-03-03T09:00:00+07:00", d),
         "ends_at": shift_iso("2026-03-12T10:00:00+07:00", d),
         "deposit_deadline": shift_iso("2026-03-11T10:00:00+07:00", d),
         "url": site + SCRAP, "photos": [],
         "items": [{"name": "Scrap besi eks rangka atap baja ringan dan pagar besi",
                    "kind": "Scrap/Besi Tua",
                    "address": "Gudang Kantor Dinas Pekerjaan Umum dan Penataan Ruang Kota Bima, "
                               "Jl. Gatot Subroto, Kota Bima",
                    "description": "Perkiraan berat ± 1.450 kg\nDijual dalam satu paket, tidak "
                                   "dapat dipisah-pisah.\nPengambilan barang menjadi tanggung "
                                   "jawab pembeli."}]},
        {**common, "id": MOTOR, "code": "MV4K7D", "category": "Motor", "location": "KAB. DOMPU",
         "province": "NUSA TENGGARA BARAT",
         "title": "1 (satu) unit Sepeda Motor Honda Vario 125 Tahun 2017, Nomor Polisi EA 3321 "
                  "DF di Kab. Dompu",
         "limit_value": 4200000, "deposit": 1260000, "bid_increment": 50000,
         "starts_at": shift_iso("2026-03-03T02:00:00+00:00", d),
         "ends_at": shift_iso("2026-03-12T10:30:00+07:00", d),
         "deposit_deadline": shift_iso("2026-03-11T10:30:00+07:00", d),
         "url": site + MOTOR, "photos": [],
         "items": [{"name": "Honda Vario 125 CBS", "kind": "Kendaraan Bermotor Roda Dua",
                    "address": "Kantor Camat Woja, Jl. Lintas Sumbawa, Kab. Dompu",
                    "ownership": "BPKB M-07731902", "year": "2017", "color": "Putih",
                    "plate": "EA 3321 DF", "frame_number": "MH1JFZ11XHK123456",
                    "description": "Kondisi mesin hidup & dapat dijalankan; STNK mati sejak "
                                   "2023."}]},
        {**common, "id": LAND, "code": "TD9P3Q", "category": "Tanah", "location": "KAB. DOMPU",
         "province": "NUSA TENGGARA BARAT",
         "title": "1 bidang tanah dengan total luas 1250 m² di Kab. Dompu",
         "limit_value": 156000000, "deposit": 31200000, "bid_increment": 1000000,
         "starts_at": shift_iso("2026-03-04T09:00:00+07:00", d),
         "ends_at": shift_iso("2026-03-13T09:00:00+07:00", d),
         "deposit_deadline": shift_iso("2026-03-12T09:00:00+07:00", d),
         "url": site + LAND,
         "photos": [files + "photo_barang/577eb224-45e3-4cfe-ad5b-660fd4a5ed9d.jpg",
                    files + "photo_barang/6c5b4a39-4444-4e2d-9f1a-0b9c8d7e6f50.png"],
         "items": [{"name": "Tanah kosong (kebun)", "kind": "Tanah",
                    "address": "Desa Matua, Kecamatan Woja, Kab. Dompu", "area_m2": 1250.0,
                    "ownership": "SHM No. 00731 NIB 23.05.07.01.00412",
                    "description": "Tanah kebun jambu mete, akses jalan desa ± 3 m.\n"
                                   "Batas utara: jalan desa."}]},
    ]


def test_promo_scrape_then_lots_json_gives_exact_normalised_values(config, fake_lelang):
    result = invoke(config, "scrape")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Pengumpulan #1 selesai (")
    assert "1 kantor, 3 halaman; lot baru 5, berubah 0" in result.stdout
    assert "foto diunduh 5, rusak 0" in result.stdout and "galat 0" in result.stdout

    result = invoke(config, "lots", "--json")
    assert result.exit_code == 0
    lots = {lot["id"]: lot for lot in json.loads(result.stdout)}
    for expected in expected_lots_json(fake_lelang):
        got = lots[expected["id"]]
        assert {k: got[k] for k in expected} == expected, expected["id"]
        assert set(got) >= {"id", "office_id", "office_name", "title", "category", "location",
                            "limit_value", "deposit", "starts_at", "ends_at",
                            "deposit_deadline", "status", "url", "photos", "items"}
    ends = [datetime.fromisoformat(lot["ends_at"]) for lot in json.loads(result.stdout)]
    assert ends == sorted(ends)


def test_scrape_is_recorded_as_a_run(config, db, fake_lelang):
    assert invoke(config, "scrape").exit_code == 0
    (run,) = db.query("select * from runs")
    assert (run["kind"], run["status"]) == ("scrape", "ok")
    counts = json.loads(run["counts"])["collect"]  # per stage, as every run records them
    assert counts["lots_new"] == 5 and counts["photos_downloaded"] == 5
    assert json.loads(run["errors"]) == [] and run["duration_s"] >= 0


def test_scrape_waits_for_no_one_while_another_run_holds_the_lock(config, db, fake_lelang):
    from promo_pipeline.lock import project_lock

    held, release = threading.Event(), threading.Event()

    def other_run():
        with project_lock(config, what="promo run"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert held.wait(5)
        result = invoke(config, "scrape")
    finally:
        release.set()
        thread.join()
    assert result.exit_code == 3 and "promo run" in result.stderr
    assert fake_lelang.requests == []
    assert db.execute("select count(*) from lots").fetchone()[0] == 0


def test_scrape_json_output(config, fake_lelang):
    result = invoke(config, "scrape", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["kind"] == "scrape" and data["status"] == "ok"
    assert data["counts"]["collect"]["lots_new"] == 5 and data["errors"] == []


def test_lots_table_without_json(config, fake_lelang):
    invoke(config, "scrape")
    result = invoke(config, "lots")
    assert result.exit_code == 0
    assert "5 lot" in result.stdout and "Rp98.500.000" in result.stdout


def test_offices_search_ignores_case_spaces_and_hyphens(config, fake_lelang):
    result = invoke(config, "offices", "--search", "pangkal-PINANG", "--json")
    assert result.exit_code == 0
    assert [o["name"] for o in json.loads(result.stdout)] == ["KPKNL Pangkal Pinang"]
    result = invoke(config, "offices", "--search", "bima")
    assert "KPKNL Bima" in result.stdout and BIMA in result.stdout
    result = invoke(config, "offices", "--search", "atlantis")
    assert result.exit_code == 0 and "Tidak ada kantor" in result.stderr
    assert len(json.loads(invoke(config, "offices", "--json").stdout)) == 4


def test_match_offices():
    offices = [{"nama": "KPKNL Pangkalpinang", "kota": "Kota Pangkalpinang"},
               {"nama": "KPKNL Bima", "kota": "Kota Bima"}]
    assert refs.match_offices(offices, "pangkal pinang") == offices[:1]
    assert refs.match_offices(offices, "KOTA BIMA") == offices[1:]
    assert refs.match_offices(offices, "  ") == offices
    assert refs.match_offices(offices, None) == offices


def test_leftover_temp_files_from_a_killed_write_are_removed(config, db, fake_lelang):
    leftover = config.media_dir / "photos" / "ab" / ".abc.jpg.x1y2.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a photo")
    scrape(config, db)
    assert not leftover.exists()
    assert not list(config.media_dir.rglob("*.tmp"))


def test_progress_display_does_not_change_the_result(config, db, fake_lelang):
    stats = collect.collect_all(config, db, progress=True)
    assert stats.ok and stats.lots_new == 5


# --- crash safety (kill -9 at named points, in a real subprocess) ------------------------------


def _promo(config, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PROMO_CRASH_AT"}
    if crash_at:
        env["PROMO_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "promo_pipeline", "--config", str(config.path),
                           "scrape"], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.crash
def test_crash_mid_lot_upsert_leaves_no_half_lot_and_a_rerun_completes(config, fake_lelang):
    crashed = _promo(config, "mid_lot_upsert")
    assert crashed.returncode == 137
    db = database.connect(config.database_path)
    try:
        assert store.integrity_check(db) == "ok"
        assert db.execute("select count(*) from lots").fetchone()[0] == 0
        assert db.execute("select count(*) from items").fetchone()[0] == 0
        done = _promo(config)
        assert done.returncode == 0, done.stderr
        assert db.execute("select count(*) from lots").fetchone()[0] == 5
        assert db.execute("select count(*) from items").fetchone()[0] == 5
    finally:
        db.close()


@pytest.mark.crash
def test_crash_after_photo_write_reuses_the_file_on_rerun(config, fake_lelang):
    crashed = _promo(config, "after_photo_write")
    assert crashed.returncode == 137
    written = [p for p in config.media_dir.rglob("*") if p.is_file()]
    assert len(written) == 1 and not written[0].name.endswith(".tmp")
    done = _promo(config)
    assert done.returncode == 0, done.stderr
    db = database.connect(config.database_path)
    try:
        assert store.integrity_check(db) == "ok"
        statuses = [r[0] for r in db.execute("select status from photos")]
        assert statuses == ["ok"] * 5
        assert len([p for p in config.media_dir.rglob("*") if p.is_file()]) == 5
        assert not list(config.media_dir.rglob("*.tmp"))
    finally:
        db.close()


def test_lots_json_carries_the_title_reading(config, fake_lelang):
    """`promo lots --json` per lot: category_key, category_source, headline and facts (the
    issue's contract); values read from the titles and the source's categories."""
    from promo_pipeline.titles import FAMILIES

    assert invoke(config, "scrape").exit_code == 0
    lots = {lot["id"][:8]: lot for lot in json.loads(invoke(config, "lots", "--json").stdout)}
    for lot in lots.values():
        assert lot["category_key"] in FAMILIES
        assert lot["category_source"] in ("lelang", "title", None)
        assert 0 < len(lot["headline"]) <= 60 and "(satu)" not in lot["headline"]
        assert set(lot["facts"]) >= {"land_area_m2", "building_area_m2", "certificate", "units",
                                     "vehicle", "place", "redactions"}
        assert isinstance(lot["facts"]["certificate"], list)
        assert lot["facts"]["redactions"] == []
    car = lots["e966e5a7"]
    assert (car["category_key"], car["category_source"]) == ("car", "lelang")
    assert car["facts"]["vehicle"] == {"brand": "Toyota", "model": "Avanza 1.3 G M/T",
                                       "year": 2015}
    assert car["facts"]["place"] == "Kab. Bima"
    house = lots["0bb67807"]   # a source category only from the listing filter, if at all
    assert house["category_key"] == "building"
    assert house["facts"]["land_area_m2"] == 210 and house["facts"]["units"] == 1
    assert lots["18f7c628"]["facts"]["land_area_m2"] == 1250
    assert (lots["53b504c6"]["category_key"], lots["63c3a231"]["category_key"]) == \
        ("scrap", "motorcycle")
