"""What is personal data in a text: the one rule the title reading and the caption lint share.

Phone/SIM numbers, NIK-like numbers, e-mail addresses and natural persons' names after "a.n." /
"an." / "a/n" / "atas nama" (issue 10). :func:`find` lists them; the title reading
(:mod:`promo_pipeline.titles.redact`) removes what it finds, and the caption lint
(:mod:`promo_pipeline.captions.checks`) warns about what it finds, so what one removes the other
flags and what one keeps the other lets through. Pure; stdlib only.

What is not personal data, on purpose:

- the office's own contacts (``brand.phone``, ``contact``, ``helpline``, ``website``: every
  phone number and e-mail address in them; issue 16), passed in as *own*;
- numbers that identify the auctioned object — licence plates, chassis ("rangka", also called
  NIK = Nomor Identifikasi Kendaraan), engine ("mesin"), IMEI, certificate, NIB/NOP and BPKB
  numbers: a digit run right after such a word is never taken for a phone or a NIK;
- names of legal entities after "a.n." ("a.n. PT Bank …", "a.n. Pemerintah Kabupaten …",
  "a.n. Koperasi …"): UU 27/2022 protects natural persons, and the owner of record of a seized
  or state asset is often an institution the post may name;
- words after "atas nama" that are not a name ("atas nama Anda", "atas nama sendiri",
  "atas nama penjual" with no name).

Landline numbers are taken only with a cue ("telp", "HP", "WA", "hubungi", …) or in the
``(0xxx) …`` form; mobile numbers (08…, +62 8…, 62 8…) and numbers with another country code
(+1 …, +65 …) always.

No piece of personal data, and no cue, label or marker of one, spans a line break: a text is
searched line by line, and a line's hits are remembered (captions repeat lines). Every search
takes time linear in the text (a reviewer's edit may be megabytes long; issue 12):
bounded quantifiers without nesting, look-behinds of fixed width, context windows of fixed size
around a candidate, and a name read from at most a few words after its marker.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

NIK = "nik"
PHONE = "phone"
EMAIL = "email"
PERSON_NAME = "person_name"
#: The kinds :func:`find` reports, in its order.
KINDS = (NIK, PHONE, EMAIL, PERSON_NAME)
#: The kind of the item that ends a kind's hits when :func:`find` stopped early (its ``text``
#: is the kind that was cut short).
MORE = "more"


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind, the text as written and where it is; *cut*: where
    removing it starts (a label such as "NIK" or "HP", or the "a.n." before a name, goes too)."""

    kind: str
    text: str
    start: int
    end: int
    cut: int


# Digit groups of three to five, so a separate "1" after a number is never taken with it.
_MOBILE_HEAD = (r"(?<![\w+])(?:\(\s?(?:\+62|62|0)\s?8[1-9]\d{1,2}\)"
                r"|(?:\(\+62\)|\+62|62|0)[ .-]?8[1-9]\d{1,2})")
_MOBILE = re.compile(_MOBILE_HEAD + r"(?:[ .-]?\d{3,5}){1,3}(?![\w])")
# The same with exactly 3, 2 or 1 groups: "0813-9999-8888 0374" is 0813-9999-8888 and a figure.
_MOBILE_GROUPS = tuple(re.compile(_MOBILE_HEAD + rf"(?:[ .-]?\d{{3,5}}){{{n}}}(?![\w])")
                       for n in (3, 2, 1))
_LANDLINE = re.compile(
    r"(?<![\w+])(?:\(0[2-9]\d{1,3}\)|(?:\+62|62|0)[2-7]\d{1,3})(?:[ .-]?\d{3,5}){1,2}(?![\w])")
# Another country's number: written with its "+" code (Indonesia's are the two above).
_FOREIGN = re.compile(
    r"(?<![\w+])\+(?!62)[1-9]\d{0,2}(?:[ .-]?\(?\d{2,4}\)?){2,5}(?![\w]|[.-]\d)")
_PHONE_CUE = re.compile(
    r"(?:telp|tel|telepon|telpon|tlp|hp|handphone|wa|whatsapp|fax|faks|faksimili|hubungi|"
    r"kontak|contact|cp|sms|nomor\s+(?:hp|telepon|wa|ponsel))\.?\s*[:.]?\s*$", re.IGNORECASE)
