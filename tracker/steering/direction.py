"""The truth direction and its scale (STEERING.md §4).

d = mean(true) - mean(false) of the last-token output of decoder block l over contrastive
statements, d_hat = d / |d|; r = median L2 norm of the block's outputs over the statements'
tokens (position 0 excluded: it carries massive activations), so alpha is relative to the
model's own residual scale. Statements are batched, right-padded; pads never count.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from tracker.steering.data import Question, statement_for
from tracker.steering.hooks import capture_outputs
from tracker.steering.model_io import ModelLoadError


@dataclass(frozen=True)
class Direction:
    """A unit direction at one layer, with the scale and the raw difference norm."""

    layer: int
    unit: Any  # [H] float32
    r: float
    raw_norm: float
    n_statements: int


def block_activations(lm: Any, layers: list[int], texts: list[str], batch_size: int = 32) -> dict[int, tuple]:
    """Per layer: last-token outputs [n, H] (fp32, in text order) and the per-token norms
    of all non-pad positions >= 1, for texts tokenised with the tokenizer's default specials."""
    import torch  # optional extra `steer`: imported where used

    encoded = [lm.tokenizer(t).input_ids for t in texts]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    last = {layer: [None] * len(texts) for layer in layers}
    norms: dict[int, list] = {layer: [] for layer in layers}
    with torch.inference_mode(), capture_outputs({i: lm.layers[i] for i in layers}) as store:
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            _forward_statements(lm, [encoded[i] for i in rows])
            lengths = torch.tensor([len(encoded[i]) for i in rows])
            for layer in layers:
                out = store[layer].pop().float()
                for k, i in enumerate(rows):
                    last[layer][i] = out[k, lengths[k] - 1].cpu()
                    norms[layer].append(out[k, 1 : lengths[k]].norm(dim=-1).cpu())
    return {layer: (torch.stack(last[layer]), torch.cat(norms[layer])) for layer in layers}


def _forward_statements(lm: Any, seqs: list[list[int]]) -> None:
    import torch  # optional extra `steer`: imported where used

    pad = lm.tokenizer.pad_token_id or 0
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    kwargs = {"logits_to_keep": 1} if "logits_to_keep" in _params(lm.model) else {}
    lm.model(input_ids=ids.to(lm.device), attention_mask=mask.to(lm.device), **kwargs)


def _params(model: Any) -> set[str]:
    return set(inspect.signature(model.forward).parameters)


def contrast(layer: int, true_acts: Any, false_acts: Any, norms: Any) -> Direction:
    """mean(true) - mean(false), unit-normalised, with r = median token norm."""
    diff = true_acts.mean(0) - false_acts.mean(0)
    raw = float(diff.norm())
    if raw == 0.0:
        raise ModelLoadError(
            "unsupported", f"layer {layer}: true and false statements give the same mean activation"
        )
    return Direction(
        layer=layer,
        unit=diff / raw,
        r=float(norms.median()),
        raw_norm=raw,
        n_statements=len(true_acts) + len(false_acts),
    )


def truth_directions(
    lm: Any, layers: list[int], fit: tuple[Question, ...], batch_size: int = 32
) -> dict[int, Direction]:
    """The truth direction at each layer from the fit questions only: for each, the statements
    `Q: {q}\\nA: {Best Answer}` (true) and `... {Best Incorrect Answer}` (false)."""
    import torch  # optional extra `steer`: imported where used

    texts = [statement_for(q.question, q.best) for q in fit]
    texts += [statement_for(q.question, q.best_incorrect) for q in fit]
    acts = block_activations(lm, layers, texts, batch_size)
    n = len(fit)
    return {
        layer: contrast(layer, last[:n], last[n:], torch.as_tensor(norms))
        for layer, (last, norms) in acts.items()
    }


def statement_direction(
    lm: Any, layer: int, true: tuple[str, ...], false: tuple[str, ...], batch_size: int = 32
) -> Direction:
    """A direction from fixed statements (the original tool's 8 + 8, for the paper condition)."""
    last, norms = block_activations(lm, [layer], [*true, *false], batch_size)[layer]
    return contrast(layer, last[: len(true)], last[len(true) :], norms)
