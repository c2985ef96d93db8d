"""The records cape-tracker keeps: observations, models, quarantined rows and ledger events.

Every file in data/ is a list of one of these. They are plain dataclasses so that parsers
(pure functions, bytes in, records out) and the store agree on one vocabulary, and so that a
record can be validated on its own, before it touches the committed data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import TrackerError

BENCHMARKS: tuple[str, ...] = ("swe_bench_verified", "gpqa_diamond", "hle", "ifeval")
SOURCES: tuple[str, ...] = ("paper", "epoch", "swebench", "hle", "vendor", "helm", "scale_hle", "llmstats")
# Benchmarks stored but never part of a registered statistic: HELM runs its own GPQA (not the
# Diamond subset, its own prompts), kept apart so it can never enter a GPQA Diamond value.
EXTRA_BENCHMARKS: tuple[str, ...] = ("helm_gpqa",)
STORED_BENCHMARKS: tuple[str, ...] = (*BENCHMARKS, *EXTRA_BENCHMARKS)
COHORTS: tuple[str, ...] = ("frozen", "post_cutoff", "other", "tracked")
# Trust tiers (issue 11): the lab's own page, model card, system card or paper; an independent
# evaluator (Epoch, an official leaderboard, HELM); a secondary report (a blog or news page
# repeating a number). Secondary reports are shown and flagged but never decide a verdict.
FIRST_PARTY, INDEPENDENT, SECONDARY = "first_party", "independent", "secondary"
TIERS: tuple[str, ...] = (FIRST_PARTY, INDEPENDENT, SECONDARY)
# A variant that names an agent system rather than the model (SWE-bench board folders): never a
# model-level score.
SYSTEM_VARIANT_PREFIX = "system:"
# The tier an observation has when its row does not state one: what the source is by nature.
# A hand-entered row that does not say where its number comes from is trusted least.
DEFAULT_TIERS: dict[str, str] = {
    "paper": "",
    "epoch": INDEPENDENT,
    "swebench": INDEPENDENT,
    "hle": INDEPENDENT,
    "vendor": SECONDARY,
    "helm": INDEPENDENT,
    "scale_hle": INDEPENDENT,
    "llmstats": SECONDARY,  # an aggregator: its rows are first-party only when the link is the lab's
}
# The setting of a score (G6, G7). Blank means the source does not say.
TOOLS: tuple[str, ...] = ("", "none", "with")
HARNESSES: tuple[str, ...] = ("", "lab", "bash-only", "agent")
HLE_SUBSETS: tuple[str, ...] = ("", "full", "text-only")
IFEVAL_METRICS: tuple[str, ...] = (
    "",
    "prompt_strict",
    "prompt_loose",
    "instruction_strict",
    "instruction_loose",
    "average",
    "helm_strict",  # HELM's IFEval strict accuracy: a prompt's fraction of instructions followed, averaged
)
_ATTEMPTS = re.compile(r"^(single|parallel|pass@[1-9][0-9]*)?$")
SETTING_FIELDS: tuple[str, ...] = ("tools", "attempts", "effort", "harness", "hle_subset", "ifeval_metric")
BENCHMARK_LABELS: dict[str, str] = {
    "swe_bench_verified": "SWE-bench Verified",
    "gpqa_diamond": "GPQA Diamond",
    "hle": "Humanity's Last Exam",
    "ifeval": "IFEval",
}

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class ValidationError(TrackerError, ValueError):
    """A record that cannot be stored. Names the field so the message can point at it."""

    def __init__(self, field_name: str, message: str, *, source: str = "", row: str = ""):
        self.field = field_name
        self.source = source
        self.row = row
        where = " ".join(p for p in (source and f"source={source}", row and f"row={row}") if p)
        super().__init__(f"{where + ': ' if where else ''}{field_name}: {message}")


def parse_day(value: str, field_name: str) -> dt.date:
    """Parse an ISO day (YYYY-MM-DD); a clear ValidationError otherwise."""
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_instant(value: str, field_name: str) -> dt.datetime:
    """Parse an ISO-8601 instant; naive values are taken as UTC."""
    try:
        text = value.strip().replace("Z", "+00:00")
        moment = dt.datetime.fromisoformat(text)
    except (ValueError, AttributeError):
        raise ValidationError(field_name, f"not an ISO-8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def format_instant(moment: dt.datetime) -> str:
    """The one textual form of an instant in data/: UTC, seconds, trailing Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def partial_date_floor(value: str) -> dt.date | None:
    """Earliest day a partial date ("2025", "2025-11", "2025-11-24") can mean; None if blank.

    The frozen panel dates some models by year or month only; ordering and the
    "released after May 2026" rule need a day, and the earliest one is the conservative
    choice (a model is never counted as newer than its source says).
    """
    text = (value or "").strip()
    if not text:
        return None
    if not _PARTIAL_DATE.match(text):
        raise ValidationError("release_date", f"not YYYY, YYYY-MM or YYYY-MM-DD: {value!r}")
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class Observation:
    """One score of one model on one benchmark, as one source reported it.

    Never overwritten: a changed value is a new observation. `retrieved_at` is when the
    project learnt it (`as of` replays select on it); `reported_date` is the source date (the
    lab's publication date, the leaderboard's run or submission date), which G11 counts by.
    `tier` says who stands behind the number (TIERS). The setting fields say how it was
    obtained (G6, G7): `tools` (none / with), `attempts` (single, pass@k, parallel), `effort`,
    `harness` (lab, bash-only, agent), `hle_subset` (full, text-only), `ifeval_metric`;
    blank means the source does not say. `variant` stays the series key.
    """

    model_id: str
    benchmark: str
    score: float
    source: str
    source_url: str
    retrieved_at: str
    reported_date: str = ""
    variant: str = ""
    raw_model: str = ""
    note: str = ""
    tier: str = ""
    tools: str = ""
    attempts: str = ""
    effort: str = ""
    harness: str = ""
    hle_subset: str = ""
    ifeval_metric: str = ""

    def validate(self, today: dt.date | None = None, *, row: str = "") -> Observation:
        """Return self if every field is valid, else raise ValidationError naming the field."""
        src = self.source

        def fail(name: str, msg: str) -> None:
            raise ValidationError(name, msg, source=src, row=row)

        if not self.model_id.strip():
            fail("model_id", "empty")
        if self.benchmark not in STORED_BENCHMARKS:
            fail("benchmark", f"unknown benchmark {self.benchmark!r}; known: {', '.join(STORED_BENCHMARKS)}")
        if not isinstance(self.score, (int, float)) or math.isnan(self.score) or not 0 <= self.score <= 100:
            fail("score", f"must be a percentage in 0-100, got {self.score!r}")
        if self.source not in SOURCES:
            fail("source", f"unknown source {self.source!r}; known: {', '.join(SOURCES)}")
        if not _URL.match(self.source_url or ""):
            fail("source_url", f"not an http(s) URL: {self.source_url!r}")
        problem = setting_problem(self)
        if problem:
            fail(*problem)
        retrieved = parse_instant(self.retrieved_at, "retrieved_at")
        if self.reported_date:
            reported = parse_day(self.reported_date, "reported_date")
            if today is not None and reported > today:
                fail("reported_date", f"{reported} is in the future (today is {today})")
        if today is not None and retrieved.date() > today:
            fail("retrieved_at", f"{self.retrieved_at} is in the future (today is {today})")
        return self

    def trust(self) -> str:
        """The tier that applies: the row's own, or its source's by nature (DEFAULT_TIERS)."""
        return self.tier or DEFAULT_TIERS.get(self.source, SECONDARY)

    def source_day(self) -> dt.date | None:
        """The day the source dates the score (G11), None when it gives none."""
        return parse_day(self.reported_date, "reported_date") if self.reported_date else None

    def known_on(self) -> dt.date:
        """The day from which this observation is part of the record (for --as-of replays)."""
        return parse_instant(self.retrieved_at, "retrieved_at").date()

    def key(self) -> tuple[str, str, str, str]:
        """Identity of the series this observation belongs to (model, benchmark, source, variant)."""
        return (self.model_id, self.benchmark, self.source, self.variant)


