"""Properties of the title readers over generated titles, and linear time on long inputs
(checked by pytest's timeout, not by timing assertions)."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_titles_real import check_reading

from promo_pipeline.titles import FAMILIES, HEADLINE_MAX, leaks, read_title, redact, scrub
from promo_pipeline.titles.text import prepare, tidy

# Pieces of real titles and of personal data, glued at random: the readers must keep their
# contract whatever comes out.
FRAGMENTS = [
    "1 (satu) unit", "1 bidang tanah dengan total luas", "385 m<sup>2</sup>", "1.250 m2", "m²",
    "berikut bangunan", "di Kota Jambi", "di Kab. Bangka Barat", "DI KAB. BURU", "LT 99", "LB 45",
    "LT/LB 120/45", "1,5 ha", "SHM No. 1234", "HGB", "Toyota", "Hilux Double Cabin", "2011",
    "Tahun 2007", "Mitsubihi,", "Colt Diesel", "MOTOR GRADER", "Buulldozer", "SCRAPT", "Scrap",
    "KENDARAAN R2", "Sepeda Motor", "Honda", "NF 100 D", "Nomor Polisi DE 8671 AG", "nopol",
    "BG 70 N", "handphone", "GPS", "STNK", "dan barang bergerak lainnya", "Lot 07.", "Mesin",
    "Crew Boat", "a.n.", "an.", "atas nama", "BUDI", "SANTOSO", "Siti Aminah", "PT Bank Mandiri",
    "nomor", "0812", "3456", "7890", "+62", "081912345678", "3201012345678901", "rangka",
    "budi.s@gmail.com", "@", ".", ",", ";", "(", ")", "[", "]", "/", "-", "\n", "  ", "(satu)",
    "Uniit", "dll", "Rp98.500.000", "9.316 Kg", "telp", "(0374) 555-0117", "IMEI",
]
titles = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)),
                  max_size=30).map(" ".join)
# TITLES_EXAMPLES=5000 for a longer hunt by hand.
PROPS = settings(max_examples=int(os.environ.get("TITLES_EXAMPLES", "300")), deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
OFFICE = ("0374-5550115",)


@PROPS
@given(titles)
def test_redaction_is_idempotent_and_leaves_nothing(text: str) -> None:
    once = redact(text, office_phones=OFFICE)
    twice = redact(once.text, office_phones=OFFICE)
    assert twice.text == once.text
    assert twice.redactions == ()
    assert leaks(once.text, once.redactions) == []
    for r in once.redactions:
        assert r.text in text  # the exact removed text, from the input
        assert r.kind in ("phone", "nik", "email", "person_name")


@PROPS
@given(titles)
def test_redaction_only_removes(text: str) -> None:
    """Nothing is added: every character of the result, in order, comes from the input."""
    result = redact(text).text
    it = iter(text)
    assert all(ch in it for ch in result.replace("\n", "")) or not result


@PROPS
@given(titles, titles)
def test_scrub_leaves_no_known_text(title: str, caption: str) -> None:
    known = redact(title).redactions
    result = scrub(caption + "\n" + title, known)
    assert leaks(result.text, known) == []
    assert scrub(result.text, known).text == result.text


@PROPS
@given(titles, st.sampled_from([None, "Mobil", "Tanah", "Besi Tua", "Inventaris", "Lainnya",
                                "Kategori Baru"]))
def test_reading_keeps_its_contract(title: str, category: str | None) -> None:
    reading = read_title(title, category=category, office_phones=OFFICE)
    redacted = redact(prepare(title), office_phones=OFFICE).text
    check_reading(redacted, reading)
    assert reading.family.family in FAMILIES
    assert len(reading.headline) <= HEADLINE_MAX


@PROPS
@given(titles)
def test_no_invented_digits(title: str) -> None:
    """Every number a reading shows is a number of the title (thousands dots aside)."""
    reading = read_title(title)
    source = re.sub(r"(?<=\d)\.(?=\d{3})", "", prepare(title))
    shown = reading.headline + " " + reading.title
    for group in re.findall(r"\d+(?:\.\d{3})*", shown):
        assert group.replace(".", "") in source, (group, shown)
    for name in ("land_area_m2", "building_area_m2", "area_m2", "units"):
        value = getattr(reading.facts, name)
        if value is not None and name not in reading.facts.written_areas:
            assert str(value) in source


@PROPS
@given(st.text(max_size=200))
def test_tidy_is_idempotent(text: str) -> None:
    assert tidy(tidy(text)) == tidy(text)


LONG_INPUTS = {
    "letters": "a" * 1_000_000,
    "digits": "1" * 1_000_000,
    "words": "a " * 500_000,
    "at signs": "a@" * 500_000,
    "dotted local part": "a.b" * 300_000 + "@x.com",
    "markers": "a.n. BUDI " * 100_000,
    "brackets": "(" * 500_000 + ")" * 500_000,
    "dots": "1." * 500_000,
    "plates": "B 1 A " * 160_000,
    "phones": "0812345678 " * 90_000,
    "niks": "3201012345678901 " * 58_000,
    "titles": ("MOBIL TOYOTA AVANZA 0812 3456 7890 a.n. BUDI SANTOSO SHM LT 120 m2 "
               "dengan total luas 1.250 m2 berikut bangunan, ") * 9_000,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(LONG_INPUTS))
def test_redaction_is_linear_on_a_megabyte(name: str) -> None:
    result = redact(LONG_INPUTS[name])
    assert len(result.text) <= len(LONG_INPUTS[name])


@pytest.mark.timeout(90)
@pytest.mark.parametrize("name", sorted(LONG_INPUTS))
def test_reading_is_linear_on_long_titles(name: str) -> None:
    text = LONG_INPUTS[name][:250_000]
    reading = read_title(text)
    assert len(reading.headline) <= HEADLINE_MAX
