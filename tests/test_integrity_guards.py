"""Nothing false is recorded or published: a replayed future is never recorded, and an edited
registry stops every command that decides or publishes (exit 1, naming the file)."""

from __future__ import annotations

import datetime as dt

import pytest
from pipeline_support import copy_project, snapshot

from tracker.cli import main
from tracker.paths import Paths
from tracker.records import parse_instant
from tracker.store import read_events
from tracker.verdicts.predictions import check
from tracker.verdicts.specs import RegistryError, load_registered_specs

FUTURE = "2099-01-01"


@pytest.fixture
def whole_project(tmp_path) -> Paths:
    """A copy of everything a run reads: data, predictions, site templates, configuration."""
    return copy_project(tmp_path / "project")


def test_check_record_with_a_future_as_of_is_refused_and_writes_nothing(whole_project, capsys):
    before = snapshot(whole_project.data)
    code = main(["--root", str(whole_project.root), "check", "--as-of", FUTURE, "--record"])
    assert code == 2
    assert "replay" in capsys.readouterr().err
    assert snapshot(whole_project.data) == before


def test_check_record_with_a_past_as_of_is_refused_too(whole_project, capsys):
    before = snapshot(whole_project.data)
    assert main(["--root", str(whole_project.root), "check", "--as-of", "2026-06-01", "--record"]) == 2
    assert snapshot(whole_project.data) == before


def test_check_without_record_may_read_any_day_and_writes_nothing(whole_project, capsys):
    before = snapshot(whole_project.data)
    assert main(["--root", str(whole_project.root), "check", "--as-of", FUTURE, "--json"]) == 0
    assert '"id": "P7"' in capsys.readouterr().out
    assert snapshot(whole_project.data) == before


def test_the_library_refuses_to_record_a_day_after_its_clock(whole_project):
    before = snapshot(whole_project.data)
    with pytest.raises(ValueError, match="after the clock"):
        check(whole_project, dt.date(2099, 1, 1), dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    assert snapshot(whole_project.data) == before


def edit_p1_threshold(paths: Paths) -> None:
    """The edit of the issue: P1's pass threshold 2.0 -> 8.0, in place, without an amendment."""
    p1 = paths.predictions / "P1.toml"
    text = p1.read_text(encoding="utf-8")
    assert "pass_rank_spread_below = 2.0" in text
    p1.write_text(text.replace("pass_rank_spread_below = 2.0", "pass_rank_spread_below = 8.0"), "utf-8")


@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["check", "--json"],
        ["run", "--offline", "--no-alerts"],
        ["site", "build"],
        ["alerts", "send"],
    ],
    ids=lambda c: " ".join(c),
)
def test_an_edited_registry_is_refused_by_every_command_that_decides_or_publishes(
    whole_project, capsys, command
):
    edit_p1_threshold(whole_project)
    before = snapshot(whole_project.data)
    code = main(["--root", str(whole_project.root), *command])
    err = capsys.readouterr().err
    assert code == 1
    assert "P1.toml" in err and "edited after registration" in err
    assert snapshot(whole_project.data) == before
    assert not (whole_project.root / "_site").exists()


def test_an_unregistered_prediction_file_is_refused(whole_project):
    extra = whole_project.predictions / "P8.toml"
    extra.write_bytes((whole_project.predictions / "P7.toml").read_bytes())
    with pytest.raises(RegistryError, match="P8.toml: not registered"):
        load_registered_specs(whole_project)


def test_an_intact_registry_loads_all_seven(whole_project):
    assert [s.id for s in load_registered_specs(whole_project)] == [f"P{i}" for i in range(1, 8)]


def test_a_run_whose_clock_reads_before_the_ledger_is_refused(whole_project, capsys):
    latest = max(e.at for e in read_events(whole_project.ledger))
    earlier = (parse_instant(latest, "at") - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = snapshot(whole_project.data)
    code = main(["--root", str(whole_project.root), "run", "--offline", "--no-alerts", "--now", earlier])
    err = capsys.readouterr().err
    assert code == 1 and "stepped back" in err and latest in err
    assert snapshot(whole_project.data) == before
