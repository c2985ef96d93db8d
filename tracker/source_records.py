"""What parsers return: scores as the source states them, and rows they could not read.

A parser does not know the identity table, so it cannot name the canonical model; it
returns `RawScore` (the source's own model name, the score in percent, the dates the source
gives). `tracker.merge` resolves identities, validates and stores. A row that is present but
unreadable is returned as a `RowProblem`, so it can be quarantined instead of lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True)
class RawScore:
    """One score of one model on one benchmark, exactly as one source reports it.

    `setting` is what the source says about how the score was obtained (harness, tools,
    thinking mode); it becomes part of the observation's variant. `run_started` orders
    re-runs of the same model (newest wins). `row` says where in the response it came from.
    `tier` and the setting fields (`tools`, `attempts`, `effort`, `harness`, `hle_subset`,
    `ifeval_metric`) are those of `tracker.records.Observation`; blank means not stated.
    """

    source: str
    benchmark: str
    raw_model: str
    score: float
    source_url: str
    retrieved_at: str
    reported_date: str = ""
    setting: str = ""
    lab: str = ""
    release_date: str = ""
    run_started: str = ""
    row: str = ""
    note: str = ""
    display_name: str = ""
    tier: str = ""
    tools: str = ""
    attempts: str = ""
    effort: str = ""
    harness: str = ""
    hle_subset: str = ""
    ifeval_metric: str = ""


@dataclass(frozen=True)
class RowProblem:
    """A row that exists in the response but cannot be read; it goes to the quarantine."""

    source: str
    row: str
    field: str
    reason: str
    raw: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class SourceWarning:
    """Something missing from a response that is not a bad row (an archive member the source
    usually ships). The run reports the source as `warning` and keeps the last good response."""

    source: str
    field: str
    message: str


@dataclass(frozen=True)
class HubModel:
    """One repository of the Hugging Face Hub, as listed for a watched organisation.

    Columns of data/hf_models.csv (docs/CONTRACTS.md). `created_at` is when the repo was
    created on the Hub, not when the model was announced; `first_seen` is when this project
    first listed it.
    """

    repo_id: str
    author: str
    sha: str
    created_at: str
    last_modified: str
    first_seen: str
    pipeline_tag: str
    library_name: str
    gated: str
    kind: str
    architecture: str
    n_params: str
    license: str
    steerable: bool
    skip_reason: str


@dataclass(frozen=True)
class ListedModel:
    """One model of a release feed (the OpenRouter list, the models.dev catalogue), as listed.

    Feeds say that a model exists and when, not how it scores. `listed_at` is when the feed
    listed it (OpenRouter's `created`), which can be a day or more after the lab's release;
    `release_date` is the lab's date where the feed gives one, with its `date_precision`
    (day, month or year: a month is never shown as a day). `open_weights` is "true", "false"
    or "" when the feed does not say. `kind` is "release" for a model, or why it is not one
    (alias, twin, stealth, router).
    """

    source: str
    feed_id: str
    name: str
    lab: str
    kind: str = "release"
    listed_at: str = ""
    release_date: str = ""
    date_precision: str = ""
    open_weights: str = ""
    hf_repo: str = ""
    row: str = ""
    note: str = ""


Record_co = TypeVar("Record_co", covariant=True)


class Parser(Protocol[Record_co]):
    """The contract of every source module's `parse` (epoch.parse, swebench.parse, hf_hub.parse, ...)."""

    def __call__(self, data: bytes, *, retrieved_at: str) -> Sequence[Record_co]:
        """The records of one response of the source, in the order the response gives them.

        Pure: bytes in, records out; no network, clock, filesystem or identity table. `retrieved_at`
        (an instant, `format_instant`) is stamped on every record, since the parser cannot know when
        the bytes were fetched. A row that is there but unreadable comes back as a RowProblem naming
        the source, row and field, so it is quarantined, never dropped. A response that is not the
        source's format at all (a truncated zip, a renamed column) raises ParseError
        (tracker.scrapers.errors) and yields nothing. Extra keyword arguments (`source_url`) are
        optional and default to the source's published URL.
        """
        ...
