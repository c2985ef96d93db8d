"""When a prediction's data decide (G11, G13): the phase of a day and the panel that reads it.

Before the deadline a prediction is open: today's data, today as the snapshot. At the deadline
it is *deciding*: only releases out and scores whose source is dated by the deadline count
(G11: "scores public with a source dated <= deadline"), as far as the project knows them. At
the end of the grace period (`grace_days`, registered by amendment) the verdict is final,
counting every such score known by then. A score dated by the deadline that arrives later is
late evidence: noted, never a flip. Release-count predictions (P3, P4) decide early, on the
first day their slots allow (G11's exception); that day, not the last score's, is `decided_at`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.panel import DEFAULT_PRECEDENCE, PanelSource
from tracker.records import format_instant
from tracker.verdicts.evaluators import DECIDES_EARLY, EVALUATORS, FAIL, PASS, Assessment
from tracker.verdicts.specs import PredictionSpec

OPEN, DECIDING, DECIDED = "open", "deciding", "decided"
PENDING, PASSED, FAILED, INCONCLUSIVE = "pending", "passed", "failed", "inconclusive"
STATUSES = (PENDING, DECIDING, PASSED, FAILED, INCONCLUSIVE)
FINAL = (PASSED, FAILED, INCONCLUSIVE)
ON_TRACK, AT_RISK = "on_track", "at_risk"


@dataclass(frozen=True)
class Snapshot:
    """Which data read a prediction on one day.

    `known_by`: scores the project had learnt by then count; `dated_by`: only releases and
    scores dated by then (the deadline), None before it; `day`: the evaluator's day (G13's
    60-day clock runs to it).
    """

    phase: str
    known_by: dt.date
    dated_by: dt.date | None
    day: dt.date


def grace_days(spec: PredictionSpec) -> int:
    """Days after the deadline during which scores dated by it still count (0 unless amended)."""
    return int(spec.parameters.get("grace_days", 0))


def end_of_grace(spec: PredictionSpec) -> dt.date:
    """The last day a score dated by the deadline can still enter the verdict."""
    return spec.deadline_day() + dt.timedelta(days=grace_days(spec))


def snapshot(spec: PredictionSpec, as_of: dt.date) -> Snapshot:
    """The phase of `as_of` and the data that read it (see the module docstring)."""
    deadline = spec.deadline_day()
    if as_of < deadline:
        return Snapshot(OPEN, as_of, None, as_of)
    last = end_of_grace(spec)
    if as_of < last:
        return Snapshot(DECIDING, as_of, deadline, deadline)
    return Snapshot(DECIDED, last, deadline, deadline)


def late_snapshot(spec: PredictionSpec, as_of: dt.date) -> Snapshot | None:
    """After the grace period: everything dated by the deadline known by `as_of` (to compare
    with the final reading); None before."""
    if as_of <= end_of_grace(spec):
        return None
    deadline = spec.deadline_day()
    return Snapshot(DECIDED, as_of, deadline, deadline)


def end_of_day(day: dt.date) -> str:
    """The instant a decision taken on `day` carries: that day at 23:59:59Z."""
    return format_instant(dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC))


def candidate_days(evidence: dict, as_of: dt.date) -> list[dt.date]:
    """Days on which an early decision can have been taken: each day a score of the evidence
    became known or a release was dropped, up to `as_of`, oldest first."""
    days = {as_of}
    for row in evidence.get("rows", []) + evidence.get("dropped", []):
        for key, value in row.items():
            if value and (key.endswith("_known") or key in ("scored_on", "dropped_on")):
                days.add(dt.date.fromisoformat(value))
    return sorted(day for day in days if day <= as_of)


def assess_on(
    spec: PredictionSpec,
    panels: PanelSource,
    shot: Snapshot,
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
) -> Assessment:
    """Run the prediction's registered evaluator on the panel a snapshot reads."""
    frame = panels.evidence(shot.known_by, precedence, shot.dated_by)
    return EVALUATORS[spec.evaluator](frame, spec.parameters, shot.day)


def early_decision(
    spec: PredictionSpec, panels: PanelSource, as_of: dt.date
) -> tuple[dt.date, Assessment] | None:
    """P3, P4: the first day before the deadline on which the slots decided, and how (G11's
    exception); None when they had not by `as_of`."""
    if spec.evaluator not in DECIDES_EARLY:
        return None
    last = min(as_of, spec.deadline_day() - dt.timedelta(days=1))
    probe = assess_on(spec, panels, Snapshot(OPEN, last, None, last))
    # today's reading may no longer be final (a corrected score): the days its rows first
    # became known, and the drops, are where an earlier decision can have been taken
    for day in candidate_days(probe.evidence, last):
        assessment = probe if day == last else assess_on(spec, panels, Snapshot(OPEN, day, None, day))
        if assessment.final:
            return day, assessment
    return None


def decided(assessment: Assessment) -> str:
    """The verdict an assessment gives when it is taken as final: the registered rules with the
    snapshot as the deadline (criteria neither met nor violated is INCONCLUSIVE, G11)."""
    return {PASS: PASSED, FAIL: FAILED}.get(assessment.outcome, INCONCLUSIVE)


def status_from(assessment: Assessment, due: bool) -> tuple[str, str | None]:
    """Map an assessment to (status, provisional) for a prediction that is or is not due.

    The provisional word only restates `decided`: on track when it would pass today.
    """
    if due or assessment.final:
        return decided(assessment), None
    if assessment.insufficient and assessment.outcome != FAIL and not assessment.evidence.get("rows"):
        return PENDING, None
    return PENDING, ON_TRACK if decided(assessment) == PASSED else AT_RISK


def reading_word(assessment: Assessment, phase: str) -> str:
    """One comparable word for an assessment in a phase: `pending:at_risk`, `deciding:failed`,
    `passed`."""
    if phase == DECIDING and not assessment.final:
        return f"{DECIDING}:{decided(assessment)}"
    status, provisional = status_from(assessment, phase != OPEN)
    return f"{status}:{provisional}" if provisional else status
