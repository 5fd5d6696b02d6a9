"""The words the title readers look for: family words, brands, models. Data only.

Written from real lelang.go.id titles (``tests/data/real``, and public captures of the same
endpoints) and Indonesian usage. A word belongs here only when it names one kind of object
without doubt; words that could mean two things ("motor", "mesin", "AC") carry their exceptions
in the pattern, and brands that make several kinds of object (Honda, Suzuki, Mitsubishi) decide
nothing on their own.
"""

from __future__ import annotations

import re

# --- family words ("strong" evidence) ---------------------------------------------------------
# Patterns run on the lower-cased title with plates, the lot number and the final place masked.

def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags | re.IGNORECASE)


_B = r"(?<![\w-])"  # word start
_E = r"(?![\w-])"  # word end

SCRAP = _rx(
    _B + r"(?:scrap\w{0,12}|skrap\w{0,4}|besi\s+tua|besi\s+bekas|rongsok\w{0,3}|rosok\w{0,3}|"
    r"bongkaran)")

STRONG: dict[str, re.Pattern[str]] = {
    "heavy_equipment": _rx(
        _B + r"(?:ex?s?kavator|eksavator|escavator|excavator|back\s?hoe(?:\s+loader)?|"
        r"bu+l+do[sz]+er|dozer|motor\s+grader|grader|wheel\s+loader|loader|"
        r"vibro(?:\s+roller)?|road\s+roller|tandem\s+roller|roller\s+compactor|compactor|"
        r"stoo?m\s?wal+s?|fork\s?lift|crane|truc?k\s+crane|truk\s+crane|alat\s+berat|"
        r"asphalt\s+(?:finisher|sprayer)|aspal\s+finisher|skid\s+steer|crawler(?:\s+dumper)?|"
        r"dumper|traktor|tractor)" + _E),
    "truck_bus": _rx(
        _B + r"(?:tru[ck]k?s?|truk|tronton|trailer|dump\s+truck|light\s+truck|"
        r"c[ol][lo]t\s+diesel|fuso|(?<!mini\s)(?<!mini)bus|bis\s+sekolah|otobus|oto\s+bus|"
        r"mobil\s+(?:tangki|box|boks|derek|pemadam|sampah|tahanan)|damkar|"
        r"roda\s+(?:6|enam|10|sepuluh)|engkel)" + _E),
    "car": _rx(
        _B + r"(?:mobil|sedan|mini\s?bus|jeep|pick\s?-?\s?up|double\s+cabin|single\s+cabin|"
        r"station\s+wagon|ambulan[cs]e?|roda\s+(?:4|empat)|r4|kendaraan\s+dinas\s+roda\s+4|"
        r"hatchback|suv|mpv)" + _E),
    "motorcycle": _rx(
        _B + r"(?:sepeda\s+motor|"
        r"(?<!kapal\s)motor(?!\s+(?:grader|tempel|diesel|listrik|air|boat|penggerak|pompa|"
        r"bakar))|"
        r"roda\s+(?:2|dua)|r2|skuter|scooter|moge)" + _E),
    "vessel": _rx(
        _B + r"(?:kapal|crew\s?boat|speed\s?boat|long\s?boat|boat|perahu|tongkang|jet\s?ski|"
        r"pompong|klotok|kelotok|ponton|sampan|kapal\s+isap)" + _E),
    "machine": _rx(
        _B + r"(?:(?<!nomor\s)(?<!nomer\s)(?<!no\s)(?<!no\.\s)(?<!no\.)mesin(?!\s*(?:no\b|:|\d))|"
        r"genset|generator|kompresor|compressor|pompa(?:\s+air)?|batching\s+plant|"
        r"stone\s+crusher|turbin|motor\s+(?:tempel|diesel|penggerak|pompa)|molen|dinamo|"
        r"boiler|chainsaw|gerinda|traktor\s+tangan|hand\s+tractor)" + _E),
    "electronics": _rx(
        _B + r"(?:laptop|notebook|netbook|komputer|computer|p\.?\s?c(?=[\s.;,)]|$)|cpu|"
        r"printer|scanner|proyektor|projector|televisi|tv|led\s+tv|monitor|"
        r"hand\s?phone|handphone|ponsel|telepon\s+(?:genggam|seluler)|smartphone|tablet|ipad|"
        r"iphone|kamera|camera|gps|ups|hard\s?disk|cctv|drone|router|server|radio|"
        r"handy\s+talky|kulkas|lemari\s+es|mesin\s+cuci|air\s+conditioner|dispenser|"
        r"microwave|(?:hp|h\.p\.?)(?=\s+(?:merk\s+|merek\s+)?(?:samsung|oppo|vivo|xiaomi|"
        r"redmi|realme|infinix|iphone|nokia|apple)))" + _E),
    "land": _rx(
        _B + r"(?:tanah|lahan|kavling|kaveling|kapling|sawah|kebun|ladang|pekarangan|empang|"
        r"tambak)" + _E),
    "building": _rx(
        _B + r"(?:bangunan|rumah|ruko|rukan|gedung|gudang|apartemen|apartment|kios|toko|hotel|"
        r"villa|vila|pabrik|asrama|rumah\s+walet|l\.?b\.?(?=\s*[:=]?\s*\d))" + _E),
}

