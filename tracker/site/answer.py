"""What today's data would decide, in words a reader takes in at once.

The site leads with one question per prediction: if its deadline were today, would it pass,
fail or stay undecided, and on which numbers? This module turns a verdict object (the
`tracker check --json` shape) into that answer: the would-be verdict, one sentence, the
deciding numbers as labelled values with units against their registered thresholds, the
number lines that draw them, and what would change the reading. It reads only the verdict
and its registered parameters, so the words cannot drift from the rule the verdict applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tracker.verdicts.evaluators import SHORT, signed

WOULD_BE_WORDS = {"passed": "pass", "failed": "fail", "inconclusive": "cannot be decided"}
SOON_DAYS = 30  # "deadlines in 30 days" on the index


@dataclass(frozen=True)
class Fact:
    """One labelled value of the evidence: "top-5 SWE spread: 7.0 pp; fails above 5.0 pp"."""

    label: str
    value: str
    rule: str = ""
    term: str = ""  # glossary key of the term the label uses, if any
    decisive: bool = False


@dataclass(frozen=True)
class NumberLine:
    """A small axis with the pass and fail zones shaded and today's values marked."""

    label: str
    unit: str
    low: float
    high: float
    marks: tuple[tuple[float, str], ...]
    pass_zone: tuple[float, float] | None = None
    fail_zone: tuple[float, float] | None = None
    goal: float | None = None  # a count the rule needs before it can decide (a tick, not a zone)

    def x(self, value: float, width: float = 400.0, pad: float = 12.0) -> float:
        """The horizontal position of `value` on a line `width` units wide (clamped to the axis)."""
        span = self.high - self.low or 1.0
        share = min(1.0, max(0.0, (value - self.low) / span))
        return round(pad + share * (width - 2 * pad), 1)

    def ticks(self) -> tuple[float, ...]:
        """The axis ends and every threshold, each once."""
        edges = {self.low, self.high} | ({self.goal} if self.goal is not None else set())
        for zone in (self.pass_zone, self.fail_zone):
            if zone:
                edges.update(zone)
        return tuple(sorted(edges))


@dataclass(frozen=True)
class Answer:
    """The answer box of one prediction."""

    would_be: str
    sentence: str
    facts: tuple[Fact, ...]
    lines: tuple[NumberLine, ...]
    change: str
    flags: tuple[str, ...] = field(default_factory=tuple)


def would_be(verdict: dict) -> str:
    """passed, failed or inconclusive: the verdict itself once decided, else what today's data
    would decide (`if_decided_today`)."""
    if verdict.get("status") in WOULD_BE_WORDS:
        return verdict["status"]
    return verdict.get("if_decided_today") or "inconclusive"


def would_be_words(verdict: dict) -> str:
    """'would fail', 'would pass', 'cannot be decided', or the final status for a decided one."""
    state = would_be(verdict)
    if verdict.get("status") in WOULD_BE_WORDS:
        return {"passed": "passed", "failed": "failed"}.get(state, "inconclusive")
    return would_be_phrase(state)


def would_be_phrase(state: str) -> str:
    """'would pass', 'would fail' or 'cannot be decided': what a pending prediction's rule would
    decide today, in the words the index, the prediction pages and the feed share."""
    return "cannot be decided" if state == "inconclusive" else f"would {WOULD_BE_WORDS[state]}"


def top_line(verdicts: list[dict]) -> dict[str, int]:
    """Counts for the index's first line: would-be verdicts and deadlines within 30 days."""
    states = [would_be(v) for v in verdicts]
    soon = sum(
        1
        for v in verdicts
        if v.get("status") == "pending"
        and v.get("days_left") is not None
        and 0 <= v["days_left"] <= SOON_DAYS
    )
    return {
        "failed": states.count("failed"),
        "passed": states.count("passed"),
        "inconclusive": states.count("inconclusive"),
        "soon": soon,
        "soon_days": SOON_DAYS,
    }


