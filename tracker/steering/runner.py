"""One steering regression, end to end: load the model, run the protocol, decide, and build the
§9 result (model, run, software and timing fields around the protocol's numbers)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import resource
import sys
import time
from pathlib import Path

from tracker.paths import Paths
from tracker.records import format_instant
from tracker.steering import PROTOCOL, PROTOCOL_REVISION, SCHEMA_VERSION
from tracker.steering.data import load_neutral, load_truthfulqa
from tracker.steering.model_io import LoadedModel, dtype_name, load_model
from tracker.steering.protocol import Progress, Protocol, ProtocolConfig
from tracker.steering.provenance import code_commit
from tracker.steering.result import E_CLAIM, E_MIN, MIN_K, MIN_N, decide

FULL = ProtocolConfig()
SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the checkout that holds this code


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def software() -> dict:
    """Versions of everything that can change a number, and the project's own commit."""
    import torch  # optional extra `steer`: imported where used

    code = code_commit(SOURCE_ROOT)
    return {
        "tracker_commit": code["commit"],
        "tracker_dirty": code["dirty"],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": _version("transformers"),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "gguf": _version("gguf"),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "tracker": _version("cape-tracker") or "0.1.0",
    }


def reductions(config: ProtocolConfig, n_available: int) -> list[str]:
    """How a run departs from the full protocol (empty for a full run)."""
    out = []
    if config.n_questions is not None and config.n_questions < n_available:
        out.append(f"N = {config.n_questions} of {n_available} questions")
    if config.k_random < MIN_K:
        out.append(f"K = {config.k_random} random directions (protocol minimum {MIN_K})")
    if config.prompt_format != FULL.prompt_format:
        out.append(f"prompt format {config.prompt_format} (protocol: {FULL.prompt_format})")
    if tuple(config.alpha_grid) != FULL.alpha_grid:
        out.append(f"alpha grid {list(config.alpha_grid)} (protocol: {list(FULL.alpha_grid)})")
    if config.neutral_max_tokens is not None:
        out.append(f"neutral text cut to {config.neutral_max_tokens} tokens")
    if config.n_boot < FULL.n_boot:
        out.append(f"{config.n_boot} bootstrap resamples (protocol: {FULL.n_boot})")
    return out


def _device_name(device: str, device_map: dict | None = None) -> str:
    import torch  # optional extra `steer`: imported where used

    gpus = sorted({d for d in (device_map or {}).values() if d.startswith("cuda")})
    if len(gpus) > 1:
        return f"{len(gpus)} x {torch.cuda.get_device_name(torch.device(gpus[0]))}"
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def _peak_memory_gb(device: str) -> float:
    import torch  # optional extra `steer`: imported where used

    if device.startswith("cuda"):  # every GPU: a dispatched model spreads over them
        return sum(torch.cuda.max_memory_allocated(i) for i in range(torch.cuda.device_count())) / 2**30
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**30


def run_section(lm: LoadedModel, config: ProtocolConfig, started_at: dt.datetime, n_available: int) -> dict:
    changes = reductions(config, n_available)
    return {
        "dtype": dtype_name(lm.dtype),
        "device": lm.device,
        "device_name": _device_name(lm.device, lm.device_map),
        "started_at": format_instant(started_at),
        "seed": config.seed,
        "prompt_format": config.prompt_format,
        "batch_size": config.batch_size,
        "batch_tokens": config.batch_tokens,
        "shared_prefix": config.share_prefix,
        "protocol_variant": "reduced" if changes else "full",
        "reductions": changes,
    }


def evaluate(
    lm: LoadedModel,
    paths: Paths,
    config: ProtocolConfig,
    *,
    started_at: dt.datetime,
    load_s: float = 0.0,
    progress: Progress | None = None,
) -> dict:
    """The protocol on an already loaded model, as a complete, decided §9 result."""
    t0 = time.perf_counter()
    dataset = load_truthfulqa(paths.data / "truthfulqa")
    measured = Protocol(lm, dataset, load_neutral(paths.data / "neutral.txt"), config, progress).run()
    timing = measured.pop("timing")
    timing.update(
        load_s=round(load_s, 3),
        total_s=round(load_s + time.perf_counter() - t0, 3),
        # tokens the model actually ran (a cached prefix runs once per question), per second of
        # scoring; the tokens the requests span, had each been run whole, are reported apart
        tokens_per_s=round(timing["tokens_computed"] / max(timing.get("scoring_s", 0.0), 1e-9), 1),
        scored_tokens_per_s=round(timing["tokens_scored"] / max(timing.get("scoring_s", 0.0), 1e-9), 1),
        peak_mem_gb=round(_peak_memory_gb(lm.device), 3),
    )
    timing.setdefault("direction_s", 0.0)
    timing.setdefault("scoring_s", 0.0)
    memory = measured.pop("memory")
    run_ = run_section(lm, config, started_at, len(dataset.questions))
    run_["shared_prefix"] = config.share_prefix and "shared_prefix_error" not in measured["checks"]
    run_["oom_retries"] = memory["oom_retries"]  # each CUDA out-of-memory: the batch limits halved
    if memory["oom_retries"]:
        run_["final_batch_size"], run_["final_batch_tokens"] = memory["batch_size"], memory["batch_tokens"]
    run_["device_map"] = lm.device_map
    if lm.placement is not None:
        run_["memory_plan"] = lm.placement.as_dict()
    result = {
        "schema_version": SCHEMA_VERSION,
        "protocol": PROTOCOL,
        "protocol_revision": PROTOCOL_REVISION,
        "verdict": "ERROR",
        "verdict_reasons": [],
        "model": dict(lm.info),
        "run": run_,
        **measured,
        "timing": timing,
        "software": software(),
    }
    decision = decide(result)
    result.update(
        verdict=decision.verdict,
        verdict_reasons=decision.reasons,
        decision={
            "rule": "STEERING.md section 8",
            "E_claim": E_CLAIM,
            "E_min": E_MIN,
            "min_n": MIN_N,
            "min_k": MIN_K,
            "sub_checks": decision.sub_checks,
        },
    )
    return result


def run(
    spec: str,
    paths: Paths,
    config: ProtocolConfig,
    *,
    revision: str | None = None,
    device: str | None = None,
    dtype: str | None = None,
    model_id: str | None = None,
    license: str = "",
    now: dt.datetime,
    progress: Progress | None = None,
    max_memory: dict | None = None,
    offload_folder: str | None = None,
) -> dict:
    """Load `spec` (Hub id, folder, .gguf or pkg:NAME) and run the regression on it."""
    t0 = time.perf_counter()
    lm = load_model(
        spec,
        revision=revision,
        device=device,
        dtype=dtype,
        model_id=model_id,
        license=license,
        batch_tokens=config.batch_tokens,
        max_memory=max_memory,
        offload_folder=offload_folder,
    )
    return evaluate(lm, paths, config, started_at=now, load_s=time.perf_counter() - t0, progress=progress)
