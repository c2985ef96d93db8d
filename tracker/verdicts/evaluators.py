"""The three kinds of test the seven predictions use, as pure functions of the panel.

Each evaluator takes the evidence panel as of a day and the prediction's registered
parameters, and returns an Assessment: which way the criteria point now ("pass", "fail" or
"neither"), whether that reading is already final (only release-count predictions finalise
before their deadline, G11), and the evidence the reading rests on.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from tracker.stats.frozen import PUBLISHED_INTERCEPT, PUBLISHED_SLOPE, h_field

PASS, FAIL, NEITHER = "pass", "fail", "neither"
PUBLISHED_PLACES = 6
NEW_ONLY_FROM = "2026-06-01"  # G2: "releases after May 2026"
SHORT = {"swe_bench_verified": "SWE", "gpqa_diamond": "GPQA", "ifeval": "IFEval", "hle": "HLE"}


@dataclass(frozen=True)
class Assessment:
    """Where one prediction's criteria stand on one panel."""

    outcome: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    final: bool = False
    insufficient: bool = False


def evidence_row(row: Any, columns: list[str], **extra: Any) -> dict[str, Any]:
    """One model's line in an evidence table: its values, each with source, URL, tier, the
    source's date and the day the project learnt it."""
    out: dict[str, Any] = {
        "model_id": row.model_id,
        "model": row.model,
        "lab": row.lab,
        "release_date": row.release_date,
    }
    for column in columns:
        value = getattr(row, column)
        out[column] = None if pd.isna(value) else float(value)
        out[f"{column}_source"] = getattr(row, f"{column}_source")
        out[f"{column}_url"] = getattr(row, f"{column}_url")
        out[f"{column}_tier"] = getattr(row, f"{column}_tier")
        out[f"{column}_source_date"] = _iso(getattr(row, f"{column}_source_date"))
        out[f"{column}_known"] = _iso(getattr(row, f"{column}_known"))
        if column == "ifeval":
            out["ifeval_metric"] = getattr(row, "ifeval_metric", "")
    out.update(extra)
    return out


def ifeval_mix(frame: pd.DataFrame) -> dict[str, Any]:
    """Which IFEval values a statistic mixes (G6/G7 amendment of 2026-12-01): rows by source
    tier and by metric ('paper' for the papers' own values, 'not stated' where the source gives
    none), and `mixed` when more than one tier or metric is in it."""
    tiers = [
        "paper" if s == "paper" else t or "unstated"
        for s, t in zip(frame["ifeval_source"], frame["ifeval_tier"], strict=True)
    ]
    metrics = [
        "paper" if s == "paper" else m or "not stated"
        for s, m in zip(frame["ifeval_source"], frame.get("ifeval_metric", [""] * len(frame)), strict=True)
    ]
    by_tier = {t: tiers.count(t) for t in sorted(set(tiers))}
    by_metric = {m: metrics.count(m) for m in sorted(set(metrics))}
    return {"by_tier": by_tier, "by_metric": by_metric, "mixed": len(by_tier) > 1 or len(by_metric) > 1}


