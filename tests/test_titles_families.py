"""Art families: the source's category first, then a cautious reading of the title.

Titles marked (real) are verbatim lelang.go.id titles from ``tests/data/real`` or from public
captures of the same API (ShoimRachmanto/lelang-sjb, 2025–2026); the others are written after
the cases the issue names (motor grader, "Buulldozer", a GPS/phones/STNK package).
"""

from __future__ import annotations

import pytest

from promo_pipeline.titles import FAMILIES, LABELS, classify, family_for_category, infer_family
from promo_pipeline.titles.families import CONFIRMED_CATEGORIES

CASES = [
    # land and buildings (real)
    ("1 bidang tanah dengan total luas 13636 m2 di Kota Ambon", "land"),
    ("1 bidang tanah dengan total luas 385 m<sup>2</sup> berikut bangunan di Kota Jambi",
     "building"),
    ("Tanah Bangunan Ruko dengan total luas 131 m<sup>2</sup> di Kota Jambi", "building"),
    ("RUMAH TINGGAL dengan total luas 597 m<sup>2</sup> di Kab. Tebo", "building"),
    ("KIOS BTC dengan total luas 7.91 m<sup>2</sup> di Kota Pangkal Pinang", "building"),
    ("Tanah dan Bangunan dengan total luas 1864 m2 di Kab. Ogan Komering Ulu Timur", "building"),
    ("1 bidang tanah SHGB No. 45 LT 99 m2 LB 45 m2 di Kota Bima", "building"),
    # a place named "Tanah …" is not land
    ("Mobil Toyota Avanza di Kab. Tanah Datar", "car"),
    # vehicles (real)
    ("1 (satu) Unit Truck Mitsubihi, Colt Diesel, FE 74 (4x2) M/T Tahun 2007, Nomor Polisi "
     "DE 8671 AG di Kota Ambon", "truck_bus"),
    ("1 (satu) Unit Pick Up Daihatsu, S402RP-PMRFJJKJ Tahun 2018, Nomor Polisi DE 8255 AF di "
     "Kota Ambon", "car"),
    ("Lot 07. 1 Unit Kendaraan Roda 2 Merek YAMAHA IS7 / JUPITER MX di Kota Pangkal Pinang",
     "motorcycle"),
    ("Motor N Max di Kota Palembang", "motorcycle"),
    ("GRAND LIVINA di Kota Pangkal Pinang", "car"),
    ("HONDA NF 100D di Kab. Sarolangun", "motorcycle"),
    ("MITSUBISHI FE 71 BC (4X2) M/T di Kab. Muara Enim", "truck_bus"),
    ("Mobil Isuzu NHR55 di Kota Palembang", "truck_bus"),
    ("Mobil Kia Otobus di Kota Palembang", "truck_bus"),
    ("Bus Hino di Kota Palembang", "truck_bus"),
    ("MINIBUS PENUMPANG di Kab. Sarolangun", "car"),
    ("Mini Bus ( Penumpang 14 Orang Kebawah ) di Kab. Musi Banyuasin", "car"),
    ("1 (satu) unit Mobil Mitsubishi Colt Diesel FE 74  HDV jenis Light truck Bak Kayu beserta "
     "118 (seratus delapan belas) batang kayu jenis  Bungur di Kota Jambi", "truck_bus"),
    ("Truk Tangki merk Hino warna hijau kombinasi,  dengan No. Pol. BB 9240 UFU di Kota Jambi",
     "truck_bus"),
    # a plate ending in AC is not an air conditioner
    ("Toyota Rush BG 1234 AC di Kota Palembang", "car"),
    # heavy equipment, never a motorcycle
    ("1 (satu) unit MOTOR GRADER MITSUBISHI MG 330 di Kab. Dompu", "heavy_equipment"),
    ("1 (satu) unit Buulldozer KOMATSU D31P di Kab. Dompu", "heavy_equipment"),
    ("1 (satu) unit MOTOR GRADER MITSUBISHI MG 330 dan 1 (satu) unit Buulldozer KOMATSU D31P "
     "di Kab. Dompu", "heavy_equipment"),
    ("1 (satu) Unit Excavator Komatsu PC200-8 Tahun 2012 di Kab. Bima", "heavy_equipment"),
    ("Wheel Loader Komatsu WA180-3 di Kab. Muara Enim", "heavy_equipment"),
    # scrap wins, whatever the scrap was (real)
    ("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2 di Kab. Sarolangun", "scrap"),
    ("1 PAKET SCRAPT TERDIRI DARI 8 KENDARAAN SEPEDA MOTOR RODA 3 di Kab. Sarolangun", "scrap"),
    ("1 UNIT SCRAPTKENDARAAN RODA 4 di Kab. Sarolangun", "scrap"),
    ("SCRAP GRADER KOMATSU GD 510 R-1 di Kab. Muara Enim", "scrap"),
    ("Scrap/Besi Tua 1 (Satu) Unit Mobil Toyota Kijang di Kota Ambon", "scrap"),
    ("BONGKARAN BANGUNAN GEDUNG SAT LANTAS POLRESTA PANGKALPINANG di Kota Pangkal Pinang",
     "scrap"),
    ("1 paket rongsokan sepeda motor di Kab. Bima", "scrap"),
    # electronics, machines, vessels (real)
    ("1 (satu) paket barang rampasan berupa 1 unit GPS Garmin, 3 unit handphone dan 1 lembar "
     "STNK di Kota Bima", "electronics"),
    ("Mesin Diesel di Kota Sungai Penuh", "machine"),
    ("1 (satu) Unit Crew Boat Penguin Express di Kota Pangkal Pinang", "vessel"),
    ("1 (satu) Unit Kapal Isap Produksi Anugerah Berkah Utama (KIP ABU) di Kota Pangkal Pinang",
     "vessel"),
    # mixed or unclear: the neutral design (real)
    ("VESPA PIAGGIO SPRINT IGET 150 ABS A/T, Handphone Samsung Galaxy A10 dan  barang bergerak "
     "lainnya di Kab. Belitung", "generic"),
    ("Batching Plant, Genset, Gantry Crane, Genset, Truck Mixer dan  barang bergerak lainnya di "
     "Kab. Banyuasin", "generic"),
    ("8 kendaraan bermotor dan  barang bergerak lainnya di Kota Pangkal Pinang", "generic"),
    ("23 kendaraan bermotor di Kab. Ogan Komering Ulu Timur", "generic"),
    ("1 (satu) Paket BMN Berupa Peralatan dan Mesin Dalam Kondisi Rusak Berat di Kota Palembang",
     "generic"),
    ("Satu paket barang inventaris kantor terdiri dari kursi besi, kursi kayu, meja, laptop, AC, "
     "papan visual, GPS, PC, UPS, printer,  dalam kondisi usang/rusak apa adanya di Kota Jambi",
     "generic"),
    ("Satu Paket BMN berupa tenda, perahu karet, dll sejumlah 6 unit kondisi Rusak Berat/apa "
     "adanya di Kota Palembang", "generic"),
    ("273 (dua ratus tujuh puluh tiga) karung warna putih berisikan pasir timah dalam keadaan "
     "kering di Kab. Bangka Barat", "generic"),
    ("KOTAK SUARA, BILIK SUARA DAN SURAT SUARA EKS PEMILU 2024 di Kab. Ogan Komering Ulu",
     "generic"),
    ("HONDA MC.B di Kab. Sarolangun", "generic"),
    ("Lot 17 Suzuki Thunder 125 di Kota Pangkal Pinang", "generic"),
    ("BAN BEKAS di Kab. Muara Enim", "generic"),
    ("1 ekor kuda di Kab. Bima", "generic"),
    ("", "generic"),
]


