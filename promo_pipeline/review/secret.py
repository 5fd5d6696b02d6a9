"""The review page's cookie-signing secret.

Settings read: ``storage.database`` (the key file lives beside it); ``$PROMO_SECRET_KEY``.

The key comes from ``$PROMO_SECRET_KEY`` or, when unset, from a random key generated once into a
0600 file beside the database (never in the repository). Accounts and sessions live in
:mod:`promo_pipeline.accounts`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from promo_pipeline import config as config_mod
from promo_pipeline import fsutil
from promo_pipeline.errors import AccountError

logger = logging.getLogger(__name__)

SECRET_FILE_NAME = "review-secret.key"  # noqa: S105 - a file name, not a secret



def secret_key(cfg: config_mod.Config) -> str:
    """``$PROMO_SECRET_KEY``, else a random key kept in a 0600 file beside the database."""
    from_env = config_mod.secret("review_secret")
    if from_env:
        return from_env
    path = cfg.database_path.parent / SECRET_FILE_NAME
    return _file_secret(path)


def _file_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written under a temporary name, then linked into place: a concurrent reader never sees
        # a half-written key, and of two processes racing, the first link wins for both.
        value = secrets.token_urlsafe(48)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(value + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if fsutil.place_new(tmp, path):
                logger.info("generated the review session key in %s", path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    fsutil.make_private(path)
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise AccountError(
            f"berkas kunci sesi {path} rusak atau kosong; hapus berkas itu agar dibuat ulang"
        )
    return value
