"""Rerun every benchmark, one subprocess each, and print their outputs.

    python benchmarks/run_all.py              # the commands recorded in benchmarks/README.md
    python benchmarks/run_all.py --quick      # smaller sizes, a few minutes in all
    python benchmarks/run_all.py --only load --only collect

Each script prints its own figures (``--markdown`` where it has one: the section for
``benchmarks/README.md``); this runner adds nothing but the command, its exit status and its
wall time, and exits 1 when any script failed. It never edits the README (``render.py --write``
is not passed): copy the sections you want to keep.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name → (full arguments, quick arguments)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "collect": (["--lots", "1000", "--markdown"], ["--lots", "200", "--markdown"]),
    "render": (["--repeat", "15", "--lots", "200"], ["--repeat", "3", "--lots", "20"]),
    "review": (["--posts", "500", "--repeat", "40", "--markdown"],
               ["--posts", "100", "--repeat", "10", "--markdown"]),
    "queue_stage": (["--lots", "2000", "--markdown"], ["--lots", "200", "--markdown"]),
    "captions": (["--lots", "2000", "--markdown"], ["--lots", "200", "--markdown"]),
    "load": (["--lots", "10000", "--markdown"],
             ["--lots", "200", "--formats", "feed", "--markdown"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--only", action="append", choices=sorted(BENCHMARKS),
                    help="run only this benchmark (repeatable)")
    args = ap.parse_args()
    failed = []
    for name in args.only or list(BENCHMARKS):
        full, quick = BENCHMARKS[name]
        cmd = [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick else full)]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(cmd, check=False)
        took = time.perf_counter() - started
        print(f"=== {name}: exit {proc.returncode} in {took:.0f} s", flush=True)
        if proc.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