# A title that also names these is a package of mixed goods: the design stays neutral.
MIXED = _rx(
    _B + r"(?:barang\s+bergerak|lainnya|lain-lain|lain\s+lain|dll|dsb|inventaris|meubel\w*|"
    r"mebel\w*|meubelair|furniture|meja|kursi|lemari|brankas|filing\s+cabinet|"
    r"peralatan\s+(?:dan|&)\s+mesin|peralatan\s+kantor|alat\s+kantor|alat\s+tulis|"
    r"kotak\s+suara|surat\s+suara|bilik\s+suara|logistik)" + _E)

# Weak evidence: only decides when no family word does. "AC" (an air conditioner) is weak
# because it also appears in car descriptions.
WEAK_WORDS: dict[str, re.Pattern[str]] = {
    "electronics": _rx(_B + r"(?:ac|samsung\s+galaxy)" + _E),
}

# --- brands and models --------------------------------------------------------------------

#: Canonical spelling of brands, keyed by their upper-case form; the family a brand decides on
#: its own (None: it makes several kinds of object, so a model or a family word must decide).
BRANDS: dict[str, tuple[str, str | None]] = {
    # cars
    "TOYOTA": ("Toyota", "car"), "DAIHATSU": ("Daihatsu", "car"), "NISSAN": ("Nissan", "car"),
    "DATSUN": ("Datsun", "car"), "MAZDA": ("Mazda", "car"), "CHEVROLET": ("Chevrolet", "car"),
    "FORD": ("Ford", "car"), "KIA": ("KIA", "car"), "WULING": ("Wuling", "car"),
    "PROTON": ("Proton", "car"), "SUBARU": ("Subaru", "car"), "LEXUS": ("Lexus", "car"),
    "PEUGEOT": ("Peugeot", "car"), "CHERY": ("Chery", "car"), "DFSK": ("DFSK", "car"),
    "TIMOR": ("Timor", "car"), "ESEMKA": ("Esemka", "car"), "AUDI": ("Audi", "car"),
    "VOLKSWAGEN": ("Volkswagen", "car"), "HYUNDAI": ("Hyundai", None),
    "MERCEDES-BENZ": ("Mercedes-Benz", None), "MERCEDES": ("Mercedes", None),
    "BMW": ("BMW", None),
    # several kinds
    "HONDA": ("Honda", None), "SUZUKI": ("Suzuki", None), "YAMAHA": ("Yamaha", None),
    "MITSUBISHI": ("Mitsubishi", None), "ISUZU": ("Isuzu", None), "VOLVO": ("Volvo", None),
    "KAWASAKI": ("Kawasaki", None),
    # motorcycles
    "VESPA": ("Vespa", "motorcycle"), "PIAGGIO": ("Piaggio", "motorcycle"),
    "HARLEY-DAVIDSON": ("Harley-Davidson", "motorcycle"), "KTM": ("KTM", "motorcycle"),
    "BENELLI": ("Benelli", "motorcycle"), "KYMCO": ("Kymco", "motorcycle"),
    "ROYAL ENFIELD": ("Royal Enfield", "motorcycle"), "VIAR": ("Viar", "motorcycle"),
    # trucks and buses
    "HINO": ("Hino", "truck_bus"), "FUSO": ("Fuso", "truck_bus"), "SCANIA": ("Scania", "truck_bus"),
    # heavy equipment
    "KOMATSU": ("Komatsu", "heavy_equipment"), "CATERPILLAR": ("Caterpillar", "heavy_equipment"),
    "KOBELCO": ("Kobelco", "heavy_equipment"), "SAKAI": ("Sakai", "heavy_equipment"),
    "BOMAG": ("Bomag", "heavy_equipment"), "DYNAPAC": ("Dynapac", "heavy_equipment"),
    "LIUGONG": ("LiuGong", "heavy_equipment"), "SANY": ("SANY", "heavy_equipment"),
    "XCMG": ("XCMG", "heavy_equipment"), "SHANTUI": ("Shantui", "heavy_equipment"),
    "CHANGLIN": ("Changlin", "heavy_equipment"), "DOOSAN": ("Doosan", "heavy_equipment"),
    "JCB": ("JCB", "heavy_equipment"), "TADANO": ("Tadano", "heavy_equipment"),
}

