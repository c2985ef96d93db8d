"""Scale's Humanity's Last Exam leaderboard: HLE without tools, from the benchmark's own board.

The live page (`https://scale.com/leaderboard/humanitys_last_exam`) is HTML whose data sit in
a `<script id="__NEXT_DATA__">` JSON block, read here with beautifulsoup4: the first list
called `entries` whose items carry `model` and `score`. The recorded snapshots (fixtures
PROVENANCE-2.md section 4) are YAML archives of the same label/score pairs,
`{benchmark, description, results: {label: percent}}`, and are read too.

Scale evaluates every model itself (an independent evaluator of the labs' models), text and
image questions, no tools. Labels mix ids and display names with qualifiers:
`o3 (high) (April 2025)` is o3 at high effort, `Claude Opus 4 (Thinking)` a thinking setting,
`Gemini 2.5 Pro Preview (May 06 2025)` names a checkpoint by its date; older labels keep stray
whitespace and newlines. The effort or thinking qualifier becomes the setting, the date
qualifier stays in the note, and the rest is the model name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml
from bs4 import BeautifulSoup

from tracker.scrapers.dates import finite_number
from tracker.scrapers.errors import ParseError
from tracker.scrapers.tabular import decode_text
from tracker.source_records import RawScore, RowProblem

SOURCE = "scale_hle"
TIER = "independent"
URL = "https://scale.com/leaderboard/humanitys_last_exam"
SETTING = "no-tools"
_QUALIFIER = re.compile(r"\s*\(([^()]*)\)\s*$")
_EFFORT = re.compile(r"^(minimal|low|medium|high|x?high|max)$", re.IGNORECASE)
_THINKING = re.compile(r"^(non-?thinking|thinking|reasoning)$", re.IGNORECASE)


def parse(data: bytes, *, retrieved_at: str, source_url: str = URL) -> list[RawScore | RowProblem]:
    """HLE records of the live HTML page or of a recorded YAML archive."""
    text = decode_text(data, SOURCE)
    pairs = _page_entries(text) if text.lstrip()[:1] == "<" else _archive_entries(text)
    return [
        _record(index, label, score, retrieved_at, source_url) for index, (label, score) in enumerate(pairs)
    ]


def split_label(label: str) -> tuple[str, str, str]:
    """(model name, setting, date qualifier) of a Scale label.

    "o3 (high) (April 2025)" -> ("o3", "high", "April 2025");
    "Claude Opus 4 (Thinking)\n" -> ("Claude Opus 4", "thinking", "").
    """
    name, dated = " ".join(label.split()), ""
    settings: list[str] = []
    while match := _QUALIFIER.search(name):
        qualifier = match.group(1).strip()
        if _EFFORT.match(qualifier) or _THINKING.match(qualifier):
            settings.insert(0, qualifier.lower())
        else:
            dated = qualifier
        name = name[: match.start()].strip()
    return name, "+".join(settings), dated


def _page_entries(html: str) -> list[tuple[Any, Any]]:
    """(label, score) pairs from the page's __NEXT_DATA__ script."""
    script = BeautifulSoup(html, "html.parser").find("script", id="__NEXT_DATA__")
    if script is None or not script.string:
        raise ParseError(
            SOURCE, "no __NEXT_DATA__ script in the page (format changed?)", field="__NEXT_DATA__"
        )
    try:
        document = json.loads(script.string)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(SOURCE, f"__NEXT_DATA__ is not JSON: {str(exc)[:80]}") from None
    entries = _find_entries(document)
    if entries is None:
        raise ParseError(SOURCE, "no 'entries' list of {model, score} in __NEXT_DATA__", field="entries")
    return [(e.get("model"), e.get("score")) if isinstance(e, dict) else (None, None) for e in entries]


def _find_entries(node: Any, depth: int = 0) -> list | None:
    """The first `entries` list whose items have `model` and `score` (depth-first)."""
    if depth > 40:
        return None
    if isinstance(node, dict):
        entries = node.get("entries")
        if isinstance(entries, list) and any(isinstance(e, dict) and "model" in e for e in entries):
            return entries
        children: Iterable[Any] = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_entries(child, depth + 1)
        if found is not None:
            return found
    return None


def _archive_entries(text: str) -> list[tuple[Any, Any]]:
    """(label, score) pairs of a recorded YAML archive."""
    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise ParseError(SOURCE, f"neither HTML nor YAML: {str(exc)[:80]}") from None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict):
        raise ParseError(SOURCE, "no 'results' mapping of label -> score (format changed?)", field="results")
    return list(results.items())


def _record(index: int, label: Any, score: Any, retrieved_at: str, source_url: str) -> RawScore | RowProblem:
    where = f"entries[{index}]"
    if not isinstance(label, str) or not label.strip():
        return RowProblem(SOURCE, where, "model", f"not a model label: {label!r}")
    name, setting, dated = split_label(label)
    try:
        value = finite_number(score)
        if not 0 <= value <= 100:
            raise ValueError(f"{value!r} is outside 0-100 percent")
    except (ValueError, TypeError) as exc:
        return RowProblem(SOURCE, f"{where} {name}", "score", str(exc), {"model": label})
    return RawScore(
        source=SOURCE,
        benchmark="hle",
        raw_model=name,
        score=value,
        source_url=source_url,
        retrieved_at=retrieved_at,
        setting="+".join(p for p in (setting, SETTING) if p),
        row=f"{where} {name}",
        note="; ".join(
            p for p in (f"Scale label {label.strip()!r}", f"checkpoint {dated}" if dated else "") if p
        ),
        display_name=name,
        tier=TIER,
        tools="none",
        effort=next((p for p in setting.split("+") if _EFFORT.match(p)), ""),
    )
