"""One run of the tracker: scrape -> stats -> check -> alerts -> steering -> site.

The steps are injected (a list of `Step`, tracker/steps.py), so the same driver runs the real library calls
(`tracker.pipeline_steps.default_steps`) and the stand-ins of a test. Each step gets one
`RunContext` (paths, day, clock, flags) and returns a `StepResult`; the driver times it,
catches what it raises and goes on with the next step, because every write in data/ is
atomic: whatever a failed step left is a valid state the next step can work from. A step
whose module is not installed (an optional extra) reports itself unavailable instead of
failing the run.

What is new and what changed is read from the ledger: the events appended during this
run. A run with nothing new appends nothing, and so reports nothing.

A replay (`as_of` given by the user) works on a scratch copy of the project whose ledger
stops at the replayed instant, so it can never rewrite the committed record, fetch, or
message anyone.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.paths import Paths
from tracker.pipeline_steps import default_steps
from tracker.records import Event, format_instant, parse_instant
from tracker.replay import scratch_copy
from tracker.steps import (
    FAILED,
    UNAVAILABLE,
    Checkpoint,
    RunContext,
    Step,
    StepUnavailable,
)
from tracker.store import read_events, recover
from tracker.verdicts.specs import require_registry

NEW_EVENTS = ("new_model", "new_score", "new_frontier_release", "new_open_weights", "steering_result")
CHANGED_EVENTS = (
    "score_changed",
    "verdict_changed",
    "verdict_decided",
    "provisional_flipped",
    "amendment",
    "late_evidence",
)


class ClockSteppedBack(TrackerError):
    """The run's clock reads earlier than an event the ledger already holds (exit 1).

    A run at such an instant would record facts under a time before ones already recorded
    (and a cached response newer than its clock): the clock is wrong, not the record."""


@dataclass(frozen=True)
class StepOutcome:
    """How one step went, timed."""

    name: str
    status: str
    summary: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "seconds": round(self.seconds, 3),
            "details": self.details,
        }


@dataclass(frozen=True)
class RunSummary:
    """The answer of one run: what each step did and what the record now says."""

    as_of: dt.date
    now: dt.datetime
    offline: bool
    replay: bool
    steps: tuple[StepOutcome, ...]
    new: tuple[Event, ...] = ()
    changed: tuple[Event, ...] = ()
    quarantined: tuple[Event, ...] = ()

    @property
    def ok(self) -> bool:
        """True unless a step failed (a source that is down is a warning, not a failure)."""
        return all(step.status != FAILED for step in self.steps)

    def detail(self, key: str, default: Any = None) -> Any:
        """The first step detail called `key` (steps publish verdicts, site, failed sources)."""
        for step in self.steps:
            if key in step.details:
                return step.details[key]
        return default

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        return list(self.detail("verdicts", []))

    @property
    def site(self) -> str | None:
        return self.detail("site")

    @property
    def failed_sources(self) -> list[dict[str, Any]]:
        return list(self.detail("failed_sources", []))

    def to_json(self) -> dict[str, Any]:
        """The `tracker run --json` object (documented in the README)."""
        return {
            "as_of": self.as_of.isoformat(),
            "now": format_instant(self.now),
            "offline": self.offline,
            "replay": self.replay,
            "ok": self.ok,
            "steps": [s.to_json() for s in self.steps],
            "new": [event_json(e) for e in self.new],
            "changed": [event_json(e) for e in self.changed],
            "quarantined": [event_json(e) for e in self.quarantined],
            "failed_sources": self.failed_sources,
            "verdicts": self.verdicts,
            "site": self.site,
        }


def event_json(event: Event) -> dict[str, Any]:
    return {"id": event.id, "type": event.type, "at": event.at, "payload": event.payload}


def run_step(step: Step, ctx: RunContext) -> StepOutcome:
    """Run one step between its two checkpoints; never raises (except BaseException)."""
    ctx.checkpoint(f"before-{step.name}")
    started = time.perf_counter()
    try:
        result = step.action(ctx)
        status, summary, details = result.status, result.summary, result.details
    except StepUnavailable as exc:
        status, summary, details = (UNAVAILABLE if step.optional else FAILED), str(exc), {}
    except Exception as exc:  # reported; the run goes on (see the module docstring)
        status, summary, details = FAILED, f"{type(exc).__name__}: {exc}", {}
    outcome = StepOutcome(step.name, status, summary, time.perf_counter() - started, details)
    ctx.checkpoint(f"after-{step.name}")
    return outcome


def ledger_ids(paths: Paths) -> set[str]:
    return {event.id for event in read_events(paths.ledger)}


def appended_since(paths: Paths, before: set[str]) -> list[Event]:
    """Ledger events written after `before` was taken, in ledger order."""
    return [event for event in read_events(paths.ledger) if event.id not in before]


def summarize(ctx: RunContext, outcomes: Iterable[StepOutcome], fresh: list[Event]) -> RunSummary:
    return RunSummary(
        as_of=ctx.as_of,
        now=ctx.now,
        offline=ctx.offline,
        replay=ctx.replay,
        steps=tuple(outcomes),
        new=tuple(e for e in fresh if e.type in NEW_EVENTS),
        changed=tuple(e for e in fresh if e.type in CHANGED_EVENTS),
        quarantined=tuple(e for e in fresh if e.type == "quarantined"),
    )


def run_steps(ctx: RunContext, steps: Sequence[Step]) -> RunSummary:
    """Run every step in order on `ctx` and summarise what the ledger gained."""
    before = ledger_ids(ctx.paths)
    outcomes = [run_step(step, ctx) for step in steps]
    return summarize(ctx, outcomes, appended_since(ctx.paths, before))


def remove_stale_temporary_files(data: Path) -> list[Path]:
    """Delete the temporary files of writes a killed run never renamed into place.

    tracker.store.atomic_write_bytes writes `.NAME.XXXX.tmp` beside its target; under the run
    lock no other write is in flight, so any such file is debris (and must not be committed).
    """
    stale = [p for p in data.rglob(".*.tmp") if p.is_file()] if data.exists() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def refuse_clock_behind_ledger(paths: Paths, now: dt.datetime) -> None:
    """ClockSteppedBack when the ledger's newest event is later than `now`."""
    latest = max((event.at for event in read_events(paths.ledger)), default="")
    if latest and parse_instant(latest, "at") > now:
        raise ClockSteppedBack(
            f"the clock reads {format_instant(now)} but {paths.ledger} already holds an event at "
            f"{latest}: refusing to run (has the system clock stepped back?)"
        )


