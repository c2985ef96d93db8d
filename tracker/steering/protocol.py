"""The steering protocol on one loaded model (STEERING.md §4-§8): cross-fitted direction and
alpha, every condition on the held-out fold, side effects, statistics.

For each of the two folds: the truth direction and its scale r come from the fit fold, alpha is
chosen on the fit fold (the best MC1 among grid values whose neutral KL <= kappa), and the other
fold is scored under base, steer, neg, paper and K random directions of the steering vector's
norm. Every question is thus judged by a direction and an alpha that never saw it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracker.steering import direction as direction_mod
from tracker.steering import mc, stats
from tracker.steering.data import Dataset, Question, statement_for, stratified_folds, subsample
from tracker.steering.hooks import hook_checks, steering_hook
from tracker.steering.model_io import ModelLoadError, dtype_name, float32_parameters
from tracker.steering.paper import PAPER_FALSE, PAPER_STRENGTH, PAPER_TRUE
from tracker.steering.scoring import Request, Scorer, TokenCount
from tracker.steering.side_effects import neutral_windows, side_effects

Progress = Callable[[str, int, int], None]
# What a transformers release that changed the key/value cache API raises in the shared-prefix
# path (a removed method or argument, a new signature, a cache of another shape).
CACHE_API_ERRORS = (
    AttributeError,
    TypeError,
    NotImplementedError,
    ValueError,
    IndexError,
    KeyError,
    RuntimeError,
)


@dataclass(frozen=True)
class ProtocolConfig:
    """Everything that defines a run; the full protocol is the default."""

    n_questions: int | None = None
    seed: int = 0
    alpha_grid: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0)
    kappa: float = 0.1
    k_random: int = 16
    random_seed0: int = 1000
    prompt_format: str = "qa_primer_6shot"
    layer: int | None = None
    layer_sweep: bool = False
    batch_size: int = 64
    batch_tokens: int = 8192
    share_prefix: bool = True
    neutral_max_tokens: int | None = None
    neutral_window: int = 256
    n_boot: int = 10_000
    questions_per_step: int = 8


@dataclass
class FoldResult:
    """What one fold contributes: its chosen alpha, vectors, side effects and per-question metrics."""

    alpha: float
    r: float
    vector_norm: float
    unit: Any
    grid: list[dict]
    kl: dict[str, float]
    ppl: dict[str, float]
    metrics: dict[str, dict[str, np.ndarray]]
    sweep: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class Timer:
    """Seconds spent per stage."""

    spent: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, since: float) -> None:
        self.spent[stage] = self.spent.get(stage, 0.0) + time.perf_counter() - since


def _quiet(stage: str, done: int, total: int) -> None:
    return None


class Protocol:
    """One run of the protocol on a loaded model (see the module docstring)."""

    def __init__(
        self,
        lm: Any,
        dataset: Dataset,
        neutral_text: str,
        config: ProtocolConfig,
        progress: Progress | None = None,
    ):
        self.lm, self.dataset, self.config = lm, dataset, config
        self.progress = progress or _quiet
        self.layer = config.layer if config.layer is not None else lm.num_layers // 4
        if not 0 <= self.layer < lm.num_layers:
            raise ModelLoadError("unsupported", f"layer {self.layer} outside 0..{lm.num_layers - 1}")
        self.questions = subsample(dataset.questions, config.n_questions, config.seed)
        self.folds = stratified_folds(self.questions, 2, config.seed)
        self.encoder = mc.Encoder(lm.tokenizer, config.prompt_format)
        self.windows = neutral_windows(lm.tokenizer, neutral_text, self._window(), config.neutral_max_tokens)
        self.timer = Timer()
        self.tokens = TokenCount()
        self.random_seeds = [config.random_seed0 + j for j in range(config.k_random)]
        self.share_prefix = config.share_prefix  # off if the shared-prefix path fails its check
        # batch limits in force: halved (and logged) when the device runs out of memory
        self.batch_size, self.batch_tokens = config.batch_size, config.batch_tokens
        self.oom_log: list[dict] = []

    def _window(self) -> int:
        limit = getattr(self.lm.model.config, "max_position_embeddings", None) or self.config.neutral_window
        return min(self.config.neutral_window, int(limit))

    def sweep_layers(self) -> list[int]:
        if not self.config.layer_sweep:
            return []
        return [
            x
            for x in range(self.layer - 2, self.layer + 3)
            if x != self.layer and 0 <= x < self.lm.num_layers
        ]

    def _scorer(self, steering: Any) -> Scorer:
        return Scorer(
            self.lm,
            steering,
            batch_size=self.batch_size,
            batch_tokens=self.batch_tokens,
            share_prefix=self.share_prefix,
            tokens=self.tokens,
            oom_log=self.oom_log,
        )

    def run(self) -> dict:
        """All folds, then the pooled statistics: the protocol sections of the §9 result."""
        started = time.perf_counter()
        checks = hook_checks(
            self.lm, self.layer, statement_for(self.questions[0].question, self.questions[0].best)
        )
        self.timer.add("checks_s", started)
        with steering_hook(self.lm.layers[self.layer]) as steering:
            scorer = self._scorer(steering)
            paper = self._paper_vector()
            checks.update(self._batch_equivalence(scorer, paper))
            folds = [
                self._fold(
                    scorer,
                    steering,
                    fit=self.folds[f],
                    held_out=self.folds[1 - f],
                    paper=paper,
                    label=f"fold {f + 1}/2",
                )
                for f in (0, 1)
            ]
        return self._summarise(checks, folds)

    def _paper_vector(self) -> Any:
        t = time.perf_counter()
        d = direction_mod.statement_direction(
            self.lm, self.layer, PAPER_TRUE, PAPER_FALSE, self.config.batch_size
        )
        self.timer.add("direction_s", t)
        return (PAPER_STRENGTH * d.unit).to(self.lm.device)

    def _batch_equivalence(self, scorer: Scorer, paper: Any, n: int = 32) -> dict:
        """The production path against one-at-a-time scoring on n sequences (half un-steered, half
        steered, so the position rule is checked too), twice:

        - in the dtype that scores (bf16 on a GPU), judged by that dtype's rounding (result.py,
          `dtype_bound`): the path a GPU run takes is the one checked;
        - in fp32 when memory allows (see float32_parameters), where only a real difference in
          padding, positions or masks shows, judged by the absolute bound of STEERING.md §8.

        If the shared-prefix path fails (a transformers release that changed the key/value cache
        API raises here), the error is recorded, the run goes on with whole-sequence scoring
        (which needs no cache) and the verdict is ERROR: never numbers from a broken cache."""
        import torch  # optional extra `steer`: imported where used

        pairs = [
            (self.encoder.prompt(q), self.encoder.option(o)) for q in self.questions for o in q.mc1_options
        ]
        requests = [Request(p, c, k % 2) for k, (p, c) in enumerate(pairs[:n])]
        vectors = torch.stack([torch.zeros_like(paper), paper])
        t = time.perf_counter()
        checks: dict[str, Any] = {}
        try:
            native = self._equivalence_in(scorer, requests, vectors)
        except CACHE_API_ERRORS as exc:
            if isinstance(exc, torch.OutOfMemoryError):
                raise
            checks["shared_prefix_error"] = f"{type(exc).__name__}: {exc}"[:500]
            scorer.share_prefix = self.share_prefix = False
            native = self._equivalence_in(scorer, requests, vectors)
        checks["scoring_dtype_equivalence"] = native
        with float32_parameters(self.lm) as dtype:
            strict = self._equivalence_in(scorer, requests, vectors) if dtype != native["dtype"] else native
        checks["batch_equivalence_max_abs"], checks["batch_equivalence_dtype"] = strict["max_abs"], dtype
        self.timer.add("checks_s", t)
        return checks

    def _equivalence_in(self, scorer: Scorer, requests: list[Request], vectors: Any) -> dict:
        """Max |difference| of summed log-probs (production path vs one at a time) in the model's
        current dtype, and the largest difference per scored token and nat of score."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            batched = Scorer(
                self.lm,
                scorer.steering,
                batch_size=self.batch_size,
                batch_tokens=self.batch_tokens,
                share_prefix=scorer.share_prefix,
                oom_log=self.oom_log,
            ).score(requests, vectors)
        single = Scorer(self.lm, scorer.steering, batch_size=1, share_prefix=False).score(requests, vectors)
        diff = np.abs(batched - single)
        scale = np.array([len(r.continuation) for r in requests]) + np.abs(single)
        out = {
            "dtype": dtype_name(next(self.lm.model.parameters()).dtype),
            "max_abs": float(diff.max()),
            "max_per_token_and_nat": float((diff / scale).max()),
            "shared_prefix": scorer.share_prefix,
        }
        messages = sorted({f"{w.category.__name__}: {w.message}"[:300] for w in caught})
        if messages:
            out["warnings"] = messages
        return out

    def _fold(
        self,
        scorer: Scorer,
        steering: Any,
        fit: tuple[Question, ...],
        held_out: tuple[Question, ...],
        paper: Any,
        label: str,
    ) -> FoldResult:
        import torch  # optional extra `steer`: imported where used

        self.progress(f"{label} direction and side effects", 0, len(fit))
        t = time.perf_counter()
        dirs = direction_mod.truth_directions(
            self.lm, [self.layer, *self.sweep_layers()], fit, self.config.batch_size
        )
        self.timer.add("direction_s", t)
        d = dirs[self.layer]
        unit = d.unit.to(self.lm.device)
        grid_fx = self._side_effects(steering, torch.stack([a * d.r * unit for a in self.config.alpha_grid]))
        eligible = [
            a for a, fx in zip(self.config.alpha_grid, grid_fx, strict=True) if fx.kl <= self.config.kappa
        ]
        alpha, fit_acc = self._select_alpha(scorer, fit, eligible, d.r * unit, label)
        vector = alpha * d.r * unit
        table, conditions = self._held_out_conditions(vector, paper)
        fx = self._side_effects(steering, table[2:])
        metrics = self._score(
            scorer, held_out, conditions, table, f"{label} held-out scoring, {len(conditions)} conditions"
        )
        chosen = self.config.alpha_grid.index(alpha)
        names = [c.name for c in conditions[2:]]
        return FoldResult(
            alpha=alpha,
            r=d.r,
            vector_norm=float(vector.norm()),
            unit=d.unit,
            metrics=metrics,
            grid=[
                {
                    "alpha": a,
                    "kl": f.kl,
                    "ppl_ratio": f.ppl_ratio,
                    "eligible": a in eligible,
                    "fit_mc1": fit_acc.get(a),
                }
                for a, f in zip(self.config.alpha_grid, grid_fx, strict=True)
            ],
            kl={"steer": grid_fx[chosen].kl, **{n: f.kl for n, f in zip(names, fx, strict=True)}},
            ppl={
                "steer": grid_fx[chosen].ppl_ratio,
                **{n: f.ppl_ratio for n, f in zip(names, fx, strict=True)},
            },
            sweep={x: self._sweep_layer(dirs[x], alpha, held_out) for x in self.sweep_layers()},
        )

    def _held_out_conditions(self, vector: Any, paper: Any) -> tuple[Any, list[mc.Condition]]:
        """§6: base (a zero vector: the hook adds exact zeros), steer, neg, paper, K random
        directions of the steering vector's norm; rows of one vectors table."""
        import torch  # optional extra `steer`: imported where used

        table = torch.stack(
            [
                torch.zeros_like(vector),
                vector,
                -vector,
                paper,
                *[self._random_unit(seed) * vector.norm() for seed in self.random_seeds],
            ]
        )
        conditions = [
            mc.Condition("base", 0, "all"),
            mc.Condition("steer", 1, "all"),
            mc.Condition("neg", 2, "all"),
            mc.Condition("paper", 3),
        ]
        conditions += [mc.Condition(f"random_{j}", 4 + j) for j in range(len(self.random_seeds))]
        return table, conditions

    def _random_unit(self, seed: int) -> Any:
        import torch  # optional extra `steer`: imported where used

        v = torch.randn(self.lm.hidden_size, generator=torch.Generator().manual_seed(seed))
        return (v / v.norm()).to(self.lm.device)

    def _side_effects(self, steering: Any, vectors: Any) -> list:
        t = time.perf_counter()
        out = side_effects(self.lm, steering, self.windows, vectors)
        self.timer.add("side_effects_s", t)
        return out

    def _select_alpha(
        self, scorer: Scorer, fit: tuple[Question, ...], eligible: list[float], scaled_unit: Any, label: str
    ) -> tuple[float, dict[float, float]]:
        """The eligible alpha with the best fit-fold MC1 (ties: the smaller); the smallest grid
        value when none is eligible (the side-effect check then fails). A single eligible value
        needs no scoring."""
        import torch  # optional extra `steer`: imported where used

        if not eligible:
            return min(self.config.alpha_grid), {}
        if len(eligible) == 1:
            return eligible[0], {}
        conditions = [mc.Condition(f"alpha_{i}", i) for i in range(len(eligible))]
        table = torch.stack([a * scaled_unit for a in eligible])
        metrics = self._score(scorer, fit, conditions, table, f"{label} alpha search on the fit fold")
        acc = {a: float(metrics[c.name]["mc1"].mean()) for a, c in zip(eligible, conditions, strict=True)}
        return max(eligible, key=lambda a: (acc[a], -a)), acc

    def _score(
        self,
        scorer: Scorer,
        questions: tuple[Question, ...],
        conditions: list[mc.Condition],
        vectors: Any,
        label: str,
    ) -> dict[str, dict[str, np.ndarray]]:
        """Per-question metrics of every condition; a few questions per step, for progress."""
        t = time.perf_counter()
        step = self.config.questions_per_step
        parts = []
        for start in range(0, len(questions), step):
            chunk = questions[start : start + step]
            requests, keys = mc.build_requests(self.encoder, chunk, conditions)
            parts.append(mc.metrics(chunk, conditions, keys, scorer.score(requests, vectors)))
            self.batch_size, self.batch_tokens = scorer.batch_size, scorer.batch_tokens  # after any OOM
            self.progress(label, min(start + step, len(questions)), len(questions))
        self.timer.add("scoring_s", t)
        return {
            c.name: {m: np.concatenate([p[c.name][m] for p in parts]) for m in parts[0][c.name]}
            for c in conditions
        }

    def _sweep_layer(self, d: Any, alpha: float, held_out: tuple[Question, ...]) -> np.ndarray:
        """MC1 on the held-out fold with the direction of another layer (descriptive only)."""
        with steering_hook(self.lm.layers[d.layer]) as steering:
            vector = (alpha * d.r * d.unit.to(self.lm.device))[None]
            metrics = self._score(
                self._scorer(steering), held_out, [mc.Condition("steer", 0)], vector, f"layer sweep {d.layer}"
            )
        return metrics["steer"]["mc1"]

    def _summarise(self, checks: dict, folds: list[FoldResult]) -> dict:
        """Pool the held-out folds (fold 0's direction judged fold 1, and the reverse)."""
        fold_sizes = [len(self.folds[1]), len(self.folds[0])]
        pooled = {
            name: {m: np.concatenate([f.metrics[name][m] for f in folds]) for m in folds[0].metrics[name]}
            for name in folds[0].metrics
        }
        base, steer, neg = (pooled[c]["mc1"] for c in ("base", "steer", "neg"))
        t = time.perf_counter()
        effect = stats.effect(base, steer, neg, fold_sizes, self.config.n_boot, self.config.seed)
        e_lo, e_hi = effect["E_ci95"]
        effect["E_claim_in_ci"] = e_lo is not None and e_hi is not None and e_lo <= 0.60 <= e_hi
        delta_random = [
            float(pooled[f"random_{j}"]["mc1"].mean() - base.mean()) for j in range(len(self.random_seeds))
        ]
        sweep = [self._sweep_entry(x, folds, base, fold_sizes) for x in self.sweep_layers()]
        self.timer.add("statistics_s", t)
        return {
            "checks": checks,
            "data": self._data_section(fold_sizes),
            "intervention": self._intervention_section(folds),
            "accuracy": {
                "mc1": {c: float(pooled[c]["mc1"].mean()) for c in ("base", "steer", "neg", "paper")},
                "mc2": {c: float(pooled[c]["mc2"].mean()) for c in ("base", "steer", "neg")},
                "binary": {c: float(pooled[c]["binary"].mean()) for c in ("base", "steer", "neg", "paper")},
                "mc1_random_mean": float(
                    np.mean(
                        [pooled[f"random_{j}"]["mc1"].mean() for j in range(len(self.random_seeds))]
                        or [np.nan]
                    )
                ),
            },
            "effect": effect,
            "controls": {
                "k": len(self.random_seeds),
                "seeds": self.random_seeds,
                "delta_random": delta_random,
                **stats.random_reference(effect["delta"], delta_random),
            },
            "side_effects": self._side_effect_section(folds),
            "layer_sweep": sweep,
            "folds": [self._fold_entry(f, fold) for f, fold in enumerate(folds)],
            "memory": {
                "oom_retries": self.oom_log,
                "batch_size": self.batch_size,
                "batch_tokens": self.batch_tokens,
            },
            "timing": {
                **{k: round(v, 3) for k, v in self.timer.spent.items()},
                "tokens_scored": self.tokens.scored,
                "tokens_computed": self.tokens.computed,
            },
        }

    def _sweep_entry(
        self, layer: int, folds: list[FoldResult], base: np.ndarray, fold_sizes: list[int]
    ) -> dict:
        steered = np.concatenate([f.sweep[layer] for f in folds])
        ci = stats.effect(base, steered, base, fold_sizes, self.config.n_boot, self.config.seed)
        return {
            "layer": layer,
            "delta": ci["delta"],
            "delta_ci95": ci["delta_ci95"],
            "accuracy_mc1": float(steered.mean()),
        }

    def _data_section(self, fold_sizes: list[int]) -> dict:
        return {
            "dataset": "truthfulqa",
            "commit": self.dataset.commit,
            "csv_sha256": self.dataset.csv_sha256,
            "mc_task_sha256": self.dataset.mc_sha256,
            "n": len(self.questions),
            "n_available": len(self.dataset.questions),
            "folds": 2,
            "fold_sizes": fold_sizes,
            "split_seed": self.config.seed,
            "stratified_by": "Category",
        }

    def _intervention_section(self, folds: list[FoldResult]) -> dict:
        cosine = float((folds[0].unit @ folds[1].unit) / (folds[0].unit.norm() * folds[1].unit.norm()))
        return {
            "layer": self.layer,
            "layer_rule": "L//4" if self.config.layer is None else "fixed",
            "positions": "last_prompt_token_onward",
            "alpha_grid": list(self.config.alpha_grid),
            "alpha_per_fold": [f.alpha for f in folds],
            "r_per_fold": [f.r for f in folds],
            "vector_norm_per_fold": [f.vector_norm for f in folds],
            "direction_cosine_between_folds": max(-1.0, min(1.0, cosine)),
            "alpha_search": [f.grid for f in folds],
            "paper": {"strength": PAPER_STRENGTH, "statements": len(PAPER_TRUE) + len(PAPER_FALSE)},
        }

    def _side_effect_section(self, folds: list[FoldResult]) -> dict:
        random_kl = [f.kl[f"random_{j}"] for f in folds for j in range(len(self.random_seeds))]
        random_ppl = [f.ppl[f"random_{j}"] for f in folds for j in range(len(self.random_seeds))]
        return {
            "kappa": self.config.kappa,
            "kl_steer": [f.kl["steer"] for f in folds],
            "ppl_ratio_steer": [f.ppl["steer"] for f in folds],
            "kl_neg": [f.kl["neg"] for f in folds],
            "kl_paper": [f.kl["paper"] for f in folds],
            "kl_random_median": float(np.median(random_kl)) if random_kl else None,
            "ppl_ratio_random_median": float(np.median(random_ppl)) if random_ppl else None,
            "neutral_tokens": sum(len(w) for w in self.windows),
        }

    def _fold_entry(self, index: int, fold: FoldResult) -> dict:
        return {
            "fit_fold": index,
            "n_fit": len(self.folds[index]),
            "n_eval": len(self.folds[1 - index]),
            "alpha": fold.alpha,
            "mc1": {c: float(fold.metrics[c]["mc1"].mean()) for c in ("base", "steer", "neg", "paper")},
        }
