"""The release feeds in a run: OpenRouter's model list and the models.dev catalogue.

Feeds say which models exist and when, not how they score. Each listed release is kept in
data/releases.csv (source, feed id, name, lab, listing time, release date with its precision,
open weights, the release it resolves to, first seen). What a feed adds:
- OpenRouter: an id listed for the first time (after the source's first listing, which is a
  baseline) is a `new_release` event with its listing time; aliases, `:free` twins and
  `openrouter/*` routers are not releases and an id that disappears is not a retirement. A new
  release of one of the panel's labs that no source knew becomes a tracked release (its
  frontier flag waits for a release date). `hugging_face_id` links a release to its open weights.
- models.dev (first-party providers only): `open_weights`, the release date of a tracked
  release that had none, and the lab's day for a release whose date is only a month or a
  year (`first_party_day`, used by the day-based rules under the registered decision).
Every change to a release is a `model_updated` event (tracker.merge.learn_release_facts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tracker.identity import normalise_lab, slugify, split_name
from tracker.merge import (
    BatchOutcome,
    MergeState,
    create_listed_model,
    learn_release_facts,
    quarantine_problem,
    refresh_frontier,
)
from tracker.paths import Paths
from tracker.records import Event, Model
from tracker.scrapers import models_dev, openrouter
from tracker.source_records import ListedModel, RowProblem
from tracker.store import make_event_id, read_csv_rows, read_models, rows_to_csv

FEEDS = {
    "openrouter": ("openrouter-models.json", openrouter.parse),
    "models_dev": ("models-dev.json", models_dev.parse),
}
FIELDS = [
    "source",
    "feed_id",
    "name",
    "lab",
    "listed_at",
    "release_date",
    "date_precision",
    "open_weights",
    "hf_repo",
    "model_id",
    "first_seen",
]


def read_releases(path: Path) -> list[dict[str, str]]:
    """The rows of data/releases.csv (every column checked)."""
    return read_csv_rows(path, FIELDS)


def releases_text(rows: list[dict[str, str]]) -> str:
    """data/releases.csv sorted by source and feed id (idempotent)."""
    return rows_to_csv(FIELDS, sorted(rows, key=lambda r: (r["source"], r["feed_id"])))


def new_releases(paths: Paths, since: dt.date) -> list[dict[str, str]]:
    """Feed releases first seen on or after `since` (a source's first listing is a baseline and
    is not new), each with the best release date known: the feed's own (models.dev), else the
    tracked release's, with its precision and where it came from."""
    rows = read_releases(paths.data / "releases.csv")
    models = {m.model_id: m for m in read_models(paths.models)}
    baseline: dict[str, str] = {}
    for row in rows:
        baseline[row["source"]] = min(baseline.get(row["source"], row["first_seen"]), row["first_seen"])
    out = []
    for row in sorted(rows, key=lambda r: (r["first_seen"], r["source"], r["feed_id"])):
        if row["first_seen"] <= baseline[row["source"]] or row["first_seen"][:10] < since.isoformat():
            continue
        model = models.get(row["model_id"])
        if not row["release_date"] and model is not None and model.release_date:
            dated = {"release_date": model.release_date, "date_precision": model.date_precision()}
            dated["date_source"] = "tracked release " + model.model_id
        else:
            dated = {"date_source": row["source"] if row["release_date"] else ""}
        out.append({**row, **dated, "first_party_day": model.first_party_day if model else ""})
    return out


def merge_feed(
    state: MergeState,
    rows: list[dict[str, str]],
    listed: list[ListedModel | RowProblem],
    *,
    source: str,
    at: str,
) -> tuple[list[dict[str, str]], BatchOutcome]:
    """Merge one feed's listing into the releases table and the identity table (in place)."""
    outcome = BatchOutcome()
    known = {(r["source"], r["feed_id"]): r for r in rows}
    baseline = not any(r["source"] == source for r in rows)
    watermark = max((r["listed_at"] for r in rows if r["source"] == source), default="")
    for entry in listed:
        outcome.records += 1
        if isinstance(entry, RowProblem):
            quarantine_problem(state, outcome, at, entry)
            continue
        if entry.kind != "release":
            continue
        model_id = _resolve(state, entry)
        previous = known.get((source, entry.feed_id))
        if previous is None and not baseline and entry.listed_at >= watermark and source == "openrouter":
            model_id = model_id or _new_release(state, outcome, entry, at)
            outcome.events.append(_release_event(entry, model_id, at))
        known[(source, entry.feed_id)] = _row(entry, model_id, previous["first_seen"] if previous else at)
        if model_id:
            _learn(state, outcome, model_id, entry, at)
    _first_party_days(state, outcome, [r for r in known.values() if r["source"] == "models_dev"], at)
    refresh_frontier(state, outcome)
    return list(known.values()), outcome


