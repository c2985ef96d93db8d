"""Replaying recorded snapshots into data/, in date order (see tracker.scrapers.seed for the CLI).

Each snapshot is merged with the clock at 00:00:00Z of its day and its records carry that
instant as retrieved_at, so `--as-of` replays see a snapshot only from its day and the ledger
says when each model and score first appeared.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.merge import merge_batch
from tracker.paths import Paths
from tracker.scrapers import (
    cache,
    epoch,
    helm,
    hle,
    llmstats,
    models_dev,
    openrouter,
    scale_hle,
    swebench,
    vendor,
)
from tracker.scrapers.catalogue import read_catalogue, write_catalogue
from tracker.scrapers.config import load_config
from tracker.scrapers.release_feeds import FEEDS, merge_feed, read_releases, releases_text
from tracker.scrapers.run import frontier_events, load_state, state_files
from tracker.scrapers.transcribed import SEED_ADDED_AT, day_start, transcribed_vendor_rows
from tracker.store import atomic_write_text, commit, write_if_changed

# One snapshot's records: scores (RawScore, SourceWarning) or listed releases (ListedModel), with the
# RowProblems of either; which kind is decided by the source (FEEDS lists the release feeds).
Records = list[Any]
BUNDLE_PREFIXES = {"llmstats": "LLMStats-main/"}


def recorded(fixtures: Path, relative: str) -> bytes:
    """The recorded bytes of a response in either fixtures layout: the file itself, its `.gz`
    (tests/fixtures keeps big files compressed), or for a `.zip` of a one-file-per-model source
    the folder of recorded files (the shared layout), zipped by `bundle`."""
    path = fixtures / relative
    if path.exists():
        return path.read_bytes()
    if path.with_name(path.name + ".gz").exists():
        return gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
    folder = path.with_suffix("")
    if path.suffix == ".zip" and folder.is_dir():
        return bundle(folder, BUNDLE_PREFIXES.get(relative.split("/")[0], ""))
    raise FileNotFoundError(f"no recorded response {relative} under {fixtures}")


def bundle(folder: Path, prefix: str = "") -> bytes:
    """A zip of the recorded JSON files under `folder` at their relative paths (bytes unchanged),
    built the same way every time (sorted, fixed timestamps) so its bytes are reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*.json") if p.is_file()):
            info = zipfile.ZipInfo(
                prefix + path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def _reader(source: str, relative: str) -> Callable[[Path, str], Records]:
    """A snapshot reader for one recorded response of a parsed-as-a-whole source."""
    parsers: dict[str, Callable[[bytes, str], Records]] = {
        "helm": lambda data, at: helm.parse(data, retrieved_at=at),
        "scale_hle": lambda data, at: scale_hle.parse(data, retrieved_at=at),
        "llmstats": lambda data, at: llmstats.parse(data, retrieved_at=at),
        "openrouter": lambda data, at: openrouter.parse(data),
        "models_dev": lambda data, at: models_dev.parse(data),
    }
    return lambda fixtures, at: parsers[source](recorded(fixtures, relative), at)


@dataclass(frozen=True)
class Snapshot:
    """One recorded response of one source, and where it was archived."""

    day: str
    source: str
    origin: str
    read: Callable[[Path, str], Records]


def _epoch_tables(folder: str, origin: str) -> Callable[[Path, str], Records]:
    def read(fixtures: Path, at: str) -> Records:
        base = fixtures / "epoch" / folder
        records: Records = []
        for member, benchmark in epoch.RUN_TABLES.items():
            records += epoch.parse_run_table(
                (base / member).read_bytes(),
                benchmark=benchmark,
                member=member,
                retrieved_at=at,
                note=f"archived copy {origin}",
            )
        if (base / hle.MEMBER).exists():
            records += hle.parse((base / hle.MEMBER).read_bytes(), retrieved_at=at)
        return records

    return read


SNAPSHOTS: tuple[Snapshot, ...] = (
    Snapshot(
        "2025-11-01",
        "epoch",
        "pranmod01/apart-sprint@24efa3f",
        _epoch_tables("2025-11-01", "pranmod01/apart-sprint@24efa3f"),
    ),
    Snapshot(
        "2025-11-19",
        "swebench",
        "SWE-bench/swe-bench.github.io@d2af9d9",
        lambda f, at: swebench.parse(
            (f / "swe-bench/2025-11-19/leaderboards.json").read_bytes(), retrieved_at=at
        ),
    ),
    Snapshot(
        "2025-12-02",
        "swebench",
        "SWE-bench/swe-bench.github.io@1aa4db5",
        lambda f, at: swebench.parse(
            (f / "swe-bench/2025-12-02/leaderboards.json").read_bytes(), retrieved_at=at
        ),
    ),
    Snapshot(
        "2026-01-20",
        "epoch",
        "Pietro-Panizza/Data-Visualization-Final-Project@07f2f47",
        _epoch_tables("2026-01-20", "Pietro-Panizza/Data-Visualization-Final-Project@07f2f47"),
    ),
    Snapshot(
        "2026-03-12",
        "epoch",
        "louis0487/LLM-Benchmark-Lifecycle@ae0d22b",
        _epoch_tables("2026-03-12", "louis0487/LLM-Benchmark-Lifecycle@ae0d22b"),
    ),
    Snapshot(
        "2026-04-11",
        "epoch",
        "Jason-Wang313/stereology@3a79618",
        lambda f, at: epoch.parse((f / "epoch/2026-04-11/benchmark_data.zip").read_bytes(), retrieved_at=at),
    ),
)
SNAPSHOTS += (
    Snapshot(
        "2025-05-22",
        "llmstats",
        "JonathanChavezTamales/LLMStats@df1d14e",
        _reader("llmstats", "llmstats/2025-05-22.zip"),
    ),
    Snapshot(
        "2025-06-29",
        "scale_hle",
        "maxencefrenette/all-the-benchmarks@aa733fc",
        _reader("scale_hle", "hle-scale/2025-06-29/humanitys-last-exam.yaml"),
    ),
    Snapshot(
        "2025-07-08",
        "scale_hle",
        "maxencefrenette/all-the-benchmarks@f919056",
        _reader("scale_hle", "hle-scale/2025-07-08/humanitys-last-exam.yaml"),
    ),
    Snapshot(
        "2026-01-05",
        "helm",
        "evaleval/every_eval_ever@f169a3a",
        _reader("helm", "helm-capabilities/2026-01-05.zip"),
    ),
    Snapshot(
        "2026-02-27",
        "openrouter",
        "skissue/gptel-openrouter-models@eda7195",
        _reader("openrouter", "openrouter/2026-02-27/openrouter-models.json"),
    ),
    Snapshot(
        "2026-03-01",
        "models_dev",
        "symfony/models-dev@506531b",
        _reader("models_dev", "models-dev/2026-03-01/models-dev.json"),
    ),
    Snapshot(
        "2026-04-19",
        "openrouter",
        "skissue/gptel-openrouter-models@32d513b",
        _reader("openrouter", "openrouter/2026-04-19/openrouter-models.json"),
    ),
    Snapshot(
        "2026-04-19",
        "models_dev",
        "symfony/models-dev@357a5ac",
        _reader("models_dev", "models-dev/2026-04-19/models-dev.json"),
    ),
)
CACHE_SEEDS = (
    (
        "epoch",
        "epoch/2026-04-11/benchmark_data.zip",
        "benchmark_data.zip",
        "2026-04-11",
        epoch.URL,
        "byte-exact copy of the Epoch download archived at Jason-Wang313/stereology@3a79618d (data/benchmark_data.zip)",
    ),
    (
        "swebench",
        "swe-bench/2025-12-02/leaderboards.json",
        "leaderboards.json",
        "2025-12-02",
        swebench.URL,
        "byte-exact data/leaderboards.json of SWE-bench/swe-bench.github.io@1aa4db5a",
    ),
    (
        "helm",
        "helm-capabilities/2026-01-05.zip",
        "helm-capabilities.zip",
        "2026-01-05",
        helm.URL,
        "zip of the 61 byte-exact records of evaleval/every_eval_ever data/helm_capabilities/ @ f169a3a2",
    ),
    (
        "scale_hle",
        "hle-scale/2025-07-08/humanitys-last-exam.yaml",
        "humanitys-last-exam",
        "2025-07-08",
        scale_hle.URL,
        "byte-exact archive of the page's data, maxencefrenette/all-the-benchmarks @ f9190562",
    ),
    (
        "llmstats",
        "llmstats/2025-05-22.zip",
        "llmstats.zip",
        "2025-05-22",
        llmstats.URL,
        "zip of the 35 byte-exact model files with IFEval of JonathanChavezTamales/LLMStats @ df1d14ed",
    ),
    (
        "openrouter",
        "openrouter/2026-04-19/openrouter-models.json",
        "openrouter-models.json",
        "2026-04-19",
        openrouter.URL,
        "byte-exact daily archive of the list, skissue/gptel-openrouter-models @ 32d513ba",
    ),
    (
        "models_dev",
        "models-dev/2026-04-19/models-dev.json",
        "models-dev.json",
        "2026-04-19",
        models_dev.URL,
        "byte-exact daily archive of api.json, symfony/models-dev @ 357a5acc",
    ),
)


def replay(paths: Paths, fixtures: Path, snapshots: tuple[Snapshot, ...] = SNAPSHOTS) -> list[str]:
    """Merge each snapshot into data/ in date order; one report line per snapshot."""
    policy = load_config(paths.root).merge
    lines = []
    for snapshot in sorted(snapshots, key=lambda s: s.day):
        now = day_start(snapshot.day)
        at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        state = load_state(paths)
        if snapshot.source in FEEDS:
            rows, outcome = merge_feed(
                state,
                read_releases(paths.data / "releases.csv"),
                snapshot.read(fixtures, at),
                source=snapshot.source,
                at=at,
            )
            files = {**state_files(paths, state), paths.data / "releases.csv": releases_text(rows)}
        else:
            outcome = merge_batch(state, snapshot.read(fixtures, at), now=now, policy=policy)
            files = state_files(paths, state)
        commit(paths, files, outcome.events + frontier_events(state, at))
        lines.append(
            f"{snapshot.day} {snapshot.source}: {outcome.records} records, "
            f"+{len(outcome.new_observations)} scores, +{len(outcome.new_models)} models, "
            f"{len(outcome.quarantined)} quarantined"
        )
    return lines


def seed_vendor(paths: Paths, fixtures: Path) -> str:
    """Write vendor_scores.csv from the transcribed recent scores and merge it."""
    rows = transcribed_vendor_rows((fixtures / "recent" / "recent_models.csv").read_bytes())
    write_if_changed(paths.vendor_scores, vendor.vendor_csv(rows))
    now = day_start(SEED_ADDED_AT[:10])
    state = load_state(paths)
    outcome = merge_batch(
        state,
        vendor.parse(paths.vendor_scores.read_bytes(), retrieved_at=SEED_ADDED_AT),
        now=now,
        policy=load_config(paths.root).merge,
    )
    commit(paths, state_files(paths, state), outcome.events + frontier_events(state, SEED_ADDED_AT))
    return (
        f"vendor: {outcome.records} rows, +{len(outcome.new_observations)} scores, "
        f"+{len(outcome.new_models)} models, {len(outcome.quarantined)} quarantined"
    )


def seed_cache(paths: Paths, fixtures: Path) -> list[str]:
    """Put the newest recorded response of each fetched source in data/cache/."""
    lines = []
    for source, relative, name, day, url, origin in CACHE_SEEDS:
        meta = cache.CacheMeta(url=url, retrieved_at=f"{day}T00:00:00Z", origin=origin)
        cache.write(paths.cache / source, name, recorded(fixtures, relative), meta)
        lines.append(f"cache {source}: {relative}")
    health = {
        source: {
            "url": url,
            "last_attempt": "",
            "last_success": "",
            "status": "offline",
            "error": f"not fetched online yet; cache holds a recorded response of {day}",
            "records": 0,
            "new": 0,
            "etag": "",
            "last_modified": "",
        }
        for source, _relative, _name, day, url, _origin in CACHE_SEEDS
    }
    atomic_write_text(paths.data / "sources.json", json.dumps(health, indent=2, sort_keys=True) + "\n")
    write_catalogue(paths.data / "hf_models.csv", read_catalogue(paths.data / "hf_models.csv"))
    return lines


def build_committed_data(fixtures: Path, root: Path) -> list[str]:
    """The whole build: snapshots, vendor seed, cache."""
    paths = Paths(root)
    return [*replay(paths, fixtures), seed_vendor(paths, fixtures), *seed_cache(paths, fixtures)]
