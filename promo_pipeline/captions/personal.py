"""Personal data in a text: NIK-like numbers, phone numbers, e-mail addresses, "a.n." names.

:func:`find` returns each hit with its kind (``nik``, ``phone``, ``email``, ``person_name``, the
kinds a redaction reports) and its place in the text; the office's own configured contacts are
not personal data. Links are skipped (the digits of a lot's URL are no NIK). The lint turns hits
into warnings; removing them from what is published can reuse the same finder.

Every search takes time linear in the text (a reviewer's edit may be megabytes long):

- e-mail addresses are found from their ``@`` (a pattern that tried every start of the local part
  took quadratic time: a 60 KB caption took 14 s);
- phone numbers are phonenumbers' own matcher, run line by line (no number spans a line break)
  with a bound on the candidates it may try, and told to skip, before parsing, a candidate
  with too few digits to be a valid number (a number without ``+`` is Indonesian and has at
  least 7 digits; with ``+`` a country code and at least 4 more) — the same numbers, found
  without parsing every date, figure and plate;
- each kind stops after ``limit`` hits when the caller asks for only so many.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promo_pipeline.captions.mentions import fold, link_spans

NIK = "nik"
PHONE = "phone"
EMAIL = "email"
PERSON_NAME = "person_name"

#: Candidates phonenumbers may parse, in one line and in one text (a caption has a few; beyond
#: this the text is not a caption and the rest of it is not searched: :func:`find` says so).
PHONE_CHECKS_PER_LINE = 50
PHONE_CHECKS = 500
#: Candidates (runs of digits and separators, and their parts) it may try, per line and text.
PHONE_CANDIDATES_PER_LINE = 1_000
PHONE_CANDIDATES = 10_000
#: The kind of the item that ends a kind's hits when :func:`find` stopped before the end of
#: the text (its ``text`` is the kind that was cut short).
MORE = "more"

#: Fewest digits a valid number can have: written without a plus sign it is read as an
#: Indonesian number (7 to 17 digits; an international prefix such as 008 plus a country code
#: and a number is longer still); with one, a country code (1+ digits) and the shortest
#: national number of any region (4 digits). Checked against the metadata in the tests.
_MIN_DIGITS = 7
_MIN_DIGITS_PLUS = 5
_NIK = re.compile(r"\d{16,}")  # a run of exactly 16 digits is NIK-like (checked below)
# An @ with a local-part character before it and a dotted domain after it.
_AT = re.compile(r"@(?<=[\w.+-]@)(?=[\w-]+\.[\w-])")
_LOCAL_BACKWARD = re.compile(r"[\w.+-]+")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # short texts only (the office's own)
# Words after "atas nama" that are not a person's name (the how-to and anti-fraud lines use them).
_NOT_A_NAME = ("anda", "sendiri", "peserta", "pemenang", "pembeli", "penjual", "pemohon",
               "kuasa", "badan", "perusahaan", "instansi", "pemilik", "yang", "lembaga", "kamu",
               "saudara", "negara", "kpknl", "djkn", "diri")
_NAME_CHAR = r"[^\s,.;:!?()]"
# The name: the run of characters after the spaces, unless the whole run is one of those words.
_NAME = rf"\s+(?!(?:{'|'.join(_NOT_A_NAME)})(?!{_NAME_CHAR}))(?P<name>{_NAME_CHAR}+)"
# "a.n. Budi" / "atas nama Budi" (on the folded text), not inside a word: the literal first so
# the search skips ahead quickly; the name may not be one of the words above.
_ATAS_NAMA = (re.compile(rf"a\.(?<![\w.]a\.)\s?n\.?{_NAME}"),
              re.compile(rf"atas(?<![\w.]atas)\s+nama{_NAME}"))
_NON_DIGITS = re.compile(r"\D+")
_DIGIT = re.compile(r"\d")
_NUMBER_LINE = re.compile(rf"^(?:[^\d\n]*\d){{{_MIN_DIGITS_PLUS}}}[^\n]*", re.MULTILINE)


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind, the text as written and where it is."""

    kind: str
    text: str
    start: int
    end: int


