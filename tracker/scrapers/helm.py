"""HELM Capabilities in the EvalEval "Every Eval Ever" schema: IFEval of closed frontier models.

The one machine-readable source of IFEval for closed models: Stanford CRFM runs every model
itself (an independent evaluator, never the lab's number). One JSON record per model;
a download or a recorded snapshot is a zip of those records (`<developer>/<model>/<uuid>.json`),
and a single record is read too.

Quirks (fixtures PROVENANCE-2.md section 1):
- Evaluation names change with the schema: 0.1.0 writes "IFEval - IFEval Strict Acc" and
  "GPQA - COT correct", 0.2.0 writes "IFEval" and "GPQA". The benchmark is the part before
  " - "; the metric is recorded (IFEval strict accuracy: the fraction of a prompt's
  instructions followed, averaged over prompts).
- HELM's GPQA is HELM's own run (not Diamond-only, its own prompts): it is kept under its own
  benchmark key, `helm_gpqa`, so it can never enter a GPQA Diamond statistic.
- Ids are HELM's (`anthropic/claude-opus-4-20250514-thinking-10k`): `-thinking-10k`, `-fp8`, `-turbo`
  and `-tput` are settings or serving variants of one release, so they leave the name and
  become the record's setting.
- Scores are fractions (percent here); there is no release date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from tracker.scrapers.dates import finite_number
from tracker.scrapers.documents import documents
from tracker.scrapers.errors import ParseError
from tracker.source_records import RawScore, RowProblem

SOURCE = "helm"
TIER = "independent"
SITE_URL = "https://crfm.stanford.edu/helm/capabilities/latest/"
# The EvalEval archive as a zip (its records up to 2026-02-15, when the data moved to a Hugging
# Face dataset; point sources.toml at the dataset's archive once its name is confirmed).
URL = "https://codeload.github.com/evaleval/every_eval_ever/zip/refs/heads/main"
HELM_NAME = "helm_capabilities"
BENCHMARKS = {"IFEval": "ifeval", "GPQA": "helm_gpqa"}
METRICS = {
    "ifeval": "HELM IFEval strict accuracy (fraction of instructions followed, mean over prompts)",
    "helm_gpqa": "HELM GPQA chain-of-thought accuracy (HELM's own GPQA run, not GPQA Diamond)",
}
_SETTING = re.compile(r"-(?P<part>thinking(?:-\d+k)?|fp8|tput|turbo)$", re.IGNORECASE)


def parse(data: bytes, *, retrieved_at: str, source_url: str = SITE_URL) -> list[RawScore | RowProblem]:
    """IFEval and HELM-GPQA records of a zip of EvalEval records, or of one record."""
    bundle = documents(data, SOURCE, suffix=".json", single="record")
    records: list[RawScore | RowProblem] = []
    for where, document in bundle:
        if isinstance(document, ParseError):
            records.append(RowProblem(SOURCE, where, "record", str(document)))
        else:
            records += parse_record(document, where=where, retrieved_at=retrieved_at, source_url=source_url)
    return records


def split_setting(helm_id: str) -> tuple[str, str]:
    """(release id, setting): "qwen/qwen3-235b-a22b-fp8-tput" -> ("qwen/qwen3-235b-a22b", "fp8+tput")."""
    name = helm_id.strip()
    parts: list[str] = []
    while match := _SETTING.search(name):
        parts.insert(0, match.group("part").lower())
        name = name[: match.start()]
    return name, "+".join(parts)


def parse_record(
    document: Any, *, where: str, retrieved_at: str, source_url: str = SITE_URL
) -> list[RawScore | RowProblem]:
    """The records of one EvalEval document (a RowProblem when its shape is not the schema's).

    A record of another evaluation in the same archive (EvalEval keeps many) is not HELM's: none.
    """
    meta = document.get("source_metadata") if isinstance(document, dict) else None
    if isinstance(meta, dict) and meta.get("source_name") not in (None, HELM_NAME):
        return []
    info = document.get("model_info") if isinstance(document, dict) else None
    helm_id = info.get("id") if isinstance(info, dict) else None
    if not isinstance(helm_id, str) or "/" not in helm_id:
        return [RowProblem(SOURCE, where, "model_info.id", "no 'developer/model' id", raw=_brief(document))]
    results = document.get("evaluation_results")
    if not isinstance(results, list):
        return [RowProblem(SOURCE, where, "evaluation_results", "not a list", raw={"id": helm_id})]
    try:
        day = _source_day(document.get("retrieved_timestamp"))
    except ValueError as exc:
        return [RowProblem(SOURCE, where, "retrieved_timestamp", str(exc), raw={"id": helm_id})]
    names = info if isinstance(info, dict) else {}
    context = _Context(helm_id, str(names.get("name") or ""), str(names.get("developer") or ""), day, where)
    records = []
    for index, result in enumerate(results):
        record = _result(context, index, result, retrieved_at, source_url, document)
        if record is not None:
            records.append(record)
    return records


@dataclass(frozen=True)
class _Context:
    """What every result of one document shares."""

    helm_id: str
    name: str
    developer: str
    day: str
    where: str

    @property
    def release(self) -> str:
        return split_setting(self.helm_id)[0]

    @property
    def setting(self) -> str:
        return split_setting(self.helm_id)[1]


def _result(
    context: _Context, index: int, result: Any, retrieved_at: str, source_url: str, document: dict
) -> RawScore | RowProblem | None:
    """One IFEval or GPQA result; None for the benchmarks this project does not read."""
    where = f"{context.where}:evaluation_results[{index}]"
    name = result.get("evaluation_name") if isinstance(result, dict) else None
    if not isinstance(name, str):
        return RowProblem(SOURCE, where, "evaluation_name", "missing", raw={"id": context.helm_id})
    benchmark = BENCHMARKS.get(name.split(" - ")[0].strip())
    if benchmark is None:
        return None
    details = result.get("score_details")
    try:
        score = finite_number(details.get("score") if isinstance(details, dict) else None)
        if not 0 <= score <= 1:
            raise ValueError(f"{score!r} is not a fraction in 0-1")
    except (ValueError, TypeError) as exc:
        return RowProblem(SOURCE, where, "score_details.score", str(exc), raw={"id": context.helm_id})
    return RawScore(
        source=SOURCE,
        benchmark=benchmark,
        raw_model=context.release,
        score=round(score * 100, 6),
        source_url=_result_url(result, document) or source_url,
        retrieved_at=retrieved_at,
        reported_date=context.day,
        setting=context.setting,
        lab=context.developer,
        row=where,
        note=f"{METRICS[benchmark]}; HELM id {context.helm_id}; evaluation {name!r}",
        display_name=context.name,
        tier=TIER,
        attempts="single",
        effort=context.setting.split("+")[0] if context.setting.startswith("thinking") else "",
        ifeval_metric="helm_strict" if benchmark == "ifeval" else "",
    )


def _result_url(result: dict, document: dict) -> str:
    """The HELM JSON the value came from: per result (schema 0.2.0) or per document (0.1.0)."""
    for holder in (result, document):
        urls = holder.get("source_data")
        if isinstance(urls, dict):
            urls = urls.get("url") or urls.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if isinstance(urls, list) and urls and isinstance(urls[0], str) and urls[0].startswith("http"):
            return urls[0]
    return ""


def _source_day(value: Any) -> str:
    """The UTC day of EvalEval's `retrieved_timestamp` (unix seconds, as a string)."""
    if value in (None, ""):
        return ""
    seconds = finite_number(float(value) if isinstance(value, str) else value)
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"not a unix time: {value!r}") from exc


def _brief(document: Any) -> dict[str, str]:
    return {"document": str(document)[:200]}
