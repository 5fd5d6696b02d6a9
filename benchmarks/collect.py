"""Benchmark the collector: 1,000 synthetic lots on the fake lelang.go.id, scraped twice.

Run by hand (not a test)::

    python benchmarks/collect.py            # 1,000 lots, half of them with a photo
    python benchmarks/collect.py --lots 200

Everything is real except the server: the collector, HTTP over loopback, the SQLite file (WAL,
synchronous=FULL) and the photo cache in a temporary folder. ``source.requests_per_second`` is
raised to 1,000 for the bench (the production default is 2): the point is the collector's own
cost, not the politeness delay. Target: the second, unchanged scrape makes only listing-page
requests and takes under 5 s.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from promo_pipeline import collect, database
from promo_pipeline import config as config_mod
from promo_pipeline.demo.dataset import Dataset
from promo_pipeline.demo.server import FakeLelang

OFFICE = "0b1a0000-0000-4000-8000-000000000001"
KINDS = [
    ("Mobil", "1 (satu) unit Mobil Toyota Avanza Tahun {year}, Nomor Polisi EA {n} KB di Kab. Bima",
     "Kendaraan Bermotor Roda Empat"),
    ("Motor", "1 (satu) unit Sepeda Motor Honda Vario Tahun {year} di Kab. Dompu",
     "Kendaraan Bermotor Roda Dua"),
    ("Tanah", "1 bidang tanah dengan total luas {area} m<sup>2</sup> di Kab. Sumbawa", "Tanah"),
    ("Rumah", "1 bidang tanah dengan total luas {area} m<sup>2</sup> berikut bangunan di Kota "
              "Bima", "Tanah dan Bangunan"),
    ("Besi Tua", "1 (satu) paket Scrap/Besi Tua eks kantor di Kota Bima", "Scrap/Besi Tua"),
]


def photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    im = Image.new("RGB", (640, 480), tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rnd.randrange(600), rnd.randrange(440)
        draw.rectangle((x, y, x + 40, y + 40), fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def build_dataset(count: int) -> Dataset:
    ds = Dataset(offices=[{"id": OFFICE, "nama": "KPKNL Bima"}])
    start = datetime.now(UTC).astimezone().replace(microsecond=0) + timedelta(days=10)
    for n in range(count):
        category, title, kind = KINDS[n % len(KINDS)]
        lot_id = f"b0000000-0000-4000-8000-{n:012d}"
        ends = (start + timedelta(hours=n)).strftime("%Y-%m-%dT%H:00:00+07:00")
        photos = []
        if n % 2 == 0:
            name = f"{lot_id}.jpg"
            ds.files[f"photo_barang/{name}"] = photo(n)
            photos = [{"iscover": True, "deletedAt": None,
                       "file": {"folder": "photo_barang", "fileName": name}}]
        item = {"lotLelangId": lot_id, "unitKerjaId": OFFICE, "namaUnitKerja": "KPKNL Bima",
                "namaLotLelang": title.format(year=2010 + n % 12, n=1000 + n, area=100 + n),
                "namaLokasi": "KAB. BIMA", "nilaiLimit": str(5_000_000 + 250_000 * n),
                "uangJaminan": str(1_000_000 + 50_000 * n), "tglSelesaiLelang": ends,
                "status": "TAYANG", "caraPenawaran": "OPEN_BIDDING", "photos": photos}
        detail = dict(item, id=lot_id, namaKategoriLelang=category, kodeLot=f"B{n:05d}",
                      tanggalBatasJaminan=ends, kelipatanBid="100000",
                      content={"barangs": [{"nama": kind, "jenisBarang": {"nama": kind},
                                            "alamat": "Jl. Soekarno-Hatta, Kota Bima",
                                            "uraian": "<p>Kondisi apa adanya.</p>"}],
                               "seller": {"namaPenjual": "Kepala Kantor"}})
        ds.add_lot(OFFICE, item, detail, category=category)
    return ds


def scrape(cfg: config_mod.Config, db, server: FakeLelang) -> tuple[float, dict, dict]:
    server.reset_log()
    started = time.perf_counter()
    stats = collect.collect_all(cfg, db, progress=False)
    elapsed = time.perf_counter() - started
    return elapsed, stats.counts(), dict(server.counts)


def machine() -> str:
    return (f"{platform.node() or 'unknown'} · {platform.system()} {platform.release()} · "
            f"{platform.machine()} · {os.cpu_count()} CPU · Python {platform.python_version()}")


def markdown(args: argparse.Namespace, results: list[tuple[str, float, dict, dict]]) -> str:
    second = results[1]
    only_listing = set(second[3]) == {"listing"}
    met = only_listing and second[1] < 5.0
    lines = [
        "## Collect", "",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Command: `python benchmarks/collect.py --lots {args.lots}`",
        f"- Setup: {args.lots} synthetic lots of one office on the fake lelang.go.id (127.0.0.1, "
        "in-process), every second lot with one 640×480 JPEG; page size 50; real SQLite file "
        "(WAL, synchronous=FULL) and photo cache in a temporary folder. "
        "`source.requests_per_second` raised to 1,000 for the bench (default 2).",
        "",
        "| scrape | time | requests (listing / detail / photo) | lots new / unchanged "
        "| photos downloaded / cached |",
        "|---|---|---|---|---|",
    ]
    for label, elapsed, counts, requests in results:
        lines.append(
            f"| {label} | {elapsed:.2f} s | {counts['requests']} ({requests.get('listing', 0)} / "
            f"{requests.get('detail', 0)} / {requests.get('file', 0)}) | {counts['lots_new']} / "
            f"{counts['lots_unchanged']} | {counts['photos_downloaded']} / "
            f"{counts['photos_cached']} |")
    lines += ["", "Target: the second, unchanged scrape makes only listing-page requests and "
              f"takes under 5 s: **{'met' if met else 'not met'}**."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=1000)
    parser.add_argument("--markdown", action="store_true",
                        help="print the section for benchmarks/README.md")
    args = parser.parse_args()
    ds = build_dataset(args.lots)
    results = []
    with FakeLelang(ds) as server, tempfile.TemporaryDirectory() as tmp:
        cfg = config_mod.from_dict({
            "offices": [{"id": OFFICE, "name": "KPKNL Bima", "timezone": "Asia/Makassar"}],
            "source": {"api_base": server.api_base, "file_base": server.file_base,
                       "requests_per_second": 1000.0, "page_size": 50},
        }, base_dir=Path(tmp))
        db = database.connect(cfg.database_path)
        for label in ("first", "second, unchanged"):
            elapsed, counts, requests = scrape(cfg, db, server)
            results.append((label, elapsed, counts, requests))
            if not args.markdown:
                print(f"{label} scrape: {elapsed:.2f} s, requests {counts['requests']} "
                      f"{requests}, lots new {counts['lots_new']} unchanged "
                      f"{counts['lots_unchanged']}, photos downloaded "
                      f"{counts['photos_downloaded']} cached {counts['photos_cached']}")
        db.close()
    if args.markdown:
        print(markdown(args, results))


if __name__ == "__main__":
    main()
