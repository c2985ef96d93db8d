"""Skip rebuilding the site when nothing it is built from has changed.

The site is a pure function of data/, predictions/, the templates in site/, the code of this
package, the versions of the libraries that render it, and the day. A run records a digest of
all of these beside the site it built (`.inputs.json` in the output folder), with the sha256
of every file it wrote. The next run with the same digest, finding every file intact, keeps
the site as it is: a rerun with nothing new is then seconds faster and, as before, changes no
byte. Any difference (a new score, an edited template, another day, a file touched by hand)
rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib import metadata
from pathlib import Path

from tracker.paths import Paths
from tracker.store import atomic_write_text

STAMP = ".inputs.json"
RUNTIME_FILES = {".run.lock", ".last_run.json"}
CONFIG_FILES = ("alerts.toml", "sources.toml", "tracker.toml")
LIBRARIES = ("jinja2", "matplotlib", "numpy", "pandas", "scipy")


def _files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name not in RUNTIME_FILES and not p.name.endswith((".tmp", ".pyc"))
    )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def inputs_digest(paths: Paths, as_of: dt.date) -> str:
    """sha256 over everything a site build reads, in a fixed order."""
    digest = hashlib.sha256(f"as_of={as_of.isoformat()}\n".encode())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}\n".encode())
    code = Path(__file__).resolve().parent
    for name in CONFIG_FILES:
        config = paths.root / name
        digest.update(
            f"{name}\n".encode() + (hashlib.sha256(config.read_bytes()).digest() if config.exists() else b"")
        )
    for label, folder in (
        ("data", paths.data),
        ("predictions", paths.predictions),
        ("site", paths.site_templates),
        ("code", code),
    ):
        for path in _files(folder):
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_hashes(out_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(out_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in _files(out_dir)
        if p.name != STAMP
    }


def is_current(out_dir: Path, digest: str) -> bool:
    """True when `out_dir` holds a build from exactly these inputs, every file as written."""
    try:
        stamp = json.loads((out_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("inputs") == digest and stamp.get("files") == file_hashes(out_dir)


def record(out_dir: Path, digest: str) -> None:
    """Write the stamp of the build just published in `out_dir`."""
    stamp = {"inputs": digest, "files": file_hashes(out_dir)}
    atomic_write_text(out_dir / STAMP, json.dumps(stamp, indent=1, sort_keys=True) + "\n")