def top_line_text(verdicts: list[dict]) -> str:
    """ "If decided today: 3 fail, 1 pass, 3 cannot be decided; 3 deadlines in 30 days"."""
    counts = top_line(verdicts)
    soon = counts["soon"]
    return (
        f"If decided today: {counts['failed']} fail, {counts['passed']} pass, "
        f"{counts['inconclusive']} cannot be decided; "
        f"{soon} deadline{'' if soon == 1 else 's'} in {SOON_DAYS} days"
    )


def answer(verdict: dict) -> Answer:
    """The answer box of a verdict, by the kind of test it registers."""
    build = BUILDERS.get(verdict.get("evaluator", ""), _generic)
    return build(verdict, verdict.get("parameters") or {}, verdict.get("evidence") or {})


def _num(value: Any, digits: int = 1, signed: bool = False) -> str:
    if value is None or not isinstance(value, (int, float)):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _lead(verdict: dict) -> str:
    pid, state = verdict["id"], would_be(verdict)
    if verdict.get("status") in WOULD_BE_WORDS:
        return f"{pid} is decided: {WOULD_BE_WORDS[state] if state != 'inconclusive' else 'inconclusive'}"
    if verdict.get("status") == "deciding":
        words = "could not be decided" if state == "inconclusive" else f"would {WOULD_BE_WORDS[state]}"
        return f"{pid} is past its deadline and being decided: on the scores dated by it, it {words}"
    if state == "inconclusive":
        return f"If decided today, {pid} could not be decided"
    return f"If decided today, {pid} would {WOULD_BE_WORDS[state]}"


def _spread(verdict: dict, p: dict, e: dict) -> Answer:
    k, first, second = int(p["k"]), SHORT.get(p.get("rank_by", ""), "?"), SHORT.get(p.get("second", ""), "?")
    pass_below, fail_above = float(p["pass_rank_spread_below"]), float(p["fail_rank_spread_above"])
    second_above = float(p["pass_second_spread_above"])  # every top-k prediction registers all four
    spread, second_spread = e.get("rank_spread"), e.get("second_spread")
    if spread is None:
        return Answer(
            would_be(verdict),
            f"{_lead(verdict)}: only {e.get('n', 0)} models have {first}, and the test ranks the top {k}.",
            (Fact(f"models with {first}", f"{e.get('n', 0)}", f"needs {k}", "", True),),
            (
                NumberLine(
                    f"models with {first} (needs {k})",
                    "",
                    0.0,
                    float(k + 2),
                    ((float(e.get("n") or 0), f"{e.get('n', 0)}"),),
                    goal=float(k),
                ),
            ),
            f"{k - int(e.get('n') or 0)} more models scored on {first}; then a top-{k} {first} spread "
            f"below {pass_below:.1f} pp with a {second} spread above {second_above:.1f} pp passes, "
            f"above {fail_above:.1f} pp fails.",
        )
    failing = spread > fail_above
    reason = (
        f"the top-{k} {first} spread is {spread:.1f} pp, above the {fail_above:.1f} pp fail line"
        if failing
        else f"the top-{k} {first} spread is {spread:.1f} pp"
        + (f" and the {second} spread {_num(second_spread)} pp" if second_spread is not None else "")
    )
    facts = (
        Fact(
            f"top-{k} {first} spread",
            f"{spread:.1f} pp",
            f"fails above {fail_above:.1f} pp; passes below {pass_below:.1f} pp",
            "spread",
            True,
        ),
        Fact(
            f"{second} spread over the same {k}",
            "missing" if second_spread is None else f"{second_spread:.1f} pp",
            f"pass also needs above {second_above:.1f} pp",
            "spread",
        ),
        Fact("models ranked", f"{e.get('n')}", f"the top {k} by {first} count", ""),
    )
    top = float(math.ceil(max(spread, second_spread or 0.0, fail_above, second_above or 0.0) * 1.25))
    lines = (
        NumberLine(
            f"top-{k} {first} spread",
            "pp",
            0.0,
            round(top, 1),
            ((spread, f"{spread:.1f}"),),
            (0.0, pass_below),
            (fail_above, round(top, 1)),
        ),
    )
    if failing:
        change = (
            f"It stops failing only if the top-{k} {first} spread falls to {fail_above:.1f} pp or less "
            f"(it is {spread:.1f}); to pass it must fall below {pass_below:.1f} pp while the {second} "
            f"spread of the same models stays above {second_above:.1f} pp."
        )
    else:
        change = (
            f"A top-{k} {first} spread above {fail_above:.1f} pp would fail it; below {pass_below:.1f} pp, "
            f"with the {second} spread above {second_above:.1f} pp, it passes."
        )
    return Answer(would_be(verdict), f"{_lead(verdict)}: {reason}.", facts, lines, change)


