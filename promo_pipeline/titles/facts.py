"""Facts read from a lot title: areas, certificates, the number of units or parcels, the
vehicle and the place. Pure.

Precision before coverage: every fact is read from words that are in the title, each with the
snippet it came from (``Facts.evidence``); whatever is ambiguous (two different areas, a
fractional area where whole m² are expected, counts that do not add up, two brands) is left
out rather than guessed. The one conversion is hectares to m² (the contract's unit).

Numbers are read the Indonesian way: ``1.250`` is one thousand two hundred and fifty, ``1,5``
is one and a half; ``7.91`` (two decimals after a dot) is read as a decimal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from promo_pipeline.titles import text, vocab
from promo_pipeline.titles.families import infer_family

_NUM = r"\d{1,3}(?:\.\d{3}){1,4}(?:,\d{1,4})?|\d{1,9}(?:[.,]\d{1,4})?"
_M2 = r"(?:m²|m2|m\s2|mtr2|m\^2|㎡|meter\s+persegi)(?![\w])"
_HA = r"(?:ha|hektar|hektare|hektaré)(?![\w])"
_UNIT = rf"(?P<unit>{_M2}|{_HA})"

# "LT/LB 120/45 m²"
_LT_LB = re.compile(
    rf"(?<![\w])LT\s?/\s?LB\s*[:=]?\s*(?P<lt>{_NUM})\s?(?:{_M2})?\s*/\s*(?P<lb>{_NUM})"
    rf"\s?(?:{_M2})?", re.IGNORECASE)
# "LT 99", "L.T.: 120 m²", "luas tanah 120 m2", "LB 45", "luas bangunan 45 m²"
# Without a unit, only upper-case "LT"/"LB" and 10 or more count: "Lt. 2" is a floor (lantai).
_LT = re.compile(
    rf"(?<![\w])(?P<key>l\.?\s?t\.?|luas\s+tanah)\s*[:=]?\s*(?:±\s?)?(?P<num>{_NUM})"
    rf"\s?{_UNIT}?", re.IGNORECASE)
_LB = re.compile(
    rf"(?<![\w])(?P<key>l\.?\s?b\.?|luas\s+bangunan)\s*[:=]?\s*(?:±\s?)?(?P<num>{_NUM})"
    rf"\s?(?P<unit>{_M2})?", re.IGNORECASE)
# "dengan total luas 385 m²", "seluas 1,5 ha", "luas ± 250 m2", a bare "250 m2"
_LUAS = re.compile(
    rf"(?<![\w])(?:(?:total\s+)?luas(?:\s+total)?|seluas)?\s*[:=]?\s*(?:±\s?|kurang\s+lebih\s+)?"
    rf"(?<![\d.,])(?P<num>{_NUM})\s?{_UNIT}", re.IGNORECASE)
_LAND_SUBJECT = re.compile(
    r"(?<![\w])(?:tanah|lahan|kavling|kaveling|kapling|sawah|kebun|ladang|pekarangan|bidang)"
    r"(?![\w])", re.IGNORECASE)

_CERTIFICATES = re.compile(
    r"(?<![\w])(?:(?P<code>SHMSRS|SHM\s?-\s?SRS|HMSRS|SHM|SHGB|HGB|SHGU|HGU|SHP|SKT|AJB)|"
    r"(?P<long>sertifikat\s+hak\s+milik|sertipikat\s+hak\s+milik|hak\s+milik|"
    r"hak\s+guna\s+bangunan|hak\s+guna\s+usaha|hak\s+pakai)|"
    r"(?P<old>girik|petok\s+d|letter\s+c|letter\s+d))(?![\w])", re.IGNORECASE)
_LONG_CODES = {"sertifikat hak milik": "SHM", "sertipikat hak milik": "SHM", "hak milik": "SHM",
               "hak guna bangunan": "SHGB", "hak guna usaha": "SHGU", "hak pakai": "SHP"}

_COUNT_NOUN = text.count_words(vocab.COUNT_NOUNS)
_COUNT = re.compile(
    rf"(?<![\w.,/])(?:(?P<digits>\d{{1,3}}(?:\.\d{{3}}){{1,2}}|\d{{1,4}})"
    rf"(?:\s?\((?P<words>[A-Za-z -]{{3,60}})\))?|"
    rf"(?P<spelled>satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh))"
    rf"\s+(?P<noun>{_COUNT_NOUN})(?![\w])", re.IGNORECASE)
_TOTAL_CUE = re.compile(r"\W{0,3}(?:\w+\W+){0,5}?(?:berupa|terdiri\s+(?:dari|atas))\b|\s*:",
                        re.IGNORECASE)
_OTHERS_AFTER = re.compile(r"\blainnya\b|\bdll\b|\blain-lain\b", re.IGNORECASE)

_YEAR = re.compile(
    r"(?<![\w])(?:tahun|thn\.?|th\.?)\s*(?:pembuatan|perakitan|produksi)?\s*:?\s*"
    r"(?P<year>19[5-9]\d|20\d\d)(?![\w])", re.IGNORECASE)
_NOT_A_MODEL_YEAR = re.compile(r"(?:pemilu|pemilihan|anggaran|perolehan|ta\.?)\s*$",
                               re.IGNORECASE)
_BARE_YEAR = re.compile(r"^(?:19[5-9]\d|20\d\d)$")


@dataclass(frozen=True)
class Vehicle:
    """Brand (its usual spelling, or the source's own when misspelt), model and year as the
    title gives them; any of them may be None."""

    brand: str | None
    model: str | None
    year: int | None

    def to_json(self) -> dict[str, Any]:
        return {"brand": self.brand, "model": self.model, "year": self.year}


@dataclass(frozen=True)
class Facts:
    """What a title says about the object. ``area_m2`` is an area the title does not call
    land or building ("RUMAH TINGGAL dengan total luas 597 m²"). ``evidence`` maps each fact
    found to the source words it was read from."""

    land_area_m2: int | None = None
    building_area_m2: int | None = None
    area_m2: int | None = None
    certificate: tuple[str, ...] = ()
    units: int | None = None
    vehicle: Vehicle | None = None
    place: str | None = None
    evidence: dict[str, str] = field(default_factory=dict, compare=False)
    #: How the source wrote an area that was not in m² (``{"land_area_m2": "1,5 ha"}``), for
    #: display: a headline shows the source's figure, not a converted one.
    written_areas: dict[str, str] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The contract's ``facts`` object (without ``redactions``, which the caller adds)."""
        return {
            "land_area_m2": self.land_area_m2,
            "building_area_m2": self.building_area_m2,
            "area_m2": self.area_m2,
            "certificate": list(self.certificate),
            "units": self.units,
            "vehicle": self.vehicle.to_json() if self.vehicle else None,
            "place": self.place,
        }


def parse_number(value: str) -> Decimal | None:
    """``"1.250"`` → 1250, ``"1.250,5"`` → 1250.5, ``"1,5"`` → 1.5, ``"7.91"`` → 7.91;
    None when the form is ambiguous (``"1.2345"``)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", value):
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d+", value):
        value = value.replace(",", ".")
    elif not re.fullmatch(r"\d+(?:\.\d{1,2})?", value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _square_metres(number: str, unit: str | None) -> int | None:
    value = parse_number(number)
    if value is None or value <= 0:
        return None
    if unit and re.match(_HA, unit, re.IGNORECASE):
        value *= 10000
    return int(value) if value == value.to_integral_value() else None


def extract_facts(title: str, *, family: str | None = None) -> Facts:
    """The facts of *title* (plain text or the source's HTML). *family*: the lot's art family
    when known (a vehicle is read only from vehicle, heavy-equipment and scrap lots)."""
    prepared = text.prepare(title)
    core, place = text.split_place(prepared)
    prefix = text.lot_prefix(core)
    body = core[len(prefix):]
    evidence: dict[str, str] = {}
    land, building, area, written = _areas(body, evidence)
    certificates = _certificates(body, evidence)
    units = _units(body, evidence)
    if family is None:
        family = infer_family(prepared).family
    vehicle = (_vehicle(body, evidence) if family in
               ("car", "motorcycle", "truck_bus", "heavy_equipment", "scrap") else None)
    if place:
        evidence["place"] = place
    return Facts(land_area_m2=land, building_area_m2=building, area_m2=area,
                 certificate=certificates, units=units, vehicle=vehicle,
                 place=text.place_case(place) if place else None, evidence=evidence,
                 written_areas=written)


def _areas(body: str, evidence: dict[str, str]
           ) -> tuple[int | None, int | None, int | None, dict[str, str]]:
    found: dict[str, set[int]] = {"land": set(), "building": set(), "area": set()}
    snippets: dict[str, str] = {}
    hectares: dict[str, str] = {}
    taken = text.Coverage(len(body))

    def add(kind: str, m: re.Match[str], number: str, unit: str | None) -> None:
        taken.add(m.start(), m.end())
        value = _square_metres(number, unit)
        if value is not None:
            found[kind].add(value)
            snippets.setdefault(kind, " ".join(m.group(0).split()))
            if unit and re.match(_HA, unit, re.IGNORECASE):
                hectares.setdefault(kind, f"{number} {unit}")

    for m in _LT_LB.finditer(body):
        add("land", m, m["lt"], None)
        add("building", m, m["lb"], None)
    for rx, kind in ((_LT, "land"), (_LB, "building")):
        for m in rx.finditer(body):
            if taken.free(m.start(), m.end()) and (
                    m["unit"] or _bare_abbreviation_ok(m["key"], m["num"])):
                add(kind, m, m["num"], m["unit"])
    for m in _LUAS.finditer(body):
        if not taken.free(m.start(), m.end()):
            continue
        clause_start = max(body.rfind(";", max(0, m.start() - 120), m.start()), 0,
                           m.start() - 120)
        kind = "land" if _LAND_SUBJECT.search(body, clause_start, m.start()) else "area"
        add(kind, m, m["num"], m["unit"])
    values: dict[str, int | None] = {}
    written: dict[str, str] = {}
    for kind, name in (("land", "land_area_m2"), ("building", "building_area_m2"),
                       ("area", "area_m2")):
        one = next(iter(found[kind])) if len(found[kind]) == 1 else None
        values[name] = one
        if one is not None:
            evidence[name] = snippets[kind]
            if kind in hectares:
                written[name] = hectares[kind]
    if values["land_area_m2"] is not None and values["area_m2"] is not None:
        # an unqualified area next to a land area is that land area again
        values["area_m2"] = None
        evidence.pop("area_m2", None)
        written.pop("area_m2", None)
    return values["land_area_m2"], values["building_area_m2"], values["area_m2"], written


def _bare_abbreviation_ok(key: str, number: str) -> bool:
    """"LT 99" without a unit is a land area; "Lt. 2" is the second floor."""
    if key.lower().startswith("luas"):
        return True
    value = parse_number(number)
    return key == key.upper() and value is not None and value >= 10


def _certificates(body: str, evidence: dict[str, str]) -> tuple[str, ...]:
    masked = _mask_plates(body)
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _CERTIFICATES.finditer(masked):
        if m["code"]:
            name = re.sub(r"\s", "", m["code"]).upper()
        elif m["long"]:
            name = _LONG_CODES[" ".join(m["long"].lower().split())]
        else:
            name = " ".join(m["old"].split()).title()
        if name not in out:
            out.append(name)
            spans.append(m.span())
    if out:  # the words from the first certificate to the last (or the first alone)
        start, end = spans[0][0], spans[-1][1]
        end = end if end - start <= 120 else spans[0][1]
        evidence["certificate"] = " ".join(body[start:end].split())
    return tuple(out)


def _units(body: str, evidence: dict[str, str]) -> int | None:
    counts = []
    for m in _COUNT.finditer(body):
        if m["digits"]:
            n = int(m["digits"].replace(".", ""))
            if m["words"] is not None and text.number_words(m["words"]) != n:
                if text.number_words(m["words"]) is not None:
                    return None  # "2 (tiga) unit": the title contradicts itself
        else:
            n = text.number_words(m["spelled"]) or 0
        if n > 0:
            counts.append((n, m))
    if not counts:
        return None
    n, first = counts[0]
    if len(counts) > 1 and not _TOTAL_CUE.match(body, first.end()):
        return None  # "1 unit motor grader dan 1 unit bulldozer": a package, not one count
    if _OTHERS_AFTER.search(body, first.end()):
        return None  # "8 kendaraan bermotor dan barang bergerak lainnya"
    evidence["units"] = " ".join(first.group(0).split())
    return n


def _mask_plates(body: str, fill: str = " ") -> str:
    chars = list(body)
    for start, end in text.plate_spans(body):
        chars[start:end] = fill * (end - start)
    return "".join(chars)


def _vehicle(body: str, evidence: dict[str, str]) -> Vehicle | None:
    masked = _mask_plates(body, "\0")
    brands: dict[str, re.Match[str]] = {}
    for rx in (vocab.BRAND, vocab.BRAND_TYPOS):
        for m in rx.finditer(masked):
            key = vocab.brand_key(m["brand"]) or _typo_key(m["brand"])
            brands.setdefault(key, m)
    if len(brands) != 1:
        return None
    key, m = next(iter(brands.items()))
    written = " ".join(m["brand"].split())
    brand = vocab.BRANDS[key][0] if vocab.brand_key(written) == key else written.capitalize()
    model, model_year, end = _model_after(masked, m.end())
    year = model_year or _year(body)
    evidence["vehicle"] = " ".join(body[m.start():end].split())
    return Vehicle(brand=brand, model=model, year=year)


def _typo_key(written: str) -> str:
    low = written.lower()
    for prefix, key in (("mitsu", "MITSUBISHI"), ("toyo", "TOYOTA"), ("daiha", "DAIHATSU"),
                        ("suzu", "SUZUKI"), ("yama", "YAMAHA")):
        if low.startswith(prefix):
            return key
    return written.upper()


_MODEL_TOKEN = re.compile(r"[^\s]+")


def _model_after(masked: str, start: int) -> tuple[str | None, int | None, int]:
    """(model, year, end offset) of the words after a brand: up to a colour, year cue, plate,
    bracket, joining word, comma or six words. A brand followed by a comma takes the next
    segment ("Mitsubihi, Colt Diesel, FE 74" → "Colt Diesel")."""
    lead = re.compile(r"[\s,:/]*").match(masked, start)
    pos = lead.end() if lead else start
    words: list[str] = []
    end = start
    for m in _MODEL_TOKEN.finditer(masked, pos, min(len(masked), pos + 160)):
        raw = m.group(0)
        if "\0" in raw or raw.startswith(("(", "[", ";")) or raw in ("-", "–"):
            break
        word = raw.rstrip(",;:")
        if word.lower() in vocab.MODEL_STOPS or word.lower().rstrip(".") in vocab.MODEL_STOPS:
            break
        if "(" in word:
            word = word[:word.index("(")]
            if word:
                words.append(word)
                end = m.start() + len(word)
            break
        words.append(word)
        end = m.start() + len(word)
        if raw != word or len(words) >= 6:
            break
    while words and words[-1] in ("/", "-", "&"):
        words.pop()
    year = None
    if words and _BARE_YEAR.match(words[-1]):
        year = int(words.pop())
    model = " ".join(words).strip(" /-") or None
    return model, year, max(end, start)


def _year(body: str) -> int | None:
    years = set()
    for m in _YEAR.finditer(body):
        if not _NOT_A_MODEL_YEAR.search(body[max(0, m.start() - 15):m.start()]):
            years.add(int(m["year"]))
    return years.pop() if len(years) == 1 else None
