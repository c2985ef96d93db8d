"""Where a steering result comes from, and whether it may stand as a model's verdict. Pure
Python except `code_commit`, which asks git at the edge.

A result stands as the verdict of a Hub model revision only if it ran that model's own weights
(source `hub`), on the full protocol, with the current protocol revision. A converted or
quantised copy (the packaged SmolLM2 Q4_1 GGUF), a reduced run or a run of older protocol code is
kept and shown, labelled for what it is, never as the Hub model's verdict.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tracker.steering import PROTOCOL_REVISION

_SHA = re.compile(r"^[0-9a-f]{40}$")


def protocol_revision(result: dict) -> int:
    """The protocol revision a result was computed by (results before the field: 1)."""
    value = result.get("protocol_revision", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def is_stale(result: dict) -> bool:
    return protocol_revision(result) < PROTOCOL_REVISION


@dataclass(frozen=True)
class Standing:
    """`stands`: the result is the verdict of `model.id` at `model.revision`; otherwise `notes`
    say why not (each a short phrase for the site)."""

    stands: bool
    stale: bool
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"stands": self.stands, "stale": self.stale, "notes": list(self.notes)}


def standing(result: dict) -> Standing:
    """Whether a stored result stands as its model's verdict, and if not, why."""
    model = _section(result, "model")
    run = _section(result, "run")
    notes = []
    stale = is_stale(result)
    if stale:
        notes.append(
            f"stale: computed by protocol revision {protocol_revision(result)} code "
            f"(current {PROTOCOL_REVISION}); queued again where the model is in the catalogue"
        )
    if model.get("source") != "hub":
        base = model.get("derived_from")
        what = f"a {model.get('quantization')} conversion" if model.get("quantization") else "local weights"
        notes.append(f"{what}{f' of {base}' if base else ''}, not the Hub model's own weights")
    if run.get("protocol_variant") == "reduced":
        notes.append("reduced protocol: " + "; ".join(run.get("reductions") or []))
    return Standing(stands=not notes, stale=stale, notes=notes)


def code_commit(root: Path) -> dict:
    """The project's commit that computes a run: GITHUB_SHA in a workflow, else `git` in `root`;
    `dirty` when tracked files differ from it (the numbers may then come from uncommitted code)."""
    env_sha = os.environ.get("GITHUB_SHA", "")
    if _SHA.match(env_sha):
        return {"commit": env_sha, "dirty": None}
    try:
        head = _git(root, "rev-parse", "HEAD")
        status = _git(root, "status", "--porcelain", "--untracked-files=no", "--", "tracker")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head if _SHA.match(head) else None, "dirty": bool(status)}


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()


def _section(result: dict, key: str) -> dict:
    """One object of a result file ({} when it is missing or not an object)."""
    value = result.get(key)
    return value if isinstance(value, dict) else {}
