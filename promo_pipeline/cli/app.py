"""The `promo` click group and what every command shares: the per-invocation context (config
and database, loaded when first asked for), clean failures, JSON output and run reports.

Settings read: none of its own (``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``).

Expected failures (:class:`~promo_pipeline.errors.PromoError`) become a one-line message and a
non-zero exit status (2 for bad configuration or usage); no traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from promo_pipeline import __version__, database
from promo_pipeline import config as config_mod
from promo_pipeline.cli.texts import OPTIONS_METAVAR, SUBCOMMAND_METAVAR
from promo_pipeline.config.secrets import RedactingFilter, secret_values
from promo_pipeline.errors import (
    PromoError,
    StorageError,
    database_text,
    explain,
    os_error_text,
)

logger = logging.getLogger(__name__)


class AppContext:
    """Per-invocation state: the config path and, once asked for, the loaded config and db."""

    def __init__(self, config_path: str | None, verbose: int, quiet: bool):
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self._config: config_mod.Config | None = None
        self._db = None
        self._empty_db = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path)
        return self._config

    def use_config(self, cfg: config_mod.Config) -> None:
        """Replace the config (``run --demo`` builds its own)."""
        self._config = cfg
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = open_database(self.config.database_path)
        return self._db

    @property
    def read_db(self):
        """The database for a command that only reads: while the file does not exist yet, an
        empty one in memory, so looking creates nothing on disk."""
        if self._db is None and not self.config.database_path.exists():
            # Kept apart from :attr:`db`: a write later in the same command gets the real file.
            if self._empty_db is None:
                self._empty_db = database.connect(":memory:")
            return self._empty_db
        return self.db


def open_database(path: Path):
    """The project database, or :class:`StorageError` saying in one line why it cannot be
    opened (a folder on the way is a file, not SQLite, not writable)."""
    import sqlite3

    try:
        return database.connect(path)
    except OSError as exc:
        raise StorageError(os_error_text(exc, f"basis data {path}")) from exc
    except sqlite3.DatabaseError as exc:
        raise StorageError(database_text(exc, path)) from exc


class PromoCommand(click.Command):
    """A command whose usage line is Indonesian (``promo lots [OPSI]``)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class PromoGroup(click.Group):
    """Turns every failure into one Indonesian line and an exit status; ``-v`` adds the
    traceback (for developers) before the line. Its commands and groups are Indonesian too."""

    command_class = PromoCommand
    group_class = type  # sub-groups are PromoGroups

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", f"[{SUBCOMMAND_METAVAR.replace(' ', '] ', 1)}"
                          if kwargs.get("invoke_without_command") else SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: usage errors (exit 2), --help, Ctrl-C at a prompt
        except KeyboardInterrupt:
            click.echo("Dibatalkan.", err=True)
            sys.exit(130)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # output piped into `head`: click ends quietly
                raise
            fail(ctx, exc)
        except Exception as exc:
            fail(ctx, exc)


def fail(ctx: click.Context, exc: BaseException) -> NoReturn:
    """Print *exc* as one line (after its traceback with ``-v``) and exit with its status."""
    line, code = explain(exc)
    app = ctx.find_object(AppContext)
    if app is not None and app.verbose:
        traceback.print_exception(exc)
    elif not isinstance(exc, PromoError):
        logger.debug("unexpected failure", exc_info=exc)
    click.echo(f"Galat: {line}", err=True)
    sys.exit(code)


def utf8_output() -> None:
    """Write UTF-8 to stdout and stderr whatever the console says it takes.

    A pipe, a file, Task Scheduler or NSSM logs on Windows get the ANSI code page (cp1252), which
    has no "→", no "…" and no emoji, so the first caption printed would end the command with
    UnicodeEncodeError. UTF-8 carries every character; ``errors="replace"`` means a stream that
    cannot be switched still never raises on a character it cannot encode.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # replaced by something that is not a text stream (tests, IDEs)
            continue
        try:
            reconfigure(encoding="utf-8", errors="replace")
        except (ValueError, OSError):  # some output already buffered: keep its encoding
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def setup_logging(verbose: int, quiet: bool) -> None:
    """The console log handler (stderr, secrets scrubbed); records show only with ``-v``."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    root = logging.getLogger()
    for h in root.handlers:
        if getattr(h, "_promo", False):
            h.setLevel(logging.NOTSET if verbose else logging.CRITICAL)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # urllib3's debug lines (-vv) carry request paths, and the Telegram token is part of every
    # Bot API path: scrub every secret from whatever this handler writes.
    handler.addFilter(RedactingFilter(secret_values()))
    # Logs are English, for developers and the IT officer: without -v a command says what went
    # wrong in one Indonesian line of its own, so the console shows no log record (the daemon
    # turns them back on: its console is its log).
    handler.setLevel(logging.NOTSET if verbose else logging.CRITICAL)
    handler._promo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if verbose else max(level, logging.WARNING))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


pass_app = click.make_pass_decorator(AppContext)


class StatusWord(click.ParamType):
    """A status filter that takes the word the tables show (``terbit``) as well as the stored
    name (``published``), whatever the case, and passes the stored name on."""

    name = "status"

    def __init__(self, words: Mapping[str, str]):
        self.words = dict(words)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "STATUS"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        text = " ".join(str(value).split()).casefold()
        for key, word in self.words.items():
            if text in (key.casefold(), word.casefold()):
                return key
        self.fail(f"status {value!r} tidak dikenal; pilihan: {self.choices()}", param, ctx)

    def choices(self) -> str:
        return ", ".join(self.words.values())


@click.group(cls=PromoGroup)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Berkas konfigurasi (bawaan: $PROMO_CONFIG, lalu ./config.toml).")
@click.option("-v", "--verbose", count=True, help="Tampilkan log (-vv untuk debug).")
@click.option("-q", "--quiet", is_flag=True, help="Hanya tampilkan peringatan dan galat.")
@click.version_option(__version__, prog_name="promo")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """Promo Pipeline: lot lelang.go.id → unggahan media sosial yang ditinjau staf."""
    setup_logging(verbose, quiet)
    ctx.obj = AppContext(config_path, verbose, quiet)


def report_run(summary: Any, as_json: bool) -> None:
    """Print a run's summary (its line, or its JSON) and its errors; exit 0 only when ok."""
    if as_json:
        emit_json(summary.to_json())
    else:
        click.echo(summary.line())
        for err in summary.errors:
            click.echo(f"  galat: {err}", err=True)
    sys.exit(0 if summary.ok else 1)


def console_logs_on() -> None:
    """Show log records on the console whatever ``-v`` says (the daemon: its console is its log,
    under systemd, NSSM or Task Scheduler)."""
    for h in logging.getLogger().handlers:
        if getattr(h, "_promo", False):
            h.setLevel(logging.NOTSET)
