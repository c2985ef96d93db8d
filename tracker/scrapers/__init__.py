"""Scrapers: one module per source, each with a pure `parse(bytes) -> records`; `scrape` runs them.

Every `parse` keeps the contract drawn on tracker.scrapers.records.Parser. The library API the
pipeline and the CLI call:

    tracker.scrapers.scrape(paths, sources=None, *, offline, now, client=None) -> tracker.scrapers.report.ScrapeReport

This package module stays light (tracker.merge imports tracker.scrapers.records, and tracker.scrapers.run
imports tracker.merge), so `scrape` imports its implementation when called.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tracker.scrapers.errors import FetchError, ParseError

if TYPE_CHECKING:
    import httpx

    from tracker.paths import Paths
    from tracker.scrapers.config import ScrapeConfig
    from tracker.scrapers.report import ScrapeReport

SOURCES: tuple[str, ...] = ("epoch", "swebench", "vendor", "hf_hub")

__all__ = ["SOURCES", "FetchError", "ParseError", "scrape"]


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
    """Fetch (or, offline, re-read the cache), parse and merge the sources into data/.

    Never raises for a failed source (it is reported `failed` and changes nothing stored);
    raises ValueError for an unknown source name. See tracker.scrapers.run.scrape.
    """
    from tracker.scrapers.run import scrape as run_scrape

    return run_scrape(paths, sources, offline=offline, now=now, client=client, config=config, sleep=sleep)
