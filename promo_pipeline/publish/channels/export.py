"""The export channel: a dated, readably named folder per approved post, for staff to post by hand.

Settings read: ``storage.output_dir`` (through the outbox's context); nothing of its own.

A folder is ``output_dir/outbox/<date>/<name>/``, the date in the office's zone. Its name says
which lot it is (:func:`folder_name`): the lot code when the source gives one and the lot's
headline — the short one of the title reading, with personal data already removed, never the
raw title — as a slug, then the lot id's first eight characters (as ``promo lots`` shows them,
and as ``--lot`` accepts) and the version: ``tanah-bangunan-lt-385-m2-kota-jambi-c1e704a0``.
A name is ASCII letters, digits and hyphens only, at most :data:`NAME_MAX` characters, so it is
valid and the same on Windows and Linux (no reserved device name can come out).

Folders exported before these names (``<office>-<lot>-v<version>``) are still recognised, so a
post exported then is never exported again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
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

#: The longest folder name: with ``output_dir/outbox/<date>/`` and ``01-feed-0.jpg`` inside it,
#: a path stays well under Windows' 260 characters.
NAME_MAX = 64
#: How long the readable part (code and headline) may be; the identifying tail follows it.
LABEL_MAX = 48
#: The short lot id: as many characters as the CLI's tables show.
SHORT_ID = 8
#: The file staff open first: what the folder is and what to do with it.
README = "BACA-SAYA.txt"
#: Names Windows keeps for devices, with or without an extension (``nul.txt`` too).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
     *(f"lpt{i}" for i in range(10))})


class ExportChannel(Channel):
    """A dated folder per approved post, for manual posting; written once, atomically.

    ``output_dir/outbox/<date>/<name>/`` (:func:`folder_name`) holds the images, one
    ``caption-<channel>.txt`` per caption, :data:`README` and ``post.json``. The folder is
    assembled under a temporary name and renamed into place, so it either exists complete or
    not at all; if a folder of this post exists under any date (:func:`find_export`, old names
    included), the post was exported already and nothing is written again.
    """

    name = "export"
    label = "Ekspor"
    can_look = True
    takes_everything = True

    @staticmethod
    def folder_name(payload: Mapping[str, Any]) -> str:
        return folder_name(payload)

    def look(self, job: DeliveryJob, ctx: SendContext) -> Look:
        """The export is local: its folder either exists complete or not at all."""
        found = find_export(ctx.output_dir / "outbox", job.payload)
        if found is None:
            return Look.absent("folder ekspor belum tertulis")
        return Look.found(self._result(found, ctx), "folder ekspor sudah ada")

    def _result(self, folder: Path, ctx: SendContext) -> SendResult:
        rel = folder.relative_to(ctx.output_dir).as_posix()
        return SendResult(remote_id=rel, remote_url=str(folder))

    def send(self, job: DeliveryJob, ctx: SendContext) -> SendResult:
        root = ctx.output_dir / "outbox"
        found = find_export(root, job.payload)
        if found:
            logger.info("export: %s exists already; not written again", found)
            return self._result(found, ctx)
        images = resolve_images(job, ctx, videos=True)  # a post's clip goes beside its stills
        day = ctx.clock().astimezone(ZoneInfo(ctx.office_timezone)).date().isoformat()
        day_dir = root / day
        day_dir.mkdir(parents=True, exist_ok=True)
        _sweep_temp_dirs(day_dir)
        name = folder_name(job.payload)
        if (day_dir / name).exists():
            # Another lot's folder has this name (the same headline and id prefix): the whole
            # lot id tells them apart.
            name = folder_name(job.payload, long_id=True)
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
                fsutil.atomic_write_text(tmp / _caption_file(channel), str(text).rstrip() + "\n")
            exported_at = ctx.clock()
            fsutil.atomic_write_text(tmp / README, readme_text(
                job.payload, names, exported_at=exported_at, tz=ctx.office_timezone))
            meta = {k: v for k, v in job.payload.items() if k not in ("images", "caption")}
            meta.update({
                "lots": [_public_lot(lot) for lot in job.payload.get("lots") or []],
                "images": names,
                "exported_at": exported_at.astimezone(UTC).isoformat(timespec="seconds"),
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
            if final.is_dir() and _is_export_of(final, job.payload):
                return self._result(final, ctx)
            raise PermanentPublishError(f"folder ekspor tidak dapat ditulis: {exc}",
                                        channel=self.name) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsutil.fsync_dir(day_dir)
        return self._result(final, ctx)


# --- names -----------------------------------------------------------------------------------


def slug(text: str, max_len: int = LABEL_MAX) -> str:
    """*text* as lower-case ASCII words joined by hyphens, cut at a word to *max_len*:
    ``"Tanah & bangunan · LT 385 m² · Kota Jambi"`` → ``"tanah-bangunan-lt-385-m2-kota-jambi"``.
    Letters lose their accents (``m²`` → ``m2``); every other character separates words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        joined = f"{out}-{word}" if out else word
        if len(joined) > max_len:
            if not out:  # one word longer than the whole label: cut it
                out = word[:max_len]
            break
        out = joined
    return out


