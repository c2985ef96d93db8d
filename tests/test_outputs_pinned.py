"""Same inputs, same bytes: stats, check, the site and a whole offline run match their pinned digests.

The digests in tests/fixtures/pinned_outputs.json were computed from the committed project for a
fixed day and clock (tests/output_digests.py). A refactor must leave every one of them unchanged;
an intended change of output re-pins them (`make pin-outputs`) in the same commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from output_digests import (
    AS_OF,
    INPUTS,
    PINNED,
    copy_project,
    read_only_outputs,
    run_outputs,
    tree_digest,
)

REPIN = "re-pin with `make pin-outputs` if the change is intended, and review the diff"


@pytest.fixture(scope="module")
def pinned() -> dict:
    return json.loads(PINNED.read_text(encoding="utf-8"))


@pytest.fixture
def committed_copy(tmp_path: Path, pinned: dict) -> Path:
    """A scratch copy of the committed project, checked to be the inputs the digests were pinned on."""
    project = copy_project(tmp_path / "project")
    assert tree_digest(project, INPUTS) == pinned["inputs"], f"the committed inputs changed: {REPIN}"
    return project


def test_the_pins_are_for_the_fixed_day(pinned: dict) -> None:
    assert pinned["as_of"] == AS_OF and set(pinned["outputs"]) == {
        "stats --panel frozen --json",
        "stats --panel current --json",
        "check --json",
        "site build",
        "run --json",
        "run data/",
        "run site",
    }


def test_the_pins_are_for_the_committed_inputs(tmp_path: Path, pinned: dict) -> None:
    project = copy_project(tmp_path / "project")
    assert tree_digest(project, INPUTS) == pinned["inputs"], f"the committed inputs changed: {REPIN}"


@pytest.mark.slow
def test_stats_check_and_site_are_byte_identical_to_the_pinned_outputs(
    committed_copy: Path, tmp_path: Path, pinned: dict
) -> None:
    outputs = read_only_outputs(committed_copy, tmp_path)
    differing = [name for name, digest in outputs.items() if pinned["outputs"][name] != digest]
    assert differing == [], f"outputs changed on the same inputs: {REPIN}"


@pytest.mark.slow
def test_an_offline_run_writes_the_pinned_data_and_site(committed_copy: Path, pinned: dict) -> None:
    outputs = run_outputs(committed_copy)
    differing = [name for name, digest in outputs.items() if pinned["outputs"][name] != digest]
    assert differing == [], f"outputs changed on the same inputs: {REPIN}"
