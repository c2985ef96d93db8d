"""Name resolution on names the real sources use, and the G14 frontier rule."""

from __future__ import annotations

import datetime as dt

import pytest
from scraper_support import FIXTURES

from tracker.identity import FrontierPolicy, Identity, canonical_id, name_key, normalise_lab, split_name
from tracker.store import read_models

SEED = read_models(FIXTURES / "scrapers" / "models_seed.csv")


@pytest.fixture()
def identity() -> Identity:
    return Identity(SEED)


@pytest.mark.parametrize(
    ("raw", "model_id", "variant"),
    [
        ("claude-opus-4-6_32K", "claude-opus-4.6", "32k"),
        ("claude-sonnet-4-5-20250929_16K", "claude-sonnet-4.5", "16k"),
        ("Claude Opus 4.6", "claude-opus-4.6", ""),
        ("gemini-3.1-pro-preview-customtools", "gemini-3.1-pro", "customtools"),
        ("gemini-3.1-pro-preview", "gemini-3.1-pro", ""),
        ("gemini-2.0-flash-thinking-exp-01-21", "gemini-2.0-flash", "thinking"),
        ("gpt-5.4-2026-03-05_xhigh", "gpt-5.4-xhigh", "xhigh"),
        ("gpt-5.4-2026-03-05_high", "gpt-5.4-std", "high"),
        ("o1-preview-2024-09-12", "o1-preview", ""),
        ("o3-2025-04-16_medium", "o3", "medium"),
        ("o3-20250416", "o3", ""),
        ("Qwen3.6-27B", "qwen3.6-27b", ""),
        ("DeepSeek V4-Pro", "deepseek-v4-pro", ""),
        ("fireworks/kimi-k2p5", "kimi-k2.5", ""),
        ("Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick", ""),
        ("grok-4-0709", "grok-4", ""),
        ("deepseek-v3.2-reasoner", "deepseek-v3.2", "reasoner"),
        ("gemini-1.5-pro-002", "gemini-1.5-pro", ""),
        ("claude-3-5-sonnet-20241022", "claude-3.5-sonnet", ""),
    ],
)
def test_source_names_resolve_to_panel_releases(
    identity: Identity, raw: str, model_id: str, variant: str
) -> None:
    resolution = identity.resolve(raw)
    assert (resolution.model_id, resolution.variant) == (model_id, variant)


def test_dated_alias_needs_the_matching_release_date(identity: Identity) -> None:
    assert identity.resolve("deepseek-reasoner", release_date="2025-12-01").model_id == "deepseek-v3.2"
    later = identity.resolve("deepseek-reasoner", release_date="2026-09-01")
    assert later.model_id == "" and later.spelling == "deepseek-reasoner"  # never the bare "deepseek"


@pytest.mark.parametrize(
    ("raw", "new_id", "variant"),
    [
        ("gpt-5.3-codex_high", "gpt-5.3-codex", "high"),
        ("muse-spark", "muse-spark", ""),
        ("claude-opus-4-1-20250805_27K", "claude-opus-4.1", "27k"),
        ("claude-4-opus-20250514", "claude-opus-4", ""),
        ("Claude Opus 4.8", "claude-opus-4.8", ""),
        ("gemma-2-9b-it", "gemma-2-9b", ""),
        ("DeepSeek-R1-0528", "deepseek-r1-0528", ""),
    ],
)
def test_unknown_names_give_a_clean_new_id(identity: Identity, raw: str, new_id: str, variant: str) -> None:
    resolution = identity.resolve(raw)
    assert resolution.model_id == "" and resolution.variant == variant
    assert canonical_id(resolution.spelling) == new_id


def test_alias_is_learnt_and_then_used(identity: Identity) -> None:
    first = identity.resolve("claude-haiku-4-5-20251001_32K")
    assert first.new_alias == "claude-haiku-4-5-20251001"
    identity.add_alias(first.model_id, first.new_alias)
    assert identity.get("claude-haiku-4.5").aliases[-1] == "claude-haiku-4-5-20251001"
    assert identity.resolve("claude-haiku-4-5-20251001").new_alias == ""


def test_split_name_keeps_embedded_date_and_spellings() -> None:
    parts = split_name("claude-opus-4-5-20251101_32K")
    assert parts.effort == "32k" and parts.embedded_date == "2025-11-01"
    assert parts.spellings == ("claude-opus-4-5-20251101", "claude-opus-4-5")


def test_seed_table_has_no_two_releases_sharing_a_key() -> None:
    keys = [name_key(m.name) for m in SEED]
    assert len(keys) == len(set(keys)) == 45


def test_labs_are_normalised_to_panel_names() -> None:
    assert normalise_lab("Google DeepMind") == "Google"
    assert normalise_lab("Z.ai (Zhipu AI),Tsinghua University") == "Zhipu"
    assert normalise_lab("Meta AI") == "Meta"
    assert normalise_lab("Some New Lab") == "Some New Lab"


def _policy() -> FrontierPolicy:
    import pandas as pd

    from tracker.stats.frozen import load_frozen_panel

    frame: pd.DataFrame = load_frozen_panel(FIXTURES.parent.parent / "data" / "frozen" / "panel.csv")
    return FrontierPolicy.from_panel(frame)


def test_frontier_policy_follows_g14() -> None:
    policy = _policy()
    assert policy.panel_labs == {
        "Anthropic",
        "OpenAI",
        "Google",
        "DeepSeek",
        "xAI",
        "Meta",
        "Alibaba",
        "Moonshot",
        "Zhipu",
        "MiniMax",
    }
    assert policy.cutoff == dt.date(2026, 3, 1)
    assert policy.is_frontier("Claude Fable 5", "Anthropic", "2026-06-09", {})
    assert policy.is_frontier("muse-spark", "Meta", "2026-04-08", {"gpqa_diamond": 89.8})
    assert not policy.is_frontier(
        "Gemma 4 31B", "Google", "2026-04-02", {"gpqa_diamond": 85.7}
    )  # small family
    assert not policy.is_frontier("gpt-5-mini", "OpenAI", "2026-05-01", {})
    assert not policy.is_frontier("gpt-5.3", "OpenAI", "2026-02-05", {})  # before the panel's cutoff
    assert not policy.is_frontier("Claude Mythos 5", "Anthropic", "", {})  # no release date
    assert not policy.is_frontier("Newco 1", "Newco", "2026-07-01", {"gpqa_diamond": 70.0})
    assert policy.is_frontier(
        "Newco 1", "Newco", "2026-07-01", {"gpqa_diamond": policy.top10["gpqa_diamond"]}
    )