@pytest.mark.parametrize(("title", "family"), CASES)
def test_family_from_the_title(title: str, family: str) -> None:
    result = infer_family(title)
    assert result.family == family, (title, result)
    assert result.family in FAMILIES


def test_motor_grader_and_bulldozer_are_never_a_motorcycle() -> None:
    for title in ("MOTOR GRADER", "1 unit Motor Grader Komatsu", "Buulldozer", "BULLDOZER D6R",
                  "Excavator PC200", "motor grader dan bulldozer"):
        assert infer_family(title).family == "heavy_equipment", title


def test_scrap_wins_even_when_the_title_names_motorcycles() -> None:
    result = infer_family("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2 di Kab. Sarolangun")
    assert (result.family, result.reason) == ("scrap", "scrap")
    assert result.evidence == ("SCRAPT",)


def test_gps_phones_and_stnk_package_is_never_a_car() -> None:
    title = ("1 (satu) paket barang rampasan berupa 1 unit GPS Garmin, 3 unit handphone dan "
             "1 lembar STNK di Kota Bima")
    result = infer_family(title)
    assert result.family in ("electronics", "generic")
    assert set(result.evidence) == {"GPS", "handphone"}


def test_evidence_is_the_words_as_written() -> None:
    result = infer_family("1 (satu) unit MOTOR GRADER MITSUBISHI MG 330 dan 1 (satu) unit "
                          "Buulldozer KOMATSU D31P di Kab. Dompu")
    assert result.evidence == ("MOTOR GRADER", "Buulldozer")
    assert (result.source, result.reason) == ("title", "title")
    mixed = infer_family("VESPA PIAGGIO SPRINT, Handphone Samsung dan barang bergerak lainnya")
    assert (mixed.family, mixed.reason) == ("generic", "mixed")
    assert "Handphone" in mixed.evidence and "barang bergerak" in mixed.evidence


