"""The caption lint on hostile input: every search is linear in the caption's length.

A reviewer's edit can be megabytes long (issue 12: a 60 KB caption took 14 s in the old e-mail
pattern, a 1.5 MB one over 11 minutes, while holding the database). Each input here is large
enough that a pattern quadratic in its length would run for many minutes and trip pytest's
timeout; the findings are asserted, so a shortcut cannot pass by finding nothing. No test times
anything: speed is shown by benchmarks, not by timed assertions.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from queue_fixtures import OFFICE_PHONE, make_lot

from promo_pipeline import captions as cap
from promo_pipeline import personal
from promo_pipeline.captions import checks, lengths
from promo_pipeline.config import Brand

BRAND = Brand(name="KPKNL Bima", handle="@kpknlbima", contact=f"WA {OFFICE_PHONE}",
              hashtags=["LelangBima"])
MB = 1_000_000
MORE = "Masih ada temuan serupa lainnya yang tidak ditampilkan; periksa seluruh keterangan."
PRIVATE = ("Nomor telepon 0813-9999-8888 bukan kontak kantor yang dikonfigurasi: hapus nomor "
           "pribadi.")
CICIL = ("Hindari cicilan atau uang muka (\u201cDICICIL\u201d): DJKN menyebutnya sebagai ciri "
         "penipuan lelang.")


@pytest.fixture(scope="module")
def lot():
    return make_lot()


@pytest.fixture(scope="module")
def good(lot):
    made = cap.lot_captions(lot, office=None, brand=BRAND, channels=["facebook"],
                            tz="Asia/Makassar")
    return made["facebook"].text


def lint(text, lot, channel="facebook"):
    return cap.lint(text, channel=channel, lots=[lot], tz="Asia/Makassar", brand=BRAND)


def codes(findings, level=None):
    return {f["code"] for f in findings if level is None or f["level"] == level}


def messages(findings, code):
    return [f["message"] for f in findings if f["code"] == code]


@pytest.mark.parametrize("run", ["w", "1", ".", "w.", "-", "+", "_", "w@", "@w", "w@.w", "w@w-"])
def test_runs_of_e_mail_characters_are_no_address_and_take_linear_time(good, lot, run) -> None:
    # The old pattern tried every start of a run as the local part: minutes for a megabyte.
    text = f"{good}\n{run * (MB // len(run))} kontak: budi.santoso@example.co.id"
    found = lint(text, lot)
    assert messages(found, "personal_email") == [
        "Alamat surel budi.santoso@example.co.id: hapus data pribadi."]
    # A megabyte is over Facebook's 63,206 characters (a blocking limit); nothing else blocks.
    assert codes(found, "block") == {"over_limit"}


def test_an_address_after_a_megabyte_of_its_own_characters(good, lot) -> None:
    # The local part is the whole run before the @ (as the old pattern read it).
    local = "a" * MB
    found = personal.find(f"x {local}@example.com y")
    assert [(f.kind, len(f.text), f.start) for f in found] == [
        ("email", MB + len("@example.com"), 2)]


def test_many_addresses_are_listed_up_to_a_bound_then_summed_up(good, lot) -> None:
    many = " ".join(f"orang{i}@example.com" for i in range(60_000))
    found = lint(f"{good}\n{many}", lot)
    listed = messages(found, "personal_email")
    assert len(listed) == checks.MAX_PER_CODE + 1
    assert listed[0] == "Alamat surel orang0@example.com: hapus data pribadi."
    assert listed[-1].startswith("Masih ada temuan serupa")


@pytest.mark.parametrize("unit", ["1", "1 ", "1.", "(1) ", "1-1 ", "+1 ", "08123456 ",
                                  "Rp1.000 ", "10.00 ", "+65 9", "(0374) "])
def test_long_runs_of_digits_and_separators(good, lot, unit) -> None:
    text = f"{good}\n{unit * (MB // len(unit))}"
    found = lint(text, lot)
    # No run of these is a phone number or a NIK (too few digits in a group, or no 16 alone).
    assert not codes(found) - {"figure_wrong", "datetime_unknown", "over_limit"}


@pytest.mark.parametrize("unit", ["0813 ", "0813-999 ", "1234 5678 ", "+65 9123 ", "(0374) 555 "])
def test_long_runs_of_numbers_the_rule_takes(good, lot, unit) -> None:
    # "0813 0813 0813 0813" is written like a NIK and "0813 0813 0813" like a phone number:
    # listed up to the bound, then the reviewer is told there is more.
    found = lint(f"{good}\n{unit * (MB // len(unit))}", lot)
    assert codes(found) - {"figure_wrong", "datetime_unknown", "over_limit"} <= {
        "personal_phone", "personal_nik"}
    for code in codes(found) & {"personal_phone", "personal_nik"}:
        assert messages(found, code)[-1] == MORE


@pytest.mark.parametrize("junk", ["Rp19.700.000 ", "0374-5550115 ", "1 ", "2026 "])
def test_a_private_number_beside_a_megabyte_of_numbers(good, lot, junk) -> None:
    lines = f"{junk * (MB // len(junk))}"
    # On its own line after the junk, and before the junk on the same line: found.
    found = lint(f"{good}\n{lines}\nHubungi 0813-9999-8888", lot)
    assert messages(found, "personal_phone") == [PRIVATE]
    found = lint(f"{good}\nHubungi 0813-9999-8888 {lines}", lot)
    assert messages(found, "personal_phone") == [PRIVATE]
    # And after the junk on the same line: every line is searched to its end.
    found = lint(f"{good}\n{lines} Hubungi 0813-9999-8888", lot)
    assert messages(found, "personal_phone") == [PRIVATE]


def test_sixteen_digits_inside_a_long_run_are_no_nik(good, lot) -> None:
    text = f"{good}\n{'1' * MB}\nNIK 5206012345678901 {'9' * 17}"
    found = lint(text, lot)
    assert messages(found, "personal_nik") == [
        "Ada 16 angka berturut-turut (5206…), mungkin NIK: hapus data pribadi."]


@pytest.mark.parametrize("filler", [" ", "a.n.", "a.n. ", "atas ", "atas nama ", "a.n. Anda "])
def test_atas_nama_over_long_runs(good, lot, filler) -> None:
    text = f"{good}\n{filler * (MB // len(filler))}\nSHM a.n. Siti Aminah"
    names = messages(lint(text, lot), "personal_name")
    siti = "\u201cSiti Aminah\u201d menyebut nama orang: hapus nama debitur/pemilik."
    # A filler that names someone itself ("a.n. a") is listed up to a bound, then noted.
    assert siti in names or names[-1] == MORE


@pytest.mark.parametrize("filler", ["xmurah ", "di ", "di bawah ", " harga pasar ", "x menang ",
                                    "menang ", "dpx ", "dp", "uang ", "jauh di ", "xcicil ",
                                    "xcicilx"])
def test_fraud_wording_after_a_megabyte_of_near_misses(good, lot, filler) -> None:
    text = f"{good}\n{filler * (MB // len(filler))}\nBisa DICICIL."
    wording = messages(lint(text, lot), "fraud_wording")
    assert CICIL in wording
    # Near misses of other markers are looked at up to a bound; past it the reviewer is told.
    assert set(wording) <= {CICIL, MORE}


def test_fraud_wording_when_near_misses_of_the_same_marker_exceed_the_bound(good, lot) -> None:
    text = f"{good}\n{'x muka ' * (MB // 7)}\nBisa DICICIL."
    assert messages(lint(text, lot), "fraud_wording") == [MORE]
    text = f"{good}\nBisa DICICIL. {'x muka ' * (MB // 7)}"
    assert messages(lint(text, lot), "fraud_wording") == [CICIL]


def test_fraud_wording_found_after_a_megabyte(good, lot) -> None:
    text = f"{good}\n{'harga ' * (MB // 6)}Objek jauh  di bawah\tharga pasar!"
    found = lint(text, lot)
    assert messages(found, "fraud_wording") == [
        "Hindari \u201cdi bawah harga pasar\u201d (\u201cjauh  di bawah\tharga pasar\u201d): "
        "DJKN menyebutnya sebagai ciri penipuan lelang."]


@pytest.mark.parametrize("unit", ["1 Maret 2026 ", "1 Maret 2026 pukul", "11 ", "1 Maret ",
                                  "Rp", "Rp ", "Rp1,", "https://", "https://lelang.go.id/x "])
def test_dates_figures_and_links_over_long_runs(good, lot, unit) -> None:
    text = f"{good}\n{unit * (MB // len(unit))}"
    found = lint(text, lot)
    # Over Facebook's 63,206 characters blocks (a hard limit); no date, figure or link is lost.
    assert not codes(found, "block") - {"figure_wrong", "link_wrong", "over_limit"}
    assert "limit_missing" not in codes(found) and "deadline_missing" not in codes(found)


def _tidy(text: str) -> str:
    """tidy() as it was first written (line by line)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@pytest.mark.parametrize("unit", ["#", "#a ", "&#a", "a#", "@", "\n", " \n", "  x", "\r", "\t \n",
                                  "a \u00a0\n\n\n"])
def test_hashtags_tidy_and_length_over_long_runs(lot, unit) -> None:
    text = unit * (MB // len(unit))
    tidy = cap.tidy(text)
    assert tidy == _tidy(text)
    findings = lint(text, lot, channel="instagram")
    assert ("over_limit" in codes(findings)) == bool(text.strip())
    assert lengths.count_hashtags(text) == (MB // 3 if unit == "#a " else 0)


@pytest.mark.parametrize("channel", ["x", "threads", "telegram"])
@pytest.mark.parametrize("unit", ["a.", "a.id ", "a.a.a.a@x.id ", "⚠️", "👨‍👩‍👧 ", "é.", "1."])
def test_length_of_long_hostile_text_on_every_channel(lot, channel, unit) -> None:
    text = unit * (MB // len(unit))
    found = lint(text, lot, channel=channel)
    assert "over_limit" in codes(found, "warn")
    assert cap.measure(channel, text) > 1000
