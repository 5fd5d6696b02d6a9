"""Headlines for images and the cleaned full title."""

from __future__ import annotations

import pytest

from promo_pipeline.titles import HEADLINE_MAX, clean_title, read_title
from promo_pipeline.titles.text import is_shouting, sentence_case, shorten, tidy


@pytest.mark.parametrize(("title", "headline"), [
    # the examples
    ("1 bidang tanah dengan total luas 120 m<sup>2</sup> berikut bangunan di Kota Jambi",
     "Tanah & bangunan · LT 120 m² · Kota Jambi"),
    ("Toyota Hilux Double Cabin 2011", "Toyota Hilux Double Cabin 2011"),
    # real titles
    ("1 bidang tanah dengan total luas 13636 m2 di Kota Ambon",
     "Tanah · LT 13.636 m² · Kota Ambon"),
    ("3 bidang tanah dengan total luas 480 m<sup>2</sup> berikut bangunan di Kab. Ogan Ilir",
     "3 bidang tanah & bangunan · LT 480 m² · Kab. Ogan Ilir"),
    ("RUMAH TINGGAL dengan total luas 597 m<sup>2</sup> di Kab. Tebo",
     "Rumah tinggal · 597 m² · Kab. Tebo"),
    ("1 (satu) Unit Truck Mitsubihi, Colt Diesel, FE 74 (4x2) M/T Tahun 2007, Nomor Polisi DE "
     "8671 AG di Kota Ambon", "Mitsubihi Colt Diesel 2007"),
    ("TOYOTA KIJANG INNOVA E DSL di Kab. Muara Enim", "Toyota Kijang Innova E DSL"),
    ("MITSUBISHI FE 71 BC (4X2) M/T di Kab. Muara Enim", "Mitsubishi FE 71 BC"),
    ("Lot 10. 1 Unit Kendaraan Roda 2 Merek HONDA NF 100 D/SUPRA di Kota Pangkal Pinang",
     "Honda NF 100 D/Supra"),
    ("1 (satu) unit mobil Pick Up Suzuki di Kab. Penukal Abab Lematang Ilir",
     "Mobil Pick Up Suzuki"),
    ("Truk Tangki merk Hino warna hijau kombinasi,  dengan No. Pol. BB 9240 UFU di Kota Jambi",
     "Truk Tangki merk Hino"),
    ("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2 di Kab. Sarolangun",
     "Scrapt terdiri dari 7 kendaraan R2"),
    ("Mesin Diesel di Kota Sungai Penuh", "Mesin Diesel"),
    ("17 (tujuh belas) karung yang berisikan pasir timah di Kab. Bangka Barat",
     "17 karung yang berisikan pasir timah"),
    ("1 bidang tanah SHGB No. 45 LT 99 m2 LB 45 m2 di Kota Bima",
     "Tanah & bangunan · LT 99 m² · LB 45 m² · Kota Bima"),
    ("2 bidang tanah seluas 1,5 ha di Kab. Dompu", "2 bidang tanah · LT 1,5 ha · Kab. Dompu"),
])
def test_headline(title: str, headline: str) -> None:
    assert read_title(title).headline == headline


def test_headline_never_starts_with_the_count() -> None:
    for title in ("1 (satu) unit Crew Boat Penguin Express di Kota Pangkal Pinang",
                  "1 (Satu) Paket Barang Inventaris Kantor Kondisi Rusak Berat di Kab. Muara Enim",
                  "Dijual 1 Paket Logistik Eks Pemilu Tahun 2024 di Kota Sungai Penuh"):
        headline = read_title(title).headline
        assert not headline.lower().startswith(("1 ", "satu", "dijual")), headline
        assert "(satu)" not in headline.lower()


