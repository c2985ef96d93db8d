"""The trigger: which new open-weight models get a steering run, and dispatching the GPU workflow.

Reads the scrapers' catalogue (data/hf_models.csv). A model qualifies when it is a base or
instruct causal LM that transformers loads without remote code, at a pinned commit, whose
weights fit the GPU runner's memory (from its parameter count), with its licence recorded.
data/steering/queue.json, keyed `repo_id@sha`, remembers what was dispatched, so a model
revision is never run twice; a failed dispatch is retried on the next run. No torch here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from typing import Any

from tracker.paths import Paths
from tracker.records import ValidationError, format_instant
from tracker.steering import PROTOCOL_REVISION
from tracker.steering.provenance import protocol_revision
from tracker.store import atomic_write_text, read_csv_rows

CATALOGUE_FIELDS = [
    "repo_id",
    "author",
    "sha",
    "created_at",
    "last_modified",
    "first_seen",
    "pipeline_tag",
    "library_name",
    "gated",
    "kind",
    "architecture",
    "n_params",
    "license",
    "steerable",
    "skip_reason",
]
QUEUE_FILE = "queue.json"
GITHUB_API = "https://api.github.com"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class QueueConfig:
    """What the GPU runner can take. Weights in bf16 take 2 bytes per parameter and may use at
    most `headroom` of the card (the rest: activations and caches), as the loader enforces."""

    runner_memory_gb: float = 80.0  # per GPU
    gpus: int = 1  # GPUs of the runner; a model larger than one is dispatched over them
    bytes_per_param: int = 2
    headroom: float = 0.85
    kinds: tuple[str, ...] = ("base", "instruct")
    architectures: frozenset[str] | None = None  # None: any *ForCausalLM (the loader re-checks)
    max_dispatch: int = 5
    workflow: str = "steer.yml"
    ref: str = "main"

    @property
    def params_per_gpu(self) -> int:
        return int(self.runner_memory_gb * 2**30 * self.headroom / self.bytes_per_param)

    @property
    def max_params(self) -> int:
        return self.params_per_gpu * self.gpus

    def runner(self) -> str:
        return f"{self.gpus} x {self.runner_memory_gb:g} GB GPU{'s' if self.gpus > 1 else ''}"

    def fit(self, n_params: int) -> str:
        """Whether bf16 weights of n_params fit the runner, on how many GPUs, and if not why."""
        need = n_params * self.bytes_per_param / 2**30
        if n_params <= self.params_per_gpu:
            return f"fits one {self.runner_memory_gb:g} GB GPU ({need:.0f} GiB of weights)"
        gpus = -(-n_params // self.params_per_gpu)
        if gpus <= self.gpus:
            return (
                f"fits across {gpus} of the runner's {self.runner()} (dispatched, {need:.0f} GiB of weights)"
            )
        return (
            f"{n_params / 1e9:.1f}B parameters need {need:.0f} GiB of weights; the runner's {self.runner()} "
            f"hold {self.max_params / 1e9:.1f}B ({self.headroom:.0%} of each for weights, the rest for "
            f"cache and activations): it would take {gpus} such GPUs"
        )


@dataclass(frozen=True)
class QueueItem:
    repo_id: str
    sha: str
    status: str  # qualifies | skipped | dispatched | dispatch_failed | done
    reason: str = ""
    n_params: int | None = None
    license: str = ""
    kind: str = ""
    architecture: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.repo_id}@{self.sha}"


def supported_architectures() -> frozenset[str] | None:
    """Causal-LM classes transformers ships (no remote code), or None without transformers."""
    try:
        from transformers.models.auto.modeling_auto import (  # optional extra `steer`: imported where used
            MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        )
    except ImportError:
        return None
    return frozenset(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())


def _params(text: str) -> int | None:
    try:
        value = int(float(text))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def skip_reason(row: dict[str, str], config: QueueConfig) -> str:
    """Why a catalogue row does not qualify ("" when it does)."""
    architecture, n_params = row["architecture"].strip(), _params(row["n_params"])
    checks = [
        (row["steerable"].strip().lower() == "false", f"catalogue: {row['skip_reason'] or 'not steerable'}"),
        (
            row["kind"] not in config.kinds,
            f"kind {row['kind'] or 'unknown'} (runs: {', '.join(config.kinds)})",
        ),
        (not _SHA.match(row["sha"].strip()), "no pinned commit sha"),
        (row["gated"].strip().lower() in ("true", "auto", "manual"), "gated repo"),
        (row["library_name"] not in ("", "transformers"), f"library {row['library_name']}, not transformers"),
        (
            not architecture.endswith("ForCausalLM"),
            f"architecture {architecture or 'unknown'} is not a causal LM",
        ),
        (
            config.architectures is not None and architecture not in config.architectures,
            f"architecture {architecture} needs remote code (not in transformers)",
        ),
        (n_params is None, "parameter count unknown"),
        (n_params is not None and n_params > config.max_params, config.fit(n_params or 0)),
        (not row["license"].strip(), "licence not recorded"),
    ]
    return next((reason for failed, reason in checks if failed), "")


def read_catalogue(paths: Paths) -> list[dict[str, str]]:
    """Rows of data/hf_models.csv ([] before the scrapers have written it)."""
    return read_csv_rows(paths.data / "hf_models.csv", CATALOGUE_FIELDS)


def read_queue(paths: Paths) -> dict[str, dict]:
    path = paths.steering / QUEUE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_queue(paths: Paths, queue: dict[str, dict]) -> None:
    atomic_write_text(paths.steering / QUEUE_FILE, json.dumps(queue, indent=1, sort_keys=True) + "\n")


def stored_results(paths: Paths) -> list[dict]:
    """Every result in data/steering/ (the queue file is not a result)."""
    if not paths.steering.exists():
        return []
    out = []
    for path in sorted(paths.steering.glob("*.json")):
        if path.name != QUEUE_FILE:
            out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def _item(row: dict[str, str], status: str, reason: str = "") -> QueueItem:
    return QueueItem(
        repo_id=row["repo_id"],
        sha=row["sha"].strip(),
        status=status,
        reason=reason,
        n_params=_params(row["n_params"]),
        license=row["license"].strip(),
        kind=row["kind"],
        architecture=row["architecture"].strip(),
    )


def review(paths: Paths, config: QueueConfig) -> list[QueueItem]:
    """Every catalogue row with its state: skipped (and why), qualifies, or its queue status."""
    queue, out = read_queue(paths), []
    newest: dict[str, int] = {}  # key -> newest protocol revision of its stored results
    for r in stored_results(paths):
        key = f"{r['model']['id']}@{r['model']['revision']}"
        newest[key] = max(newest.get(key, 0), protocol_revision(r))
    for row in read_catalogue(paths):
        key = f"{row['repo_id']}@{row['sha'].strip()}"
        reason = skip_reason(row, config)
        entry = queue.get(key, {})
        if newest.get(key, 0) >= PROTOCOL_REVISION:
            out.append(_item(row, "done", "result stored"))
        elif entry.get("status") == "dispatched" and entry.get("protocol_revision", 1) >= PROTOCOL_REVISION:
            out.append(_item(row, "dispatched", entry.get("error", "")))
        elif key in newest or entry.get("status") in ("dispatched", "done"):
            # a result (or a dispatch) of older protocol code: run again with the current code
            what = "stale result" if key in newest else "dispatched"
            stale = f"{what} by protocol revision {newest.get(key, 1)} code (current {PROTOCOL_REVISION})"
            out.append(_item(row, "skipped" if reason else "qualifies", reason or f"re-run: {stale}"))
        else:
            fit = config.fit(_params(row["n_params"]) or 0)
            out.append(_item(row, "skipped", reason) if reason else _item(row, "qualifies", fit))
    return out


def plan(paths: Paths, config: QueueConfig) -> list[QueueItem]:
    """The models to run now: qualifying, never dispatched for this revision, at most max_dispatch."""
    return [item for item in review(paths, config) if item.status == "qualifies"][: config.max_dispatch]


def _api_url(client: Any, path: str) -> str:
    """Relative to the client's base URL when it has one (tests: a local server), else GitHub's."""
    host = getattr(getattr(client, "base_url", None), "host", "")
    return path if host else GITHUB_API + path


def _post(client: Any, repo: str, token: str, item: QueueItem, config: QueueConfig) -> tuple[int, str]:
    response = client.post(
        _api_url(client, f"/repos/{repo}/actions/workflows/{config.workflow}/dispatches"),
        json={"ref": config.ref, "inputs": {"model": item.repo_id, "revision": item.sha}},
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    return response.status_code, "" if response.status_code == 204 else response.text[:200]


def dispatch(
    paths: Paths,
    items: list[QueueItem],
    client: Any,
    repo: str,
    token: str,
    now: dt.datetime,
    config: QueueConfig | None = None,
) -> list[QueueItem]:
    """POST a workflow_dispatch of steer.yml (inputs model, revision) for each item, recording each
    outcome in queue.json as it happens, so a crash never causes a second dispatch."""
    config = config or QueueConfig()
    done = []
    for item in items:
        try:
            code, error = _post(client, repo, token, item, config)
        except Exception as exc:  # network failure: recorded, retried next run
            code, error = 0, f"{type(exc).__name__}: {exc}"[:200]
        status = "dispatched" if code == 204 else "dispatch_failed"
        entry = {
            **{k: v for k, v in asdict(item).items() if k not in ("status", "reason", "extra")},
            "status": status,
            "protocol_revision": PROTOCOL_REVISION,
            "dispatched_at": format_instant(now),
            "http_status": code,
            "error": error,
        }
        queue = read_queue(paths)
        queue[item.key] = entry
        write_queue(paths, queue)
        done.append(QueueItem(**{**asdict(item), "status": status, "reason": error}))
    return done


def load_config(paths: Paths, *, architectures: bool = True) -> QueueConfig:
    """The runner's limits: data/steering/runner.toml if present (runner_memory_gb per GPU, gpus,
    max_dispatch, kinds, workflow, ref), defaults otherwise; architectures from the installed transformers
    (`architectures=False` skips that import, seconds with torch: the caller can check first
    whether any model qualifies at all)."""
    path = paths.steering / "runner.toml"
    values = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known = {"runner_memory_gb", "gpus", "bytes_per_param", "headroom", "max_dispatch", "workflow", "ref"}
    unknown = set(values) - known - {"kinds"}
    if unknown:
        raise ValidationError("keys", f"unknown keys {', '.join(sorted(unknown))}", source=str(path))
    kinds = tuple(values.get("kinds", QueueConfig.kinds))
    return QueueConfig(
        **{k: v for k, v in values.items() if k in known},
        kinds=kinds,
        architectures=supported_architectures() if architectures else None,
    )
