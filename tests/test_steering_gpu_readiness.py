"""What a first GPU run depends on, checked on CPU with tiny random models: neutral text scored
with the tokenizer's BOS, the hook check judging only its own handle, throughput counted in
tokens the model ran."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from steering_support import REPO, tiny_lm, tiny_tokenizer  # noqa: E402

from tracker.steering.hooks import hook_checks, steering_hook  # noqa: E402
from tracker.steering.side_effects import neutral_windows, side_effects, special_prefix  # noqa: E402

NEUTRAL = (REPO / "data" / "neutral.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


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
