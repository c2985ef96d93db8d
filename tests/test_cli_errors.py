"""One error tree, caught once: exit codes, the one prefix, and which project root a command uses."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path

import pytest

from tracker import errors
from tracker.cli import main
from tracker.errors import TrackerError, UsageError
from tracker.paths import Paths

TREE_LINE = re.compile(r"^\s+[+-] (\w+)\s+(?:exit \d\s+)?\[([\w.]+)\]", re.MULTILINE)


def _documented() -> dict[str, type]:
    """Every class drawn in tracker/errors.py's docstring, imported from the module it names."""
    return {
        name: getattr(importlib.import_module(f"tracker.{module}"), name)
        for name, module in TREE_LINE.findall(errors.__doc__ or "")
    }


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_class_in_the_drawn_tree_is_a_tracker_error_with_its_exit_code() -> None:
    documented = _documented()
    assert len(documented) >= 13
    for name, cls in documented.items():
        assert cls.__name__ == name and issubclass(cls, TrackerError)
        assert cls.exit_code == (2 if issubclass(cls, UsageError) else 1), name


def test_every_tracker_error_of_the_documented_modules_is_drawn_in_the_tree() -> None:
    documented = set(_documented().values()) | {UsageError}
    assert _subclasses(TrackerError) - documented == set()


def test_a_nonexistent_root_is_refused_with_exit_2_and_nothing_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert main(["--root", str(missing), "check"]) == 2
    err = capsys.readouterr().err
    assert err == f"tracker: error: --root {missing}: no such folder\n"
    assert not missing.exists()


def test_a_root_that_is_not_a_project_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a project\n")
    assert main(["--root", str(tmp_path), "scrape", "--offline"]) == 2
    assert "not a cape-tracker project (no data/ folder)" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def _tampered(project: Paths) -> Paths:
    """The project with one registered prediction edited: `predictions verify` exits 1 there only."""
    registered = project.predictions / "P1.toml"
    registered.write_text(registered.read_text() + "# edited\n")
    return project


def test_without_root_the_checkout_the_working_directory_is_in_is_used(
    project: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAPE_TRACKER_ROOT", raising=False)
    monkeypatch.chdir(_tampered(project).data / "frozen")
    assert main(["predictions", "verify"]) == 1
    assert "P1.toml" in capsys.readouterr().out


def test_the_environment_variable_names_the_root_when_the_working_directory_is_elsewhere(
    project: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("CAPE_TRACKER_ROOT", str(_tampered(project).root))
    assert main(["predictions", "verify"]) == 1


def test_outside_any_project_without_root_is_a_clear_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAPE_TRACKER_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("tracker: error: ") and "--root DIR" in captured.err
    assert "Traceback" not in captured.err


def test_argparse_usage_errors_use_the_same_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["check", "--as-of", "yesterday"])
    assert usage.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "tracker: error: argument --as-of: not a date (YYYY-MM-DD): 'yesterday'"
    )


def test_a_data_error_raised_in_a_handler_exits_1_under_the_prefix(
    project: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(project.frozen_panel, project.data / "scores.csv")  # a file with the wrong header
    assert main(["--root", str(project.root), "check", "--as-of", "2026-07-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tracker: error: ") and "scores.csv" in err and err[-1] == "\n"
