"""OpenRouter's model list: new releases, closed ones included, within a day of their launch.

`GET https://openrouter.ai/api/v1/models` (no auth) lists every model OpenRouter serves. A
model id seen for the first time is a new release the day it appears; `created` is when
OpenRouter listed it (not the lab's release date, which can be a day or more earlier), so it
is kept as `listed_at` and the release date comes from the lab (models.dev, Epoch).

Quirks (fixtures PROVENANCE-2.md section 2):
- Two shapes: the API body `{"data": [...]}` and a bare array (a daily archive's
  `jq '.data | sort_by(.id)'`); both are read.
- Not every id is a release: `~vendor/...-latest` ids are aliases, `:free` / `:thinking` /
  `:exacto` ids are twins of another id, and `openrouter/*` ids are routers or stealth models
  under a code name. They are returned with their `kind` so that nothing is dropped unseen.
- Ids disappear and come back: a removal is not a retirement, and a returning id is not new.
- `hugging_face_id` names the open-weight repo when there is one ("" or null otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.scrapers.dates import finite_number
from tracker.scrapers.documents import load_json
from tracker.scrapers.errors import ParseError
from tracker.source_records import ListedModel, RowProblem

SOURCE = "openrouter"
URL = "https://openrouter.ai/api/v1/models"
SITE_URL = "https://openrouter.ai/models"


def parse(data: bytes, *, retrieved_at: str = "") -> list[ListedModel | RowProblem]:
    """One ListedModel per listed id (with its kind), or a RowProblem for an unreadable entry."""
    document = load_json(data, SOURCE)
    items = document.get("data") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ParseError(SOURCE, "expected {'data': [...]} or a JSON array of models", field="data")
    return [model_entry(item, row=f"[{index}]") for index, item in enumerate(items)]


def kind_of(feed_id: str) -> str:
    """'release', or what else an id is: 'alias', 'twin' (`:free` ...), 'router' (openrouter/*)."""
    if feed_id.startswith("~"):
        return "alias"
    if ":" in feed_id:
        return "twin"
    if feed_id.startswith("openrouter/"):
        return "router"
    return "release"


def model_entry(item: Any, *, row: str) -> ListedModel | RowProblem:
    """One entry of the list."""
    feed_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(feed_id, str) or "/" not in feed_id.strip("~"):
        return RowProblem(
            SOURCE, row, "id", "not a model object with a 'vendor/slug' id", {"item": str(item)[:200]}
        )
    where = f"{row} {feed_id}"
    try:
        listed = _listed_at(item.get("created"))
    except ValueError as exc:
        return RowProblem(SOURCE, where, "created", str(exc), {"id": feed_id})
    hf_repo = item.get("hugging_face_id")
    if hf_repo is not None and not isinstance(hf_repo, str):
        return RowProblem(SOURCE, where, "hugging_face_id", f"not a string: {hf_repo!r}", {"id": feed_id})
    name = item.get("name") if isinstance(item.get("name"), str) else ""
    return ListedModel(
        source=SOURCE,
        feed_id=feed_id,
        name=display_name(name) or feed_id.split("/", 1)[1],
        lab=feed_id.lstrip("~").split("/", 1)[0],
        kind=kind_of(feed_id),
        listed_at=listed,
        open_weights="true" if hf_repo else "",
        hf_repo=(hf_repo or "").strip(),
        row=where,
        note=f"canonical slug {item['canonical_slug']}"
        if isinstance(item.get("canonical_slug"), str)
        else "",
    )


def display_name(name: str) -> str:
    """ "Anthropic: Claude Opus 4.7" -> "Claude Opus 4.7" (the vendor prefix is the lab)."""
    return name.split(": ", 1)[-1].strip()


def new_releases(before: list[ListedModel], after: list[ListedModel]) -> list[ListedModel]:
    """Releases listed in `after` that `before` did not list and that were listed after
    everything in `before` (an id that comes back carries its old `created`: not new).
    Removals say nothing."""
    seen = {m.feed_id for m in before}
    watermark = max((m.listed_at for m in before), default="")
    return [m for m in after if m.kind == "release" and m.feed_id not in seen and m.listed_at > watermark]


def _listed_at(value: Any) -> str:
    """`created` (unix seconds) as an instant; '' when absent."""
    if value is None:
        return ""
    seconds = finite_number(value)
    try:
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"not a unix time: {value!r}") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
