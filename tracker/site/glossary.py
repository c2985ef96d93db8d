"""The site's glossary: each term the pages use, defined once.

The glossary page lists them all, and every page that uses a term links it here with the
definition as its title, so a reader meets the meaning where the word is.
"""

from __future__ import annotations

TERMS: dict[str, tuple[str, str]] = {
    "h": (
        "h-field",
        "A model's GPQA Diamond score minus the GPQA score the papers' frozen fit predicts from its "
        "SWE-bench Verified score (GPQA = 0.513 x SWE + 46.4, unrounded). Positive: more reasoning than "
        "its coding score predicts. In GPQA percentage points.",
    ),
    "spread": (
        "spread",
        "The highest minus the lowest score among a set of models, in percentage points: the top-k "
        "spread of the k best models on one benchmark, and the spread of a second benchmark over the "
        "same k models.",
    ),
    "pp": ("pp", "Percentage points: the difference between two scores given in percent."),
    "slots": (
        "slots",
        "P3 and P4 judge a lab's next releases after 2026-06-01, in release order. A release takes a "
        "slot once both SWE-bench Verified and GPQA Diamond are known; one still unscored 60 days "
        "after release is dropped (G13).",
    ),
    "source-order": (
        "source order",
        "Which source's score stands when several report one model and benchmark: the papers' value, "
        "then Epoch AI, then the benchmark's own leaderboard, then the vendor's report. Every verdict "
        "is also computed under the other orders.",
    ),
    "core": (
        "core subset",
        "The papers' subset of each lab's models used for the per-lab mean h-field (their table); a "
        "lab without one uses all its models.",
    ),
    "lolo": (
        "LOLO MAE",
        "Leave-one-lab-out mean absolute error: refit the coupling without one lab, predict that lab's "
        "GPQA scores, and average the absolute errors; over labs with at least 3 models.",
    ),
    "pi": (
        "prediction interval",
        "The range a new model's GPQA score is expected in, given its SWE score: the papers' 95% band "
        "is the frozen fit +/- 1.96 x the population SD of its residuals (16.15 points).",
    ),
    "nc4": (
        "Nc4",
        "The papers' label for the fourth capability transition in their sequence (the authors' "
        "figure script for the third, Nc3, is the IFEval activation of P2): the hand-off from IFEval "
        "to HLE that P6 tests. A label only; no number on this site depends on it.",
    ),
    "post-cutoff": (
        "post-cutoff",
        "The five releases of March-April 2026 the papers list after their panel's cutoff: shown and "
        "counted in the current panel, never used to fit.",
    ),
    "r": (
        "Pearson r",
        "The linear correlation of two benchmarks over the models that have both scores, from -1 to "
        "+1; its 95% confidence interval is from Fisher's z transform.",
    ),
    "n": ("n", "The number of models a statistic is computed on."),
    "secondary": (
        "secondary report",
        "A score repeated by a third party (a blog, a news site) rather than published by the lab or "
        "measured by an independent evaluator; shown, flagged, and never presented as the lab's number.",
    ),
}


def definition(key: str) -> str:
    """The definition of a glossary term (a KeyError for an unknown one: a typo in a template)."""
    return TERMS[key][1]
