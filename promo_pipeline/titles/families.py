"""Art families: which illustration and badge fit a lot. The source's category first; the
title only when the source gives none, and then cautiously.

A family is one of :data:`FAMILIES`. ``generic`` is the neutral design (no badge, a neutral
illustration): it is the answer whenever the title does not clearly name one kind of object —
a package of mixed goods, an unclear title, conflicting words. A wrong picture on a government
post is a false post; a neutral one is not.

lelang.go.id categories (``reference/lelang-api.md`` §4.2): the names below marked confirmed
were seen as ``namakategori[]`` values in two or more independent clients (or one data-backed
one); the anticipated ones were never seen and only take effect if the source ever sends them.
The authoritative list is the ``landing-page/kategori`` endpoint; an unknown name maps to no
family (``family_for_category`` returns None), so the title decides and the name is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from promo_pipeline.titles import text, vocab

FAMILIES = ("car", "motorcycle", "heavy_equipment", "truck_bus", "land", "building", "scrap",
            "electronics", "machine", "vessel", "generic")

#: Badge text of a family (generic has none: the neutral design shows no badge).
LABELS: dict[str, str | None] = {
    "car": "Mobil", "motorcycle": "Motor", "heavy_equipment": "Alat Berat",
    "truck_bus": "Truk & Bus", "land": "Tanah", "building": "Bangunan", "scrap": "Besi Tua",
    "electronics": "Elektronik", "machine": "Mesin", "vessel": "Kapal", "generic": None,
}

#: ``namakategori[]`` values seen in real clients (reference §4.2), case-insensitive.
CONFIRMED_CATEGORIES: dict[str, str] = {
    "mobil": "car", "motor": "motorcycle",
    "rumah": "building", "tanah": "land", "ruko": "building", "toko": "building",
    "apartemen": "building", "gudang": "building", "hotel dan villa": "building",
    "pabrik": "building",
    "elektronik": "electronics", "mesin": "machine", "inventaris": "generic",
    "besi tua": "scrap", "umkm": "generic",
}
#: Plausible names never seen in any source; mapped so that they do the obvious thing if the
#: category list ever carries them.
ANTICIPATED_CATEGORIES: dict[str, str] = {
    "tanah dan bangunan": "building", "rumah dan tanah": "building", "bangunan": "building",
    "gedung": "building", "kios": "building", "alat berat": "heavy_equipment",
    "kapal": "vessel", "truk": "truck_bus", "truck": "truck_bus", "bus": "truck_bus",
    "sepeda motor": "motorcycle", "kendaraan roda dua": "motorcycle",
    "kendaraan roda empat": "car", "scrap": "scrap", "lainnya": "generic",
    "lain-lain": "generic", "perhiasan": "generic",
}

#: Within what the source says, the title may be more precise: a "Tanah" lot with a house is
#: drawn as a building, a "Mobil" lot that is a truck as a truck, scrap as scrap. Nothing else.
REFINEMENTS: dict[str, frozenset[str]] = {
    "land": frozenset({"building"}),
    "car": frozenset({"truck_bus", "heavy_equipment", "scrap"}),
    "motorcycle": frozenset({"scrap"}),
    "machine": frozenset({"heavy_equipment", "scrap"}),
}

_VEHICLES = frozenset({"car", "motorcycle", "truck_bus", "heavy_equipment", "vessel"})


@dataclass(frozen=True)
class Classification:
    """The art family of a lot and why.

    ``source``: ``"lelang"`` (the source's category decided), ``"title"`` (the title did) or
    None (nothing to go on). ``reason``: ``category``, ``category_refined`` (the source's
    category, made precise by the title), ``title`` (family words), ``title_weak`` (only a
    brand or model named it), ``scrap``, ``mixed`` (several kinds of object: neutral),
    ``unclear`` (no family word: neutral). ``evidence``: the words that decided, as written in
    the source (the category name first when it counted).
    """

    family: str
    source: str | None
    reason: str
    evidence: tuple[str, ...] = ()
    category: str | None = None

    @property
    def badge(self) -> str | None:
        """Badge text: the source's own category name when it decided as is, else the family's
        label; None for the neutral design."""
        if self.family == "generic":
            return None
        if self.reason == "category" and self.category:
            return _category_case(self.category)
        return LABELS[self.family]

    def to_json(self) -> dict[str, object]:
        return {"family": self.family, "source": self.source, "reason": self.reason,
                "evidence": list(self.evidence), "category": self.category}


def _norm(name: str) -> str:
    return " ".join(name.casefold().replace("&", " dan ").split())


def _category_case(name: str) -> str:
    name = " ".join(name.split())
    return name if name != name.upper() and name != name.lower() else name.title()


def family_for_category(name: str | None) -> str | None:
    """The family of a lelang.go.id category name (case and spacing ignored), or None when
    the name is empty or not known."""
    if not name or not name.strip():
        return None
    key = _norm(name)
    return CONFIRMED_CATEGORIES.get(key) or ANTICIPATED_CATEGORIES.get(key)


def is_known_category(name: str) -> bool:
    """Whether *name* is one of the confirmed or anticipated category names."""
    return family_for_category(name) is not None


def classify(title: str, category: str | None = None) -> Classification:
    """The family of a lot: from its lelang.go.id *category* when that is a known name (made
    more precise by the title only as :data:`REFINEMENTS` allows), else from the *title*."""
    from_source = family_for_category(category)
    inferred = infer_family(title)
    if from_source is None:
        if category and category.strip():
            return Classification(inferred.family, inferred.source, inferred.reason,
                                  inferred.evidence, category.strip())
        return inferred
    name = " ".join((category or "").split())
    if (inferred.family in REFINEMENTS.get(from_source, frozenset())
            and inferred.reason in ("title", "scrap")):
        return Classification(inferred.family, "lelang", "category_refined",
                              (name, *inferred.evidence), name)
    return Classification(from_source, "lelang", "category", (name,), name)


def infer_family(title: str) -> Classification:
    """The family a title clearly names, or ``generic``. Scrap words win over everything
    ("SCRAPT … 7 KENDARAAN R2" is scrap); several kinds of object, or one kind next to "dan
    barang bergerak lainnya", "dll", "inventaris", furniture… is a mixed package (generic);
    brands and models decide only when no family word is present."""
    masked = _masked(title)
    hits = _hits(masked)
    scrap = [w for fam, w in hits if fam == "scrap"]
    if scrap:
        return Classification("scrap", "title", "scrap", tuple(_dedupe(scrap)))
    mixed = [w for fam, w in hits if fam == "mixed"]
    strong: dict[str, list[str]] = {}
    for fam, word in hits:
        if fam not in ("scrap", "mixed"):
            strong.setdefault(fam, []).append(word)
    weak = _weak_hits(masked)
    families = _merge(set(strong))
    if families == {"car"} and "truck_bus" in weak and "car" not in weak:
        families = {"truck_bus"}  # "Mobil Isuzu NHR55": a truck called "mobil"
        strong["truck_bus"] = weak["truck_bus"]
    evidence = tuple(_dedupe([w for f in strong for w in strong[f]] + mixed))
    if families and mixed:
        return Classification("generic", "title", "mixed", evidence)
    if len(families) == 1:
        fam = next(iter(families))
        words = [w for f in strong for w in strong[f] if f == fam or f in _absorbed(fam)]
        return Classification(fam, "title", "title", tuple(_dedupe(words)))
    if len(families) > 1:
        return Classification("generic", "title", "mixed", evidence)
    weak_families = _merge(set(weak))
    weak_words = tuple(_dedupe([w for f in weak for w in weak[f]]))
    if mixed:
        return Classification("generic", "title", "mixed", tuple(_dedupe(mixed)) + weak_words)
    if len(weak_families) == 1:
        fam = next(iter(weak_families))
        return Classification(fam, "title", "title_weak", weak_words)
    if weak_families:
        return Classification("generic", "title", "mixed", weak_words)
    return Classification("generic", None, "unclear", ())


def _absorbed(family: str) -> frozenset[str]:
    """Families whose words :func:`_merge` folded into *family* (their words are evidence)."""
    if family == "building":
        return frozenset({"land"})
    if family == "truck_bus":
        return frozenset({"car", "machine"})
    if family in _VEHICLES:
        return frozenset({"machine"})
    return frozenset()


def _merge(families: set[str]) -> set[str]:
    """Words of two families that describe one object: land with a building is a building; a
    "mobil" that is a truck is a truck; an engine ("mesin") of a vehicle or boat is part of it."""
    out = set(families)
    if {"land", "building"} <= out:
        out.discard("land")
    if {"car", "truck_bus"} <= out:
        out.discard("car")
    if "machine" in out and out & _VEHICLES:
        out.discard("machine")
    return out


def _masked(title: str) -> str:
    """The title with its lot number, final place and plates blanked out (same length), so
    "di Kab. Tanah Datar" or a plate ending in "AC" never counts as a family word."""
    prepared = text.prepare(title)
    core, _ = text.split_place(prepared)
    prefix = text.lot_prefix(core)
    chars = list(" " * len(prefix) + core[len(prefix):])
    for start, end in text.plate_spans(core):
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _hits(masked: str) -> list[tuple[str, str]]:
    """(family, word) of every family word, overlaps resolved in favour of the longer match
    ("motor grader" over "motor", "mobil tangki" over "mobil", "mesin cuci" over "mesin")."""
    found: list[tuple[int, int, str]] = []
    patterns = [("scrap", vocab.SCRAP), *vocab.STRONG.items(), ("mixed", vocab.MIXED)]
    for fam, rx in patterns:
        found.extend((m.start(), m.end(), fam) for m in rx.finditer(masked))
    found.sort(key=lambda h: (h[0] - h[1], h[0]))
    taken = text.Coverage(len(masked))
    kept: list[tuple[int, int, str]] = []
    for start, end, fam in found:
        if not taken.free(start, end):
            continue
        taken.add(start, end)
        kept.append((start, end, fam))
    kept.sort()
    return [(fam, " ".join(masked[s:e].split())) for s, e, fam in kept]


def _weak_hits(masked: str) -> dict[str, list[str]]:
    """Brands and models that name one family on their own ("GRAND LIVINA", "HINO",
    "NF 100D"), and weak words ("AC")."""
    weak: dict[str, list[str]] = {}
    for m in vocab.BRAND.finditer(masked):
        key = vocab.brand_key(m["brand"])
        family = vocab.BRANDS[key][1] if key else None
        if family:
            weak.setdefault(family, []).append(" ".join(m.group(0).split()))
    for fam, rx in (*vocab.MODELS.items(), *vocab.WEAK_WORDS.items()):
        for m in rx.finditer(masked):
            weak.setdefault(fam, []).append(" ".join(m.group(0).split()))
    return weak


def _dedupe(words: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for w in words:
        if w.casefold() not in seen:
            seen.add(w.casefold())
            out.append(w)
    return out
