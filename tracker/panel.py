"""The panel as known on a day: one row per release, one chosen score per benchmark.

Every statistic and every verdict reads this one frame, so that "as of DATE" means the same
thing everywhere: a release counts once it is released by that day, and a score counts once
the project knew it by that day (`Observation.known_on`).

Which score stands (G6, G7, registered in predictions/P*.toml): the papers' own value for the
panel's models; else the lab's headline single-attempt number (tier `first_party`); else an
independent evaluator's, in the precedence order of sources. A secondary report (a blog or
news page repeating a number) never stands unless an order names `secondary`, which only the
sensitivity line does. Settings that are not the registered one are never evidence: agent
systems, pass@k or parallel attempts, HLE with tools. The alternative orders let a verdict be
recomputed under each to see whether it depends on the source.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import pandas as pd

from tracker.identity import slugify
from tracker.paths import Paths
from tracker.records import (
    BENCHMARKS,
    FIRST_PARTY,
    INDEPENDENT,
    SECONDARY,
    SYSTEM_VARIANT_PREFIX,
    Model,
    Observation,
)
from tracker.stats.frozen import load_frozen_panel
from tracker.store import read_models, read_observations

PAPER_URL = "https://arxiv.org/abs/2605.18840"
PAPER_PUBLISHED = "2026-05-13"
# A precedence names standings (see `standing`): "paper", "first_party", "secondary", or the
# source of an independent evaluator. Independent sources it does not name rank after the
# named ones, by name; secondary reports stand only where it names "secondary".
DEFAULT_PRECEDENCE: tuple[str, ...] = ("paper", "first_party", "epoch", "swebench", "hle")
WITH_SECONDARY: tuple[str, ...] = (*DEFAULT_PRECEDENCE, SECONDARY)
ALTERNATIVE_PRECEDENCES: dict[str, tuple[str, ...]] = {
    "default": DEFAULT_PRECEDENCE,
    "independent_first": ("paper", "epoch", "swebench", "hle", "first_party"),
    "leaderboard_first": ("paper", "first_party", "swebench", "hle", "epoch"),
    "with_secondary": WITH_SECONDARY,
    # IFEval as the labs report it, without an independent evaluator (HELM): the registered
    # amendment of 2026-12-01 (P2, P6) shows this line beside the default, which includes HELM.
    "ifeval_vendor_only": (*DEFAULT_PRECEDENCE, "!helm"),
}
EVIDENCE_COHORTS = ("frozen", "post_cutoff", "tracked")
# (known by, precedence, source dated by): one memoised panel
PanelKey = tuple[dt.date, tuple[str, ...], dt.date | None]


def paper_observations(paths: Paths) -> list[Observation]:
    """The frozen panel's scores as observations of source `paper`, known from publication day."""
    frame = load_frozen_panel(paths.frozen_panel)
    out = []
    for row in frame.itertuples(index=False):
        for benchmark in BENCHMARKS:
            value = getattr(row, benchmark)
            if pd.notna(value):
                out.append(
                    Observation(
                        model_id=slugify(row.model),
                        benchmark=benchmark,
                        score=float(value),
                        source="paper",
                        source_url=PAPER_URL,
                        retrieved_at=f"{PAPER_PUBLISHED}T00:00:00Z",
                        reported_date=PAPER_PUBLISHED,
                        raw_model=row.model,
                        note=row.source_file,
                    )
                )
    return out


def registered_setting(observation: Observation) -> bool:
    """Whether a score is in the setting the registered rules count (G6, G7).

    Not an agent system (a scaffold around a model is not the model), a single attempt (not
    pass@k or parallel test-time compute), and for HLE no tools (never mixed with tools).
    """
    if observation.variant.startswith(SYSTEM_VARIANT_PREFIX) or observation.harness == "agent":
        return False
    if observation.attempts not in ("", "single"):
        return False
    return not (observation.benchmark == "hle" and observation.tools == "with")


def usable(observation: Observation, as_of: dt.date) -> bool:
    """Known by `as_of` and in the registered setting (see `registered_setting`)."""
    return observation.known_on() <= as_of and registered_setting(observation)


def standing(observation: Observation) -> str:
    """The precedence group of an observation: the papers, the lab, a secondary report, or
    the independent evaluator's own source name."""
    if observation.source == "paper":
        return "paper"
    tier = observation.trust()
    return observation.source if tier == INDEPENDENT else tier


def _rank(group: str, precedence: tuple[str, ...]) -> int | None:
    """A group's place in a precedence; None when it never stands (not named, or named with a
    leading '!' to leave an independent source out)."""
    if f"!{group}" in precedence:
        return None
    if group in precedence:
        return precedence.index(group)
    return None if group in (SECONDARY, FIRST_PARTY, "paper") else len(precedence)


