"""LLMStats' model files: IFEval as the labs report it, each with the link it came from.

JonathanChavezTamales/LLMStats (the data behind llm-stats.com, CC BY 4.0) keeps one
`models/<org>/<model>/model.json` per model: `name`, `release_date` and
`qualitative_metrics[]{dataset_name, score (fraction), is_self_reported, analysis_method,
date_recorded, source_link}`. The download is the repository's zip; one model.json is read too.

LLMStats is an aggregator, so a number is only as good as its link: a row whose
`source_link` is the lab's own page (its site, its Hugging Face or GitHub organisation) is the
lab's first-party number; any other link makes it a secondary report, never the lab's number.
`analysis_method` says which IFEval metric the lab reported (prompt-level strict, an average of
four, ...) and is recorded as the metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tracker.scrapers.dates import finite_number, iso_day
from tracker.scrapers.documents import documents
from tracker.scrapers.errors import ParseError
from tracker.source_records import RawScore, RowProblem

SOURCE = "llmstats"
URL = "https://codeload.github.com/JonathanChavezTamales/LLMStats/zip/refs/heads/main"
DATASETS = {"ifeval": "ifeval"}
# LLMStats organisation folder -> the hosts and path prefixes that are the lab's own.
LAB_HOSTS: dict[str, tuple[str, ...]] = {
    "openai": ("openai.com", "cdn.openai.com"),
    "anthropic": ("anthropic.com", "assets.anthropic.com", "docs.anthropic.com"),
    "google": ("ai.google.dev", "deepmind.google", "blog.google", "storage.googleapis.com/deepmind-media"),
    "deepseek": (
        "deepseek.com",
        "api-docs.deepseek.com",
        "huggingface.co/deepseek-ai",
        "github.com/deepseek-ai",
    ),
    "meta": ("ai.meta.com", "llama.com", "huggingface.co/meta-llama", "github.com/meta-llama"),
    "qwen": ("qwenlm.github.io", "qwen.ai", "huggingface.co/qwen", "github.com/qwenlm"),
    "mistral": ("mistral.ai", "huggingface.co/mistralai"),
    "amazon": ("amazon.science", "aws.amazon.com"),
    "microsoft": ("microsoft.com", "huggingface.co/microsoft"),
    "ibm": ("ibm.com", "huggingface.co/ibm-granite"),
    "moonshotai": ("moonshot.ai", "moonshot.cn", "github.com/moonshotai", "huggingface.co/moonshotai"),
    "nvidia": ("nvidia.com", "build.nvidia.com", "huggingface.co/nvidia"),
    "xai": ("x.ai",),
}


def parse(data: bytes, *, retrieved_at: str) -> list[RawScore | RowProblem]:
    """IFEval records of the repository zip (every model.json in it) or of one model.json."""
    bundle = documents(data, SOURCE, suffix="/model.json", single="model.json")
    records: list[RawScore | RowProblem] = []
    for where, document in bundle:
        if isinstance(document, ParseError):
            records.append(RowProblem(SOURCE, where, "model.json", str(document)))
        else:
            records += parse_model(document, where=where, retrieved_at=retrieved_at)
    return records


def parse_model(document: Any, *, where: str, retrieved_at: str) -> list[RawScore | RowProblem]:
    """The IFEval rows of one model.json; the model is named by its folder when there is one."""
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        return [RowProblem(SOURCE, where, "name", "not a model object with a name")]
    org, folder = _folders(where)
    try:
        release = iso_day(str(document.get("release_date") or ""))
    except ValueError as exc:
        return [RowProblem(SOURCE, where, "release_date", str(exc), {"name": document["name"]})]
    metrics = document.get("qualitative_metrics") or []
    if not isinstance(metrics, list):
        return [RowProblem(SOURCE, where, "qualitative_metrics", "not a list", {"name": document["name"]})]
    model = _Model(f"{org}/{folder}" if org else document["name"], document["name"], org, release, where)
    return [r for i, m in enumerate(metrics) if (r := _metric(model, i, m, retrieved_at)) is not None]


def ifeval_metric(method: str) -> str:
    """The IFEval metric an `analysis_method` names ('' when it does not say which one)."""
    text = method.lower()
    if "avg" in text or "average" in text:
        return "average"
    if "prompt" in text and "strict" in text:
        return "prompt_strict"
    if "instruction" in text and "strict" in text:
        return "instruction_strict"
    return ""


def tier_of(org: str, link: str) -> str:
    """'first_party' when the link is one of the lab's own hosts, else 'secondary'."""
    parts = urlsplit(link.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "secondary"
    place = f"{parts.hostname.removeprefix('www.')}{parts.path}".lower()
    host = place.split("/", 1)[0]
    for own in LAB_HOSTS.get(org.lower(), ()):
        if place == own or place.startswith(own + "/") or ("/" not in own and host.endswith("." + own)):
            return "first_party"
    return "secondary"


@dataclass(frozen=True)
class _Model:
    """What every metric row of one model.json shares."""

    raw_model: str
    name: str
    org: str
    release: str
    where: str


def _metric(model: _Model, index: int, metric: Any, retrieved_at: str) -> RawScore | RowProblem | None:
    where = f"{model.where}:qualitative_metrics[{index}]"
    dataset = metric.get("dataset_name") if isinstance(metric, dict) else None
    if not isinstance(dataset, str):
        return RowProblem(SOURCE, where, "dataset_name", "missing", {"name": model.name})
    benchmark = DATASETS.get(dataset.strip().lower())
    if benchmark is None:
        return None
    link = metric.get("source_link") if isinstance(metric.get("source_link"), str) else ""
    field = "score"
    try:
        score = finite_number(metric.get("score"))
        if not 0 <= score <= 1:
            raise ValueError(f"{score!r} is not a fraction in 0-1")
        field = "date_recorded"
        reported = iso_day(str(metric.get("date_recorded") or ""))
        field = "source_link"
        if not link.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {link!r}")
    except (ValueError, TypeError) as exc:
        return RowProblem(SOURCE, where, field, str(exc), {"name": model.name})
    method = str(metric.get("analysis_method") or "").strip()
    tier = tier_of(model.org, link)
    return RawScore(
        source=SOURCE,
        benchmark=benchmark,
        raw_model=model.raw_model,
        score=round(score * 100, 6),
        source_url=link,
        retrieved_at=retrieved_at,
        reported_date=reported,
        lab=model.org,
        release_date=model.release,
        row=where,
        note="; ".join(
            p
            for p in (
                f"tier {tier}",
                f"metric {method!r}" if method else "metric not stated",
                "self-reported" if metric.get("is_self_reported") is True else "",
                "via LLMStats",
            )
            if p
        ),
        display_name=model.name,
        tier=tier,
        ifeval_metric=ifeval_metric(method),
    )


def _folders(where: str) -> tuple[str, str]:
    """(org, model) folders of a `.../models/<org>/<model>/model.json` member, or ('', '')."""
    parts = where.split("/")
    return (parts[-3], parts[-2]) if len(parts) >= 3 and parts[-1] == "model.json" else ("", "")
