"""Merging a source's records into data/: validate, resolve, quarantine, append, log.

The rules (docs/CONTRACTS.md, the brief's "Bad input"):
- A record that does not validate (unknown benchmark, score outside 0-100, a date in the
  future, an unreadable row) goes to the quarantine with the reason; so does a value that
  jumps by more than `MergePolicy.jump_threshold_pp` from the same series' previous value,
  and a duplicate that disagrees with its twin when nothing says which is newer.
- A duplicate that *is* ordered (two Epoch runs of one model version, two dated snapshots of
  one release) keeps the newest run; the others are named in the observation's note.
- A value that differs from the stored one is a new observation plus a `score_changed`
  event; nothing stored is ever rewritten. Removals from a source are not errors.
- Event and quarantine ids come from the content, so a replay or a rerun adds nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.identity import FrontierPolicy, Identity, canonical_id, infer_lab, normalise_lab, split_name
from tracker.paths import Paths
from tracker.records import (
    SETTING_FIELDS,
    STORED_BENCHMARKS,
    SYSTEM_VARIANT_PREFIX,
    Event,
    Model,
    Observation,
    QuarantineEntry,
    ValidationError,
    format_instant,
    parse_day,
    partial_date_floor,
)
from tracker.source_records import RawScore, RowProblem, SourceWarning
from tracker.store import (
    commit,
    make_event_id,
    observations_text,
    quarantine_text,
    read_observations,
    read_quarantine,
    recover,
)

SAME_SCORE = 1e-9
DESCRIPTIVE_FIELDS = frozenset(("note", "retrieved_at", "row", "tier", *SETTING_FIELDS))
EFFORT_WORD = re.compile(r"^(x?high|medium|low|max|minimal|none|\d+k)$", re.IGNORECASE)


@dataclass(frozen=True)
class MergePolicy:
    """Thresholds of the merge; `jump_threshold_pp` comes from sources.toml ([merge])."""

    jump_threshold_pp: float = 15.0


@dataclass
class MergeState:
    """The part of data/ a merge changes, in memory; copied before each source so that a
    source that fails half-way leaves no trace."""

    identity: Identity
    observations: list[Observation]
    quarantine: list[QuarantineEntry]
    frontier: FrontierPolicy
    created: list[str] = field(default_factory=list)

    def copy(self) -> MergeState:
        return MergeState(
            Identity(self.identity.models),
            list(self.observations),
            list(self.quarantine),
            self.frontier,
            list(self.created),
        )

    def latest(self) -> dict[tuple[str, str, str, str], Observation]:
        """The newest observation of every series (model, benchmark, source, variant)."""
        out: dict[tuple[str, str, str, str], Observation] = {}
        for obs in self.observations:
            current = out.get(obs.key())
            if current is None or obs.retrieved_at >= current.retrieved_at:
                out[obs.key()] = obs
        return out


@dataclass
class BatchOutcome:
    """What one source's records changed (for the run report and the ledger)."""

    records: int = 0
    new_observations: list[Observation] = field(default_factory=list)
    new_models: list[Model] = field(default_factory=list)
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    unattributed: int = 0
    stale: int = 0
    updated_models: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    observation: Observation
    raw: RawScore


def merge_batch(
    state: MergeState,
    records: Iterable[RawScore | RowProblem | SourceWarning],
    *,
    now: dt.datetime,
    policy: MergePolicy = MergePolicy(),
) -> BatchOutcome:
    """Merge one source's parsed records into `state` (in place); return what changed."""
    outcome = BatchOutcome()
    at = format_instant(now)
    candidates: list[_Candidate] = []
    for record in records:
        if isinstance(record, SourceWarning):
            outcome.warnings.append(f"{record.field}: {record.message}")
            continue
        outcome.records += 1
        if isinstance(record, RowProblem):
            quarantine_problem(state, outcome, at, record)
            continue
        problem = check_record(record, now.date())
        if problem:
            _quarantine(
                state,
                outcome,
                at,
                record.source,
                record.row,
                problem[0],
                problem[1],
                {"raw": dataclasses.asdict(record)},
            )
            continue
        candidate = _resolve(state, outcome, record, at)
        if candidate is None:
            outcome.unattributed += 1
        else:
            candidates.append(candidate)
    _refresh_frontier(state, outcome, candidates)
    latest = state.latest()
    for group in _group(candidates).values():
        winner = _settle_duplicates(state, outcome, at, group)
        if winner is not None:
            _store(state, outcome, at, winner, latest, policy)
    return outcome


