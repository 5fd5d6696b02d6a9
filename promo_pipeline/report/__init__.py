"""The monthly report: what the office's promotion did (coverage, timeliness, channels,
outcomes, reviewers) for one month, as figures, CSV files and one self-contained HTML page.

Settings read: ``offices[]`` (time zone, name), ``brand.*``, ``storage.output_dir`` (the
default output folder ``<output_dir>/laporan/<month>[-<office>]``).

- :mod:`.month` — the month and its bounds in the office's time zone;
- :mod:`.data` — the only I/O: the month's facts read through each table's owner;
- :mod:`.figures` — the figures (pure), and the ``--json`` object;
- :mod:`.tables` — every figure as a table, and the CSV files;
- :mod:`.charts`, :mod:`.html` — matplotlib charts inline and the printable page.

:func:`build` ties them together for ``promo report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promo_pipeline.report.month import Month

if TYPE_CHECKING:
    from sqlite_utils import Database

    from promo_pipeline.config import Config
    from promo_pipeline.report.figures import Figures

__all__ = ["Month", "Report", "build", "default_folder"]


@dataclass(frozen=True)
class Report:
    """A written report: its figures and files."""

    figures: Figures
    html: Path
    csvs: tuple[Path, ...]


def default_folder(cfg: Config, month: Month, office_id: str | None) -> Path:
    """``<output_dir>/laporan/2026-11`` (``-<office id>`` with an office)."""
    name = month.key + (f"-{office_id}" if office_id else "")
    return cfg.output_dir / "laporan" / name


def build(cfg: Config, db: Database, month: Month, office_id: str | None, *,
          out: Path | None = None) -> Report:
    """Compute the month's figures and write ``laporan-<month>.html`` and the CSV files."""
    from promo_pipeline import clock
    from promo_pipeline.fsutil import atomic_write_text
    from promo_pipeline.report.data import gather
    from promo_pipeline.report.figures import compute
    from promo_pipeline.report.html import render_html
    from promo_pipeline.report.tables import write_csvs

    figures = compute(gather(db, cfg, month, office_id))
    folder = out or default_folder(cfg, month, office_id)
    csvs = write_csvs(figures, folder)
    html = folder / f"laporan-{month.key}.html"
    atomic_write_text(html, render_html(figures, cfg, generated=clock.now()))
    return Report(figures=figures, html=html, csvs=tuple(csvs))
