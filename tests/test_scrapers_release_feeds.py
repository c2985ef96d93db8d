"""OpenRouter list and models.dev catalogue parsers on their two recorded snapshots each."""

from __future__ import annotations

import pytest
from scraper_support import gz_fixture

from tracker.scrapers import models_dev, openrouter
from tracker.scrapers.errors import ParseError
from tracker.source_records import ListedModel, RowProblem


def _openrouter(day: str) -> list:
    return openrouter.parse(gz_fixture("openrouter", day, "openrouter-models.json"))


def _models_dev(day: str) -> list:
    return models_dev.parse(gz_fixture("models-dev", day, "models-dev.json"))


def test_openrouter_reads_both_shapes_with_every_entry() -> None:
    assert len(_openrouter("2026-02-27")) == 344  # {"data": [...]}
    assert len(_openrouter("2026-04-19")) == 342  # a bare array
    assert all(isinstance(m, ListedModel) for m in _openrouter("2026-04-19"))


def test_openrouter_twins_and_routers_are_not_releases() -> None:
    kinds = {m.feed_id: m.kind for m in _openrouter("2026-04-19")}
    assert kinds["openai/gpt-oss-120b:free"] == "twin"
    assert kinds["anthropic/claude-3.7-sonnet:thinking"] == "twin"
    assert kinds["openrouter/elephant-alpha"] == "router"
    assert kinds["anthropic/claude-opus-4.7"] == "release"
    assert openrouter.kind_of("~anthropic/claude-opus-latest") == "alias"


def test_openrouter_new_releases_between_the_snapshots() -> None:
    new = {
        m.feed_id: m for m in openrouter.new_releases(_openrouter("2026-02-27"), _openrouter("2026-04-19"))
    }
    opus = new["anthropic/claude-opus-4.7"]
    assert (opus.name, opus.lab, opus.listed_at) == ("Claude Opus 4.7", "anthropic", "2026-04-16T14:51:40Z")
    assert {"openai/gpt-5.4", "openai/gpt-5.4-pro", "z-ai/glm-5.1", "x-ai/grok-4.20"} <= set(new)
    assert new["z-ai/glm-5.1"].hf_repo == "zai-org/GLM-5.1" and new["z-ai/glm-5.1"].open_weights == "true"
    assert new["openai/gpt-5.4"].hf_repo == "" and new["openai/gpt-5.4"].open_weights == ""
    # neither twins, routers, nor ids that come back with an old `created` are new releases
    assert "openrouter/elephant-alpha" not in new and "google/gemma-4-31b-it:free" not in new
    assert "rekaai/reka-flash-3" not in new  # created 2025-03-12, absent on 02-27
    assert "upstage/solar-pro-3" not in new  # created 2026-01-27, only its :free twin listed on 02-27
    assert len(new) == 29


def test_openrouter_disappearing_ids_are_not_retirements() -> None:
    assert openrouter.new_releases(_openrouter("2026-04-19"), _openrouter("2026-02-27")) == []


def test_openrouter_bad_entries_are_row_problems_and_bad_bodies_errors() -> None:
    records = openrouter.parse(
        b'{"data": [{"id": "x"}, {"id": "a/b", "created": "soon"}, {"id": "a/c", "created": 1}]}'
    )
    assert [(type(r).__name__, getattr(r, "field", "")) for r in records] == [
        ("RowProblem", "id"),
        ("RowProblem", "created"),
        ("ListedModel", ""),
    ]
    with pytest.raises(ParseError, match="openrouter"):
        openrouter.parse(b'{"error": "rate limited"}')


def test_models_dev_reads_first_party_providers_only() -> None:
    records = _models_dev("2026-04-19")
    assert all(isinstance(m, ListedModel) for m in records)
    assert {m.feed_id.split("/")[0] for m in records} <= set(models_dev.FIRST_PARTY)
    by_id = {m.feed_id: m for m in records}
    opus = by_id["anthropic/claude-opus-4-7"]
    assert (opus.release_date, opus.date_precision, opus.lab, opus.open_weights) == (
        "2026-04-16",
        "day",
        "Anthropic",
        "false",
    )


def test_models_dev_month_dates_keep_their_precision() -> None:
    by_id = {m.feed_id: m for m in _models_dev("2026-03-01")}
    assert (by_id["moonshotai/kimi-k2.5"].release_date, by_id["moonshotai/kimi-k2.5"].date_precision) == (
        "2026-01",
        "month",
    )
    assert by_id["alibaba/qwen3-235b-a22b"].date_precision == "month"
    assert by_id["alibaba/qwen3-235b-a22b"].open_weights == "true"


def test_models_dev_new_models_between_the_snapshots() -> None:
    new = {m.feed_id: m for m in models_dev.new_models(_models_dev("2026-03-01"), _models_dev("2026-04-19"))}
    assert {"anthropic/claude-opus-4-7", "openai/gpt-5.4", "zai/glm-5.1"} <= set(new)
    assert new["zai/glm-5.1"].release_date == "2026-03-27"
    assert new["google/gemma-3-12b-it"].release_date == "2025-03-13"  # a backfill keeps its old date


def test_models_dev_bad_date_is_a_row_problem_naming_provider_and_model() -> None:
    [problem] = models_dev.parse(
        b'{"openai": {"models": {"gpt-9": {"id": "gpt-9", "release_date": "soon"}}}}'
    )
    assert isinstance(problem, RowProblem)
    assert (problem.row, problem.field) == ("openai.models.gpt-9", "release_date")
    with pytest.raises(ParseError, match="first-party"):
        models_dev.parse(b'{"vercel": {"models": {}}}')
