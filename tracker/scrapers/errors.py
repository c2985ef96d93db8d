"""The two ways a source can fail: its bytes cannot be read, or it cannot be reached.

Both carry enough context (source, row, field) for a one-line message that points at the
problem, because a source that changes its format must be diagnosable from the run log alone.
"""

from __future__ import annotations

from tracker.errors import TrackerError


class ParseError(TrackerError, ValueError):
    """A response that cannot be read as the source's format (names source, row and field)."""

    def __init__(self, source: str, message: str, *, row: str = "", field: str = ""):
        self.source = source
        self.row = row
        self.field = field
        where = ", ".join(p for p in (row and f"row {row}", field and f"field {field!r}") if p)
        super().__init__(f"{source}: {where + ': ' if where else ''}{message}")


class FetchError(TrackerError, RuntimeError):
    """A request that did not produce a usable response after the allowed retries."""

    def __init__(self, url: str, message: str):
        self.url = url
        super().__init__(f"{url}: {message}")
