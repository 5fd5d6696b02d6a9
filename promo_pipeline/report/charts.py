"""The report's charts: matplotlib (Agg, no pyplot state) rendered to inline PNG data URIs.

Settings read: ``brand.primary_color``, ``brand.secondary_color``, ``brand.accent_color``
(through the caller's colours).

A chart is a ``data:image/png;base64,…`` string, so the HTML stays one self-contained file with
no network reference; the PNG carries no "Software" text. Labels are Indonesian, numbers in
Indonesian format (Babel). An empty figure gives None: the page says "tidak ada data" instead.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

from babel.numbers import format_decimal

DPI = 150
WIDTH_IN = 6.6  # about the width of an A4 page's text column
GREY = "#9AA3AF"


def _number(value: float) -> str:
    return str(format_decimal(value, locale="id"))


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, height))
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    # Counts of lots and posts: whole numbers on the value axis.
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig, ax


def _legend(ax: Any, n: int) -> None:
    """Below the plot, never over a bar."""
    ax.legend(fontsize=8, frameon=False, ncols=n, loc="upper center",
              bbox_to_anchor=(0.5, -0.12))


def paired_bars(labels: Sequence[str], series: Mapping[str, Sequence[float]],
                colors: Sequence[str], *, horizontal: bool = True) -> str | None:
    """Bars of several series side by side per label (e.g. listed vs promoted per category)."""
    if not labels or not any(any(v for v in vals) for vals in series.values()):
        return None
    fig, ax = _figure(max(1.8, 0.45 * len(labels) + 0.9) if horizontal else 2.2)
    n = len(series)
    width = 0.8 / n
    for i, ((name, values), color) in enumerate(zip(series.items(), colors, strict=False)):
        pos = [k + (i - (n - 1) / 2) * width for k in range(len(labels))]
        bars = (ax.barh if horizontal else ax.bar)(
            pos, values, width * 0.95, label=name, color=color)
        ax.bar_label(bars, labels=[_number(v) for v in values], padding=2,
                     fontsize=7)
    ticks = list(range(len(labels)))
    if horizontal:
        ax.set_yticks(ticks, labels)
        ax.invert_yaxis()
    else:
        ax.set_xticks(ticks, labels)
    ax.tick_params(labelsize=8)
    if n > 1:
        _legend(ax, n)
    return _png(fig)


def stacked_bars(labels: Sequence[str], series: Mapping[str, Sequence[float]],
                 colors: Sequence[str]) -> str | None:
    """Horizontal stacked bars (e.g. approved + rejected per reviewer)."""
    if not labels or not any(any(v for v in vals) for vals in series.values()):
        return None
    fig, ax = _figure(max(1.6, 0.4 * len(labels) + 0.9))
    left = [0.0] * len(labels)
    for (name, values), color in zip(series.items(), colors, strict=False):
        ax.barh(labels, values, left=left, label=name, color=color)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.tick_params(labelsize=8)
    _legend(ax, len(series))
    return _png(fig)
