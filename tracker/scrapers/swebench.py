"""SWE-bench official leaderboard: `data/leaderboards.json` of the swebench.com site (CC BY-NC 4.0).

Only SWE-bench Verified counts (PREDICTIONS.md G6), and the file holds two kinds of entry:
- the `bash-only` board: every model run in the same minimal agent (mini-SWE-agent), so it
  is a like-for-like model comparison. Records get the setting `mini-swe-agent` and are
  model-level evidence.
- the `Verified` board: agent systems (scaffold + one or more models). An entry that names
  exactly one model (`"Model: <id>"` tag) is kept with the setting `system:<folder>`; the panel
  excludes these from model-level evidence. Entries naming no model or several are not
  attributable to a model and are left out.
Other boards (Test, Lite, Multimodal, multilingual, ...) are other benchmarks and are ignored.
Entries are keyed by `folder`: display names are free text and not unique.
"""

from __future__ import annotations

import json
from typing import Any

from tracker.scrapers.dates import finite_number, iso_day
from tracker.scrapers.errors import ParseError
from tracker.scrapers.tabular import decode_text
from tracker.source_records import RawScore, RowProblem

SOURCE = "swebench"
URL = "https://raw.githubusercontent.com/SWE-bench/swe-bench.github.io/main/data/leaderboards.json"
SITE_URL = "https://www.swebench.com/"
MODEL_BOARD = "bash-only"
SYSTEM_BOARD = "Verified"
MODEL_SETTING = "mini-swe-agent"


def parse(data: bytes, *, retrieved_at: str, source_url: str = SITE_URL) -> list[RawScore | RowProblem]:
    """SWE-bench Verified records of one leaderboards.json (model board and single-model systems)."""
    boards = _boards(data)
    if MODEL_BOARD not in boards and SYSTEM_BOARD not in boards:
        raise ParseError(
            SOURCE,
            f"no {MODEL_BOARD!r} or {SYSTEM_BOARD!r} board; boards are {sorted(boards)}",
            field="leaderboards",
        )
    records: list[RawScore | RowProblem] = []
    for board in (MODEL_BOARD, SYSTEM_BOARD):
        for index, entry in enumerate(boards.get(board, [])):
            record = _record(board, index, entry, retrieved_at, source_url)
            if record is not None:
                records.append(record)
    return records


def _boards(data: bytes) -> dict[str, list[Any]]:
    """Board name -> its result list; ParseError unless the top level has that shape."""
    try:
        document = json.loads(decode_text(data, SOURCE))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(SOURCE, f"not JSON: {str(exc)[:80]}") from None
    boards = document.get("leaderboards") if isinstance(document, dict) else None
    if not isinstance(boards, list):
        raise ParseError(
            SOURCE, "top level is not {'leaderboards': [...]} (format changed?)", field="leaderboards"
        )
    out: dict[str, list[Any]] = {}
    for index, board in enumerate(boards):
        if not (
            isinstance(board, dict)
            and isinstance(board.get("name"), str)
            and isinstance(board.get("results"), list)
        ):
            raise ParseError(
                SOURCE, "board without name/results", row=f"leaderboards[{index}]", field="results"
            )
        out[board["name"]] = board["results"]
    return out


def _tag_values(tags: list[Any], prefix: str) -> list[str]:
    return [t[len(prefix) :].strip() for t in tags if isinstance(t, str) and t.startswith(prefix)]


def _record(
    board: str, index: int, entry: Any, retrieved_at: str, source_url: str
) -> RawScore | RowProblem | None:
    """A record for a model-level or single-model entry, None for multi/no-model systems."""
    if not isinstance(entry, dict):
        return RowProblem(
            SOURCE, f"{board}[{index}]", "entry", "not an object", raw={"entry": str(entry)[:200]}
        )
    folder = str(entry.get("folder") or "").strip()
    where = f"{board}[{index}] {folder}".strip()
    raw = {k: str(entry.get(k))[:200] for k in ("folder", "name", "resolved", "date", "tags")}
    field = "tags"
    try:
        tags = entry.get("tags")
        if not isinstance(tags, list):
            raise ValueError("tags is not a list")
        models = _tag_values(tags, "Model:")
        if board == SYSTEM_BOARD and len(models) != 1:
            return None
        if len(models) != 1 or not models[0]:
            raise ValueError(f"expected one 'Model: <id>' tag, found {len(models)}")
        field = "folder"
        if not folder:
            raise ValueError("empty folder")
        field = "resolved"
        score = finite_number(entry.get("resolved"))
        field = "date"
        reported = iso_day(str(entry.get("date") or ""))
    except (ValueError, TypeError) as exc:
        return RowProblem(SOURCE, where, field, str(exc), raw=raw)
    setting = MODEL_SETTING if board == MODEL_BOARD else f"system:{folder}"
    orgs = _tag_values(tags, "Org:")
    return RawScore(
        source=SOURCE,
        benchmark="swe_bench_verified",
        raw_model=models[0],
        score=score,
        source_url=source_url,
        retrieved_at=retrieved_at,
        reported_date=reported,
        setting=setting,
        tier="independent",
        harness="bash-only" if board == MODEL_BOARD else "agent",
        attempts="single",
        lab=orgs[0] if orgs else "",
        run_started=f"{reported}T00:00:00.000Z" if reported else "",
        row=where,
        note=f"{board} board, folder {folder}",
        display_name=str(entry.get("name") or ""),
    )
