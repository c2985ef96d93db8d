"""The registry: a registered prediction cannot change silently; amendments are new dated files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.paths import Paths
from tracker.records import ValidationError
from tracker.verdicts.specs import add_amendment, load_specs, verify_registry

COMMITTED = Paths(Path(__file__).resolve().parent.parent)  # the project's committed data, read only


def test_the_committed_registry_is_intact(project, capsys):
    assert verify_registry(project) == []
    assert main(["--root", str(project.root), "predictions", "verify"]) == 0
    assert [s.id for s in load_specs(project)] == [f"P{i}" for i in range(1, 8)]


def test_an_edited_prediction_fails_verification(project, capsys):
    path = project.predictions / "P1.toml"
    path.write_text(path.read_text().replace("pass_rank_spread_below = 2.0", "pass_rank_spread_below = 3.0"))
    problems = verify_registry(project)
    assert len(problems) == 1 and problems[0].startswith("P1.toml: edited after registration")
    assert main(["--root", str(project.root), "predictions", "verify"]) == 1
    assert "P1.toml: edited" in capsys.readouterr().out


def test_an_unregistered_or_missing_file_fails(project):
    (project.predictions / "P8.toml").write_text((project.predictions / "P7.toml").read_text())
    (project.predictions / "P2.toml").unlink()
    problems = verify_registry(project)
    assert any(p.startswith("P2.toml: registered but missing") for p in problems)
    assert any(p.startswith("P8.toml: not registered") for p in problems)


def test_an_amendment_is_a_new_registered_file(project, capsys):
    code = main(
        [
            "--root",
            str(project.root),
            "predictions",
            "amend",
            "P6",
            "--text",
            "HLE text-only allowed",
            "--reason",
            "no no-tools full-set scores are published",
            "--date",
            "2027-01-05",
        ]
    )
    assert code == 0
    assert verify_registry(project) == []
    p6 = next(s for s in load_specs(project) if s.id == "P6")
    assert [(a.date, a.text) for a in p6.amendments][-1] == ("2027-01-05", "HLE text-only allowed")
    assert (project.predictions / "P6.toml").read_bytes() == (COMMITTED.predictions / "P6.toml").read_bytes()


def test_an_amendment_can_set_a_parameter_without_editing_the_registered_file(project):
    before = next(s for s in load_specs(project) if s.id == "P2").parameters
    args = ["--root", str(project.root), "predictions", "amend", "P2", "--text", "t", "--reason", "r"]
    assert main([*args, "--date", "2027-02-01", "--param", "grace_days=30", "--param", "label=x y"]) == 0
    assert verify_registry(project) == []
    p2 = next(s for s in load_specs(project) if s.id == "P2")
    assert p2.parameters == {**before, "grace_days": 30, "label": "x y"}
    assert p2.amendments[-1].parameters == {"grace_days": 30, "label": "x y"}
    assert (project.predictions / "P2.toml").read_bytes() == (COMMITTED.predictions / "P2.toml").read_bytes()
    assert main([*args, "--param", "no equals sign"]) == 1


def test_amending_an_unknown_prediction_or_a_broken_registry_is_refused(project):
    with pytest.raises(ValidationError, match="unknown prediction"):
        add_amendment(project, "P9", dt.date(2027, 1, 1), "x", "y")
    (project.predictions / "P1.toml").write_text("id = 'P1'\n")
    with pytest.raises(ValidationError, match="edited after registration"):
        add_amendment(project, "P1", dt.date(2027, 1, 1), "x", "y")
