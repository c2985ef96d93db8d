"""How single values read in the site's tables: release dates with their precision, the page
a score links to, and the trust tier of a score.

A release date is stored as precisely as its source gave it (a day, a month or a year), and
the tables say which. Some sources publish their scores as a download (Epoch AI's zip); a
reader following a score wants the page that shows it, so those links go to the page.
"""

from __future__ import annotations

from typing import Any

from tracker.site.feeds import open_weights_word, safe_url

PRECISION_WORDS = {4: "year", 7: "month", 10: "day"}
SCORE_PAGES = {  # download URL -> the page that shows the same data
    "https://epoch.ai/data/benchmark_data.zip": "https://epoch.ai/benchmarks",
}
TIER_WORDS = {
    "first_party": "the lab's own publication",
    "independent": "independent evaluator",
    "secondary": "secondary report",
}


def released(value: Any) -> str:
    """'2026-04-16', '2026-02 (month)', '2024 (year)', or 'unknown'."""
    text = str(value or "").strip()
    if not text:
        return "unknown"
    word = PRECISION_WORDS.get(len(text))
    return text if word in (None, "day") else f"{text} ({word})"


def score_page(url: Any) -> str:
    """The http(s) page to link for a score's source URL ('' when there is none to link)."""
    clean = safe_url(url)
    return SCORE_PAGES.get(clean, clean)


def open_weights(value: Any) -> str:
    """'yes', 'no' or 'unknown': models.csv leaves `open_weights` empty (None) unless a source
    says, so only an explicit false is a statement that the weights are closed."""
    return open_weights_word(value)


def tier_words(tier: Any) -> str:
    """A trust tier in words ('' when the data give none)."""
    return TIER_WORDS.get(str(tier or ""), "")
