"""Small helpers shared by the cli_* modules: resolving paths, dates and JSON output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from tracker.paths import Paths


def paths_from(args: argparse.Namespace) -> Paths:
    """The project paths for this invocation (`--root` or the default checkout)."""
    root = getattr(args, "root", None)
    return Paths(Path(root).resolve()) if root else Paths.default()


def as_of_from(args: argparse.Namespace) -> dt.date:
    """The day a command answers for: `--as-of` or today (UTC)."""
    value = getattr(args, "as_of", None)
    return value if value else dt.datetime.now(dt.UTC).date()


def day(text: str) -> dt.date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def print_json(value: Any) -> None:
    """Stable JSON on stdout: sorted keys, two-space indent, no NaN."""
    json.dump(value, sys.stdout, indent=2, sort_keys=True, allow_nan=False, default=str)
    sys.stdout.write("\n")


def error(message: str) -> int:
    """Print a one-line error to stderr and return exit code 1."""
    print(f"tracker: error: {message}", file=sys.stderr)
    return 1