def run(
    paths: Paths,
    *,
    as_of: dt.date,
    now: dt.datetime,
    offline: bool,
    send_alerts: bool,
    out_dir: Path,
    steps: Sequence[Step] | None = None,
    replay: bool = False,
    env: Mapping[str, str] | None = None,
    checkpoint: Checkpoint | None = None,
) -> RunSummary:
    """One whole run. The caller holds the run lock (tracker.runlock) around it.

    `replay`: rebuild `as_of` as it was (offline, no alerts, on a scratch copy, see
    tracker.replay); `now` should then be `tracker.clock.instant_for(as_of)`.
    Refuses (RegistryError, before any step) when the registered predictions do not verify:
    a run decides and publishes; and (ClockSteppedBack) when `now` is before the ledger's
    newest event.
    """
    require_registry(paths)
    if steps is None:
        steps = default_steps()
    ctx = RunContext(
        paths=paths,
        as_of=as_of,
        now=now,
        offline=offline or replay,
        replay=replay,
        send_alerts=send_alerts and not replay,
        out_dir=out_dir,
        env=dict(env or {}),
        checkpoint=checkpoint or (lambda name: None),
    )
    if not replay:
        remove_stale_temporary_files(paths.data)
        recover(paths)  # the tables and events a killed run had committed to (tracker.store.commit)
        refuse_clock_behind_ledger(paths, now)
        return run_steps(ctx, steps)
    with scratch_copy(paths, now) as scratch:
        return run_steps(replace(ctx, paths=scratch), steps)


