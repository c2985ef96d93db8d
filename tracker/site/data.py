"""Everything the status site shows, gathered once from data/ as of one day.

The site is a pure function of a `SiteData`: this module is the only part of the site that
reads the project's files and calls the core (panel, coupling, predictions, store), so the
renderer can be tested on data built by hand, and "same data, same bytes" has one place to
hold. Values are plain JSON-like Python (dicts, lists, str, float, None); NaN never leaves
this module.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from tracker.panel import DEFAULT_PRECEDENCE, PanelSource, build_panel, frozen_frame
from tracker.paths import Paths
from tracker.records import Event, QuarantineEntry
from tracker.scrapers.config import load_config
from tracker.site.freshness import source_ages
from tracker.stats import coupling, reproduce
from tracker.stats.frozen import FROZEN_INTERCEPT, FROZEN_SLOPE, ISO_GPQA_SWE, ISO_IFEVAL_GPQA, h_field
from tracker.stats.phase import AT_TOLERANCE_PP, gpqa_c, ifeval_c, side
from tracker.steering.provenance import standing
from tracker.store import read_events, read_quarantine
from tracker.verdicts import predictions
from tracker.verdicts.specs import load_registered_specs

HISTORY_START = dt.date(2026, 5, 13)  # the papers' publication: the panel starts to exist here


@dataclass(frozen=True)
class SiteData:
    """The inputs of one build. `built_at` is derived from `as_of`, never the wall clock."""

    as_of: dt.date
    built_at: str
    verdicts: list[dict]
    history: dict[str, list[dict]]
    frozen: dict
    current: dict
    panel: list[dict]
    events: list[Event]
    sources: dict[str, dict]
    quarantine: list[QuarantineEntry]
    steering: list[dict]
    steering_queue: dict[str, dict]
    phase: dict
    source_ages: list[dict] = field(default_factory=list)
    project_url: str = ""


def plain(value: Any) -> Any:
    """JSON-safe copy: NaN -> None, dates -> ISO text, numpy scalars -> Python, tuples -> lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def history_days(start: dt.date, as_of: dt.date) -> list[dt.date]:
    """The days a prediction's evidence is re-evaluated on for its plot: `start`, the first of
    every month after it, and `as_of` (monthly keeps the build fast and the plot readable)."""
    if as_of < start:
        return [as_of]
    days = [start]
    month = dt.date(start.year, start.month, 1)
    while True:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month >= as_of:
            break
        days.append(month)
    if days[-1] != as_of:
        days.append(as_of)
    return days


def history_point(spec: Any, frame: Any, day: dt.date, snapshot: dt.date) -> dict:
    """One prediction's reading on one past day, under the default source order.

    Evidence rows are kept only where they carry an h-field, cut to model and h: the plot of
    the slot predictions follows each release's h, the others plot their statistics only (and a
    correlation's rows are every scored model, 10,000 of them on a large panel).
    """
    assessment = predictions.assess(spec, frame, snapshot)
    status, provisional = predictions.status_from(assessment, day >= spec.deadline_day())
    decided_today = predictions.decided(assessment)
    evidence = {k: v for k, v in assessment.evidence.items() if k != "rows"}
    evidence["summary"] = assessment.summary
    evidence["rows"] = [
        {"model": r.get("model"), "h": r.get("h")} for r in assessment.evidence.get("rows", []) if "h" in r
    ]
    return plain(
        {
            "day": day.isoformat(),
            "status": status,
            "provisional": provisional,
            "if_decided_today": decided_today,
            "evidence": evidence,
        }
    )


def verdict_history(paths: Paths, as_of: dt.date, source: PanelSource | None = None) -> dict[str, list[dict]]:
    """Each prediction evaluated on every history day: {id: [{day, status, provisional, evidence}]}.

    Only the default source order is evaluated (the plot shows the verdict's own evidence),
    and each day's panel is built once for all seven, which keeps the build fast.
    """
    specs, panels = load_registered_specs(paths), source or PanelSource(paths)
    out: dict[str, list[dict]] = {spec.id: [] for spec in specs}
    for day in history_days(HISTORY_START, as_of):
        for spec in specs:
            snapshot = predictions.snapshot_day(spec, day)
            out[spec.id].append(
                history_point(spec, panels.evidence(snapshot, DEFAULT_PRECEDENCE), day, snapshot)
            )
    return out


def read_json(path: Path, default: Any) -> Any:
    """A JSON file's content, or `default` when the file does not exist yet."""
    if not path.exists():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


def steering_results(directory: Path) -> list[dict]:
    """The steering result files (STEERING.md section 9), each with its file name; not the queue."""
    results = []
    for path in sorted(directory.glob("*.json")) if directory.exists() else []:
        if path.name == "queue.json":
            continue
        record = read_json(path, {})
        record["file"] = path.name
        record["standing"] = standing(record).as_dict()  # stale, a conversion, reduced: said on the page
        results.append(record)
    return results


