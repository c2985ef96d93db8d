"""The papers' published numbers, recomputed from the frozen panel and compared.

The stated values (paper text, authors' repository) live in data/frozen/published.json; this
module recomputes each one from data/frozen/panel.csv and marks whether they agree at the
precision the source prints. Disagreements are findings to show, not errors to hide.
`frozen_stats` is the answer of `tracker stats --panel frozen`: coupling's statistics of the
frozen 34 plus these checks (here, above coupling, so that coupling never imports this module).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from tracker.panel import build_panel, frozen_frame
from tracker.paths import Paths
from tracker.stats import coupling
from tracker.stats.frozen import PUBLISHED_INTERCEPT, PUBLISHED_SLOPE, h_field

SWE, GPQA = coupling.SWE, coupling.GPQA
TABLE_PRECISION = 0.1

# Stated values that are claims rather than numbers: how to judge the recomputed value.
CLAIM_RULES: dict[str, Callable[[Any], bool]] = {
    "fit.p": lambda value: value < 1e-6,
    "iso.ifeval_below": lambda value: len(value) == 2,
    "lab_r.min_labs_ge4": lambda value: value > 0.87,
    "h.paper_table_mismatches_unrounded_fit": lambda value: not value,
    "h.paper_table_mismatches_published_eq": lambda value: not value,
}
REPO_CLAIM_RULES: dict[str, Callable[[Any], bool]] = {
    "fit.p": lambda value: abs(value - 1.3e-6) < 0.05e-6,
    "h.repo_mismatches_unrounded_fit": lambda value: not value,
}


def frozen_stats(paths: Paths) -> dict:
    """Statistics of the papers' frozen 34, with the 39-model refit and the reproduction checks."""
    frozen = frozen_frame(paths)
    reference = coupling.fit_frame(frozen)
    result = {"panel": "frozen", **coupling.summarise(frozen, reference)}
    result["refit_39"] = coupling.refit_39(paths)
    result["checks"] = reproduction_checks(paths, frozen)
    return result


def decimals(stated: float) -> int:
    """Digits after the point with which a number is printed (0.513 -> 3, 46.4 -> 1)."""
    text = repr(float(stated))
    if "e" in text:
        return 10
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def agrees(stated: Any, value: Any) -> bool | None:
    """True when `value` rounds to `stated` at the precision `stated` is printed with."""
    if stated is None or value is None or isinstance(stated, (str, list)) or isinstance(value, list):
        return None
    if isinstance(stated, bool):
        return bool(value) == stated
    return bool(abs(float(value) - float(stated)) <= 0.5 * 10 ** (-decimals(stated)) + 1e-9)


def load_published(paths: Paths) -> dict:
    """data/frozen/published.json: the stated numbers, keyed by check."""
    return json.loads((paths.data / "frozen" / "published.json").read_text(encoding="utf-8"))


def _post_cutoff(paths: Paths) -> pd.DataFrame:
    panel = build_panel(paths, dt.date.max, precedence=("paper",))
    return coupling.add_h(panel[panel["cohort"] == "post_cutoff"].reset_index(drop=True))


def fit_values(frozen: pd.DataFrame) -> dict[str, Any]:
    """The frozen fit, its coefficient intervals and the papers' prediction interval."""
    fit = coupling.fit_frame(frozen)
    t = stats.t.ppf(0.975, fit.n - 2)
    return {
        "fit.slope": fit.slope,
        "fit.intercept": fit.intercept,
        "fit.r": fit.r,
        "fit.p": fit.p,
        "fit.slope_ci95_halfwidth": float(t * fit.slope_se),
        "fit.intercept_ci95_halfwidth": float(t * fit.intercept_se),
        "pi.halfwidth": fit.pi_halfwidth_papers(),
    }


