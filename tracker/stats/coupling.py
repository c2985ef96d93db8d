"""The coupling between reasoning and coding: fit, r, p, h-field, labs, hold-outs, intervals.

Everything is recomputed from the panel frame; nothing here is a stored number. The h-field
always uses the frozen constants (PREDICTIONS.md G4); a fit on other data is reported as a
diagnostic ("refit"), never used for h.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from tracker.panel import PanelSource, build_panel, frozen_frame
from tracker.paths import Paths
from tracker.stats.frozen import FROZEN_INTERCEPT, FROZEN_SLOPE, h_field
from tracker.stats.phase import gpqa_c, ifeval_c, side

SWE, GPQA, IFEVAL = "swe_bench_verified", "gpqa_diamond", "ifeval"
PAPERS_PI_Z = 1.96
MIN_LAB_MODELS = 3


@dataclass(frozen=True)
class Fit:
    """An OLS fit of GPQA on SWE with what the intervals need."""

    slope: float
    intercept: float
    r: float
    p: float
    n: int
    slope_se: float
    intercept_se: float
    resid_sd_ddof0: float
    s_ols: float
    x_mean: float
    sxx: float

    def headline(self) -> dict[str, float]:
        """n, slope, intercept, r and p: what every report of a fit starts with."""
        return {"n": self.n, "slope": self.slope, "intercept": self.intercept, "r": self.r, "p": self.p}

    def pi_halfwidth_papers(self) -> float:
        """The papers' 95% interval: 1.96 x population SD of the residuals (the +/-16.2)."""
        return PAPERS_PI_Z * self.resid_sd_ddof0

    @cached_property
    def t975(self) -> float:
        """Student's t quantile of the 95% interval (computed once per fit: scipy's ppf is slow)."""
        return float(stats.t.ppf(0.975, self.n - 2))

    def pi_halfwidth_ols(self, swe: float) -> float:
        """The textbook OLS 95% prediction interval half-width at a given SWE score."""
        t = self.t975
        return float(t * self.s_ols * math.sqrt(1 + 1 / self.n + (swe - self.x_mean) ** 2 / self.sxx))


def fit_ols(swe: np.ndarray, gpqa: np.ndarray) -> Fit:
    """OLS of GPQA on SWE with Pearson r and its two-sided p."""
    line = stats.linregress(swe, gpqa)
    resid = gpqa - (line.slope * swe + line.intercept)
    n = len(swe)
    return Fit(
        slope=float(line.slope),
        intercept=float(line.intercept),
        r=float(line.rvalue),
        p=float(line.pvalue),
        n=n,
        slope_se=float(line.stderr),
        intercept_se=float(line.intercept_stderr),
        resid_sd_ddof0=float(np.std(resid)),
        s_ols=math.sqrt(float(np.sum(resid**2)) / (n - 2)),
        x_mean=float(np.mean(swe)),
        sxx=float(np.sum((swe - np.mean(swe)) ** 2)),
    )


def fit_frame(frame: pd.DataFrame) -> Fit:
    """The fit over the rows of a frame that have both scores."""
    scored = with_both(frame)
    return fit_ols(scored[SWE].to_numpy(float), scored[GPQA].to_numpy(float))


