"""The seven predictions as of a day: status, provisional reading, evidence, finality.

Status follows PREDICTIONS.md G11: before the deadline a prediction is `pending`, with
`if_decided_today`: the verdict the registered rules would give with today as the deadline
(`passed`, `failed` or `inconclusive`), and the provisional word derived from it (`on_track`
when it would pass, `at_risk` otherwise; none while there is nothing to read). From the
deadline to the end of its grace period it is `deciding` (with `if_decided_today` on the scores
dated by the deadline known so far); then `passed`, `failed` or `inconclusive`
(tracker.verdicts.timeline). Release-count predictions (P3, P4) finalise on the day their
slots decide. A decided verdict is final: later data only adds a `late_evidence` event.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from tracker.panel import ALTERNATIVE_PRECEDENCES, PanelSource
from tracker.paths import Paths
from tracker.records import SECONDARY, Event, ValidationError, format_instant
from tracker.store import commit, make_event_id, recover
from tracker.verdicts.alternatives import alternative_readings
from tracker.verdicts.evaluators import EVALUATORS, Assessment
from tracker.verdicts.specs import PredictionSpec, load_registered_specs
from tracker.verdicts.timeline import (
    DECIDING,
    FINAL,
    OPEN,
    Snapshot,
    assess_on,
    decided,
    early_decision,
    end_of_day,
    end_of_grace,
    late_snapshot,
    reading_word,
    snapshot,
    status_from,
)


@dataclass(frozen=True)
class Verdict:
    """One prediction's standing on one day (the `tracker check --json` object)."""

    spec: PredictionSpec
    as_of: dt.date
    status: str
    provisional: str | None
    evidence: dict[str, Any]
    decided_at: str | None
    source_sensitive: bool = False
    by_source: dict[str, str] = field(default_factory=dict)
    late_evidence: str | None = None
    if_decided_today: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.spec.id

    def days_left(self) -> int:
        """Days from `as_of` to the deadline day (0 on the day, negative after it)."""
        return (self.spec.deadline_day() - self.as_of).days

    def reading(self) -> str:
        """The status with the provisional reading, as one comparable word."""
        return f"{self.status}:{self.provisional}" if self.provisional else self.status

    def to_json(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "id": spec.id,
            "title": spec.title,
            "short": spec.short,
            "status": self.status,
            "provisional": self.provisional,
            "if_decided_today": self.if_decided_today,
            "deadline": spec.deadline,
            "final_on": end_of_grace(spec).isoformat(),
            "days_left": self.days_left(),
            "as_of": self.as_of.isoformat(),
            "evidence": self.evidence,
            "decided_at": self.decided_at,
            "source_sensitive": self.source_sensitive,
            "by_source": self.by_source,
            "late_evidence": self.late_evidence,
            "alternative_readings": self.alternatives,
            "text": spec.text,
            "published_in": spec.published_in,
            "paper_url": spec.paper_url,
            "registered_at": spec.registered_at,
            "evaluator": spec.evaluator,
            "parameters": spec.parameters,
            "decisions": spec.decisions,
            "amendments": [asdict(a) for a in spec.amendments],
        }


def snapshot_day(spec: PredictionSpec, as_of: dt.date) -> dt.date:
    """The day whose data decide: `as_of`, or the deadline day once it has passed (G11)."""
    return min(as_of, spec.deadline_day())


def assess(spec: PredictionSpec, frame: pd.DataFrame, day: dt.date) -> Assessment:
    """Run the prediction's registered evaluator on one panel."""
    return EVALUATORS[spec.evaluator](frame, spec.parameters, day)


def evaluate(spec: PredictionSpec, panels: PanelSource, as_of: dt.date) -> Verdict:
    """One prediction as of a day (see tracker.verdicts.timeline for the phases), with the
    reading under each alternative source order."""
    shot = snapshot(spec, as_of)
    readings = {
        name: assess_on(spec, panels, shot, precedence)
        for name, precedence in ALTERNATIVE_PRECEDENCES.items()
    }
    early = early_decision(spec, panels, as_of)
    if early is not None:
        verdict = _decided_early(spec, panels, as_of, *early)
    else:
        verdict = _by_phase(spec, panels, as_of, shot, readings["default"])
    by_source = {name: reading_word(assessment, shot.phase) for name, assessment in readings.items()}
    # the statistic under each source choice: the sensitivity lines (e.g. IFEval vendor only vs with HELM)
    evidence = {
        **verdict.evidence,
        "by_source_summary": {name: r.summary for name, r in readings.items()},
        "with_secondary": secondary_line(readings["with_secondary"], shot.phase),
    }
    return replace(
        verdict,
        evidence=evidence,
        by_source=by_source,
        source_sensitive=len(set(by_source.values())) > 1,
        alternatives=alternative_readings(
            spec, panels, shot, (by_source["default"], decided(readings["default"]))
        ),
    )