def _table_mismatches(
    frame: pd.DataFrame, stated: dict, key: str, slope: float | None = None, intercept: float | None = None
) -> list[str]:
    out = []
    for row in frame.itertuples(index=False):
        value = stated.get(row.model, {}).get(key)
        if value is None:
            continue
        swe, gpqa = getattr(row, SWE), getattr(row, GPQA)
        fit = (slope, intercept) if slope is not None and intercept is not None else None
        if not agrees(value, h_field(swe, gpqa, *fit) if fit else h_field(swe, gpqa)):
            out.append(row.model)
    return out


def h_values(frozen: pd.DataFrame, post: pd.DataFrame, published: dict) -> dict[str, Any]:
    """Per-model h-fields the papers quote, and which table entries the data do not give."""
    both = pd.concat([frozen, post], ignore_index=True)
    table = published["per_model_h"]
    h = dict(zip(both["model"], coupling.add_h(both)["h"], strict=True))
    deepseek = coupling.add_h(frozen[frozen["lab"] == "DeepSeek"])["h"]
    values = {
        "h.paper_table_mismatches_unrounded_fit": _table_mismatches(both, table, "h_paper"),
        "h.paper_table_mismatches_published_eq": _table_mismatches(
            both, table, "h_paper", PUBLISHED_SLOPE, PUBLISHED_INTERCEPT
        ),
        "h.repo_mismatches_unrounded_fit": _table_mismatches(both, table, "h_repo"),
        "h.opus46": h["Claude Opus 4.6"],
        "h.sonnet46": h["Claude Sonnet 4.6"],
        "h.deepseek_v25": h["DeepSeek-V2.5"],
        "h.deepseek_v32": h["DeepSeek V3.2"],
        "h.deepseek_swing": float(deepseek.max() - deepseek.min()),
        "h.gpt54_compute_delta": h["GPT-5.4 xhigh"] - h["GPT-5.4 std"],
    }
    values.update({f"h.post.{name}": h[name] for name in post["model"]})
    return values


def lab_values(frozen: pd.DataFrame) -> dict[str, Any]:
    """Per-lab mean h (the papers' core rule), per-lab slopes and the smallest per-lab r."""
    labs = coupling.lab_table(frozen)
    values: dict[str, Any] = {f"lab_h.{lab}": row["h_mean_core"] for lab, row in labs.items()}
    values["lab_h.google_incl_extended"] = labs["Google"]["h_mean"]
    values["lab_h.anthropic_all_frozen"] = labs["Anthropic"]["h_mean"]
    values["lab_slope.Google"] = labs["Google"]["slope"]
    values["lab_slope.DeepSeek"] = labs["DeepSeek"]["slope"]
    values["lab_r.min_labs_ge4"] = min(row["r"] for row in labs.values() if row["n"] >= 4)
    return values


def _pearson_r(frame: pd.DataFrame) -> float:
    return float(stats.pearsonr(frame[SWE].astype(float), frame[GPQA].astype(float))[0])


def subset_values(frozen: pd.DataFrame) -> dict[str, Any]:
    """Correlations on the papers' subsets and the count of pre-2025 models."""
    no_tier = frozen[~frozen["model"].str.contains("xhigh|std")]
    return {
        "subset.core_r": _pearson_r(frozen[frozen["core"].astype(bool)]),
        "subset.swe_ge40_r": _pearson_r(frozen[frozen[SWE] >= 40]),
        "subset.no_compute_tier_r": _pearson_r(no_tier),
        "subset.pre2025_n": int((frozen["release_date"].astype(str).str[:4] < "2025").sum()),
    }


def lolo_values(frozen: pd.DataFrame) -> dict[str, Any]:
    """Leave-one-lab-out hold-out errors."""
    lolo = coupling.leave_one_lab_out(frozen)
    values: dict[str, Any] = {"lolo.mae_mean": lolo["mae"], "lolo.mae_sd": lolo["sd"]}
    values.update(
        {f"lolo.{lab}": lolo["per_lab"][lab]["mae"] for lab in ("OpenAI", "Google", "DeepSeek", "Anthropic")}
    )
    return values


