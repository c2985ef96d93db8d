"""Vendor-reported scores: the committed `data/vendor_scores.csv` and `tracker add-score`.

Some numbers exist only in a model card or a launch post (IFEval for most frontier models,
fresh SWE-bench claims, HLE without tools). They are entered by hand with a URL and a date,
stored with source `vendor` and shown on the site as vendor-reported. Rows are low-trust by
nature: two rows for one model and benchmark that disagree are quarantined, not averaged.

Columns: model, lab, release_date, benchmark, score, source_url, reported_date, variant,
note, added_at, tier, tools, attempts, effort, harness, hle_subset, ifeval_metric.
`reported_date` is the page's own date (the source date G11 counts by); `added_at` is when the
row entered the project; it is the observation's retrieved_at, so `--as-of` replays see a
vendor score only from that day. `tier` says who stands behind the number: `first_party` (the
lab's own page, model card, system card, paper), `independent` (an evaluator or official
leaderboard) or `secondary` (a blog or news page repeating a number). A row without a tier is
quarantined: a number nobody vouched for must not be mistaken for the lab's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

from tracker.records import SETTING_FIELDS, TIERS, setting_problem
from tracker.scrapers.dates import finite_number, iso_day, iso_instant, to_seconds
from tracker.scrapers.tabular import read_rows
from tracker.source_records import RawScore, RowProblem

SOURCE = "vendor"
FIELDS = [
    "model",
    "lab",
    "release_date",
    "benchmark",
    "score",
    "source_url",
    "reported_date",
    "variant",
    "note",
    "added_at",
    "tier",
    *SETTING_FIELDS,
]
REQUIRED = ["model", "benchmark", "score", "source_url"]


def parse(data: bytes, *, retrieved_at: str) -> list[RawScore | RowProblem]:
    """Records of vendor_scores.csv; `retrieved_at` stands in for a blank `added_at`."""
    return [_record(line, row, retrieved_at) for line, row in read_rows(data, SOURCE, REQUIRED)]


def _partial_day(value: str) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD (release dates are often known to the month only)."""
    text = value.strip()
    if text and len(text) in (4, 7):
        dt.date.fromisoformat((text + "-01-01")[:10] if len(text) == 4 else text + "-01")
        return text
    return iso_day(text)


def _record(line: int, row: dict[str, str], retrieved_at: str) -> RawScore | RowProblem:
    where = f"vendor_scores.csv:{line}"
    field = "model"
    try:
        if not row["model"].strip():
            raise ValueError("empty")
        field = "score"
        score = finite_number(row["score"])
        field = "release_date"
        release = _partial_day(row.get("release_date", ""))
        field = "reported_date"
        reported = iso_day(row.get("reported_date", ""))
        field = "added_at"
        added = iso_instant(row.get("added_at", "")) or retrieved_at
    except ValueError as exc:
        return RowProblem(SOURCE, where, field, str(exc), raw=row)
    setting = {name: (row.get(name) or "").strip() for name in ("tier", *SETTING_FIELDS)}
    if not setting["tier"]:
        return RowProblem(SOURCE, where, "tier", f"empty; one of {', '.join(TIERS)}", raw=row)
    problem = setting_problem(SimpleNamespace(**setting))
    if problem:
        return RowProblem(SOURCE, where, problem[0], problem[1], raw=row)
    return RawScore(
        source=SOURCE,
        benchmark=row["benchmark"].strip(),
        raw_model=row["model"].strip(),
        score=score,
        source_url=row["source_url"].strip(),
        retrieved_at=to_seconds(added),
        reported_date=reported,
        setting=row.get("variant", "").strip(),
        lab=row.get("lab", "").strip(),
        release_date=release,
        row=where,
        note=row.get("note", "").strip(),
        display_name=row["model"].strip(),
        **setting,
    )


def vendor_csv(rows: list[dict[str, str]]) -> str:
    """The text of a vendor_scores.csv holding `rows`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