def _correlation_rules(p: dict) -> tuple[str, str, tuple[float, float], tuple[float, float]]:
    if "pass_r_above" in p:
        pass_rule, pass_zone = f"r > {p['pass_r_above']:g}", (p["pass_r_above"], 1.0)
    else:
        pass_rule, pass_zone = f"r < {p['pass_r_below']:g}", (-1.0, p["pass_r_below"])
    if "fail_r_below" in p:
        fail_rule, fail_zone = f"r < {p['fail_r_below']:g}", (-1.0, p["fail_r_below"])
    else:
        fail_rule, fail_zone = f"r > {p['fail_r_above']:g}", (p["fail_r_above"], 1.0)
    return pass_rule, fail_rule, pass_zone, fail_zone


def _correlation(verdict: dict, p: dict, e: dict) -> Answer:
    x, y = SHORT.get(p.get("x", ""), "?"), SHORT.get(p.get("y", ""), "?")
    n, r = int(e.get("n") or 0), e.get("r")
    pass_rule, fail_rule, pass_zone, fail_zone = _correlation_rules(p)
    n_fail, n_pass = int(p.get("fail_if_n_below") or 0), int(p.get("min_n_pass") or 0)
    state = would_be(verdict)
    if n < n_fail:
        reason = f"only {n} models have both {x} and {y}, and fewer than {n_fail} fails it"
    elif r is None:
        reason = f"r is undefined on {n} models"
    elif state == "failed":
        reason = f"r = {r:+.3f} on {n} models, and the fail rule is {fail_rule}"
    elif state == "passed":
        reason = f"r = {r:+.3f} on {n} models, and the pass rule is {pass_rule} on at least {n_pass}"
    else:
        reason = f"r = {r:+.3f} on {n} models; pass needs {pass_rule} on at least {n_pass}"
    n_rule = f"pass needs at least {n_pass}" + (f"; fails below {n_fail}" if n_fail else "")
    facts = (
        Fact(f"models with both {x} and {y} (n)", f"{n}", n_rule, "n", n < max(n_fail, n_pass)),
        Fact(
            f"Pearson r({x}, {y})",
            _num(r, 3, True),
            f"passes if {pass_rule}; fails if {fail_rule}",
            "r",
            n >= n_fail,
        ),
        Fact("two-sided p", _p_text(e.get("p")), "shown, not part of the rule", ""),
    )
    lines = [
        NumberLine(
            f"r({x}, {y})", "", -1.0, 1.0, (() if r is None else ((r, f"{r:+.2f}"),)), pass_zone, fail_zone
        )
    ]
    if n_fail or n < n_pass:
        top = float(max(n, n_pass, n_fail) + 5)
        lines.append(
            NumberLine(
                "n (models)",
                "",
                0.0,
                top,
                ((float(n), f"{n}"),),
                (float(n_pass), top),
                (0.0, float(n_fail)) if n_fail else None,
            )
        )
    change = _correlation_change(state, n, n_fail, n_pass, pass_rule, fail_rule, p)
    return Answer(state, f"{_lead(verdict)}: {reason}.", facts, tuple(lines), change)


