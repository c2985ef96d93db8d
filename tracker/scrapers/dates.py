"""Date cells as sources write them, checked once so every parser rejects the same things."""

from __future__ import annotations

import datetime as dt
import math


def iso_day(value: str) -> str:
    """A YYYY-MM-DD cell unchanged, '' for blank; ValueError for anything else."""
    text = value.strip()
    if not text:
        return ""
    dt.date.fromisoformat(text)
    if len(text) != 10:
        raise ValueError(f"not YYYY-MM-DD: {value!r}")
    return text


def iso_instant(value: str) -> str:
    """An ISO-8601 instant normalised to UTC 'YYYY-MM-DDTHH:MM:SS.fffZ', '' for blank."""
    text = value.strip()
    if not text:
        return ""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def finite_number(value: object) -> float:
    """A finite float from a cell or JSON value; ValueError for text, NaN, infinity or bool."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def to_seconds(instant: str) -> str:
    """The data/ form of a normalised instant: seconds and a trailing Z ('' stays '')."""
    return instant[:19] + "Z" if len(instant) > 20 else instant


def partial_day(value: object) -> tuple[str, str]:
    """(date, precision) of a YYYY, YYYY-MM or YYYY-MM-DD value: ("2026-01", "month").

    ("", "") for blank; ValueError for anything else, so a month is kept a month instead of
    being read as its first day.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", ""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    precision = {4: "year", 7: "month", 10: "day"}.get(len(text))
    if precision is None or not text[:4].isdigit():
        raise ValueError(f"not YYYY, YYYY-MM or YYYY-MM-DD: {value!r}")
    dt.date.fromisoformat((text + "-01-01")[:10] if precision != "day" else text)
    return text, precision