def secondary_line(assessment: Assessment, phase: str) -> dict[str, Any]:
    """The sensitivity line with secondary reports included: its reading, its summary and the
    secondary values it used (shown and flagged; they never decide the verdict)."""
    used = [
        {
            "model_id": row["model_id"],
            "model": row["model"],
            "benchmark": key.removesuffix("_tier"),
            "score": row[key.removesuffix("_tier")],
            "url": row[key.removesuffix("_tier") + "_url"],
        }
        for row in assessment.evidence.get("rows", [])
        for key, tier in row.items()
        if key.endswith("_tier") and tier == SECONDARY
    ]
    return {"reading": reading_word(assessment, phase), "summary": assessment.summary, "secondary": used}


def _decided_early(
    spec: PredictionSpec, panels: PanelSource, as_of: dt.date, day: dt.date, first: Assessment
) -> Verdict:
    """A release-count prediction decided on `day`: that decision stands; a different reading
    on today's data is late evidence, never a flip (G13)."""
    verdict = Verdict(spec, as_of, decided(first), None, _evidence(first, day), end_of_day(day))
    if day < as_of:
        today = assess_on(spec, panels, Snapshot(OPEN, as_of, None, as_of))
        if (decided(today), today.summary) != (decided(first), first.summary):
            verdict = replace(verdict, late_evidence=_late_note(today))
    return verdict


def _by_phase(
    spec: PredictionSpec, panels: PanelSource, as_of: dt.date, shot: Snapshot, main: Assessment
) -> Verdict:
    """The verdict in the snapshot's phase, from `main`, the default reading of that snapshot."""
    evidence = _evidence(main, shot.known_by, shot.dated_by)
    if shot.phase == OPEN:
        status, provisional = status_from(main, False)
        return Verdict(spec, as_of, status, provisional, evidence, None, if_decided_today=decided(main))
    if shot.phase == DECIDING:
        return Verdict(spec, as_of, DECIDING, None, evidence, None, if_decided_today=decided(main))
    verdict = Verdict(spec, as_of, decided(main), None, evidence, end_of_day(shot.known_by))
    later = late_snapshot(spec, as_of)
    if later is not None:
        today = assess_on(spec, panels, later)
        if decided(today) != decided(main) or today.summary != main.summary:
            verdict = replace(verdict, late_evidence=_late_note(today, shot.known_by))
    return verdict


def _evidence(assessment: Assessment, known_by: dt.date, dated_by: dt.date | None = None) -> dict[str, Any]:
    snapshot_fields = {"snapshot": known_by.isoformat(), "dated_by": dated_by and dated_by.isoformat()}
    return {"summary": assessment.summary, **snapshot_fields, **assessment.evidence}


def _late_note(today: Assessment, grace_end: dt.date | None = None) -> str:
    """What data learnt after the decision would read (the verdict does not change). It names
    the reading, not the day, so the same late data make one event, not one a day."""
    return late_note(decided(today), today.summary, grace_end)


def late_note(reading: str, summary: str, grace_end: dt.date | None = None) -> str:
    """The one wording of a late-evidence note: what later data read, and its summary."""
    after = f" (scores dated by the deadline, learnt after {grace_end})" if grace_end else ""
    return f"later data{after} read {reading} ({summary})"


def evaluate_all(paths: Paths, as_of: dt.date, source: PanelSource | None = None) -> list[Verdict]:
    """Every prediction as of `as_of`, from data/ alone; writes nothing. Recorded finality
    (data/verdicts.json) is applied for verdicts decided on or before `as_of`. A `source`
    shares its panels with the rest of the run (see tracker.panel.PanelSource)."""
    panels = source or PanelSource(paths)
    recorded = read_state(paths).get("predictions", {})
    return [
        apply_finality(evaluate(spec, panels, as_of), recorded.get(spec.id))
        for spec in load_registered_specs(paths)
    ]


def apply_finality(verdict: Verdict, recorded: dict | None) -> Verdict:
    """Keep a verdict decided earlier, whatever the data say now; note the disagreement."""
    if not recorded or recorded.get("status") not in FINAL or not recorded.get("decided_at"):
        return verdict
    if recorded["decided_at"][:10] > verdict.as_of.isoformat():
        return verdict
    if (verdict.status, verdict.evidence.get("summary")) == (recorded["status"], recorded.get("summary")):
        return verdict
    late = late_note(verdict.status, str(verdict.evidence.get("summary")))
    evidence = {**verdict.evidence, "summary": recorded.get("summary", "")}
    return replace(
        verdict,
        status=recorded["status"],
        provisional=None,
        if_decided_today=None,
        decided_at=recorded["decided_at"],
        evidence=evidence,
        late_evidence=late,
    )


