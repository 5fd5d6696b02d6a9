"""Load benchmark (run by hand): a national-scale catalogue through collect → render → queue.

    python benchmarks/load.py                     # 10,000 lots across 20 offices
    python benchmarks/load.py --lots 1000 --formats feed

What it builds: ``--lots`` synthetic lots spread evenly over 20 offices on the fake lelang.go.id.
The fake server runs in a **separate process** (``--serve``), so the memory and descriptor figures
are the tool's own. Every lot has one photo; to keep the first run feasible the photos are a pool
of ``--photos`` small JPEGs (480×360) shared by URL, so each distinct photo is downloaded once
and rendered from the cache. Everything else is real: :func:`promo_pipeline.pipeline.run` (the
function ``promo run`` calls) against a SQLite file (WAL, synchronous=FULL), the photo cache and
``output_dir`` in a temporary folder, rendering on every core (``render.workers = 0``).
``source.requests_per_second`` is raised to 1,000 (production: 2) so the figure is the tool's
cost, not the politeness delay.

Measured, for a first run and then a second run over the unchanged catalogue:

- wall time per stage (collect, render, queue) and in total;
- peak RSS: ``getrusage`` of this process, and the peak of this process plus its render workers
  (sampled from ``/proc`` every 0.1 s: the workers are children of the forkserver, which
  ``RUSAGE_CHILDREN`` does not see until it exits);
- open file descriptors (``/proc/self/fd``) and threads before the first run and after each run
  (the baseline is taken once multiprocessing's forkserver and resource tracker are running:
  they hold one pipe each for the life of the process, whatever the runs do).

Targets: peak RSS < 400 MB; descriptors back to baseline; the second run < 30 s with no renders
and no photo downloads. ``--markdown`` prints the ``## Load`` section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

OFFICES = 20
KINDS = [
    ("Mobil", "1 (satu) unit Mobil Toyota Avanza Tahun {year}, Nomor Polisi EA {n} KB",
     "Kendaraan Bermotor Roda Empat"),
    ("Motor", "1 (satu) unit Sepeda Motor Honda Vario Tahun {year}", "Kendaraan Bermotor Roda Dua"),
    ("Tanah", "1 bidang tanah dengan total luas {area} m<sup>2</sup>", "Tanah"),
    ("Rumah", "1 bidang tanah dengan total luas {area} m<sup>2</sup> berikut bangunan",
     "Tanah dan Bangunan"),
    ("Besi Tua", "1 (satu) paket Scrap/Besi Tua eks kantor", "Scrap/Besi Tua"),
]


def office_id(k: int) -> str:
    return f"0ff1ce00-0000-4000-8000-{k:012d}"


def photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    im = Image.new("RGB", (480, 360), tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(10):
        x, y = rnd.randrange(440), rnd.randrange(320)
        draw.rectangle((x, y, x + 40, y + 40), fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def build_dataset(count: int, photos: int) -> Any:
    from promo_pipeline.demo.dataset import Dataset

    ds = Dataset(offices=[{"id": office_id(k), "nama": f"KPKNL Beban {k + 1}",
                           "kota": f"Kota {k + 1}", "propinsi": "Jawa Barat",
                           "telepon": "021-5550100"} for k in range(OFFICES)])
    for p in range(photos):
        ds.files[f"photo_barang/pool-{p}.jpg"] = photo(p)
    start = datetime.now(UTC).astimezone().replace(microsecond=0, minute=0) + timedelta(days=10)
    for n in range(count):
        office = office_id(n % OFFICES)
        category, title, kind = KINDS[n % len(KINDS)]
        lot_id = f"10ad0000-0000-4000-8000-{n:012d}"
        ends = (start + timedelta(minutes=10 * n)).strftime("%Y-%m-%dT%H:%M:00+07:00")
        photos_ = [{"iscover": True, "deletedAt": None,
                    "file": {"folder": "photo_barang", "fileName": f"pool-{n % photos}.jpg"}}]
        item = {"lotLelangId": lot_id, "unitKerjaId": office,
                "namaUnitKerja": f"KPKNL Beban {n % OFFICES + 1}",
                "namaLotLelang": title.format(year=2010 + n % 12, n=1000 + n, area=100 + n),
                "namaLokasi": "KOTA BANDUNG", "nilaiLimit": str(5_000_000 + 250_000 * n),
                "uangJaminan": str(1_000_000 + 50_000 * n), "tglSelesaiLelang": ends,
                "status": "TAYANG", "caraPenawaran": "OPEN_BIDDING", "photos": photos_}
        detail = dict(item, id=lot_id, namaKategoriLelang=category, kodeLot=f"L{n:05d}",
                      tanggalBatasJaminan=ends, kelipatanBid="100000",
                      content={"barangs": [{"nama": kind, "jenisBarang": {"nama": kind},
                                            "alamat": "Jl. Asia Afrika, Kota Bandung",
                                            "uraian": "<p>Kondisi apa adanya.</p>"}],
                               "seller": {"namaPenjual": "Kepala Kantor"}})
        ds.add_lot(office, item, detail, category=category)
    return ds


def serve(count: int, photos: int) -> None:
    """The fake server process: print the base URL, serve until stdin closes."""
    from promo_pipeline.demo.server import FakeLelang

    with FakeLelang(build_dataset(count, photos)) as server:
        print(f"{server.api_base} {server.file_base}", flush=True)
        sys.stdin.read()


# --- measuring -----------------------------------------------------------------------------------


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(root: int, exclude: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            if child != exclude:
                out.append(child)
                todo.append(child)
    return out


class TreeSampler:
    """Peak RSS of this process plus its descendants (but not the fake server)."""

    def __init__(self, exclude: int) -> None:
        self.exclude = exclude
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = _rss_kb(me) + sum(_rss_kb(p) for p in _descendants(me, self.exclude))
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(0.1)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def timed_stages() -> dict[str, float]:
    """Wrap the pipeline's stages so each one's wall time is recorded."""
    from promo_pipeline import pipeline

    times: dict[str, float] = {}

    def wrap(name: str, fn: Any) -> Any:
        def stage(state: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(state)
            finally:
                times[name] = time.perf_counter() - started
        return stage

    pipeline.STAGES[:] = [(name, wrap(name, fn)) for name, fn in pipeline.STAGES]
    return times


def one_run(cfg: Any, times: dict[str, float], sampler_exclude: int) -> dict[str, Any]:
    from promo_pipeline import database, pipeline

    times.clear()
    db = database.connect(cfg.database_path)
    started = time.perf_counter()
    with TreeSampler(sampler_exclude) as sampler:
        summary = pipeline.run(cfg, db, progress=False)
    wall = time.perf_counter() - started
    db.close()
    return {"wall": wall, "stages": dict(times), "status": summary.status,
            "errors": list(summary.errors), "counts": summary.counts, "tree_peak_mb":
            sampler.peak_kb / 1024, "self_peak_mb":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "fds": fds(), "threads": threading.active_count()}


def machine() -> str:
    return (f"{platform.node() or 'unknown'} · {platform.system()} {platform.release()} · "
            f"{platform.machine()} · {os.cpu_count()} CPU · Python {platform.python_version()}")


def markdown(args: argparse.Namespace, base: dict[str, int], runs: list[dict[str, Any]],
             build_s: float) -> str:
    first, second = runs
    peak = max(r["tree_peak_mb"] for r in runs)
    r2, c2 = second["counts"]["render"], second["counts"]["collect"]
    fd_ok = all(r["fds"] <= base["fds"] for r in runs)
    second_ok = second["wall"] < 30 and r2["rendered"] == 0 and c2["photos_downloaded"] == 0
    lines = [
        "## Load", "",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Command: `python benchmarks/load.py --lots {args.lots} --photos {args.photos} "
        f"--formats {args.formats}`",
        f"- Setup: {args.lots} synthetic lots over {OFFICES} offices on the fake lelang.go.id "
        f"(its own process); every lot has one photo from a pool of {args.photos} shared 480×360 "
        f"JPEGs; designs: {args.formats}; `pipeline.run` in this process, render on all cores; "
        f"SQLite WAL + synchronous=FULL; data set built in {build_s:.1f} s.",
        "",
        "| run | collect | render | queue | total | rendered / unchanged | photos downloaded "
        "| queued / existing | peak RSS (self + workers) | fds after | threads after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in (("first", first), ("second, unchanged", second)):
        c, rd, q = r["counts"]["collect"], r["counts"]["render"], r["counts"]["queue"]
        s = r["stages"]
        lines.append(
            f"| {label} | {s.get('collect', 0):.1f} s | {s.get('render', 0):.1f} s | "
            f"{s.get('queue', 0):.1f} s | {r['wall']:.1f} s | {rd['rendered']} / "
            f"{rd['unchanged']} | {c['photos_downloaded']} | {q['queued']} / {q['existing']} | "
            f"{r['tree_peak_mb']:.0f} MB ({r['self_peak_mb']:.0f} MB) | {r['fds']} | "
            f"{r['threads']} |")
    lines += [
        "",
        f"Baseline before the first run: {base['fds']} descriptors, {base['threads']} threads "
        "(taken after starting multiprocessing's forkserver and resource tracker, which keep "
        "one pipe each for the life of the process).",
        "",
        f"- Peak RSS < 400 MB: **{'met' if peak < 400 else 'not met'}** ({peak:.0f} MB).",
        f"- Descriptors back to baseline: **{'met' if fd_ok else 'not met'}**.",
        f"- Second, unchanged run < 30 s with no renders and no photo downloads: "
        f"**{'met' if second_ok else 'not met'}** ({second['wall']:.1f} s).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=200,
                        help="distinct photos shared by the lots (default 200)")
    parser.add_argument("--formats", default="feed,story",
                        help="designs per lot (default: the production default feed,story)")
    parser.add_argument("--markdown", action="store_true",
                        help="print the section for benchmarks/README.md")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.lots, args.photos)
        return

    from promo_pipeline import config as config_mod

    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--lots", str(args.lots),
                               "--photos", str(args.photos)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        api_base, file_base = server.stdout.readline().split()
        build_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            cfg = config_mod.from_dict({
                "offices": [{"id": office_id(k), "name": f"KPKNL Beban {k + 1}",
                             "timezone": "Asia/Jakarta"} for k in range(OFFICES)],
                "source": {"api_base": api_base, "file_base": file_base,
                           "requests_per_second": 1000.0, "page_size": 50},
                "render": {"formats": args.formats.split(","), "workers": 0},
            }, base_dir=Path(tmp))
            times = timed_stages()
            # The forkserver and resource tracker that render pools use are started once per
            # process and keep one pipe each for its lifetime: start them before the baseline,
            # so "back to baseline" measures what a run leaves open, not these two.
            from multiprocessing import forkserver, resource_tracker

            resource_tracker.ensure_running()
            forkserver.ensure_running()
            base = {"fds": fds(), "threads": threading.active_count()}
            runs = []
            for label in ("first", "second"):
                result = one_run(cfg, times, server.pid)
                runs.append(result)
                if not args.markdown:
                    print(f"{label} run: {result['wall']:.1f} s "
                          f"{ {k: round(v, 1) for k, v in result['stages'].items()} } "
                          f"status {result['status']} errors {len(result['errors'])}; "
                          f"render {result['counts']['render']}; "
                          f"queue {result['counts']['queue']}; "
                          f"photos downloaded {result['counts']['collect']['photos_downloaded']}; "
                          f"peak RSS {result['tree_peak_mb']:.0f} MB (self "
                          f"{result['self_peak_mb']:.0f} MB); fds {result['fds']} "
                          f"(baseline {base['fds']}); threads {result['threads']}", flush=True)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    if args.markdown:
        print(markdown(args, base, runs, build_s))


if __name__ == "__main__":
    main()