_NIK = re.compile(
    r"(?<![\w.,/])(?:\d{16}|\d{4}([ .-])\d{4}\1\d{4}\1\d{4}|\d{6}([ .-])\d{6}\2\d{4})"
    r"(?![\w]|[.,/]\d)")
# A digit run right after one of these words identifies the object, not a person.
_OBJECT_CUE = re.compile(
    r"(?:rangka|mesin|noka|nosin|chassis|chasis|sasis|engine|vin|imei\s?\d?|nib|nop|"
    r"sertifikat|sertipikat|shm|shgb|hgb|shgu|hgu|bpkb|register|registrasi|seri|serial|"
    r"s/n|sn|imb|pbg|spptnjop|sppt|nup|kode\s+barang|kontrak)\b[^\n]{0,14}$", re.IGNORECASE)
# "nomor", "HP", "NIK", "telp." right before a number go with it.
_NUMBER_LABEL = re.compile(
    r"(?<![\w.])(?:(?:nomor|nomer|no\.?|nmr)\s+)?(?:(?:hp|telp|tlp|telepon|telpon|wa|whatsapp|"
    r"ponsel|nik|ktp|sim|kontak|fax|faks)\.?|nomor|nomer|no\.|nmr)\s?[:.]?\s?$",
    re.IGNORECASE)
_EMAIL = re.compile(r"[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}")
_LOCAL_PART = re.compile(r"[\w.%+-]")

MARKER = re.compile(r"(?<![\w.])(?:a\.\s?n\.?|a\s?/\s?n|an\.|atas\s+nama)(?![\w])\s?:?",
                    re.IGNORECASE)
_NAME_TOKEN = re.compile(r"[^\s,;:()\[\]]{1,40}")
_HONORIFIC = re.compile(
    r"^(?:h|hj|dr|drs|dra|ir|prof|sdr|sdri|bpk|bp|ny|nn|tn|se|sh|mm|mh|spd|skm|amd|s\.\w{1,3})"
    r"\.?$", re.IGNORECASE)
# Words between the marker and the name: roles and relations, skipped.
_ROLES = frozenset(
    "penjual pemilik debitur debitor debitor/pemilik nasabah pemohon tergugat terpidana terdakwa "
    "termohon tersangka saudara saudari sdr sdr. sdri sdri. bapak ibu bpk bpk. pak bu alm alm. "
    "almarhum almarhumah ahli waris suami istri isteri anak pemegang hak".split())
# After the marker, these mean "not a person": nothing is removed.
_NOT_A_PERSON = frozenset(
    "pt pt. cv cv. ud ud. koperasi kud yayasan firma fa fa. perum perumda pd pemerintah pemkab "
    "pemkot pemprov pemda setda dinas kantor badan kementerian kemenkeu bank negara satker rsud "
    "puskesmas sekolah universitas polres polri polda polsek tni kejaksaan kejari pengadilan "
    "masjid gereja kpknl djkn lembaga persero bumn bumd instansi perusahaan perseroan anda kamu "
    "sendiri diri "
    "peserta pemenang pembeli kuasa orang perorangan pribadi tersebut bersangkutan pihak negeri "
    "republik provinsi kabupaten kota desa kelurahan kecamatan pemenang".split())
_NOT_A_PERSON_BARE = _NOT_A_PERSON | {w.rstrip(".") for w in _NOT_A_PERSON}
# A name ends at these words.
_NAME_STOPS = frozenset(
    "dengan dan di yang nomor no no. nopol tahun thn warna beserta berikut serta untuk sebagai "
    "selaku alamat beralamat nik ktp stnk bpkb sertifikat sertipikat shm shgb hgb luas seluas "
    "berupa terletak jl jl. jalan rt rw desa kel kel. kec kec. kota kab kab. kabupaten provinsi "
    "lot unit merk merek type tipe tanggal tgl total yg dgn tsb tersebut sesuai a.n. an. atas pada "
    "ke dari oleh eks ex milik sejumlah sebanyak kondisi keadaan".split())
_PARTICLES = frozenset({"bin", "binti", "van", "de", "al", "el"})


def phone_key(number: str) -> str:
    """The national significant digits of an Indonesian number: ``+62 812-3456-789``,
    ``0812 3456 789`` and ``62812345678 9`` all give ``8123456789``."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("62"):
        digits = digits[2:]
    return digits.lstrip("0")


@dataclass(frozen=True)
class Own:
    """The office's own contacts: phone keys (:func:`phone_key`) and e-mail addresses."""

    numbers: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=64)
