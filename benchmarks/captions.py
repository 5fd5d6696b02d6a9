"""Captions benchmark (run by hand): captions + lint and the whole queue stage, per lot, on
real titles.

    python benchmarks/captions.py                    # 2,000 lots
    python benchmarks/captions.py --lots 500 --markdown

What it builds: ``--lots`` lots in the real API's shapes, parsed by the real parser
(:func:`promo_pipeline.parse.parse_lot`), cycling through the 222 real lelang.go.id titles,
limits and deposits in ``tests/data/real/`` (``--samples``) and the 14 bundled demo
lots (listing + detail, with items, increments and deposit deadlines). Each lot gets its own id
(so no caption is seen twice), a closing time 2–31 days ahead at the sample's time of day, a
deposit deadline one day before (for the real rows, every second one: the public captures have
none) and one of six offices in three time zones. The brand kit is the demo's (phone, handle,
contact, hashtags); channels are the default ``captions.channels`` (``--channels`` to change).

Measured, per lot, in one process after a warm-up on ``--warmup`` other lots (template
compilation, imports and first-call costs are reported separately):

- **captions**: :func:`promo_pipeline.captions.captions_for_lot` (every channel fitted to its
  limit);
- **lint**: :func:`promo_pipeline.captions.lint_for` over those captions;
- **queue stage**: what a first ``promo run`` does in its queue stage —
  :func:`promo_pipeline.queue.apply_lot_states` once, then
  :func:`promo_pipeline.queue.sync_lot_posts` a page of lots at a time (captions, lint and one
  write transaction per page) into a fresh database file (WAL, synchronous=FULL, as in
  production) whose ``lots`` table holds the lots.

Target (issue 9): the queue stage ≤ 3 ms per lot on a first run. ``--markdown`` prints the
``## Captions`` section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
SITE = "https://lelang.go.id"
FILES = "https://file.lelang.go.id/lelang/"
NS = uuid.UUID("5b0c7d3e-6f1a-4c1e-9a57-0e1f2a3b4c5d")
#: (name, zone): the offices of the real samples and the demo office, ids invented.
OFFICES = [("KPKNL Jambi", "Asia/Jakarta"), ("KPKNL Palembang", "Asia/Jakarta"),
           ("KPKNL Lahat", "Asia/Jakarta"), ("KPKNL Pangkalpinang", "Asia/Jakarta"),
           ("KPKNL Ambon", "Asia/Jayapura"), ("KPKNL Bima", "Asia/Makassar")]
TARGET_MS = 3.0


def office_id(k: int) -> str:
    return str(uuid.uuid5(NS, f"office/{k}"))


def real_rows(samples: Path) -> list[dict[str, Any]]:
    """The real titles, limits, deposits and closing times as listing items."""
    rows = []
    for r in json.loads((samples / "segera-berakhir-2025.json").read_text(encoding="utf-8")):
        rows.append({"namaLotLelang": r["namaLotLelang"], "nilaiLimit": r["nilaiLimit"],
                     "uangJaminan": r["uangJaminan"], "tglSelesaiLelang": r["tglSelesaiLelang"]})
    with (samples / "kpknl-ambon-listing-2026-01-08.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append({"namaLotLelang": r["Nama Lot"], "nilaiLimit": r["Nilai Limit"],
                         "uangJaminan": r["Uang Jaminan"], "tglSelesaiLelang": r["Tanggal Selesai"],
                         "namaLokasi": r["Lokasi"], "status": r["Status"],
                         "caraPenawaran": r["Cara Penawaran"]})
    return rows


def demo_rows() -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    from promo_pipeline.demo import load_spec

    return [(e["listing"], e["detail"], e["category"]) for e in load_spec()["lots"]]


def build_lots(count: int, samples: Path, *, start: int = 0) -> list[Any]:
    """*count* lots (see the module docstring), the *start*-th onwards."""
    from promo_pipeline.parse import parse_lot

    real = real_rows(samples)
    demo = demo_rows()
    now = datetime.now(UTC)
    lots = []
    for n in range(start, start + count):
        lot_id = str(uuid.uuid5(NS, f"lot/{n}"))
        k = n % len(OFFICES)
        pool = n % (len(real) + len(demo))
        if pool < len(real):
            listing, detail, category = dict(real[pool]), None, None
            source_end = datetime.fromisoformat(listing["tglSelesaiLelang"])
        else:
            listing, detail, category = demo[pool - len(real)]
            listing, detail = dict(listing), dict(detail)
            source_end = datetime.fromisoformat("2026-01-13T09:00:00+07:00")
        end = (now + timedelta(days=2 + n % 30)).astimezone(source_end.tzinfo).replace(
            hour=source_end.hour, minute=source_end.minute, second=0, microsecond=0)
        listing.update(lotLelangId=lot_id, unitKerjaId=office_id(k), namaUnitKerja=OFFICES[k][0],
                       tglSelesaiLelang=end.isoformat(),
                       tglMulaiLelang=(end - timedelta(hours=2)).isoformat())
        if detail is not None:
            detail.update(id=lot_id, unitKerjaId=office_id(k), namaUnitKerja=OFFICES[k][0],
                          tglSelesaiLelang=end.isoformat(),
                          tanggalBatasJaminan=(end - timedelta(days=1)).isoformat())
        elif n % 2:
            listing["tanggalBatasJaminan"] = (end - timedelta(days=1)).isoformat()
        lots.append(parse_lot(listing, detail, site_base=SITE, file_base=FILES,
                              category=category))
    return lots


def make_config(base: Path, channels: list[str] | None) -> Any:
    from promo_pipeline import config

    data: dict[str, Any] = {
        "offices": [{"id": office_id(k), "name": name, "timezone": tz}
                    for k, (name, tz) in enumerate(OFFICES)],
        "brand": {"name": "KPKNL Bima", "handle": "@kpknlbima",
                  "contact": "KPKNL Bima · Jl. Gajah Mada, Kota Bima", "phone": "0374-5550115",
                  "website": "lelang.go.id",
                  "hashtags": ["#LelangNegara", "#KPKNLBima", "#DJKN", "#lelanggoid"]},
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
    }
    if channels:
        data["captions"] = {"channels": channels, "primary": channels[0]}
    return config.from_dict(data, base_dir=base)


def per_lot(fn: Callable[[Any], Any], lots: list[Any]) -> list[float]:
    """Seconds per call of *fn* for each lot (garbage collection as in a real run)."""
    out = []
    clock = time.perf_counter
    for lot in lots:
        t0 = clock()
        fn(lot)
        out.append(clock() - t0)
    return out


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {"mean": statistics.fmean(ms), "median": statistics.median(ms),
            "p95": ms[min(len(ms) - 1, int(len(ms) * 0.95))], "max": ms[-1],
            "total_s": sum(times)}


def machine() -> str:
    return (f"{platform.node() or 'unknown'} · {platform.system()} {platform.release()} · "
            f"{platform.machine()} · {os.cpu_count()} CPU · Python {platform.python_version()}")


def git_head() -> str:
    try:
        import subprocess

        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def run(args: argparse.Namespace) -> dict[str, Any]:
    t_import = time.perf_counter()
    from promo_pipeline import captions as cap
    from promo_pipeline import database, pipeline, queue
    from promo_pipeline.lots import save_lot
    import_s = time.perf_counter() - t_import

    results: dict[str, Any] = {"import_s": import_s}
    with tempfile.TemporaryDirectory(prefix="promo-bench-queue-") as tmp:
        base = Path(tmp)
        cfg = make_config(base, args.channels)
        results["channels"] = list(cfg.captions.channels)
        t0 = time.perf_counter()
        lots = build_lots(args.lots, args.samples, start=args.warmup)
        warm = build_lots(args.warmup, args.samples)
        results["build_s"] = time.perf_counter() - t0

        def make(lot: Any) -> dict[str, str]:
            return {ch: c.text for ch, c in cap.captions_for_lot(cfg, lot).items()}

        # First calls: template compilation, lazy imports (twitter-text, phonenumbers metadata).
        t0 = time.perf_counter()
        first = make(warm[0])
        cap.lint_for(cfg, first, lots=[warm[0]])
        results["first_call_s"] = time.perf_counter() - t0
        for lot in warm[1:]:
            cap.lint_for(cfg, make(lot), lots=[lot])

        texts: dict[str, dict[str, str]] = {}

        def captions_only(lot: Any) -> None:
            texts[lot.id] = make(lot)

        by_id = {lot.id: lot for lot in lots}

        def lint_only(lot: Any) -> None:
            cap.lint_for(cfg, texts[lot.id], lots=[by_id[lot.id]])

        results["captions"] = summary(per_lot(captions_only, lots))
        results["lint"] = summary(per_lot(lint_only, lots))
        results["chars"] = statistics.fmean(sum(len(t) for t in v.values())
                                            for v in texts.values())

        # The whole queue stage, into a fresh database holding the lots.
        fresh = build_lots(args.lots, args.samples, start=args.warmup + args.lots)
        db = database.connect(cfg.database_path)
        for lot in warm + fresh:
            save_lot(db, lot, seen_at=datetime.now(UTC).isoformat())
        images = [cfg.output_dir / "lot.feed.jpg"]
        # The statements' first preparation, as for the captions above.
        queue.sync_lot_posts(db, cfg, [(lot, images) for lot in warm])
        t0 = time.perf_counter()
        queue.apply_lot_states(db)
        states_s = time.perf_counter() - t0
        pages = [fresh[i:i + pipeline.PAGE_SIZE]
                 for i in range(0, len(fresh), pipeline.PAGE_SIZE)]
        page_s = per_lot(lambda page: queue.sync_lot_posts(db, cfg, [(lot, images)
                                                                      for lot in page]), pages)
        total = sum(page_s) + states_s
        results["stage"] = {"total_s": total, "per_lot_ms": total * 1000 / len(fresh)}
        results["apply_lot_states_s"] = states_s
        db.close()
    return results


def table(r: dict[str, Any]) -> Iterator[str]:
    yield "| per lot | mean | median | p95 | max |"
    yield "|---|---|---|---|---|"
    for key, label in (("captions", "captions (every channel fitted)"), ("lint", "lint")):
        s = r[key]
        yield (f"| {label} | {s['mean']:.2f} ms | {s['median']:.2f} ms | {s['p95']:.2f} ms | "
               f"{s['max']:.2f} ms |")
    yield (f"| whole queue stage (captions + lint + posts, pages of 500) | "
           f"{r['stage']['per_lot_ms']:.2f} ms | | | |")


def markdown(args: argparse.Namespace, r: dict[str, Any]) -> str:
    stage = r["stage"]["per_lot_ms"]
    lines = [
        "## Captions",
        "",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (commit {git_head()})",
        f"- Command: `python benchmarks/captions.py --lots {args.lots}`",
        f"- Setup: {args.lots} lots parsed from real lelang.go.id values (222 titles, limits, "
        f"deposits) and the 14 demo lots, each with its own id; channels "
        f"{', '.join(r['channels'])}; average {r['chars']:.0f} characters of caption per lot; "
        "fresh SQLite file (WAL, synchronous=FULL).",
        "",
        *table(r),
        "",
        f"Whole stage: {r['stage']['total_s']:.2f} s for {args.lots} lots = **{stage:.2f} ms per "
        f"lot** (target ≤ {TARGET_MS:g} ms: {'met' if stage <= TARGET_MS else 'not met'}). "
        f"One-off costs not in the per-lot figures: import {r['import_s'] * 1000:.0f} ms, first "
        f"caption and lint {r['first_call_s'] * 1000:.0f} ms.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lots", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--channels", nargs="+", default=None,
                        help="caption channels (default: the config default)")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not (args.samples / "segera-berakhir-2025.json").is_file():
        sys.exit(f"real samples not found in {args.samples} (--samples)")
    gc.collect()
    r = run(args)
    print(f"machine: {machine()}")
    print(f"lots: {args.lots}; channels: {', '.join(r['channels'])}; "
          f"{r['chars']:.0f} caption characters per lot")
    print(f"import {r['import_s'] * 1000:.0f} ms; first caption + lint "
          f"{r['first_call_s'] * 1000:.0f} ms; apply_lot_states {r['apply_lot_states_s']:.3f} s")
    for line in table(r):
        print(line)
    print(f"queue stage: {r['stage']['per_lot_ms']:.2f} ms per lot "
          f"(target ≤ {TARGET_MS:g} ms)")
    if args.markdown:
        print()
        print(markdown(args, r))


if __name__ == "__main__":
    main()