def find(text: str, brand: Any = None, *, limit: int | None = None,
         max_hits: int | None = None, folded: str | None = None) -> list[Found]:
    """Personal data in *text*, by kind (NIK, phone, e-mail, name), each kind in text order.

    *brand* (``[brand]``): its contact, phone, helpline and website are the office's own and
    are not reported. *limit*: stop a kind after that many different texts; *max_hits*: after
    that many hits. A kind that stopped early (or whose phone numbers were not searched to the
    end) ends with ``Found(MORE, kind, …)``. *folded*: ``fold(text)``, when the caller has it.
    """
    folded = fold(text) if folded is None else folded
    # Links blanked with spaces of the same length: positions stay those of *text*.
    plain, folded = _blank(text, folded, link_spans(folded))
    out: list[Found] = []
    for kind, hits in ((NIK, _niks(plain)), (PHONE, _phones(plain, brand)),
                       (EMAIL, _emails(plain, brand)), (PERSON_NAME, _names(plain, folded))):
        texts: set[str] = set()
        for n, hit in enumerate(hits, 1):
            if (hit.kind == MORE or (max_hits is not None and n > max_hits)
                    or (limit is not None and len(texts) >= limit and hit.text not in texts)):
                out.append(Found(MORE, kind, hit.start, hit.end))
                break
            texts.add(hit.text)
            out.append(hit)
    return out


def _blank(text: str, folded: str, spans: list[tuple[int, int]]) -> tuple[str, str]:
    if not spans:
        return text, folded
    parts, folded_parts, at = [], [], 0
    for start, end in spans:
        parts += [text[at:start], " " * (end - start)]
        folded_parts += [folded[at:start], " " * (end - start)]
        at = end
    return "".join([*parts, text[at:]]), "".join([*folded_parts, folded[at:]])


def _niks(plain: str) -> Iterator[Found]:
    if not _has_digits(plain, 16):
        return
    for m in _NIK.finditer(plain):
        if m.end() - m.start() == 16:
            yield Found(NIK, m.group(0), m.start(), m.end())


# --- phone numbers -------------------------------------------------------------------------------


def _phones(plain: str, brand: Any) -> Iterator[Found]:
    allowed = _allowed_numbers(brand) if brand is not None else frozenset()
    budget, candidates = PHONE_CHECKS, PHONE_CANDIDATES
    incomplete = False
    # No number spans a line break; only lines with enough digits are searched.
    for found_line in _NUMBER_LINE.finditer(plain):
        line, start = found_line.group(), found_line.start()
        if not _may_hold_a_number(line) or line in _NO_NUMBER_LINES or _no_number_here(line):
            continue
        if budget <= 0 or candidates <= 0:
            incomplete = True
            break
        if len(line) <= _CACHED_LINE:
            numbers, used, tried, complete = _line_numbers(line)
        else:
            numbers, used, tried, complete = _numbers(
                line, min(budget, PHONE_CHECKS_PER_LINE),
                min(candidates, PHONE_CANDIDATES_PER_LINE))
        budget -= used
        candidates -= tried
        incomplete |= not complete
        for raw, at, national in numbers:
            if national not in allowed:
                yield Found(PHONE, raw, start + at, start + at + len(raw))
    if incomplete:
        yield Found(MORE, "", len(plain), len(plain))


def _no_number_here(line: str) -> bool:
    """True when every candidate phonenumbers would look at in *line* is known to hold no
    number (too few digits, a refused figure, or found so before): the matcher is not needed.
    (Without a slash, phonenumbers' candidates are exactly its pattern's matches.)"""
    if "/" in line or "\\" in line:
        return False
    from phonenumbers.phonenumbermatcher import _PATTERN

    for m in _PATTERN.finditer(line):
        candidate, at = m.group(), m.start()
        if _short(candidate):
            continue
        key = _candidate_key(line, candidate, at)
        if key in _NO_NUMBER or _hopeless_figure(candidate, key):
            continue
        return False
    if len(line) <= _CACHED_LINE:
        if len(_NO_NUMBER_LINES) >= _NO_NUMBER_SIZE:
            _NO_NUMBER_LINES.clear()
        _NO_NUMBER_LINES[line] = None
    return True


