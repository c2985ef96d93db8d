"""Hub parser and classifier on the real model objects recorded in the cassettes."""

from __future__ import annotations

import copy
import json

import pytest
from scraper_support import hub_model_objects

from tracker.scrapers import hf_hub
from tracker.scrapers.errors import ParseError
from tracker.source_records import HubModel, RowProblem

AT = "2026-11-26T06:00:00Z"


def _by_id() -> dict[str, dict]:
    return {o["id"]: o for o in hub_model_objects()}


def test_recorded_objects_parse_with_real_fields() -> None:
    rows = hf_hub.parse(json.dumps(hub_model_objects()).encode(), retrieved_at=AT)
    assert all(isinstance(r, HubModel) for r in rows)
    bart = next(r for r in rows if r.repo_id == "facebook/bart-base")
    assert bart.sha == "aadd2ab0ae0c8268c7c9693540e9904811f36177"
    assert bart.created_at == "2022-03-02T23:29:05Z"  # the Hub migration date, not a release date
    assert bart.first_seen == AT and bart.gated == "false" and bart.license == "apache-2.0"
    assert (bart.architecture, bart.n_params, bart.kind) == ("BartModel", "139420416", "base")
    assert not bart.steerable and "feature-extraction" in bart.skip_reason


def test_expand_only_objects_keep_their_id_and_are_not_steerable() -> None:
    rows = hf_hub.parse(json.dumps(hub_model_objects()).encode(), retrieved_at=AT)
    llama = next(r for r in rows if r.repo_id == "meta-llama/Llama-3.1-8B-Instruct")
    assert llama.kind == "other" and not llama.steerable and llama.author == "meta-llama"


def _variant(**changes: object) -> dict:
    item = copy.deepcopy(_by_id()["google-t5/t5-small"])
    item.update(changes)
    return item


def test_causal_lm_is_steerable() -> None:
    item = _variant(
        pipeline_tag="text-generation", config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    )
    row = hf_hub.model_row(item, retrieved_at=AT)
    assert row.steerable and row.skip_reason == ""


@pytest.mark.parametrize(
    ("changes", "kind", "reason"),
    [
        ({"gated": "manual"}, "base", "gated (manual)"),
        (
            {"config": {"architectures": ["XForCausalLM"], "auto_map": {"AutoModel": "m.X"}}},
            "base",
            "remote code",
        ),
        ({"tags": ["gguf", "base_model:quantized:org/base"]}, "quantized", "quantized derivative"),
        ({"library_name": "peft", "tags": ["base_model:adapter:org/base"]}, "adapter", "adapter derivative"),
    ],
)
def test_skip_reasons(changes: dict, kind: str, reason: str) -> None:
    item = _variant(pipeline_tag="text-generation", **changes)
    if "config" not in changes:
        item["config"] = {"architectures": ["LlamaForCausalLM"]}
    row = hf_hub.model_row(item, retrieved_at=AT)
    assert row.kind == kind and not row.steerable and reason in row.skip_reason


def test_instruct_and_finetune_are_told_apart_by_base_model_org() -> None:
    own = _variant(id="google-t5/t5-small-instruct", cardData={"base_model": "google-t5/t5-small"})
    other = _variant(id="someone/t5-small-tuned", cardData={"base_model": "google-t5/t5-small"})
    assert hf_hub.classify(own) == "instruct"
    assert hf_hub.classify(other) == "finetune"


def test_link_header_next() -> None:
    header = (
        '<https://huggingface.co/api/models?author=x&cursor=abc>; rel="next", <https://h/prev>; rel="prev"'
    )
    assert hf_hub.next_link(header) == "https://huggingface.co/api/models?author=x&cursor=abc"
    assert hf_hub.next_link("") == ""


def test_list_url_asks_for_newest_first_with_config() -> None:
    url = hf_hub.list_url("deepseek-ai")
    assert (
        "author=deepseek-ai" in url
        and "sort=createdAt" in url
        and "direction=-1" in url
        and "config=true" in url
    )


def test_not_an_array_is_a_parse_error_and_bad_items_are_row_problems() -> None:
    with pytest.raises(ParseError):
        hf_hub.parse(b'{"error": "rate limited"}', retrieved_at=AT)
    (problem,) = hf_hub.parse(b'[{"name": "no id"}]', retrieved_at=AT)
    assert isinstance(problem, RowProblem) and problem.field == "id"
