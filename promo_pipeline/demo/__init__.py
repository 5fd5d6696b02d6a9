r"""The offline demo: ``promo run --demo``.

A new user can try the whole tool without the internet and without an office id. The demo

1. prepares a fresh folder (default ``./promo-demo/``) with its own commented ``config.toml``
   and a database under ``data/``;
2. builds the bundled demo data set (:func:`build_dataset`): two offices (KPKNL Bima and KPKNL
   Dompu, placeholder ids; Dompu with a brand kit of its own in the demo's ``config.toml``, so
   one install shows two offices' posts side by side) and their lots from ``data/lots.json`` in
   the real lelang.go.id API shapes,
   dates shifted so every lot is upcoming, photos drawn by :mod:`promo_pipeline.demo.photos`;
3. serves it with the fake lelang.go.id server (:mod:`promo_pipeline.demo.server`) on
   127.0.0.1:\ :data:`DEMO_PORT`, the address its config names (``promo demo serve`` serves it
   again later, so every command can be tried offline);
4. runs the one pipeline function, :func:`promo_pipeline.pipeline.run`, so the demo exercises
   the same code as production, and stops the server.

Settings read: none from the user's config; the demo writes and reads its own.

A folder made by the demo carries a marker file (:data:`MARKER`); running the demo into it again
empties and recreates it. Any other non-empty folder is refused (exit status 2) unless
``force=True`` (``--force``), and even then never the home folder, ``/``, the current folder or
one of its parents.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import logging
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_pipeline.demo.config_file import MARKER, demo_config
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.photos import photo_jpeg
from promo_pipeline.demo.server import DEMO_PORT
from promo_pipeline.errors import UsageError

if TYPE_CHECKING:
    from promo_pipeline.demo.server import FakeLelang
    from promo_pipeline.runs import RunSummary

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path("promo-demo")
DEMO_USER = "demo"
DATA_FILE = "data/lots.json"
#: lelang.go.id publishes every time in server time, WIB (+07:00), whatever the office's zone.
SOURCE_TZ = timezone(timedelta(hours=7))
PHOTO_FOLDER = "photo_barang"
# Fixed namespace: photo file ids are derived from the lot id, so they are stable across builds.
_PHOTO_NS = uuid.UUID("6f1d3c2a-5b7e-4c1a-9d0e-2f4b8a6c1e31")
# The fake server runs on loopback: no reason to be polite to it.
_DEMO_REQUESTS_PER_SECOND = 500.0


class DemoFolderError(UsageError):
    """The demo folder cannot be used (exists, is not empty and was not made by the demo)."""


# --- the data set --------------------------------------------------------------------------------


def load_spec() -> dict[str, Any]:
    """The bundled ``data/lots.json`` as plain data (dates as offsets, photos as drawing specs)."""
    text = resources.files(__name__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def demo_office() -> dict[str, Any]:
    """The demo office: ``id``, ``nama``, ``kota``, ``propinsi``, ``telepon``, ``timezone``."""
    return dict(load_spec()["office"])


def demo_offices() -> list[dict[str, Any]]:
    """Every demo office: :func:`demo_office` first, then ``more_offices`` (with ``lokasi``, the
    ``namaLokasi`` of its lots, and ``brand``, its ``[offices.brand]``)."""
    spec = load_spec()
    return [dict(spec["office"]), *(dict(o) for o in spec.get("more_offices", []))]


def _owner(offices: list[dict[str, Any]], listing: dict[str, Any]) -> dict[str, Any]:
    return next((o for o in offices[1:] if o.get("lokasi") == listing.get("namaLokasi")),
                offices[0])


def build_dataset(today: date | None = None) -> Dataset:
    """The demo data set with dates relative to *today* (default: today in WIB).

    For every lot in ``data/lots.json``: ``tglMulaiLelang``/``tglSelesaiLelang`` (listing and
    detail) from ``schedule`` (``starts_in_days``/``ends_in_days`` from *today*, at
    ``starts_at``/``ends_at`` in +07:00), ``tanggalBatasJaminan`` one day before the end, and
    ``photos`` (listing and detail) built from the drawing specs, each served as a JPEG under
    ``/lelang/photo_barang/``. A spec with ``"cover": true`` is the cover; ``"deleted": true``
    gives the photo a ``deletedAt`` (the collector must skip it). The listing is in catalogue
    order (by closing time), as on the real site.
    """
    if today is None:
        today = datetime.now(SOURCE_TZ).date()
    spec = load_spec()
    offices = demo_offices()
    ds = Dataset(
        offices=[{k: o[k] for k in ("id", "nama", "kota", "propinsi", "telepon")}
                 for o in offices],
        kategori=list(spec["kategori"]),
    )
    built = []
    for entry in spec["lots"]:
        listing = copy.deepcopy(entry["listing"])
        detail = copy.deepcopy(entry["detail"])
        lot_id = listing["lotLelangId"]
        starts, ends = _schedule(entry["schedule"], today)
        photos = []
        for i, photo in enumerate(entry["photos"]):
            obj, path, data = _photo(lot_id, i, photo, deleted_at=starts - timedelta(days=1))
            photos.append(obj)
            ds.files[path] = data
        dates = {"tglMulaiLelang": starts.isoformat(), "tglSelesaiLelang": ends.isoformat()}
        owner = _owner(offices, listing)
        for part in (listing, detail):  # only the keys each variant has
            part.update({k: v for k, v in (("unitKerjaId", owner["id"]),
                                           ("namaUnitKerja", owner["nama"])) if k in part})
        listing.update(dates, photos=photos)
        detail.update(dates, tanggalBatasJaminan=(ends - timedelta(days=1)).isoformat(),
                      photos=copy.deepcopy(photos))
        built.append((ends, lot_id, listing, detail, entry["category"]))
    for _ends, _lot_id, listing, detail, category in sorted(built, key=lambda b: b[:2]):
        ds.add_lot(listing["unitKerjaId"], listing, detail, category=category)
    return ds


def _schedule(schedule: dict[str, Any], today: date) -> tuple[datetime, datetime]:
    def at(days: int, hhmm: str) -> datetime:
        return datetime.combine(today + timedelta(days=days), time.fromisoformat(hhmm),
                                tzinfo=SOURCE_TZ)

    starts = at(schedule["starts_in_days"], schedule.get("starts_at", "09:00"))
    ends = at(schedule["ends_in_days"], schedule["ends_at"])
    if not starts < ends:
        raise ValueError(f"demo lot schedule ends before it starts: {schedule}")
    return starts, ends


def _photo(
    lot_id: str, index: int, spec: dict[str, Any], *, deleted_at: datetime
) -> tuple[dict[str, Any], str, bytes]:
    """A photo object in the API's shape (§2.4), its path under ``/lelang/`` and its bytes."""
    file_id = str(uuid.uuid5(_PHOTO_NS, f"{lot_id}/file/{index}"))
    file_name = f"{file_id}.jpg"
    obj = {
        "id": str(uuid.uuid5(_PHOTO_NS, f"{lot_id}/photo/{index}")),
        "iscover": bool(spec.get("cover", False)),
        "deletedAt": deleted_at.isoformat() if spec.get("deleted") else None,
        "file": {
            "id": file_id,
            "fileName": file_name,
            "folder": PHOTO_FOLDER,
            "fileUrl": f"{PHOTO_FOLDER}/{file_name}",
        },
    }
    data = photo_jpeg(spec["kind"], spec["seed"], variant=spec.get("variant"),
                      color=spec.get("color"))
    return obj, f"{PHOTO_FOLDER}/{file_name}", data


