"""Shared fixtures: a real config.toml, a real SQLite file, a fake lelang.go.id on 127.0.0.1.

- ``fake_lelang``: :class:`FakeLelang` serving the composed samples in ``tests/data/lelang``
  (5 lots of KPKNL Bima, details for all of them, a generated image for every photo URL), with
  every date moved forward by whole weeks so the lots are upcoming (``fake_lelang.date_shift``;
  :func:`shift_iso` applies the same shift to an expected value);
- ``cfg_factory(server=None, **sections)``: writes ``config.toml`` in ``tmp_path`` (pointing
  ``[source]`` at *server* when given, fast retry/backoff settings) and loads it for real;
- ``config``: ``cfg_factory(fake_lelang)``; ``db``: the database at ``tmp_path/data/promo.db``
  (the same file ``config`` names), migrated;
- :func:`image_bytes`: JPEG/PNG/WebP/GIF/TIFF bytes drawn with Pillow (not blank);
- for the publishing tests (their project comes from ``publish_project.make_project``):
  ``fake``: the fake Telegram Bot API and Graph API on 127.0.0.1 (``tests/fake_platforms.py``);
  ``static``: an HTTP server over that project's ``output_dir`` (Instagram's ``public_base_url``);
  ``tokens``: the channels' tokens in the environment (``pytestmark =
  pytest.mark.usefixtures("tokens")`` where every test needs them); ``t``: a
  :class:`~publish_project.Sleeper` whose time is also ``fake``'s clock.
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_platforms import FakePlatforms, StaticServer
from PIL import Image, ImageDraw
from publish_project import Sleeper, set_tokens

from promo_pipeline import config as config_mod
from promo_pipeline import database
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang

SAMPLES = Path(__file__).parent / "data" / "lelang"
BIMA = "0b1a0000-0000-4000-8000-000000000001"
BIMA_OFFICE = {"id": BIMA, "nama": "KPKNL Bima", "kota": "Kota Bima",
               "propinsi": "Nusa Tenggara Barat", "telepon": "0374-5550115"}
OTHER_OFFICES = [
    {"id": "67062db2-f64f-11ed-b3e2-5620a0c2ec5a", "nama": "KPKNL Ambon", "kota": "Kota Ambon",
     "propinsi": "Maluku", "telepon": "0911-5550100"},
    {"id": "0b1a0000-0000-4000-8000-000000000002", "nama": "KPKNL Pangkal Pinang",
     "kota": "Kota Pangkalpinang", "propinsi": "Kepulauan Bangka Belitung",
     "telepon": "0717-5550100"},
    {"id": "0b1a0000-0000-4000-8000-000000000003", "nama": "KPKNL Mataram", "kota": "Kota Mataram",
     "propinsi": "Nusa Tenggara Barat", "telepon": "0370-5550100"},
]
DETAIL_SAMPLES = [
    "detail_mobil_content_barangs.json",
    "detail_tanah_content_lot_barang_html.json",
    "detail_scrap_no_photos.json",
    "detail_motor_namabarang_number_money.json",
    "detail_tanah_dompu_deleted_photo.json",
]
#: The earliest auction end in the samples; the shift puts it two weeks or more after today.
SAMPLE_FIRST_END = date(2026, 3, 11)
_DATE_KEYS = ("tglMulaiLelang", "tglSelesaiLelang", "tanggalBatasJaminan")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


# --- dates ---------------------------------------------------------------------------------------


def date_shift(today: date | None = None) -> timedelta:
    """Whole weeks (weekdays stay the same) that move the samples to ≥ 14 days from *today*."""
    today = today or date.today()
    days = (today + timedelta(days=14) - SAMPLE_FIRST_END).days
    return timedelta(weeks=max(0, math.ceil(days / 7)))


def shift_iso(text: str, delta: timedelta) -> str:
    """Move the date part of an ISO string by *delta*, keeping the rest of it byte for byte."""
    m = _DATE_PREFIX.match(text)
    if not m:
        return text
    moved = date(int(m[1]), int(m[2]), int(m[3])) + delta
    return moved.isoformat() + text[m.end():]


def shift_dates(data: Any, delta: timedelta) -> Any:
    """A deep copy of API JSON with every auction date moved by *delta*."""
    data = copy.deepcopy(data)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _DATE_KEYS and isinstance(value, str):
                    node[key] = shift_iso(value, delta)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return data


# --- images --------------------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (96, 64), seed: int = 0) -> bytes:
    """A small, non-blank image (gradient plus a shape) encoded as *fmt*; *seed* varies it."""
    w, h = size
    im = Image.new("RGB", size)
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255 // max(1, w - 1) + seed * 37) % 256,
                        (y * 255 // max(1, h - 1) + seed * 91) % 256, (seed * 53) % 256)
    ImageDraw.Draw(im).ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(250, 250, 250))
    buf = io.BytesIO()
    if fmt == "GIF":
        im = im.convert("P")
    im.save(buf, format=fmt)
    return buf.getvalue()


# --- the fake lelang.go.id -----------------------------------------------------------------------


def sample_dataset(delta: timedelta | None = None) -> Dataset:
    """The samples as a :class:`Dataset` (dates shifted by *delta*, default :func:`date_shift`)."""
    delta = date_shift() if delta is None else delta
    items = (load_sample("listing_kpknl_page1.json")["data"]
             + load_sample("listing_kpknl_page2.json")["data"])
    details = {d["id"]: d for d in (load_sample(n)["data"] for n in DETAIL_SAMPLES)}
    ds = Dataset(offices=[BIMA_OFFICE, *OTHER_OFFICES],
                 kategori=["Mobil", "Motor", "Rumah", "Tanah", "Besi Tua", "Elektronik"])
    for item in items:
        lot_id = item["lotLelangId"]
        detail = details.get(lot_id)
        ds.add_lot(BIMA, shift_dates(item, delta), shift_dates(detail, delta),
                   category=(detail or {}).get("namaKategoriLelang") or "Rumah")
    for seed, rel in enumerate(sorted(_photo_paths(ds))):
        fmt = "PNG" if rel.endswith(".png") else "JPEG"
        ds.files[rel] = image_bytes(fmt, seed=seed + 1)
    return ds


def _photo_paths(ds: Dataset) -> set[str]:
    paths = set()
    sources = [i.get("photos") or [] for items in ds.listings.values() for i in items]
    sources += [d.get("photos") or [] for d in ds.details.values()]
    for photos in sources:
        for p in photos:
            f = p.get("file") or {}
            if f.get("folder") and f.get("fileName"):
                paths.add(f"{f['folder']}/{f['fileName']}")
            elif f.get("fileUrl"):
                paths.add(f["fileUrl"].removeprefix("/lelang/").lstrip("/"))
    return paths


@pytest.fixture
def fake_lelang() -> Iterator[FakeLelang]:
    delta = date_shift()
    server = FakeLelang(sample_dataset(delta))
    server.date_shift = delta  # type: ignore[attr-defined]
    with server:
        yield server


# --- config and database -------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(data: dict[str, Any]) -> str:
    """Enough TOML for config files: scalars, lists, tables, arrays of tables (one level)."""
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list)
               or (isinstance(v, list) and not any(isinstance(i, dict) for i in v))}
    lines += [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]

    def table(name: str, body: dict[str, Any], header: str) -> None:
        lines.append(f"\n{header}")
        subtables = {k: v for k, v in body.items() if isinstance(v, dict)}
        for k, v in body.items():
            if k not in subtables:
                lines.append(f"{k} = {_toml_value(v)}")
        for k, v in subtables.items():
            table(f"{name}.{k}", v, f"[{name}.{k}]")

    for key, value in data.items():
        if isinstance(value, dict):
            table(key, value, f"[{key}]")
        elif isinstance(value, list) and any(isinstance(i, dict) for i in value):
            for entry in value:
                table(key, entry, f"[[{key}]]")
    return "\n".join(lines) + "\n"


FAST_SOURCE = {
    "connect_timeout": 2.0,
    "read_timeout": 2.0,
    "transfer_timeout": 10.0,
    "retries": 2,
    "backoff_factor": 0.01,
    "backoff_max": 0.05,
    "retry_after_max": 5.0,
    "requests_per_second": 1000.0,
    "page_size": 2,
}


@pytest.fixture
def cfg_factory(tmp_path: Path) -> Callable[..., config_mod.Config]:
    """``make(server=None, *, name="config.toml", **sections)`` → a loaded :class:`Config`.

    *sections* replace or extend the defaults: ``offices=[...]`` replaces the office list,
    ``source={...}``/``storage={...}``/any other table is merged into the defaults.
    """

    def make(server: FakeLelang | None = None, *, name: str = "config.toml",
             **sections: Any) -> config_mod.Config:
        data: dict[str, Any] = {
            "offices": [{"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar",
                         "categories": []}],
            "source": dict(FAST_SOURCE),
            "storage": {"database": "data/promo.db", "media_dir": "data/media",
                        "output_dir": "data/out"},
        }
        if server is not None:
            data["source"].update(api_base=server.api_base, file_base=server.file_base,
                                  site_base="https://lelang.go.id")
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        path = tmp_path / name
        path.write_text(to_toml(data), encoding="utf-8")
        return config_mod.load(path)

    return make


@pytest.fixture
def config(cfg_factory: Callable[..., config_mod.Config],
           fake_lelang: FakeLelang) -> config_mod.Config:
    return cfg_factory(fake_lelang)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Any]:
    """The migrated database at ``tmp_path/data/promo.db`` (the file ``config`` points at)."""
    opened = database.connect(tmp_path / "data" / "promo.db")
    yield opened
    opened.close()


@pytest.fixture
def image_factory() -> Callable[..., bytes]:
    return image_bytes


# --- the fake platforms (publishing tests) -------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    server = FakePlatforms().start()
    yield server
    server.stop()


@pytest.fixture
def static(tmp_path: Path) -> Iterator[StaticServer]:
    """Serves ``tmp_path/proj/data/out``, the output folder of ``make_project``'s project."""
    out = tmp_path / "proj" / "data" / "out"
    out.mkdir(parents=True)
    server = StaticServer(out).start()
    yield server
    server.stop()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    set_tokens(monkeypatch)


@pytest.fixture
def t(fake: FakePlatforms) -> Sleeper:
    """Injected time for the outbox, shared with the fake platforms."""
    sleeper = Sleeper()
    fake.clock = sleeper.seconds
    return sleeper
