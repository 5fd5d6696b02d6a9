"""The headline on an image and the cleaned full title for captions and the review page. Pure.

- :func:`clean_title`: the whole title, readable — sentence case when the source shouts (plates,
  codes, acronyms, brands, models and the place keep their case), whitespace and stray
  punctuation tidied, nothing reworded or invented.
- :func:`headline`: at most :data:`HEADLINE_MAX` characters, built from the facts the way a
  designer would ("Tanah & bangunan · LT 120 m² · Kota Jambi", "Toyota Hilux Double Cabin
  2011"), else the cleaned title without its count ("1 (satu) unit"), lot number and place,
  cut at a word boundary. Every digit in a headline is a digit of the title.
"""

from __future__ import annotations

import re

from promo_pipeline.titles import text, vocab
from promo_pipeline.titles.facts import Facts
from promo_pipeline.titles.families import LABELS

HEADLINE_MAX = 60
#: The headline of a title with nothing readable in it (and no family label).
FALLBACK = "Objek lelang"
_DOT = " · "

_VEHICLE_FAMILIES = frozenset({"car", "motorcycle", "truck_bus", "heavy_equipment"})
# "1 (satu) unit", "1 Unit", "Satu paket", "Dijual 1 Paket", "1 (satu)": the count a headline
# drops.
_LEAD_COUNT = re.compile(
    r"^(?:dijual\s+)?(?:(?:1|satu)\s*(?:\(\s*satu\s*\)\s*)?"
    r"(?:unit|uniit|unt|paket|set|lot|buah)?\b\.?\s*)", re.IGNORECASE)
_NUMBER_IN_WORDS = re.compile(r"(?<=\d)\s?\((?:[A-Za-z]+[ -]?){1,8}\)")
# Where a vehicle description stops being the name of the vehicle.
_VEHICLE_TAIL = re.compile(
    r"(?:,?\s+(?:warna|wama|dengan|nomor\s+polisi|no\.?\s*pol\.?|nopol|tahun|yang|beserta|"
    r"terpasang|kombinasi|stnk|bpkb)\b|,)", re.IGNORECASE)
_GENERATED_LAND = re.compile(r"^\d{1,4}\s+bidang\s+tanah\b", re.IGNORECASE)
# A subject ends where its measurements, certificate or description begin.
_SUBJECT_END = re.compile(
    r"\s(?:dengan|luas|seluas|LT|LB|L\.T\.?|L\.B\.?|SHM|SHGB|HGB|SHGU|HGU|sertifikat|no\.?|"
    r"nomor|di|berikut)\b|\s?\d|[,;(]", re.IGNORECASE)


def clean_title(title: str, *, facts: Facts | None = None) -> str:
    """The full title, tidied and in reading case (see the module docstring)."""
    prepared = text.tidy(text.prepare(title))
    return _reading_case(prepared, facts)


def _reading_case(value: str, facts: Facts | None) -> str:
    """Sentence case when the title (without the place lelang.go.id appends in mixed case)
    shouts; the place itself in place case ("DI KAB. BURU" → "di Kab. Buru")."""
    core, place = text.split_place(value)
    if not text.is_shouting(core):
        return text.sentence_case(value, shouting=False)
    place = place or (facts.place if facts else None)
    proper: list[tuple[int, int]] = []
    if place:
        for word in place.split()[1:]:  # "UPT JAMBI … di Kota Jambi": the place's own words
            if len(word) > 3:
                proper += [m.span() for m in re.finditer(
                    rf"(?<![\w]){re.escape(word)}(?![\w])", core, re.IGNORECASE)]
    if facts and facts.vehicle and facts.vehicle.model:
        at = core.upper().find(facts.vehicle.model.upper())
        if at >= 0:
            proper.append((at, at + len(facts.vehicle.model)))
    for family in ("car", "motorcycle"):
        proper += [m.span() for m in vocab.MODELS[family].finditer(core)]
    names = {k: v[0] for k, v in vocab.BRANDS.items()}
    cased = text.sentence_case(core, keep=text.plate_spans(core), proper=proper, names=names,
                               shouting=True)
    if len(core) == len(value):
        return cased
    tail = value[len(core):]
    at = tail.rfind(text.split_place(value)[1] or "\0")
    if at < 0:
        return cased + tail
    return cased + tail[:at].lower() + text.place_case(tail[at:])


def headline(title: str, facts: Facts, family: str, *, limit: int = HEADLINE_MAX) -> str:
    """The image headline of a lot (≤ *limit* characters)."""
    built = _from_facts(title, facts, family, limit) or _from_title(title, facts, family, limit)
    if not any(c.isalnum() for c in built):  # nothing readable in the title at all
        built = LABELS.get(family) or FALLBACK
    return text.shorten(built, limit)


def _area_text(value: int) -> str:
    return f"{text.group_thousands(value)} m²"


def _from_facts(title: str, facts: Facts, family: str, limit: int) -> str | None:
    if family in ("land", "building") and (facts.land_area_m2 or facts.building_area_m2
                                           or facts.area_m2):
        return _real_estate(title, facts, family, limit)
    vehicle = facts.vehicle
    if family in _VEHICLE_FAMILIES and vehicle and vehicle.brand and vehicle.model:
        model = vehicle.model
        if model == model.upper():  # "KIJANG INNOVA E DSL" → "Kijang Innova E DSL"
            model = " ".join(text.case_word(w, proper=True) for w in model.split())
        parts = [vehicle.brand, model]
        if vehicle.year:
            parts.append(str(vehicle.year))
        line = " ".join(parts)
        return line if len(line) <= limit else text.shorten(line, limit)
    return None


def _real_estate(title: str, facts: Facts, family: str, limit: int) -> str:
    prepared = text.prepare(title)
    core, _ = text.split_place(prepared)
    body = core[len(text.lot_prefix(core)):]
    if _GENERATED_LAND.match(body) or family == "land":
        label = "Tanah & bangunan" if family == "building" else "Tanah"
        if facts.units and facts.units > 1 and re.match(r"\d", body):
            label = f"{facts.units} bidang {label.lower()}"
    else:
        m = _SUBJECT_END.search(body, 2)
        subject = body[: m.start()] if m else body
        label = _reading_case(text.tidy(subject), None)
        label = text.shorten(label, 28)
    areas: list[str] = []
    for name, abbreviation in (("land_area_m2", "LT "), ("building_area_m2", "LB "),
                               ("area_m2", "")):
        value = getattr(facts, name)
        if value and (name != "area_m2" or not areas):
            areas.append(abbreviation + facts.written_areas.get(name, _area_text(value)))
    for parts in ([label, *areas, facts.place], [label, *areas], [label, areas[0]] if areas
                  else [label], [label]):
        line = _DOT.join(p for p in parts if p)
        if len(line) <= limit:
            return line
    return text.shorten(label, limit)


def _from_title(title: str, facts: Facts, family: str, limit: int) -> str:
    prepared = text.tidy(text.prepare(title))
    core, _ = text.split_place(prepared)
    body = core[len(text.lot_prefix(core)):]
    body = _LEAD_COUNT.sub("", body, count=1)
    body = _NUMBER_IN_WORDS.sub("", body)
    if family in _VEHICLE_FAMILIES:
        m = _VEHICLE_TAIL.search(body)
        if m and m.start() >= 4:
            body = body[: m.start()]
    body = text.tidy(body) or text.tidy(core) or prepared
    cased = _reading_case(body, facts)
    return text.shorten(cased, limit)