def check_record(record: RawScore, today: dt.date) -> tuple[str, str] | None:
    """(field, reason) of the first problem of a parsed record, None if it can be stored."""
    if record.benchmark not in STORED_BENCHMARKS:
        return "benchmark", f"unknown benchmark {record.benchmark!r}; known: {', '.join(STORED_BENCHMARKS)}"
    if not 0 <= record.score <= 100:
        return "score", f"{record.score!r} is outside 0-100 percent"
    try:
        if record.reported_date and parse_day(record.reported_date, "reported_date") > today:
            return "reported_date", f"{record.reported_date} is in the future (today is {today})"
        release = partial_date_floor(record.release_date)
        if release is not None and release > today:
            return "release_date", f"{record.release_date} is in the future (today is {today})"
        if record.retrieved_at[:10] > today.isoformat():
            return "retrieved_at", f"{record.retrieved_at} is after the run's clock ({today})"
        Observation(
            "x",
            record.benchmark,
            record.score,
            record.source,
            record.source_url,
            record.retrieved_at,
            **{name: getattr(record, name) for name in ("tier", *SETTING_FIELDS)},
        ).validate(today)
    except ValidationError as exc:
        return exc.field, str(exc).split(": ", 1)[-1]
    return None


def compose_variant(name_variant: str, setting: str, source: str = "") -> str:
    """The observation's variant: what the name says (harness, effort) then the source's setting.

    On the SWE-bench leaderboard the board fixes the harness, so the variant is exactly its
    setting (`mini-swe-agent` or `system:<folder>`); the model tag stays in raw_model.
    """
    if source == "swebench" and setting:
        return setting
    return "+".join(p for p in (name_variant, setting) if p)


def _resolve(state: MergeState, outcome: BatchOutcome, record: RawScore, at: str) -> _Candidate | None:
    """The candidate observation for a record, creating the release if it is new.

    Agent systems (`system:` settings) never create a release: a system entry whose model is
    not already known is not model-level evidence of anything (counted as unattributed).
    """
    resolution = state.identity.resolve(record.raw_model, release_date=record.release_date)
    model_id = resolution.model_id
    if not model_id:
        if record.setting.startswith(SYSTEM_VARIANT_PREFIX):
            return None
        model_id = _create_model(state, outcome, record, resolution.spelling, at)
    else:
        if resolution.new_alias:
            state.identity.add_alias(model_id, resolution.new_alias)
        learn_release_facts(state, outcome, model_id, record.source, record.lab, record.release_date, at)
    observation = Observation(
        model_id=model_id,
        benchmark=record.benchmark,
        score=record.score,
        source=record.source,
        source_url=record.source_url,
        retrieved_at=record.retrieved_at,
        reported_date=record.reported_date,
        variant=compose_variant(resolution.variant, record.setting, record.source),
        raw_model=record.raw_model,
        note=record.note,
        tier=record.tier,
        tools=record.tools,
        attempts=record.attempts,
        effort=record.effort or effort_of(resolution.variant),
        harness=record.harness,
        hle_subset=record.hle_subset,
        ifeval_metric=record.ifeval_metric,
    )
    return _Candidate(observation, record)


def effort_of(name_variant: str) -> str:
    """The effort setting a source's model name carries (`_high`, `_32k`, `xhigh`), if any.

    `unknown` (Epoch's id for a run whose effort it does not know) states nothing.
    """
    parts = [p for p in name_variant.split("+") if EFFORT_WORD.match(p)]
    return parts[0] if parts else ""


def _create_model(state: MergeState, outcome: BatchOutcome, record: RawScore, spelling: str, at: str) -> str:
    """A new tracked release from a source row (its frontier flag is set after the batch)."""
    model_id = canonical_id(spelling)
    if state.identity.get(model_id) is not None:
        return model_id
    name = record.display_name if record.source == "vendor" and record.display_name else spelling
    aliases = tuple(
        dict.fromkeys(a for a in (split_name(record.raw_model).spellings[0], name) if "|" not in a)
    )
    model = Model(
        model_id=model_id,
        name=name,
        lab=normalise_lab(record.lab) or infer_lab(spelling) or "Unknown",
        release_date=record.release_date,
        cohort="tracked",
        frontier=False,
        aliases=aliases,
        note=f"first seen in {record.source} ({record.row}) retrieved {record.retrieved_at[:10]}",
    )
    _add_new_model(state, outcome, model, record.source, at)
    return model_id


