"""Which figure the site draws from which data: the bridge between SiteData and tracker.site.plots.

A prediction's evidence plot follows its evaluator: spreads for the top-k predictions (P1,
P6), Pearson r for the correlation ones (P2, P5, P7), the h-field of each slotted release for
the next-releases ones (P3, P4). Thresholds come from the registered parameters, so the lines
on the plot are the criteria the verdict uses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from tracker.site import plots
from tracker.site.answer import answer
from tracker.site.data import SiteData
from tracker.verdicts.evaluators import SHORT

THRESHOLD_WORDS = {"below": "<", "above": ">"}


def thresholds(params: dict) -> list[tuple[float, str]]:
    """The numeric pass/fail limits of a prediction, as (value, label) for the plot."""
    out = []
    names = {
        "rank": SHORT.get(params.get("rank_by", ""), "rank"),
        "second": SHORT.get(params.get("second", ""), "second"),
    }
    for key in sorted(params):
        parts = key.split("_")
        value = params[key]
        if parts[0] not in ("pass", "fail") or parts[-1] not in THRESHOLD_WORDS or isinstance(value, bool):
            continue
        if not isinstance(value, (int, float)) or "n" in parts[1:-1]:
            continue
        what = " ".join(names.get(p, p) for p in parts[1:-1])
        out.append((float(value), f"{parts[0]}: {what} {THRESHOLD_WORDS[parts[-1]]} {value:g}"))
    return out


def _points(history: list[dict], pick) -> tuple[tuple[dt.date, float | None], ...]:
    return tuple((dt.date.fromisoformat(h["day"]), pick(h["evidence"])) for h in history)


def evidence_series(evaluator: str, params: dict, history: list[dict]) -> list[plots.Series]:
    """The lines of one prediction's evidence plot."""
    if evaluator == "top_k_spread":
        k, first, second = (
            params.get("k"),
            SHORT.get(params.get("rank_by", ""), "?"),
            SHORT.get(params.get("second", ""), "?"),
        )
        return [
            plots.Series(f"top-{k} {first} spread", _points(history, lambda e: e.get("rank_spread"))),
            plots.Series(
                f"{second} spread, same {k} models", _points(history, lambda e: e.get("second_spread"))
            ),
        ]
    if evaluator == "correlation":
        return [plots.Series("Pearson r", _points(history, lambda e: e.get("r")))]
    models = sorted(
        {r["model"] for h in history for r in h["evidence"].get("rows", []) if r.get("h") is not None}
    )
    return [
        plots.Series(
            f"h of {name}",
            _points(
                history,
                lambda e, name=name: next(
                    (r["h"] for r in e.get("rows", []) if r.get("model") == name and r.get("h") is not None),
                    None,
                ),
            ),
        )
        for name in models
    ]


Y_LABELS = {
    "top_k_spread": "spread (percentage points)",
    "correlation": "Pearson r",
    "next_releases_h": "h-field (GPQA points vs frozen fit)",
}


def zones(evaluator: str, params: dict) -> list[plots.Zone]:
    """Where the plotted statistic passes or fails, from the registered parameters (the first
    statistic only: P1's second spread is a line, not a zone)."""
    stat = {"top_k_spread": "rank_spread", "correlation": "r", "next_releases_h": "h"}.get(evaluator)
    out = []
    for key in sorted(params):
        parts = key.split("_")
        value = params[key]
        if stat is None or parts[0] not in ("pass", "fail") or "_".join(parts[1:-1]) != stat:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        low, high = (-math.inf, float(value)) if parts[-1] == "below" else (float(value), math.inf)
        out.append(plots.Zone(low, high, parts[0]))
    return out


def counts_series(evaluator: str, history: list[dict]) -> plots.Series | None:
    """n on each day, for the correlation predictions (whose verdict also rests on n)."""
    if evaluator != "correlation":
        return None
    return plots.Series("n (models with both scores)", _points(history, lambda e: e.get("n")))


def caption(evaluator: str, params: dict) -> str:
    """What the figure shows, with units (the title is not repeated)."""
    if evaluator == "top_k_spread":
        first = SHORT.get(params.get("rank_by", ""), "?")
        return (
            f"Spreads in percentage points, evaluated on the first of each month and on the day. Shaded: where the "
            f"{first} spread passes (below {params.get('pass_rank_spread_below'):g}) and fails "
            f"(above {params.get('fail_rank_spread_above'):g})."
        )
    if evaluator == "correlation":
        n_rule = f"pass needs n at least {params.get('min_n_pass')}" + (
            f", fewer than {params['fail_if_n_below']} fails" if params.get("fail_if_n_below") else ""
        )
        return f"Pearson r (left axis, no unit) and n, the models with both scores (right axis; {n_rule}). Shaded: the pass and fail zones of r."
    return "h-field of each slotted release in GPQA points against the frozen fit. Shaded: the pass and fail zones."


def prediction_figure(data: SiteData, verdict: dict) -> plots.Figure:
    """The evidence-over-time figure of one prediction."""
    pid = verdict["id"]
    evaluator, params = verdict.get("evaluator", ""), verdict.get("parameters") or {}
    deadline = dt.date.fromisoformat(verdict["deadline"][:10]) if verdict.get("deadline") else None
    history = data.history.get(pid, [])
    days = (
        [dt.date.fromisoformat(h["day"]) for h in history] + [data.as_of] + ([deadline] if deadline else [])
    )
    return plots.evidence_over_time(
        f"{pid}-evidence",
        f"{pid}: evidence over time",
        Y_LABELS.get(evaluator, "value"),
        evidence_series(evaluator, params, history),
        thresholds(params),
        deadline,
        (min(days), max(days)),
        zones=zones(evaluator, params),
        counts=counts_series(evaluator, history),
        empty_text=answer(verdict).change or "no value yet",
        caption=caption(evaluator, params),
    )


def coupling_figures(data: SiteData) -> Iterable[plots.Figure]:
    """The coupling page's figures: scatter with band, h by lab, h by model over time."""
    current = data.current
    models = current.get("models", [])
    return (
        plots.coupling_scatter(
            models, current["h_slope"], current["h_intercept"], current["pi_halfwidth"], current.get("r")
        ),
        plots.coupling_scatter(
            models,
            current["h_slope"],
            current["h_intercept"],
            current["pi_halfwidth"],
            current.get("r"),
            narrow=True,
        ),
        plots.lab_h_bars(current.get("labs", {})),
        plots.h_over_time(models, current["pi_halfwidth"]),
    )
