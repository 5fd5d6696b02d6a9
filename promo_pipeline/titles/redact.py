"""Personal data kept out of posts: phone/SIM numbers, NIK-like numbers, e-mail addresses and
natural persons' names after "a.n." / "an." / "a/n" / "atas nama". Pure.

:func:`redact` removes them and lists what it removed (the exact text, so the review page can
show it and a check can prove no post carries it); :func:`scrub` removes already-known
redacted texts from another text (a caption, an item description) and anything new it finds;
:func:`leaks` says which redacted texts a text still contains (for the lint).

What stays, on purpose:

- the office's own phone numbers (passed in as ``office_phones``);
- numbers that identify the auctioned object — licence plates, chassis ("rangka", also called
  NIK = Nomor Identifikasi Kendaraan), engine ("mesin"), IMEI, certificate, NIB/NOP and BPKB
  numbers: a digit run right after such a word is never taken for a phone or a NIK;
- names of legal entities after "a.n." ("a.n. PT Bank …", "a.n. Pemerintah Kabupaten …",
  "a.n. Koperasi …"): UU 27/2022 protects natural persons, and the owner of record of a seized
  or state asset is often an institution the post may name;
- words after "atas nama" that are not a name ("atas nama Anda", "atas nama sendiri",
  "atas nama penjual" with no name).

Landline numbers are taken only with a cue ("telp", "HP", "WA", "hubungi", …) or in the
``(0xxx) …`` form; mobile numbers (08…, +62 8…, 62 8…) always.

A removed name is removed wherever else it occurs in the text (whole words, any case), so
the result carries none of the listed texts. Every pattern is linear (bounded quantifiers, no
nesting); the result is idempotent: ``redact(redact(t).text)`` finds nothing more. Line breaks
are kept (captions are multi-line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("phone", "nik", "email", "person_name")


@dataclass(frozen=True)
class Redaction:
    """One removed piece of personal data: its kind and the exact text removed (for a name,
    the name itself, without the "a.n." in front of it)."""

    kind: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Redacted:
    """A text with personal data removed, and what was removed (in order of appearance)."""

    text: str
    redactions: tuple[Redaction, ...] = ()


# --- detectors ----------------------------------------------------------------------------------

# Digit groups of three to five, so a separate "1" after a number is never taken with it.
_MOBILE = re.compile(
    r"(?<![\w+])(?:\(\s?(?:\+62|62|0)\s?8[1-9]\d{1,2}\)|(?:\(\+62\)|\+62|62|0)[ .-]?8[1-9]\d{1,2})"
    r"(?:[ .-]?\d{3,5}){1,3}(?![\w])")
_LANDLINE = re.compile(
    r"(?<![\w+])(?:\(0[2-9]\d{1,3}\)|(?:\+62|62|0)[2-7]\d{1,3})(?:[ .-]?\d{3,5}){1,2}(?![\w])")
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
# "nomor", "HP", "NIK", "telp." right before a removed number go with it.
_NUMBER_LABEL = re.compile(
    r"(?<![\w.])(?:(?:nomor|nomer|no\.?|nmr)\s+)?(?:(?:hp|telp|tlp|telepon|telpon|wa|whatsapp|"
    r"ponsel|nik|ktp|sim|kontak|fax|faks)\.?|nomor|nomer|no\.|nmr)\s?[:.]?\s?$",
    re.IGNORECASE)
_EMAIL = re.compile(r"[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}")
_LOCAL_PART = re.compile(r"[\w.%+-]")

_MARKER = re.compile(r"(?<![\w.])(?:a\.\s?n\.?|a\s?/\s?n|an\.|atas\s+nama)(?![\w])\s?:?",
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
    "sendiri "
    "peserta pemenang pembeli kuasa orang perorangan pribadi tersebut bersangkutan pihak negeri "
    "republik provinsi kabupaten kota desa kelurahan kecamatan pemenang".split())
# A name ends at these words.
_NAME_STOPS = frozenset(
    "dengan dan di yang nomor no no. nopol tahun thn warna beserta berikut serta untuk sebagai "
    "selaku alamat beralamat nik ktp stnk bpkb sertifikat sertipikat shm shgb hgb luas seluas "
    "berupa terletak jl jl. jalan rt rw desa kel kel. kec kec. kota kab kab. kabupaten provinsi "
    "lot unit merk merek type tipe tanggal tgl total yg dgn tsb tersebut sesuai a.n. an. atas pada "
    "ke dari oleh eks ex milik sejumlah sebanyak kondisi keadaan".split())
_PARTICLES = frozenset({"bin", "binti", "van", "de", "al", "el"})


def _office_numbers(office_phones: Iterable[str]) -> set[str]:
    return {phone_key(p) for p in office_phones if phone_key(p)}


def phone_key(number: str) -> str:
    """The national significant digits of an Indonesian number: ``+62 812-3456-789``,
    ``0812 3456 789`` and ``62812345678 9`` all give ``8123456789``."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("62"):
        digits = digits[2:]
    return digits.lstrip("0")


