"""The render stage's table, ``images`` (migration set ``render``).

Kept apart from the renderer so that opening the database (which applies every stage's
migrations) does not import Pillow, fonts and templates.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("render")


@migrations()
def m001_images(db: Database) -> None:
    db["images"].create(
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
    db["images"].create_index(["lot_id", "format", "slide"])