def _may_hold_a_number(text: str) -> bool:
    """False when *text* has too few digits for any valid phone number (:data:`_MIN_DIGITS`)."""
    need = _MIN_DIGITS_PLUS if "+" in text or "\uff0b" in text else _MIN_DIGITS
    return _has_digits(text, need)


def _has_digits(text: str, need: int) -> bool:
    """True when *text* holds at least *need* digits (any script's, as phonenumbers reads)."""
    if len(text) <= 4096:
        return len(_NON_DIGITS.sub("", text)) >= need
    return sum(1 for _ in itertools.islice(_DIGIT.finditer(text), need)) >= need


_CACHED_LINE = 1_000


_Numbers = tuple[tuple[tuple[str, int, str], ...], int, int, bool]


@functools.lru_cache(maxsize=4096)
def _line_numbers(line: str) -> _Numbers:
    # Captions repeat lines across channels and lots (the contact line, the steps).
    return _numbers(line, PHONE_CHECKS_PER_LINE, PHONE_CANDIDATES_PER_LINE)


def _numbers(line: str, checks: int, candidates: int) -> _Numbers:
    """The valid numbers in *line* (raw text, offset, national number), the candidates parsed
    and tried, and whether the whole line was searched within *checks* parses and *candidates*
    failed candidates."""
    matcher = _matcher_class()(line, "ID", checks, candidates)
    found = tuple((m.raw_string, m.start, str(m.number.national_number)) for m in matcher)
    # _max_tries: what is left of phonenumbers' own bound on failed candidates.
    left = matcher._max_tries
    return found, matcher.checked, candidates - left, matcher.checked <= checks and left > 0


_LETTER = re.compile(r"[^\W\d_]")
_FIGURE = re.compile(r"\d+(?:\.\d+)*")
_TIME_AFTER = re.compile(r":[0-5]\d")  # phonenumbers' _TIME_STAMPS_SUFFIX
#: Candidates known to hold no number, with what decided it (see QuickMatcher._extract_match).
_NO_NUMBER: dict[tuple[str, bool, bool, bool], None] = {}
_NO_NUMBER_SIZE = 20_000
#: Lines known to hold no number.
_NO_NUMBER_LINES: dict[str, None] = {}


def _short(candidate: str) -> bool:
    """True when *candidate* cannot be a valid number for its digit count alone (letters can
    stand for digits in phonenumbers, so a candidate with any letter is never short)."""
    if _LETTER.search(candidate):
        return False
    return not _may_hold_a_number(candidate)


def _candidate_key(text: str, candidate: str, at: int) -> tuple[str, bool, bool, bool]:
    """What phonenumbers' verdict on a candidate depends on: the candidate, whether the
    character before and after it makes it refuse one (a Latin letter, %, a currency sign) and
    whether ``:dd`` follows (a time). A candidate found to hold no number is remembered under
    this key ("2026 10.00" in every date line of every lot)."""
    end = at + len(candidate)
    return (candidate, _refusing(text, at - 1), _refusing(text, end),
            bool(_TIME_AFTER.match(text, end)))


def _refusing(text: str, at: int) -> bool:
    if at < 0 or at >= len(text):
        return False
    from phonenumbers import PhoneNumberMatcher

    ch = text[at]
    return bool(PhoneNumberMatcher._is_latin_letter(ch)
                or PhoneNumberMatcher._is_invalid_punctuation_symbol(ch))


def _hopeless_figure(candidate: str, key: tuple[str, bool, bool, bool]) -> bool:
    """A figure (digits and dots: ``98.500.000``, ``10.00``) that can be no number: refused
    whole for the letter or currency sign beside it (``Rp98.500.000``) or too short, and its
    only parts, the runs between the dots, too short."""
    return (_FIGURE.fullmatch(candidate) is not None
            and all(len(part) < _MIN_DIGITS for part in candidate.split("."))
            and (key[1] or key[2] or _short(candidate)))