# --- the demo run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` did."""

    folder: Path
    config_path: Path
    database_path: Path
    media_dir: Path
    recreated: bool
    summary: RunSummary
    lots: int
    lots_with_photos: int
    photos: int
    #: Posts awaiting review after the run, and the demo reviewer account made for them.
    pending: int = 0
    demo_user: str = DEMO_USER
    demo_password: str = ""

    @property
    def ok(self) -> bool:
        return self.summary.ok

    def review_command(self, cwd: Path | None = None) -> str:
        return self.next_command(cwd).removesuffix(" lots") + " review"

    def next_command(self, cwd: Path | None = None) -> str:
        """The command to look at the result, with the config path as the user can type it."""
        cwd = (cwd or Path.cwd()).resolve()
        try:
            shown = str(self.config_path.relative_to(cwd))
        except ValueError:
            shown = str(self.config_path)
        if any(c.isspace() for c in shown):
            shown = f'"{shown}"'
        return f"promo --config {shown} lots"

    def lines(self, cwd: Path | None = None) -> list[str]:
        """The report printed by ``promo run --demo``, in Indonesian."""
        head = ("Demo Promo Pipeline selesai (data contoh bawaan, tanpa internet)."
                if self.ok else "Demo Promo Pipeline selesai dengan galat.")
        no_photo = self.lots - self.lots_with_photos
        out = [
            head,
            f"  Folder demo : {self.folder}" + (" (dibuat ulang)" if self.recreated else ""),
            f"  Konfigurasi : {self.config_path}",
            f"  Basis data  : {self.database_path}",
            f"  Lot         : {self.lots} lot KPKNL Bima dikumpulkan dari server contoh lokal",
            f"  Foto        : {self.photos} foto tersimpan di {self.media_dir}"
            + (f" ({no_photo} lot tanpa foto)" if no_photo else ""),
            f"  Ringkasan   : {self.summary.line()}",
            f"  Tinjauan    : {self.pending} unggahan menunggu tinjauan",
            "",
            "Langkah berikutnya — buka halaman peninjauan:",
            f"  {self.review_command(cwd)}",
            "  lalu buka http://127.0.0.1:8765/ di peramban dan masuk dengan akun demo",
            f"  nama: {self.demo_user}   kata sandi: {self.demo_password}",
            "Atau lihat dari terminal:",
            f"  {self.next_command(cwd)}",
            f"  {self.next_command(cwd).removesuffix(' lots')} queue",
            "Untuk kantor sungguhan: salin config.toml proyek, cari id kantor dengan",
            "  promo offices --search bima",
            "lalu jalankan promo scrape (lihat README, bagian Quick start).",
        ]
        for err in self.summary.errors[:5]:
            out.append(f"  galat: {err}")
        return out