def choose(observations: Iterable[Observation], precedence: tuple[str, ...]) -> Observation | None:
    """The observation that stands for one (model, benchmark), among those in the registered
    setting (`registered_setting`).

    The first group in `precedence` that has any (independent sources it does not name come
    after, by name); within it, each variant's latest observation (a changed value supersedes
    the old one), and of those the preferred setting: a lab's own harness before the bash-only
    board (G6), IFEval prompt-level strict and the full HLE set when several are given, then
    the highest, as labs headline their best single-attempt setting (G7) and effort variants
    of one release are one release (G8).
    """
    groups: dict[tuple[int, str], list[Observation]] = {}
    for obs in filter(registered_setting, observations):
        group = standing(obs)
        position = _rank(group, precedence)
        if position is not None:
            groups.setdefault((position, group), []).append(obs)
    if not groups:
        return None
    latest: dict[str, Observation] = {}
    for obs in sorted(groups[min(groups)], key=lambda o: (o.retrieved_at, o.reported_date)):
        latest[obs.variant] = obs
    return max(latest.values(), key=_preference)


def _preference(observation: Observation) -> tuple[bool, bool, bool, float, str]:
    return (
        observation.harness != "bash-only",
        observation.ifeval_metric in ("", "prompt_strict"),
        observation.hle_subset != "text-only",
        observation.score,
        observation.variant,
    )


def _model_row(model: Model, release_day: dt.date | None) -> dict[str, object]:
    return {
        "model_id": model.model_id,
        "model": model.name,
        "lab": model.lab,
        "release_date": model.release_date,
        "release_day": release_day,
        "release_precision": model.date_precision(),
        "first_party_day": model.first_party_day,
        "first_party_day_source": model.first_party_day_source,
        "cohort": model.cohort,
        "core": model.core,
        "frontier": model.frontier,
        "open_weights": model.open_weights,
        "hf_repo": model.hf_repo,
        "in_evidence": model.frontier and model.cohort in EVIDENCE_COHORTS,
    }


def _score_cells(
    chosen: Observation | None,
    benchmark: str,
    known: dt.date | None = None,
    first_known: dt.date | None = None,
) -> dict[str, object]:
    if chosen is None:
        return {
            benchmark: float("nan"),
            f"{benchmark}_source": "",
            f"{benchmark}_url": "",
            f"{benchmark}_known": None,
            f"{benchmark}_variant": "",
            f"{benchmark}_tier": "",
            f"{benchmark}_source_date": None,
            f"{benchmark}_first_known": None,
            f"{benchmark}_metric": "",
        }
    return {
        benchmark: chosen.score,
        f"{benchmark}_source": chosen.source,
        f"{benchmark}_url": chosen.source_url,
        f"{benchmark}_known": known or chosen.known_on(),
        f"{benchmark}_variant": chosen.variant,
        f"{benchmark}_tier": chosen.trust(),
        f"{benchmark}_source_date": chosen.source_day(),
        f"{benchmark}_first_known": first_known or known or chosen.known_on(),
        f"{benchmark}_metric": SUBSET_OF.get(benchmark, lambda _: "")(chosen),
    }


# What `b_metric` records: IFEval's metric, HLE's subset (full / text-only), as the source states.
SUBSET_OF = {"ifeval": lambda o: o.ifeval_metric, "hle": lambda o: o.hle_subset}


Known = tuple[dt.date, dt.date, Observation]


def group_usable(observations: Iterable[Observation]) -> dict[tuple[str, str], list[Known]]:
    """Observations in the registered setting by (model, benchmark), each with the day it became
    known and its source date (the day learnt where the source gives none: it was public by
    then), in their original order (ties in `choose` keep it). Done once, the grouping serves
    every day."""
    grouped: dict[tuple[str, str], list[Known]] = {}
    for obs in observations:
        if registered_setting(obs):
            known = obs.known_on()
            grouped.setdefault((obs.model_id, obs.benchmark), []).append(
                (known, obs.source_day() or known, obs)
            )
    return grouped


def _chosen_cells(
    known: list[Known],
    as_of: dt.date,
    precedence: tuple[str, ...],
    benchmark: str,
    dated_by: dt.date | None = None,
) -> dict[str, object]:
    usable_now = [
        (day, obs) for day, dated, obs in known if day <= as_of and (dated_by is None or dated <= dated_by)
    ]
    chosen = choose([obs for _, obs in usable_now], precedence) if usable_now else None
    known_day = next((day for day, obs in usable_now if obs is chosen), None)
    standing_days = [day for day, obs in usable_now if _rank(standing(obs), precedence) is not None]
    return _score_cells(chosen, benchmark, known_day, min(standing_days, default=None))


def assemble_grouped(
    models: list[Model],
    grouped: dict[tuple[str, str], list[Known]],
    as_of: dt.date,
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
    dated_by: dt.date | None = None,
) -> pd.DataFrame:
    """The panel frame from observations already grouped by `group_usable`.

    With `dated_by` (G11: the deadline) only releases out by then and scores whose source is
    dated by then count, of those known by `as_of` (the end of the grace period).
    """
    last_release = min(as_of, dated_by) if dated_by else as_of
    rows = []
    for model in models:
        day = (
            model.day_for_rules()
        )  # the lab's day where the date is a month or year (decision of 2026-12-01)
        if day is not None and day > last_release:
            continue
        row = _model_row(model, day)
        for benchmark in BENCHMARKS:
            cells = grouped.get((model.model_id, benchmark), [])
            row.update(_chosen_cells(cells, as_of, precedence, benchmark, dated_by))
        if day is None and not any(pd.notna(row[b]) for b in BENCHMARKS):
            continue
        rows.append(row)
    return pd.DataFrame(rows, columns=panel_columns())


