"""What a pipeline step is: the context it runs in, what it reports, how it says it cannot run.

Below both the driver (tracker.pipeline) and the real steps (tracker.pipeline_steps), so that
the two import this module and never each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.paths import Paths

OK, WARNING, SKIPPED, UNAVAILABLE, FAILED = "ok", "warning", "skipped", "unavailable", "failed"
Checkpoint = Callable[[str], None]


class StepUnavailable(TrackerError, RuntimeError):
    """Raised by a step whose library (or optional extra) is not installed."""


@dataclass(frozen=True)
class RunContext:
    """Everything a step may depend on. Nothing else: no wall clock, no os.environ."""

    paths: Paths
    as_of: dt.date
    now: dt.datetime
    offline: bool
    replay: bool
    send_alerts: bool
    out_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    checkpoint: Checkpoint = lambda name: None


@dataclass(frozen=True)
class StepResult:
    """What a step reports: a status (ok, warning, skipped), one line, and details for --json.

    Details the summary understands: `failed_sources` (list of {source, error}),
    `verdicts` (list of {id, status, provisional, if_decided_today, summary, deadline}), `site` (index path).
    """

    status: str = OK
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """A named stage of the run. An optional step may be missing without failing the run."""

    name: str
    action: Callable[[RunContext], StepResult]
    optional: bool = False