def with_both(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with both SWE-bench Verified and GPQA Diamond."""
    return frame.dropna(subset=[SWE, GPQA]).reset_index(drop=True)


def add_h(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with column `h`: the residual from the frozen fit (NaN where a score is missing)."""
    out = frame.copy()
    out["h"] = h_field(out[SWE].astype(float), out[GPQA].astype(float))
    return out


def lab_slope(rows: pd.DataFrame) -> dict[str, float] | None:
    """OLS slope and r within one lab, where it has enough models to mean anything."""
    if len(rows) < MIN_LAB_MODELS:
        return None
    line = stats.linregress(rows[SWE].astype(float), rows[GPQA].astype(float))
    return {"slope": float(line.slope), "r": float(line.rvalue)}


def lab_table(frame: pd.DataFrame) -> dict[str, dict]:
    """Per lab: n, mean h over all its models, mean h over its core models, slope and r.

    `h_mean_core` follows the papers' table: the core subset's mean, or all the lab's models
    when it has no core model (xAI, Zhipu).
    """
    scored = add_h(with_both(frame))
    table = {}
    for lab, rows in scored.groupby("lab", sort=True):
        core = rows[rows["core"].astype(bool)]
        fit = lab_slope(rows)
        table[str(lab)] = {
            "n": int(len(rows)),
            "n_core": int(len(core)),
            "h_mean": float(rows["h"].mean()),
            "h_mean_core": float((core if len(core) else rows)["h"].mean()),
            "slope": fit and fit["slope"],
            "r": fit and fit["r"],
        }
    return table


def leave_one_lab_out(frame: pd.DataFrame) -> dict:
    """Fit on all labs but one, score the held-out lab's GPQA; MAE per lab.

    The summary is over labs with at least three models, with the population SD, as the
    papers report "9.2 +/- 2.4" (the sample SD would be 2.75).
    """
    scored = with_both(frame)
    per_lab = {}
    for lab in sorted(scored["lab"].unique()):
        train, test = scored[scored["lab"] != lab], scored[scored["lab"] == lab]
        line = stats.linregress(train[SWE].astype(float), train[GPQA].astype(float))
        predicted = line.slope * test[SWE].astype(float) + line.intercept
        per_lab[str(lab)] = {"n_test": int(len(test)), "mae": float(np.mean(np.abs(predicted - test[GPQA])))}
    big = [v["mae"] for v in per_lab.values() if v["n_test"] >= MIN_LAB_MODELS]
    return {
        "per_lab": per_lab,
        "mae": float(np.mean(big)) if big else None,
        "sd": float(np.std(big)) if big else None,
        "sd_sample": float(np.std(big, ddof=1)) if len(big) > 1 else None,
        "labs": len(big),
    }


def phase_rows(frame: pd.DataFrame) -> list[dict]:
    """Each scored model's position against GPQA_c(SWE) and, with IFEval, IFEval_c(GPQA)."""
    rows = []
    for row in with_both(frame).itertuples(index=False):
        swe, gpqa, ifeval = float(getattr(row, SWE)), float(getattr(row, GPQA)), float(getattr(row, IFEVAL))
        rec = {
            "model_id": row.model_id,
            "model": row.model,
            "gpqa_c": gpqa_c(swe),
            "gpqa_side": side(gpqa, gpqa_c(swe), 0.0),
        }
        if not math.isnan(ifeval):
            rec.update(ifeval=ifeval, ifeval_c=ifeval_c(gpqa), ifeval_side=side(ifeval, ifeval_c(gpqa)))
        rows.append(rec)
    return rows


def model_rows(frame: pd.DataFrame, fit: Fit) -> list[dict]:
    """Per-model scores, h against the frozen fit, and the textbook PI at its SWE score."""
    out = []
    for row in add_h(with_both(frame)).itertuples(index=False):
        width = fit.pi_halfwidth_ols(float(getattr(row, SWE)))
        out.append(
            {
                "model_id": row.model_id,
                "model": row.model,
                "lab": row.lab,
                "cohort": row.cohort,
                "release_date": row.release_date,
                "first_party_day": getattr(row, "first_party_day", "") or "",
                SWE: float(getattr(row, SWE)),
                GPQA: float(getattr(row, GPQA)),
                "swe_source": getattr(row, f"{SWE}_source"),
                "gpqa_source": getattr(row, f"{GPQA}_source"),
                "h": float(row.h),
                "pi_halfwidth_ols": width,
                "inside_pi": bool(abs(row.h) <= fit.pi_halfwidth_papers() and abs(row.h) <= width),
            }
        )
    return out


def summarise(frame: pd.DataFrame, reference: Fit) -> dict:
    """The `tracker stats --json` object for one panel (fields in DESIGN.md and CONTRACTS.md).

    `reference` is the frozen fit: the intervals and h of every panel are measured against it.
    """
    fit = fit_frame(frame)
    lolo = leave_one_lab_out(frame)
    phases = phase_rows(frame)
    return {
        **fit.headline(),
        "slope_se": fit.slope_se,
        "intercept_se": fit.intercept_se,
        "h_slope": FROZEN_SLOPE,
        "h_intercept": FROZEN_INTERCEPT,
        "pi_halfwidth": reference.pi_halfwidth_papers(),
        "pi_halfwidth_ols_at_mean": reference.pi_halfwidth_ols(reference.x_mean),
        "lolo_mae": lolo["mae"],
        "lolo_sd": lolo["sd"],
        "lolo_sd_sample": lolo["sd_sample"],
        "lolo": lolo["per_lab"],
        "labs": lab_table(frame),
        "models": model_rows(frame, reference),
        "phase": {
            "rows": phases,
            "gpqa_below": [p["model"] for p in phases if p["gpqa_side"] == "below"],
            "ifeval_below": [p["model"] for p in phases if p.get("ifeval_side") == "below"],
            "ifeval_at": [p["model"] for p in phases if p.get("ifeval_side") == "at"],
        },
    }


def evidence_frame(paths: Paths, as_of: dt.date, source: PanelSource | None = None) -> pd.DataFrame:
    """The current panel: every evidence release known by `as_of` (frozen, post-cutoff, tracked)."""
    frame = build_panel(paths, as_of, source=source)
    return frame[frame["in_evidence"].astype(bool)].reset_index(drop=True)


def refit_39(paths: Paths) -> dict:
    """The fit on the frozen 34 plus the 5 post-cutoff releases, as the papers' outlook reports it."""
    panel = build_panel(paths, dt.date.max, precedence=("paper",))
    both = panel[panel["cohort"].isin(["frozen", "post_cutoff"])]
    fit = fit_frame(both)
    return {
        **fit.headline(),
        "lolo_mae": leave_one_lab_out(both)["mae"],
    }


def current_stats(paths: Paths, as_of: dt.date, source: PanelSource | None = None) -> dict:
    """The same statistics on the current panel, h and intervals still against the frozen fit.
    A `source` shares one read of data/ with the rest of the run (tracker.panel.PanelSource)."""
    reference = fit_frame(source.frozen_frame() if source else frozen_frame(paths))
    frame = evidence_frame(paths, as_of, source)
    return {"panel": "current", "as_of": as_of.isoformat(), **summarise(frame, reference)}
