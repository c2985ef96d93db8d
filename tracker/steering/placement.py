"""Where a model's weights go and whether they fit, decided before any weight is read.

A run needs the weights plus, while scoring, the key/value cache of a full batch (the batch token
budget counts the cached prefix each row attends to) and the activations of a forward pass
(block intermediates and the logits of the scored positions, the log-softmax in fp32).
One device is used when all of that fits it; otherwise, with several GPUs (or an explicit
`max_memory`), the model is dispatched across them by accelerate's big-model placement
(`device_map="auto"`), each device keeping room for its share of the work, and the result
records the device map. Disk offload is allowed only with an `offload_folder`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

MARGIN = 0.95  # share of a device's free memory a run plans to use (allocator fragmentation)
LOGIT_CHUNK = 2048  # rows of logits turned into fp32 log-probs at a time (scoring.token_logprobs)


class PlacementError(ValueError):
    """The model cannot be placed on the devices at hand; the message says how far it is off."""


def dtype_bytes(dtype: Any) -> int:
    return {"float32": 4, "bfloat16": 2, "float16": 2}[str(dtype).removeprefix("torch.")]


def work_bytes(config: Any, bytes_per_value: int, batch_tokens: int) -> dict[str, int]:
    """Key/value cache and activations of one forward pass over `batch_tokens` tokens."""
    layers = config.num_hidden_layers
    hidden = config.hidden_size
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    inter = getattr(config, "intermediate_size", None) or 4 * hidden
    vocab = config.vocab_size
    kv = 2 * layers * kv_heads * head_dim * bytes_per_value * batch_tokens
    blocks = batch_tokens * (4 * hidden + 3 * inter) * bytes_per_value
    logits = batch_tokens * vocab * bytes_per_value + 2 * min(batch_tokens, LOGIT_CHUNK) * vocab * 4
    return {"kv_cache": kv, "activations": blocks + logits}


@dataclass(frozen=True)
class Placement:
    """One device, or a dispatch over several with per-device budgets for the weights."""

    device: str  # where inputs go (the first device of a dispatch)
    weights: int
    kv_cache: int
    activations: int
    capacity: int  # planned bytes over every device used (disk not counted)
    max_memory: dict[Any, int] | None = None  # accelerate budgets (for weights) per device
    offload_folder: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def dispatched(self) -> bool:
        return self.max_memory is not None

    def as_dict(self) -> dict:
        gib = 2**30
        out: dict[str, Any] = {
            "weights_gb": round(self.weights / gib, 3),
            "kv_cache_gb": round(self.kv_cache / gib, 3),
            "activations_gb": round(self.activations / gib, 3),
            "capacity_gb": round(self.capacity / gib, 3),
            "dispatched": self.dispatched,
        }
        if self.max_memory is not None:
            out["max_memory_gb"] = {str(k): round(v / gib, 3) for k, v in self.max_memory.items()}
        if self.offload_folder:
            out["disk_offload"] = True
        return out


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def plan(
    n_params: int,
    config: Any,
    dtype: str,
    batch_tokens: int,
    free: dict[Any, int],
    *,
    device: str,
    explicit: bool = False,
    offload_folder: str | None = None,
) -> Placement:
    """Place a model of `n_params` on the devices with `free` bytes (keys: GPU indices, "cpu").

    `explicit`: `free` are budgets the user gave (`max_memory`), dispatch over them as given.
    Otherwise one device when weights + work fit it, else dispatch over every GPU in `free`,
    each keeping room for the work."""
    bytes_per_value = dtype_bytes(dtype)
    weights = n_params * bytes_per_value
    work = work_bytes(config, bytes_per_value, batch_tokens)
    need_work = work["kv_cache"] + work["activations"]
    head = (
        f"{n_params / 1e9:.2f}B parameters need {_gib(weights)} in {dtype} for weights + {_gib(need_work)} for "
        f"the key/value cache and activations of a {batch_tokens}-token batch"
    )
    devices = list(free)
    if not explicit and len(devices) == 1:
        have = int(MARGIN * free[devices[0]])
        if weights + need_work > have:
            raise PlacementError(
                f"{head}; {device} has {_gib(free[devices[0]])} free (plans on {MARGIN:.0%})"
            )
        return Placement(device, weights, work["kv_cache"], work["activations"], have)
    if not explicit:
        first = int(MARGIN * free[devices[0]])
        if weights + need_work <= first:  # fits the first GPU: no dispatch
            return Placement(device, weights, work["kv_cache"], work["activations"], first)
    budgets = {d: int(MARGIN * f) - (0 if explicit else need_work) for d, f in free.items()}
    budgets = {d: b for d, b in budgets.items() if b > 0}
    capacity = sum(budgets.values())
    if weights > capacity and not offload_folder:
        raise PlacementError(
            f"{head}; the {len(free)} devices ({', '.join(f'{d}: {_gib(f)}' for d, f in free.items())}) "
            f"leave {_gib(capacity)} for weights"
        )
    first_device = devices[0]
    entry = f"cuda:{first_device}" if isinstance(first_device, int) else "cpu"
    notes = [f"dispatched over {len(budgets)} device(s)"] + (
        [f"{_gib(weights - capacity)} offloaded to disk"] if weights > capacity else []
    )
    return Placement(
        entry,
        weights,
        work["kv_cache"],
        work["activations"],
        capacity + (0 if explicit else need_work * len(budgets)),
        max_memory=budgets,
        offload_folder=offload_folder,
        notes=notes,
    )


def parse_max_memory(text: str) -> dict[Any, int]:
    """`0=70GiB,1=70GiB,cpu=200GiB` -> {0: ..., 1: ..., "cpu": ...} in bytes."""
    units = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}
    out: dict[Any, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", value)
        if not key.strip() or match is None or match.group(2).lower() not in units:
            raise PlacementError(f"--max-memory: cannot read {part!r} (use e.g. 0=70GiB,cpu=200GiB)")
        amount = float(match.group(1)) * units[match.group(2).lower()]
        if not math.isfinite(amount) or amount <= 0:
            raise PlacementError(f"--max-memory: {part!r} is not a positive size")
        out[int(key) if key.strip().isdigit() else key.strip()] = int(amount)
    return out