def create_listed_model(
    state: MergeState,
    outcome: BatchOutcome,
    listing: tuple[str, str, str],
    *,
    source: str,
    note: str,
    at: str,
) -> str:
    """A new tracked release from a release feed's listing (spelling, display name, lab): no
    date yet (a listing time is not a release date), so not frontier until a source gives one."""
    spelling, name, lab = listing
    model_id = canonical_id(spelling)
    if state.identity.get(model_id) is None:
        aliases = tuple(dict.fromkeys(a for a in (spelling, name) if a and "|" not in a))
        model = Model(
            model_id, name or spelling, lab, cohort="tracked", frontier=False, aliases=aliases, note=note
        )
        _add_new_model(state, outcome, model, source, at)
    return model_id


def _add_new_model(state: MergeState, outcome: BatchOutcome, model: Model, source: str, at: str) -> None:
    """Store a new release with its `new_model` event (its frontier flag is set after the batch)."""
    state.identity.add(model)
    state.created.append(model.model_id)
    outcome.new_models.append(model)
    payload = {
        "model_id": model.model_id,
        "name": model.name,
        "lab": model.lab,
        "release_date": model.release_date,
        "source": source,
    }
    outcome.events.append(Event(make_event_id("new_model", model.model_id), "new_model", at, payload))


def refresh_frontier(state: MergeState, outcome: BatchOutcome) -> None:
    """The G14 frontier flag of the releases an outcome created or updated (stored scores)."""
    _refresh_frontier(state, outcome, [])


def learn_release_facts(
    state: MergeState, outcome: BatchOutcome, model_id: str, source: str, lab: str, release_date: str, at: str
) -> None:
    """Fill what a tracked release did not know from a later source: its lab (when it was
    "Unknown") and its release date (when it had none). Each change is a `model_updated` event;
    the frontier flag is recomputed after the batch. Frozen-panel rows are never touched."""
    model = state.identity.get(model_id)
    if model is None or model.cohort != "tracked":
        return
    changes: dict[str, Any] = {}
    known_lab = normalise_lab(lab) or infer_lab(model.name) or infer_lab(model_id)
    if model.lab == "Unknown" and known_lab:
        changes["lab"] = known_lab
    if not model.release_date and release_date:
        changes["release_date"] = release_date
    if not changes:
        return
    state.identity.add(dataclasses.replace(model, **changes))
    if model_id not in outcome.updated_models:
        outcome.updated_models.append(model_id)
    payload: dict[str, Any] = {"model_id": model_id, "source": source}
    payload.update({f: {"old": getattr(model, f), "new": v} for f, v in changes.items()})
    outcome.events.append(
        Event(
            make_event_id("model_updated", model_id, *sorted(changes.items())), "model_updated", at, payload
        )
    )


def _refresh_frontier(state: MergeState, outcome: BatchOutcome, candidates: list[_Candidate]) -> None:
    """Set the G14 frontier flag of the batch's new and updated releases (best known scores).

    A release that becomes frontier later (its lab or date learnt from another source) joins
    `state.created`, so it gets its one `new_frontier_release` event too.
    """
    model_ids = dict.fromkeys([*(m.model_id for m in outcome.new_models), *outcome.updated_models])
    best = _best_scores(state, candidates, model_ids)
    for model_id in model_ids:
        current = state.identity.get(model_id)
        if current is None or current.cohort != "tracked":  # the papers' rows keep their flag
            continue
        frontier = state.frontier.is_frontier(current.name, current.lab, current.release_date, best[model_id])
        if frontier != current.frontier:
            state.identity.add(dataclasses.replace(current, frontier=frontier))
            if frontier and model_id not in state.created:
                state.created.append(model_id)
    outcome.new_models = [state.identity.get(m.model_id) or m for m in outcome.new_models]