def started_on(result: dict) -> str:
    """The day a steering run started ('' if the file does not say, so it is always shown)."""
    run = result.get("run")
    return str(run.get("started_at") or "")[:10] if isinstance(run, dict) else ""


def phase_constants(paths: Paths) -> dict:
    """What the phase calculator needs, computed here once so the page and Python agree.

    The textbook OLS interval needs the frozen fit's n, mean SWE, Sxx, residual s and the
    t quantile; the papers' band is 1.96 x the population SD of the residuals.
    """
    fit = coupling.fit_frame(frozen_frame(paths))
    return {
        "slope": FROZEN_SLOPE,
        "intercept": FROZEN_INTERCEPT,
        "pi_halfwidth": fit.pi_halfwidth_papers(),
        "n": fit.n,
        "x_mean": fit.x_mean,
        "sxx": fit.sxx,
        "s_ols": fit.s_ols,
        "t975": float(stats.t.ppf(0.975, fit.n - 2)),
        "iso_gpqa_swe": ISO_GPQA_SWE,
        "iso_ifeval_gpqa": ISO_IFEVAL_GPQA,
        "gpqa_tolerance": 0.0,
        "ifeval_tolerance": AT_TOLERANCE_PP,
    }


def phase_diagnosis(fit: coupling.Fit, swe: float, gpqa: float, ifeval: float | None = None) -> dict:
    """The calculator's answer computed by the core's own functions: the reference the page's
    JavaScript is tested against (same keys as its `diagnose`)."""
    predicted = FROZEN_SLOPE * swe + FROZEN_INTERCEPT
    h, half, half_ols = h_field(swe, gpqa), fit.pi_halfwidth_papers(), fit.pi_halfwidth_ols(swe)
    result = {
        "predicted": predicted,
        "h": h,
        "pi_low": predicted - half,
        "pi_high": predicted + half,
        "inside_pi": abs(h) <= half,
        "pi_ols_half": half_ols,
        "pi_ols_low": predicted - half_ols,
        "pi_ols_high": predicted + half_ols,
        "inside_pi_ols": abs(h) <= half_ols,
        "gpqa_c": gpqa_c(swe),
        "gpqa_side": side(gpqa, gpqa_c(swe), 0.0),
        "ifeval_c": None,
        "ifeval_side": None,
    }
    if ifeval is not None:
        result.update(ifeval_c=ifeval_c(gpqa), ifeval_side=side(ifeval, ifeval_c(gpqa)))
    return result


def panel_records(paths: Paths, as_of: dt.date, source: PanelSource | None = None) -> list[dict]:
    """The panel as of `as_of`, one plain dict per release, with its h-field where it has one."""
    frame = coupling.add_h(build_panel(paths, as_of, source=source))
    return [plain(row) for row in frame.to_dict(orient="records")]


def collect(
    paths: Paths,
    as_of: dt.date,
    source: PanelSource | None = None,
    verdicts: list[predictions.Verdict] | None = None,
    current: dict | None = None,
) -> SiteData:
    """Read data/ and compute everything the site shows, as of `as_of`.

    Ledger events, quarantined records and steering results dated after `as_of` are left out,
    so a replay of a past day shows that day's site. A run that has just computed the verdicts
    (`predictions.check`) and the current statistics (`coupling.current_stats`) for `as_of`
    passes them in, with its `source` of panels, instead of having them computed again.
    """
    day = as_of.isoformat()
    source = source or PanelSource(paths)
    verdicts = predictions.evaluate_all(paths, as_of, source) if verdicts is None else verdicts
    current = coupling.current_stats(paths, as_of, source) if current is None else current
    sources = read_json(paths.data / "sources.json", {})
    return SiteData(
        as_of=as_of,
        built_at=f"{as_of.isoformat()}T23:59:59Z",
        verdicts=[plain(v.to_json()) for v in verdicts],
        history=verdict_history(paths, as_of, source),
        frozen=plain(reproduce.frozen_stats(paths)),
        current=plain(current),
        panel=panel_records(paths, as_of, source),
        events=[e for e in read_events(paths.ledger) if e.at[:10] <= day],
        sources=sources,
        quarantine=[q for q in read_quarantine(paths.quarantine) if q.quarantined_at[:10] <= day],
        steering=[r for r in steering_results(paths.steering) if started_on(r) <= day],
        steering_queue=read_json(paths.steering / "queue.json", {}),
        phase=phase_constants(paths),
        source_ages=source_ages(source.observations, sources, as_of),
        project_url=load_config(paths.root).http.project_url,
    )
