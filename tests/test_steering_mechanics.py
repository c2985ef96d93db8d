"""Mechanics on tiny random models built from a config (no download): hook placement and
removal, batching equals one-at-a-time scoring, padding side, positions, cross-fitting."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from steering_support import tiny_lm  # noqa: E402

from tracker.steering import mc  # noqa: E402
from tracker.steering.data import load_truthfulqa, prompt_for  # noqa: E402
from tracker.steering.hooks import Steering, capture_outputs, hook_checks, steering_hook  # noqa: E402
from tracker.steering.model_io import ModelLoadError, decoder_layers  # noqa: E402
from tracker.steering.scoring import Request, Scorer  # noqa: E402
from tracker.steering.side_effects import neutral_windows, side_effects  # noqa: E402

LAYER = 2


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def questions():
    from steering_support import REPO

    return load_truthfulqa(REPO / "data" / "truthfulqa").questions[:6]


def requests_for(tok, questions, prompt_format, n_conditions=3):
    encoder = mc.Encoder(tok, prompt_format)
    conditions = [mc.Condition(f"c{i}", i) for i in range(n_conditions)]
    return mc.build_requests(encoder, questions, conditions)[0]


def vectors(hidden, n=3, seed=0):
    table = torch.randn(n, hidden, generator=torch.Generator().manual_seed(seed))
    table[0] = 0
    return table


def test_steering_changes_the_block_output_by_the_vector_at_masked_positions_only(lm):
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    v = torch.randn(1, lm.hidden_size)
    mask = torch.tensor([[0, 0, 0, 1, 1]])
    blocks = {LAYER - 1: lm.layers[LAYER - 1], LAYER: lm.layers[LAYER]}
    with torch.inference_mode(), capture_outputs(blocks) as plain:
        lm.model(input_ids=ids)
    with (
        torch.inference_mode(),
        steering_hook(lm.layers[LAYER]) as steering,
        capture_outputs(blocks) as steered,
    ):
        steering.set(v, mask)
        lm.model(input_ids=ids)
    assert torch.equal(plain[LAYER - 1][0], steered[LAYER - 1][0])
    diff = steered[LAYER][0] - plain[LAYER][0]
    assert torch.equal(diff[0, :3], torch.zeros_like(diff[0, :3]))
    torch.testing.assert_close(diff[0, 3:], v.expand(2, -1))


def test_hook_is_removed_even_when_the_forward_fails(lm):
    block = lm.layers[LAYER]
    with pytest.raises(RuntimeError, match="boom"), steering_hook(block) as steering:
        steering.set(torch.ones(1, lm.hidden_size), torch.ones(1, 3))
        assert len(block._forward_hooks) == 1
        raise RuntimeError("boom")
    assert len(block._forward_hooks) == 0 and steering.vectors is None


def test_hook_checks_use_logits(lm):
    checks = hook_checks(lm, LAYER, "Q: Is the sky blue?\nA: Yes")
    assert checks["hook_logits_change"] and checks["alpha0_identical"] and checks["hook_removed"]
    assert checks["hook_max_abs_logit_change"] > 0


def test_zero_vector_scores_bit_identical_to_no_hook(lm, tok, questions):
    reqs = [Request(r.prompt, r.continuation, 0) for r in requests_for(tok, questions[:2], "zero_shot", 1)]
    zero = torch.zeros(1, lm.hidden_size)
    not_installed = Scorer(lm, Steering()).score(reqs, zero)
    with steering_hook(lm.layers[LAYER]) as steering:
        hooked = Scorer(lm, steering).score(reqs, zero)
    assert np.array_equal(hooked, not_installed)


@pytest.mark.slow
@pytest.mark.parametrize("prompt_format", ["zero_shot", "qa_primer_6shot"])
@pytest.mark.parametrize("share_prefix", [True, False])
def test_batched_scoring_equals_one_at_a_time(lm, tok, questions, prompt_format, share_prefix):
    reqs = requests_for(tok, questions, prompt_format)
    table = vectors(lm.hidden_size)
    with steering_hook(lm.layers[LAYER]) as steering:
        batched = Scorer(lm, steering, batch_size=16, batch_tokens=4096, share_prefix=share_prefix).score(
            reqs, table
        )
        single = Scorer(lm, steering, batch_size=1, share_prefix=False).score(reqs, table)
    assert np.abs(batched - single).max() < 1e-4
    rows = np.array([r.condition for r in reqs])
    assert np.abs(batched[rows == 1] - batched[rows == 0]).max() > 1e-3  # steering did something


def test_left_padding_tokenizer_gives_the_same_scores(lm, tok, questions):
    reqs = requests_for(tok, questions[:3], "zero_shot")
    table = vectors(lm.hidden_size)
    with steering_hook(lm.layers[LAYER]) as steering:
        right = Scorer(lm, steering, share_prefix=False).score(reqs, table)
        tok.padding_side = "left"
        try:
            left = Scorer(lm, steering, share_prefix=False).score(reqs, table)
        finally:
            tok.padding_side = "right"
    assert np.array_equal(right, left)


class RecordingSteering(Steering):
    def __init__(self):
        super().__init__()
        self.masks = []

    def set(self, vectors, mask):
        self.masks.append(mask.clone())
        super().set(vectors, mask)


def test_steering_covers_the_last_prompt_token_through_the_continuation(lm):
    steering = RecordingSteering()
    request = Request(prompt=(3, 4, 5, 6), continuation=(7, 8), condition=1)
    Scorer(lm, steering, share_prefix=False).score([request], vectors(lm.hidden_size, 2))
    assert steering.masks[-1].tolist() == [[0, 0, 0, 1, 1, 1]]
    Scorer(lm, steering, share_prefix=True).score([request], vectors(lm.hidden_size, 2))
    assert steering.masks[-1].tolist() == [[1, 1, 1]]  # the cached prefix (3, 4, 5) is never steered


def test_continuation_is_tokenised_apart_from_the_prompt(tok, questions):
    encoder = mc.Encoder(tok, "zero_shot")
    q = questions[0]
    assert encoder.prompt(q) == tuple(tok(prompt_for(q.question, "zero_shot")).input_ids)
    assert encoder.option(q.best) == tuple(tok(" " + q.best, add_special_tokens=False).input_ids)


def test_mc_metrics_from_scores(questions):
    q = questions[0]
    conditions = [mc.Condition("all", 0, "all")]
    _, keys = mc.build_requests(mc.Encoder(_CharTokenizer(), "zero_shot"), (q,), conditions)
    scores = np.array([0.0 if option == q.mc1[0] else -5.0 for _, _, option in keys])
    out = mc.metrics((q,), conditions, keys, scores)["all"]
    assert out["mc1"][0] == 1.0 and out["binary"][0] == 1.0
    assert 0 < out["mc2"][0] < 1


class _CharTokenizer:
    def __call__(self, text, add_special_tokens=True):
        class Encoded:
            input_ids = [ord(c) % 256 for c in text]

        return Encoded()


def test_neutral_kl_is_zero_for_a_zero_vector_and_positive_otherwise(lm, tok):
    windows = neutral_windows(tok, "To make tea, boil water and pour it over the leaves. " * 4, window=32)
    table = vectors(lm.hidden_size, 2)
    with steering_hook(lm.layers[LAYER]) as steering:
        zero, pushed = side_effects(lm, steering, windows, table)
    assert zero.kl == pytest.approx(0.0, abs=1e-6) and zero.ppl_ratio == pytest.approx(1.0)
    assert pushed.kl > 0


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox", "qwen2", "opt"])
def test_other_architectures_hook_and_score_exactly(tok, questions, arch):
    lm = tiny_lm(tok, arch)
    layer = lm.num_layers // 4
    checks = hook_checks(lm, layer, "Q: Why?\nA: Because")
    assert checks["hook_logits_change"] and checks["alpha0_identical"] and checks["hook_removed"]
    reqs = requests_for(tok, questions[:2], "qa_primer_6shot")
    table = vectors(lm.hidden_size)
    with steering_hook(lm.layers[layer]) as steering:
        shared = Scorer(lm, steering, batch_size=16, share_prefix=True).score(reqs, table)
        single = Scorer(lm, steering, batch_size=1, share_prefix=False).score(reqs, table)
    assert np.abs(shared - single).max() < 1e-4


def test_a_model_without_decoder_blocks_is_refused():
    with pytest.raises(ModelLoadError, match="cannot be hooked") as caught:
        decoder_layers(torch.nn.Linear(2, 2))
    assert caught.value.kind == "unsupported"


def test_batching_check_runs_in_fp32_and_leaves_a_bf16_model_unchanged(tok):
    from tracker.steering.model_io import float32_parameters

    lm = tiny_lm(tok)
    lm.model.to(torch.bfloat16)
    lm.dtype = torch.bfloat16
    before = {name: p.detach().clone() for name, p in lm.model.named_parameters()}
    with float32_parameters(lm) as dtype:
        assert dtype == "float32" and all(p.dtype == torch.float32 for p in lm.model.parameters())
    for name, p in lm.model.named_parameters():
        assert p.dtype == torch.bfloat16 and torch.equal(p, before[name])
