"""Phase boundaries of the papers' isocline analysis.

The papers state the boundaries with scores as fractions (0-1): GPQA_c = sqrt(0.513 SWE) and
IFEval_c = sqrt(0.97 GPQA). Scores here are percent, hence 100*sqrt(k*x/100); plugging percent
in directly would give meaningless single-digit thresholds.
"""

from __future__ import annotations

import math

from tracker.stats.frozen import ISO_GPQA_SWE, ISO_IFEVAL_GPQA

AT_TOLERANCE_PP = 0.05


def gpqa_c(swe: float) -> float:
    """The GPQA score below which a model sits in the coding-first phase, for its SWE score."""
    return 100 * math.sqrt(ISO_GPQA_SWE * swe / 100)


def ifeval_c(gpqa: float) -> float:
    """The IFEval boundary for a model's GPQA score."""
    return 100 * math.sqrt(ISO_IFEVAL_GPQA * gpqa / 100)


def side(value: float, boundary: float, tolerance: float = AT_TOLERANCE_PP) -> str:
    """'below', 'at' (within `tolerance` pp) or 'above' the boundary."""
    if value - boundary < -tolerance:
        return "below"
    return "at" if abs(value - boundary) <= tolerance else "above"
