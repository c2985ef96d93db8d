"""`tracker daemon`: configuration, the cron trigger, catch-up, one run at a time, and a real
daemon subprocess on a two-second schedule that is stopped with SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
from pathlib import Path

import pytest
from pipeline_support import Lines, copy_project, copy_registry, run_tracker, start_tracker

from tracker import daemon
from tracker.paths import Paths
from tracker.runlock import run_lock
from tracker.steps import OK, RunContext, Step, StepResult
from tracker.store import atomic_write_text

NOW = dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tracker.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_committed_configuration_loads_and_runs_daily_at_an_off_hour_minute():
    config = daemon.load_config(Path(__file__).resolve().parent.parent / "tracker.toml")
    trigger = daemon.make_trigger(config.cron)
    first = trigger.get_next_fire_time(None, NOW)
    assert first.minute not in (0, 30) and first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
    assert daemon.interval_of(trigger, NOW) == dt.timedelta(days=1)
    assert config.catch_up and config.misfire_grace_time > 0


def test_flags_override_the_file_and_a_missing_file_means_defaults(tmp_path):
    path = write_config(tmp_path, '[daemon]\ncron = "0 6 * * *"\noffline = true\n')
    config = daemon.load_config(path, {"cron": "*/2 * * * * *", "offline": None, "lock_wait": 5})
    assert (config.cron, config.offline, config.lock_wait) == ("*/2 * * * * *", True, 5)
    assert daemon.load_config(tmp_path / "absent.toml") == daemon.DaemonConfig()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[daemon]\ncron = "17 5 * *"\n', "expected 5 fields"),
        ('[daemon]\ncron = "61 5 * * *"\n', "cron '61 5 * * *'"),
        ('[daemon]\nschedule = "daily"\n', "unknown key(s) schedule"),
        ('[daemon]\nmisfire_grace_time = "1h"\n', "misfire_grace_time: expected int"),
        ("[daemon]\ncatch_up = 1\n", "catch_up: expected bool"),
        ("[daemon\n", "not valid TOML"),
    ],
)
def test_a_bad_configuration_is_a_clear_error_naming_the_file(tmp_path, body, message):
    path = write_config(tmp_path, body)
    with pytest.raises(daemon.DaemonConfigError) as caught:
        daemon.load_config(path)
    assert message in str(caught.value)


def test_crontab_weekday_numbers_keep_their_crontab_meaning():
    assert daemon.cron_days("1-5") == "mon,tue,wed,thu,fri"
    assert daemon.cron_days("0") == daemon.cron_days("7") == "sun"
    assert daemon.cron_days("0-6") == "sun,mon,tue,wed,thu,fri,sat"
    assert daemon.cron_days("*/2") == "sun,tue,thu,sat"
    assert daemon.cron_days("mon-fri") == "mon-fri"
    monday_9 = daemon.make_trigger("0 9 * * 1").get_next_fire_time(None, NOW)
    assert monday_9.strftime("%A %H:%M") == "Monday 09:00"
    with pytest.raises(daemon.DaemonConfigError, match="out of range"):
        daemon.make_trigger("0 9 * * 8")


def test_a_six_field_expression_has_seconds_first():
    trigger = daemon.make_trigger("*/2 * * * * *")
    assert daemon.interval_of(trigger, NOW) == dt.timedelta(seconds=2)


def test_catch_up_is_due_when_the_last_success_is_older_than_the_interval(tmp_path):
    day = dt.timedelta(days=1)
    assert daemon.catch_up_due(None, NOW, day)
    assert daemon.catch_up_due(NOW - dt.timedelta(hours=25), NOW, day)
    assert not daemon.catch_up_due(NOW - dt.timedelta(hours=23), NOW, day)


def stub_steps():
    def ok(ctx: RunContext) -> StepResult:
        return StepResult(OK, "fine", {"site": str(ctx.out_dir / "index.html")})

    return [Step("stand-in", ok)]


def make_daemon(paths: Paths, **config) -> daemon.Daemon:
    return daemon.Daemon(paths, daemon.DaemonConfig(**config), env={}, steps=stub_steps, clock=lambda: NOW)


def test_the_scheduler_catches_up_at_start_only_when_a_run_was_missed(tmp_path):
    paths = Paths(tmp_path)
    job = daemon.schedule(make_daemon(paths), NOW).get_jobs()[0]
    assert job.next_run_time == NOW
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 3600)
    atomic_write_text(paths.data / daemon.STATE_FILE, json.dumps({"finished_at": "2026-11-26T05:17:40Z"}))
    assert daemon.read_last_success(paths) == dt.datetime(2026, 11, 26, 5, 17, 40, tzinfo=dt.UTC)
    job = daemon.schedule(make_daemon(paths), NOW).get_jobs()[0]
    assert getattr(job, "next_run_time", None) is None, "pending job: the trigger decides"
    job = daemon.schedule(make_daemon(paths, catch_up=False), NOW + dt.timedelta(days=3)).get_jobs()[0]
    assert getattr(job, "next_run_time", None) is None


def test_an_unreadable_state_file_means_never(tmp_path):
    paths = Paths(tmp_path)
    atomic_write_text(paths.data / daemon.STATE_FILE, "{not json")
    assert daemon.read_last_success(paths) is None


def test_a_successful_run_is_recorded_and_a_locked_run_is_skipped(tmp_path, caplog):
    paths = copy_registry(tmp_path)
    service = make_daemon(paths, lock_wait=0.2)
    caplog.set_level("INFO", logger="tracker.daemon")
    assert service.run_once().ok
    assert daemon.read_last_success(paths) == NOW
    with run_lock(paths.lock, timeout=0, started_at="by hand"):
        assert service.run_once() is None
    assert "run 2 skipped: another run" in caplog.text


def test_a_crashing_run_is_logged_and_the_daemon_goes_on(tmp_path, caplog):
    def boom():
        raise RuntimeError("disk full")

    service = daemon.Daemon(Paths(tmp_path), daemon.DaemonConfig(), env={}, steps=boom, clock=lambda: NOW)
    caplog.set_level("INFO", logger="tracker.daemon")
    assert service.run_once() is None
    assert "run 1 crashed" in caplog.text and "disk full" in caplog.text
    assert daemon.read_last_success(Paths(tmp_path)) is None


STAMP = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z"


def run_intervals(log: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """(started, finished) of each run in a daemon log; fails if runs interleave."""
    spans, open_run = [], None
    for stamp, number, what in re.findall(
        STAMP + r" INFO tracker\.daemon: run (\d+) (started|finished)", log
    ):
        moment = dt.datetime.fromisoformat(stamp)
        if what == "started":
            assert open_run is None, f"run {number} started while run {open_run[0]} was running"
            open_run = (number, moment)
        else:
            assert open_run is not None and open_run[0] == number, (
                f"run {number} finished but was not running"
            )
            spans.append((open_run[1], moment))
            open_run = None
    return spans


@pytest.mark.slow
def test_a_real_daemon_runs_on_schedule_never_overlaps_and_stops_on_sigterm(tmp_path):
    paths = copy_project(tmp_path / "project")
    process = start_tracker(
        paths.root,
        "daemon",
        "--cron",
        "*/2 * * * * *",
        "--offline",
        "--no-alerts",
        "--lock-wait",
        "1",
        CAPE_TEST_PAUSE_AT="after-check:2.5",
    )
    lines = Lines(process.stderr)
    try:
        lines.wait_for("catching up now", timeout=30)
        lines.wait_for("maximum number of running instances reached", timeout=60)
        lines.wait_for("run 1 finished (ok)", timeout=90)
        lines.wait_for("run 2 started", timeout=30)
        lines.wait_for("paused at after-check", timeout=60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = lines.rest()
    spans = run_intervals(log)
    assert len(spans) == 2, log
    assert spans[0][1] <= spans[1][0]
    assert re.search(r"received SIGTERM: no new run will start", log)
    assert (
        log.index("received SIGTERM")
        < log.index("run 2 finished")
        < log.index("daemon stopped after 2 run(s)")
    )
    assert "run 3 started" not in log
    assert daemon.read_last_success(paths) is not None
    assert (paths.site_out / "index.html").exists()


def test_a_daemon_with_a_bad_cron_exits_2_with_a_clear_message(tmp_path):
    (tmp_path / "data").mkdir()
    result = run_tracker(tmp_path, "daemon", "--cron", "every day", timeout=60)
    assert result.returncode == 2
    assert "tracker: error: cron 'every day': expected 5 fields" in result.stderr
