"""Each prediction under the other readings of its registered decisions.

Every interpretation decision in predictions/P*.toml is dated 2026-11-23, six months after the
papers registered the predictions (2026-05-13), with the 2026 data already visible. Nothing
shows that a reading was chosen before the data could favour it, so for each decision whose
other reading can change a verdict, the verdict under that reading is computed beside the
registered one, on the same data. These lines are shown, never used to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.panel import DEFAULT_PRECEDENCE, PanelSource
from tracker.verdicts.evaluators import EVALUATORS, PASS, new_only
from tracker.verdicts.specs import PredictionSpec
from tracker.verdicts.timeline import Snapshot, decided, reading_word

DECIDED_ON = "2026-11-23"  # the date of every decision in the registered files


@dataclass(frozen=True)
class Alternative:
    """The other reading of one registered decision: parameters it changes, or the panel."""

    decision: str
    reading: str
    parameters: dict[str, Any] = field(default_factory=dict)
    new_only: bool = False
    early_pass: bool = False


NEW_ONLY = Alternative("G3", "new releases only (from 2026-06-01), not the cumulative panel", new_only=True)
EARLY_PASS = Alternative(
    "G11", "a PASS met on any day before the deadline is final (option b)", early_pass=True
)
ALTERNATIVES: dict[str, tuple[Alternative, ...]] = {
    "P1": (
        Alternative(
            "P1-a", "GPQA spread over the top 5 by GPQA, not the same five", {"second_ranked_by_itself": True}
        ),
        NEW_ONLY,
        EARLY_PASS,
    ),
    "P2": (
        Alternative(
            "P2-a",
            "n < 5 is INCONCLUSIVE (the general missing-data rule, G10), not FAIL",
            {"fail_if_n_below": 0},
        ),
        NEW_ONLY,
        EARLY_PASS,
    ),
    "P3": (
        Alternative(
            "P3-a",
            "post-cutoff releases count (DeepSeek V4 Pro, 2026-04-24)",
            {"released_from": "2026-03-06"},
        ),
        Alternative(
            "G2", "releases after the paper's date count (from 2026-05-14)", {"released_from": "2026-05-14"}
        ),
    ),
    "P4": (
        Alternative("G2", "post-cutoff releases count (from 2026-03-06)", {"released_from": "2026-03-06"}),
        Alternative(
            "P4-a",
            "Flash-Lite counts as a Gemini release",
            {"name_exclude": "nano|gemma|deep think|deep-think"},
        ),
    ),
    "P5": (
        Alternative("P5-b", "FAIL needs no minimum n", {"min_n_fail": 0}),
        NEW_ONLY,
        EARLY_PASS,
    ),
    "P6": (
        Alternative(
            "P6-a",
            "HLE spread over the top 10 by HLE (each axis ranked by itself)",
            {"second_ranked_by_itself": True},
        ),
        NEW_ONLY,
        EARLY_PASS,
    ),
    "P7": (
        Alternative("P7-b", "'deepens': r below the paper's -0.251, not below 0", {"pass_r_below": -0.251}),
        Alternative("P7-c", "only models with SWE-bench Verified >= 70", {"min_x": 70.0}),
        NEW_ONLY,
        EARLY_PASS,
    ),
}


def alternative_readings(
    spec: PredictionSpec, panels: PanelSource, shot: Snapshot, registered: tuple[str, str]
) -> list[dict[str, Any]]:
    """Under each alternative reading, on the snapshot the verdict reads: the status word
    (`reading`, e.g. `pending:at_risk`) and the verdict it would give if decided now.

    `registered` is the verdict's own (reading, if decided now); `differs` says whether the
    alternative gives another.
    """
    frame = panels.evidence(shot.known_by, DEFAULT_PRECEDENCE, shot.dated_by)
    out = []
    for alternative in ALTERNATIVES.get(spec.id, ()):
        panel = new_only(frame, spec.parameters) if alternative.new_only else frame
        result = EVALUATORS[spec.evaluator](panel, {**spec.parameters, **alternative.parameters}, shot.day)
        word = (
            "passed"
            if alternative.early_pass and result.outcome == PASS
            else reading_word(result, shot.phase)
        )
        out.append(
            {
                "decision": alternative.decision,
                "decided_on": DECIDED_ON,
                "alternative": alternative.reading,
                "reading": word,
                "if_decided_today": decided(result),
                "summary": result.summary,
                "differs": (word, decided(result)) != registered,
            }
        )
    return out