def one_hle_subset(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """G6 / P7-a: HLE text-only values count only if the whole statistic is text-only; in a
    statistic that mixes them with full-set values they are left out (and named)."""
    if "hle" not in columns or "hle_metric" not in frame:
        return frame, []
    text_only = frame["hle_metric"].eq("text-only") & frame["hle"].notna()
    if not text_only.any() or text_only.sum() == frame["hle"].notna().sum():
        return frame, []
    return frame[~text_only].reset_index(drop=True), frame.loc[text_only, "model_id"].tolist()


def evidence_rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """`evidence_row` for every row of a frame, read column by column: the correlation
    predictions list every scored model, and a pandas row object per model was their main cost."""
    data: dict[str, list[Any]] = {
        name: frame[name].tolist() for name in ("model_id", "model", "lab", "release_date")
    }
    for column in columns:
        data[column] = [None if pd.isna(value) else float(value) for value in frame[column].tolist()]
        data[f"{column}_source"] = frame[f"{column}_source"].tolist()
        data[f"{column}_url"] = frame[f"{column}_url"].tolist()
        data[f"{column}_tier"] = frame[f"{column}_tier"].tolist()
        data[f"{column}_source_date"] = [_iso(day) for day in frame[f"{column}_source_date"].tolist()]
        data[f"{column}_known"] = [_iso(day) for day in frame[f"{column}_known"].tolist()]
        if column == "ifeval" and "ifeval_metric" in frame:
            data["ifeval_metric"] = frame["ifeval_metric"].tolist()
    keys = list(data)
    return [dict(zip(keys, values, strict=True)) for values in zip(*data.values(), strict=True)]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else None


def rank(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows with `column`, best first; ties by earlier release, then name (G9)."""
    scored = frame.dropna(subset=[column]).copy()
    scored["_day"] = scored["release_day"].map(lambda d: d or dt.date.min)
    ordered = scored.sort_values([column, "_day", "model"], ascending=[False, True, True], kind="mergesort")
    return ordered.drop(columns="_day").reset_index(drop=True)


def published(value: float) -> Decimal:
    """A score as the decimal its source published (G15: "scores are taken as published").

    A float carries conversion noise (Epoch's fraction 0.2437 x 100 is 24.370000000000005);
    rounding to PUBLISHED_PLACES removes it and nothing a source prints, so that
    37.52 - 22.52 is exactly 15.00 and a spread at a strict threshold never passes.
    """
    return Decimal(repr(round(float(value), PUBLISHED_PLACES)))


def spread(high: float, low: float) -> Decimal:
    """high - low in decimal arithmetic on the published values (G15)."""
    return published(high) - published(low)


def _threshold(params: dict, key: str) -> Decimal:
    return Decimal(repr(float(params[key])))


def _spread_reading(rank_spread: Decimal, second_spread: Decimal | None, params: dict) -> str:
    if rank_spread > _threshold(params, "fail_rank_spread_above"):
        return FAIL
    if (
        rank_spread < _threshold(params, "pass_rank_spread_below")
        and second_spread is not None
        and second_spread > _threshold(params, "pass_second_spread_above")
    ):
        return PASS
    return NEITHER


def top_k_spread(frame: pd.DataFrame, params: dict, as_of: dt.date) -> Assessment:
    """P1, P6: spread of the top k on one benchmark, and of a second benchmark over the same k."""
    first, second, k = params["rank_by"], params["second"], int(params["k"])
    ranked = rank(frame, first)
    if params.get("require_second"):
        ranked = ranked.dropna(subset=[second]).reset_index(drop=True)
    diagnostics = {} if params.get("diagnostic") else {"new_only": _new_only_spread(frame, params, as_of)}
    if len(ranked) < k:
        return Assessment(
            NEITHER,
            f"only {len(ranked)} models with {SHORT[first]}; needs {k}",
            {
                "n": len(ranked),
                "k": k,
                "diagnostics": diagnostics,
                "rows": evidence_rows(ranked, [first, second]),
            },
            insufficient=True,
        )
    top = ranked.head(k)
    exact_rank_spread = spread(top[first].iloc[0], top[first].iloc[k - 1])
    # the registered reading: the second benchmark over the same k; `second_ranked_by_itself`
    # (an alternative reading only) takes its own top k instead
    same_set, _ = one_hle_subset(top, [second])  # G6: text-only HLE never mixed with the full set
    seconds = (
        rank(frame, second).head(k)[second]
        if params.get("second_ranked_by_itself")
        else same_set[second].dropna()
    )
    exact_second = spread(seconds.max(), seconds.min()) if len(seconds) >= int(params["min_second"]) else None
    outcome = _spread_reading(exact_rank_spread, exact_second, params)
    rank_spread = float(exact_rank_spread)
    second_spread = None if exact_second is None else float(exact_second)
    second_text = "missing" if second_spread is None else f"{second_spread:.1f} pp"
    summary = (
        f"top-{k} {SHORT[first]} spread {rank_spread:.1f} pp, {SHORT[second]} spread {second_text}; "
        f"pass needs < {params['pass_rank_spread_below']:g} and > {params['pass_second_spread_above']:g}, "
        f"fail if {SHORT[first]} spread > {params['fail_rank_spread_above']:g}"
    )
    evidence = {
        "n": len(ranked),
        "k": k,
        "diagnostics": diagnostics,
        "rank_spread": rank_spread,
        "second_spread": second_spread,
        "second_n": int(len(seconds)),
        "threshold_pass": params["pass_rank_spread_below"],
        "threshold_fail": params["fail_rank_spread_above"],
        "margin_to_pass": float(exact_rank_spread - _threshold(params, "pass_rank_spread_below")),
        "margin_to_fail": float(_threshold(params, "fail_rank_spread_above") - exact_rank_spread),
        "rows": [{**row, "rank": i + 1} for i, row in enumerate(evidence_rows(top, [first, second]))],
    }
    if first == "ifeval":
        evidence["ifeval_mix"] = ifeval_mix(top)
    return Assessment(outcome, summary, evidence)


def _new_only_spread(frame: pd.DataFrame, params: dict, as_of: dt.date) -> dict[str, Any]:
    """The same test on the new releases only (G3's diagnostic): its numbers and reading."""
    result = top_k_spread(new_only(frame, params), {**params, "diagnostic": True}, as_of)
    keys = ("n", "rank_spread", "second_spread")
    return {
        "from": params.get("new_only_from", NEW_ONLY_FROM),
        **{key: result.evidence.get(key) for key in keys},
        "reading": VERDICT_WORDS[result.outcome],
    }


def pearson(x: pd.Series, y: pd.Series) -> float | None:
    """Pearson r, or None where it is undefined (fewer than 3 points or no variance)."""
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(stats.pearsonr(x.astype(float), y.astype(float))[0])


def _correlation_reading(n: int, r: float | None, params: dict) -> str:
    if n < params.get("fail_if_n_below", 0):
        return FAIL
    if r is None:
        return NEITHER
    passes = r > params["pass_r_above"] if "pass_r_above" in params else r < params["pass_r_below"]
    fails = r < params["fail_r_below"] if "fail_r_below" in params else r > params["fail_r_above"]
    if n >= params["min_n_pass"] and passes:
        return PASS
    if n >= params["min_n_fail"] and fails:
        return FAIL
    return NEITHER


def _correlation_criteria(params: dict) -> str:
    pass_rule = (
        f"r > {params['pass_r_above']:g}" if "pass_r_above" in params else f"r < {params['pass_r_below']:g}"
    )
    fail_rule = (
        f"r < {params['fail_r_below']:g}" if "fail_r_below" in params else f"r > {params['fail_r_above']:g}"
    )
    extra = f" or n < {params['fail_if_n_below']}" if params.get("fail_if_n_below") else ""
    return f"pass needs {pass_rule} on n >= {params['min_n_pass']}; fail if {fail_rule}{extra}"


def new_only(frame: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The releases from `new_only_from` (G2: 2026-06-01 unless a prediction registers another
    day): G3's new-only panel, reported beside the cumulative one."""
    start = dt.date.fromisoformat(params.get("new_only_from", NEW_ONLY_FROM))
    mask = frame["release_day"].map(lambda d: d is not None and d >= start).astype(bool)
    return frame[mask].reset_index(drop=True)


VERDICT_WORDS = {PASS: "passed", FAIL: "failed", NEITHER: "inconclusive"}


def correlation_diagnostics(both: pd.DataFrame, params: dict) -> dict[str, Any]:
    """Secondary readings registered with the prediction (never the verdict): r on the new
    releases only (G3) with what the rule would read on them, and r on high-x models."""
    x, y = params["x"], params["y"]
    new = new_only(both, params)
    r_new = pearson(new[x], new[y])
    out: dict[str, Any] = {
        "new_only": {
            "from": params.get("new_only_from", NEW_ONLY_FROM),
            "n": int(len(new)),
            "r": r_new,
            "reading": VERDICT_WORDS[_correlation_reading(len(new), r_new, params)],
        }
    }
    if "diagnostic_min_x" in params:
        high = both[both[x] >= params["diagnostic_min_x"]]
        out["high_x"] = {
            "min_x": params["diagnostic_min_x"],
            "n": int(len(high)),
            "r": pearson(high[x], high[y]),
        }
    return out


def correlation(frame: pd.DataFrame, params: dict, as_of: dt.date) -> Assessment:
    """P2, P5, P7: Pearson r between two benchmarks over the models that have both."""
    x, y = params["x"], params["y"]
    both, text_only_left_out = one_hle_subset(frame.dropna(subset=[x, y]).reset_index(drop=True), [x, y])
    if "min_x" in params:  # an alternative reading only: the models at or above min_x
        both = both[both[x] >= params["min_x"]].reset_index(drop=True)
    n, r = len(both), pearson(both[x], both[y])
    outcome = _correlation_reading(n, r, params)
    r_text = "undefined" if r is None else f"{r:+.3f}"
    summary = f"r({SHORT[x]}, {SHORT[y]}) = {r_text} on n = {n}; {_correlation_criteria(params)}"
    evidence: dict[str, Any] = {
        "n": n,
        "r": r,
        "p": None if r is None or n < 3 else float(stats.pearsonr(both[x], both[y])[1]),
        "threshold_n": params["min_n_pass"],
        "diagnostics": correlation_diagnostics(both, params),
        "hle_text_only_left_out": text_only_left_out,
        "rows": evidence_rows(both, [x, y]),
    }
    if "ifeval" in (x, y):
        evidence["ifeval_mix"] = ifeval_mix(both)
    if "new_only_from" in params:
        evidence["secondary_verdict"] = secondary_verdict(evidence["diagnostics"]["new_only"], params)
    if "baseline_r" in params and r is not None:
        evidence["delta_r_vs_baseline"] = r - params["baseline_r"]
    return Assessment(outcome, summary, evidence, insufficient=n < params["min_n_pass"])


def secondary_verdict(new: dict[str, Any], params: dict) -> dict[str, Any]:
    """P5 (decision P5-a): the new-only reading, published as a secondary verdict once the new
    releases alone reach the panel size the rule needs (n >= 30); None before."""
    ready = new["n"] >= params["min_n_pass"]
    return {
        "panel": "new_only",
        "n": new["n"],
        "needs": params["min_n_pass"],
        "status": new["reading"] if ready else None,
    }


def _lab_releases(frame: pd.DataFrame, params: dict) -> pd.DataFrame:
    start = dt.date.fromisoformat(params["released_from"])
    rows = frame[
        (frame["lab"] == params["lab"]) & frame["release_day"].map(lambda d: d is not None and d >= start)
    ]
    names = rows["model"].str.lower()
    if params.get("name_include"):
        rows = rows[names.str.contains(params["name_include"], regex=True)]
    if params.get("name_exclude"):
        rows = rows[~rows["model"].str.lower().str.contains(params["name_exclude"], regex=True)]
    return rows.sort_values(["release_day", "model"], kind="mergesort").reset_index(drop=True)


def signed(value: float) -> str:
    """A threshold as the papers write it: "+5", "+3", "0"."""
    return "0" if value == 0 else f"{value:+g}"


def _h_test(params: dict) -> tuple[Callable[[float], bool], Callable[[float], bool], str]:
    if "pass_h_below" in params:
        return (
            (lambda h: h < params["pass_h_below"]),
            (lambda h: h > params["fail_h_above"]),
            f"pass needs h < {signed(params['pass_h_below'])} for both; fail if h > {signed(params['fail_h_above'])} for either",
        )
    return (
        (lambda h: h > params["pass_h_above"]),
        (lambda h: h < params["fail_h_below"]),
        f"pass needs h > {signed(params['pass_h_above'])} for both; fail if h < {signed(params['fail_h_below'])} for either",
    )


def slots(frame: pd.DataFrame, params: dict, as_of: dt.date) -> tuple[list[dict], list[dict]]:
    """The lab's qualifying releases in order (G13): a release takes its slot; one without both
    scores 60 days after it came out is dropped on the 61st day, for good (a score that arrives
    later does not bring it back, so a replay of any day reads the same), and the next release
    moves up; a younger unscored one holds its slot."""
    taken: list[dict] = []
    dropped: list[dict] = []
    wait = int(params["score_wait_days"])
    for row in _lab_releases(frame, params).itertuples():
        if len(taken) == int(params["slots"]):
            break
        drop_day = row.release_day + dt.timedelta(days=wait + 1)
        scored_on = _both_known_on(row)
        if (scored_on is None or scored_on >= drop_day) and as_of >= drop_day:
            dropped.append(
                {
                    "model_id": row.model_id,
                    "model": row.model,
                    "release_date": row.release_date,
                    "dropped_on": drop_day.isoformat(),
                    "reason": f"no SWE and GPQA within {wait} days of release",
                }
            )
            continue
        scored = scored_on is not None
        h = h_field(row.swe_bench_verified, row.gpqa_diamond) if scored else None
        h_rounded = (
            h_field(row.swe_bench_verified, row.gpqa_diamond, PUBLISHED_SLOPE, PUBLISHED_INTERCEPT)
            if scored
            else None
        )
        taken.append(
            evidence_row(
                row,
                ["swe_bench_verified", "gpqa_diamond"],
                h=h,
                h_published_eq=h_rounded,
                scored=scored,
                scored_on=_iso(scored_on),
            )
        )
    return taken, dropped


def _both_known_on(row: Any) -> dt.date | None:
    """The first day both scores of a release were known, None while one is missing."""
    if math.isnan(row.swe_bench_verified) or math.isnan(row.gpqa_diamond):
        return None
    return max(row.swe_bench_verified_first_known, row.gpqa_diamond_first_known)


def next_releases_h(frame: pd.DataFrame, params: dict, as_of: dt.date) -> Assessment:
    """P3, P4: the h-field of a lab's next releases after the cutoff, slot by slot."""
    passes, fails, criteria = _h_test(params)
    taken, dropped = slots(frame, params, as_of)
    scored = [s for s in taken if s["scored"]]
    evidence = {
        "n": len(scored),
        "slots": int(params["slots"]),
        "rows": taken,
        "dropped": dropped,
        "rounding_sensitive": any(
            passes(s["h"]) != passes(s["h_published_eq"]) or fails(s["h"]) != fails(s["h_published_eq"])
            for s in scored
        ),
    }
    listing = (
        ", ".join(f"{s['model']} h = {s['h']:+.2f}" for s in scored) or "no qualifying release scored yet"
    )
    summary = f"{listing} ({len(scored)} of {params['slots']} slots); {criteria}"
    if any(fails(s["h"]) for s in scored):
        return Assessment(FAIL, summary, evidence, final=True)
    if len(scored) == int(params["slots"]):
        outcome = PASS if all(passes(s["h"]) for s in scored) else NEITHER
        return Assessment(outcome, summary, evidence, final=True)
    # Fewer than all slots scored: the criteria are neither met nor violated (G12), however
    # the scored ones lean; the leaning is evidence, not an outcome.
    evidence["leaning"] = PASS if scored and all(passes(s["h"]) for s in scored) else NEITHER
    return Assessment(NEITHER, summary, evidence, insufficient=not scored)


# Evaluators whose reading can be final before the deadline (release-count predictions, G11).
DECIDES_EARLY = frozenset({"next_releases_h"})
EVALUATORS: dict[str, Callable[[pd.DataFrame, dict, dt.date], Assessment]] = {
    "top_k_spread": top_k_spread,
    "correlation": correlation,
    "next_releases_h": next_releases_h,
}
