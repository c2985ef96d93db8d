"""Hugging Face Hub: new open-weight repositories of the watched organisations.

Reads the list endpoint `/api/models?author=<org>&sort=createdAt&direction=-1&limit=100&full=true
&config=true` (a JSON array, paginated by a `Link: <...>; rel="next"` header) and classifies
each repo as base / instruct / finetune / quantized / adapter / other from its config, tags,
card data (`base_model`, `base_model_relation`) and library. A repo is steerable only if the
steering regression can load it as plain transformers weights; gated repos (an access request
is needed) and remote-code-only repos (`auto_map` in config, `custom_code` tag) are skipped
with the reason, as are derivatives (steer the base repo instead).

`createdAt` is the repo's creation on the Hub (old repos show the 2022-03-02 migration date),
not the announcement date: both it and `first_seen` (when this project first listed the repo)
are kept.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from tracker.scrapers.dates import iso_instant, to_seconds
from tracker.scrapers.errors import ParseError
from tracker.source_records import HubModel, RowProblem

__all__ = ["HubModel", "list_url", "next_link", "parse"]
from tracker.scrapers.tabular import decode_text

SOURCE = "hf_hub"
API = "https://huggingface.co/api/models"
SITE = "https://huggingface.co/"
_INSTRUCT = re.compile(r"(instruct|chat|-it$|-it-|thinking|-sft|-dpo|-rl$)", re.IGNORECASE)
_QUANT_NAME = re.compile(r"(gguf|awq|gptq|exl2|mlx|bnb|-int4|-int8|-4bit|-8bit)", re.IGNORECASE)
_QUANT_TAGS = {"gguf", "awq", "gptq", "exl2", "mlx", "bitsandbytes", "4-bit", "8-bit", "compressed-tensors"}
_RELATION_TAG = re.compile(r"^base_model:(adapter|quantized|finetune|merge):(.+)$")
_CAUSAL_PIPELINES = {"text-generation", "image-text-to-text"}


def list_url(org: str, *, api: str = API, limit: int = 100) -> str:
    """First page of an organisation's repos, newest first, with config and card data."""
    query = {
        "author": org,
        "sort": "createdAt",
        "direction": "-1",
        "limit": str(limit),
        "full": "true",
        "config": "true",
    }
    return f"{api}?{urlencode(query)}"


def parse(data: bytes, *, retrieved_at: str) -> list[HubModel | RowProblem]:
    """Catalogue rows of one list page (a JSON array of model objects)."""
    try:
        items = json.loads(decode_text(data, SOURCE))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(SOURCE, f"not JSON: {str(exc)[:80]}") from None
    if not isinstance(items, list):
        raise ParseError(SOURCE, f"expected a JSON array of models, got {type(items).__name__}")
    return [model_row(item, retrieved_at=retrieved_at, row=f"[{i}]") for i, item in enumerate(items)]


