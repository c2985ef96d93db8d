"""The vendor scores the authors transcribed by hand (recent_models.csv), as vendor_scores.csv rows.

Kept low-trust: each row says it was transcribed from a stored copy of a page that repeated the
vendor's number. tracker.scrapers.replay seeds data/vendor_scores.csv from them when it rebuilds
the committed data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from tracker.records import SETTING_FIELDS

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


def day_start(day: str) -> dt.datetime:
    """00:00:00Z of a snapshot day: the instant a replayed snapshot becomes known."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0, 0), dt.UTC)
