"""The §8 decision rule and the §9 validation, on constructed results (no torch)."""

from __future__ import annotations

import math

import pytest
from steering_support import make_result

from tracker.steering.result import decide, validate


def with_verdict(result: dict) -> dict:
    """The result with the verdict its numbers give (so only the intended change is tested)."""
    decision = decide(result)
    result["verdict"], result["verdict_reasons"] = decision.verdict, decision.reasons
    return result


def test_constructed_pass_is_valid_and_passes():
    result = make_result()
    assert decide(result).verdict == "PASS"
    assert validate(result) == []


@pytest.mark.parametrize(
    "checks, reason",
    [
        ({"hook_logits_change": False}, "logits unchanged"),
        ({"alpha0_identical": False}, "zero vector"),
        ({"hook_removed": False}, "not restored"),
        ({"batch_equivalence_max_abs": 0.06}, "one-at-a-time"),
    ],
)
def test_failed_mechanics_check_is_error(checks, reason):
    decision = decide(make_result(checks=checks))
    assert decision.verdict == "ERROR"
    assert any(reason in r for r in decision.reasons)


def test_batch_tolerance_depends_on_dtype():
    bf16 = make_result(checks={"batch_equivalence_max_abs": 0.01})
    fp32 = make_result(checks={"batch_equivalence_max_abs": 0.01}, run={"dtype": "float32"})
    assert decide(bf16).verdict == "PASS"
    assert decide(fp32).verdict == "ERROR"


def test_too_few_questions_or_random_directions_is_error():
    assert decide(make_result(data={"n": 199, "fold_sizes": [100, 99]})).verdict == "ERROR"
    small_k = make_result(controls={"k": 15, "seeds": list(range(15)), "delta_random": [0.0] * 15})
    assert decide(small_k).verdict == "ERROR"


def test_error_comes_before_fail():
    result = make_result(checks={"hook_removed": False}, effect={"E_ci95": [0.0, 0.1]})
    assert decide(result).verdict == "ERROR"


def test_fail_when_ci_of_E_excludes_even_the_weakest_claim():
    decision = decide(make_result(effect={"E_ci95": [0.05, 0.19]}))
    assert decision.verdict == "FAIL"
    assert "E_min" in decision.reasons[0]


def test_fail_when_no_better_than_a_typical_random_push():
    decision = decide(make_result(controls={"q50": 0.2, "q95": 0.3}))
    assert decision.verdict == "FAIL"
    assert decision.sub_checks["fail_not_above_random_q50"] is True


@pytest.mark.parametrize(
    "change, unmet",
    [
        ({"effect": {"mcnemar": {"b": 30, "c": 20, "p": 0.2}}}, "mcnemar_p_below_0.05"),
        ({"effect": {"delta_ci95": [-0.01, 0.25]}}, "delta_positive_ci_excludes_0"),
        ({"controls": {"q50": 0.0, "q95": 0.25}}, "above_random_q95"),
        ({"effect": {"delta_minus_neg_ci95": [-0.01, 0.35]}}, "beats_negated_direction"),
        ({"side_effects": {"kl_steer": [0.05, 0.11]}}, "side_effects_within_kappa"),
    ],
)
def test_inconclusive_when_a_pass_condition_is_missing(change, unmet):
    result = make_result()
    for section, values in change.items():
        result[section].update(values)
    decision = decide(result)
    assert decision.verdict == "INCONCLUSIVE"
    assert decision.reasons == [f"not met: {unmet}"]


def test_E_claim_in_ci_is_reported():
    result = make_result(effect={"E_ci95": [0.25, 0.7], "E_claim_in_ci": True})
    assert decide(result).sub_checks["E_claim_in_ci"] is True
    assert validate(result) == []


def test_validate_rejects_a_verdict_the_numbers_do_not_give():
    result = make_result(verdict="PASS", effect={"E_ci95": [0.05, 0.19]})
    problems = validate(result)
    assert len(problems) == 1 and "numbers give FAIL" in problems[0]


@pytest.mark.parametrize(
    "section, values, field",
    [
        ("accuracy", {"mc1": {"base": 1.3, "steer": 0.5, "neg": 0.2, "paper": 0.3}}, "accuracy.mc1.base"),
        ("effect", {"mcnemar": {"b": 1, "c": 2, "p": 1.5}}, "effect.mcnemar.p"),
        ("model", {"revision": "main"}, "model.revision"),
        ("run", {"started_at": "yesterday"}, "run.started_at"),
        ("checks", {"hook_removed": "yes"}, "checks.hook_removed"),
        ("controls", {"q95": math.nan}, "controls.q95"),
        ("timing", {"total_s": -1.0}, "timing.total_s"),
    ],
)
def test_validate_names_the_bad_field(section, values, field):
    problems = validate(make_result(**{section: values}))
    assert any(p.startswith(field + ":") for p in problems), problems


def test_validate_reports_missing_fields():
    result = make_result()
    del result["side_effects"]["kl_steer"]
    assert "side_effects.kl_steer: missing" in validate(result)


def test_validate_checks_derived_numbers():
    result = with_verdict(make_result(effect={"delta": 0.25}))
    assert any(p.startswith("effect.delta:") for p in validate(result))
    mismatched = make_result(controls={"k": 16, "seeds": [1, 2], "delta_random": [0.0] * 16})
    assert any(p.startswith("controls:") for p in validate(mismatched))


def test_validate_rejects_non_objects():
    assert validate([1, 2]) == ["result: must be a JSON object"]


def test_batch_tolerance_follows_the_dtype_the_check_ran_in():
    in_fp32 = make_result(checks={"batch_equivalence_max_abs": 0.01, "batch_equivalence_dtype": "float32"})
    assert decide(in_fp32).verdict == "ERROR"  # a bf16 run whose check ran in fp32 gets the fp32 bound
    in_bf16 = make_result(checks={"batch_equivalence_max_abs": 0.01, "batch_equivalence_dtype": "bfloat16"})
    assert decide(in_bf16).verdict == "PASS"
