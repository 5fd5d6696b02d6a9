"""The demo folder's ``config.toml``: the demo office, and ``[source]`` on the look-alike server
(``promo demo serve``) so every command can be tried offline.

Settings read: none (this writes the demo's settings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from promo_pipeline.demo.server import API_PREFIX, DEMO_PORT, FILE_PREFIX

#: "Running the demo again" in the file's header names this marker file.
MARKER = ".promo-demo"
_WIB = timezone(timedelta(hours=7))


def _more_offices(more: Sequence[dict[str, Any]]) -> str:
    """The ``[[offices]]`` tables after the first, each with its own ``[offices.brand]``."""
    out = []
    for o in more:
        out += ["", "[[offices]]", f'id = "{o["id"]}"', f'name = "{o["nama"]}"',
                f'timezone = "{o["timezone"]}"', "categories = []", "",
                "[offices.brand]   # only what differs from [brand] below; the rest is inherited",
                f'name = "{o["nama"]}"', f'phone = "{o["telepon"]}"']
        out += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in o["brand"].items()]
    return "\n".join(out)


def demo_config(office: dict[str, Any], more: Sequence[dict[str, Any]] = ()) -> str:
    """The commented ``config.toml`` of a demo folder for *office* (a data set office) and
    the *more* offices after it."""
    stamp = datetime.now(_WIB).strftime("%Y-%m-%d %H:%M")
    return f"""\
# Promo Pipeline — configuration of the offline demo, written by `promo run --demo`
# ({stamp} WIB). Relative paths are relative to this folder.
#
# [source] points at a small lelang.go.id look-alike on 127.0.0.1 serving bundled sample data
# (invented lots; photos drawn by the program). Keep it running in another window with
#   promo --config promo-demo/config.toml demo serve
# and every command works offline: scrape, run --lot 76470b46, offices --search bima, publish.
# For a real office start from the project's config.toml (README, "Quick start").
#
# Running `promo run --demo` into this folder again deletes and recreates it (the marker file
# {MARKER} says the folder belongs to the demo).

[[offices]]
id = "{office["id"]}"   # placeholder unitKerjaId of the demo data
name = "{office["nama"]}"
timezone = "{office["timezone"]}"   # NTB = WITA (UTC+8); lelang.go.id publishes times in WIB
categories = []
{_more_offices(more)}

[source]
api_base = "http://127.0.0.1:{DEMO_PORT}{API_PREFIX}"   # promo demo serve
file_base = "http://127.0.0.1:{DEMO_PORT}{FILE_PREFIX}"
site_base = "https://lelang.go.id"   # links in posts stay the real site's

[storage]
database = "data/promo.db"
media_dir = "data/media"
output_dir = "data/out"

[brand]
name = "{office["nama"]}"
tagline = "Lelang resmi negara"
handle = "@kpknlbima"
contact = "KPKNL Bima · Jl. Gajah Mada, Kota Bima"
phone = "{office["telepon"]}"
website = "lelang.go.id"
hashtags = ["#LelangNegara", "#KPKNLBima", "#DJKN", "#lelanggoid"]

[logging]
file = "data/promo.log"
"""
