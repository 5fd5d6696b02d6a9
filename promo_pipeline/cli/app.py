"""The `promo` click group and what every command shares: the per-invocation context (config
and database, loaded when first asked for), clean failures, JSON output and run reports.

Settings read: none of its own (``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``).

Expected failures (:class:`~promo_pipeline.errors.PromoError`) become a one-line message and a
non-zero exit status (2 for bad configuration or usage); no traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import Any

import click

from promo_pipeline import __version__, database
from promo_pipeline import config as config_mod
from promo_pipeline.config.secrets import RedactingFilter, secret_values
from promo_pipeline.errors import PromoError

logger = logging.getLogger(__name__)


class AppContext:
    """Per-invocation state: the config path and, once asked for, the loaded config and db."""

    def __init__(self, config_path: str | None, verbose: int, quiet: bool):
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self._config: config_mod.Config | None = None
        self._db = None

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
            self._db = database.connect(self.config.database_path)
        return self._db


class PromoGroup(click.Group):
    """Turns expected failures into a clean message and exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PromoError as exc:
            click.echo(f"Galat: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Dibatalkan.", err=True)
            sys.exit(130)


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
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    root = logging.getLogger()
    if any(getattr(h, "_promo", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # urllib3's debug lines (-vv) carry request paths, and the Telegram token is part of every
    # Bot API path: scrub every secret from whatever this handler writes.
    handler.addFilter(RedactingFilter(secret_values()))
    handler._promo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if verbose else max(level, logging.WARNING))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


pass_app = click.make_pass_decorator(AppContext)


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


def reviewer_name(name: str | None) -> str:
    """``--as NAME``, else the name of the logged-in OS user."""
    if name and name.strip():
        return name.strip()
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "operator"
