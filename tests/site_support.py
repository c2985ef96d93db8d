"""A project root for the site tests: the papers' data plus a few months of tracked data,
with hostile strings wherever untrusted text can enter (model and lab names, source URLs,
source errors, ledger payloads, quarantined records, steering results)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from tracker.paths import Paths
from tracker.records import Event, Model, Observation, QuarantineEntry
from tracker.store import (
    append_events,
    make_event_id,
    read_models,
    write_models,
    write_observations,
    write_quarantine,
)

REPO = Path(__file__).resolve().parent.parent
# Every page the site builds (the figures, feeds, badges and data files aside).
PAGES = {
    "index.html",
    "coupling.html",
    "phase.html",
    "models.html",
    "steering.html",
    "sources.html",
    "events.html",
    "glossary.html",
    "about.html",
} | {f"predictions/P{i}.html" for i in range(1, 8)}
AS_OF = dt.date(2026, 9, 15)
SCRIPT = "<script>alert(1)</script>"
SCRIPT_LAB = "<script>alert(2)</script>"
JS_URL = "javascript:alert(1)"
QUOTE_URL = 'https://example.com/"><script>alert(3)</script>'
EPOCH_URL = "https://epoch.ai/benchmarks/swe-bench-verified"

TRACKED = (
    # model_id, name, lab, release, swe, gpqa, source, url, known
    (
        "gemini-3.5-pro",
        "Gemini 3.5 Pro",
        "Google",
        "2026-06-20",
        82.0,
        95.0,
        "epoch",
        EPOCH_URL,
        "2026-06-25",
    ),
    (
        "deepseek-v4.1",
        "DeepSeek V4.1",
        "DeepSeek",
        "2026-07-10",
        80.0,
        80.0,
        "epoch",
        EPOCH_URL,
        "2026-07-20",
    ),
    ("evil-model", SCRIPT, SCRIPT_LAB, "2026-08-01", 50.0, 60.0, "vendor", QUOTE_URL, "2026-08-05"),
)


def _models() -> list[Model]:
    return [
        Model(model_id=mid, name=name, lab=lab, release_date=release, cohort="tracked", frontier=True)
        for mid, name, lab, release, *_ in TRACKED
    ]


def _observations() -> list[Observation]:
    out = []
    for mid, name, _lab, _release, swe, gpqa, source, url, known in TRACKED:
        for benchmark, score in (("swe_bench_verified", swe), ("gpqa_diamond", gpqa)):
            out.append(
                Observation(
                    model_id=mid,
                    benchmark=benchmark,
                    score=score,
                    source=source,
                    source_url=url,
                    retrieved_at=f"{known}T06:00:00Z",
                    reported_date=known,
                    raw_model=name,
                    tier="first_party" if source == "vendor" else "",
                ).validate()
            )
    return out


def _event(kind: str, at: str, **payload: object) -> Event:
    return Event(make_event_id(kind, *sorted(map(str, payload.values()))), kind, at, dict(payload))


def _events() -> list[Event]:
    return [
        _event(
            "new_frontier_release",
            "2026-06-25T06:00:00Z",
            model_id="gemini-3.5-pro",
            name="Gemini 3.5 Pro",
            lab="Google",
            release_date="2026-06-20",
            h=6.55,
        ),
        _event(
            "new_score",
            "2026-08-05T06:00:00Z",
            model_id="evil-model",
            benchmark="swe_bench_verified",
            score=50.0,
            source="vendor",
            url=JS_URL,
        ),
        _event(
            "new_frontier_release",
            "2026-08-05T06:00:00Z",
            model_id="evil-model",
            name=SCRIPT,
            lab=SCRIPT_LAB,
            release_date="2026-08-01",
            h=-12.03,
        ),
        _event(
            "provisional_flipped",
            "2026-08-05T06:00:00Z",
            prediction="P1",
            old="on_track",
            new="at_risk",
            summary=f"spread moved by {SCRIPT}",
        ),
        _event(
            "amendment",
            "2026-08-10T06:00:00Z",
            prediction="P2",
            date="2026-08-10",
            text="<img src=x onerror=alert(5)> clarified the IFEval variant",
        ),
        _event(
            "steering_result",
            "2026-08-12T06:00:00Z",
            model_id="org/tiny",
            revision="a" * 40,
            verdict="FAIL",
            file="org__tiny__aaaaaaaaaaaa.json",
        ),
        _event("source_failed", "2026-08-13T06:00:00Z", source="swebench", error=SCRIPT),
        _event(
            "new_score",
            "2026-08-14T06:00:00Z",
            model_id="not-in-the-panel",
            benchmark="hle",
            score=20.0,
            source="hle",
            url="https://lastexam.ai",
        ),
        _event(
            "verdict_decided",
            "2026-09-01T06:00:00Z",
            prediction="P3",
            status="failed",
            summary="a replayed decision",
        ),
        _event(
            "new_frontier_release",
            "2099-01-01T00:00:00Z",
            model_id="future",
            name="After the as-of day",
            lab="Nobody",
            release_date="2099-01-01",
            h=None,
        ),
    ]


def _sources() -> dict:
    return {
        "epoch": {
            "url": "https://epoch.ai/benchmarks",
            "last_attempt": "2026-09-15T05:00:00Z",
            "last_success": "2026-09-15T05:00:00Z",
            "status": "ok",
            "error": "",
            "records": 120,
            "new": 2,
        },
        "swebench": {
            "url": "https://www.swebench.com/",
            "last_attempt": "2026-09-15T05:00:00Z",
            "last_success": "2026-09-01T05:00:00Z",
            "status": "failed",
            "error": SCRIPT,
            "records": 0,
            "new": 0,
        },
        "vendor": {
            "url": JS_URL,
            "last_attempt": "2026-09-14T05:00:00Z",
            "last_success": "",
            "status": "offline",
            "error": "",
            "records": None,
            "new": None,
        },
    }


def _steering() -> dict:
    return {
        "schema_version": 1,
        "protocol": "steering-v1",
        "verdict": "FAIL",
        "verdict_reasons": [f"delta below zero {SCRIPT}"],
        "model": {
            "id": f"org/{SCRIPT}",
            "revision": "a" * 40,
            "source": "hub",
            "architecture": "LlamaForCausalLM",
        },
        "run": {"device": "cpu", "device_name": "CPU", "started_at": "2026-08-12T05:00:00Z"},
        "accuracy": {"mc1": {"base": 0.25, "steer": 0.24, "neg": 0.26, "paper": 0.0}},
        "effect": {"delta": -0.01, "delta_ci95": [-0.03, 0.01], "E": 0.0, "E_ci95": [0.0, 0.1]},
        "controls": {"q95": 0.02},
    }


def make_site_project(root: Path) -> Paths:
    """Copy the papers' data, predictions and site templates under `root`, then add tracked data."""
    for name in ("predictions", "site"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "data" / "frozen", root / "data" / "frozen")
    shutil.copy(REPO / "data" / "models.csv", root / "data" / "models.csv")
    paths = Paths(root)
    write_models(paths.models, read_models(paths.models) + _models())
    write_observations(paths.scores, _observations())
    append_events(paths.ledger, _events())
    (paths.data / "sources.json").write_text(json.dumps(_sources(), indent=2), encoding="utf-8")
    write_quarantine(
        paths.quarantine,
        [
            QuarantineEntry(
                id="q1",
                source="vendor",
                row="3",
                field="source_url",
                reason=f"not an http(s) URL: {JS_URL}",
                record=json.dumps({"model": SCRIPT, "url": JS_URL}),
                quarantined_at="2026-08-05T06:00:00Z",
            )
        ],
    )
    paths.steering.mkdir(parents=True, exist_ok=True)
    (paths.steering / "org__tiny__aaaaaaaaaaaa.json").write_text(json.dumps(_steering()), encoding="utf-8")
    (paths.steering / "queue.json").write_text(
        json.dumps({"org/tiny@" + "a" * 40: {"status": "done"}}), encoding="utf-8"
    )
    return paths


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file of a built site as relative path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
