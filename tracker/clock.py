"""The clock, kept at the edge: library code takes `now`/`as_of` as arguments, and only the
command line reads the wall clock (through `utc_now`). A replay of a past day uses the last
second of that day, so every replay of the same day produces the same instants."""

from __future__ import annotations

import datetime as dt


def instant_for(as_of: dt.date) -> dt.datetime:
    """The instant a replay of `as_of` runs at: that day at 23:59:59 UTC."""
    return dt.datetime.combine(as_of, dt.time(23, 59, 59), tzinfo=dt.UTC)


def utc_now() -> dt.datetime:
    """The wall clock in UTC, to the second (what data/ records never has microseconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
