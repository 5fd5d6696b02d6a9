"""Loading ``config.toml``: which file, strict keys and types, paths relative to the file.

Which file: ``--config PATH``, else ``$PROMO_CONFIG``, else ``./config.toml``. Unknown keys, wrong
types and missing required keys raise :class:`~promo_pipeline.errors.ConfigError` naming the key
(e.g. ``offices[0].timezone``); the value checks that types cannot express are in
:mod:`promo_pipeline.config.checks`.

An office's ``[offices.brand]`` and ``[offices.publish]`` are checked on their own (an unknown key
is named ``offices[1].brand.colour``), then merged key by key over the top-level ``[brand]`` /
``[publish]``: a channel table such as ``[offices.publish.telegram]`` that sets only ``chat_id``
keeps the top-level ``api_base``, ``min_interval``, …; a list (``hashtags``, ``channels``,
``slots``) replaces the top-level one whole. ``[offices.notify]`` (and its ``email`` /
``telegram`` tables) merges over ``[notify]`` the same way; ``[offices.report]`` may set only
the report's recipients (``email_to``, ``telegram_chat_id``).
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any

from promo_pipeline.config.checks import check
from promo_pipeline.config.model import (
    Brand,
    Config,
    Notify,
    Publish,
    Report,
    default_sections,
)
from promo_pipeline.errors import ConfigError
from promo_pipeline.publish import channels as channel_registry

ENV_CONFIG = "PROMO_CONFIG"
DEFAULT_CONFIG_NAME = "config.toml"


def find_config_path(explicit: str | Path | None = None) -> Path:
    """``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_CONFIG, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.cwd() / DEFAULT_CONFIG_NAME


