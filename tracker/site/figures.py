"""Which figure the site draws from which data: the bridge between SiteData and tracker.site.plots.

A prediction's evidence plot follows its evaluator: spreads for the top-k predictions (P1,
P6), Pearson r for the correlation ones (P2, P5, P7), the h-field of each slotted release for
the next-releases ones (P3, P4). Thresholds come from the registered parameters, so the lines
on the plot are the criteria the verdict uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tracker.site import plots
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
    )


def coupling_figures(data: SiteData) -> Iterable[plots.Figure]:
    """The coupling page's figures: scatter with band, h by lab, h by model over time."""
    current = data.current
    models = current.get("models", [])
    return (
        plots.coupling_scatter(models, current["h_slope"], current["h_intercept"], current["pi_halfwidth"]),
        plots.lab_h_bars(current.get("labs", {})),
        plots.h_over_time(models, current["pi_halfwidth"]),
    )
