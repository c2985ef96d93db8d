"""One scrape: every selected source fetched (or read from the cache), parsed, merged, saved.

`scrape()` never raises for a source: a source that is down, slow, rate-limited, truncated
or changed in format is reported `failed` (with a `source_failed` event), leaves its stored
data and its cache exactly as they were, and the other sources go on. data/ files are
written atomically at the end, each only if its content changed, so a rerun with nothing
new changes no byte. With `offline`, sources are read from data/cache/ and sources.json
(network health) is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx

from tracker.errors import UsageError
from tracker.identity import FrontierPolicy, Identity
from tracker.merge import MergeState, merge_batch
from tracker.panel import DEFAULT_PRECEDENCE, choose
from tracker.paths import Paths
from tracker.records import Event, Observation
from tracker.scrapers import SOURCES, cache, epoch, helm, llmstats, scale_hle, swebench, vendor
from tracker.scrapers.catalogue import catalogue_text, read_catalogue
from tracker.scrapers.config import ScrapeConfig, load_config
from tracker.scrapers.errors import FetchError, ParseError
from tracker.scrapers.http import Fetcher, make_client
from tracker.scrapers.hub_run import run_hub
from tracker.scrapers.release_feeds import FEEDS, merge_feed, read_releases, releases_text
from tracker.scrapers.report import RunContext, ScrapeReport, SourceReport
from tracker.source_records import Parser
from tracker.stats.frozen import h_field, load_frozen_panel
from tracker.store import (
    commit,
    make_event_id,
    models_text,
    observations_text,
    quarantine_text,
    read_models,
    read_observations,
    read_quarantine,
    recover,
    write_if_changed,
)

FETCHED: dict[str, tuple[str, Parser[Any]]] = {
    "epoch": ("benchmark_data.zip", epoch.parse),
    "swebench": ("leaderboards.json", swebench.parse),
    "helm": ("helm-capabilities.zip", helm.parse),
    "scale_hle": ("humanitys-last-exam", scale_hle.parse),
    "llmstats": ("llmstats.zip", llmstats.parse),
}
NOT_A_FEED = {
    "hle": "HLE is not one source: its scores come via 'scale_hle' (Scale's board, no tools), 'epoch' "
    "(hle_external.csv) and 'vendor' (tracker add-score)"
}


def select_sources(names: list[str] | None) -> list[str]:
    """The sources to run, in the fixed order; UsageError naming an unknown one."""
    if not names:
        return list(SOURCES)
    for name in names:
        if name in NOT_A_FEED:
            raise UsageError(NOT_A_FEED[name])
        if name not in SOURCES:
            raise UsageError(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
    return [s for s in SOURCES if s in names]


def load_state(paths: Paths) -> MergeState:
    """The identity table, observations and quarantine of data/, ready to merge into."""
    frontier = FrontierPolicy.from_panel(load_frozen_panel(paths.frozen_panel))
    return MergeState(
        Identity(read_models(paths.models)),
        read_observations(paths.scores),
        read_quarantine(paths.quarantine),
        frontier,
    )


def scrape(
    paths: Paths,
    sources: list[str] | None = None,
    *,
    offline: bool,
    now: dt.datetime,
    client: httpx.Client | None = None,
    config: ScrapeConfig | None = None,
    sleep: Any = None,
) -> ScrapeReport:
    """Fetch (or, offline, re-read the cache), parse and merge the selected sources (default: all).

    Never raises for a failed source (it is reported `failed` and changes nothing stored); raises
    UsageError for an unknown source name, before anything is fetched.
    """
    config = config or load_config(paths.root)
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    own_client = client is None and not offline
    if own_client:
        client = make_client(config.http)
    fetcher = None if offline else Fetcher(client, config.http, **({"sleep": sleep} if sleep else {}))  # type: ignore[arg-type]
    ctx = RunContext(paths, config, offline, now, fetcher)
    try:
        return _run(ctx, select_sources(sources))
    finally:
        if own_client and client is not None:
            client.close()


def _run(ctx: RunContext, names: list[str]) -> ScrapeReport:
    recover(ctx.paths)  # an interrupted run's tables and events first, so nothing is merged twice
    state = load_state(ctx.paths)
    catalogue_path = ctx.paths.data / "hf_models.csv"
    catalogue = read_catalogue(catalogue_path)
    releases = read_releases(ctx.paths.data / "releases.csv")
    reports: dict[str, SourceReport] = {}
    events: list[Event] = []
    for name in names:
        if name == "hf_hub":
            state, catalogue, report, new_events = run_hub(ctx, state, catalogue)
        elif name == "vendor":
            state, report, new_events = _vendor_source(ctx, state)
        elif name in FEEDS:
            state, releases, report, new_events = _feed_source(ctx, name, state, releases)
        else:
            state, report, new_events = _fetched_source(ctx, name, state)
        if report.status == "failed":
            new_events.append(
                Event(
                    make_event_id("source_failed", name, report.error, ctx.instant),
                    "source_failed",
                    ctx.instant,
                    {"source": name, "error": report.error},
                )
            )
        reports[name] = report
        events += new_events
    frontier = frontier_events(state, ctx.instant)
    events += frontier
    files = {
        **_files(ctx, state, catalogue, reports),
        ctx.paths.data / "releases.csv": releases_text(releases),
    }
    appended = commit(ctx.paths, files, events)
    return ScrapeReport(
        ctx.instant, ctx.offline, reports, [e.payload["model_id"] for e in frontier], appended
    )


def _fetched_source(
    ctx: RunContext, name: str, state: MergeState
) -> tuple[MergeState, SourceReport, list[Event]]:
    """Epoch or SWE-bench: fetch (or the cache), parse, merge; the cache follows a success."""
    file_name, parse = FETCHED[name]
    url = ctx.config.urls[name]
    folder = ctx.paths.cache / name
    cached = cache.read(folder, file_name)
    report = SourceReport(name, "offline" if ctx.offline else "ok", url=url)
    try:
        body, meta = _obtain(ctx, url, cached, report)
    except FetchError as exc:
        return state, _failed(report, str(exc)), []
    if body is None or meta is None:
        return state, report, []
    try:
        trial = state.copy()
        outcome = merge_batch(
            trial, parse(body, retrieved_at=meta.retrieved_at), now=ctx.now, policy=ctx.config.merge
        )
    except ParseError as exc:
        return state, _failed(report, f"changed format? {exc}"), []
    if outcome.warnings:
        report.status = "warning"
        report.error = "; ".join(outcome.warnings) + " (the last good response stays cached)"
    if meta.origin == "fetched" and report.status == "ok":
        cache.write(folder, file_name, body, meta)
    report.retrieved_at = meta.retrieved_at
    report.absorb(outcome)
    return trial, report, outcome.events


def _feed_source(
    ctx: RunContext, name: str, state: MergeState, releases: list[dict[str, str]]
) -> tuple[MergeState, list[dict[str, str]], SourceReport, list[Event]]:
    """OpenRouter or models.dev: fetch (or the cache), parse, merge into releases and identity."""
    file_name, parse = FEEDS[name]
    url = ctx.config.urls[name]
    folder = ctx.paths.cache / name
    report = SourceReport(name, "offline" if ctx.offline else "ok", url=url)
    try:
        body, meta = _obtain(ctx, url, cache.read(folder, file_name), report)
        if body is None or meta is None:
            return state, releases, report, []
        trial = state.copy()
        rows, outcome = merge_feed(trial, list(releases), parse(body), source=name, at=meta.retrieved_at)
    except (FetchError, ParseError) as exc:
        return state, releases, _failed(report, str(exc)), []
    if meta.origin == "fetched" and report.status == "ok":
        cache.write(folder, file_name, body, meta)
    report.retrieved_at = meta.retrieved_at
    report.absorb(outcome)
    return trial, rows, report, outcome.events


def _obtain(
    ctx: RunContext, url: str, cached: cache.Cached | None, report: SourceReport
) -> tuple[bytes | None, cache.CacheMeta | None]:
    """The bytes to parse and their metadata: the network, a 304 from it, or the cache."""
    if ctx.fetcher is None:
        if cached is None:
            report.error = "no cached response (run once online)"
            return None, None
        if cached.meta.retrieved_at > ctx.instant:
            report.error = f"cached response of {cached.meta.retrieved_at} is newer than the run's clock"
            return None, None
        return cached.body, cached.meta
    # validators belong to the URL they came from: after a change of URL, ask unconditionally
    same_url = cached if cached is not None and cached.meta.url == url else None
    validators = (same_url.meta.etag, same_url.meta.last_modified) if same_url else ("", "")
    response = ctx.fetcher.get(url, etag=validators[0], last_modified=validators[1])
    if response.not_modified and same_url:
        report.status = "not_modified"
        return same_url.body, same_url.meta
    if response.not_modified:
        raise FetchError(url, "304 Not Modified but no cached copy to reuse")
    meta = cache.CacheMeta(
        url=url, retrieved_at=ctx.instant, etag=response.etag, last_modified=response.last_modified
    )
    return response.body, meta


def _failed(report: SourceReport, error: str) -> SourceReport:
    report.status = "failed"
    report.error = error
    return report


def _vendor_source(ctx: RunContext, state: MergeState) -> tuple[MergeState, SourceReport, list[Event]]:
    """The committed vendor_scores.csv (local, so the same online and offline)."""
    report = SourceReport("vendor", "ok", url=str(ctx.paths.vendor_scores.relative_to(ctx.paths.root)))
    if not ctx.paths.vendor_scores.exists():
        return state, report, []
    try:
        records = vendor.parse(ctx.paths.vendor_scores.read_bytes(), retrieved_at=ctx.instant)
        trial = state.copy()
        outcome = merge_batch(trial, records, now=ctx.now, policy=ctx.config.merge)
    except ParseError as exc:
        return state, _failed(report, str(exc)), []
    report.absorb(outcome)
    return trial, report, outcome.events


def indicative_scores(observations: list[Observation], model_id: str) -> dict[str, tuple[float, str]]:
    """benchmark -> (score, source): the score that stands by the registered rule (G6, G7:
    the lab's single-attempt number, else an independent evaluator's; a secondary report never).
    Only for the alert's indicative h; verdicts read the panel."""
    out: dict[str, tuple[float, str]] = {}
    for benchmark in ("swe_bench_verified", "gpqa_diamond"):
        mine = [o for o in observations if o.model_id == model_id and o.benchmark == benchmark]
        chosen = choose(mine, DEFAULT_PRECEDENCE)
        if chosen is not None:
            out[benchmark] = (chosen.score, chosen.source)
    return out