_WORD = re.compile(r"[^\W_][\w.'’-]{0,40}")


def _name_occurrences(text: str, names: set[tuple[str, ...]]
                      ) -> list[tuple[int, int, Redaction, int]]:
    """Other occurrences of names already removed ("a.n. BUDI SANTOSO … pemilik Budi
    Santoso"): whole words, any case, in one pass over the words of *text*."""
    if not names:
        return []
    longest = max(len(n) for n in names)
    words = [(m.start(), m.end(), m.group(0).rstrip(".").casefold())
             for m in _WORD.finditer(text)]
    found = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            key = tuple(w[2] for w in words[i:i + size])
            if key in names:
                start, end = words[i][0], words[i + size - 1][1]
                found.append((start, end, Redaction("person_name", text[start:end]), start))
                i += size - 1
                break
        i += 1
    return found


def _name_key(name: str) -> tuple[str, ...]:
    return tuple(m.group(0).rstrip(".").casefold() for m in _WORD.finditer(name))


def _spans(text: str, office: set[str], names: set[tuple[str, ...]] | None = None,
           numbers: set[str] | None = None) -> list[tuple[int, int, Redaction, int]]:
    """(start, end, redaction, removal start) of every piece of personal data in *text*.
    *names* and *numbers*: already removed elsewhere, so removed wherever they occur."""
    found: list[tuple[int, int, Redaction, int]] = _name_occurrences(text, names or set())
    known = numbers or set()

    def object_number(start: int, number: str) -> bool:
        if phone_key(number) in known:
            return False
        return bool(_OBJECT_CUE.search(text, max(0, start - 40), start))

    def with_label(start: int) -> int:
        label = _NUMBER_LABEL.search(text, max(0, start - 24), start)
        return label.start() if label else start

    for m in _MOBILE.finditer(text):
        if not 9 <= len(phone_key(m.group(0))) <= 12:
            continue
        if not object_number(m.start(), m.group(0)) and phone_key(m.group(0)) not in office:
            found.append((m.start(), m.end(), Redaction("phone", m.group(0)),
                          with_label(m.start())))
    for m in _LANDLINE.finditer(text):
        cued = m.group(0).startswith("(") or _PHONE_CUE.search(
            text, max(0, m.start() - 24), m.start())
        if (cued and not object_number(m.start(), m.group(0))
                and phone_key(m.group(0)) not in office):
            found.append((m.start(), m.end(), Redaction("phone", m.group(0)),
                          with_label(m.start())))
    for m in _NIK.finditer(text):
        if not object_number(m.start(), m.group(0)):
            found.append((m.start(), m.end(), Redaction("nik", m.group(0)),
                          with_label(m.start())))
    last_end = -1
    for m in _EMAIL.finditer(text):
        start = m.start()
        while start > 0 and start - 1 > last_end and _LOCAL_PART.match(text[start - 1]):
            start -= 1  # a local part longer than the pattern's bound
        last_end = m.end()
        found.append((start, m.end(), Redaction("email", text[start:m.end()]), start))
    for m in _MARKER.finditer(text):
        name = _name_after(text, m.end())
        if name:
            s, e = name
            found.append((s, e, Redaction("person_name", text[s:e]), m.start()))
    return found


def _name_after(text: str, pos: int) -> tuple[int, int] | None:
    """Span of the natural person's name after an "a.n." marker, or None."""
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
    if i < len(words) and words[i].lower().rstrip(".,") in _NOT_A_PERSON | {
            w.rstrip(".") for w in _NOT_A_PERSON}:
        return None
    start_i = i
    end_i = i
    while end_i < len(words) and end_i - start_i < 5:
        w = words[end_i]
        bare = w.rstrip(".")
        low = w.lower()
        if low in _NAME_STOPS or low.rstrip(".") in _NAME_STOPS or any(c.isdigit() for c in w):
            break
        if not all(c.isalpha() or c in ".'’-" for c in w):
            break
        if low in _PARTICLES and end_i > start_i:
            end_i += 1
            continue
        if not (_HONORIFIC.match(bare) or bare[:1].isalpha()):
            break
        end_i += 1
    while end_i > start_i and words[end_i - 1].lower() in _PARTICLES:
        end_i -= 1
    if end_i == start_i:
        return None
    if all(_HONORIFIC.match(w.rstrip(".")) for w in words[start_i:end_i]):
        return None
    return tokens[start_i].start(), tokens[end_i - 1].end()


