"""The papers' frozen panel and the frozen fit: read-only, never refit, never rewritten.

`data/frozen/panel.csv` is a byte copy of the reference panel (45 rows: 34 `frozen`, 5
`post_cutoff`, 6 `other`) with its provenance columns. The fit constants below are the
unrounded OLS on the 34 frozen rows (PREDICTIONS.md G4); a test recomputes them from the
file so that the file and the constants can never drift apart silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FROZEN_SLOPE = 0.5130797931804454
FROZEN_INTERCEPT = 46.37991766761589
PUBLISHED_SLOPE = 0.513
PUBLISHED_INTERCEPT = 46.4
ISO_GPQA_SWE = 0.513
ISO_IFEVAL_GPQA = 0.97

SCORE_COLUMNS = ("swe_bench_verified", "gpqa_diamond", "ifeval", "hle")


def h_field(
    swe: float, gpqa: float, slope: float = FROZEN_SLOPE, intercept: float = FROZEN_INTERCEPT
) -> float:
    """A model's h-field: its GPQA residual from the frozen fit, in percentage points."""
    return gpqa - (slope * swe + intercept)


def load_frozen_panel(panel_csv: Path) -> pd.DataFrame:
    """The reference panel with numeric score columns and a boolean `core` column.

    `core` marks the papers' 23-model core subset (data/frozen/core_subset.csv beside the panel).
    """
    frame = pd.read_csv(panel_csv, dtype={"release_date": str}, keep_default_na=False, na_values=[""])
    for column in SCORE_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="raise")
    frame["release_date"] = frame["release_date"].fillna("")
    core = pd.read_csv(panel_csv.parent / "core_subset.csv")
    unknown = set(core["model"]) - set(frame["model"])
    if unknown:
        raise ValueError(
            f"{panel_csv.parent / 'core_subset.csv'}: model: not in the panel: {sorted(unknown)}"
        )
    frame["core"] = frame["model"].isin(set(core["model"]))
    return frame
