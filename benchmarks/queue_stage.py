"""Queue-stage benchmark (run by hand): captions, lint and posts for a catalogue of stored lots.

    python benchmarks/queue_stage.py                    # 2,000 lots over 20 offices
    python benchmarks/queue_stage.py --lots 500 --markdown

What it does: stores ``--lots`` synthetic lots (the titles and figures of ``load.py``) in a
fresh SQLite file (WAL, synchronous=FULL), gives each one rendered-image path (no pixels: the
renderer is not measured here), then runs the pipeline's queue stage exactly as ``promo run``
does — :func:`promo_pipeline.queue.apply_lot_states`, then :func:`~promo_pipeline.queue.
sync_lot_posts` a page of 500 lots at a time — twice: the first run makes every post, the second
finds them all. Measured: milliseconds per lot for each run, wall-clock and this process's CPU
time (on a shared machine the wall time includes waiting for a core; the CPU time does not), and
the share of the first run spent writing captions and their lint (the rest is the database and
the queue's own work). The first run includes one-time costs (twitter-text's tables, compiling
the caption templates, Babel's locale data, phonenumbers' metadata).

Target (issue 9): the first run's queue stage at most 3 ms a lot.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import KINDS, OFFICES, office_id  # noqa: E402

from promo_pipeline import clock, database, pipeline  # noqa: E402
from promo_pipeline import config as config_mod  # noqa: E402
from promo_pipeline.lots import Item, Lot, iter_postable, lot_url, save_lot  # noqa: E402
from promo_pipeline.queue import create  # noqa: E402

TARGET_MS = 3.0


def make_lots(count: int, now: datetime) -> list[Lot]:
    wib = now.astimezone().tzinfo
    start = now.replace(microsecond=0, second=0, minute=0) + timedelta(days=10)
    lots = []
    for n in range(count):
        category, title, kind = KINDS[n % len(KINDS)]
        office = office_id(n % OFFICES)
        lot_id = f"10ad0000-0000-4000-8000-{n:012d}"
        ends = (start + timedelta(minutes=10 * n)).astimezone(wib)
        lots.append(Lot(
            id=lot_id, office_id=office, office_name=f"KPKNL Beban {n % OFFICES + 1}",
            title=title.format(year=2010 + n % 12, n=1000 + n, area=100 + n)
            .replace("m<sup>2</sup>", "m²"),
            limit_value=5_000_000 + 250_000 * n, deposit=1_000_000 + 50_000 * n,
            bid_increment=100_000, ends_at=ends, starts_at=ends - timedelta(days=14),
            deposit_deadline=ends - timedelta(days=1), url=lot_url("https://lelang.go.id", office,
                                                                   lot_id),
            category=category, location="KOTA BANDUNG", province="JAWA BARAT",
            bidding_method="OPEN_BIDDING", code=f"L{n:05d}",
            items=(Item(name=kind, kind=kind, address="Jl. Asia Afrika, Kota Bandung"),),
            photos=(f"https://file.lelang.go.id/lelang/photo_barang/pool-{n % 50}.jpg",)))
    return lots


def run_stage(state: pipeline.RunState) -> tuple[float, float, dict[str, int]]:
    """The queue stage once: wall seconds, this process's CPU seconds, its counts."""
    queue_stage = dict(pipeline.STAGES)["queue"]
    started, cpu = time.perf_counter(), time.process_time()
    counts = queue_stage(state)
    return time.perf_counter() - started, time.process_time() - cpu, counts


def machine() -> str:
    return (f"{platform.node() or 'unknown'} · {platform.system()} {platform.release()} · "
            f"{platform.machine()} · {os.cpu_count()} CPU · Python {platform.python_version()}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lots", type=int, default=2000)
    ap.add_argument("--markdown", action="store_true", help="print the README section")
    args = ap.parse_args()

    # The captions and their lint, timed where the queue calls them.
    spent = [0.0, 0.0]  # wall, CPU
    real_captions = create._captions

    def timed_captions(*a, **kw):  # type: ignore[no-untyped-def]
        t, c = time.perf_counter(), time.process_time()
        try:
            return real_captions(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += time.process_time() - c

    create._captions = timed_captions  # type: ignore[assignment]
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, clock.use(now):
        cfg = config_mod.from_dict({
            "offices": [{"id": office_id(k), "name": f"KPKNL Beban {k + 1}",
                         "timezone": "Asia/Jakarta"} for k in range(OFFICES)],
            "brand": {"name": "KPKNL Beban", "handle": "@kpknl", "contact": "WA 0812-3456-7890",
                      "hashtags": ["LelangNegara"]},
        }, base_dir=Path(tmp))
        db = database.connect(cfg.database_path)
        lots = make_lots(args.lots, now)
        for lot in lots:
            save_lot(db, lot, seen_at=clock.iso(now))
        assert sum(len(p) for p in iter_postable(db, now)) == len(lots)
        state = pipeline.RunState(cfg=cfg, db=db, now=now)
        state.images = {lot.id: [cfg.output_dir / "images" / lot.id / "feed.jpg"]
                        for lot in lots}
        first, first_cpu, c1 = run_stage(state)
        caption_s, caption_cpu = spent
        second, second_cpu, c2 = run_stage(state)
        db.close()
    n = args.lots
    first_ms, second_ms = first / n * 1000, second / n * 1000
    cap_ms = caption_s / n * 1000
    first_cpu_ms, second_cpu_ms = first_cpu / n * 1000, second_cpu / n * 1000
    cap_cpu_ms = caption_cpu / n * 1000
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    assert c1["queued"] == n and c2["existing"] == n, (c1, c2)
    if args.markdown:
        print("\n".join([
            "## Queue stage", "",
            f"- Machine: {machine()}",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Command: `python benchmarks/queue_stage.py --lots {n}`",
            f"- Load average at the end: {' / '.join(f'{x:.1f}' for x in load) if load else '?'}",
            "",
            "| run | per lot (wall) | per lot (CPU) | of which captions + lint (wall / CPU) "
            "| target | met (wall) |",
            "|---|---|---|---|---|---|",
            f"| first ({n} posts made) | {first_ms:.2f} ms | {first_cpu_ms:.2f} ms "
            f"| {cap_ms:.2f} / {cap_cpu_ms:.2f} ms | ≤ {TARGET_MS:g} ms "
            f"| {'yes' if first_ms <= TARGET_MS else 'no'} |",
            f"| second (all found) | {second_ms:.2f} ms | {second_cpu_ms:.2f} ms | — | — | — |",
        ]))
    else:
        print(f"{n} lots: first run {first_ms:.2f} ms/lot (captions + lint {cap_ms:.2f}, "
              f"the rest {first_ms - cap_ms:.2f}); CPU {first_cpu_ms:.2f} ms/lot "
              f"(captions + lint {cap_cpu_ms:.2f}); second run {second_ms:.2f} ms/lot "
              f"(CPU {second_cpu_ms:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