def _best_scores(
    state: MergeState, candidates: list[_Candidate], model_ids: Iterable[str]
) -> dict[str, dict[str, float]]:
    """release -> benchmark -> its best model-level score, stored or in this batch; one pass over
    the observations for all the releases asked about."""
    best: dict[str, dict[str, float]] = {model_id: {} for model_id in model_ids}
    for obs in [*state.observations, *(c.observation for c in candidates)]:
        scores = best.get(obs.model_id)
        if scores is not None and not obs.variant.startswith(SYSTEM_VARIANT_PREFIX):
            scores[obs.benchmark] = max(scores.get(obs.benchmark, 0.0), obs.score)
    return best


def _group(candidates: list[_Candidate]) -> dict[tuple[str, str, str, str], list[_Candidate]]:
    groups: dict[tuple[str, str, str, str], list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.observation.key(), []).append(candidate)
    return groups


def _recency(candidate: _Candidate) -> tuple[str, str, str]:
    """How new a record is: its run instant, then its checkpoint's release date, then the date
    in its model name (gemini-1.5-pro-002 of 2024-09-24 supersedes -001 of 2024-05-14)."""
    raw = candidate.raw
    return raw.run_started, raw.release_date, split_name(raw.raw_model).embedded_date


def _settle_duplicates(
    state: MergeState, outcome: BatchOutcome, at: str, group: list[_Candidate]
) -> _Candidate | None:
    """One observation per series: equal values collapse, the newest run wins, a tie with
    different values is quarantined (nothing says which one is right)."""
    first = group[0].observation
    if len(group) == 1:
        return group[0]
    ordered = sorted(group, key=_recency, reverse=True)
    if all(abs(c.observation.score - first.score) < SAME_SCORE for c in group):
        others = [f"{c.raw.row} {c.observation.source_url}" for c in group[1:]]
        return _noted(group[0], "same value also in: " + "; ".join(others))
    if _recency(ordered[0]) > _recency(ordered[1]):
        others = [
            f"{c.raw.raw_model} {c.observation.score:.1f} ({c.raw.run_started or 'undated'})"
            for c in ordered[1:]
        ]
        return _noted(ordered[0], "newest run kept; superseded: " + "; ".join(others))
    values = ", ".join(f"{c.observation.score:g} ({c.raw.row})" for c in group)
    for c in group:
        _quarantine(
            state,
            outcome,
            at,
            c.raw.source,
            c.raw.row,
            "score",
            f"conflicting duplicate for {first.model_id} {first.benchmark}: {values}",
            {"observation": dataclasses.asdict(c.observation)},
        )
    return None


def _noted(candidate: _Candidate, text: str) -> _Candidate:
    obs = candidate.observation
    return _Candidate(dataclasses.replace(obs, note=_join(obs.note, text)), candidate.raw)


def _store(
    state: MergeState,
    outcome: BatchOutcome,
    at: str,
    candidate: _Candidate,
    latest: dict[tuple[str, str, str, str], Observation],
    policy: MergePolicy,
) -> None:
    """Append the observation unless it repeats the stored value; big jumps go to the quarantine."""
    obs = candidate.observation
    previous = latest.get(obs.key())
    if previous is not None and abs(previous.score - obs.score) < SAME_SCORE:
        return
    if previous is not None and obs.retrieved_at < previous.retrieved_at:
        outcome.stale += 1
        return
    if previous is not None and abs(obs.score - previous.score) > policy.jump_threshold_pp:
        reason = (
            f"jump of {obs.score - previous.score:+.1f} pp from {previous.score:g} "
            f"(retrieved {previous.retrieved_at[:10]}); threshold {policy.jump_threshold_pp:g} pp"
        )
        _quarantine(
            state,
            outcome,
            at,
            obs.source,
            candidate.raw.row,
            "score",
            reason,
            {"observation": dataclasses.asdict(obs)},
        )
        return
    add_observation(state, outcome, at, obs, previous)
    latest[obs.key()] = obs


def add_observation(
    state: MergeState, outcome: BatchOutcome, at: str, obs: Observation, previous: Observation | None
) -> None:
    """Append an observation and its ledger event (new_score, or score_changed with old/new)."""
    state.observations.append(obs)
    outcome.new_observations.append(obs)
    payload = {
        "model_id": obs.model_id,
        "benchmark": obs.benchmark,
        "score": obs.score,
        "source": obs.source,
        "url": obs.source_url,
        "variant": obs.variant,
        "retrieved_at": obs.retrieved_at,
    }
    kind = "new_score"
    if previous is not None:
        kind = "score_changed"
        payload.update(old=previous.score, new=obs.score)
    event_id = make_event_id(kind, *obs.key(), obs.score, obs.retrieved_at)
    outcome.events.append(Event(event_id, kind, at, payload))


