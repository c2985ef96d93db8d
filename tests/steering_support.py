"""Helpers for the steering tests: a consistent result document, a project copy with the shipped
TruthfulQA and neutral text, and tiny random models built from a config (no download)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

from tracker.paths import Paths

REPO = Path(__file__).resolve().parent.parent


def steering_project(root: Path) -> Paths:
    """A project root holding only what the steering code reads: TruthfulQA and the neutral text."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "data" / "truthfulqa", root / "data" / "truthfulqa")
    shutil.copy(REPO / "data" / "neutral.txt", root / "data" / "neutral.txt")
    return Paths(root)


_PASSING = {
    "schema_version": 1,
    "protocol": "steering-v1",
    "protocol_revision": 2,
    "verdict": "PASS",
    "verdict_reasons": ["every PASS condition of STEERING.md section 8 holds"],
    "checks": {
        "hook_logits_change": True,
        "alpha0_identical": True,
        "hook_removed": True,
        "batch_equivalence_max_abs": 1.4e-05,
    },
    "model": {
        "id": "org/name",
        "revision": "0123456789abcdef0123456789abcdef01234567",
        "source": "hub",
        "architecture": "LlamaForCausalLM",
        "num_layers": 30,
        "hidden_size": 576,
        "n_params": 134515008,
        "license": "apache-2.0",
    },
    "run": {
        "dtype": "bfloat16",
        "device": "cuda:0",
        "device_name": "NVIDIA H100 80GB HBM3",
        "started_at": "2026-01-01T00:00:00Z",
        "seed": 0,
        "prompt_format": "qa_primer_6shot",
        "batch_size": 64,
    },
    "data": {
        "dataset": "truthfulqa",
        "commit": "d71c110897f5d31c5d7f309e7bc316c152f6f031",
        "csv_sha256": "b8d8ef1e12f98b4f2a9f47abc9765da0640b182b6c5d9b92f0c1a1f2f1e02e5c",
        "n": 790,
        "folds": 2,
        "fold_sizes": [395, 395],
    },
    "intervention": {
        "layer": 7,
        "layer_rule": "L//4",
        "positions": "last_prompt_token_onward",
        "alpha_grid": [0.05, 0.1, 0.25, 0.5, 1],
        "alpha_per_fold": [0.1, 0.1],
        "r_per_fold": [12.3, 12.1],
        "vector_norm_per_fold": [1.23, 1.21],
        "direction_cosine_between_folds": 0.93,
    },
    "accuracy": {
        "mc1": {"base": 0.3, "steer": 0.5, "neg": 0.2, "paper": 0.3},
        "mc2": {"base": 0.45, "steer": 0.55, "neg": 0.4},
        "binary": {"base": 0.5, "steer": 0.6, "neg": 0.45},
    },
    "effect": {
        "delta": 0.2,
        "delta_ci95": [0.15, 0.25],
        "mcnemar": {"b": 180, "c": 22, "p": 1e-30},
        "E": 0.2 / 0.7,
        "E_ci95": [0.21, 0.36],
        "fix_rate": 180 / 553,
        "break_rate": 22 / 237,
        "delta_minus_neg": 0.3,
        "delta_minus_neg_ci95": [0.25, 0.35],
        "E_claim_in_ci": False,
    },
    "controls": {
        "k": 16,
        "seeds": list(range(1000, 1016)),
        "delta_random": [0.001 * j - 0.008 for j in range(16)],
        "q50": -0.0005,
        "q95": 0.00725,
        "delta_rank": 1.0,
    },
    "side_effects": {
        "kappa": 0.1,
        "kl_steer": [0.05, 0.06],
        "ppl_ratio_steer": [1.04, 1.05],
        "kl_random_median": 0.01,
    },
    "layer_sweep": [],
    "timing": {
        "load_s": 10.0,
        "direction_s": 5.0,
        "scoring_s": 100.0,
        "total_s": 120.0,
        "tokens_scored": 2500,
        "tokens_computed": 1000,
        "tokens_per_s": 10.0,
        "peak_mem_gb": 20.0,
    },
    "software": {
        "python": "3.11.7",
        "torch": "2.13.0",
        "transformers": "5.23.0",
        "cuda": None,
        "gguf": "0.19.0",
        "tracker": "0.1.0",
        "tracker_commit": "89abcdef0123456789abcdef0123456789abcdef",
    },
}


def make_result(**sections: dict) -> dict:
    """A valid, internally consistent PASS result, with the given sections' keys replaced."""
    result = copy.deepcopy(_PASSING)
    for name, values in sections.items():
        if isinstance(result.get(name), dict):
            result[name].update(values)
        else:
            result[name] = values
    return result


def tiny_tokenizer():
    """A byte-level BPE tokenizer trained in memory on TruthfulQA text (no download)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from tracker.steering.data import load_truthfulqa

    questions = load_truthfulqa(REPO / "data" / "truthfulqa").questions
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    core.train_from_iterator([q.question + " " + " ".join(q.all_options) for q in questions], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<eos>", pad_token="<eos>")


def tiny_config(arch: str = "llama", vocab_size: int = 400):
    """A small random-weight configuration of a given architecture family."""
    import transformers as tf

    common = {"vocab_size": vocab_size}
    if arch == "llama":
        return tf.LlamaConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=8,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=1024,
            **common,
        )
    if arch == "gpt2":
        return tf.GPT2Config(n_embd=32, n_layer=4, n_head=4, n_positions=1024, **common)
    if arch == "gpt_neox":
        return tf.GPTNeoXConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=4,
            num_attention_heads=4,
            max_position_embeddings=1024,
            **common,
        )
    if arch == "qwen2":
        return tf.Qwen2Config(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=1024,
            **common,
        )
    if arch == "opt":
        return tf.OPTConfig(
            hidden_size=32,
            ffn_dim=64,
            num_hidden_layers=4,
            num_attention_heads=4,
            max_position_embeddings=1024,
            word_embed_proj_dim=32,
            **common,
        )
    raise ValueError(arch)


def tiny_lm(tokenizer, arch: str = "llama", seed: int = 0):
    """A LoadedModel around a random tiny model of `arch`."""
    import torch
    from transformers import AutoModelForCausalLM

    from tracker.steering.model_io import wrap_model

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(arch, len(tokenizer))).eval()
    return wrap_model(
        model,
        tokenizer,
        "cpu",
        source="local",
        model_id=f"tiny/{arch}",
        revision=f"{seed:040x}",
        license="apache-2.0",
    )
