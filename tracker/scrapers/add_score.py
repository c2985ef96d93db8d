"""`tracker add-score`: one score a page reports, validated, recorded with provenance, merged.

Each row states its tier (first_party: the lab's own page, model or system card, paper;
independent: an evaluator or official leaderboard; secondary: a blog or news page repeating a
number) and the setting the page gives (tools, attempts, effort, harness, HLE subset, IFEval
metric), so that the registered rules (G6, G7) can pick the score that stands.

The row is appended to data/vendor_scores.csv (the committed record of what was entered, by
whom is git's business) and merged like any source: it can create a tracked release (with
`lab` and `release_date`), and it is quarantined if it contradicts another vendor row.
Every input is checked before anything is written, and an error names the field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tracker.clock import instant_for
from tracker.merge import BatchOutcome, merge_batch
from tracker.paths import Paths
from tracker.records import (
    BENCHMARKS,
    SETTING_FIELDS,
    TIERS,
    Observation,
    ValidationError,
    format_instant,
    partial_date_floor,
    setting_problem,
)
from tracker.scrapers import vendor
from tracker.scrapers.config import load_config
from tracker.scrapers.run import frontier_events, load_state, state_files
from tracker.store import commit, read_csv_rows, recover


@dataclass(frozen=True)
class VendorEntry:
    """What a person types: model, benchmark id, score in percent, URL, the page's date."""

    model: str
    benchmark: str
    score: str
    source_url: str
    reported_date: str = ""
    variant: str = ""
    note: str = ""
    lab: str = ""
    release_date: str = ""
    tier: str = ""
    tools: str = ""
    attempts: str = ""
    effort: str = ""
    harness: str = ""
    hle_subset: str = ""
    ifeval_metric: str = ""


def validate_entry(entry: VendorEntry, today: dt.date) -> float:
    """The score as a number if every field is valid; ValidationError naming the field."""
    if not entry.model.strip():
        raise ValidationError("model", "empty")
    if entry.benchmark not in BENCHMARKS:
        raise ValidationError(
            "benchmark", f"unknown benchmark {entry.benchmark!r}; known: {', '.join(BENCHMARKS)}"
        )
    try:
        score = float(entry.score)
    except ValueError:
        raise ValidationError("score", f"not a number: {entry.score!r}") from None
    if math.isnan(score) or not 0 <= score <= 100:
        raise ValidationError("score", f"must be a percentage in 0-100, got {entry.score!r}")
    probe = Observation(
        "x", entry.benchmark, score, "vendor", entry.source_url, format_instant(instant_for(today))
    )
    try:
        probe.validate()
    except ValidationError as exc:
        raise ValidationError("source", str(exc).rsplit(f"{exc.field}: ", 1)[-1]) from None
    _check_dates(entry, today)
    if entry.tier not in TIERS:
        raise ValidationError("tier", f"{entry.tier!r} is not one of {', '.join(TIERS)}")
    problem = setting_problem(entry)
    if problem:
        raise ValidationError(*problem)
    if any(c in entry.variant + entry.model for c in "|\n\r"):
        raise ValidationError("variant", "must not contain '|' or line breaks")
    return score


def _check_dates(entry: VendorEntry, today: dt.date) -> None:
    if entry.reported_date:
        try:
            reported = dt.date.fromisoformat(entry.reported_date)
        except ValueError:
            raise ValidationError("date", f"not a date (YYYY-MM-DD): {entry.reported_date!r}") from None
        if reported > today:
            raise ValidationError("date", f"{reported} is in the future (today is {today})")
    release = partial_date_floor(entry.release_date)
    if release is not None and release > today:
        raise ValidationError("release_date", f"{entry.release_date} is in the future (today is {today})")


@dataclass
class AddScoreResult:
    outcome: BatchOutcome
    model_id: str
    quarantined: bool
    already_recorded: int | None = None  # the vendor_scores.csv row that holds this entry already


def same_entry(rows: list[dict[str, str]], row: dict[str, str]) -> int | None:
    """The CSV row number (header = 1) of an earlier row equal to `row` in every field but
    `added_at` (the score compared as a number), or None."""

    def key(r: dict[str, str]) -> tuple:
        fields = tuple(r.get(k, "") for k in vendor.FIELDS if k not in ("added_at", "score"))
        try:
            return (*fields, float(r.get("score", "")))
        except ValueError:
            return (*fields, r.get("score", ""))

    wanted = key(row)
    return next((number for number, r in enumerate(rows, start=2) if key(r) == wanted), None)


def add_score(paths: Paths, entry: VendorEntry, *, now: dt.datetime) -> AddScoreResult:
    """Validate, append to vendor_scores.csv, merge; ValidationError before any write."""
    validate_entry(entry, now.date())
    recover(paths)
    state = load_state(paths)
    resolution = state.identity.resolve(entry.model, release_date=entry.release_date)
    if not resolution.model_id and not entry.lab.strip():
        raise ValidationError(
            "model",
            f"{entry.model!r} is not a known model; give --lab (and --release-date) "
            "to track it as a new release",
        )
    rows = read_csv_rows(paths.vendor_scores, vendor.REQUIRED)
    row = {
        "model": entry.model.strip(),
        "lab": entry.lab.strip(),
        "release_date": entry.release_date,
        "benchmark": entry.benchmark,
        "score": entry.score.strip(),
        "source_url": entry.source_url,
        "reported_date": entry.reported_date or now.date().isoformat(),
        "variant": entry.variant,
        "note": entry.note,
        "added_at": format_instant(now),
        "tier": entry.tier,
        **{name: getattr(entry, name) for name in SETTING_FIELDS},
    }
    same = same_entry(rows, row)
    if same is not None:  # idempotent: the same report entered twice is one row
        return AddScoreResult(BatchOutcome(), resolution.model_id, False, already_recorded=same)
    text = vendor.vendor_csv([*({k: r.get(k, "") for k in vendor.FIELDS} for r in rows), row])
    outcome = merge_batch(
        state,
        vendor.parse(text.encode("utf-8"), retrieved_at=format_instant(now)),
        now=now,
        policy=load_config(paths.root).merge,
    )
    commit(
        paths,
        {paths.vendor_scores: text, **state_files(paths, state)},
        outcome.events + frontier_events(state, format_instant(now)),
    )
    model_id = resolution.model_id or next((m.model_id for m in outcome.new_models), "")
    quarantined = any(q.row == f"vendor_scores.csv:{len(rows) + 2}" for q in outcome.quarantined)
    return AddScoreResult(outcome, model_id, quarantined)
