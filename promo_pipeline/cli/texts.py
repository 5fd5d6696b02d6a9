"""click's own texts ("Usage:", "Missing option", "--help" …) in Indonesian.

click wraps every text it shows in :func:`gettext.gettext` (``_``) and :func:`gettext.ngettext`,
bound in each of its modules at import. :func:`use_indonesian` rebinds those names in click's
modules to a lookup in the tables below, falling back to click's own English for a text not
listed (a newer click version), so the tables can only make output more Indonesian, never break
it. Staff read the terminal; developers' logs stay English.
"""

from __future__ import annotations

import importlib

#: click's message ids → Indonesian (placeholders kept: click formats them afterwards).
MESSAGES: dict[str, str] = {
    "Usage:": "Penggunaan:",
    "Options": "Opsi",
    "Commands": "Perintah",
    "Positional arguments": "Argumen",
    "Show this message and exit.": "Tampilkan bantuan ini lalu keluar.",
    "Show the version and exit.": "Tampilkan versi lalu keluar.",
    "%(prog)s, version %(version)s": "%(prog)s, versi %(version)s",
    "Error: {message}": "Galat: {message}",
    "Try '{command} {option}' for help.": "Coba '{command} {option}' untuk bantuan.",
    "Aborted!": "Dibatalkan.",
    "Missing argument": "Argumen kurang",
    "Missing option": "Opsi kurang",
    "Missing parameter": "Parameter kurang",
    "Missing {param_type}": "{param_type} kurang",
    "Missing parameter: {param_name}": "Parameter kurang: {param_name}",
    "Missing command.": "Perintah belum disebut.",
    "No such option: {name}": "Tidak ada opsi {name}",
    "No such option {name!r}.": "Tidak ada opsi {name!r}.",
    "No such command {name!r}.": "Tidak ada perintah {name!r}.",
    "Invalid value: {message}": "Nilai tidak sah: {message}",
    "Invalid value for {param_hint}: {message}": "Nilai {param_hint} tidak sah: {message}",
    "Option {name!r} does not take a value.": "Opsi {name!r} tidak menerima nilai.",
    "Argument {name!r} takes {nargs} values.": "Argumen {name!r} perlu {nargs} nilai.",
    "{value!r} is not a valid {number_type}.": "{value!r} bukan {number_type} yang sah.",
    "integer": "bilangan bulat",
    "float": "bilangan",
    "{value} is not in the range {range}.": "{value} di luar rentang {range}.",
    "{value!r} is not a valid UUID.": "{value!r} bukan UUID yang sah.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} bukan ya/tidak yang sah. Nilai yang dikenal: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} tidak ada.",
    "{name} {filename!r} is a file.": "{name} {filename!r} adalah berkas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} adalah folder.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} tidak bisa dibaca.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} tidak bisa ditulis.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} tidak bisa dijalankan.",
    "Could not open file {filename!r}: {message}":
        "Berkas {filename!r} tidak bisa dibuka: {message}",
    "file": "berkas",
    "directory": "folder",
    "path": "jalur",
    "default: {default}": "bawaan: {default}",
    "required": "wajib",
    "env var: {var}": "variabel lingkungan: {var}",
    "(dynamic)": "(dinamis)",
    "Repeat for confirmation": "Ulangi untuk konfirmasi",
    "Error: The two entered values do not match.": "Galat: kedua isian tidak sama.",
    "Error: invalid input": "Galat: isian tidak sah",
    "Do you want to continue?": "Lanjutkan?",
    "Confirm the action without prompting.": "Setujui tanpa ditanya.",
    "Press any key to continue...": "Tekan tombol apa saja untuk melanjutkan…",
    "Choose from:\n\t{choices}": "Pilih dari:\n\t{choices}",
    "unknown error": "galat tak dikenal",
}

#: click's plural message ids (singular, plural) → Indonesian (one form: no plural inflection).
PLURALS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "Argumen berlebih yang tidak dikenal: {args}",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "Mungkin maksudnya: {possibilities}?",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "Opsi {name!r} perlu {nargs} nilai.",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "{value!r} bukan pilihan yang sah; pilihan: {choices}.",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "Perlu {nargs} nilai.",
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."):
        "{value!r} tidak sesuai format {formats}.",
}

#: click's parameter types by their English name → Indonesian (shown in help as metavars,
#: ``--limit BILANGAN``, and in "'abc' bukan bilangan yang sah").
TYPE_NAMES: dict[str, str] = {
    "StringParamType": "teks", "IntParamType": "bilangan", "IntRange": "bilangan",
    "FloatParamType": "angka", "FloatRange": "angka", "BoolParamType": "ya/tidak",
    "Path": "jalur", "File": "berkas", "DateTime": "tanggal", "UUIDParameterType": "uuid",
}
#: Usage line placeholders.
OPTIONS_METAVAR = "[OPSI]"
SUBCOMMAND_METAVAR = "PERINTAH [ARG]..."

#: click's modules that bind ``_`` / ``ngettext`` at import.
_MODULES = ("click.core", "click.exceptions", "click.formatting", "click.decorators",
            "click.types", "click.parser", "click.termui", "click.utils")


def gettext(message: str) -> str:
    """click's ``_``: the Indonesian text, or click's own when the tables lack it."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """click's ``ngettext``: one Indonesian sentence for both forms (no plural inflection)."""
    found = PLURALS.get((singular, plural))
    if found is None:
        return singular if n == 1 else plural
    return _Text(found)


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


class _Text(str):
    """A translated text whose ``format`` leaves a placeholder click did not pass empty
    (click passes both English forms' placeholders today; a later version might not)."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return str.format_map(self, _Blank(kwargs))


def use_indonesian() -> None:
    """Rebind click's ``_`` and ``ngettext`` to the Indonesian tables and name its parameter
    types in Indonesian (idempotent)."""
    import click.types

    for cls_name, shown in TYPE_NAMES.items():
        cls = getattr(click.types, cls_name, None)
        if cls is not None:
            cls.name = shown
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