@functools.cache
def _matcher_class() -> type:
    from phonenumbers import PhoneNumberMatcher

    class QuickMatcher(PhoneNumberMatcher):  # type: ignore[misc]
        """phonenumbers' matcher for Indonesia that skips candidates too short to be valid
        (a candidate's parts are shorter still) and stops after *budget* candidates checked."""

        def __init__(self, text: str, region: str, budget: int, tries: int) -> None:
            super().__init__(text, region, max_tries=tries)
            self.budget = budget
            self.checked = 0

        def _extract_match(self, candidate: str, offset: int) -> Any:
            if _short(candidate):
                return None
            key = _candidate_key(self.text, candidate, offset)
            if key in _NO_NUMBER or _hopeless_figure(candidate, key):
                return None
            found = super()._extract_match(candidate, offset)
            if found is None and self._max_tries > 0 and self.checked <= self.budget:
                if len(_NO_NUMBER) >= _NO_NUMBER_SIZE:
                    _NO_NUMBER.clear()
                _NO_NUMBER[key] = None
            return found

        def _parse_and_verify(self, candidate: str, offset: int) -> Any:
            if _short(candidate):
                return None
            self.checked += 1
            if self.checked > self.budget:
                self._max_tries = 0  # ends the matcher's search (phonenumbers' own bound)
                return None
            return super()._parse_and_verify(candidate, offset)

    return QuickMatcher


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def _allowed_numbers(brand: Any) -> frozenset[str]:
    """National numbers of the office's own configured phones (contact, phone, helpline)."""
    return _own_numbers((brand.contact, brand.phone, brand.helpline, brand.website))


@functools.lru_cache(maxsize=64)
def _own_numbers(sources: tuple[str, ...]) -> frozenset[str]:
    from phonenumbers import PhoneNumberMatcher

    allowed: set[str] = set()
    for source in sources:
        if not source:
            continue
        for match in PhoneNumberMatcher(source, "ID"):
            allowed.add(str(match.number.national_number))
        digits = _digits(source)
        if digits:
            allowed.add(digits.lstrip("0").removeprefix("62") if len(digits) > 8 else digits)
    return frozenset(allowed)


# --- e-mail addresses and names ------------------------------------------------------------------


def _emails(plain: str, brand: Any) -> Iterator[Found]:
    own = _own_emails((brand.contact, brand.website, brand.phone)) if brand is not None else ()
    reverse = None
    end = 0  # a match never starts inside the one before (as a left-to-right search)
    for at in _AT.finditer(plain):
        i = at.start()
        if i < end:
            continue
        if reverse is None:
            reverse = plain[::-1]
        # The local part: the run of local-part characters right before the @.
        local = _LOCAL_BACKWARD.match(reverse, len(plain) - i)
        start = max(end, i - (local.end() - local.start())) if local else i
        domain = _DOMAIN.match(plain, i + 1)
        if start == i or domain is None:
            continue
        end = domain.end()
        address = plain[start:end]
        if address.lower() not in own:
            yield Found(EMAIL, address, start, end)


@functools.lru_cache(maxsize=64)
def _own_emails(sources: tuple[str, ...]) -> frozenset[str]:
    return frozenset(e.lower() for source in sources for e in _EMAIL.findall(source or ""))


def _names(plain: str, folded: str) -> Iterator[Found]:
    hits = [pattern.finditer(folded) for pattern in _ATAS_NAMA]
    pending = [next(h, None) for h in hits]
    end = 0
    while any(pending):
        i = min((k for k, m in enumerate(pending) if m), key=lambda k: pending[k].start())
        m = pending[i]
        pending[i] = next(hits[i], None)
        if m.start() < end:
            continue
        end = m.end()
        yield Found(PERSON_NAME, plain[m.start():m.end()], m.start(), m.end())