def _resolve(state: MergeState, entry: ListedModel) -> str:
    """The release a listing names: by its display name as a slug ("Grok 4.20 (Reasoning)" ->
    grok-4.20, the reasoning mode stripped), else by its feed id; '' when none is known."""
    for spelling in (slugify(entry.name), entry.feed_id.split("/", 1)[1]):
        model_id = state.identity.resolve(spelling, release_date=entry.release_date).model_id
        if model_id:
            return model_id
    return ""


def _row(entry: ListedModel, model_id: str, first_seen: str) -> dict[str, str]:
    return {
        "source": entry.source,
        "feed_id": entry.feed_id,
        "name": entry.name,
        "lab": entry.lab,
        "listed_at": entry.listed_at,
        "release_date": entry.release_date,
        "date_precision": entry.date_precision,
        "open_weights": entry.open_weights,
        "hf_repo": entry.hf_repo,
        "model_id": model_id,
        "first_seen": first_seen,
    }


def _release_event(entry: ListedModel, model_id: str, at: str) -> Event:
    payload = {
        "source": entry.source,
        "feed_id": entry.feed_id,
        "name": entry.name,
        "lab": normalise_lab(entry.lab),
        "listed_at": entry.listed_at,
        "model_id": model_id,
        "hf_repo": entry.hf_repo,
    }
    return Event(make_event_id("new_release", entry.source, entry.feed_id), "new_release", at, payload)


def _new_release(state: MergeState, outcome: BatchOutcome, entry: ListedModel, at: str) -> str:
    """A tracked release for a new listing of one of the panel's labs ('' for other labs)."""
    lab = normalise_lab(entry.lab)
    if lab not in state.frontier.panel_labs:
        return ""
    spelling = split_name(entry.feed_id.split("/", 1)[1]).spellings[0]
    note = f"first listed on {entry.source} ({entry.feed_id}) at {entry.listed_at}"
    return create_listed_model(
        state, outcome, (spelling, entry.name, lab), source=entry.source, note=note, at=at
    )


def _learn(state: MergeState, outcome: BatchOutcome, model_id: str, entry: ListedModel, at: str) -> None:
    """Open weights from either feed; a release date for a dateless tracked release (models.dev)."""
    model = state.identity.get(model_id)
    if model is None:
        return
    if model.open_weights is None and entry.open_weights:
        weights = entry.open_weights == "true"
        updated = dataclasses.replace(model, open_weights=weights, hf_repo=model.hf_repo or entry.hf_repo)
        _record_update(state, outcome, model, updated, entry.source, at)
    elif model.open_weights and not model.hf_repo and entry.hf_repo:
        _record_update(
            state, outcome, model, dataclasses.replace(model, hf_repo=entry.hf_repo), entry.source, at
        )
    if entry.source == "models_dev" and entry.release_date:
        learn_release_facts(state, outcome, model_id, entry.source, entry.lab, entry.release_date, at)


def _first_party_days(state: MergeState, outcome: BatchOutcome, rows: list[dict[str, str]], at: str) -> None:
    """The lab's day for each release dated only by month or year (the undated id first, then
    the earliest day that agrees with the release's own partial date)."""
    for model_id in sorted({r["model_id"] for r in rows if r["model_id"]}):
        model = state.identity.get(model_id)
        if model is None or model.date_precision() in ("day", ""):
            continue
        days = [
            (bool(split_name(r["feed_id"]).embedded_date), r["release_date"], r["feed_id"])
            for r in rows
            if r["model_id"] == model_id
            and r["date_precision"] == "day"
            and r["release_date"].startswith(model.release_date)
        ]
        if not days:
            continue
        _, day, feed_id = min(days)
        where = f"models.dev first-party {feed_id}"
        if (model.first_party_day, model.first_party_day_source) != (day, where):
            updated = dataclasses.replace(model, first_party_day=day, first_party_day_source=where)
            _record_update(state, outcome, model, updated, "models_dev", at)


def _record_update(
    state: MergeState, outcome: BatchOutcome, old: Model, new: Model, source: str, at: str
) -> None:
    """Store a changed release and its `model_updated` event (one per content)."""
    state.identity.add(new)
    changes = {
        f.name: {"old": getattr(old, f.name), "new": getattr(new, f.name)}
        for f in dataclasses.fields(Model)
        if getattr(old, f.name) != getattr(new, f.name) and f.name != "aliases"
    }
    if not changes:
        return
    if old.model_id not in outcome.updated_models:
        outcome.updated_models.append(old.model_id)
    event_id = make_event_id(
        "model_updated", old.model_id, *sorted((k, str(v["new"])) for k, v in changes.items())
    )
    outcome.events.append(
        Event(event_id, "model_updated", at, {"model_id": old.model_id, "source": source, **changes})
    )