#: Misspellings seen in real titles, read as the brand they mean (the fact keeps the source's
#: own spelling; only the family is decided from it).
BRAND_TYPOS = _rx(
    r"(?<![\w-])(?P<brand>mitsub\w{1,5}|mitshubishi|toyoya|daihatshu|suzuky|yamah)(?![\w-])",
    )

_BRAND_ALTERNATION = "|".join(
    re.escape(b).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]?")
    for b in sorted(BRANDS, key=len, reverse=True))
BRAND = _rx(r"(?<![\w-])(?P<brand>" + _BRAND_ALTERNATION + r")(?![\w-])")



def brand_key(written: str) -> str | None:
    """The :data:`BRANDS` key of a brand as written ("Mercedes Benz" → ``MERCEDES-BENZ``)."""
    flat = " ".join(written.upper().split())
    joined = flat.replace(" ", "").replace("-", "")
    return _BRAND_KEYS.get(joined)


_BRAND_KEYS = {key.replace(" ", "").replace("-", ""): key for key in BRANDS}

# Models that name a car, a motorcycle or a truck without a family word ("GRAND LIVINA",
# "HONDA NF 100D", "MITSUBISHI FE 71").
MODELS: dict[str, re.Pattern[str]] = {
    "car": _rx(
        _B + r"(?:avanza|xenia|innova|kijang|rush|terios|fortuner|hilux|pajero|strada|triton|"
        r"l\s?300|carry|apv|ertiga|ignis|livina|x-?trail|terrano|serena|panther|corolla|"
        r"camry|vios|yaris|calya|sigra|ayla|agya|brio|jazz|cr-v|hr-v|mobilio|civic|freed|"
        r"xpander|gran\s?max|grand\s?max|luxio|taruna|feroza|espass|futura|maven|lancer|"
        r"frontier|navara|escudo|vitara|jimny|baleno|karimun|sirion|hiace|alphard|harrier|"
        r"land\s?cruiser|grandis|outlander)"
        + _E),
    "motorcycle": _rx(
        _B + r"(?:beat|vario|supra|revo|scoopy|spacy|mega\s?pro|verza|cbr|karisma|kharisma|"
        r"astrea|mio|jupiter|jupter|vixion|v-?ixion|vega|n-?\s?max|aerox|xeon|rx-?\s?king|"
        r"byson|fino|lexi|x-?ride|shogun|smash|satria|skywave|klx|kaze|primavera|"
        r"(?:nf|nc|gl|nd|nb|cs)\s?\d{2,3}\w{0,6}|(?:fd|fk|fw|fl)\s?1\d\d\w{0,4}|"
        r"1s7|is7|3c1|2s6)" + _E),
    "truck_bus": _rx(
        _B + r"(?:colt\s+diesel|clot\s+diesel|canter|dyna|dutro|elf|nhr\s?\d{0,3}|"
        r"nkr\s?\d{0,3}|fe\s?7\d\w{0,4}|ps\s?1[0-3]\d\w{0,4}|fn\s?5\d\d\w{0,3}|"
        r"fl\s?2\d\d\w{0,3}|fm\s?2\d\d\w{0,3})" + _E),
}

# --- counts and facts vocabulary --------------------------------------------------------------

#: Count nouns of "N unit …", "N bidang …" (with the typo "Uniit").
COUNT_NOUNS = ("unit", "uniit", "unt", "bidang", "buah", "kendaraan", "barang", "ekor")

#: Words that end a model name: colour, year, plate, description and joining words.
MODEL_STOPS = frozenset(
    "warna wama warnah tahun thn th th. nomor no no. nopol nopol. no.pol no.pol. plat dengan "
    "dan beserta berikut yang di jenis kondisi merk merek atas a.n. an. a.n stnk bpkb tanpa eks "
    "ex terpasang bermuatan serta untuk sebagai selaku milik isi silinder rangka mesin noka nosin "
    "kombinasi hitam putih merah biru hijau kuning silver abu-abu abu coklat cokelat oranye orange "
    "ungu emas metalik metallic maroon krem cream biru-putih tua muda bekas rusak lengkap "
    "seberat sejumlah sebanyak berupa terdiri dalam pada ke otobus bus truk truck pick pickup "
    "ambulance ambulans minibus sedan jeep mobil motor oto".split())