# --- removing ---------------------------------------------------------------------------------


def _join(left: str, right: str) -> str:
    """Glue the text on both sides of a removed span: one space, no space before punctuation,
    no doubled comma, no empty brackets; line breaks kept."""
    left = left.rstrip(" \t")
    right = right.lstrip(" \t")
    while left.endswith(("(", "[")) and right.startswith((")", "]")):
        left, right = left[:-1].rstrip(" \t"), right[1:].lstrip(" \t")
    if not left or not right or left.endswith("\n") or right.startswith("\n"):
        return left + right
    if left[-1] in ",;:" and right[0] in ",;:.":
        right = right[1:].lstrip(" \t")
        if not right:
            return left.rstrip(",;:")
    if right[0] in ",;:.!?)]":
        return left + right
    return left + " " + right


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    """*text* without the (sorted, disjoint) *spans*, the pieces glued by :func:`_join`."""
    if not spans:
        return text
    out = text[:spans[0][0]]
    for i, (_, end) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        out = _join(out, text[end:nxt])
    return out


def redact(text: str, *, office_phones: Iterable[str] = ()) -> Redacted:
    """*text* without personal data, and the list of what was removed."""
    office = _office_numbers(office_phones)
    removed: dict[Redaction, None] = {}  # ordered set
    names: set[tuple[str, ...]] = set()
    numbers: set[str] = set()
    for _ in range(8):  # removing a span can join two pieces into a new one; settles fast
        found = _spans(text, office, names, numbers)
        if not found:
            break
        for f in sorted(found, key=lambda f: f[3]):
            key = _name_key(f[2].text) if f[2].kind == "person_name" else ()
            if key and key in names:
                continue  # another occurrence of a name already listed
            removed.setdefault(f[2], None)
            if key:
                names.add(key)
            elif f[2].kind in ("phone", "nik"):
                numbers.add(phone_key(f[2].text))
        # Overlapping finds ("a.n. BUDI" inside a longer find) are removed as one span.
        spans: list[tuple[int, int]] = []
        for start, end in sorted((f[3], f[1]) for f in found):
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        text = _remove(text, spans)
    return Redacted(text, tuple(removed))


def scrub(text: str, redactions: Iterable[Redaction], *,
          office_phones: Iterable[str] = ()) -> Redacted:
    """*text* without the already-known redacted texts (wherever they occur, in any case and
    spacing, a name with the "a.n." before it) and without any personal data of its own."""
    spans = []
    known: list[Redaction] = []
    for r in redactions:
        for m in _known(r).finditer(text):
            spans.append(m.span())
            if r not in known:
                known.append(r)
    if spans:
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        text = _remove(text, merged)
    fresh = redact(text, office_phones=office_phones)
    return Redacted(fresh.text, tuple(known) + tuple(
        r for r in fresh.redactions if r not in known))


def _known(r: Redaction) -> re.Pattern[str]:
    if r.kind in ("phone", "nik"):
        digits = re.sub(r"\D", "", r.text)
        core = phone_key(r.text) if r.kind == "phone" else digits
        body = r"[ \t.\-()]{0,2}".join(re.escape(d) for d in core)
        prefix = r"(?:\(?\+?62\)?|\(?0\)?)?[ \t.-]?" if r.kind == "phone" else ""
        return re.compile(rf"(?<!\d){prefix}{body}(?!\d)")
    body = r"\s+".join(re.escape(w) for w in r.text.split())
    if r.kind == "person_name":
        return re.compile(rf"(?:{_MARKER.pattern}\s?)?(?<![\w]){body}(?![\w])", re.IGNORECASE)
    return re.compile(rf"(?<![\w.%+-]){body}(?![\w])", re.IGNORECASE)


def leaks(text: str, redactions: Iterable[Redaction]) -> list[Redaction]:
    """The redactions whose text *text* still carries (any case or spacing; a phone number
    in any of its written forms)."""
    return [r for r in redactions if _known(r).search(text)]
