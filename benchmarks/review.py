"""Benchmark of the review page: 500 pending posts, the queue page and a post page.

Builds a fresh project in a temporary folder (500 lots and pending posts inserted directly, each
with a real 1080×1350 JPEG and captions from the real caption writer), serves the page with
waitress on 127.0.0.1 exactly as ``promo review`` does, logs in over HTTP and measures:

- time per request (median and p95 over ``--repeat`` requests, loopback HTTP round trip, so it
  includes waitress) for the queue page (first page, and a page deep in the list) and a post page;
- bytes transferred for the queue page: HTML, CSS, JS and the thumbnails it shows, against what
  the full images would cost;
- how long the thumbnails take to make the first time, and to serve once cached.

Run: ``/work/venv/bin/python benchmarks/review.py [--posts 500] [--repeat 40] [--markdown]``
(``--markdown`` prints the section for ``benchmarks/README.md``). Target: ≤ 200 ms per request.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from review_fixtures import add_post, make_config, make_lot, write_jpeg  # noqa: E402

from promo_pipeline import accounts, database  # noqa: E402
from promo_pipeline.review import app as app_mod  # noqa: E402

TARGET_MS = 200.0
PASSWORD = "benchmark-password"


def build(base: Path, n_posts: int) -> tuple:
    cfg = make_config(base, page_size=50)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "bench", PASSWORD, role="admin")
    from review_fixtures import captions_for

    template_lot = make_lot(0)
    captions, lint = captions_for(cfg, template_lot)
    t0 = time.perf_counter()
    ids = []
    for n in range(1, n_posts + 1):
        lot = make_lot(n, title=f"Sebidang tanah dan bangunan SHM nomor {n} di Kota Bima")
        rel = f"images/{lot.id}/feed.jpg"
        write_jpeg(cfg.output_dir / rel, (1080, 1350),
                   ((n * 37) % 200, (n * 53) % 200, (n * 71) % 200))
        # The same captions text for every post: captioning is not what is measured here.
        ids.append(add_post(db, cfg, lot, images=[rel], captions=captions, lint=lint))
    db.conn.close()
    return cfg, ids, time.perf_counter() - t0


def timed(session: requests.Session, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = session.get(url, timeout=30)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    os.environ.pop("PROMO_SECRET_KEY", None)

    with tempfile.TemporaryDirectory(prefix="promo-bench-review-") as tmp:
        cfg, ids, build_s = build(Path(tmp), args.posts)
        server = app_mod.make_server(cfg, "127.0.0.1", 0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        s = requests.Session()
        try:
            s.get(f"{base}/login", timeout=30)
            token = _csrf(s, base)
            r = s.post(f"{base}/login", data={"name": "bench", "password": PASSWORD,
                                              "csrf_token": token}, timeout=30)
            r.raise_for_status()
            assert "/queue" in r.url, "login failed"

            html = s.get(f"{base}/queue", timeout=30).text
            thumbs = re.findall(r'src="(/thumb/[^"]+)"', html)
            assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
            t = time.perf_counter()
            cold = [s.get(base + u, timeout=60) for u in thumbs]
            cold_ms = (time.perf_counter() - t) * 1000
            thumb_bytes = sum(len(r.content) for r in cold)
            warm = timed(s, base + thumbs[0], args.repeat)
            asset_bytes = sum(len(s.get(base + u, timeout=30).content) for u in set(assets))
            full_bytes = sum((cfg.output_dir / u.removeprefix("/thumb/out/")).stat().st_size
                             for u in thumbs)

            queue_first = timed(s, f"{base}/queue", args.repeat)
            deep = (args.posts // 50) if args.posts > 50 else 1
            queue_deep = timed(s, f"{base}/queue?status=all&page={deep}", args.repeat)
            post_page = timed(s, f"{base}/posts/{ids[len(ids) // 2]}", args.repeat)
            history = timed(s, f"{base}/history", args.repeat)
        finally:
            s.close()  # close keep-alive connections before the server goes away
            time.sleep(0.2)
            server.close()
            thread.join(timeout=5)

    rows = {
        "queue page 1 (50 of 500 pending)": summary(queue_first),
        f"queue page {deep} (all statuses)": summary(queue_deep),
        "post page": summary(post_page),
        "history page": summary(history),
        "one cached thumbnail": summary(warm),
    }
    met = all(v["p95"] <= TARGET_MS for k, v in rows.items() if "thumbnail" not in k)
    result = {
        "machine": f"{platform.node()} · {platform.system()} {platform.release()} · "
                   f"{platform.machine()} · {os.cpu_count()} CPU · Python "
                   f"{platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": f"/work/venv/bin/python benchmarks/review.py --posts {args.posts} "
                   f"--repeat {args.repeat}",
        "html_bytes": len(html.encode()),
        "asset_bytes": asset_bytes,
        "thumbs": len(thumbs),
        "thumb_bytes": thumb_bytes,
        "full_bytes": full_bytes,
        "cold_thumbs_ms": cold_ms,
        "build_s": build_s,
    }
    if args.markdown:
        print(_markdown(rows, result, met))
    else:
        for name, v in rows.items():
            print(f"{name:40s} median {v['median']:7.1f} ms  p95 {v['p95']:7.1f} ms  "
                  f"max {v['max']:7.1f} ms")
        print(f"queue page HTML {result['html_bytes']:,} B, CSS+JS {asset_bytes:,} B, "
              f"{len(thumbs)} thumbnails {thumb_bytes:,} B (full images would be "
              f"{full_bytes:,} B); first thumbnails made in {cold_ms:.0f} ms")
        print(f"target ≤ {TARGET_MS:.0f} ms per page request (p95): {'met' if met else 'NOT met'}")
    return 0 if met else 1


def _csrf(s: requests.Session, base: str) -> str:
    html = s.get(f"{base}/login", timeout=30).text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _markdown(rows, r, met) -> str:
    kb = 1024
    lines = [
        f"- Machine: {r['machine']}",
        f"- Date: {r['date']}",
        f"- Command: `{r['command']}`",
        f"- Setup: 500 pending posts with a 1080×1350 JPEG each and four captions "
        f"(built in {r['build_s']:.0f} s), waitress on 127.0.0.1, times are HTTP round trips "
        "over loopback after login.",
        "",
        "| request | median | p95 | max | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in rows.items():
        target = "—" if "thumbnail" in name else f"≤ {TARGET_MS:.0f} ms"
        ok = "—" if "thumbnail" in name else ("yes" if v["p95"] <= TARGET_MS else "no")
        lines.append(f"| {name} | {v['median']:.1f} ms | {v['p95']:.1f} ms | "
                     f"{v['max']:.1f} ms | {target} | {ok} |")
    lines += [
        "",
        "| bytes for the queue page | size |",
        "|---|---|",
        f"| HTML (50 posts) | {r['html_bytes'] / kb:.1f} KiB |",
        f"| CSS + JS (cached after the first visit) | {r['asset_bytes'] / kb:.1f} KiB |",
        f"| {r['thumbs']} thumbnails | {r['thumb_bytes'] / kb:.1f} KiB "
        f"({r['thumb_bytes'] / max(1, r['thumbs']) / kb:.1f} KiB each) |",
        f"| the same {r['thumbs']} full images, for comparison | "
        f"{r['full_bytes'] / kb:.1f} KiB |",
        "",
        f"First view of the page makes its {r['thumbs']} thumbnails once: "
        f"{r['cold_thumbs_ms']:.0f} ms in total (sequential requests); later views serve them "
        f"from the cache. Target ≤ {TARGET_MS:.0f} ms per page request (p95): "
        f"**{'met' if met else 'not met'}**.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