def quarantine_id(source: str, field_name: str, record: dict) -> str:
    """A stable id: the same rejected content always gets the same id."""
    content = json.dumps(record, sort_keys=True, default=str)
    return "q-" + hashlib.sha256(f"{source}\x1f{field_name}\x1f{content}".encode()).hexdigest()[:12]


def _quarantine(
    state: MergeState,
    outcome: BatchOutcome,
    at: str,
    source: str,
    row: str,
    field_name: str,
    reason: str,
    record: dict,
) -> None:
    """Add a quarantine entry (once per content) and its `quarantined` event."""
    entry_id = quarantine_id(source, field_name, _stable_content(record))
    if any(e.id == entry_id for e in state.quarantine):
        return
    entry = QuarantineEntry(
        id=entry_id,
        source=source,
        row=row,
        field=field_name,
        reason=reason,
        record=json.dumps(record, sort_keys=True, default=str),
        quarantined_at=at,
    )
    state.quarantine.append(entry)
    outcome.quarantined.append(entry)
    outcome.events.append(
        Event(
            make_event_id("quarantined", entry_id),
            "quarantined",
            at,
            {"id": entry_id, "source": source, "row": row, "field": field_name, "reason": reason},
        )
    )


def _stable_content(record: dict) -> dict:
    """The part of a rejected record that identifies it across snapshots (not where or when).

    The tier and setting describe the record rather than identify it (and came later: leaving
    them out keeps the ids of entries quarantined before they existed).
    """
    inner = record.get("observation") or record.get("raw") or {}
    return {k: v for k, v in inner.items() if k not in DESCRIPTIVE_FIELDS}


def quarantine_problem(state: MergeState, outcome: BatchOutcome, at: str, problem: RowProblem) -> None:
    """Quarantine a row a parser could not read."""
    _quarantine(
        state, outcome, at, problem.source, problem.row, problem.field, problem.reason, {"raw": problem.raw}
    )


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# --- a person's decision on a quarantined record ---------------------------------------------


def decide(
    paths: Paths, entry_id: str, decision: str, *, now: dt.datetime
) -> tuple[QuarantineEntry, list[Event]]:
    """Accept or reject a pending quarantine entry and save the result.

    Accepting stores the held observation (with its new_score / score_changed event) exactly
    as if the merge had let it through; a row a parser could not read cannot be accepted (fix
    it at the source or enter it with `tracker add-score`). Raises ValidationError naming
    the problem; nothing is written then.
    """
    if decision not in ("accepted", "rejected"):
        raise ValidationError("decision", f"must be accepted or rejected, got {decision!r}")
    recover(paths)
    entries = read_quarantine(paths.quarantine)
    entry = next((e for e in entries if e.id == entry_id), None)
    if entry is None:
        raise ValidationError("id", f"no quarantine entry {entry_id!r}")
    if entry.status != "pending":
        raise ValidationError("id", f"{entry_id} is already {entry.status}")
    files: dict[Path, str] = {}
    events: list[Event] = []
    if decision == "accepted":
        files[paths.scores], events = _accept(paths, entry, now)
    decided = dataclasses.replace(entry, status=decision)
    files[paths.quarantine] = quarantine_text([decided if e.id == entry_id else e for e in entries])
    commit(paths, files, events)
    return decided, events


def _accept(paths: Paths, entry: QuarantineEntry, now: dt.datetime) -> tuple[str, list[Event]]:
    """The scores table with the held observation stored, and its events."""
    held = json.loads(entry.record).get("observation")
    if not isinstance(held, dict):
        raise ValidationError(
            "record",
            f"{entry.id} cannot be accepted ({entry.field}: {entry.reason}); "
            "fix it at the source or enter it with `tracker add-score`",
        )
    obs = Observation(**held).validate(now.date(), row=entry.id)
    observations = read_observations(paths.scores)
    previous = max(
        (o for o in observations if o.key() == obs.key()), key=lambda o: o.retrieved_at, default=None
    )
    outcome = BatchOutcome()
    state = MergeState(Identity([]), observations, [], FrontierPolicy(frozenset(), {}))
    add_observation(state, outcome, format_instant(now), obs, previous)
    return observations_text(state.observations), outcome.events
