"""How the committed data/ was built from the recorded snapshots (reproducible, offline).

`python -m tracker.scrapers.seed FIXTURES_DIR [ROOT]` replays the recorded source responses in date
order (Epoch 2025-11-01, 2026-01-20, 2026-03-12, 2026-04-11; SWE-bench 2025-11-19,
2025-12-02), each merged with the clock at 00:00:00Z of its snapshot day, so the ledger says
when each model and score first appeared. It then seeds data/vendor_scores.csv from the
transcribed recent_models.csv and merges it, and puts the newest real response of each
source in data/cache/ so that `tracker scrape --offline` rebuilds from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

from tracker.records import SETTING_FIELDS
from tracker.scrapers import vendor

BENCHMARK_IDS = {
    "SWE-bench Verified": "swe_bench_verified",
    "GPQA Diamond": "gpqa_diamond",
    "Humanity's Last Exam": "hle",
    "IFEval": "ifeval",
}
# Settings the transcribed pages state (fixtures PROVENANCE.md, section 5): the variant, the
# words of the page, and the structured setting columns.
KNOWN_SETTINGS: dict[tuple[str, str], tuple[str, str, dict[str, str]]] = {
    ("Claude Opus 4.8", "hle"): ("max", "Adaptive Reasoning, Max Effort", {"effort": "max"}),
    ("GPT-5.5", "hle"): ("no-tools", "no tools", {"tools": "none"}),
    ("GPT-5.4", "hle"): ("no-tools", "no tools", {"tools": "none"}),
    ("Gemini 3.1 Pro", "hle"): ("no-tools", "no tools", {"tools": "none"}),
}
SEED_ADDED_AT = "2026-11-26T00:00:00Z"


def transcribed_vendor_rows(data: bytes, *, added_at: str = SEED_ADDED_AT) -> list[dict[str, str]]:
    """vendor_scores.csv rows from the hand-transcribed recent_models.csv.

    Every page they come from is a blog, news or course page repeating a number (fixtures
    PROVENANCE.md, section 5), so every row is tier `secondary`: shown, never deciding.
    """
    rows = []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        benchmark = BENCHMARK_IDS.get(row["benchmark"], row["benchmark"])
        variant, setting, columns = KNOWN_SETTINGS.get((row["model"], benchmark), ("", "", {}))
        note = (
            f"transcribed by hand from a stored copy of '{row['retrieved_from']}'; "
            "vendor number repeated by a secondary site; low trust"
        )
        rows.append(
            {
                "model": row["model"],
                "lab": row["lab"],
                "release_date": row["release_date"],
                "benchmark": benchmark,
                "score": row["score"],
                "source_url": row["source_url"],
                "reported_date": "",
                "variant": variant,
                "note": note + (f"; setting stated: {setting}" if setting else ""),
                "added_at": added_at,
                "tier": "secondary",
                **{name: columns.get(name, "") for name in SETTING_FIELDS},
            }
        )
    return rows


def vendor_csv(rows: list[dict[str, str]]) -> str:
    """The text of a vendor_scores.csv holding `rows`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=vendor.FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def day_start(day: str) -> dt.datetime:
    """00:00:00Z of a snapshot day: the instant a replayed snapshot becomes known."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0, 0), dt.UTC)


def main(argv: list[str]) -> int:
    """Rebuild data/ under ROOT (default: this checkout) from the fixtures directory."""
    from tracker.scrapers.replay import build_committed_data

    if not argv:
        print("usage: python -m tracker.scrapers.seed FIXTURES_DIR [ROOT]", file=sys.stderr)
        return 2
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    for line in build_committed_data(Path(argv[0]), root):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
