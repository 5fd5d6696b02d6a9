"""The brand in the review page's header: whose name, logo and colours a page shows, and the
two routes that serve them (``/brand/<key>.css``, ``/brand/<key>/logo``).

Settings read: ``brand.*``, ``offices[].brand`` (through :meth:`Config.brand_for`),
``offices[].name``.

Which brand (:func:`header_brand`):

- a post's page shows the post's office brand (a Kanwil admin reading a KPKNL Dompu post sees
  Dompu's colours, so it is clear whose post it is);
- every other page of an account scoped to exactly one office shows that office's brand;
- otherwise (several offices, every office, the login page) the install's top-level ``[brand]``.

An office without its own ``[offices.brand]`` shows its own name in the install's colours.
The page's Content-Security-Policy allows no inline styles, so the colours come as a small
stylesheet of their own; the logo is served from the configured file only (a raster image),
never from a path in the URL. An office's brand is served only to an account that may review
that office (:meth:`promo_pipeline.accounts.User.may_review`); anything else is a 404.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, abort, g, send_file

from promo_pipeline.accounts import User
from promo_pipeline.config import Config
from promo_pipeline.review.app import cfg_of
from promo_pipeline.review.blueprint import bp

logger = logging.getLogger(__name__)

#: The key of the install's own brand (an office's key is its id).
INSTALL = "utama"
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp"}
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class HeaderBrand:
    """What the header shows: a name, colours and whether a logo file can be served."""

    key: str                 # INSTALL or an office id (the URL of its stylesheet and logo)
    name: str
    primary: str             # the bar's background
    accent: str              # the mark's background
    on_primary: str          # text on the bar: white, or ink on a light colour
    has_logo: bool
    version: str             # changes with the colours or the logo (cache busting)


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, gr, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(gr) + 0.0722 * channel(b)


def text_on(background: str, dark: str) -> str:
    """White or *dark*, whichever reads better on *background* (the larger contrast ratio)."""
    bg = _luminance(background)
    white = 1.05 / (bg + 0.05)
    other = (max(bg, _luminance(dark)) + 0.05) / (min(bg, _luminance(dark)) + 0.05)
    return "#FFFFFF" if white >= other else dark


def logo_path(cfg: Config, key: str) -> Path | None:
    """The configured logo file of brand *key*, when it is a raster image that exists."""
    brand = cfg.brand if key == INSTALL else cfg.brand_for(key)
    if not brand.logo:
        return None
    path = cfg.resolve(brand.logo)
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        return None
    return path


def brand_of(cfg: Config, key: str) -> HeaderBrand:
    """The header brand of *key*: the install's (:data:`INSTALL`) or an office's."""
    office = cfg.office(key) if key != INSTALL else None
    brand = cfg.brand_for(office.id) if office is not None else cfg.brand
    if office is not None and office.brand is None:
        name = office.name or cfg.brand.name
    else:
        name = brand.name or (office.name if office is not None else "")
    primary = brand.primary_color if _HEX.match(brand.primary_color) else "#16306B"
    accent = brand.accent_color if _HEX.match(brand.accent_color) else "#F5B700"
    logo = logo_path(cfg, key if office is not None else INSTALL)
    stamp = f"{primary}{accent}{logo}{logo.stat().st_mtime_ns if logo else ''}"
    return HeaderBrand(
        key=office.id if office is not None else INSTALL, name=name or "Promo Pipeline",
        primary=primary, accent=accent,
        on_primary=text_on(primary, brand.text_color if _HEX.match(brand.text_color)
                           else "#14213D"),
        has_logo=logo is not None,
        version=hashlib.sha256(stamp.encode()).hexdigest()[:12])


def header_brand(cfg: Config, user: User | None, post_office: str | None = None) -> HeaderBrand:
    """The brand a page shows (see the module docstring for the rule)."""
    if post_office and cfg.office(post_office) is not None:
        return brand_of(cfg, post_office)
    if user is not None and len(user.offices) == 1 and cfg.office(user.offices[0]) is not None:
        return brand_of(cfg, user.offices[0])
    return brand_of(cfg, INSTALL)


def _visible_config(key: str) -> Config:
    """The config, when brand *key* may be shown to the signed-in account (404 otherwise)."""
    cfg = cfg_of()
    user: User | None = g.get("user")
    if key != INSTALL and (cfg.office(key) is None or user is None or not user.may_review(key)):
        abort(404)
    return cfg


# --- routes ----------------------------------------------------------------------------------


@bp.route("/brand/<key>.css")
def brand_css(key: str) -> Any:
    b = brand_of(_visible_config(key), key)
    css = (f".topbar {{ background: {b.primary}; color: {b.on_primary}; }}\n"
           f".topbar .brand, .topbar .brand:hover, .topbar .who-name, .topbar .nav a, "
           f".topbar .btn-ghost {{ color: {b.on_primary}; }}\n"
           f".brand-mark {{ background: {b.accent}; color: {b.primary}; }}\n")
    resp = Response(css, mimetype="text/css")
    resp.headers["Cache-Control"] = "private, max-age=86400"  # the URL carries the version
    return resp


@bp.route("/brand/<key>/logo")
def brand_logo(key: str) -> Any:
    path = logo_path(_visible_config(key), key)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=LOGO_TYPES[path.suffix.lower()], conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
