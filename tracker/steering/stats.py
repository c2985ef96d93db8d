"""Paired statistics of the steering effect (STEERING.md §8). numpy/scipy only, no torch.

Inputs are per-question 0/1 correctness vectors pooled over the evaluation folds, in fold
order, with `fold_sizes` saying where each fold starts; the bootstrap resamples questions
within each fold (the folds used different directions, so they are separate strata).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest


def mcnemar_exact(base: np.ndarray, treated: np.ndarray) -> dict:
    """Exact McNemar: two-sided binomial test of b (fixed) vs c (broken), p = 0.5."""
    base, treated = np.asarray(base, bool), np.asarray(treated, bool)
    b = int((~base & treated).sum())
    c = int((base & ~treated).sum())
    p = float(binomtest(b, b + c, 0.5).pvalue) if b + c else 1.0
    return {"b": b, "c": c, "p": min(1.0, p)}


def bootstrap_indices(fold_sizes: list[int], n_boot: int, seed: int) -> np.ndarray:
    """[n_boot, N] indices, each row a resample of every fold's questions within that fold."""
    rng = np.random.default_rng(seed)
    parts, start = [], 0
    for size in fold_sizes:
        parts.append(rng.integers(start, start + size, size=(n_boot, size)))
        start += size
    return np.concatenate(parts, axis=1)


def percentile_ci(values: np.ndarray, level: float = 0.95) -> list[float]:
    """Percentile interval, ignoring resamples where the statistic is undefined (NaN)."""
    tail = (1 - level) / 2 * 100
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return [math.nan, math.nan]
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return [float(lo), float(hi)]


def net_correction(delta: np.ndarray | float, acc_base: np.ndarray | float) -> np.ndarray | float:
    """E = delta / (1 - acc_base): the share of wrong answers made right, net of those broken."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(acc_base) < 1, np.asarray(delta) / (1 - np.asarray(acc_base)), np.nan)


def effect(
    base: np.ndarray,
    steer: np.ndarray,
    neg: np.ndarray,
    fold_sizes: list[int],
    n_boot: int = 10_000,
    seed: int = 0,
) -> dict:
    """The §9 `effect` block: delta, E, McNemar, fix/break rates and their bootstrap CIs."""
    base, steer, neg = (np.asarray(x, dtype=float) for x in (base, steer, neg))
    idx = bootstrap_indices(fold_sizes, n_boot, seed)
    b_mean, s_mean, n_mean = base[idx].mean(1), steer[idx].mean(1), neg[idx].mean(1)
    delta = float(steer.mean() - base.mean())
    e_value = float(net_correction(delta, base.mean()))
    e_ci = percentile_ci(np.asarray(net_correction(s_mean - b_mean, b_mean)))
    test = mcnemar_exact(base.astype(bool), steer.astype(bool))
    wrong, right = int((base == 0).sum()), int((base == 1).sum())
    return {
        "delta": delta,
        "delta_ci95": percentile_ci(s_mean - b_mean),
        "mcnemar": test,
        "E": None if math.isnan(e_value) else e_value,
        "E_ci95": e_ci,
        "fix_rate": test["b"] / wrong if wrong else 0.0,
        "break_rate": test["c"] / right if right else 0.0,
        "delta_minus_neg": float(steer.mean() - neg.mean()),
        "delta_minus_neg_ci95": percentile_ci(s_mean - n_mean),
        "n_boot": n_boot,
        "boot_seed": seed,
    }


def random_reference(delta: float, delta_random: list[float]) -> dict:
    """q50 and q95 of the random-direction deltas and the rank of the steering delta among them."""
    values = np.asarray(delta_random, dtype=float)
    if values.size == 0:
        return {"q50": math.nan, "q95": math.nan, "delta_rank": math.nan}
    rank = (float((values < delta).sum()) + 0.5 * float((values == delta).sum())) / values.size
    return {
        "q50": float(np.quantile(values, 0.5)),
        "q95": float(np.quantile(values, 0.95)),
        "delta_rank": rank,
    }
