"""Side effects on neutral text (STEERING.md §7): with a condition's vector at every position,
the mean per-token KL(p_base || p_steered) of the next-token distribution, in nats, and the
perplexity ratio. The text is cut into windows that fit any context; the base distribution of
a window is computed once and every condition is compared with it, a few at a time (memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SideEffect:
    kl: float
    ppl_ratio: float


def special_prefix(tokenizer: Any, text: str) -> list[int]:
    """The ids the tokenizer puts before any text by default (BOS for Llama-3, Gemma, Mistral;
    nothing for GPT-2 or SmolLM2): what the model sees at the start of every prompt."""
    plain = tokenizer(text, add_special_tokens=False).input_ids
    full = tokenizer(text).input_ids
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return list(full[:start])
    raise ValueError("the tokenizer's special tokens change the text's own tokens: cannot find its prefix")


def neutral_windows(tokenizer: Any, text: str, window: int, max_tokens: int | None = None) -> list[list[int]]:
    """The neutral text's token ids cut into consecutive windows of at most `window` tokens, each
    starting with the tokenizer's default special prefix, as the model sees any text (the
    prompts and direction statements are tokenised the same way). `max_tokens` counts text
    tokens only."""
    prefix = special_prefix(tokenizer, text)
    ids = tokenizer(text, add_special_tokens=False).input_ids
    if max_tokens is not None:
        ids = ids[:max_tokens]
    step = window - len(prefix)
    if step < 2:
        raise ValueError(f"window of {window} tokens leaves no room after {len(prefix)} special tokens")
    return [
        prefix + ids[i : i + step] for i in range(0, len(ids), step) if len(prefix + ids[i : i + step]) > 1
    ]


def side_effects(
    lm: Any, steering: Any, windows: list[list[int]], vectors: Any, rows_per_pass: int = 4
) -> list[SideEffect]:
    """KL and perplexity ratio for each row of `vectors` [C, H], pooled over all windows."""
    import torch  # optional extra `steer`: imported where used

    n_cond = vectors.shape[0]
    kl_sum, nll_sum = torch.zeros(n_cond, dtype=torch.float64), torch.zeros(n_cond, dtype=torch.float64)
    base_nll, n_tokens, n_targets = 0.0, 0, 0
    with torch.inference_mode():
        for window in windows:
            ids = torch.tensor([window], device=lm.device)
            steering.clear()
            base = torch.log_softmax(lm.model(input_ids=ids).logits[0].float(), -1)
            targets = ids[0, 1:, None].to(base.device)  # logits come from the last device of a dispatch
            base_nll += float(-base[:-1].gather(-1, targets).sum())
            for start in range(0, n_cond, rows_per_pass):
                rows = vectors[start : start + rows_per_pass]
                kl, nll = _window_stats(lm, steering, ids, rows, base, targets)
                kl_sum[start : start + len(rows)] += kl
                nll_sum[start : start + len(rows)] += nll
            n_tokens += len(window)
            n_targets += len(window) - 1
    steering.clear()
    ratio = torch.exp(nll_sum / n_targets - base_nll / n_targets)
    return [SideEffect(kl=float(kl_sum[c] / n_tokens), ppl_ratio=float(ratio[c])) for c in range(n_cond)]


def _window_stats(lm: Any, steering: Any, ids: Any, rows: Any, base: Any, targets: Any) -> tuple[Any, Any]:
    """Summed KL over positions and summed NLL of the next tokens, per steered row."""
    import torch  # optional extra `steer`: imported where used

    n = rows.shape[0]
    batch = ids.expand(n, -1)
    steering.set(rows, torch.ones_like(batch))
    steered = torch.log_softmax(lm.model(input_ids=batch).logits.float(), -1)
    kl = (base.exp()[None] * (base[None] - steered)).sum(-1).sum(-1)
    nll = -steered[:, :-1].gather(-1, targets[None].expand(n, -1, -1)).sum((1, 2))
    return kl.double().cpu(), nll.double().cpu()