def own_contacts(sources: tuple[str, ...]) -> Own:
    """The numbers and e-mail addresses in the office's contact texts (each number written in
    them, and all the digits of a text that is one number); :attr:`Brand.office_phones`."""
    numbers: set[str] = set()
    emails: set[str] = set()
    for source in sources:
        if not source:
            continue
        key = phone_key(source)
        if key:
            numbers.add(key)
        for pattern in (_MOBILE, _LANDLINE, _FOREIGN):
            numbers.update(phone_key(m.group(0)) for m in pattern.finditer(source))
        emails.update(e.lower() for e in _EMAIL.findall(source))
    return Own(frozenset(numbers), frozenset(emails))


def find(text: str, own: Iterable[str] = (), *, limit: int | None = None,
         max_hits: int | None = None, skip: Sequence[tuple[int, int]] = ()) -> list[Found]:
    """Personal data in *text*, by kind (:data:`KINDS`), each kind in text order.

    *own*: the office's contact texts (never personal data). *limit*: stop a kind after that
    many different texts; *max_hits*: after that many hits; a kind that stopped early ends with
    ``Found(MORE, kind, …)``. *skip*: spans not searched (links: a lot URL's digits are no NIK),
    blanked with spaces so positions stay those of *text*.
    """
    text = _blank(text, skip)
    out: list[Found] = []
    for kind, hits in iter_kinds(text, own_contacts(tuple(own))):
        texts: set[str] = set()
        for n, hit in enumerate(hits, 1):
            if ((max_hits is not None and n > max_hits)
                    or (limit is not None and len(texts) >= limit and hit.text not in texts)):
                out.append(Found(MORE, kind, hit.start, hit.end, hit.start))
                break
            texts.add(hit.text)
            out.append(hit)
    return out


def iter_kinds(text: str, own: Own, numbers: frozenset[str] = frozenset()
               ) -> list[tuple[str, Iterator[Found]]]:
    """Each kind with a lazy iterator of its hits in text order. *numbers*: phone keys already
    taken as personal data elsewhere (then no object word before them saves them)."""
    return [(kind, _hits(text, kind, own, numbers)) for kind in KINDS]


#: Lines up to this long have their hits remembered (captions repeat lines across channels
#: and lots: the contact line, the steps, the anti-fraud line).
_CACHED_LINE = 1_000
_LINE = re.compile(r"[^\n]+")
_DIGIT = re.compile(r"\d")


def _hits(text: str, kind: str, own: Own, known: frozenset[str]) -> Iterator[Found]:
    # No piece of personal data, and no cue, label or marker of one, spans a line break.
    for m in _LINE.finditer(text):
        line, at = m.group(), m.start()
        if not _may_hold(kind, line):
            continue
        hits: Iterable[Found] = (_line_hits(line, kind, own, known) if len(line) <= _CACHED_LINE
                                 else _find_in_line(line, kind, own, known))
        for f in hits:
            yield Found(f.kind, f.text, f.start + at, f.end + at, f.cut + at) if at else f


def _may_hold(kind: str, line: str) -> bool:
    if kind == EMAIL:
        return "@" in line
    if kind == PERSON_NAME:
        return "n" in line or "N" in line  # every marker has one
    return _DIGIT.search(line) is not None


@functools.lru_cache(maxsize=8192)
def _line_hits(line: str, kind: str, own: Own, known: frozenset[str]) -> tuple[Found, ...]:
    return tuple(_find_in_line(line, kind, own, known))


def _find_in_line(line: str, kind: str, own: Own, known: frozenset[str]) -> Iterator[Found]:
    if kind == NIK:
        return _niks(line, known)
    if kind == PHONE:
        return _phones(line, own, known)
    if kind == EMAIL:
        return _emails(line, own)
    return _names(line)


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], " " * (end - start)]
        at = end
    return "".join([*parts, text[at:]])


def _object_number(text: str, start: int, number: str, known: frozenset[str]) -> bool:
    if phone_key(number) in known:
        return False
    return bool(_OBJECT_CUE.search(text, max(0, start - 40), start))


