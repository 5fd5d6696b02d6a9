"""Facts from titles: areas, certificates, units, vehicle, place — read, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promo_pipeline.titles import Vehicle, extract_facts
from promo_pipeline.titles.facts import parse_number


@pytest.mark.parametrize(("value", "number"), [
    ("385", Decimal(385)), ("1.250", Decimal(1250)), ("1.250,5", Decimal("1250.5")),
    ("1,5", Decimal("1.5")), ("7.91", Decimal("7.91")), ("266655", Decimal(266655)),
    ("1.2345", None), ("12.3456", None),
])
def test_indonesian_numbers(value: str, number: Decimal | None) -> None:
    assert parse_number(value) == number


@pytest.mark.parametrize(("title", "land", "building", "area"), [
    # the generator's own wording, with the source's HTML or as the CSV export has it (real)
    ("1 bidang tanah dengan total luas 385 m<sup>2</sup> berikut bangunan di Kota Jambi",
     385, None, None),
    ("1 bidang tanah dengan total luas 385 m² berikut bangunan di Kota Jambi", 385, None, None),
    ("1 bidang tanah dengan total luas 13636 m2 di Kota Ambon", 13636, None, None),
    ("14 bidang tanah dengan total luas 266655 m<sup>2</sup> di Kab. Sarolangun",
     266655, None, None),
    ("Tanah Bangunan Ruko dengan total luas 131 m<sup>2</sup> di Kota Jambi", 131, None, None),
    # an area the title does not call land (real)
    ("RUMAH TINGGAL dengan total luas 597 m<sup>2</sup> di Kab. Tebo", None, None, 597),
    # fractional m²: not a whole number, left out (real)
    ("KIOS BTC dengan total luas 7.91 m<sup>2</sup> di Kota Pangkal Pinang", None, None, None),
    # thousands, hectares, LT/LB
    ("Tanah kebun seluas 1.250 m2 di Kab. Dompu", 1250, None, None),
    ("2 bidang tanah seluas 1,5 ha di Kab. Dompu", 15000, None, None),
    ("Tanah sawah luas 2 hektar di Kab. Bima", 20000, None, None),
    ("1 bidang tanah SHGB No. 45 LT 99 m2 LB 45 m2 di Kota Bima", 99, 45, None),
    ("Rumah LT 99 LB 45 di Kota Bima", 99, 45, None),
    ("Rumah LT/LB 120/45 SHM di Kota Bima", 120, 45, None),
    ("Rumah luas tanah 200 m², luas bangunan 70 m² di Kota Bima", 200, 70, None),
    # "Lt. 2" is the second floor, not 2 m² of land
    ("Ruko 3 Lt. 2 di Kota Bima", None, None, None),
    # two different land areas: unsure, left out
    ("2 bidang tanah luas 100 m2 dan tanah luas 200 m2 di Kab. Bima", None, None, None),
    # weights and money are not areas (real)
    ("Dijual 1 Paket Logistik Eks Pemilu Tahun 2024 Berupa Surat Suara Seberat 9.316 Kg di Kota "
     "Sungai Penuh", None, None, None),
])
def test_areas(title: str, land: int | None, building: int | None, area: int | None) -> None:
    facts = extract_facts(title)
    assert (facts.land_area_m2, facts.building_area_m2, facts.area_m2) == (land, building, area)


def test_hectares_keep_their_written_form_for_display() -> None:
    facts = extract_facts("2 bidang tanah seluas 1,5 ha di Kab. Dompu")
    assert facts.written_areas == {"land_area_m2": "1,5 ha"}
    assert facts.evidence["land_area_m2"] == "seluas 1,5 ha"


@pytest.mark.parametrize(("title", "certificates"), [
    ("Tanah SHM No. 1234 luas 250 m2 di Kab. Bima", ("SHM",)),
    ("1 bidang tanah SHGB No. 45 LT 99 m2 di Kota Bima", ("SHGB",)),
    ("Tanah dan bangunan HGB No. 12 dan SHM No. 7", ("HGB", "SHM")),
    ("Tanah Sertifikat Hak Milik No. 427 di Kab. Bima", ("SHM",)),
    ("Kebun sawit Hak Guna Usaha di Kab. Bima", ("SHGU",)),
    ("Tanah girik C 123 di Kab. Bekasi", ("Girik",)),
    ("Apartemen SHMSRS lantai 5", ("SHMSRS",)),
    # a plate ending in SHM is a plate; "HP" is a phone, not Hak Pakai
    ("Mobil Toyota Nopol B 1234 SHM", ()),
    ("1 unit HP Samsung", ()),
])
def test_certificates(title: str, certificates: tuple[str, ...]) -> None:
    assert extract_facts(title).certificate == certificates


@pytest.mark.parametrize(("title", "units"), [
    ("1 (satu) unit mobil Pick Up Suzuki di Kab. Penukal Abab Lematang Ilir", 1),  # real
    ("3 bidang tanah dengan total luas 480 m<sup>2</sup> berikut bangunan di Kab. Ogan Ilir", 3),
    ("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2 di Kab. Sarolangun", 7),  # real
    ("Satu paket meubelair sejumlah 54 barang dengan nilai perolehan dibawah 100 juta. di Kota "
     "Jambi", 54),  # real
    ("Satu Paket Inventaris Kantor Berupa 41 Unit Peralatan Komputer Kondisi Rusak Berat berupa: "
     "26 Buah P.C.Unit; 13 Buah Laptop; 2 Buah Harddisk di Kota Pangkal Pinang", 41),  # real
    ("2 Uniit Sepeda Motor Honda", 2),
    ("Lot 07. 1 Unit Kendaraan Roda 2 Merek YAMAHA IS7 / JUPITER MX", 1),  # "Lot 07" is no count
    # several counts with no total, a count of "and other goods", a contradiction: none
    ("1 (satu) unit MOTOR GRADER MITSUBISHI MG 330 dan 1 (satu) unit Buulldozer KOMATSU D31P",
     None),
    ("8 kendaraan bermotor dan  barang bergerak lainnya di Kota Pangkal Pinang", None),  # real
    ("2 (tiga) unit sepeda motor", None),
    ("Barang Persediaan Eks Logistik Pemilihan TA. 2024, Berupa Surat Suara sebanyak 313.318 "
     "lembar, Kotak suara sebanyak 638 Buah dan Bilik Suara Sebanyak 1.260 Buah di Kab. Bangka "
     "Selatan", None),  # real
    ("273 (dua ratus tujuh puluh tiga) karung pasir timah", None),  # sacks are not units
    ("Lot 24. Toyota Kijang di Kota Pangkal Pinang", None),
])
def test_units(title: str, units: int | None) -> None:
    assert extract_facts(title).units == units


@pytest.mark.parametrize(("title", "vehicle"), [
    ("Toyota Hilux Double Cabin 2011", Vehicle("Toyota", "Hilux Double Cabin", 2011)),
    # real, with the source's typo kept as the brand
    ("1 (satu) Unit Truck Mitsubihi, Colt Diesel, FE 74 (4x2) M/T Tahun 2007, Nomor Polisi DE "
     "8671 AG di Kota Ambon", Vehicle("Mitsubihi", "Colt Diesel", 2007)),
    ("1 (satu) Unit Pick Up Daihatsu, S402RP-PMRFJJKJ Tahun 2018, Nomor Polisi DE 8255 AF di "
     "Kota Ambon", Vehicle("Daihatsu", "S402RP-PMRFJJKJ", 2018)),
    ("1 (satu) unit Sepeda Motor Yamaha Mio warna hijau hitam dengan nopol BN 7617 DQ di Kab. "
     "Bangka Barat", Vehicle("Yamaha", "Mio", None)),
    ("Mobil Toyota Rush warna hitam metalik BH 2221 XX di Kota Jambi",
     Vehicle("Toyota", "Rush", None)),
    ("TOYOTA KIJANG INNOVA E DSL di Kab. Muara Enim",
     Vehicle("Toyota", "KIJANG INNOVA E DSL", None)),
    ("HONDA / GLP III (MEGA PRO) di Kota Palembang", Vehicle("Honda", "GLP III", None)),
    ("Lot 04. 1 Unit Kendaraan Roda 2 Merk FK 110 SD K6 / Suzuki Smash di Kota Pangkal Pinang",
     Vehicle("Suzuki", "Smash", None)),
    ("Truk Tangki merk Hino warna hijau kombinasi,  dengan No. Pol. BB 9240 UFU di Kota Jambi",
     Vehicle("Hino", None, None)),
    ("1 (satu) unit BULLDOZER CATERPILLAR D6R Tahun 2008 di Kab. Sumbawa",
     Vehicle("Caterpillar", "D6R", 2008)),
    ("Mobil Toyota Avanza EA 1587 KB di Kab. Bima", Vehicle("Toyota", "Avanza", None)),
])
def test_vehicle(title: str, vehicle: Vehicle) -> None:
    assert extract_facts(title).vehicle == vehicle


@pytest.mark.parametrize("title", [
    # two brands: a package, no single vehicle (real)
    "1 (satu) unit MOTOR GRADER MITSUBISHI MG 330 dan 1 (satu) unit Buulldozer KOMATSU D31P",
    # a mixed package is not a vehicle (real)
    "VESPA PIAGGIO SPRINT IGET 150 ABS A/T, Handphone Samsung Galaxy A10 dan  barang bergerak "
    "lainnya di Kab. Belitung",
    # no brand: nothing invented from the model alone (real)
    "GRAND LIVINA di Kota Pangkal Pinang",
    # a phone is not a vehicle
    "1 (satu) unit handphone merk Samsung Galaxy A12 warna hitam",
])
def test_no_vehicle(title: str) -> None:
    assert extract_facts(title).vehicle is None


def test_election_year_is_not_a_model_year() -> None:
    facts = extract_facts("Scrap Mobil Toyota Kijang eks Pemilu Tahun 2024", family="scrap")
    assert facts.vehicle == Vehicle("Toyota", "Kijang", None)


@pytest.mark.parametrize(("title", "place"), [
    ("1 bidang tanah dengan total luas 13636 m2 di Kota Ambon", "Kota Ambon"),
    ("1 bidang tanah dengan total luas 385 m² berikut bangunan di Kab. Penukal Abab Lematang "
     "Ilir", "Kab. Penukal Abab Lematang Ilir"),
    ("1 Mobil Suzuki Carry Warna Silver Dengan Nopol Pol Bg 8540 Q; di Kab. Sarolangun",
     "Kab. Sarolangun"),
    ("Satu paket meubelair sejumlah 54 barang dengan nilai perolehan dibawah 100 juta. di Kota "
     "Jambi", "Kota Jambi"),
    ("1 (satu) paket bongkaran berupa satu gedung KUA yang akan di bongkar di Kab. Empat Lawang",
     "Kab. Empat Lawang"),
    ("MOBIL DINAS DI KAB. SAROLANGUN", "Kab. Sarolangun"),
    ("Toyota Hilux Double Cabin 2011", None),
    ("Rumah di Jalan Merdeka", None),
])
def test_place(title: str, place: str | None) -> None:
    assert extract_facts(title).place == place


def test_contract_shape() -> None:
    facts = extract_facts("1 bidang tanah SHGB No. 45 LT 99 m2 LB 45 m2 di Kota Bima")
    assert facts.to_json() == {
        "land_area_m2": 99, "building_area_m2": 45, "area_m2": None, "certificate": ["SHGB"],
        "units": 1, "vehicle": None, "place": "Kota Bima",
    }
    car = extract_facts("Toyota Hilux Double Cabin 2011").to_json()
    assert car["vehicle"] == {"brand": "Toyota", "model": "Hilux Double Cabin", "year": 2011}


def test_every_fact_names_its_source_words() -> None:
    title = "1 bidang tanah SHGB No. 45 LT 99 m2 LB 45 m2 di Kota Bima"
    facts = extract_facts(title)
    assert facts.evidence == {"land_area_m2": "LT 99 m2", "building_area_m2": "LB 45 m2",
                              "certificate": "SHGB", "units": "1 bidang", "place": "Kota Bima"}
    for snippet in facts.evidence.values():
        assert snippet in title
