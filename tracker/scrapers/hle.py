"""Humanity's Last Exam: Epoch's republished external table (`hle_external.csv`).

No first-party HLE leaderboard (lastexam.ai, scale.com) is published in a machine-readable
form that this project could record, so HLE scores come from two routes: this table, which
Epoch ships inside its benchmark zip (records carry source `epoch`), and vendor-reported
numbers entered with `tracker add-score` (source `vendor`). The source id `hle` is kept for a
first-party feed should one appear.

Quirks: the score column is `Accuracy` (a fraction); there is no `Started at`; Epoch's id
collapses thinking and non-thinking runs into one `_unknown` id, and only the `Name` column
tells them apart, so that distinction is kept as the record's setting.
"""

from __future__ import annotations

import re

from tracker.scrapers.dates import finite_number, iso_day
from tracker.scrapers.tabular import read_rows
from tracker.source_records import RawScore, RowProblem

SOURCE = "epoch"
MEMBER = "hle_external.csv"
URL = "https://epoch.ai/data/benchmark_data.zip"
_NON_THINKING = re.compile(r"non[- ]?thinking", re.IGNORECASE)
_THINKING = re.compile(r"thinking", re.IGNORECASE)


def parse(data: bytes, *, retrieved_at: str, source_url: str = URL) -> list[RawScore | RowProblem]:
    """Records of one hle_external.csv (benchmark `hle`, score in percent)."""
    rows = read_rows(
        data, f"{SOURCE} {MEMBER}", ["Model version", "Accuracy", "Release date", "Organization"]
    )
    return [_record(line, row, retrieved_at, source_url) for line, row in rows]


def thinking_setting(display_name: str) -> str:
    """'thinking' / 'non-thinking' when the row's Name says so, else ''."""
    if _NON_THINKING.search(display_name):
        return "non-thinking"
    return "thinking" if _THINKING.search(display_name) else ""


def _record(line: int, row: dict[str, str], retrieved_at: str, source_url: str) -> RawScore | RowProblem:
    where = f"{MEMBER}:{line}"
    name = row["Model version"].strip()
    field = "Accuracy"
    try:
        if not name:
            field = "Model version"
            raise ValueError("empty model name")
        score = finite_number(row["Accuracy"]) * 100
        field = "Release date"
        release = iso_day(row["Release date"])
    except ValueError as exc:
        return RowProblem(SOURCE, where, field, str(exc), raw=row)
    display = row.get("Name", "").strip()
    notes = [
        f"Epoch external table (HLE leaderboard); name {display!r}" if display else "Epoch external table"
    ]
    if row.get("Notes", "").strip():
        notes.append(row["Notes"].strip())
    return RawScore(
        source=SOURCE,
        benchmark="hle",
        raw_model=name,
        score=score,
        source_url=source_url,
        retrieved_at=retrieved_at,
        setting=thinking_setting(display),
        tier="independent",
        lab=row["Organization"].strip(),
        release_date=release,
        row=where,
        note="; ".join(notes),
        display_name=display,
    )
