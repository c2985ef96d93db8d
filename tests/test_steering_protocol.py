"""The protocol on a tiny random model: cross-fitting never lets the evaluation half into the
direction or the alpha choice; a run gives a valid §9 result; the CLI runs, writes and ingests."""

from __future__ import annotations

import datetime as dt
import json

import pytest

torch = pytest.importorskip("torch")

from steering_support import steering_project  # noqa: E402

from tracker.cli import main  # noqa: E402
from tracker.steering import PROTOCOL_REVISION  # noqa: E402
from tracker.steering import direction as direction_mod  # noqa: E402
from tracker.steering.data import load_neutral, load_truthfulqa  # noqa: E402
from tracker.steering.protocol import Protocol, ProtocolConfig  # noqa: E402
from tracker.steering.result import validate  # noqa: E402
from tracker.steering.runner import evaluate  # noqa: E402
from tracker.store import read_events  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.usefixtures("one_torch_thread"),
]  # whole protocol runs on a tiny model: 5-15 s each on 2 cores
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
# kappa large: every grid value is eligible, so alpha is chosen by scoring the fit fold
SMALL = ProtocolConfig(
    n_questions=16,
    k_random=2,
    alpha_grid=(0.5, 1.0),
    kappa=10.0,
    neutral_max_tokens=48,
    n_boot=200,
    prompt_format="zero_shot",
    layer_sweep=True,
)


@pytest.fixture
def truthfulqa_project(tmp_path):
    """The shipped TruthfulQA and neutral text under a scratch root."""
    return steering_project(tmp_path / "project")


def test_cross_fitting_never_leaks_the_evaluation_half(lm, truthfulqa_project, monkeypatch):
    dataset = load_truthfulqa(truthfulqa_project.data / "truthfulqa")
    protocol = Protocol(lm, dataset, load_neutral(truthfulqa_project.data / "neutral.txt"), SMALL)
    seen: list[tuple[str, set[str]]] = []
    real_directions, real_score = direction_mod.truth_directions, Protocol._score

    def record_directions(lm_, layers, fit, batch_size=32):
        seen.append(("direction", {q.question for q in fit}))
        return real_directions(lm_, layers, fit, batch_size)

    def record_score(self, scorer, questions, conditions, vectors, label):
        seen.append((label, {q.question for q in questions}))
        return real_score(self, scorer, questions, conditions, vectors, label)

    monkeypatch.setattr(direction_mod, "truth_directions", record_directions)
    monkeypatch.setattr(Protocol, "_score", record_score)
    result = protocol.run()
    folds = [{q.question for q in fold} for fold in protocol.folds]
    assert not folds[0] & folds[1]
    assert [q for label, q in seen if label == "direction"] == [folds[0], folds[1]]
    for fit in (0, 1):
        mine = [(label, q) for label, q in seen if label.startswith(f"fold {fit + 1}/2")]
        searched = [q for label, q in mine if "alpha search" in label]
        judged = [q for label, q in mine if "held-out" in label]
        assert searched and all(q <= folds[fit] for q in searched)  # alpha chosen on the fit fold
        assert judged == [folds[1 - fit]]  # and judged on the other one
    assert len(result["layer_sweep"]) == 4


def test_changing_the_evaluation_half_does_not_change_the_fold_direction(lm, truthfulqa_project):
    """Behavioural check: the direction and alpha of fold 1 depend only on the fit fold."""
    import dataclasses

    dataset = load_truthfulqa(truthfulqa_project.data / "truthfulqa")
    neutral = load_neutral(truthfulqa_project.data / "neutral.txt")
    first = Protocol(lm, dataset, neutral, SMALL)
    held_out = {q.index for q in first.folds[1]}
    garbled = dataclasses.replace(
        dataset,
        questions=tuple(
            dataclasses.replace(q, best="zzz", best_incorrect="qqq") if q.index in held_out else q
            for q in dataset.questions
        ),
    )
    second = Protocol(lm, garbled, neutral, SMALL)
    assert [q.index for q in second.folds[0]] == [q.index for q in first.folds[0]]
    d1 = direction_mod.truth_directions(lm, [2], first.folds[0])[2]
    d2 = direction_mod.truth_directions(lm, [2], second.folds[0])[2]
    assert torch.equal(d1.unit, d2.unit) and d1.r == d2.r


def test_a_tiny_run_is_a_valid_result_without_a_verdict(lm, truthfulqa_project):
    result = evaluate(lm, truthfulqa_project, SMALL, started_at=NOW)
    assert validate(result) == []
    assert result["verdict"] == "ERROR"  # N = 16 and K = 2 decide nothing
    assert result["run"]["protocol_variant"] == "reduced"
    assert result["checks"]["batch_equivalence_max_abs"] < 1e-3
    assert result["data"]["fold_sizes"] == [8, 8]
    assert all(a in SMALL.alpha_grid for a in result["intervention"]["alpha_per_fold"])
    assert all(row["fit_mc1"] is not None for fold in result["intervention"]["alpha_search"] for row in fold)
    assert result["protocol_revision"] == PROTOCOL_REVISION  # what stale results are judged against
    assert len(result["software"]["tracker_commit"]) == 40  # run from this checkout
    timing = result["timing"]
    assert timing["tokens_scored"] > timing["tokens_computed"] > 0
    # throughput counts the tokens the model ran; the tokens the requests span are labelled apart
    assert timing["tokens_per_s"] == pytest.approx(timing["tokens_computed"] / timing["scoring_s"], rel=1e-2)
    assert timing["scored_tokens_per_s"] == pytest.approx(
        timing["tokens_scored"] / timing["scoring_s"], rel=1e-2
    )
    json.dumps(result, allow_nan=False)


def test_cli_run_then_ingest(tok, lm, truthfulqa_project, tmp_path, capsys):
    folder = tmp_path / "tiny-model"
    lm.model.save_pretrained(folder)
    tok.save_pretrained(folder)
    out = tmp_path / "result.json"
    args = [
        "--root",
        str(truthfulqa_project.root),
        "steer",
        "run",
        "--model",
        str(folder),
        "--model-id",
        "tiny/llama",
        "--n",
        "12",
        "--random-k",
        "2",
        "--neutral-tokens",
        "48",
        "--n-boot",
        "200",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    result = json.loads(out.read_text())
    assert result["model"]["id"] == "tiny/llama" and result["model"]["source"] == "local"
    assert len(result["model"]["revision"]) == 40 and result["run"]["dtype"] == "float32"
    assert main(["--root", str(truthfulqa_project.root), "steer", "ingest", str(out)]) == 0
    [event] = read_events(truthfulqa_project.ledger)
    assert event.type == "steering_result" and event.payload["verdict"] == "ERROR"
    assert (truthfulqa_project.root / event.payload["file"]).exists()
    capsys.readouterr()


def test_cli_run_reports_a_model_it_cannot_load(truthfulqa_project, tmp_path, capsys):
    assert (
        main(
            [
                "--root",
                str(truthfulqa_project.root),
                "steer",
                "run",
                "--model",
                str(tmp_path / "nowhere.gguf"),
            ]
        )
        == 1
    )
    assert "neither an existing path nor a Hub id" in capsys.readouterr().err
