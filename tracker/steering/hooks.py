"""Steering and capture hooks on one decoder block (STEERING.md §4, §10 trap).

Steering is a forward hook that returns `output + v` (a new tensor), with one vector per batch
row and a mask that says which positions receive it. It is verified with logits only: in
transformers 5.x, `output_hidden_states` may record a block's output before a later-registered
hook has changed it, so hidden states would say "no change" while the logits do change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _hidden(output: Any) -> Any:
    """Blocks return a tensor (transformers 5.x) or a tuple whose first item is the residual."""
    return output[0] if isinstance(output, tuple) else output


def _replace_hidden(output: Any, hidden: Any) -> Any:
    return (hidden, *output[1:]) if isinstance(output, tuple) else hidden


class Steering:
    """The vectors a block adds to its output: `vectors` [B, H], `mask` [B, T] (1 = add here).

    With no vectors set the hook returns None, which leaves the output untouched; a zero
    vector adds exact zeros, so alpha = 0 is bit-identical to the un-hooked model.
    """

    def __init__(self) -> None:
        self.vectors: Any = None
        self.mask: Any = None
        self.handle: Any = None  # the RemovableHandle of this hook while it is installed

    def set(self, vectors: Any, mask: Any) -> None:
        self.vectors, self.mask = vectors, mask

    def clear(self) -> None:
        self.vectors = self.mask = None

    def __call__(self, module: Any, args: Any, output: Any) -> Any:
        if self.vectors is None:
            return None
        hidden = _hidden(output)
        mask = self.mask.to(device=hidden.device, dtype=hidden.dtype)
        vectors = self.vectors.to(device=hidden.device, dtype=hidden.dtype)
        return _replace_hidden(output, hidden + mask[..., None] * vectors[:, None, :])


@contextmanager
def steering_hook(block: Any) -> Iterator[Steering]:
    """Install a Steering hook on `block` for the duration of the block, removed even on error."""
    steering = Steering()
    steering.handle = block.register_forward_hook(steering)
    try:
        yield steering
    finally:
        steering.handle.remove()
        steering.clear()


@contextmanager
def capture_outputs(blocks: dict[int, Any]) -> Iterator[dict[int, list]]:
    """Record the outputs of the given blocks (layer -> list of tensors, one per forward)."""
    store: dict[int, list] = {layer: [] for layer in blocks}
    handles = []
    try:
        for layer, block in blocks.items():
            handles.append(
                block.register_forward_hook(
                    lambda module, args, output, layer=layer: store[layer].append(_hidden(output).detach())
                )
            )
        yield store
    finally:
        for handle in handles:
            handle.remove()


def hook_checks(lm: Any, layer: int, text: str) -> dict:
    """Logit-level proof that the hook works: a vector changes the logits, a zero vector and a
    removed hook leave them bit-identical. Returns the §9 `checks` fields.

    Removal is checked on this hook's own handle: other forward hooks on the block are not ours
    to judge (transformers leaves one on every block after any `output_hidden_states` call)."""
    import torch  # optional extra `steer`: imported where used

    model, tok = lm.model, lm.tokenizer
    batch = tok(text, return_tensors="pt").to(lm.device)
    probe = torch.ones(1, lm.hidden_size, device=lm.device)
    with torch.inference_mode():
        before = model(**batch).logits
        with steering_hook(lm.layers[layer]) as steering:
            handle = steering.handle
            steering.set(probe, torch.ones_like(batch.input_ids))
            steered = model(**batch).logits
            steering.set(torch.zeros_like(probe), torch.ones_like(batch.input_ids))
            zero = model(**batch).logits
        after = model(**batch).logits
    change = float((steered - before).abs().max())
    return {
        "hook_logits_change": change > 0,
        "alpha0_identical": bool(torch.equal(zero, before)),
        "hook_removed": bool(torch.equal(after, before)) and handle.id not in lm.layers[layer]._forward_hooks,
        "hook_max_abs_logit_change": change,
    }