def _with_label(text: str, start: int) -> int:
    label = _NUMBER_LABEL.search(text, max(0, start - 24), start)
    return label.start() if label else start


def _phones(text: str, own: Own, known: frozenset[str]) -> Iterator[Found]:
    def mobile() -> Iterator[re.Match[str]]:
        pos = 0
        while (m := _MOBILE.search(text, pos)) is not None:
            # The longest reading with a mobile number's length (a following figure or number
            # is not part of it, and a number right after is still searched).
            fits = [g for g in (p.match(text, m.start()) for p in (_MOBILE, *_MOBILE_GROUPS))
                    if g is not None and 9 <= len(phone_key(g.group(0))) <= 12]
            if fits:
                yield fits[0]
                pos = fits[0].end()
            else:
                pos = m.start() + 1

    def landline() -> Iterator[re.Match[str]]:
        for m in _LANDLINE.finditer(text):
            if m.group(0).startswith("(") or _PHONE_CUE.search(text, max(0, m.start() - 24),
                                                               m.start()):
                yield m

    def foreign() -> Iterator[re.Match[str]]:
        for m in _FOREIGN.finditer(text):
            if 7 <= len(re.sub(r"\D", "", m.group(0))) <= 15:
                yield m

    last = -1
    for m in heapq.merge(mobile(), landline(), foreign(), key=lambda m: m.start()):
        number = m.group(0)
        if (m.start() < last or phone_key(number) in own.numbers
                or _object_number(text, m.start(), number, known)):
            continue
        last = m.end()
        yield Found(PHONE, number, m.start(), m.end(), _with_label(text, m.start()))


def _niks(text: str, known: frozenset[str]) -> Iterator[Found]:
    for m in _NIK.finditer(text):
        if not _object_number(text, m.start(), m.group(0), known):
            yield Found(NIK, m.group(0), m.start(), m.end(), _with_label(text, m.start()))


def _emails(text: str, own: Own) -> Iterator[Found]:
    last_end = -1
    for m in _EMAIL.finditer(text):
        start = m.start()
        while start > 0 and start - 1 > last_end and _LOCAL_PART.match(text[start - 1]):
            start -= 1  # a local part longer than the pattern's bound
        last_end = m.end()
        address = text[start:m.end()]
        if address.lower() not in own.emails:
            yield Found(EMAIL, address, start, m.end(), start)


def _names(text: str) -> Iterator[Found]:
    end = 0
    for m in MARKER.finditer(text):
        if m.start() < end:
            continue
        name = name_after(text, m.end())
        if name:
            s, end = name
            yield Found(PERSON_NAME, text[s:end], s, end, m.start())


def name_after(text: str, pos: int) -> tuple[int, int] | None:
    """Span of the natural person's name after an "a.n." marker ending at *pos*, or None."""
    tokens: list[re.Match[str]] = []
    last = pos
    for m in _NAME_TOKEN.finditer(text, pos, min(len(text), pos + 240)):
        gap = text[last:m.start()]
        allowed = " \t:" if not tokens else " \t"
        if any(c not in allowed for c in gap):
            break  # punctuation or a line break ends the name
        tokens.append(m)
        last = m.end()
        if len(tokens) >= 9:
            break
    words = [t.group(0) for t in tokens]
    i = 0
    while i < len(words) and words[i].lower().rstrip(",") in _ROLES:
        i += 1
    if i < len(words) and words[i].lower().rstrip(".,") in _NOT_A_PERSON_BARE:
        return None
    start_i = end_i = i
    while end_i < len(words) and end_i - start_i < 5:
        w = words[end_i]
        low = w.lower()
        if low in _NAME_STOPS or low.rstrip(".") in _NAME_STOPS or any(c.isdigit() for c in w):
            break
        if not all(c.isalpha() or c in ".'’-" for c in w):
            break
        if low in _PARTICLES and end_i > start_i:
            end_i += 1
            continue
        if not (_HONORIFIC.match(w.rstrip(".")) or w[:1].isalpha()):
            break
        end_i += 1
    while end_i > start_i and words[end_i - 1].lower() in _PARTICLES:
        end_i -= 1
    if end_i == start_i or all(_HONORIFIC.match(w.rstrip(".")) for w in words[start_i:end_i]):
        return None
    return tokens[start_i].start(), tokens[end_i - 1].end()
