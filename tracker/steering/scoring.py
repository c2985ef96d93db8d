"""Teacher-forced log-likelihood of continuations, batched (STEERING.md §3, §10).

A request is (prompt ids, continuation ids, condition): its score is the sum of the log-probs of
the continuation tokens, with the condition's steering vector added from the last prompt token
onward. Two exact paths compute it:

- `plain`: whole sequences, right-padded with an attention mask and sorted by length, so
  positions equal the one-at-a-time ones and causal attention makes padded rows exact;
- `shared prefix` (default): all options and conditions of one question share the prompt; the
  prompt minus its last token is never steered (§4 positions), so its key/value cache is
  computed once per question and every row only runs the last prompt token and the
  continuation. With the 6-shot primer that is ~20x fewer tokens per condition.

Both are checked against one-at-a-time scoring at the start of a run (§8 ERROR rule).
"""

from __future__ import annotations

import copy
import inspect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Request:
    prompt: tuple[int, ...]
    continuation: tuple[int, ...]
    condition: int  # row of the vectors table (a zero row = no steering)


@dataclass
class TokenCount:
    """Tokens scored (prompt + continuation of every request) and tokens actually run."""

    scored: int = 0
    computed: int = 0


def token_logprobs(logits: Any, targets: Any, chunk: int = 2048) -> Any:
    """log p(target) per row of `logits` [M, V], in fp32, a chunk of rows at a time (memory)."""
    import torch  # optional extra `steer`: imported where used

    out = []
    for start in range(0, logits.shape[0], chunk):
        rows = logits[start : start + chunk].float()
        picked = rows.gather(-1, targets[start : start + chunk, None])[:, 0]
        out.append(picked - torch.logsumexp(rows, dim=-1))
    return torch.cat(out) if out else logits.new_zeros(0, dtype=torch.float32)


def _accepts(model: Any, name: str) -> bool:
    return name in inspect.signature(model.forward).parameters


