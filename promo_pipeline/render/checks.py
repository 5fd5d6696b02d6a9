"""Checks shared by the template loaders: typed values that fail with the file, the line and the
key path (``templates/feed.toml:42: layers[7].fill: ...``), colours, and locating a key's line.

tomllib gives no line numbers, so :func:`locate` finds the line by scanning the file's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promo_pipeline.errors import TemplateError

COLOR_NAMES = ("primary", "secondary", "accent", "text", "background", "white", "black")
_COLOR = re.compile(r"^(#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?|[a-z]+)(?:@(\d{1,3}))?$")
MAX_CANVAS = 4096


@dataclass(frozen=True)
class Color:
    """A colour reference: a hex value or a brand colour name, with an opacity 0–1."""

    ref: str
    alpha: float = 1.0


# --- locating keys in the file text --------------------------------------------------------------

_AOT = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")


def _sections(text: str) -> list[tuple[int, tuple]]:
    """(line number, table path) for every table header, plus the top-level section."""
    out: list[tuple[int, tuple]] = [(1, ())]
    counters: dict[tuple, int] = {}
    current: dict[str, tuple] = {}
    for no, line in enumerate(text.splitlines(), 1):
        m = _AOT.match(line)
        if m:
            parts = m.group(1).split(".")
            parent = ".".join(parts[:-1])
            prefix: tuple = current.get(parent, tuple(parts[:-1])) if parent else ()
            key = (*prefix, parts[-1])
            counters[key] = counters.get(key, -1) + 1
            path = (*key, counters[key])
            current[m.group(1)] = path
            out.append((no, path))
            continue
        m = _TABLE.match(line)
        if m:
            out.append((no, tuple(m.group(1).split("."))))
    return out


def locate(text: str, path: tuple) -> int | None:
    """Best-effort line number of *path* (e.g. ``("layers", 3, "fill")``) in the TOML text."""
    lines = text.splitlines()
    sections = _sections(text)
    # The deepest table header that is a prefix of the path.
    best_i, best_len = 0, -1
    for i, (_, spath) in enumerate(sections):
        if len(spath) <= len(path) and tuple(path[: len(spath)]) == spath and len(spath) > best_len:
            best_i, best_len = i, len(spath)
    start = sections[best_i][0]
    end = sections[best_i + 1][0] - 1 if best_i + 1 < len(sections) else len(lines)
    rest = [p for p in path[best_len:] if isinstance(p, str)]
    for key in reversed(rest):
        pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
        for no in range(start, end + 1):
            if no - 1 < len(lines) and pattern.search(lines[no - 1]):
                return no
    return start if best_len > 0 else None

# --- typed values ------------------------------------------------------------------------------


class Ctx:
    """The template being checked (its path and text), to build located error messages."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text

    def fail(self, keypath: tuple, message: str) -> TemplateError:
        line = locate(self.text, keypath)
        where = f"{self.path}:{line}" if line else str(self.path)
        key = dotted(keypath)
        return TemplateError(f"{where}: {key}: {message}" if key else f"{where}: {message}")


def dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def int_(ctx: Ctx, value: Any, kp: tuple, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail(kp, f"must be a whole number, got {value!r}")
    if lo is not None and value < lo:
        raise ctx.fail(kp, f"must be at least {lo}, got {value}")
    if hi is not None and value > hi:
        raise ctx.fail(kp, f"must be at most {hi}, got {value}")
    return value


def num(ctx: Ctx, value: Any, kp: tuple, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail(kp, f"must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ctx.fail(kp, f"must be between {lo} and {hi}, got {value}")
    return float(value)


def str_(ctx: Ctx, value: Any, kp: tuple, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise ctx.fail(kp, f"must be a string, got {value!r}")
    if choices is not None and value not in choices:
        raise ctx.fail(kp, f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def bool_(ctx: Ctx, value: Any, kp: tuple) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(kp, f"must be true or false, got {value!r}")
    return value


def parse_color(value: str) -> Color | None:
    m = _COLOR.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    ref, pct = m.group(1), m.group(2)
    if not ref.startswith("#") and ref not in COLOR_NAMES:
        return None
    alpha = 1.0
    if ref.startswith("#") and len(ref) == 9:
        alpha = int(ref[7:9], 16) / 255
        ref = ref[:7]
    if pct is not None:
        if int(pct) > 100:
            return None
        alpha *= int(pct) / 100
    return Color(ref=ref.upper() if ref.startswith("#") else ref, alpha=alpha)


def color(ctx: Ctx, value: Any, kp: tuple) -> Color:
    c = parse_color(value) if isinstance(value, str) else None
    if c is None:
        raise ctx.fail(kp, f"must be a colour: '#RRGGBB', '#RRGGBBAA' or one of "
                           f"{', '.join(COLOR_NAMES)}, optionally with '@NN' opacity "
                           f"(e.g. 'black@40'); got {value!r}")
    return c


def table(ctx: Ctx, value: Any, kp: tuple, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ctx.fail(kp, f"must be a table, got {value!r}")
    for k in value:
        if k not in keys:
            raise ctx.fail((*kp, k), f"unknown key {k!r} (known: {', '.join(sorted(keys))})")
    return value