def setting_problem(record: Any) -> tuple[str, str] | None:
    """(field, reason) when a record's tier or setting is not one of the known values."""
    allowed = {
        "tier": ("",) + TIERS,
        "tools": TOOLS,
        "harness": HARNESSES,
        "hle_subset": HLE_SUBSETS,
        "ifeval_metric": IFEVAL_METRICS,
    }
    for name, values in allowed.items():
        value = getattr(record, name)
        if value not in values:
            return name, f"unknown {name} {value!r}; known: {', '.join(v for v in values if v)}"
    if not _ATTEMPTS.match(record.attempts):
        return "attempts", f"unknown attempts {record.attempts!r}; known: single, pass@K, parallel"
    if any(c in record.effort for c in "|\n\r,"):
        return "effort", "must not contain '|', ',' or line breaks"
    return None


@dataclass(frozen=True)
class Model:
    """One release: a distinct dated model version (PREDICTIONS.md G8).

    Effort settings (`_high`, `xhigh`, `thinking`) and dated API snapshots are aliases or
    variants of the same release, never separate rows.
    """

    model_id: str
    name: str
    lab: str
    release_date: str = ""
    cohort: str = "tracked"
    core: bool = False
    frontier: bool = True
    open_weights: bool | None = None  # None: no source says (shown "unknown", never "no")
    hf_repo: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""
    # The lab's own day when release_date is only a month or a year (models.dev, first-party
    # provider), and where it came from: shown beside the release date and used by the rules
    # that need a day (G2, G9, G13) under the registered decision of 2026-12-01.
    first_party_day: str = ""
    first_party_day_source: str = ""

    def validate(self, *, row: str = "") -> Model:
        """Return self if valid, else raise ValidationError naming the field."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", self.model_id):
            raise ValidationError("model_id", f"must be lower-case slug, got {self.model_id!r}", row=row)
        if not self.name.strip():
            raise ValidationError("name", "empty", row=row)
        if not self.lab.strip():
            raise ValidationError("lab", "empty", row=row)
        if self.cohort not in COHORTS:
            raise ValidationError("cohort", f"unknown cohort {self.cohort!r}", row=row)
        partial_date_floor(self.release_date)
        if self.first_party_day:
            parse_day(self.first_party_day, "first_party_day")
        return self

    def date_precision(self) -> str:
        """'day', 'month' or 'year' of release_date ('' when there is none)."""
        return {10: "day", 7: "month", 4: "year"}.get(len(self.release_date.strip()), "")

    def day_for_rules(self) -> dt.date | None:
        """The release day the day-based rules use: release_date when it is a day, else the
        lab's first-party day when one is known, else the earliest day release_date can mean."""
        if self.date_precision() != "day" and self.first_party_day:
            return dt.date.fromisoformat(self.first_party_day)
        return partial_date_floor(self.release_date)

    def release_day(self) -> dt.date | None:
        """Earliest day the release date can mean (see partial_date_floor)."""
        return partial_date_floor(self.release_date)


@dataclass(frozen=True)
class QuarantineEntry:
    """A record that failed validation or looked suspicious, kept with the reason.

    It never reaches a verdict until a person accepts it (`status` = accepted).
    """

    id: str
    source: str
    row: str
    field: str
    reason: str
    record: str
    quarantined_at: str
    status: str = "pending"


@dataclass(frozen=True)
class Event:
    """One line of the append-only ledger (data/ledger/events.jsonl).

    `id` is stable (derived from the content, not the clock) so that a replay or a retry
    produces the same id and alerts can be delivered exactly once.
    """

    id: str
    type: str
    at: str
    payload: dict = field(default_factory=dict)


def as_row(record: object) -> dict[str, str]:
    """Flatten a record to CSV cells (tuples joined with '|', booleans as true/false)."""
    out: dict[str, str] = {}
    for f in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if isinstance(value, bool):
            out[f.name] = "true" if value else "false"
        elif isinstance(value, tuple):
            out[f.name] = "|".join(value)
        elif isinstance(value, float):
            out[f.name] = repr(value)
        else:
            out[f.name] = "" if value is None else str(value)
    return out
