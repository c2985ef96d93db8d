"""The panel as known on a day: one row per release, one chosen score per benchmark.

Every statistic and every verdict reads this one frame, so that "as of DATE" means the same
thing everywhere: a release counts once it is released by that day, and a score counts once
the project knew it by that day (`Observation.known_on`). When several sources score one model
the first source in the precedence order wins; the alternative orders let a verdict be
recomputed under each source to see whether it depends on the source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from tracker.frozen import load_frozen_panel
from tracker.identity import slugify
from tracker.paths import Paths
from tracker.records import BENCHMARKS, Model, Observation
from tracker.store import read_models, read_observations

PAPER_URL = "https://arxiv.org/abs/2605.18840"
PAPER_PUBLISHED = "2026-05-13"
DEFAULT_PRECEDENCE: tuple[str, ...] = ("paper", "epoch", "swebench", "hle", "vendor")
ALTERNATIVE_PRECEDENCES: dict[str, tuple[str, ...]] = {
    "default": DEFAULT_PRECEDENCE,
    "leaderboard_first": ("paper", "swebench", "hle", "epoch", "vendor"),
    "vendor_first": ("paper", "vendor", "epoch", "swebench", "hle"),
}
EVIDENCE_COHORTS = ("frozen", "post_cutoff", "tracked")
SYSTEM_VARIANT_PREFIX = "system:"


def paper_observations(paths: Paths) -> list[Observation]:
    """The frozen panel's scores as observations of source `paper`, known from publication day."""
    frame = load_frozen_panel(paths.frozen_panel)
    out = []
    for row in frame.itertuples(index=False):
        for benchmark in BENCHMARKS:
            value = getattr(row, benchmark)
            if pd.notna(value):
                out.append(Observation(
                    model_id=slugify(row.model), benchmark=benchmark, score=float(value), source="paper",
                    source_url=PAPER_URL, retrieved_at=f"{PAPER_PUBLISHED}T00:00:00Z",
                    reported_date=PAPER_PUBLISHED, raw_model=row.model, note=row.source_file,
                ))
    return out


def usable(observation: Observation, as_of: dt.date) -> bool:
    """Known by `as_of` and model-level (agent systems on a leaderboard are not a model's score)."""
    return observation.known_on() <= as_of and not observation.variant.startswith(SYSTEM_VARIANT_PREFIX)


def choose(observations: Iterable[Observation], precedence: tuple[str, ...]) -> Observation | None:
    """The observation that stands for one (model, benchmark).

    First source in `precedence` that has any; within it, each variant's latest observation
    (a changed value supersedes the old one), and of those the highest: labs headline their
    best single-attempt setting (G7), and effort variants of one release are one release (G8).
    """
    by_source: dict[str, list[Observation]] = {}
    for obs in observations:
        by_source.setdefault(obs.source, []).append(obs)
    for source in precedence:
        candidates = by_source.get(source)
        if candidates:
            latest: dict[str, Observation] = {}
            for obs in sorted(candidates, key=lambda o: (o.retrieved_at, o.reported_date)):
                latest[obs.variant] = obs
            return max(latest.values(), key=lambda o: (o.score, o.variant))
    return None


def _released_by(model: Model, as_of: dt.date) -> bool:
    day = model.release_day()
    return day is None or day <= as_of


def _model_row(model: Model) -> dict[str, object]:
    return {
        "model_id": model.model_id, "model": model.name, "lab": model.lab,
        "release_date": model.release_date, "release_day": model.release_day(),
        "cohort": model.cohort, "core": model.core, "frontier": model.frontier,
        "open_weights": model.open_weights, "hf_repo": model.hf_repo,
        "in_evidence": model.frontier and model.cohort in EVIDENCE_COHORTS,
    }


def _score_cells(chosen: Observation | None, benchmark: str) -> dict[str, object]:
    if chosen is None:
        return {benchmark: float("nan"), f"{benchmark}_source": "", f"{benchmark}_url": "",
                f"{benchmark}_known": None, f"{benchmark}_variant": ""}
    return {benchmark: chosen.score, f"{benchmark}_source": chosen.source,
            f"{benchmark}_url": chosen.source_url, f"{benchmark}_known": chosen.known_on(),
            f"{benchmark}_variant": chosen.variant}


def assemble(models: list[Model], observations: list[Observation], as_of: dt.date,
             precedence: tuple[str, ...] = DEFAULT_PRECEDENCE) -> pd.DataFrame:
    """Pure core of build_panel: models and observations in, the panel frame out."""
    grouped: dict[tuple[str, str], list[Observation]] = {}
    for obs in observations:
        if usable(obs, as_of):
            grouped.setdefault((obs.model_id, obs.benchmark), []).append(obs)
    rows = []
    for model in models:
        if not _released_by(model, as_of):
            continue
        row = _model_row(model)
        for benchmark in BENCHMARKS:
            row.update(_score_cells(choose(grouped.get((model.model_id, benchmark), []), precedence), benchmark))
        has_any = any(pd.notna(row[b]) for b in BENCHMARKS)
        if model.release_day() is None and not has_any:
            continue
        rows.append(row)
    return pd.DataFrame(rows, columns=panel_columns())


def panel_columns() -> list[str]:
    """Column order of the panel frame (stable, documented in docs/CONTRACTS.md)."""
    base = ["model_id", "model", "lab", "release_date", "release_day", "cohort", "core", "frontier",
            "open_weights", "hf_repo", "in_evidence"]
    for benchmark in BENCHMARKS:
        base += [benchmark, f"{benchmark}_source", f"{benchmark}_url", f"{benchmark}_known", f"{benchmark}_variant"]
    return base


def all_observations(paths: Paths) -> list[Observation]:
    """The papers' values plus every stored observation (scrapers and vendor reports)."""
    return paper_observations(paths) + read_observations(paths.scores)


def build_panel(paths: Paths, as_of: dt.date, precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
                observations: list[Observation] | None = None) -> pd.DataFrame:
    """One row per release known by `as_of` (see the module docstring).

    A papers-only panel (precedence ("paper",)) holds the papers' rows only: no other release
    can have a score in it, so it neither reads scores.csv nor walks the tracked releases.
    """
    models = read_models(paths.models)
    if set(precedence) == {"paper"}:
        observations = paper_observations(paths) if observations is None else observations
        papers = {o.model_id for o in observations if o.source == "paper"}
        models = [m for m in models if m.model_id in papers]
    elif observations is None:
        observations = all_observations(paths)
    return assemble(models, observations, as_of, precedence)


def frozen_frame(paths: Paths) -> pd.DataFrame:
    """The 34 frozen rows with the papers' values, whatever the date."""
    frozen = [model for model in read_models(paths.models) if model.cohort == "frozen"]
    return assemble(frozen, paper_observations(paths), dt.date.max, ("paper",))
