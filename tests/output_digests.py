"""The outputs a refactor must not change, as sha256 digests, and the command that re-pins them.

Pinned in tests/fixtures/pinned_outputs.json for a fixed day and clock, computed on a copy of the
committed project (data/, predictions/, site/ and the three .toml files). A digest that differs
means the code now answers differently on the same inputs. When that is intended (a new field, a
corrected rule, a redesigned page), re-pin and commit the file with the change that caused it:

    make pin-outputs        (python tests/output_digests.py --write)

When the committed inputs change (new data, an amendment), the inputs digest no longer matches and
the test says to re-pin; review `git diff tests/fixtures/pinned_outputs.json` before committing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from tracker.cli import main

REPO = Path(__file__).resolve().parent.parent
PINNED = Path(__file__).resolve().parent / "fixtures" / "pinned_outputs.json"
INPUTS = ("data", "predictions", "site", "sources.toml", "tracker.toml", "alerts.toml")
AS_OF = "2026-11-30"
NOW = "2026-11-30T06:00:00Z"
# Not outputs: who held the run lock and when (the wall clock, by design), and the site's cache
# key, which hashes the site code itself (tracker.site.cache) so that any edit of it rebuilds.
UNPINNED_FILES = (".run.lock", ".inputs.json")
VOLATILE = ("seconds",)  # how long a step took: the one thing in `run --json` no code decides


def copy_project(into: Path) -> Path:
    """The committed inputs, copied to `into` (data/ without its run lock)."""
    for name in INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns(".run.lock", "*.tmp"))
        else:
            shutil.copy2(source, into / name)
    return into


def tree_digest(root: Path, names: tuple[str, ...] | None = None, *, replace: str = "") -> str:
    """sha256 over every file under `root` (or the named entries): relative path and bytes."""
    digest = hashlib.sha256()
    entries = [root / n for n in names] if names else [root]
    files = sorted(
        p
        for e in entries
        for p in ([e] if e.is_file() else e.rglob("*"))
        if p.is_file() and p.name not in UNPINNED_FILES
    )
    for path in files:
        data = path.read_bytes()
        if replace:
            data = data.replace(replace.encode(), b"<root>")
        digest.update(f"{path.relative_to(root).as_posix()}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def _stdout_of(argv: list[str]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    if code != 0:
        raise AssertionError(f"tracker {' '.join(argv)} exited {code}")
    return buffer.getvalue()


def _text_digest(text: str, root: Path) -> str:
    return hashlib.sha256(text.replace(str(root), "<root>").encode()).hexdigest()


def _without_timings(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def read_only_outputs(root: Path, work: Path) -> dict[str, str]:
    """stats (both panels), check and the site for AS_OF, on a project nobody writes to."""
    at = ["--root", str(root)]
    site = work / "site-out"
    _stdout_of([*at, "site", "build", "--as-of", AS_OF, "--out", str(site)])
    return {
        "stats --panel frozen --json": _text_digest(_stdout_of([*at, "stats", "--json"]), root),
        "stats --panel current --json": _text_digest(
            _stdout_of([*at, "stats", "--panel", "current", "--as-of", AS_OF, "--json"]), root
        ),
        "check --json": _text_digest(_stdout_of([*at, "check", "--as-of", AS_OF, "--json"]), root),
        "site build": tree_digest(site, replace=str(site)),
    }


def run_outputs(root: Path) -> dict[str, str]:
    """`tracker run --offline --no-alerts --now NOW`: its summary, data/ afterwards and the site."""
    out = root / "_site"
    summary = json.loads(
        _stdout_of(["--root", str(root), "run", "--offline", "--no-alerts", "--now", NOW, "--json"])
    )
    return {
        "run --json": _text_digest(json.dumps(_without_timings(summary), sort_keys=True), root),
        "run data/": tree_digest(root / "data", replace=str(root)),
        "run site": tree_digest(out, replace=str(root)),
    }


def all_outputs() -> dict[str, object]:
    """Every pinned digest, computed afresh (what --write stores)."""
    with _scratch() as scratch:
        project = copy_project(scratch / "project")
        inputs = tree_digest(project, INPUTS)
        outputs = {**read_only_outputs(project, scratch), **run_outputs(project)}
    return {"as_of": AS_OF, "now": NOW, "inputs": inputs, "outputs": outputs}


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cape-pin-") as name:
        yield Path(name)


def write(pinned: Path = PINNED, compute: Callable[[], dict[str, object]] = all_outputs) -> None:
    pinned.write_text(json.dumps(compute(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/output_digests.py --write")
    write()
    print(f"pinned {PINNED.relative_to(REPO)}")