def assemble(
    models: list[Model],
    observations: list[Observation],
    as_of: dt.date,
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
) -> pd.DataFrame:
    """Pure core of build_panel: models and observations in, the panel frame out."""
    return assemble_grouped(models, group_usable(observations), as_of, precedence)


def panel_columns() -> list[str]:
    """Column order of the panel frame (stable, documented in docs/CONTRACTS.md)."""
    base = [
        "model_id",
        "model",
        "lab",
        "release_date",
        "release_day",
        "release_precision",
        "first_party_day",
        "first_party_day_source",
        "cohort",
        "core",
        "frontier",
        "open_weights",
        "hf_repo",
        "in_evidence",
    ]
    for benchmark in BENCHMARKS:
        base += [
            benchmark,
            f"{benchmark}_source",
            f"{benchmark}_url",
            f"{benchmark}_known",
            f"{benchmark}_variant",
            f"{benchmark}_tier",
            f"{benchmark}_source_date",
            f"{benchmark}_first_known",
            f"{benchmark}_metric",
        ]
    return base


def build_panel(
    paths: Paths,
    as_of: dt.date,
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
    source: PanelSource | None = None,
) -> pd.DataFrame:
    """One row per release known by `as_of` (see the module docstring).

    A papers-only panel (precedence ("paper",)) holds the papers' rows only: no other release
    can have a score in it, so it neither reads scores.csv nor walks the tracked releases.
    With a `source` the panel comes from its one read of data/.
    """
    return (source or PanelSource(paths)).panel(as_of, precedence)


def frozen_frame(paths: Paths) -> pd.DataFrame:
    """The 34 frozen rows with the papers' values, whatever the date."""
    return PanelSource(paths).frozen_frame()


class PanelSource:
    """One read of data/ shared by every panel a run builds, each panel built once.

    A run asks for the same panels many times (stats, check under three source orders, the
    site's verdicts, history and tables); reading scores.csv and assembling the rows dominate
    the cost, so the files are read once (lazily: a papers-only panel never reads scores.csv)
    and each panel is memoised per (day, precedence). Callers get copies, never the memo.
    Build one per run: it does not notice files changed after it read them.
    """

    def __init__(self, paths: Paths):
        self.paths = paths
        self._frames: dict[PanelKey, pd.DataFrame] = {}
        self._evidence: dict[PanelKey, pd.DataFrame] = {}

    @functools.cached_property
    def models(self) -> list[Model]:
        return read_models(self.paths.models)

    @functools.cached_property
    def papers(self) -> list[Observation]:
        return paper_observations(self.paths)

    @functools.cached_property
    def observations(self) -> list[Observation]:
        """The papers' values plus every stored observation (scrapers and vendor reports)."""
        return self.papers + read_observations(self.paths.scores)

    @functools.cached_property
    def _grouped_all(self) -> dict[tuple[str, str], list[Known]]:
        return group_usable(self.observations)

    @functools.cached_property
    def _grouped_papers(self) -> dict[tuple[str, str], list[Known]]:
        return group_usable(self.papers)

    def _build(self, key: PanelKey) -> pd.DataFrame:
        as_of, precedence, dated_by = key
        if set(precedence) == {"paper"}:
            papers = {o.model_id for o in self.papers if o.source == "paper"}
            models = [m for m in self.models if m.model_id in papers]
            return assemble_grouped(models, self._grouped_papers, as_of, precedence, dated_by)
        return assemble_grouped(self.models, self._grouped_all, as_of, precedence, dated_by)

    def _frame(self, key: PanelKey) -> pd.DataFrame:
        if key not in self._frames:
            self._frames[key] = self._build(key)
        return self._frames[key]

    def panel(
        self,
        as_of: dt.date,
        precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
        dated_by: dt.date | None = None,
    ) -> pd.DataFrame:
        """What `build_panel(paths, as_of, precedence)` returns (a copy of the memoised frame);
        `dated_by` keeps only scores whose source is dated by then (see assemble_grouped)."""
        return self._frame((as_of, tuple(precedence), dated_by)).copy()

    def evidence(
        self,
        as_of: dt.date,
        precedence: tuple[str, ...] = DEFAULT_PRECEDENCE,
        dated_by: dt.date | None = None,
    ) -> pd.DataFrame:
        """The evidence rows (`in_evidence`) of a panel, memoised and shared: treat as read-only."""
        key = (as_of, tuple(precedence), dated_by)
        if key not in self._evidence:
            frame = self._frame(key)
            self._evidence[key] = frame[frame["in_evidence"].astype(bool)].reset_index(drop=True)
        return self._evidence[key]

    def frozen_frame(self) -> pd.DataFrame:
        """What `frozen_frame(paths)` returns, from this source's read of the files."""
        frozen = [model for model in self.models if model.cohort == "frozen"]
        return assemble_grouped(frozen, self._grouped_papers, dt.date.max, ("paper",))
