"""Scrapers: one module per source, each with a pure `parse(bytes) -> records`; `run.scrape` runs them.

Every `parse` keeps the contract drawn on tracker.source_records.Parser. The library API the
pipeline and the CLI call:

    tracker.scrapers.run.scrape(paths, sources=None, *, offline, now, client=None) -> tracker.scrapers.report.ScrapeReport

This package module holds only the source names and the errors, and imports no source module:
tracker.scrapers.run (and through it tracker.merge) imports from here, never the other way.
"""

from __future__ import annotations

from tracker.scrapers.errors import FetchError, ParseError

SOURCES: tuple[str, ...] = (
    "epoch",
    "swebench",
    "helm",
    "scale_hle",
    "llmstats",
    "vendor",
    "openrouter",
    "models_dev",
    "hf_hub",
)

__all__ = ["SOURCES", "FetchError", "ParseError"]