def read_state(paths: Paths) -> dict[str, Any]:
    """data/verdicts.json, or an empty state before the first check."""
    if not paths.verdicts.exists():
        return {}
    try:
        state = json.loads(paths.verdicts.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError("json", f"not JSON ({exc})", source=str(paths.verdicts)) from None
    if not isinstance(state, dict) or not isinstance(state.get("predictions", {}), dict):
        raise ValidationError("predictions", "not an object of predictions", source=str(paths.verdicts))
    return state


def state_of(verdicts: list[Verdict]) -> dict[str, Any]:
    """What data/verdicts.json records: no wall-clock time, so reruns write the same bytes."""
    as_of = verdicts[0].as_of.isoformat() if verdicts else ""
    return {
        "as_of": as_of,
        "predictions": {
            v.id: {
                "status": v.status,
                "provisional": v.provisional,
                "if_decided_today": v.if_decided_today,
                "decided_at": v.decided_at,
                "summary": v.evidence.get("summary", ""),
                "source_sensitive": v.source_sensitive,
                "late_evidence": v.late_evidence,
            }
            for v in verdicts
        },
    }


def transition_events(old: dict[str, Any], verdicts: list[Verdict], now: dt.datetime) -> list[Event]:
    """Ledger events for what changed since the recorded state."""
    at = format_instant(now)
    events = []
    for verdict in verdicts:
        before = old.get("predictions", {}).get(verdict.id, {})
        payload = {
            "prediction": verdict.id,
            "title": verdict.spec.title,
            "status": verdict.status,
            "summary": verdict.evidence.get("summary", ""),
        }
        if verdict.status in FINAL and before.get("status") != verdict.status:
            events.append(
                Event(
                    make_event_id("verdict_decided", verdict.id, verdict.status),
                    "verdict_decided",
                    at,
                    payload,
                )
            )
        elif reading_flipped(before, verdict):
            payload.update(
                old=before["provisional"],
                new=verdict.provisional,
                old_if_decided_today=before.get("if_decided_today"),
                if_decided_today=verdict.if_decided_today,
            )
            events.append(
                Event(
                    make_event_id(
                        "provisional_flipped",
                        verdict.id,
                        verdict.as_of,
                        verdict.provisional,
                        verdict.if_decided_today,
                    ),
                    "provisional_flipped",
                    at,
                    payload,
                )
            )
        if verdict.late_evidence and verdict.late_evidence != before.get("late_evidence"):
            payload.update(note=verdict.late_evidence)
            events.append(
                Event(
                    make_event_id("late_evidence", verdict.id, verdict.late_evidence),
                    "late_evidence",
                    at,
                    payload,
                )
            )
    return events


def reading_flipped(before: dict[str, Any], verdict: Verdict) -> bool:
    """Whether a pending prediction's reading changed: its provisional word, or the verdict it
    would get if decided today (a state recorded before that field existed only compares words)."""
    if not (before.get("provisional") and verdict.provisional):
        return False
    if before["provisional"] != verdict.provisional:
        return True
    old = before.get("if_decided_today")
    return old is not None and old != verdict.if_decided_today


def amendment_events(verdicts: list[Verdict], now: dt.datetime) -> list[Event]:
    """One event per registered amendment (stable ids: a rerun adds nothing)."""
    return [
        Event(
            make_event_id("amendment", a.file),
            "amendment",
            format_instant(now),
            {"prediction": a.prediction, "date": a.date, "text": a.text, "reason": a.reason},
        )
        for v in verdicts
        for a in v.spec.amendments
        if a.date <= v.as_of.isoformat()
    ]


def check(paths: Paths, as_of: dt.date, now: dt.datetime, source: PanelSource | None = None) -> list[Verdict]:
    """Evaluate, record the state in data/verdicts.json and append the ledger events.

    A replay of a day before the recorded one evaluates but records nothing: the record only
    moves forward in time. A day after the clock's is refused (ValueError): the future is never
    recorded, whatever data say about it.
    """
    if as_of > now.date():
        raise ValueError(f"cannot record {as_of}: it is after the clock's day {now.date()}")
    recover(paths)
    verdicts = evaluate_all(paths, as_of, source)
    old = read_state(paths)
    if old.get("as_of", "") > as_of.isoformat():
        return verdicts
    commit(
        paths,
        {paths.verdicts: json.dumps(state_of(verdicts), indent=2, sort_keys=True) + "\n"},
        transition_events(old, verdicts, now) + amendment_events(verdicts, now),
    )
    return verdicts
