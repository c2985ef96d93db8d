"""The Hub source in a run: list each watched organisation, update the catalogue.

Newest repos come first (sort=createdAt, direction=-1), so paging stops at the first page
whose repos are all known already, at the last page (no `rel="next"` link) or after
`max_pages`. The raw pages of each organisation are cached for --offline. Any organisation
failing fails the whole source for this run: a half-listed catalogue would announce repos
out of order.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from tracker.merge import BatchOutcome, MergeState, quarantine_problem
from tracker.records import Event
from tracker.scrapers import cache, hf_hub
from tracker.scrapers.catalogue import update_catalogue
from tracker.scrapers.errors import FetchError, ParseError
from tracker.scrapers.report import RunContext, SourceReport
from tracker.source_records import HubModel, RowProblem

_ORG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Listing = tuple[list[cache.Cached], list[HubModel | RowProblem]]


def run_hub(
    ctx: RunContext, state: MergeState, catalogue: list[HubModel]
) -> tuple[MergeState, list[HubModel], SourceReport, list[Event]]:
    """List the watched organisations and merge the listing into the catalogue."""
    report = SourceReport("hf_hub", "offline" if ctx.offline else "ok", url=ctx.config.hub.api)
    known = {r.repo_id for r in catalogue}
    listings: dict[str, Listing] = {}
    try:
        for org in ctx.config.hub.orgs:
            if not _ORG.match(org):
                raise FetchError(ctx.config.hub.api, f"not an organisation name: {org!r}")
            listing = _cached_listing(ctx, org) if ctx.offline else _fetch_listing(ctx, org, known)
            if listing[0]:
                listings[org] = listing
    except (FetchError, ParseError) as exc:
        report.status, report.error = "failed", str(exc)
        return state, catalogue, report, []
    if ctx.offline and not listings:
        report.error = "no cached listing (run once online)"
    return _merge_listings(ctx, state, catalogue, listings, report)


def _merge_listings(
    ctx: RunContext,
    state: MergeState,
    catalogue: list[HubModel],
    listings: dict[str, Listing],
    report: SourceReport,
) -> tuple[MergeState, list[HubModel], SourceReport, list[Event]]:
    trial, outcome = state.copy(), BatchOutcome()
    listed: list[HubModel] = []
    for _pages, rows in listings.values():
        for row in rows:
            if isinstance(row, RowProblem):
                quarantine_problem(trial, outcome, ctx.instant, row)
            else:
                listed.append(row)
    update = update_catalogue(catalogue, listed, at=ctx.instant)
    if not ctx.offline:
        for org, (pages, _rows) in listings.items():
            _cache_pages(ctx, org, pages)
    report.records = len(listed) + len(outcome.quarantined)
    report.quarantined = len(outcome.quarantined)
    report.new_open_weights = [r.repo_id for r in update.new]
    report.retrieved_at = ctx.instant if listings and not ctx.offline else ""
    return trial, update.rows, report, outcome.events + update.events


def _fetch_listing(ctx: RunContext, org: str, known: set[str]) -> Listing:
    """The newest pages of one organisation, stopping once a page holds nothing new."""
    assert ctx.fetcher is not None
    url = hf_hub.list_url(org, api=ctx.config.hub.api, limit=ctx.config.hub.page_size)
    pages: list[cache.Cached] = []
    rows: list[HubModel | RowProblem] = []
    for _ in range(ctx.config.hub.max_pages):
        response = ctx.fetcher.get(url)
        page_rows = hf_hub.parse(response.body, retrieved_at=ctx.instant)
        pages.append(cache.Cached(response.body, cache.CacheMeta(url=url, retrieved_at=ctx.instant)))
        rows += page_rows
        link = next((v for k, v in response.headers.items() if k.lower() == "link"), "")
        following = hf_hub.next_link(link)
        if not following or all(isinstance(r, HubModel) and r.repo_id in known for r in page_rows):
            break
        url = urljoin(url, following)
    return pages, rows


def _cached_listing(ctx: RunContext, org: str) -> Listing:
    """The pages cached by the last successful online run, re-parsed."""
    folder = ctx.paths.cache / "hf_hub" / org
    pages = [c for name in cache.names(folder) if (c := cache.read(folder, name)) is not None]
    pages = [p for p in pages if p.meta.retrieved_at <= ctx.instant]
    rows: list[HubModel | RowProblem] = []
    for page in pages:
        rows += hf_hub.parse(page.body, retrieved_at=page.meta.retrieved_at)
    return pages, rows


def _cache_pages(ctx: RunContext, org: str, pages: list[cache.Cached]) -> None:
    folder = ctx.paths.cache / "hf_hub" / org
    keep = {f"page-{i:02d}.json" for i in range(1, len(pages) + 1)}
    for name in cache.names(folder):
        if name not in keep:
            (folder / name).unlink()
            (folder / f"{name}.meta.json").unlink(missing_ok=True)
    for number, page in enumerate(pages, start=1):
        cache.write(folder, f"page-{number:02d}.json", page.body, page.meta)
