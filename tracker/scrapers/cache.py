"""data/cache/<source>/: the raw bytes of the last successful fetch, with their metadata.

`tracker scrape --offline` re-parses these bytes, so a fresh clone can rebuild every
observation without the network, and a run can send the stored ETag / Last-Modified so that
an unchanged source answers 304. A response is cached only after it parsed and merged, so a
broken response never replaces the last good one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tracker.store import atomic_write_bytes, write_if_changed


@dataclass(frozen=True)
class CacheMeta:
    """Where and when the cached bytes came from; `origin` says how they got here."""

    url: str
    retrieved_at: str
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    origin: str = "fetched"


@dataclass(frozen=True)
class Cached:
    body: bytes
    meta: CacheMeta


def _meta_path(body_path: Path) -> Path:
    return body_path.with_name(body_path.name + ".meta.json")


def read(folder: Path, name: str) -> Cached | None:
    """The cached response `name` of a source folder, None if absent or unreadable."""
    body_path = folder / name
    meta_path = _meta_path(body_path)
    if not (body_path.exists() and meta_path.exists()):
        return None
    try:
        meta = CacheMeta(**json.loads(meta_path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None
    body = body_path.read_bytes()
    if meta.sha256 and hashlib.sha256(body).hexdigest() != meta.sha256:
        return None
    return Cached(body, meta)


def write(folder: Path, name: str, body: bytes, meta: CacheMeta) -> None:
    """Store a response and its metadata (body first, so the metadata never points at nothing)."""
    body_path = folder / name
    meta = CacheMeta(**{**asdict(meta), "sha256": hashlib.sha256(body).hexdigest()})
    if not body_path.exists() or body_path.read_bytes() != body:
        atomic_write_bytes(body_path, body)
    write_if_changed(_meta_path(body_path), json.dumps(asdict(meta), indent=2, sort_keys=True) + "\n")


def names(folder: Path) -> list[str]:
    """The cached response names in a folder (sorted)."""
    if not folder.exists():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(".meta.json") and not p.name.startswith(".")
    )