def _short_id(payload: Mapping[str, Any], long_id: bool) -> str:
    """The identifying tail of a folder name: the lot id's first characters (the whole id for
    *long_id*), a digest's lots as a hash, the version after the first and the kind."""
    kind = str(payload.get("kind") or "lot")
    lot_id = payload.get("lot_id")
    if lot_id:
        ident = slug(str(lot_id), max_len=NAME_MAX)
        ident = ident if long_id else ident[:SHORT_ID].strip("-")
    else:
        lots = "|".join(sorted(str(i) for i in payload.get("lot_ids") or []))
        blob = f"{payload.get('office_id')}|{kind}|{lots}|{payload.get('post_id')}"
        ident = hashlib.sha256(blob.encode()).hexdigest()[:16 if long_id else SHORT_ID]
    version = int(payload.get("version") or 1)
    parts = [ident or "x"]
    if version > 1:
        parts.append(f"v{version}")
    if kind == "reminder":
        parts.append("pengingat")
    return "-".join(parts)


def _label(payload: Mapping[str, Any]) -> str:
    """The readable part: a digest's kind, else the lot's code and headline (never the raw
    title: the headline is free of personal data)."""
    if payload.get("kind") == "digest":
        return "rangkuman-pekanan"
    lots = payload.get("lots") or []
    first = lots[0] if lots else {}
    code = str(first.get("code") or "").strip()
    head = slug(code) if code not in ("", "-") else ""
    # A headline is parts ("Tanah · LT 385 m² · Kota Jambi"): whole parts are left out from
    # the end before a word is cut.
    for part in _headline(first).split("·"):
        longer = "-".join(x for x in (head, slug(part, max_len=NAME_MAX)) if x)
        if len(longer) > LABEL_MAX:
            return head or slug(part) or "lot"
        head = longer
    return head or "lot"


def folder_name(payload: Mapping[str, Any], *, long_id: bool = False) -> str:
    """The export folder's name for a delivery *payload*: ``<label>-<short id>``, at most
    :data:`NAME_MAX` characters of ``a-z0-9-``; the same for the same post every time.
    *long_id*: the lot's whole id (for two lots whose names would otherwise be the same)."""
    tail = _short_id(payload, long_id)
    label = slug(_label(payload), max_len=max(1, NAME_MAX - len(tail) - 1))
    name = f"{label}-{tail}" if label else tail
    return safe_name(name[:NAME_MAX].strip("-"))


def safe_name(name: str) -> str:
    """*name* made valid as a file or folder name on Windows as well: no reserved device name
    (``CON``, ``nul.txt``), no trailing dot or space, never empty."""
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "-", name).rstrip(". ") or "x"
    if name.split(".", 1)[0].lower() in WINDOWS_RESERVED:
        name = f"_{name}"
    return name


def legacy_folder_name(payload: Mapping[str, Any]) -> str:
    """The name folders had before readable names: ``<office>-<lot>-v<version>``."""
    office = _safe_part(payload.get("office_id") or "kantor")
    lot = payload.get("lot_id") or f"{payload.get('kind') or 'post'}-{payload.get('post_id')}"
    return f"{office}-{_safe_part(str(lot))}-v{int(payload.get('version') or 1)}"


def _is_export_of(folder: Path, payload: Mapping[str, Any]) -> bool:
    """Is *folder* (a readable name ending in this post's tail) this post's export? Its
    ``post.json`` names the same office, kind, lot(s) and version."""
    try:
        meta = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict):
        return False
    keys = ("office_id", "kind", "lot_id", "version")
    if any(meta.get(k) != payload.get(k) for k in keys):
        return False
    if not payload.get("lot_id"):
        return sorted(meta.get("lot_ids") or []) == sorted(payload.get("lot_ids") or [])
    return True


def _legacy_kind(folder: Path) -> Any:
    """The kind an old-style folder's ``post.json`` names (None: it names none). Old names
    were the same for a lot's post and its H-1 reminder; the kind tells them apart."""
    try:
        meta = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get("kind") if isinstance(meta, dict) else None