def outlook_values(paths: Paths, frozen: pd.DataFrame, post: pd.DataFrame) -> dict[str, Any]:
    """The post-cutoff check, the 39-model refit and the saturation numbers behind P1."""
    fit = coupling.fit_frame(frozen)
    inside = all(
        abs(h) <= fit.pi_halfwidth_papers() and abs(h) <= fit.pi_halfwidth_ols(s)
        for h, s in zip(post["h"], post[SWE], strict=True)
    )
    refit = coupling.refit_39(paths)
    both = pd.concat([frozen, post], ignore_index=True)
    top5 = frozen.sort_values(SWE, ascending=False).head(5)
    top5_39 = both.sort_values(SWE, ascending=False).head(5)
    over70 = np.sort(both[both[SWE] > 70][SWE].to_numpy(float))[::-1]
    swe_spread = float(top5[SWE].max() - top5[SWE].min())
    gpqa_spread = float(top5[GPQA].max() - top5[GPQA].min())
    return {
        "pi.post_cutoff_inside": bool(inside),
        "refit39.r": refit["r"],
        "refit39.p": refit["p"],
        "refit39.slope": refit["slope"],
        "refit39.intercept": refit["intercept"],
        "refit39.lolo_mae": refit["lolo_mae"],
        "sat.top5_swe_spread_frozen": swe_spread,
        "sat.top5_gpqa_spread_frozen": gpqa_spread,
        "sat.sigma_swe_gpqa": swe_spread / gpqa_spread,
        "p1.repo_status_spread": float(over70[0] - over70[4]),
        "p1.gpqa_spread_39": float(top5_39[GPQA].max() - top5_39[GPQA].min()),
    }


def phase_values(paths: Paths) -> dict[str, Any]:
    """Who is below the phase boundaries, and r of IFEval with GPQA and SWE."""
    panel = build_panel(paths, dt.date.max, precedence=("paper",))
    rows = coupling.phase_rows(panel)
    with_ifeval = panel.dropna(subset=["ifeval", SWE, GPQA])
    return {
        "iso.ifeval_below": [r["model"] for r in rows if r.get("ifeval_side") == "below"],
        "iso.gpqa_below": [r["model"] for r in rows if r["gpqa_side"] == "below"],
        "ifeval.r_gpqa": float(stats.pearsonr(with_ifeval[GPQA], with_ifeval["ifeval"])[0]),
        "ifeval.r_swe": float(stats.pearsonr(with_ifeval[SWE], with_ifeval["ifeval"])[0]),
    }


def recomputed_values(paths: Paths, frozen: pd.DataFrame) -> dict[str, Any]:
    """Every check's value, recomputed from the panel."""
    published = load_published(paths)
    post = _post_cutoff(paths)
    values: dict[str, Any] = {}
    values.update(fit_values(frozen))
    values.update(h_values(frozen, post, published))
    values.update(lab_values(frozen))
    values.update(subset_values(frozen))
    values.update(lolo_values(frozen))
    values.update(outlook_values(paths, frozen, post))
    values.update(phase_values(paths))
    return values


def _match(rules: dict[str, Callable[[Any], bool]], key: str, stated: Any, value: Any) -> str | None:
    verdict = rules[key](value) if key in rules else agrees(stated, value)
    return None if verdict is None else ("yes" if verdict else "no")


def reproduction_checks(paths: Paths, frozen: pd.DataFrame) -> list[dict]:
    """One row per published number: stated (paper, repo), recomputed, and whether they agree."""
    published = load_published(paths)["checks"]
    values = recomputed_values(paths, frozen)
    missing = sorted(set(published) - set(values))
    if missing:
        raise KeyError(f"data/frozen/published.json: checks with no recomputation: {missing}")
    rows = []
    for key in sorted(published):
        stated = published[key]
        rows.append(
            {
                "key": key,
                **stated,
                "recomputed": values[key],
                "match_paper": _match(CLAIM_RULES, key, stated.get("paper"), values[key]),
                "match_repo": _match(REPO_CLAIM_RULES, key, stated.get("repo"), values[key]),
            }
        )
    return rows
