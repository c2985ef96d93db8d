"""`tracker run` as real subprocesses on a copy of the project: the summary `make run` ends
with, idempotency, one run at a time, `kill -9` at several points, and replays.

The runs use a fixed clock (--now) on a day after three deadlines, so each run has real work
to do (verdicts decided, ledger events, alerts queued for an enabled channel) and two runs of
the same day can be compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import signal
from pathlib import Path

import pytest
from pipeline_support import (
    Lines,
    assert_data_valid,
    changed_files,
    copy_project,
    run_tracker,
    snapshot,
    start_tracker,
)

from tracker.paths import Paths
from tracker.verdicts.predictions import evaluate_all

pytestmark = pytest.mark.slow

NOW = "2027-01-16T05:17:00Z"  # after the 14-day grace of the 2026-12-31 deadlines: P1, P2, P7 are final
LATER_SAME_DAY = "2027-01-16T18:40:00Z"
# A webhook channel that is switched on (so alerts are queued) but never reached: --no-alerts.
CHANNEL = {"CAPE_WEBHOOK_URL": "http://127.0.0.1:9/hook", "CAPE_WEBHOOK_SECRET": "s" * 32}
RUN = ("run", "--offline", "--no-alerts", "--wait", "0")


def state(paths: Paths) -> tuple[dict[str, bytes], dict[str, bytes]]:
    return snapshot(paths.data), snapshot(paths.site_out)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Paths:
    """The project as committed, copied once for this module (copy it again before use)."""
    return copy_project(tmp_path_factory.mktemp("pristine") / "project")


@pytest.fixture(scope="module")
def reference(pristine, tmp_path_factory):
    """One uninterrupted run: its paths, its output and the state it leaves."""
    paths = Paths(tmp_path_factory.mktemp("reference") / "project")
    shutil.copytree(pristine.root, paths.root)
    result = run_tracker(paths.root, *RUN, "--now", NOW, **CHANNEL)
    assert result.returncode == 0, result.stdout + result.stderr
    return paths, result, state(paths)


def fresh(pristine: Paths, tmp_path: Path) -> Paths:
    paths = Paths(tmp_path / "project")
    shutil.copytree(pristine.root, paths.root)
    return paths


def test_a_run_ends_with_the_seven_statuses_and_the_site(reference):
    paths, result, _ = reference
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[-1] == f"site: {paths.site_out / 'index.html'}"
    statuses = [
        re.match(r"  (P\d)\s+(pending|deciding|passed|failed|inconclusive)\b", line) for line in lines[-8:-1]
    ]
    assert [m.group(1) for m in statuses if m] == [f"P{i}" for i in range(1, 8)], result.stdout
    assert (paths.site_out / "index.html").is_file()
    assert "sources failed:" in result.stdout


def test_the_run_did_the_days_work(reference):
    paths, result, _ = reference
    assert_data_valid(paths)
    recorded = json.loads(paths.verdicts.read_text())
    assert recorded["as_of"] == "2027-01-16"
    decided = {pid for pid, row in recorded["predictions"].items() if row["status"] != "pending"}
    assert {"P1", "P2", "P7"} <= decided, "deadlines of 2026-12-31 and their 14-day grace have passed"
    assert "changed (" in result.stdout and "verdict_decided: P1 decided" in result.stdout
    assert paths.outbox.exists() and paths.outbox.read_text().strip(), "alerts were queued for the webhook"


def test_a_second_run_with_nothing_new_changes_no_byte(reference, tmp_path):
    paths = Paths(tmp_path / "project")
    shutil.copytree(reference[0].root, paths.root)
    before = state(paths)
    result = run_tracker(paths.root, *RUN, "--now", LATER_SAME_DAY, **CHANNEL)
    assert result.returncode == 0, result.stderr
    assert "new: nothing" in result.stdout and "changed: nothing" in result.stdout
    after = state(paths)
    assert changed_files(before[0], after[0]) == [] and changed_files(before[1], after[1]) == []


def test_kill_9_at_several_points_leaves_valid_data_and_the_next_run_completes_the_work(
    pristine, reference, tmp_path
):
    """Three runs in a row are killed (-9) at three points; data/ is valid after each, and one
    more run ends exactly where an uninterrupted run does."""
    paths = fresh(pristine, tmp_path)
    for point in ("after-scrape", "alerts-queued", "before-site"):
        process = start_tracker(paths.root, *RUN, "--now", NOW, CAPE_TEST_PAUSE_AT=point, **CHANNEL)
        try:
            Lines(process.stderr).wait_for(f"paused at {point}", timeout=90)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        assert_data_valid(paths)
        if point == "after-scrape":
            assert "verdicts.json" in changed_files(reference[2][0], snapshot(paths.data)), (
                "checked before the kill?"
            )
    assert not paths.site_out.exists(), "the site was built before the kill?"
    result = run_tracker(paths.root, *RUN, "--now", NOW, **CHANNEL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_data_valid(paths)
    expected_data, expected_site = reference[2]
    data, site = state(paths)
    assert changed_files(expected_data, data) == []
    assert changed_files(expected_site, site) == []


def test_one_run_at_a_time(pristine, tmp_path):
    paths = fresh(pristine, tmp_path)
    first = start_tracker(paths.root, *RUN, "--now", NOW, CAPE_TEST_PAUSE_AT="after-check:4")
    first_err = Lines(first.stderr)
    try:
        first_err.wait_for("paused at after-check", timeout=90)
        refused = run_tracker(paths.root, *RUN, "--now", NOW, timeout=60)
        patient = start_tracker(paths.root, "run", "--offline", "--no-alerts", "--wait", "120", "--now", NOW)
        patient_err = Lines(patient.stderr)
        patient_err.wait_for("waiting up to 120 s", timeout=60)
        assert first.poll() is None, "the first run should still hold the lock"
        assert first.wait(timeout=90) == 0
        patient_out = patient.communicate(timeout=90)[0]
    finally:
        for process in (first, locals().get("patient")):
            if process is not None and process.poll() is None:
                process.kill()
    assert refused.returncode == 1
    assert re.search(
        rf"another run \(pid {first.pid}, started [0-9T:-]+Z\) holds .*\.run\.lock; gave up after "
        r"waiting 0 s",
        refused.stderr,
    ), refused.stderr
    assert "site:" not in refused.stdout
    assert patient.returncode == 0 and patient_out.rstrip().splitlines()[-1].startswith("site: ")
    assert_data_valid(paths)


def test_a_replay_answers_for_the_past_day_and_changes_nothing(pristine, tmp_path):
    paths = fresh(pristine, tmp_path)
    before = snapshot(paths.data)
    result = run_tracker(paths.root, "run", "--as-of", "2026-12-01", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["replay"] and summary["now"] == "2026-12-01T23:59:59Z"
    assert summary["steps"][0] == {**summary["steps"][0], "name": "scrape", "status": "skipped"}
    expected = [(v.id, v.status, v.provisional) for v in evaluate_all(paths, dt.date(2026, 12, 1))]
    assert [(v["id"], v["status"], v["provisional"]) for v in summary["verdicts"]] == expected
    assert summary["site"] == str(paths.root / "_site-2026-12-01" / "index.html")
    assert Path(summary["site"]).is_file()
    assert snapshot(paths.data) == before
