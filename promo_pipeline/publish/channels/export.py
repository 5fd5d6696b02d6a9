"""The export channel: a dated folder per approved post, for staff to post by hand.

Settings read: ``storage.output_dir`` (through the outbox's context); nothing of its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from promo_pipeline import fsutil
from promo_pipeline.errors import PermanentPublishError
from promo_pipeline.publish.channels.base import (
    Channel,
    DeliveryJob,
    Look,
    SendContext,
    SendResult,
)
from promo_pipeline.publish.media import resolve_images

logger = logging.getLogger(__name__)


class ExportChannel(Channel):
    """A dated folder per approved post, for manual posting; written once, atomically.

    ``output_dir/outbox/<date>/<office>-<lot>-v<version>/`` holds the images, one
    ``caption-<channel>.txt`` per caption and ``post.json``. The folder is assembled under a
    temporary name and renamed into place, so it either exists complete or not at all; if a
    folder of that name exists under any date, the post was exported already and nothing is
    written again.
    """

    name = "export"
    label = "Ekspor"
    can_look = True
    takes_everything = True

    @staticmethod
    def folder_name(payload: dict[str, Any]) -> str:
        office = _safe_part(payload.get("office_id") or "kantor")
        lot = payload.get("lot_id") or f"{payload.get('kind') or 'post'}-{payload.get('post_id')}"
        return f"{office}-{_safe_part(str(lot))}-v{int(payload.get('version') or 1)}"

    def _existing(self, root: Path, name: str) -> Path | None:
        if not root.is_dir():
            return None
        for day in sorted(root.iterdir()):
            candidate = day / name
            if day.is_dir() and candidate.is_dir() and (candidate / "post.json").is_file():
                return candidate
        return None

    def look(self, job: DeliveryJob, ctx: SendContext) -> Look:
        """The export is local: its folder either exists complete or not at all."""
        found = self._existing(ctx.output_dir / "outbox", self.folder_name(job.payload))
        if found is None:
            return Look.absent("folder ekspor belum tertulis")
        return Look.found(self._result(found, ctx), "folder ekspor sudah ada")

    def _result(self, folder: Path, ctx: SendContext) -> SendResult:
        rel = folder.relative_to(ctx.output_dir).as_posix()
        return SendResult(remote_id=rel, remote_url=str(folder))

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        root = ctx.output_dir / "outbox"
        name = self.folder_name(job.payload)
        found = self._existing(root, name)
        if found:
            logger.info("export: %s exists already; not written again", found)
            return self._result(found, ctx)
        images = resolve_images(job, ctx, videos=True)  # a post's clip goes beside its stills
        day = ctx.clock().astimezone(ZoneInfo(ctx.office_timezone)).date().isoformat()
        day_dir = root / day
        day_dir.mkdir(parents=True, exist_ok=True)
        _sweep_temp_dirs(day_dir)
        final = day_dir / name
        tmp = Path(tempfile.mkdtemp(dir=day_dir, prefix=f".{name}.", suffix=fsutil.TMP_SUFFIX))
        fsutil.set_mode(tmp, fsutil.PUBLIC_DIR)  # mkdtemp's 0700 would hide it from colleagues
        try:
            names = []
            for i, src in enumerate(images, start=1):
                dest_name = f"{i:02d}-{src.name}"
                shutil.copyfile(src, tmp / dest_name)
                _fsync_file(tmp / dest_name)
                names.append(dest_name)
            captions = job.payload.get("captions") or {}
            for channel, text in sorted(captions.items()):
                fsutil.atomic_write_text(tmp / f"caption-{_safe_part(channel)}.txt",
                                         str(text).rstrip() + "\n")
            meta = {k: v for k, v in job.payload.items() if k not in ("images", "caption")}
            meta.update({
                "images": names,
                "exported_at": ctx.clock().astimezone(UTC).isoformat(timespec="seconds"),
                "delivery_id": job.id,
                "idempotency_key": job.idem_key,
            })
            fsutil.atomic_write_text(tmp / "post.json",
                                     json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
            fsutil.fsync_dir(tmp)
            # rename() refuses to replace a non-empty folder: the export is written once.
            os.rename(tmp, final)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if final.is_dir():
                return self._result(final, ctx)
            raise PermanentPublishError(f"folder ekspor tidak dapat ditulis: {exc}",
                                        channel=self.name) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsutil.fsync_dir(day_dir)
        return self._result(final, ctx)


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sweep_temp_dirs(folder: Path) -> None:
    # Only called under the project lock, so any temp folder here is from a crashed export.
    for p in folder.glob(f".*{fsutil.TMP_SUFFIX}"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
