"""The render stage's table, ``images``: one row per image file drawn (migration set ``render``).

Settings read: none.

Kept apart from the renderer so that opening the database does not import Pillow, fonts and
templates. Only this module speaks SQL to ``images``; it returns :class:`ImageRecord` records.
An image's id is the hash of everything that affects its pixels, so a recorded id whose file
still exists never needs drawing again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import clock
from promo_pipeline.store import write_tx

migrations = Migrations("render")


@migrations()
def m001_images(db: Database) -> None:
    db.table("images").create(
        {
            "id": str,            # hash of everything that affects the pixels
            "lot_id": str,        # lotLelangId, or "digest-…" for a digest
            "format": str,        # design name: feed, story, carousel, digest, urgent…
            "slide": int,         # 0 for single images; slide/page number otherwise
            "path": str,          # relative to storage.output_dir
            "template": str,      # the template file used
            "created_at": str,
        },
        pk="id",
    )
    db.table("images").create_index(["lot_id", "format", "slide"])


@dataclass(frozen=True)
class ImageRecord:
    """One drawn image; ``path`` is relative to ``storage.output_dir``."""

    id: str
    lot_id: str
    format: str
    slide: int
    path: str
    template: str


#: How the renderer names a file: ``images/<lot>/<design>[-<slide>]-<16 hex of its id>.<ext>``
#: (slides of a carousel or a digest from 1; a clip's poster adds ``.poster.jpg``).
_RENDERED = re.compile(r"^(?P<design>.+?)(?:-(?P<slide>\d+))?-[0-9a-f]{16}$")


def design_of(name: str | PurePath) -> tuple[str, int | None] | None:
    """The design and slide number (None: not a slide) a rendered file was drawn with, read
    from its name (a path or a relative path); None for a file the renderer did not name.
    The review page and the publisher both read names through this."""
    base = name.name if isinstance(name, PurePath) else PurePosixPath(name).name
    m = _RENDERED.match(base.split(".", 1)[0])
    if not m:
        return None
    return m["design"], int(m["slide"]) if m["slide"] else None


def recorded_paths(db: Database, image_ids: Iterable[str]) -> dict[str, str]:
    """``{image id: path}`` for the ids that have a row (whether the file exists is the
    caller's check)."""
    ids = list(image_ids)
    found: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))  # placeholders only; values are bound
        found.update(db.execute(f"select id, path from images where id in ({marks})",  # noqa: S608
                                chunk).fetchall())
    return found


def record_images(db: Database, images: Iterable[ImageRecord]) -> None:
    """Record drawn images (an id drawn again replaces its row), in one transaction."""
    at = clock.iso()
    rows = [{"id": i.id, "lot_id": i.lot_id, "format": i.format, "slide": i.slide,
             "path": i.path, "template": i.template, "created_at": at} for i in images]
    if rows:
        with write_tx(db):
            db.table("images").upsert_all(rows, pk="id")


def images_of_lot(db: Database, lot_id: str) -> list[ImageRecord]:
    """Every recorded image of a lot (or digest id), oldest first."""
    rows = db.execute("select id, lot_id, format, slide, path, template from images "
                      "where lot_id = ? order by created_at, format, slide", [lot_id]).fetchall()
    return [ImageRecord(*r) for r in rows]


def images_at(db: Database, paths: Iterable[str]) -> list[ImageRecord]:
    """The recorded images stored at any of *paths* (relative to ``storage.output_dir``)."""
    wanted = list(dict.fromkeys(paths))
    if not wanted:
        return []
    rows = db.execute("select id, lot_id, format, slide, path, template from images where path "
                      "in (select value from json_each(?)) order by created_at",
                      [json.dumps(wanted)]).fetchall()
    return [ImageRecord(*r) for r in rows]