def frontier_events(state: MergeState, at: str) -> list[Event]:
    """One `new_frontier_release` per frontier release created in this run (h when it can be had)."""
    events = []
    for model_id in state.created:
        model = state.identity.get(model_id)
        if model is None or not model.frontier:
            continue
        scores = indicative_scores(state.observations, model_id)
        swe, gpqa = scores.get("swe_bench_verified"), scores.get("gpqa_diamond")
        h = round(h_field(swe[0], gpqa[0]), 4) if swe and gpqa else None
        events.append(
            Event(
                make_event_id("new_frontier_release", model_id),
                "new_frontier_release",
                at,
                {
                    "model_id": model_id,
                    "name": model.name,
                    "lab": model.lab,
                    "release_date": model.release_date,
                    "h": h,
                    "swe_bench_verified": swe[0] if swe else None,
                    "gpqa_diamond": gpqa[0] if gpqa else None,
                },
            )
        )
    return events


def state_files(paths: Paths, state: MergeState) -> dict[Path, str]:
    """The identity table, the observations and the quarantine as they should be on disk."""
    return {
        paths.models: models_text(state.identity.models),
        paths.scores: observations_text(state.observations),
        paths.quarantine: quarantine_text(state.quarantine),
    }


def save_state(paths: Paths, state: MergeState) -> None:
    """Write the tables alone (each atomic, only if changed; models first so that no observation
    points at an unknown id), with no events: for tests that build a data/ by hand."""
    for path, text in state_files(paths, state).items():
        write_if_changed(path, text)