def test_long_headline_is_cut_at_a_word() -> None:
    title = ("Satu paket barang inventaris kantor terdiri dari kursi besi, kursi kayu, meja, "
             "laptop, AC, papan visual, GPS, PC, UPS, printer,  dalam kondisi usang/rusak apa "
             "adanya di Kota Jambi")
    headline = read_title(title).headline
    assert len(headline) <= HEADLINE_MAX
    assert headline.endswith("…")
    assert headline[:-1].lower() in tidy(title).lower()  # a piece of the title, nothing added


def test_place_dropped_before_the_area_when_too_long() -> None:
    title = "Tanah dan Bangunan dengan total luas 1864 m2 di Kab. Ogan Komering Ulu Timur"
    assert read_title(title).headline == "Tanah dan Bangunan · LT 1.864 m²"


def test_limit_is_a_parameter() -> None:
    reading = read_title("1 bidang tanah dengan total luas 13636 m2 di Kota Ambon", limit=24)
    assert reading.headline == "Tanah · LT 13.636 m²"


@pytest.mark.parametrize(("title", "cleaned"), [
    # sentence case for shouting titles: plates, codes, acronyms, brands and places keep theirs
    ("1 (SATU) UNIT MOBIL TOYOTA AVANZA STNK NOPOL DE 8671 AG DI KAB. BURU",
     "1 (satu) unit mobil Toyota Avanza STNK nopol DE 8671 AG di Kab. Buru"),
    ("SCRAP GRADER KOMATSU GD 510 R-1 di Kab. Muara Enim",
     "Scrap grader Komatsu GD 510 R-1 di Kab. Muara Enim"),
    ("1 PAKET BARANG (SCRAP) ATTB HAPUS DAN MATERIAL HAPUS UPT JAMBI KONDISI APA ADANYA di Kota "
     "Jambi", "1 paket barang (scrap) ATTB hapus dan material hapus UPT Jambi kondisi apa adanya "
     "di Kota Jambi"),
    ("KOTAK SUARA, BILIK SUARA DAN SURAT SUARA EKS PEMILU 2024 di Kab. Ogan Komering Ulu",
     "Kotak suara, bilik suara dan surat suara eks pemilu 2024 di Kab. Ogan Komering Ulu"),
    # mixed case is the author's: only tidied (real)
    ("Mobil Pick Up Mitsubishi L300 warna hitam No.  Pol. BA 8904 MJ yang bermuatan",
     "Mobil Pick Up Mitsubishi L300 warna hitam No. Pol. BA 8904 MJ yang bermuatan"),
    ("1 Mobil Suzuki Carry Warna Silver Dengan Nopol Pol Bg 8540 Q; di Kab. Sarolangun",
     "1 Mobil Suzuki Carry Warna Silver Dengan Nopol Pol Bg 8540 Q di Kab. Sarolangun"),
    ("Mini Bus ( Penumpang 14 Orang Kebawah ) di Kab. Musi Banyuasin",
     "Mini Bus (Penumpang 14 Orang Kebawah) di Kab. Musi Banyuasin"),
    ("lot 4. Suzuki GS 250 X di Kota Pangkal Pinang",
     "Lot 4. Suzuki GS 250 X di Kota Pangkal Pinang"),
    ("1 bidang tanah dengan total luas 385 m<sup>2</sup> berikut bangunan di Kota Jambi",
     "1 bidang tanah dengan total luas 385 m² berikut bangunan di Kota Jambi"),
])
def test_clean_title(title: str, cleaned: str) -> None:
    assert clean_title(title) == cleaned


def test_text_helpers() -> None:
    assert is_shouting("1 PAKET SCRAPT TERDIRI DARI 7 KENDARAAN R2")
    assert not is_shouting("Mobil Toyota Rush warna hitam")
    assert not is_shouting("DE 8671")  # too few letters to tell
    assert sentence_case("mobil dinas") == "Mobil dinas"
    assert tidy("a ( ) b ,, c ( [ ] ) d ;") == "a b, c d"
    assert shorten("Tanah dan bangunan di Kota Jambi", 20) == "Tanah dan bangunan…"
    assert shorten("Supercalifragilistic", 10) == "Supercali…"