def run_demo(
    target_dir: Path = DEFAULT_DIR,
    *,
    force: bool = False,
    today: date | None = None,
    progress: bool | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the offline demo into *target_dir* (see the module docstring).

    *progress* is passed to the pipeline (None: on a terminal only); *on_step* receives a short
    Indonesian line as each step starts (the CLI prints them on stderr). Raises
    :class:`DemoFolderError` (exit status 2) when *target_dir* cannot be used.
    """
    step = on_step or (lambda _message: None)
    # Imported here: the collector and the pipeline are not needed to build or serve the data set
    # (the fake server and the tests import this package).
    from promo_pipeline import accounts, database, pipeline, queue
    from promo_pipeline import config as config_mod
    folder = Path(target_dir).expanduser().resolve()
    recreated = _prepare_folder(folder, force=force)
    step(f"Folder demo {'dibuat ulang' if recreated else 'dibuat'}: {folder}")
    (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    office = demo_office()
    config_path = folder / "config.toml"
    config_path.write_text(demo_config(office, demo_offices()[1:]), encoding="utf-8")
    cfg = config_mod.load(config_path)

    step("Menyiapkan data contoh (foto digambar oleh program)…")
    dataset = build_dataset(today)
    with _demo_server(dataset) as server:
        step(f"Server contoh lelang.go.id berjalan di {server.base_url}; mengumpulkan lot…")
        run_cfg = dataclasses.replace(
            cfg,
            source=dataclasses.replace(
                cfg.source,
                api_base=server.api_base,
                file_base=server.file_base,
                requests_per_second=_DEMO_REQUESTS_PER_SECOND,
            ),
        )
        logger.info("demo: fake lelang.go.id at %s", server.base_url)
        db = database.connect(cfg.database_path)
        try:
            summary = pipeline.run(run_cfg, db, progress=progress)
            lots, with_photos, photos = _counts(db, cfg.media_dir)
            pending = queue.count_by_status(db).get(queue.PENDING, 0)
            # A throwaway reviewer account so the demo's review page can be opened at once; the
            # password is random and printed once (this folder is a demo, not an office).
            password = secrets.token_urlsafe(9)
            accounts.add_user(db, DEMO_USER, password, role=accounts.REVIEWER)
        finally:
            db.close()
    return DemoResult(
        folder=folder,
        config_path=config_path,
        database_path=cfg.database_path,
        media_dir=cfg.media_dir,
        recreated=recreated,
        summary=summary,
        lots=lots,
        lots_with_photos=with_photos,
        photos=photos,
        pending=pending,
        demo_password=password,
    )


@contextlib.contextmanager
def _demo_server(dataset: Dataset) -> Iterator[FakeLelang]:
    """The look-alike on :data:`DEMO_PORT`, which the demo config names (so the lots' photo
    links are those ``promo demo serve`` serves later), or on a free port if that one is taken."""
    from promo_pipeline.demo.server import FakeLelang

    try:
        server = FakeLelang(dataset, port=DEMO_PORT).start()
    except OSError:
        server = FakeLelang(dataset).start()
    try:
        yield server
    finally:
        server.stop()


def _counts(db: Any, media_dir: Path) -> tuple[int, int, int]:
    """Lots stored, lots with at least one usable photo, photos cached."""
    from promo_pipeline import photos
    from promo_pipeline.lots import list_lots

    stored = list_lots(db)
    with_photos = sum(1 for lot in stored if photos.usable_paths(db, media_dir, lot.photos))
    return len(stored), with_photos, photos.count_ok(db)


def _prepare_folder(folder: Path, *, force: bool) -> bool:
    """Make *folder* an empty directory; True when an earlier demo folder was recreated."""
    if folder.exists() and not folder.is_dir():
        raise DemoFolderError(
            f"{folder} sudah ada dan bukan folder; pilih tempat lain dengan --dir PATH"
        )
    if not folder.exists():
        folder.mkdir(parents=True)
        return False
    entries = list(folder.iterdir())
    if not entries:
        return False
    ours = (folder / MARKER).is_file()
    if not ours:
        if not force:
            raise DemoFolderError(
                f"folder {folder} sudah berisi berkas lain dan bukan folder demo; "
                "demo tidak akan menimpanya. Pilih folder lain dengan --dir PATH "
                "(atau --force untuk menghapus isinya)."
            )
        _refuse_dangerous(folder)
        logger.warning("demo: emptying non-demo folder %s (--force)", folder)
    # Empty the folder rather than removing it: it may be the shell's current folder.
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return ours


def _refuse_dangerous(folder: Path) -> None:
    cwd = Path.cwd().resolve()
    protected = {Path(folder.anchor), cwd, *cwd.parents}
    with contextlib.suppress(RuntimeError, KeyError):  # no resolvable home folder
        protected.add(Path.home().resolve())
    if folder in protected:
        raise DemoFolderError(
            f"demi keamanan, demo tidak akan mengosongkan {folder} (folder rumah, akar, folder "
            "saat ini atau induknya), juga dengan --force. Pilih folder lain dengan --dir PATH."
        )


_MARKER_TEXT = """\
This folder was made by `promo run --demo` (Promo Pipeline's offline demo).
Running the demo again into this folder deletes everything in it and recreates it.
Folder ini dibuat oleh `promo run --demo`; menjalankan demo lagi akan mengosongkan dan
membuatnya ulang.
"""
