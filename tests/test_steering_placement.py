"""Models larger than one device: the memory plan counts the key/value cache and activations as
well as the weights, a model is dispatched over several devices (accelerate's device_map, on CPU
forced by max_memory and disk offload) and scores exactly as the undispatched model, CUDA
out-of-memory halves the batch and is recorded, and the queue says what fits the runner."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from steering_support import steering_project, tiny_lm  # noqa: E402

from tracker.steering import mc  # noqa: E402
from tracker.steering.data import load_truthfulqa  # noqa: E402
from tracker.steering.hooks import hook_checks, steering_hook  # noqa: E402
from tracker.steering.model_io import ModelLoadError, load_model  # noqa: E402
from tracker.steering.placement import PlacementError, parse_max_memory, plan, work_bytes  # noqa: E402
from tracker.steering.protocol import ProtocolConfig  # noqa: E402
from tracker.steering.queue import QueueConfig  # noqa: E402
from tracker.steering.result import validate  # noqa: E402
from tracker.steering.runner import evaluate  # noqa: E402
from tracker.steering.scoring import Scorer  # noqa: E402

GIB = 2**30
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def llama(hidden, inter, layers, heads, kv_heads, vocab=32000):
    from transformers import LlamaConfig

    return LlamaConfig(
        hidden_size=hidden,
        intermediate_size=inter,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        vocab_size=vocab,
    )


LLAMA_7B = llama(4096, 11008, 32, 32, 32)
LLAMA_70B = llama(8192, 28672, 80, 64, 8, 128256)


def test_the_memory_plan_counts_the_cache_and_activations_not_only_weights():
    work = work_bytes(LLAMA_7B, 2, 32768)
    assert work["kv_cache"] == 2 * 32 * 32 * 128 * 2 * 32768  # 16 GiB of keys and values
    assert work["activations"] > 32768 * 32000 * 2  # at least the bf16 logits of the batch
    one = plan(6_738_415_616, LLAMA_7B, "bfloat16", 32768, {0: 80 * GIB}, device="cuda:0")
    assert not one.dispatched and one.kv_cache == work["kv_cache"]
    # the weights alone (12.6 GiB) fit a 24 GiB card; with a 32k-token batch's cache they do not
    with pytest.raises(PlacementError, match=r"12\.6 GiB in bfloat16 for weights \+ .* 32768-token batch"):
        plan(6_738_415_616, LLAMA_7B, "bfloat16", 32768, {0: 24 * GIB}, device="cuda:0")
    assert not plan(6_738_415_616, LLAMA_7B, "bfloat16", 2048, {0: 24 * GIB}, device="cuda:0").dispatched


def test_a_model_larger_than_one_gpu_is_dispatched_over_all_of_them():
    eight = {i: 80 * GIB for i in range(8)}
    placed = plan(70_553_706_496, LLAMA_70B, "bfloat16", 32768, eight, device="cuda:0")
    assert placed.dispatched and placed.device == "cuda:0" and len(placed.max_memory) == 8
    work = sum(work_bytes(LLAMA_70B, 2, 32768).values())
    assert all(b == int(0.95 * 80 * GIB) - work for b in placed.max_memory.values())  # room kept
    assert sum(placed.max_memory.values()) >= placed.weights
    with pytest.raises(PlacementError, match=r"the 2 devices .* leave"):
        plan(70_553_706_496, LLAMA_70B, "bfloat16", 32768, {0: 80 * GIB, 1: 80 * GIB}, device="cuda:0")


def test_max_memory_budgets_are_read():
    assert parse_max_memory("0=70GiB, 1=70GiB,cpu=1.5GB") == {0: 70 * GIB, 1: 70 * GIB, "cpu": 1_500_000_000}
    with pytest.raises(PlacementError, match="cannot read"):
        parse_max_memory("0=lots")


def test_the_queue_says_whether_a_release_fits_the_runner_and_why_not():
    runner = QueueConfig(runner_memory_gb=80, gpus=8)
    assert runner.fit(7_000_000_000).startswith("fits one 80 GB GPU")
    assert runner.fit(70_000_000_000).startswith("fits across 2 of the runner's 8 x 80 GB GPUs")
    too_big = runner.fit(671_000_000_000)  # DeepSeek-V3 class, bf16: 1250 GiB
    assert "671.0B parameters need 1250 GiB" in too_big and "it would take 19 such GPUs" in too_big
    assert QueueConfig(runner_memory_gb=141, gpus=8).fit(671_000_000_000).endswith("11 such GPUs")


# ---- a dispatched model on CPU: max_memory forces blocks to disk --------------------------


@pytest.fixture(scope="module")
def saved(tok, tmp_path_factory):
    lm = tiny_lm(tok)
    folder = tmp_path_factory.mktemp("tiny-model")
    lm.model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return lm, folder


@pytest.fixture(scope="module")
def dispatched(saved, tmp_path_factory):
    lm, folder = saved
    weights = sum(p.numel() * 4 for p in lm.model.parameters())
    return load_model(
        str(folder),
        device="cpu",
        model_id="tiny/llama",
        max_memory={"cpu": weights // 2},  # embeddings and blocks 0-1 in memory, the rest on disk
        offload_folder=str(tmp_path_factory.mktemp("offload")),
    )


def test_the_dispatched_model_spans_devices_and_its_hook_works(dispatched):
    layer = dispatched.num_layers // 4
    devices = set(dispatched.device_map.values())
    assert devices == {"cpu", "disk"} and dispatched.device_map[f"model.layers.{layer}"] == "disk"
    assert dispatched.placement.dispatched and dispatched.placement.as_dict()["disk_offload"]
    checks = hook_checks(dispatched, layer, "Q: Is the sky blue?\nA: Yes")
    assert checks["hook_logits_change"] and checks["alpha0_identical"] and checks["hook_removed"]


def test_the_dispatched_model_scores_as_the_undispatched_one(saved, dispatched, tok):
    plain, _ = saved
    questions = load_truthfulqa(steering_support_repo() / "data" / "truthfulqa").questions[:3]
    encoder = mc.Encoder(tok, "qa_primer_6shot")
    conditions = [mc.Condition("base", 0, "all"), mc.Condition("steer", 1, "all")]
    requests, _ = mc.build_requests(encoder, questions, conditions)
    vectors = torch.randn(2, plain.hidden_size, generator=torch.Generator().manual_seed(0))
    vectors[0] = 0
    scores = []
    for lm in (plain, dispatched):
        with steering_hook(lm.layers[2]) as steering:
            scores.append(Scorer(lm, steering, batch_size=16).score(requests, vectors))
    assert np.abs(scores[0] - scores[1]).max() < 1e-5
    assert (
        np.abs(
            scores[0][[r.condition == 1 for r in requests]] - scores[0][[r.condition == 0 for r in requests]]
        ).max()
        > 1e-3
    )


def steering_support_repo():
    from steering_support import REPO

    return REPO


@pytest.mark.slow
def test_a_run_on_a_dispatched_model_records_its_device_map(dispatched, tmp_path):
    config = ProtocolConfig(n_questions=8, k_random=1, alpha_grid=(1.0,), neutral_max_tokens=16, n_boot=50)
    result = evaluate(dispatched, steering_project(tmp_path / "p"), config, started_at=NOW)
    assert validate(result) == []
    assert result["run"]["device_map"]["model.layers.2"] == "disk"
    assert result["run"]["memory_plan"]["dispatched"] is True and result["run"]["oom_retries"] == []
    assert result["checks"]["batch_equivalence_dtype"] == "float32"


# ---- CUDA out of memory: the batch is halved, the scores do not change ---------------------


class MemoryLimit:
    """A forward pre-hook that fails the way CUDA does when a batch holds more than `tokens`
    tokens (the cached prefix included), like a device with little free memory."""

    def __init__(self, tokens: int):
        self.tokens, self.refused = tokens, 0

    def __call__(self, module, args, kwargs):
        ids, cache = kwargs["input_ids"], kwargs.get("past_key_values")
        past = cache.get_seq_length() if cache is not None else 0
        if ids.shape[0] * (ids.shape[1] + past) > self.tokens:
            self.refused += 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


@pytest.mark.parametrize("share_prefix", [True, False])
def test_out_of_memory_halves_the_batch_and_is_recorded(tok, share_prefix):
    lm = tiny_lm(tok)
    questions = load_truthfulqa(steering_support_repo() / "data" / "truthfulqa").questions[:2]
    requests, _ = mc.build_requests(
        mc.Encoder(tok, "zero_shot"), questions, [mc.Condition("a", 0, "all"), mc.Condition("b", 1, "all")]
    )
    vectors = torch.randn(2, lm.hidden_size, generator=torch.Generator().manual_seed(0))
    with steering_hook(lm.layers[2]) as steering:
        free = Scorer(lm, steering, batch_size=64, share_prefix=share_prefix).score(requests, vectors)
        limit = MemoryLimit(tokens=120)
        handle = lm.model.register_forward_pre_hook(limit, with_kwargs=True)
        try:
            scorer = Scorer(lm, steering, batch_size=64, share_prefix=share_prefix)
            tight = scorer.score(requests, vectors)
        finally:
            handle.remove()
    assert limit.refused > 0 and len(scorer.oom_log) == limit.refused
    first = scorer.oom_log[0]
    assert first["batch_size"][1] == min(64, first["failed_rows"]) // 2
    assert scorer.batch_size < 64
    assert np.abs(free - tight).max() < 1e-5


def test_a_single_row_that_does_not_fit_is_an_error(tok):
    lm = tiny_lm(tok)
    request = mc.build_requests(
        mc.Encoder(tok, "zero_shot"),
        load_truthfulqa(steering_support_repo() / "data" / "truthfulqa").questions[:1],
        [mc.Condition("a", 0)],
    )[0][:1]
    handle = lm.model.register_forward_pre_hook(MemoryLimit(tokens=2), with_kwargs=True)
    try:
        with steering_hook(lm.layers[2]) as steering, pytest.raises(torch.OutOfMemoryError):
            Scorer(lm, steering, share_prefix=False).score(request, torch.zeros(1, lm.hidden_size))
    finally:
        handle.remove()


def test_a_model_too_big_for_its_budgets_is_refused_before_loading(saved):
    _, folder = saved
    with pytest.raises(ModelLoadError, match="leave") as caught:
        load_model(str(folder), device="cpu", max_memory={"cpu": 1000})
    assert caught.value.kind == "too_big"
