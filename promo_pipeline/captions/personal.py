"""Personal data in a text: NIK-like numbers, phone numbers, e-mail addresses, "a.n." names.

:func:`find` returns each hit with its kind (``nik``, ``phone``, ``email``, ``person_name``, the
kinds a redaction reports) and its place in the text; the office's own configured contacts are
not personal data. Links are skipped (the digits of a lot's URL are no NIK). The lint turns hits
into warnings; removing them from what is published can reuse the same finder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers

from promo_pipeline.captions.mentions import URL

NIK = "nik"
PHONE = "phone"
EMAIL = "email"
PERSON_NAME = "person_name"

_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ATAS_NAMA = re.compile(r"(?<![\w.])(?:a\.\s?n\.?|atas\s+nama)\s+(?P<name>[^\s,.;:!?()]+)",
                        re.IGNORECASE)
# Words after "atas nama" that are not a person's name (the how-to and anti-fraud lines use them).
_NOT_A_NAME = {"anda", "sendiri", "peserta", "pemenang", "pembeli", "penjual", "pemohon",
               "kuasa", "badan", "perusahaan", "instansi", "pemilik", "yang", "lembaga", "kamu",
               "saudara", "negara", "kpknl", "djkn", "diri"}


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind, the text as written and where it is."""

    kind: str
    text: str
    start: int
    end: int


def find(text: str, brand: Any = None) -> list[Found]:
    """Personal data in *text*, by kind (NIK, phone, e-mail, name), each kind in text order.

    *brand* (``[brand]``): its contact, phone, helpline and website are the office's own and
    are not reported.
    """
    # Links blanked with spaces of the same length: positions stay those of *text*.
    plain = URL.sub(lambda m: " " * len(m.group(0)), text)
    return [*_niks(plain), *_phones(plain, brand), *_emails(plain, brand), *_names(plain)]


def _niks(plain: str) -> Iterator[Found]:
    for m in _NIK.finditer(plain):
        yield Found(NIK, m.group(0), m.start(), m.end())


def _phones(plain: str, brand: Any) -> Iterator[Found]:
    allowed = _allowed_numbers(brand) if brand is not None else set()
    for match in phonenumbers.PhoneNumberMatcher(plain, "ID"):
        if str(match.number.national_number) in allowed:
            continue
        yield Found(PHONE, match.raw_string, match.start, match.end)


def _emails(plain: str, brand: Any) -> Iterator[Found]:
    own = set()
    if brand is not None:
        for source in (brand.contact, brand.website, brand.phone):
            own |= {e.lower() for e in _EMAIL.findall(source or "")}
    for m in _EMAIL.finditer(plain):
        if m.group(0).lower() not in own:
            yield Found(EMAIL, m.group(0), m.start(), m.end())


def _names(plain: str) -> Iterator[Found]:
    for m in _ATAS_NAMA.finditer(plain):
        if m["name"].lower() not in _NOT_A_NAME:
            yield Found(PERSON_NAME, m.group(0), m.start(), m.end())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _allowed_numbers(brand: Any) -> set[str]:
    """National numbers of the office's own configured phones (contact, phone, helpline)."""
    allowed: set[str] = set()
    for source in (brand.contact, brand.phone, brand.helpline, brand.website):
        if not source:
            continue
        for match in phonenumbers.PhoneNumberMatcher(source, "ID"):
            allowed.add(str(match.number.national_number))
        digits = _digits(source)
        if digits:
            allowed.add(digits.lstrip("0").removeprefix("62") if len(digits) > 8 else digits)
    return allowed
