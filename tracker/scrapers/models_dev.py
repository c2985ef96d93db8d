"""models.dev catalogue: release dates of closed models, from the lab that made them.

`https://models.dev/api.json` is an object keyed by provider; each provider lists the models
it serves with `release_date`, `open_weights` and more. The same model reappears under about
a hundred resellers with their own ids and dates, so only the first-party providers (the
lab's own API) are read, and the lab is named by the provider, never by the reseller.

Quirks (fixtures PROVENANCE-2.md section 3): `release_date` is usually YYYY-MM-DD but sometimes
YYYY-MM (Alibaba's Qwen releases, Kimi K2.5): the precision is kept and a month is never read
as its first day. Old ids are pruned from first-party providers over time (a removal is not a
retirement) and some additions are backfills with old dates.
"""

from __future__ import annotations

from typing import Any

from tracker.scrapers.dates import partial_day
from tracker.scrapers.documents import load_json
from tracker.scrapers.errors import ParseError
from tracker.source_records import ListedModel, RowProblem

SOURCE = "models_dev"
URL = "https://models.dev/api.json"
SITE_URL = "https://models.dev/"
# models.dev provider id -> the lab whose own API it is (resellers are not read).
FIRST_PARTY: dict[str, str] = {
    "anthropic": "Anthropic",
    "openai": "OpenAI",
    "google": "Google",
    "deepseek": "DeepSeek",
    "xai": "xAI",
    "alibaba": "Alibaba",
    "moonshotai": "Moonshot",
    "zai": "Zhipu",
    "mistral": "Mistral",
    "llama": "Meta",
    "minimax": "MiniMax",
}


def parse(data: bytes, *, retrieved_at: str = "") -> list[ListedModel | RowProblem]:
    """One ListedModel per model of each first-party provider (RowProblem for a bad entry)."""
    document = load_json(data, SOURCE)
    if not isinstance(document, dict):
        raise ParseError(SOURCE, "expected an object keyed by provider id")
    if not any(isinstance(document.get(p), dict) for p in FIRST_PARTY):
        raise ParseError(SOURCE, f"none of the first-party providers {sorted(FIRST_PARTY)} is listed")
    records: list[ListedModel | RowProblem] = []
    for provider, lab in FIRST_PARTY.items():
        entry = document.get(provider)
        models = entry.get("models") if isinstance(entry, dict) else None
        if entry is not None and not isinstance(models, dict):
            records.append(RowProblem(SOURCE, provider, "models", "not an object of models"))
            continue
        for key, model in sorted((models or {}).items()):
            records.append(model_entry(provider, lab, key, model))
    return records


def model_entry(provider: str, lab: str, key: str, item: Any) -> ListedModel | RowProblem:
    """One first-party model: its release date with precision, and open_weights when stated."""
    where = f"{provider}.models.{key}"
    if not isinstance(item, dict):
        return RowProblem(SOURCE, where, "model", "not an object")
    try:
        release, precision = partial_day(item.get("release_date"))
    except ValueError as exc:
        return RowProblem(SOURCE, where, "release_date", str(exc), {"id": key})
    weights = item.get("open_weights")
    if weights is not None and not isinstance(weights, bool):
        return RowProblem(SOURCE, where, "open_weights", f"not true/false: {weights!r}", {"id": key})
    given_id = item.get("id")
    model_id = given_id if isinstance(given_id, str) else str(key)
    given = item.get("name")
    name = given if isinstance(given, str) else model_id
    return ListedModel(
        source=SOURCE,
        feed_id=f"{provider}/{model_id}",
        name=name.strip() or model_id,
        lab=lab,
        release_date=release,
        date_precision=precision,
        open_weights="" if weights is None else str(weights).lower(),
        row=where,
        note=f"first-party provider {provider!r}",
    )


def new_models(before: list[ListedModel], after: list[ListedModel]) -> list[ListedModel]:
    """First-party models in `after` that `before` did not list (backfills included: their
    old release dates say so). Removals say nothing."""
    seen = {m.feed_id for m in before}
    return [m for m in after if m.feed_id not in seen]