def _candidates(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for day in sorted(root.iterdir()):
        if day.is_dir():
            yield from sorted(day.iterdir())


def find_export(root: Path, payload: Mapping[str, Any]) -> Path | None:
    """The folder under *root* (``output_dir/outbox``), under any date, that holds the export
    of the post of delivery *payload*, or None. An old-style folder counts by its name (as it
    did), a readable one by its identifying tail and its ``post.json``, so a headline read
    differently by a later version still finds the folder."""
    legacy = legacy_folder_name(payload)
    kind = payload.get("kind")
    tails = (_short_id(payload, False), _short_id(payload, True))
    for folder in _candidates(root):
        if folder.name.startswith("."):
            continue
        if folder.name == legacy:
            if (folder / "post.json").is_file() and _legacy_kind(folder) in (None, kind):
                return folder
            continue
        if any(folder.name == t or folder.name.endswith(f"-{t}") for t in tails) and \
                folder.is_dir() and _is_export_of(folder, payload):
            return folder
    return None


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"


def _caption_file(channel: str) -> str:
    return f"caption-{_safe_part(channel)}.txt"


# --- what staff read ------------------------------------------------------------------------


def _reading(lot: Mapping[str, Any]) -> Any:
    from promo_pipeline.titles import read_title

    return read_title(str(lot.get("title") or ""), category=lot.get("category") or None)


def _headline(lot: Mapping[str, Any]) -> str:
    """The lot's short headline, free of personal data (read again for a delivery queued
    before payloads carried it)."""
    if not lot:
        return ""
    return str(lot.get("headline") or _reading(lot).headline)


def _public_title(lot: Mapping[str, Any]) -> str:
    return str(lot.get("public_title") or _reading(lot).title)


def _public_lot(lot: Mapping[str, Any]) -> dict[str, Any]:
    """A lot's facts as written into the shared folder: the title without personal data."""
    out = {k: v for k, v in lot.items() if k != "public_title"}
    out["title"] = _public_title(lot)
    return out


def readme_text(payload: Mapping[str, Any], images: list[str], *, exported_at: Any,
                tz: str) -> str:
    """:data:`README`, in Indonesian: which lot(s), which office, the link(s), who approved it,
    and which file is for what."""
    from promo_pipeline import clock, formats, present
    from promo_pipeline.publish import channels as registry

    lots = list(payload.get("lots") or [])
    kind = str(payload.get("kind") or "lot")
    office = next((str(lot["office_name"]) for lot in lots if lot.get("office_name")),
                  str(payload.get("office_id") or "-"))
    lines = [f"Unggahan #{payload.get('post_id')} — {present.post_kind(kind)}, "
             f"versi {int(payload.get('version') or 1)}", f"Kantor: {office}", ""]
    for n, lot in enumerate(lots, start=1):
        head = f"{n}. " if len(lots) > 1 else ""
        lines.append(f"{head}Lot: {_public_title(lot)}")
        code = str(lot.get("code") or "").strip()
        if code and code != "-":
            lines.append(f"{' ' * len(head)}Kode lot: {code}")
        lines.append(f"{' ' * len(head)}Tautan: {lot.get('url') or '-'}")
    approved_at = clock.parse(payload.get("approved_at"))
    lines += ["", f"Disetujui oleh: {payload.get('approved_by') or '-'}"
              + (f", {formats.datetime_long(approved_at, tz)}" if approved_at else ""),
              f"Diekspor: {formats.datetime_long(exported_at, tz)}", "", "Isi folder:"]
    if images:
        lines.append(f"- {images[0]}" + (f" … {images[-1]}" if len(images) > 1 else "")
                     + ": gambar/video untuk diunggah, sesuai urutan nomornya")
    for channel in sorted(payload.get("captions") or {}):
        try:
            label = registry.get(channel).label
        except KeyError:  # a channel no longer registered: its name is enough
            label = channel
        lines.append(f"- {_caption_file(channel)}: keterangan untuk {label}")
    lines += ["- post.json: data unggahan untuk sistem (jangan diubah)", "",
              "Unggah gambar sesuai urutan, lalu salin keterangan kanal yang sesuai apa adanya: "
              "angka, tenggat dan tautan sudah diperiksa peninjau."]
    return "\n".join(lines) + "\n"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sweep_temp_dirs(folder: Path) -> None:
    # Only called under the project lock, so any temp folder here is from a crashed export.
    for p in folder.glob(f".*{fsutil.TMP_SUFFIX}"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