def model_row(item: Any, *, retrieved_at: str, row: str = "") -> HubModel | RowProblem:
    """One catalogue row from one model object (list or model-info endpoint)."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or "/" not in item["id"]:
        return RowProblem(
            SOURCE, row, "id", "not a model object with an 'org/name' id", raw={"item": str(item)[:200]}
        )
    where = f"{row} {item['id']}".strip()
    try:
        created = to_seconds(iso_instant(_text(item.get("createdAt"))))
        modified = to_seconds(iso_instant(_text(item.get("lastModified"))))
    except ValueError as exc:
        return RowProblem(SOURCE, where, "createdAt", str(exc), raw={"id": item["id"]})
    kind = classify(item)
    steerable, reason = steerability(item, kind)
    return HubModel(
        repo_id=item["id"],
        author=_text(item.get("author")) or item["id"].split("/")[0],
        sha=_text(item.get("sha")),
        created_at=created,
        last_modified=modified,
        first_seen=retrieved_at,
        pipeline_tag=_text(item.get("pipeline_tag")),
        library_name=_text(item.get("library_name")),
        gated=_gated(item),
        kind=kind,
        architecture=_architecture(item),
        n_params=_n_params(item),
        license=_license(item),
        steerable=steerable,
        skip_reason=reason,
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tags(item: dict[str, Any]) -> list[str]:
    return [t for t in _list(item.get("tags")) if isinstance(t, str)]


def _gated(item: dict[str, Any]) -> str:
    """'false', or the gating mode ('manual', 'auto'); the API gives false or a string."""
    value = item.get("gated")
    if value is None or value is False:
        return "false"
    return value if isinstance(value, str) and value else "true"


def base_models(item: dict[str, Any]) -> list[tuple[str, str]]:
    """(relation, base repo) pairs from the tags and the card (relation '' if unstated)."""
    pairs = [(m.group(1), m.group(2)) for t in _tags(item) if (m := _RELATION_TAG.match(t))]
    card = _dict(item.get("cardData"))
    declared = card.get("base_model")
    names = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
    relation = _text(card.get("base_model_relation"))
    known = {b for _, b in pairs}
    pairs += [(relation, n) for n in names if isinstance(n, str) and n and n not in known]
    return [(r, b) for r, b in pairs if b != item.get("id")]


def classify(item: dict[str, Any]) -> str:
    """base | instruct | finetune | quantized | adapter | other (see the module docstring)."""
    tags = set(_tags(item))
    library = _text(item.get("library_name")).lower()
    relations = {r for r, _ in base_models(item)}
    siblings = {_text(_dict(s).get("rfilename")) for s in _list(item.get("siblings"))}
    name = str(item.get("id", "")).split("/")[-1]
    if (
        "adapter" in relations
        or library == "peft"
        or {"peft", "lora"} & tags
        or "adapter_config.json" in siblings
    ):
        return "adapter"
    if (
        "quantized" in relations
        or library in {"gguf", "mlx"}
        or _QUANT_TAGS & tags
        or _QUANT_NAME.search(name)
    ):
        return "quantized"
    bases = base_models(item)
    if bases:
        own = str(item.get("id", "")).split("/")[0]
        same_org = all(b.split("/")[0] == own for _, b in bases)
        return "instruct" if same_org and _INSTRUCT.search(name) else "finetune"
    if not _dict(item.get("config")) and not library:
        return "other"
    return "instruct" if _INSTRUCT.search(name) else "base"


def steerability(item: dict[str, Any], kind: str) -> tuple[bool, str]:
    """Whether the steering regression can run on the repo as is, and why not."""
    config = _dict(item.get("config"))
    gated = _gated(item)
    pipeline = _text(item.get("pipeline_tag"))
    library = _text(item.get("library_name"))
    causal = pipeline in _CAUSAL_PIPELINES or _architecture(item).endswith("ForCausalLM")
    checks = [
        (gated != "false", f"gated ({gated}): the weights need an approved access request"),
        (bool(item.get("private")) or bool(item.get("disabled")), "private or disabled repo"),
        (
            "auto_map" in config or "custom_code" in _tags(item),
            "remote code only (auto_map/custom_code): steering never runs trust_remote_code",
        ),
        (kind in {"quantized", "adapter"}, f"{kind} derivative: the base repo is steered instead"),
        (kind == "other", "no model config to load"),
        (bool(library) and library != "transformers", f"library {library!r} is not transformers"),
        (
            not causal,
            f"not a causal language model (pipeline {pipeline or 'none'!r}, {_architecture(item) or 'no architecture'})",
        ),
    ]
    reason = next((why for failed, why in checks if failed), "")
    return (not reason, reason)


def _architecture(item: dict[str, Any]) -> str:
    config = _dict(item.get("config"))
    archs = config.get("architectures")
    if isinstance(archs, list) and archs and isinstance(archs[0], str):
        return archs[0]
    return _text(config.get("model_type"))


def _n_params(item: dict[str, Any]) -> str:
    total = _dict(item.get("safetensors")).get("total")
    return str(total) if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else ""


def _license(item: dict[str, Any]) -> str:
    card = _dict(item.get("cardData")).get("license")
    if isinstance(card, str) and card:
        return card
    return next((t.split(":", 1)[1] for t in _tags(item) if t.startswith("license:")), "")


def next_link(link_header: str) -> str:
    """The URL marked rel="next" in an RFC 8288 Link header, '' when there is none."""
    for part in link_header.split(","):
        segments = [s.strip() for s in part.split(";")]
        if segments and segments[0].startswith("<") and segments[0].endswith(">"):
            rels = {s.split("=", 1)[1].strip('"') for s in segments[1:] if s.startswith("rel=")}
            if "next" in rels:
                return segments[0][1:-1]
    return ""
