"""Keeping secrets out of logs, data/ and error messages.

Tokens, webhook URLs and the SMTP password come from the environment only. They are held in
`Secret` (whose repr and str never show the value) and every error text this package stores
or prints goes through a `Redactor` first. httpx logs each request URL at INFO level, and a
Slack or webhook URL is itself a credential, so while alerts are delivered a filter rewrites
those log records too.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 4
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "tracker.alerts",
)


class Secret:
    """A credential read from the environment. Shows as *** unless `reveal()` is called."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """The value itself: only for putting it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def secret_forms(value: str) -> set[str]:
    """The spellings a secret can take in a message: as given, URL-quoted, and for a URL
    its path and query (what an HTTP log line or server error echoes back)."""
    forms = {value, quote(value, safe="")}
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        if len(tail) > 1:
            forms.add(tail)
        forms.add(value.rstrip("/"))
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Redactor:
    """Replaces every known secret (in each of its forms) with ***."""

    def __init__(self, secrets: Iterable[str]):
        forms: set[str] = set()
        for value in secrets:
            if value:
                forms |= secret_forms(value)
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites a log record's message (and traceback) with the secrets masked."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            record.exc_text = self.redactor("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


@contextmanager
def redacted_logs(redactor: Redactor, names: Iterable[str] = LIBRARY_LOGGERS) -> Iterator[None]:
    """While the block runs, records of the HTTP libraries and this package are redacted."""
    log_filter = RedactingFilter(redactor)
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(log_filter)
