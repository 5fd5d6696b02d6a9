"""The `promo` command: a thin click layer over the library functions of each stage.

Every command loads the configuration (``--config`` > ``$PROMO_CONFIG`` > ``./config.toml``),
calls one library function and prints its result. Expected failures
(:class:`~promo_pipeline.errors.PromoError`) become a one-line message and a non-zero exit status
(2 for bad configuration or usage); no traceback.

One module per command group, in pipeline order: :mod:`.lots` (lots, scrape, offices),
:mod:`.render` (render, templates), :mod:`.queue` (the review queue), :mod:`.review` (the review
page, accounts), :mod:`.publish` (publish, deliveries), :mod:`.run` (run, daemon),
:mod:`.report` (the monthly report); the group
itself and what they share in :mod:`.app`. Importing this package registers every command.
"""

from __future__ import annotations

from promo_pipeline.cli import (  # noqa: F401 (register)
    lots,
    publish,
    queue,
    render,
    report,
    review,
    run,
)
from promo_pipeline.cli.app import AppContext, cli, utf8_output
from promo_pipeline.cli.texts import use_indonesian

use_indonesian()

__all__ = ["AppContext", "cli", "main", "utf8_output"]


def main() -> None:
    """The ``promo`` console script."""
    utf8_output()
    cli(prog_name="promo")
