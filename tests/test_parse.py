"""The pure parser: every sample, both detail shapes, money/date/HTML edge cases, fuzzing."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import BIMA, load_sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promo_pipeline.errors import ParseError
from promo_pipeline.htmltext import clean_text
from promo_pipeline.lots import Item, Lot
from promo_pipeline.parse import (
    find_barangs,
    parse_lot,
    parse_money,
    parse_time,
    photo_urls,
    resolve_photo_url,
)

SITE = "https://lelang.go.id"
FILES = "https://file.lelang.go.id/lelang/"
WIB = timezone(timedelta(hours=7))


def listing_item(lot_id: str) -> dict:
    items = (load_sample("listing_kpknl_page1.json")["data"]
             + load_sample("listing_kpknl_page2.json")["data"])
    return next(i for i in items if i["lotLelangId"] == lot_id)


def parse(item, detail=None, **kw) -> Lot:
    return parse_lot(item, detail, site_base=SITE, file_base=FILES, **kw)


# --- the samples -------------------------------------------------------------------------------


def test_car_common_detail_shape():
    detail = load_sample("detail_mobil_content_barangs.json")["data"]
    lot = parse(listing_item(detail["id"]), detail)
    assert lot.id == "e966e5a7-0923-43ff-970b-cd7eb86ef68a"
    assert lot.office_id == BIMA
    assert lot.office_name == "KPKNL Bima"
    assert lot.title.startswith("1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015")
    assert lot.category == "Mobil"
    assert lot.location == "KAB. BIMA"
    assert lot.province == "NUSA TENGGARA BARAT"
    assert (lot.limit_value, lot.deposit, lot.bid_increment) == (98_500_000, 29_550_000, 500_000)
    assert lot.starts_at == datetime(2026, 3, 2, 9, 0, tzinfo=WIB)
    assert lot.ends_at.isoformat() == "2026-03-11T09:00:00+07:00"
    assert lot.deposit_deadline.isoformat() == "2026-03-10T09:00:00+07:00"
    assert (lot.source_status, lot.bidding_method, lot.code) == ("TAYANG", "OPEN_BIDDING",
                                                                 "QB7R2M")
    assert lot.url == f"{SITE}/kpknl/{BIMA}/detail-auction/{lot.id}"
    assert lot.photos == (
        FILES + "photo_barang/ef3baf2b-31ad-49d2-95e8-2da575b75013.jpg",
        FILES + "photo_barang/1bde711e-56bf-49d9-80ca-3f802945be72.jpg",
    )
    assert lot.items == (Item(
        name="Toyota Avanza 1.3 G M/T", kind="Kendaraan Bermotor Roda Empat",
        address="Halaman Kantor Sekretariat Daerah Kabupaten Bima, Jl. Soekarno-Hatta, Woha, "
                "Kab. Bima",
        ownership="BPKB N-04418273", year="2015", color="Hitam Metalik", plate="EA 1587 KB",
        frame_number="MHKM1BA2JFK041877"),)
    assert lot.seller == {"name": "Kepala Bagian Umum Setda Kabupaten Bima",
                          "organization": "Pemerintah Kabupaten Bima", "phone": "0374-5550117",
                          "address": "Jl. Soekarno-Hatta, Woha", "city": "Kab. Bima",
                          "province": "Nusa Tenggara Barat"}
    assert lot.organizer == {"name": "KPKNL Bima", "bank": "Bank Rakyat Indonesia",
                             "phone": "0374-5550115", "address": "Jl. Gajah Mada, Kota Bima"}


def test_land_lot_barang_variant_with_html_and_no_office_on_detail():
    detail = load_sample("detail_tanah_content_lot_barang_html.json")["data"]
    assert "unitKerjaId" not in detail
    lot = parse(listing_item(detail["id"]), detail)
    assert lot.office_id == BIMA  # from the listing item
    assert lot.title == "1 bidang tanah dengan total luas 210 m² berikut bangunan di Kota Bima"
    assert lot.bidding_method == "OPEN_BIDDING"  # under content.lot
    assert lot.category is None  # no namaKategoriLelang and no filter
    (item,) = lot.items
    assert item.name == "Tanah berikut bangunan rumah tinggal"
    assert item.kind == "Tanah dan Bangunan"
    assert item.area_m2 == 210.0
    assert item.ownership == "SHM No. 01874 NIB No. 23.72.01.04.00531"
    assert item.description == (
        "Sebidang tanah seluas 210 m² berikut bangunan rumah tinggal permanen 1 (satu) lantai.\n"
        "Atas nama: S***A\nKondisi: dihuni\nObjek dijual dalam kondisi apa adanya (as is).")
    assert lot.organizer == {}
    assert lot.photos == (FILES + "photo_barang/0198f91e-dab2-4962-9666-1d2649503f78.jpeg",)


def test_scrap_without_photos_nulls_and_entities():
    detail = load_sample("detail_scrap_no_photos.json")["data"]
    lot = parse(listing_item(detail["id"]), detail)
    assert lot.photos == ()
    assert lot.category == "Besi Tua"
    (item,) = lot.items
    assert item.ownership is None  # both null
    assert item.description == ("Perkiraan berat ± 1.450 kg\n"
                                "Dijual dalam satu paket, tidak dapat dipisah-pisah.\n"
                                "Pengambilan barang menjadi tanggung jawab pembeli.")
    assert "phone" not in lot.seller  # nomorTelepon null
    assert (lot.limit_value, lot.deposit) == (6_350_000, 1_905_000)


def test_motor_numbers_as_money_z_and_naive_times_and_barangs_under_lot():
    detail = load_sample("detail_motor_namabarang_number_money.json")["data"]
    lot = parse(listing_item(detail["id"]), detail)
    assert (lot.limit_value, lot.deposit, lot.bid_increment) == (4_200_000, 1_260_000, 50_000)
    assert lot.starts_at.isoformat() == "2026-03-03T02:00:00+00:00"  # Z kept as UTC
    assert lot.starts_at == datetime(2026, 3, 3, 9, 0, tzinfo=WIB)
    assert lot.deposit_deadline.isoformat() == "2026-03-11T10:30:00+07:00"  # naive = WIB
    (item,) = lot.items
    assert item.name == "Honda Vario 125 CBS"  # namaBarang
    assert item.year == "2017"  # a number in the source
    assert item.ownership == "BPKB M-07731902"  # noBuktiKepemilikan variant
    assert item.description == "Kondisi mesin hidup & dapat dijalankan; STNK mati sejak 2023."


def test_land_deleted_photo_cover_first_and_lelang_path():
    detail = load_sample("detail_tanah_dompu_deleted_photo.json")["data"]
    lot = parse(listing_item(detail["id"]), detail)
    assert lot.title == "1 bidang tanah dengan total luas 1250 m² di Kab. Dompu"
    assert lot.photos == (
        FILES + "photo_barang/577eb224-45e3-4cfe-ad5b-660fd4a5ed9d.jpg",  # iscover, listed 2nd
        "https://file.lelang.go.id/lelang/photo_barang/6c5b4a39-4444-4e2d-9f1a-0b9c8d7e6f50.png",
    )
    (item,) = lot.items
    assert item.area_m2 == 1250.0
    assert item.description == ("Tanah kebun jambu mete, akses jalan desa ± 3 m.\n"
                                "Batas utara: jalan desa.")


@pytest.mark.parametrize("name", ["listing_kpknl_page1.json", "listing_kpknl_page2.json"])
def test_every_listing_item_parses_without_detail(name):
    for item in load_sample(name)["data"]:
        lot = parse(item, None)
        assert lot.id == item["lotLelangId"]
        assert lot.limit_value == int(item["nilaiLimit"])
        assert lot.deposit == int(item["uangJaminan"])
        assert "<" not in lot.title and lot.items == ()
        assert lot.deposit_deadline is None


def test_category_from_the_listing_filter_first_then_the_detail():
    """The namakategori[] filter a lot was listed under is documented; the detail's
    namaKategoriLelang is not (its meaning is unconfirmed), so it counts only without one."""
    detail = load_sample("detail_tanah_content_lot_barang_html.json")["data"]
    assert parse(listing_item(detail["id"]), detail, category="Rumah").category == "Rumah"
    car = load_sample("detail_mobil_content_barangs.json")["data"]
    assert parse(listing_item(car["id"]), car, category="Motor").category == "Motor"
    assert parse(listing_item(car["id"]), car).category == "Mobil"


def test_detail_values_win_over_listing():
    detail = copy.deepcopy(load_sample("detail_mobil_content_barangs.json")["data"])
    item = listing_item(detail["id"])
    detail["nilaiLimit"] = "99000000"
    assert parse(item, detail).limit_value == 99_000_000
    detail["nilaiLimit"] = None  # missing on the detail: the listing's value
    assert parse(item, detail).limit_value == 98_500_000


def test_detail_only_lot_uses_given_office():
    detail = load_sample("detail_tanah_content_lot_barang_html.json")["data"]
    lot = parse(None, detail, office_id=BIMA, office_name="KPKNL Bima")
    assert lot.office_id == BIMA and lot.id == detail["id"]
    with pytest.raises(ParseError, match="unitKerjaId") as exc:
        parse(None, detail)
    assert exc.value.lot_id == detail["id"]


# --- malformed input: a ParseError naming the lot ----------------------------------------------


def _car():
    detail = copy.deepcopy(load_sample("detail_mobil_content_barangs.json")["data"])
    return copy.deepcopy(listing_item(detail["id"])), detail


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nilaiLimit", "Rp 98.500.000", "not an amount"),
        ("nilaiLimit", "-5", "not an amount"),
        ("nilaiLimit", -5, "positive"),
        ("nilaiLimit", "1000.5", "not whole rupiah"),
        ("nilaiLimit", 1000.5, "not whole rupiah"),
        ("nilaiLimit", True, "not an amount"),
        ("nilaiLimit", "NaN", "not an amount"),
        ("nilaiLimit", float("inf"), "positive"),
        ("nilaiLimit", "1" * 30, "implausibly large"),
        ("nilaiLimit", None, "missing"),
        ("uangJaminan", {"value": 1}, "not an amount"),
        ("tglSelesaiLelang", "besok pagi", "not an ISO date"),
        ("tglSelesaiLelang", 1773194400, "not a date"),
        ("tglSelesaiLelang", None, "missing"),
        ("tanggalBatasJaminan", "10/03/2026", "not an ISO date"),
        ("kelipatanBid", "lima ratus ribu", "not an amount"),
        ("namaLotLelang", "<p> </p>", "title"),
    ],
)
def test_bad_lot_facts_raise_parse_error_naming_the_lot(key, value, message):
    item, detail = _car()
    item[key] = value
    detail[key] = value
    with pytest.raises(ParseError, match=message) as exc:
        parse(item, detail)
    assert exc.value.lot_id == item["lotLelangId"]
    assert item["lotLelangId"] in str(exc.value)


def test_missing_id_names_the_title():
    item, _ = _car()
    del item["lotLelangId"]
    with pytest.raises(ParseError, match=r"without lotLelangId.*Toyota Avanza"):
        parse(item, None)


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "a b", "", 12345, ["x"], "x" * 200])
def test_unusable_ids_are_refused(bad_id):
    item, _ = _car()
    item["lotLelangId"] = bad_id
    with pytest.raises(ParseError):
        parse(item, None)


def test_detail_of_another_lot_is_refused():
    item, detail = _car()
    detail["id"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ParseError, match="another lot"):
        parse(item, detail)


def test_non_objects_are_parse_errors():
    with pytest.raises(ParseError):
        parse(["not", "a", "dict"], None)
    item, _ = _car()
    with pytest.raises(ParseError):
        parse(item, "detail as text")


def test_bad_item_details_are_dropped_not_fatal():
    item, detail = _car()
    barang = detail["content"]["barangs"][0]
    barang.update(luas="luas sekali", tahun=["2015"], jenisBarang="Mobil")
    detail["content"]["barangs"].append({"nama": None})  # nameless, no kind: skipped
    detail["content"]["barangs"].append("not an object")
    lot = parse(item, detail)
    (only,) = lot.items
    assert only.area_m2 is None and only.year is None and only.kind == "Mobil"


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("98500000", 98_500_000), (98500000, 98_500_000), (" 98500000 ", 98_500_000),
    ("98500000.00", 98_500_000), (98500000.0, 98_500_000), ("0", 0), ("", None), (None, None),
])
def test_money(value, expected):
    assert parse_money(value, "nilaiLimit", "lot-1") == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-11T09:00:00+07:00", "2026-03-11T09:00:00+07:00"),
    ("2026-03-11T01:00:00Z", "2026-03-11T01:00:00+00:00"),
    ("2026-03-11T10:00:00+08:00", "2026-03-11T10:00:00+08:00"),
    ("2026-03-11T09:00:00", "2026-03-11T09:00:00+07:00"),
    ("2026-03-11 09:00:00", "2026-03-11T09:00:00+07:00"),
    ("2026-03-11T09:00:00.000+07:00", "2026-03-11T09:00:00+07:00"),
    ("2026-03-11", "2026-03-11T00:00:00+07:00"),
])
def test_times_keep_their_offset_and_naive_is_wib(value, expected):
    when = parse_time(value, "tglSelesaiLelang", "lot-1")
    assert when.isoformat() == expected
    assert when.tzinfo is not None


def test_times_compare_across_offsets():
    a = parse_time("2026-03-11T09:00:00+07:00", "a", "x")
    b = parse_time("2026-03-11T02:00:00Z", "b", "x")
    assert a == b == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("luas 385 m<sup>2</sup>", "luas 385 m²"),
    ("volume 3 m<sup>3</sup>", "volume 3 m³"),
    ("PT Maju &amp; Jaya&nbsp;Tbk", "PT Maju & Jaya Tbk"),
    ("  banyak   spasi\t dan\nbaris  ", "banyak spasi dan baris"),
    ("<b>tebal</b> <i>miring</i>", "tebal miring"),
    ("<p>satu</p><p>dua</p>", "satu dua"),
    ("judul<script>alert(1)</script> aman", "judul aman"),
    ("nul\x00 dan\x07 kontrol", "nul dan kontrol"),
    ("luas < 100 m2 & > 50", "luas < 100 m2 & > 50"),
    ("https://lelang.go.id/x", "https://lelang.go.id/x"),
    ("&lt;b&gt;bukan tag&lt;/b&gt;", "<b>bukan tag</b>"),
    ("<sup>note</sup>1", "note1"),
    ("", None), ("<br>", None), (None, None), (True, None), (["x"], None), (2015, "2015"),
])
def test_clean_text_single_line(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_multiline_keeps_paragraphs_and_list_items():
    raw = "<p>Satu</p><ul><li>dua</li><li>tiga <b>empat</b></li></ul>lima<br/>enam"
    assert clean_text(raw, multiline=True) == "Satu\ndua\ntiga empat\nlima\nenam"


# --- photos and items --------------------------------------------------------------------------


@pytest.mark.parametrize(("file", "expected"), [
    ({"fileUrl": "https://cdn.example.org/a.jpg", "folder": "f", "fileName": "b.jpg"},
     "https://cdn.example.org/a.jpg"),
    ({"fileUrl": "//file.lelang.go.id/lelang/a.jpg"}, "https://file.lelang.go.id/lelang/a.jpg"),
    ({"folder": "photo_barang", "fileName": "a b.jpg", "fileUrl": "x/y.jpg"},
     FILES + "photo_barang/a%20b.jpg"),
    ({"folder": "/photo_barang/", "fileName": "a.jpg"}, FILES + "photo_barang/a.jpg"),
    ({"fileUrl": "/lelang/photo_barang/a.jpg"}, "https://file.lelang.go.id/lelang/photo_barang/a.jpg"),
    ({"fileUrl": "/other/a.jpg"}, "https://file.lelang.go.id/other/a.jpg"),
    ({"fileUrl": "photo_barang/a.jpg"}, FILES + "photo_barang/a.jpg"),
    ({"fileUrl": "file:///etc/passwd"}, "file:///etc/passwd"),  # refused later, by photos
    ({"fileName": "a.jpg"}, None),
    ({}, None),
])
def test_resolve_photo_url(file, expected):
    assert resolve_photo_url({"file": file}, FILES) == expected


def test_photo_urls_cover_first_deleted_skipped_duplicates_removed():
    photos = [
        {"iscover": False, "file": {"folder": "p", "fileName": "1.jpg"}},
        {"iscover": False, "deletedAt": "2026-01-01", "file": {"folder": "p", "fileName": "2.jpg"}},
        {"iscover": "true", "file": {"folder": "p", "fileName": "3.jpg"}},
        {"iscover": True, "file": {"folder": "p", "fileName": "4.jpg"}},  # a second cover
        {"file": {"folder": "p", "fileName": "1.jpg"}},
        "junk",
        {"file": {}},
    ]
    assert photo_urls(photos, FILES) == [FILES + "p/3.jpg", FILES + "p/1.jpg", FILES + "p/4.jpg"]
    assert photo_urls([{"file": {"fileUrl": "p/9.jpg"}}], FILES) == [FILES + "p/9.jpg"]  # no cover
    assert photo_urls(None, FILES) == [] and photo_urls("x", FILES) == []


def test_item_photos_follow_lot_photos():
    item, detail = _car()
    detail["content"]["barangs"][0]["photos"] = [
        {"file": {"folder": "photo_barang", "fileName": "item.jpg"}},
        detail["photos"][0],  # already a lot photo
    ]
    lot = parse(item, detail)
    assert lot.photos[-1] == FILES + "photo_barang/item.jpg" and len(lot.photos) == 3


@pytest.mark.parametrize("content", [
    {"content": {"barangs": [{"nama": "a"}]}},
    {"content": {"lot": {"barang": [{"namaBarang": "a"}]}}},
    {"content": {"lot": {"barang": {"namaBarang": "a"}}}},
    {"content": {"lot": {"barangs": [{"nama": "a"}]}}},
    {"barangs": [{"nama": "a"}]},
])
def test_find_barangs_every_shape(content):
    assert len(find_barangs(content)) == 1


def test_find_barangs_nothing():
    assert find_barangs({"content": {"barangs": []}}) == []
    assert find_barangs({"content": "x"}) == []
    assert find_barangs(None) == []


# --- property: any JSON-like input is a Lot or a ParseError ------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
KEYS = ["lotLelangId", "id", "unitKerjaId", "namaUnitKerja", "namaLotLelang", "namaLokasi",
        "nilaiLimit", "uangJaminan", "kelipatanBid", "tglMulaiLelang", "tglSelesaiLelang",
        "tanggalBatasJaminan", "status", "caraPenawaran", "kodeLot", "photos", "content",
        "namaKategoriLelang", "namaProvinsi"]
plausible = {
    "lotLelangId": st.sampled_from(["e966e5a7-0923-43ff-970b-cd7eb86ef68a", "x", ""]) | json_values,
    "nilaiLimit": st.sampled_from(["98500000", "1.5", "-1", "1e3"]) | st.integers() | json_values,
    "uangJaminan": st.integers(min_value=0) | json_values,
    "tglSelesaiLelang": st.sampled_from(["2026-03-11T09:00:00+07:00", "2026-13-01", "Z"])
    | st.datetimes().map(lambda d: d.isoformat()) | json_values,
    "namaLotLelang": st.text() | json_values,
    "unitKerjaId": st.just(BIMA) | json_values,
}
items = st.fixed_dictionaries(
    {}, optional={k: plausible.get(k, json_values) for k in KEYS})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=items | json_values, detail=st.none() | items | json_values)
def test_any_json_is_a_lot_or_a_parse_error(item, detail):
    try:
        lot = parse(item, detail)
    except ParseError:
        return
    assert isinstance(lot, Lot)
    assert lot.limit_value >= 0 and lot.deposit >= 0 and lot.ends_at.tzinfo is not None
    assert lot.content_hash()  # the facts serialise
    assert all(isinstance(p, str) for p in lot.photos)
