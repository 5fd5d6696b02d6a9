"""Personal data out of titles, headlines and captions; object identifiers stay."""

from __future__ import annotations

import pytest

from promo_pipeline.titles import Redaction, leaks, redact, scrub
from promo_pipeline.titles.redact import phone_key

OFFICE = ("0374-5550115", "+62 374 5550116")


@pytest.mark.parametrize(("text", "cleaned", "removed"), [
    # names after a.n. / an. / atas nama (the example first)
    ("STNK a.n. BUDI SANTOSO", "STNK", [("person_name", "BUDI SANTOSO")]),
    ("1 (satu) unit Mobil Toyota Hilux Double Cabin 2011 STNK a.n. BUDI SANTOSO Nopol EA 1234 AB "
     "di Kab. Bima",
     "1 (satu) unit Mobil Toyota Hilux Double Cabin 2011 STNK Nopol EA 1234 AB di Kab. Bima",
     [("person_name", "BUDI SANTOSO")]),
    ("BPKB an. Siti Aminah, warna hitam", "BPKB, warna hitam", [("person_name", "Siti Aminah")]),
    ("BPKB a/n Siti Aminah", "BPKB", [("person_name", "Siti Aminah")]),
    ("Tanah SHM No. 1234 atas nama Ahmad Dahlan, luas 250 m2",
     "Tanah SHM No. 1234, luas 250 m2", [("person_name", "Ahmad Dahlan")]),
    ("STNK a.n. H. MUHAMMAD ALI bin ABDULLAH dengan nopol BG 1 AB",
     "STNK dengan nopol BG 1 AB", [("person_name", "H. MUHAMMAD ALI bin ABDULLAH")]),
    ("sertifikat atas nama penjual Ambang Priyonggo", "sertifikat",
     [("person_name", "Ambang Priyonggo")]),
    ("(a.n. BUDI)", "", [("person_name", "BUDI")]),
    ("STNK a.n. budi santoso", "STNK", [("person_name", "budi santoso")]),
    # phones: SIM-card numbers of seized phones, any written form, with their label
    ("handphone Samsung dengan provider XL nomor 081912345678 di Kota Bima",
     "handphone Samsung dengan provider XL di Kota Bima", [("phone", "081912345678")]),
    ("HP Oppo +62 812-3456-7890 dan 0812 3456 789", "HP Oppo dan",
     [("phone", "+62 812-3456-7890"), ("phone", "0812 3456 789")]),
    ("hubungi WA: 62 857.1234.5678", "hubungi", [("phone", "62 857.1234.5678")]),
    ("Hubungi telp (0374) 555-0117", "Hubungi", [("phone", "(0374) 555-0117")]),
    # NIK-like numbers, e-mail addresses
    ("pemilik NIK 3201012345678901", "pemilik", [("nik", "3201012345678901")]),
    ("KTP 3201 0123 4567 8901 terlampir", "terlampir", [("nik", "3201 0123 4567 8901")]),
    ("surel budi.santoso+lelang@gmail.com.", "surel.",
     [("email", "budi.santoso+lelang@gmail.com")]),
    ("NIK 3201012345678901 a.n. Siti", "",
     [("nik", "3201012345678901"), ("person_name", "Siti")]),
])
def test_removed(text: str, cleaned: str, removed: list[tuple[str, str]]) -> None:
    result = redact(text, office_phones=OFFICE)
    assert result.text == cleaned
    assert [(r.kind, r.text) for r in result.redactions] == removed
    for r in result.redactions:
        assert r.text in text  # the exact removed text
        assert r.text not in result.text


@pytest.mark.parametrize("text", [
    # legal entities are not natural persons
    "STNK a.n. PT Bank Mandiri (Persero) Tbk",
    "BPKB a.n. Pemerintah Kabupaten Bima",
    "Sertifikat atas nama Koperasi Unit Desa Maju",
    "BPKB an. CV. Sinar Jaya",
    # "atas nama" followed by something that is not a name
    "Setor jaminan hanya ke Virtual Account atas nama Anda di lelang.go.id",
    "atas nama sendiri",
    "sertifikat atas nama ahli waris",
    "atas nama penjual",
    # the office's own numbers
    "Info: KPKNL Bima 0374-5550115 atau (0374) 5550116",
    # object identifiers: plates, chassis ("NIK" = Nomor Identifikasi Kendaraan), engine, IMEI
    "Toyota Avanza EA 1587 KB, rangka MHKM1BA2JFK041877, mesin 1NZ1234567",
    "No. Rangka/NIK 1234567890123456",
    "nomor mesin 0812345678901",
    "IMEI 3512345678901234",
    "SHM No. 00422, NIB No. 23.72.01.04.00531, NOP 52.06.010.001.012-0123.0",
    "BPKB No. N-04418273",
    # not phones: prices, weights, years, lot codes
    "Limit Rp98.500.000, 9.316 Kg, tahun 2015, kode QSCU9W",
    "Telp kantor 150991",
])
def test_kept(text: str) -> None:
    result = redact(text, office_phones=OFFICE)
    assert result.text == text
    assert result.redactions == ()


def test_line_breaks_of_a_caption_are_kept() -> None:
    caption = "Mobil Toyota\nSTNK a.n. BUDI SANTOSO\n\nHubungi 0812-3456-7890 untuk info\nSelesai"
    result = redact(caption)
    assert result.text == "Mobil Toyota\nSTNK\n\nHubungi untuk info\nSelesai"


def test_phone_key_ignores_the_written_form() -> None:
    assert {phone_key(p) for p in ("+62 812-3456-789", "0812 3456 789", "62812 3456789",
                                   "(0812) 3456789")} == {"8123456789"}


def test_scrub_removes_known_texts_from_other_texts() -> None:
    title = redact("STNK a.n. BUDI SANTOSO, pemilik HP 0819-1234-5678")
    assert {r.kind for r in title.redactions} == {"person_name", "phone"}
    caption = ("Lot mobil. Pemilik lama: Budi  Santoso (hubungi 0819 1234 5678).\n"
               "a.n. BUDI SANTOSO")
    result = scrub(caption, title.redactions)
    assert "santoso" not in result.text.lower()
    assert "1234" not in result.text
    assert leaks(result.text, title.redactions) == []
    assert set(result.redactions) == set(title.redactions)


def test_leaks_finds_a_redacted_text_in_any_spelling() -> None:
    phone = Redaction("phone", "081912345678")
    name = Redaction("person_name", "BUDI SANTOSO")
    assert leaks("hubungi +62 819-1234-5678", [phone, name]) == [phone]
    assert leaks("dijual oleh budi   santoso", [phone, name]) == [name]
    assert leaks("Budi Santosoputra", [name]) == []
    assert leaks("nothing here", [phone, name]) == []


def test_redaction_is_idempotent_on_the_hard_cases() -> None:
    for text in ("0812 a.n. BUDI 3456 7890", "a.n. 081234567890 BUDI",
                 "atas a.n. BUDI nama SITI", "NIK 3201 a.n. X 012345678901"):
        once = redact(text)
        twice = redact(once.text)
        assert twice.text == once.text and twice.redactions == (), text


def test_contract_shape() -> None:
    assert Redaction("phone", "0812").to_json() == {"kind": "phone", "text": "0812"}