def _files(
    ctx: RunContext, state: MergeState, catalogue: list, reports: dict[str, SourceReport]
) -> dict[Path, str]:
    """Every data/ file this run may change, committed with the run's events (tracker.store.commit)."""
    files = {**state_files(ctx.paths, state), ctx.paths.data / "hf_models.csv": catalogue_text(catalogue)}
    if not ctx.offline:
        files[ctx.paths.data / "sources.json"] = _health_text(ctx, reports)
    return files


def _health_text(ctx: RunContext, reports: dict[str, SourceReport]) -> str:
    """data/sources.json: last attempt and success, status and error of every source run."""
    path = ctx.paths.data / "sources.json"
    health = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for name, report in reports.items():
        previous = health.get(name, {})
        meta = _cache_meta(ctx, name)
        success = report.status in ("ok", "not_modified", "warning")
        health[name] = {
            "url": report.url,
            "last_attempt": ctx.instant,
            "last_success": ctx.instant if success else previous.get("last_success", ""),
            "status": report.status,
            "error": report.error,
            "records": report.records,
            "new": report.new_observations + len(report.new_open_weights),
            "etag": meta.etag if meta else "",
            "last_modified": meta.last_modified if meta else "",
        }
    return json.dumps(health, indent=2, sort_keys=True) + "\n"


def _cache_meta(ctx: RunContext, name: str) -> cache.CacheMeta | None:
    file_names = {source: entry[0] for source, entry in (*FETCHED.items(), *FEEDS.items())}
    if name not in file_names:
        return None
    cached = cache.read(ctx.paths.cache / name, file_names[name])
    return cached.meta if cached else None