def describe(event: Event) -> str:
    """One line for an event in the run summary (model names are untrusted: see `printable`)."""
    p = event.payload
    texts = {
        "new_model": lambda: (
            f"{p.get('name') or p.get('model_id')} ({p.get('lab')}), released {p.get('release_date')}"
        ),
        "new_score": lambda: (
            f"{p.get('model_id')} {p.get('benchmark')} = {p.get('score')} ({p.get('source')})"
        ),
        "score_changed": lambda: (
            f"{p.get('model_id')} {p.get('benchmark')}: {p.get('old')} -> {p.get('new')} ({p.get('source')})"
        ),
        "new_frontier_release": lambda: f"{p.get('name')} ({p.get('lab')}), h = {p.get('h')}",
        "new_open_weights": lambda: f"{p.get('repo_id')} @ {str(p.get('sha', ''))[:12]}",
        "steering_result": lambda: (
            f"{p.get('model_id')} @ {str(p.get('revision', ''))[:12]}: {p.get('verdict')}"
        ),
        "verdict_decided": lambda: f"{p.get('prediction')} decided: {p.get('status')} ({p.get('summary')})",
        "provisional_flipped": lambda: f"{p.get('prediction')}: {p.get('old')} -> {p.get('new')}",
        "amendment": lambda: f"{p.get('prediction')} amended {p.get('date')}: {p.get('text')}",
        "late_evidence": lambda: f"{p.get('prediction')}: {p.get('note')}",
        "quarantined": lambda: f"{p.get('source')} row {p.get('row')}, {p.get('field')}: {p.get('reason')}",
    }
    text = texts[event.type]() if event.type in texts else ", ".join(f"{k}={v}" for k, v in sorted(p.items()))
    return printable(f"{event.type}: {text}")


def printable(text: str) -> str:
    """`text` with control characters replaced, so a hostile name cannot drive the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def listed(title: str, events: Sequence[Event], limit: int = 20) -> list[str]:
    if not events:
        return [f"{title}: nothing"]
    lines = [f"{title} ({len(events)}):"] + [f"  {describe(e)}" for e in events[:limit]]
    if len(events) > limit:
        lines.append(f"  ... and {len(events) - limit} more (tracker run --json lists them all)")
    return lines


def summary_lines(summary: RunSummary) -> list[str]:
    """The text form of a run summary; it ends with the seven statuses and the site's path."""
    mode = "replay" if summary.replay else "offline" if summary.offline else "online"
    lines = [f"tracker run as of {summary.as_of} at {format_instant(summary.now)} ({mode})"]
    lines += [f"  {s.name:9} {s.status:11} {s.seconds:6.1f} s  {printable(s.summary)}" for s in summary.steps]
    lines += listed("new", summary.new) + listed("changed", summary.changed)
    if summary.quarantined:
        lines += listed("quarantined", summary.quarantined)
    failed = summary.failed_sources
    lines.append(
        "sources failed: "
        + (", ".join(printable(f"{f['source']} ({f['error']})") for f in failed) if failed else "none")
    )
    lines.append("predictions:")
    for v in summary.verdicts:
        reading = f"{v['status']} ({v['provisional']})" if v.get("provisional") else v["status"]
        if v.get("if_decided_today"):
            reading = f"{v['status']}, if decided today {v['if_decided_today']}"
        lines.append(printable(f"  {v['id']:3} {reading:36} {v.get('summary', '')}"))
    if not summary.verdicts:
        lines.append("  (not checked: see the check step above)")
    lines.append(f"site: {summary.site or 'not built'}")
    return lines


def pause_hook(
    spec: str | None, *, sleep: Callable[[float], None] = time.sleep, say: Callable[[str], None] = print
) -> Checkpoint:
    """A checkpoint that sleeps at one named point (`after-check`, `before-site:2.5`...).

    Test support: the crash tests set CAPE_TEST_PAUSE_AT so a real `tracker run` stops at a
    known point, then kill it there. Without a spec the checkpoint does nothing.
    """
    if not spec:
        return lambda name: None
    point, _, seconds = spec.partition(":")
    duration = float(seconds) if seconds else 3600.0

    def checkpoint(name: str) -> None:
        if name == point:
            say(f"tracker: paused at {name} for {duration:g} s")
            sleep(duration)

    return checkpoint
