"""How the committed data/ was built from the recorded snapshots (reproducible, offline).

`python -m tracker.scrapers.seed FIXTURES_DIR [ROOT]` replays the recorded source responses in date
order (Epoch 2025-11-01, 2026-01-20, 2026-03-12, 2026-04-11; SWE-bench 2025-11-19,
2025-12-02), each merged with the clock at 00:00:00Z of its snapshot day, so the ledger says
when each model and score first appeared. It then seeds data/vendor_scores.csv from the
transcribed recent_models.csv and merges it, and puts the newest real response of each
source in data/cache/ so that `tracker scrape --offline` rebuilds from it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tracker.errors import UsageError
from tracker.paths import find_root
from tracker.scrapers.replay import build_committed_data


def main(argv: list[str]) -> int:
    """Rebuild data/ under ROOT (default: the checkout the working directory is in) from the fixtures."""
    if not argv:
        print("usage: python -m tracker.scrapers.seed FIXTURES_DIR [ROOT]", file=sys.stderr)
        return 2
    try:
        root = find_root(Path.cwd(), argv[1] if len(argv) > 1 else None, os.environ)
    except UsageError as exc:
        print(f"tracker.scrapers.seed: error: {exc}", file=sys.stderr)
        return 2
    for line in build_committed_data(Path(argv[0]), root):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
