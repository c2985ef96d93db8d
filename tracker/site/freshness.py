"""How old each source's data are: the newest day a source's scores speak for, per source.

"Last data update" on the index is the newest *source data* date, not the day a row was typed
in: a scraped snapshot speaks for the day it was taken (or the score's own reported date when
newer), a hand-typed vendor row only for the date the vendor reported. Every source the data
name is listed, so a new source appears without a template edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tracker.records import Observation

TYPED_IN = frozenset({"vendor"})  # rows entered by hand: retrieved_at is the typing day, not a data date


def data_day(observation: Observation) -> str:
    """The day an observation's value speaks for ('' when a typed-in row gives no reported date)."""
    retrieved = "" if observation.source in TYPED_IN else observation.retrieved_at[:10]
    return max(observation.reported_date or "", retrieved)


def source_ages(observations: Iterable[Observation], sources: dict[str, dict], as_of: dt.date) -> list[dict]:
    """One row per source (observations' sources and data/sources.json's), sorted by name:
    its newest data day known by `as_of`, that day's age in days, and its scores counted."""
    day = as_of.isoformat()
    newest: dict[str, str] = {name: "" for name in sources}
    counts: dict[str, int] = {name: 0 for name in sources}
    for observation in observations:
        if observation.retrieved_at[:10] > day:
            continue
        name = observation.source
        newest[name] = max(newest.get(name, ""), data_day(observation))
        counts[name] = counts.get(name, 0) + 1
    rows = []
    for name in sorted(newest):
        date = newest[name]
        age = (as_of - dt.date.fromisoformat(date)).days if date else None
        status = (sources.get(name) or {}).get("status") if isinstance(sources.get(name), dict) else None
        rows.append(
            {"name": name, "data_date": date, "age_days": age, "scores": counts[name], "status": status}
        )
    return rows


def newest_data_day(ages: list[dict]) -> str:
    """The newest data day over all sources ('' when none is dated)."""
    return max((row["data_date"] for row in ages), default="")
