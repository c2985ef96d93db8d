"""`python -m benchmarks season [--days N] [--seed S]`: a simulated season of operation under
seeded faults (tests/season.py), 64 days by default, from 2025-11-18 (so the SWE-bench snapshots
of 2025-11-19 and 2025-12-02 and Epoch's of 2026-01-20 arrive during it). Prints the counts
recorded in docs/benchmarks.md and every invariant violation; exit 1 if there is one."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from scraper_server import scripted_server  # noqa: E402
from season import counts_table, make_plan, play  # noqa: E402

START = dt.date(2025, 11, 18)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks season")
    parser.add_argument("--days", type=int, default=64)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--site-every", type=int, default=8, help="compare the site with a replay every N days"
    )
    args = parser.parse_args(argv)
    plan = make_plan(START, days=args.days, seed=args.seed, source_rate=0.25, run_rate=0.3)
    started, cpu = time.perf_counter(), time.process_time()
    with scripted_server() as server, tempfile.TemporaryDirectory(prefix="cape-season-") as tmp:
        report = play(Path(tmp), plan, server, site_every=args.site_every)
    print(
        f"season of {args.days} days from {START}, seed {args.seed}: "
        f"{time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU (this process)"
    )
    print("| what | count |\n|---|---|")
    print(counts_table(report))
    covered = sorted({b for b, _ in report.kill_boundaries})
    print(f"kill boundaries (boundary, of): {report.kill_boundaries}; distinct {len(covered)}")
    for violation in report.violations:
        print(f"VIOLATION {violation}")
    return 1 if report.violations else 0