def load(path: str | Path | None = None) -> Config:
    """Load and validate the configuration file (see the module docstring for which one)."""
    cfg_path = find_config_path(path)
    if not cfg_path.is_file():
        raise ConfigError(
            f"berkas konfigurasi tidak ditemukan: {cfg_path} (pakai --config PATH atau atur "
            f"{ENV_CONFIG}; contohnya config.toml di proyek ini)"
        )
    try:
        text = decode_text(cfg_path.read_bytes(), cfg_path)
    except OSError as exc:
        raise ConfigError(f"{cfg_path}: tidak bisa dibaca ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        hint = BACKSLASH_HINT if "escape" in str(exc).lower() or "\\" in str(exc) else ""
        raise ConfigError(f"{cfg_path}: bukan TOML yang sah: {exc}{hint}") from None
    check_control_chars(data)
    return from_dict(data, base_dir=cfg_path.resolve().parent, path=cfg_path.resolve())


#: How to write a Windows path in TOML (said with every error a backslash causes).
BACKSLASH_HINT = ("; di TOML garis miring terbalik dalam \"…\" adalah kode khusus (\\n, \\t): "
                  "tulis jalur Windows dengan tanda kutip tunggal ('C:\\promo\\logo.png') "
                  "atau dengan garis miring biasa (\"C:/promo/logo.png\")")


def decode_text(raw: bytes, path: Path) -> str:
    """The file's text: UTF-8, with or without the byte-order mark Notepad writes, or UTF-16
    (Notepad's "Unicode"); anything else is refused with how to save it."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise ConfigError(f"{path}: bukan teks UTF-8; di Notepad pilih File → Simpan sebagai → "
                      "Pengodean: UTF-8, lalu simpan ulang")


def check_control_chars(data: Any, key: str = "") -> None:
    """A string holding a control character (tab, newline, …) is, in a config, a Windows path
    whose backslashes TOML read as escapes: ``"C:\\new\\test.png"`` is "C:", newline, "ew",
    tab, "est.png". Refused with the fix, naming the key."""
    if isinstance(data, dict):
        for k, v in data.items():
            check_control_chars(v, f"{key}.{k}" if key else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            check_control_chars(v, f"{key}[{i}]")
    elif isinstance(data, str) and any(ord(ch) < 32 or ord(ch) == 127 for ch in data):
        raise ConfigError(f"config key '{key}' berisi karakter kendali ({data!r})"
                          f"{BACKSLASH_HINT}")


def from_dict(data: dict[str, Any], *, base_dir: Path, path: Path | None = None) -> Config:
    """Build a validated :class:`Config` from parsed TOML (used by :func:`load` and the tests)."""
    data, kits = _take_office_kits(data)
    values = _build(Config, data, prefix="", skip={"base_dir", "path"})
    if kits:
        values["offices"] = [
            dataclasses.replace(office, **_office_kit(data, kits.get(i, {}), f"offices[{i}]"))
            for i, office in enumerate(values["offices"])]
    cfg = Config(**values, base_dir=base_dir, path=path)
    check(cfg)
    return cfg


_KIT_TABLES = ("brand", "publish", "notify", "report")
#: The ``[report]`` keys an office may set for itself (its recipients); the timing is the
#: install's, in each office's own zone.
_OFFICE_REPORT_KEYS = ("email_to", "telegram_chat_id")


def _take_office_kits(data: dict[str, Any]) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """*data* without the offices' brand/publish/notify/report tables, and those tables by
    office index."""
    offices = data.get("offices")
    if not isinstance(offices, list) or not any(
            isinstance(o, dict) and any(t in o for t in _KIT_TABLES) for o in offices):
        return data, {}
    kits: dict[int, dict[str, Any]] = {}
    bare = []
    for i, office in enumerate(offices):
        if isinstance(office, dict):
            kits[i] = {t: office[t] for t in _KIT_TABLES if t in office}
            office = {k: v for k, v in office.items() if k not in _KIT_TABLES}
        bare.append(office)
    return {**data, "offices": bare}, kits


def _office_kit(data: dict[str, Any], kit: dict[str, Any], prefix: str) -> dict[str, Any]:
    """An office's own brand/publish/notify/report, each merged key by key over the top-level
    table."""
    out: dict[str, Any] = {}
    for table in _KIT_TABLES:
        if table not in kit:
            continue
        own, key = kit[table], f"{prefix}.{table}"
        if not isinstance(own, dict):
            _bad_table(key, own)
        top = data.get(table, {})
        merged = {**top, **own}
        for name, value in own.items():  # nested tables ([offices.publish.telegram]) merge too
            if isinstance(value, dict) and isinstance(top.get(name), dict):
                merged[name] = {**top[name], **value}
        if table == "brand":
            _build(Brand, own, prefix=key)  # the office's own keys, named as the office's
            out["brand"] = Brand(**_build(Brand, merged, prefix=key))
        elif table == "notify":
            _build(Notify, own, prefix=key)
            out["notify"] = Notify(**_build(Notify, merged, prefix=key))
        elif table == "report":
            for name in own:
                if name not in _OFFICE_REPORT_KEYS:
                    raise ConfigError(
                        f"unknown config key '{key}.{name}' (known keys here: "
                        f"{', '.join(_OFFICE_REPORT_KEYS)}; the report's timing is the "
                        "install's)")
            _build(Report, own, prefix=key)
            out["report"] = Report(**_build(Report, merged, prefix=key))
        else:
            _publish(own, key)
            out["publish"] = _publish(merged, key)
    return out


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"list of {_type_name(inner)}"
    return {str: "string", int: "integer", float: "number", bool: "true/false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a {_type_name(tp)}, got {value!r}")
        if dataclasses.is_dataclass(inner):
            table: Any = inner
            return [
                table(**_build(inner, v, prefix=f"{key}[{i}]")) if isinstance(v, dict) else
                _bad_table(f"{key}[{i}]", v)
                for i, v in enumerate(value)
            ]
        return [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(value, args[0], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            _bad_table(key, value)
        if tp is Publish:
            return _publish(value, key)
        table = tp
        return table(**_build(tp, value, prefix=key))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}' must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config key '{key}' must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{key}' must be a string, got {value!r}")
        return value
    raise ConfigError(f"config key '{key}' has an unsupported type")  # pragma: no cover


def _bad_table(key: str, value: Any) -> typing.NoReturn:
    raise ConfigError(f"config key '{key}' must be a table, got {value!r}")


def _publish(data: dict[str, Any], key: str) -> Publish:
    """``[publish]`` and, under it, each channel's own table (``[publish.telegram]`` …)."""
    own_tables = channel_registry.sections()
    values = _build(Publish, {k: v for k, v in data.items() if k not in own_tables},
                    prefix=key, skip={"sections"}, also_known=own_tables)
    sections = default_sections()
    for name, section in own_tables.items():
        if name in data:
            sections[name] = _coerce(data[name], section, f"{key}.{name}")
    return Publish(**values, sections=sections)


def _build(cls: Any, data: dict[str, Any], *, prefix: str, skip: Collection[str] = (),
           also_known: Collection[str] = ()) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if key == "from" and "from_" in fields:  # a Python keyword, so the field is from_
            key = "from_"
        if key not in fields:
            known = ", ".join(sorted([*fields, *also_known]))
            raise ConfigError(f"unknown config key '{full}' (known keys here: {known})")
        out[key] = _coerce(value, hints[key], full)
    for name, f in fields.items():
        if name in out:
            continue
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            full = f"{prefix}.{name}" if prefix else name
            raise ConfigError(f"missing required config key '{full}'")
    return out