class Scorer:
    """Scores requests with one model and one installed Steering hook."""

    def __init__(
        self,
        lm: Any,
        steering: Any,
        *,
        batch_size: int = 64,
        batch_tokens: int = 8192,
        share_prefix: bool = True,
        tokens: TokenCount | None = None,
        oom_log: list[dict] | None = None,
    ):
        self.lm, self.steering = lm, steering
        self.batch_size, self.batch_tokens, self.share_prefix = batch_size, batch_tokens, share_prefix
        self.tokens = tokens if tokens is not None else TokenCount()
        self.oom_log = oom_log if oom_log is not None else []  # one entry per halving, for the result
        self._logits_to_keep = _accepts(lm.model, "logits_to_keep")

    def score(self, requests: list[Request], vectors: Any) -> np.ndarray:
        """Sum of continuation log-probs per request, in request order."""
        out = np.zeros(len(requests), dtype=np.float64)
        if self.share_prefix:
            groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
            for i, request in enumerate(requests):
                groups[request.prompt].append(i)
            for prompt, members in groups.items():
                self._score_group(prompt, members, requests, vectors, out)
        else:
            self._score_plain(list(range(len(requests))), requests, vectors, out)
        self.steering.clear()
        self.tokens.scored += sum(len(r.prompt) + len(r.continuation) for r in requests)
        return out

    def _next_chunk(self, pending: list[int], width: Any) -> list[int]:
        """The first chunk of `pending` (sorted by width): at most batch_size rows and
        batch_tokens tokens, where a row costs width(i) tokens (with a shared prefix, the cached
        prefix counts: attention reads it); always at least one row."""
        chunk = pending[:1]
        for i in pending[1:]:
            if len(chunk) >= self.batch_size or (len(chunk) + 1) * width(i) > self.batch_tokens:
                break
            chunk.append(i)
        return chunk

    def _run_chunks(self, members: list[int], width: Any, run: Any) -> None:
        """run(chunk) over length-sorted chunks of `members`. On CUDA out of memory the batch
        limits are halved (recorded in oom_log) and the chunk is retried with the new limits;
        a single row that does not fit is raised."""
        import torch  # optional extra `steer`: imported where used

        pending = sorted(members, key=width)
        while pending:
            chunk = self._next_chunk(pending, width)
            try:
                run(chunk)
            except torch.OutOfMemoryError:
                if len(chunk) == 1:
                    raise
                self._halve(len(chunk), width(chunk[-1]))
                continue
            pending = pending[len(chunk) :]

    def _halve(self, rows: int, width: int) -> None:
        import torch  # optional extra `steer`: imported where used

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        entry: dict[str, Any] = {
            "failed_rows": rows,
            "failed_tokens": rows * width,
            "batch_size": [self.batch_size, max(1, min(self.batch_size, rows) // 2)],
            "batch_tokens": [self.batch_tokens, max(1, min(self.batch_tokens, rows * width) // 2)],
        }
        self.batch_size, self.batch_tokens = entry["batch_size"][1], entry["batch_tokens"][1]
        self.oom_log.append(entry)

    def _prefix_cache(self, prefix: tuple[int, ...]) -> Any:
        """Key/value cache of the un-steered prefix (steering idle: it only acts from the last
        prompt token on, and causal attention keeps the prefix independent of what follows)."""
        import torch  # optional extra `steer`: imported where used
        from transformers import DynamicCache  # optional extra `steer`: imported where used

        self.steering.clear()
        ids = torch.tensor([prefix], device=self.lm.device)
        kwargs = {"logits_to_keep": 1} if self._logits_to_keep else {}
        cache = DynamicCache(config=self.lm.model.config)
        out = self.lm.model(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            past_key_values=cache,
            use_cache=True,
            **kwargs,
        )
        self.tokens.computed += len(prefix)
        return out.past_key_values

    def _score_group(
        self,
        prompt: tuple[int, ...],
        members: list[int],
        requests: list[Request],
        vectors: Any,
        out: np.ndarray,
    ) -> None:
        import torch  # optional extra `steer`: imported where used

        prefix = prompt[:-1]
        with torch.inference_mode():
            cache = self._prefix_cache(prefix) if prefix else None

            def run(chunk: list[int]) -> None:
                suffixes = [(prompt[-1], *requests[i].continuation) for i in chunk]
                conditions = [requests[i].condition for i in chunk]
                out[chunk] = self._forward_suffix(suffixes, conditions, vectors, cache, len(prefix))

            self._run_chunks(members, lambda i: len(prompt) + len(requests[i].continuation), run)

    def _forward_suffix(
        self, suffixes: list[tuple[int, ...]], conditions: list[int], vectors: Any, cache: Any, offset: int
    ) -> np.ndarray:
        """Rows = last prompt token + continuation, after `offset` cached prefix tokens."""
        import torch  # optional extra `steer`: imported where used

        device, n = self.lm.device, len(suffixes)
        width = max(len(s) for s in suffixes)
        ids, mask = _pad(suffixes, width, self._pad_id(), device)
        kwargs: dict[str, Any] = {
            "position_ids": torch.arange(offset, offset + width, device=device).expand(n, -1)
        }
        if cache is not None:
            kwargs["past_key_values"] = _repeat_cache(cache, n)
            mask_full = torch.cat([torch.ones(n, offset, dtype=mask.dtype, device=device), mask], dim=1)
        else:
            mask_full = mask
        self.steering.set(vectors[conditions], mask)
        logits = self.lm.model(
            input_ids=ids, attention_mask=mask_full, use_cache=cache is not None, **kwargs
        ).logits
        self.tokens.computed += int(mask.sum())
        # position j predicts suffix token j+1, i.e. continuation token j
        # a model dispatched over several devices returns logits on the last one
        wanted, ids = mask[:, 1:].bool().to(logits.device), ids.to(logits.device)
        lp = token_logprobs(logits[:, :-1][wanted], ids[:, 1:][wanted])
        return _row_sums(lp, wanted)

    def _score_plain(
        self, members: list[int], requests: list[Request], vectors: Any, out: np.ndarray
    ) -> None:
        import torch  # optional extra `steer`: imported where used

        def run(chunk: list[int]) -> None:
            out[chunk] = self._forward_plain([requests[i] for i in chunk], vectors)

        with torch.inference_mode():
            self._run_chunks(members, lambda i: len(requests[i].prompt) + len(requests[i].continuation), run)

    def _forward_plain(self, batch: list[Request], vectors: Any) -> np.ndarray:
        import torch  # optional extra `steer`: imported where used

        device = self.lm.device
        seqs = [(*r.prompt, *r.continuation) for r in batch]
        width = max(len(s) for s in seqs)
        ids, mask = _pad(seqs, width, self._pad_id(), device)
        steer_mask = torch.zeros_like(mask)
        target = torch.zeros_like(mask, dtype=torch.bool)
        for row, r in enumerate(batch):
            steer_mask[row, len(r.prompt) - 1 : len(seqs[row])] = 1
            target[row, len(r.prompt) : len(seqs[row])] = True
        first = min(len(r.prompt) for r in batch) - 1  # logits needed from here on only
        kwargs = (
            {"logits_to_keep": torch.arange(first, width - 1, device=device)} if self._logits_to_keep else {}
        )
        self.steering.set(vectors[[r.condition for r in batch]], steer_mask)
        logits = self.lm.model(input_ids=ids, attention_mask=mask, **kwargs).logits
        if not self._logits_to_keep:
            logits = logits[:, first : width - 1]
        self.tokens.computed += int(mask.sum())
        wanted, ids = target[:, first + 1 :].to(logits.device), ids.to(logits.device)
        lp = token_logprobs(logits[wanted], ids[:, first + 1 :][wanted])
        return _row_sums(lp, wanted)

    def _pad_id(self) -> int:
        pad = self.lm.tokenizer.pad_token_id
        return 0 if pad is None else int(pad)


def _pad(seqs: list[tuple[int, ...]], width: int, pad_id: int, device: Any) -> tuple[Any, Any]:
    """Right-padded ids and the attention mask (right padding keeps positions unchanged)."""
    import torch  # optional extra `steer`: imported where used

    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def _repeat_cache(cache: Any, n: int) -> Any:
    """A private copy of the prefix cache with the batch dimension repeated n times."""
    fresh = copy.deepcopy(cache)
    fresh.batch_repeat_interleave(n)
    return fresh


def _row_sums(logprobs: Any, wanted: Any) -> np.ndarray:
    """Sum the flat per-token log-probs back into one number per row."""
    import torch  # optional extra `steer`: imported where used

    rows = torch.arange(wanted.shape[0], device=wanted.device)[:, None].expand_as(wanted)[wanted]
    sums = torch.zeros(wanted.shape[0], dtype=torch.float64, device=wanted.device)
    sums.index_add_(0, rows, logprobs.double())
    return sums.cpu().numpy()
