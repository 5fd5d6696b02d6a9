"""The application's database: the store, opened with every table owner's schema.

Settings read: ``storage.database`` (through the caller's path).

:mod:`promo_pipeline.store` knows no table; this module is where the owners register. Each
owner keeps its schema as a migration set in a light module (sqlite-utils only), so opening the
database imports nothing from rendering, captions, review or publishing:

=============================================  ==============================================
tables                                         owner (migration set)
=============================================  ==============================================
``lots``, ``items``, ``lot_photos``            :mod:`promo_pipeline.lots` (``lots``)
``photos``                                     :mod:`promo_pipeline.photos` (``photos``)
``runs``                                       :mod:`promo_pipeline.runs` (``runs``)
``posts``, ``post_events``                     :mod:`promo_pipeline.queue.posts` (``queue``, in
                                               :mod:`promo_pipeline.queue.schema`)
``users``                                      :mod:`promo_pipeline.accounts.users` (``review``,
                                               in :mod:`promo_pipeline.accounts.schema`)
``review_sessions``, ``login_failures``,       :mod:`promo_pipeline.accounts.logins` (the same)
``login_known``
``deliveries``, ``delivery_events``,           :mod:`promo_pipeline.publish.deliveries`
``publish_slots``                              (``publish``)
``images``                                     :mod:`promo_pipeline.render.images` (``render``)
``lot_outcomes``                               :mod:`promo_pipeline.outcomes` (``outcomes``)
``insight_samples``                            :mod:`promo_pipeline.insights.samples`
                                               (``insights``)
``lot_categories``, ``category_scans``         :mod:`promo_pipeline.categories` (``categories``)
=============================================  ==============================================

A new table gets an owner module with its own migration set, listed in :data:`MIGRATIONS`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from promo_pipeline import accounts, categories, fsutil, lots, outcomes, photos, runs, store
from promo_pipeline.insights import samples
from promo_pipeline.publish import deliveries
from promo_pipeline.queue import schema as queue_schema
from promo_pipeline.render import images

#: Every owner's migration set, in the order they apply (a table before those that refer to it).
MIGRATIONS: tuple[Migrations, ...] = (
    lots.migrations,
    photos.migrations,
    runs.migrations,
    queue_schema.migrations,
    accounts.migrations,
    deliveries.migrations,
    images.migrations,
    outcomes.migrations,
    samples.migrations,
    categories.migrations,
)


def connect(path: str | Path, *, migrate: bool = True) -> Database:
    """Open the database at *path*, applying every pending migration unless *migrate* is
    False (a request of the review page, once the app has migrated at start)."""
    if str(path) == ":memory:":  # an empty database for a read-only command
        return store.connect(path, MIGRATIONS)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Password hashes and sessions: the owner's only. SQLite gives its -wal and -shm files the
    # database file's mode, so creating (or fixing) the database file is enough.
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, fsutil.PRIVATE_FILE))
    for own in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        fsutil.make_private(own)
    return store.connect(path, MIGRATIONS if migrate else ())
