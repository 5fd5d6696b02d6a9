"""Indonesian formats (promo_pipeline.formats): money, dates in WIB/WITA/WIT, shortening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promo_pipeline import formats

ZONES = {"Asia/Jakarta": ("WIB", 7), "Asia/Pontianak": ("WIB", 7), "Asia/Makassar": ("WITA", 8),
         "Asia/Jayapura": ("WIT", 9)}


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "text"), [
    (98_500_000, "Rp98.500.000"),
    (0, "Rp0"),
    (999, "Rp999"),
    (1_000, "Rp1.000"),
    (1_250_000_000, "Rp1.250.000.000"),
    (-5_000, "-Rp5.000"),
])
def test_rupiah_follows_eyd(amount: int, text: str) -> None:
    assert formats.rupiah(amount) == text


@given(st.integers())
def test_every_integer_rupiah_round_trips(n: int) -> None:
    assert formats.parse_rupiah(formats.rupiah(n)) == n


@given(st.integers(min_value=0, max_value=10**15))
def test_rupiah_has_no_space_and_dot_thousands(n: int) -> None:
    text = formats.rupiah(n)
    assert text.startswith("Rp") and " " not in text
    groups = text[2:].split(".")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@pytest.mark.parametrize(("amount", "text"), [
    (98_500_000, "Rp98,5 juta"),
    (1_250_000_000, "Rp1,25 miliar"),
    (62_800_000_000, "Rp62,8 miliar"),
    (5_000_000, "Rp5 juta"),
    (2_000_000_000_000, "Rp2 triliun"),
])
def test_rupiah_short_when_exact(amount: int, text: str) -> None:
    assert formats.rupiah_short(amount) == text


@pytest.mark.parametrize("amount", [98_512_345, 999_999, 1_234_567, 0])
def test_rupiah_short_keeps_full_form_when_rounding_would_be_needed(amount: int) -> None:
    assert formats.rupiah_short(amount) == formats.rupiah(amount)


def _value_of_short(text: str) -> int:
    units = {"juta": 10**6, "miliar": 10**9, "triliun": 10**12}
    body = text.removeprefix("Rp")
    if " " not in body:
        return formats.parse_rupiah(text)
    number, unit = body.split(" ")
    return int(Decimal(number.replace(".", "").replace(",", ".")) * units[unit])


@given(st.integers(min_value=0, max_value=10**14))
def test_rupiah_short_never_changes_the_amount(n: int) -> None:
    assert _value_of_short(formats.rupiah_short(n)) == n


def test_parse_rupiah_rejects_text_that_is_not_a_figure() -> None:
    with pytest.raises(ValueError):
        formats.parse_rupiah("Rp sekian")


# --- dates and times ---------------------------------------------------------------------------

SOURCE = datetime.fromisoformat("2026-03-11T09:00:00+07:00")


@pytest.mark.parametrize(("tz", "text"), [
    ("Asia/Jakarta", "Rabu, 11 Maret 2026 pukul 09.00 WIB"),
    ("Asia/Makassar", "Rabu, 11 Maret 2026 pukul 10.00 WITA"),
    ("Asia/Jayapura", "Rabu, 11 Maret 2026 pukul 11.00 WIT"),
])
def test_datetime_long_is_converted_to_the_office_zone(tz: str, text: str) -> None:
    assert formats.datetime_long(SOURCE, tz) == text


def test_conversion_can_move_the_date() -> None:
    late = datetime.fromisoformat("2026-03-11T23:30:00+07:00")
    assert formats.datetime_long(late, "Asia/Jayapura") == "Kamis, 12 Maret 2026 pukul 01.30 WIT"


def test_medium_and_short_forms() -> None:
    assert formats.datetime_medium(SOURCE, "Asia/Makassar") == "11 Maret 2026, 10.00 WITA"
    assert formats.date_short(SOURCE, "Asia/Makassar") == "Rab, 11 Mar 2026"
    assert formats.time_hm(SOURCE, "Asia/Makassar") == "10.00 WITA"


def test_month_names_follow_eyd() -> None:
    feb = datetime.fromisoformat("2026-02-06T10:00:00+07:00")
    nov = datetime.fromisoformat("2026-11-06T10:00:00+07:00")
    assert formats.date_long(feb, "Asia/Jakarta") == "Jumat, 6 Februari 2026"
    assert formats.date_long(nov, "Asia/Jakarta") == "Jumat, 6 November 2026"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.just(UTC)),
       st.sampled_from(sorted(ZONES)))
def test_times_in_wib_wita_wit(when: datetime, tz: str) -> None:
    label, offset = ZONES[tz]
    shown = formats.time_hm(when, tz)
    local = when + timedelta(hours=offset)
    assert shown == f"{local:%H.%M} {label}"
    assert formats.zone_label(tz, when) == label
    assert formats.datetime_long(when, tz).endswith(f"pukul {shown}")
    assert str(local.year) in formats.date_long(when, tz)


def test_zone_label_outside_indonesia() -> None:
    assert formats.zone_label("Asia/Tokyo") == "UTC+9"
    assert formats.zone_label("UTC") == "UTC+0"


def test_days_left_counts_calendar_days_and_never_goes_negative() -> None:
    now = datetime.fromisoformat("2026-03-10T23:00:00+07:00")
    assert formats.days_left(SOURCE, now) == 1
    assert formats.days_left(SOURCE, SOURCE) == 0
    assert formats.days_left(SOURCE, SOURCE + timedelta(days=3)) == 0


# --- text --------------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=300),
       st.integers(min_value=2, max_value=120))
def test_shorten_stays_within_the_limit(text: str, limit: int) -> None:
    out = formats.shorten(text, limit)
    assert len(out) <= limit
    if len(" ".join(text.split())) <= limit:
        assert out == " ".join(text.split())


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), min_size=1,
                max_size=40),
       st.integers(min_value=10, max_value=80))
def test_shorten_cuts_at_a_word_boundary(words: list[str], limit: int) -> None:
    text = " ".join(words)
    out = formats.shorten(text, limit)
    if out != text:
        assert out.endswith("…")
        kept = out.removesuffix("…").split()
        assert kept == words[: len(kept)]


def test_shorten_is_the_one_rule_of_the_title_readers() -> None:
    from promo_pipeline.titles import text

    assert formats.shorten is text.shorten
    # No slash, bracket or separator left dangling before the ellipsis.
    assert formats.shorten("Tanah / Bangunan di Kota Jambi", 9) == "Tanah…"
    assert formats.shorten("Mobil Toyota ( Avanza ) 2015", 16) == "Mobil Toyota…"


def test_area_and_place_names() -> None:
    assert formats.area(210.0) == "210 m²"
    assert formats.area(1250.5) == "1.250,5 m²"
    assert formats.area(None) is None
    assert formats.title_case_place("KAB. BIMA") == "Kab. Bima"
    assert formats.title_case_place("") == ""