def _correlation_change(
    state: str, n: int, n_fail: int, n_pass: int, pass_rule: str, fail_rule: str, p: dict
) -> str:
    """What would move a correlation reading, said from where it stands."""
    more = max(0, n_pass - n)
    with_more = (
        f"{more} more model{'s' if more != 1 else ''} with both scores (n at least {n_pass}) and "
        if more
        else ""
    )
    to_pass = f"to pass it needs {with_more}{pass_rule}"
    if state == "failed" and n < n_fail:
        return f"It fails on n alone: {n_fail - n} more model{'s' if n_fail - n != 1 else ''} with both scores bring n to {n_fail}; {to_pass}."
    if state == "failed":
        edge = (
            f"rises to {p['fail_r_below']:g} or more"
            if "fail_r_below" in p
            else f"falls to {p['fail_r_above']:g} or less"
        )
        return f"It stops failing only if r {edge}; {to_pass}."
    if state == "passed":
        return f"It keeps passing while {pass_rule} on n at least {n_pass}; {fail_rule} would fail it, and in between it cannot be decided."
    return (
        f"{to_pass[0].upper()}{to_pass[1:]}; {fail_rule}"
        + (f" or n below {n_fail}" if n_fail else "")
        + " fails it."
    )


def _p_text(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "n/a"
    return f"{value:.2g}" if value < 0.001 else f"{value:.3f}"


def _h_rules(p: dict) -> tuple[str, str, tuple[float, float], tuple[float, float]]:
    if "pass_h_below" in p:
        return (
            f"h < {signed(p['pass_h_below'])} for both",
            f"h > {signed(p['fail_h_above'])} for either",
            (-30.0, p["pass_h_below"]),
            (p["fail_h_above"], 30.0),
        )
    return (
        f"h > {signed(p['pass_h_above'])} for both",
        f"h < {signed(p['fail_h_below'])} for either",
        (p["pass_h_above"], 30.0),
        (-30.0, p["fail_h_below"]),
    )


def _slots(verdict: dict, p: dict, e: dict) -> Answer:
    lab, wanted = p.get("lab", "?"), int(p.get("slots") or 0)
    pass_rule, fail_rule, pass_zone, fail_zone = _h_rules(p)
    scored = [r for r in e.get("rows") or [] if r.get("h") is not None]
    waiting = [r for r in e.get("rows") or [] if r.get("h") is None]
    marks = tuple((float(r["h"]), str(r.get("model", ""))) for r in scored)
    if not scored:
        reason = (
            f"no {lab} release from {p.get('released_from')} on has both scores yet (0 of {wanted} slots)"
        )
    else:
        listing = ", ".join(f"{r.get('model')} h = {r['h']:+.1f}" for r in scored)
        reason = f"{listing} ({len(scored)} of {wanted} slots)"
    facts = tuple(
        Fact(
            f"h of {r.get('model')}",
            f"{r['h']:+.2f} GPQA points",
            f"passes if {pass_rule}; fails if {fail_rule}",
            "h",
            True,
        )
        for r in scored
    ) + (
        Fact(
            "slots filled",
            f"{len(scored)} of {wanted}",
            f"the next {wanted} {lab} releases from {p.get('released_from')}",
            "slots",
        ),
    )
    awaited = "; awaiting scores for " + ", ".join(str(r.get("model")) for r in waiting) if waiting else ""
    change = (
        f"What counts: the next {wanted} {lab} releases from {p.get('released_from')}, each once both "
        f"SWE-bench Verified and GPQA Diamond are known{awaited}. {pass_rule} passes; {fail_rule} fails at once."
    )
    line = NumberLine("h-field", "GPQA points", -20.0, 20.0, marks, pass_zone, fail_zone)
    return Answer(would_be(verdict), f"{_lead(verdict)}: {reason}.", facts, (line,), change)


def _generic(verdict: dict, p: dict, e: dict) -> Answer:
    return Answer(would_be(verdict), f"{_lead(verdict)}: {e.get('summary', '')}.", (), (), "")


BUILDERS = {"top_k_spread": _spread, "correlation": _correlation, "next_releases_h": _slots}
