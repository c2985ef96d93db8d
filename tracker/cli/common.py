"""Small helpers shared by the command modules: resolving paths, dates and JSON output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.clock import utc_now
from tracker.paths import Paths, find_root


def paths_from(args: argparse.Namespace) -> Paths:
    """The project paths for this invocation: `--root`, CAPE_TRACKER_ROOT, or the checkout the
    working directory is in (tracker.paths.find_root); a UsageError before anything is touched."""
    return Paths(find_root(Path.cwd(), getattr(args, "root", None), os.environ))


def as_of_from(args: argparse.Namespace) -> dt.date:
    """The day a command answers for: `--as-of` or today (UTC)."""
    value = getattr(args, "as_of", None)
    return value if value else utc_now().date()


def seconds(text: str) -> float:
    """argparse type for a duration: a finite number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds >= 0: {text!r}")
    return value


def whole_seconds(text: str) -> int:
    """argparse type for a whole number of seconds, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds >= 0: {text!r}")
    return value


def port(text: str) -> int:
    """argparse type for a TCP port: 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text!r}")
    return value


def day(text: str) -> dt.date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def group_help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """The handler of a command group called without its action: its help on stderr, exit 2."""

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show_help


def print_json(value: Any) -> None:
    """Stable JSON on stdout: sorted keys, two-space indent, no NaN."""
    json.dump(value, sys.stdout, indent=2, sort_keys=True, allow_nan=False, default=str)
    sys.stdout.write("\n")