def test_unclear_title_has_no_source() -> None:
    result = infer_family("BAN BEKAS di Kab. Muara Enim")
    assert (result.family, result.source, result.reason, result.evidence) == (
        "generic", None, "unclear", ())
    assert result.badge is None


def test_weak_evidence_only_when_no_family_word() -> None:
    assert infer_family("GRAND LIVINA di Kota Pangkal Pinang").reason == "title_weak"
    # "Mobil" is a family word; the brand alone then adds nothing
    assert infer_family("Mobil Toyota Fortuner di Kota Palembang").reason == "title"


@pytest.mark.parametrize(("name", "family"), sorted(CONFIRMED_CATEGORIES.items()))
def test_every_confirmed_category_has_a_family(name: str, family: str) -> None:
    assert family_for_category(name) == family
    assert family_for_category(name.upper()) == family
    assert family in FAMILIES


def test_category_names_are_matched_loosely() -> None:
    assert family_for_category("  Hotel &  Villa ") == "building"
    assert family_for_category("BESI TUA") == "scrap"
    assert family_for_category("Lelang Eksekusi Hak Tanggungan") is None
    assert family_for_category("") is None
    assert family_for_category(None) is None


def test_the_source_category_comes_first() -> None:
    # The title says "mobil", the source says scrap: the source decides.
    result = classify("Mobil Toyota Kijang di Kota Ambon", "Besi Tua")
    assert (result.family, result.source, result.reason) == ("scrap", "lelang", "category")
    assert result.evidence == ("Besi Tua",)
    assert result.badge == "Besi Tua"


def test_the_title_refines_the_source_only_within_its_group() -> None:
    land_with_house = classify(
        "1 bidang tanah dengan total luas 385 m² berikut bangunan di Kota Jambi", "Tanah")
    assert (land_with_house.family, land_with_house.source, land_with_house.reason) == (
        "building", "lelang", "category_refined")
    assert land_with_house.badge == LABELS["building"]
    truck = classify("Truck Mitsubishi Colt Diesel PS 125 di Kota Jambi", "Mobil")
    assert (truck.family, truck.source) == ("truck_bus", "lelang")
    scrap = classify("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2", "Motor")
    assert scrap.family == "scrap"
    # …but never across groups: a "Rumah" lot stays a building whatever the title says
    assert classify("1 unit Mobil Toyota", "Rumah").family == "building"
    # and weak title evidence never refines
    assert classify("MITSUBISHI FE 71 BC", "Mobil").family == "car"


def test_unknown_category_falls_back_to_the_title_and_is_kept() -> None:
    result = classify("1 (satu) Unit Excavator Komatsu", "Alat Konstruksi")
    assert (result.family, result.source, result.category) == (
        "heavy_equipment", "title", "Alat Konstruksi")


def test_generic_from_the_source_keeps_its_name_as_badge() -> None:
    result = classify("1 LOT BARANG INVENTARIS KANTOR", "Inventaris")
    assert (result.family, result.source) == ("generic", "lelang")
    assert result.badge is None  # the neutral design carries no badge


def test_labels_cover_every_family() -> None:
    assert set(LABELS) == set(FAMILIES)
    assert LABELS["generic"] is None
    assert all(LABELS[f] for f in FAMILIES if f != "generic")
