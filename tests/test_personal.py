"""One rule for personal data (promo_pipeline.personal): the title reading removes what the
caption lint flags, and the lint never flags what the reading keeps.

Checked on every real lelang.go.id row (tests/data/real, plus the issue's three rows with
personal data), on generated titles (hypothesis, from pieces of real titles and personal data),
on the office's own contacts (issue 16) and on the cases that used to disagree.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from queue_fixtures import make_lot
from real_lots import real_lots
from test_pipeline_real import PERSONAL_ROWS
from test_titles_props import PROPS, titles

from promo_pipeline import captions as cap
from promo_pipeline import personal
from promo_pipeline.config import Brand
from promo_pipeline.lots import Lot
from promo_pipeline.parse import parse_lot
from promo_pipeline.titles import redact
from promo_pipeline.titles.redact import personal_data
from promo_pipeline.titles.text import prepare

TZ = "Asia/Makassar"
BRAND = Brand(name="KPKNL Bima", handle="@kpknlbima", phone="(0374) 555-0115",
              contact="WA 0812-3456-7890 / 0813-3700-1122", website="kpknl.bima@kemenkeu.go.id",
              hashtags=["LelangBima"])
OWN = BRAND.office_phones
CODES = {personal.NIK: "personal_nik", personal.PHONE: "personal_phone",
         personal.EMAIL: "personal_email", personal.PERSON_NAME: "personal_name"}


def lint(text: str, lot: Lot) -> list[dict[str, str]]:
    return cap.lint(text, channel="facebook", lots=[lot], tz=TZ, brand=BRAND)


def personal_codes(findings: list[dict[str, str]]) -> set[str]:
    return {f["code"] for f in findings if f["code"] in CODES.values()}


def flagged(text: str) -> set[tuple[str, str]]:
    """(kind, text) of every piece of personal data the lint warns about in *text*."""
    return {(f.kind, f.text) for f in personal_data(text, office_phones=OWN)}


def caption(lot: Lot) -> str:
    return cap.lot_captions(lot, office=None, brand=BRAND, channels=["facebook"],
                            tz=TZ)["facebook"].text


@functools.cache
def good() -> str:
    """A generated caption (the office's contact line, the anti-fraud line "atas nama Anda")."""
    return caption(make_lot())


# --- the real rows ----------------------------------------------------------------------------


def every_real_lot() -> list[Lot]:
    from real_lots import real_items

    now = datetime.now(UTC)
    extra = [parse_lot(item, None, site_base="https://lelang.go.id",
                       file_base="https://file.lelang.go.id/lelang/")
             for item in real_items(now, rows=PERSONAL_ROWS)]
    return real_lots(now) + extra


def test_the_lint_and_the_title_reading_agree_on_every_real_row() -> None:
    lots = every_real_lot()
    assert len(lots) == 222 + 3
    removed_somewhere = 0
    for lot in lots:
        reading = lot.reading(OWN)
        removed = {(r.kind, r.text) for r in reading.redactions}
        removed_somewhere += bool(removed)
        made = caption(lot)
        # What the reading kept (the generated caption carries its cleaned title): not flagged.
        assert personal_codes(lint(made, lot)) == set(), lot.title
        assert flagged(made) == set(), lot.title
        # The raw title typed into the caption: exactly what the reading removed is flagged.
        typed = f"{made}\n{prepare(lot.title)}"
        assert flagged(typed) == removed, lot.title
        assert personal_codes(lint(typed, lot)) == {CODES[k] for k, _ in removed}, lot.title
    assert removed_somewhere == 3  # the three rows; no real title holds any other


# --- any title ----------------------------------------------------------------------------------


@PROPS
@given(titles)
def test_what_the_reading_removes_the_lint_flags_and_what_it_keeps_it_does_not(
        title: str) -> None:
    result = redact(title, office_phones=OWN)
    removed = {(r.kind, r.text) for r in result.redactions}
    assert removed <= flagged(f"{good()}\n{title}")
    assert flagged(f"{good()}\n{result.text}") == set()


@PROPS
@given(titles)
def test_the_lint_flags_nothing_the_reading_would_keep(title: str) -> None:
    """Each hit of the rule is something the reading removes (no warning it would not act on)."""
    removed = {(r.kind, r.text) for r in redact(title, office_phones=OWN).redactions}
    assert flagged(title) <= removed | {(k, t) for k, t in flagged(title) if k == personal.MORE}


# --- the office's own contacts, and the cases that used to disagree ----------------------------


@pytest.mark.parametrize("text", [
    "Hubungi KPKNL Bima telp (0374) 555-0115", "WA 0812 3456 7890", "HP +62 813-3700-1122",
    "surel kpknl.bima@kemenkeu.go.id", "Halo DJKN 150991",
])
def test_the_offices_own_contacts_are_never_personal_data(text: str) -> None:
    # Every number written in brand.phone / contact / helpline and the address in website.
    assert redact(text, office_phones=OWN).text == text
    assert flagged(text) == set()
    lot = make_lot()
    assert personal_codes(lint(f"{good()}\n{text}", lot)) == set()


@pytest.mark.parametrize(("text", "removed"), [
    # Kept by the reading, flagged by the old lint: object numbers, legal entities, no name.
    ("Nomor rangka 3201012345678901", set()),
    ("BPKB a.n. PT Bank Mandiri (Persero) Tbk", set()),
    ("Telp. 021-5550123 a.n. Koperasi Maju", {("phone", "021-5550123")}),
    # Removed by the reading, missed by the old lint: written forms and markers it did not know.
    ("KTP 3201 0123 4567 8901", {("nik", "3201 0123 4567 8901")}),
    ("BPKB a/n Siti Aminah", {("person_name", "Siti Aminah")}),
    ("STNK an. BUDI SANTOSO", {("person_name", "BUDI SANTOSO")}),
    # A number right after a mobile number was once taken with it (neither side saw either).
    ("Hubungi 0813-9999-8888 0812-3456-7891", {("phone", "0813-9999-8888"),
                                               ("phone", "0812-3456-7891")}),
    # Revealed once a number is removed: a landline listed after it is then after the cue.
    ("Hubungi 0813-9999-8888 0374-5550116", {("phone", "0813-9999-8888"),
                                             ("phone", "0374-5550116")}),
    # Another country's number, and the office's number beside a private one.
    ("WA +65 9123 4567", {("phone", "+65 9123 4567")}),
    ("Telp (0374) 555-0115 atau 0852-1111-2222", {("phone", "0852-1111-2222")}),
])
def test_both_sides_of_the_cases_that_used_to_disagree(text: str, removed: set) -> None:
    assert {(r.kind, r.text) for r in redact(text, office_phones=OWN).redactions} == removed
    assert flagged(f"{good()}\n{text}") == removed


def test_find_reports_kind_text_place_and_what_goes_with_it() -> None:
    text = ("Hubungi 0813-9999-8888 atau budi@example.com; SHM a.n. Siti, NIK 5206012345678901. "
            "https://lelang.go.id/kpknl/5206012345678902 kpknl.bima@kemenkeu.go.id WA "
            "0812-3456-7890")
    link = text.index("https://")
    found = personal.find(text, OWN, skip=[(link, text.index(" ", link))])
    assert [(f.kind, f.text) for f in found] == [
        ("nik", "5206012345678901"), ("phone", "0813-9999-8888"),
        ("email", "budi@example.com"), ("person_name", "Siti")]
    assert all(text[f.start:f.end] == f.text for f in found)
    nik, _, _, name = found
    assert text[nik.cut:nik.end] == "NIK 5206012345678901"
    assert text[name.cut:name.end] == "a.n. Siti"
    # Without skipping the link, its 16 digits are no NIK either (a "/" before them).
    assert [f.text for f in personal.find(text, OWN) if f.kind == "nik"] == ["5206012345678901"]


def test_find_stops_a_kind_after_the_limit_and_says_so() -> None:
    text = " ".join(f"orang{i}@example.com" for i in range(50))
    found = personal.find(text, limit=3)
    assert [f.kind for f in found] == ["email"] * 3 + [personal.MORE]
    assert found[-1].text == "email"
    assert [f.kind for f in personal.find(f"{text} {text}", limit=60)] == ["email"] * 100
    assert [f.kind for f in personal.find(text, max_hits=2)] == ["email"] * 2 + [personal.MORE]


def test_the_lint_names_what_it_flags_in_indonesian() -> None:
    lot = make_lot()
    found = lint(f"{good()}\nSTNK a.n. Siti Aminah, HP 0852-1111-2222, NIK 5206012345678901, "
                 "budi@example.com", lot)
    messages = {f["code"]: f["message"] for f in found if f["code"] in CODES.values()}
    assert messages == {
        "personal_name": "\u201cSiti Aminah\u201d menyebut nama orang: hapus nama "
                         "debitur/pemilik.",
        "personal_phone": "Nomor telepon 0852-1111-2222 bukan kontak kantor yang "
                          "dikonfigurasi: hapus nomor pribadi.",
        "personal_nik": "Ada 16 angka berturut-turut (5206…), mungkin NIK: hapus data "
                        "pribadi.",
        "personal_email": "Alamat surel budi@example.com: hapus data pribadi.",
    }
