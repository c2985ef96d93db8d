"""The run driver with stand-in steps that really write data/ (fast, in-process), the run
lock, the replay scratch copy and the pause hook used by the crash tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from pathlib import Path

import pytest

from tracker import pipeline
from tracker.clock import instant_for
from tracker.paths import Paths
from tracker.pipeline_steps import need
from tracker.pipeline_steps import scrape as real_scrape
from tracker.records import Event, format_instant
from tracker.replay import cut_ledger
from tracker.runlock import RunLocked, run_lock
from tracker.steps import FAILED, OK, SKIPPED, UNAVAILABLE, WARNING, RunContext, Step, StepResult
from tracker.store import append_events, atomic_write_text, make_event_id, read_events

NOW = dt.datetime(2026, 11, 20, 6, 17, tzinfo=dt.UTC)
STATUSES = ["pending", "pending", "passed", "pending", "failed", "pending", "inconclusive"]


def new_model_event(now: dt.datetime, name: str = "Model One") -> Event:
    return Event(
        make_event_id("new_model", name),
        "new_model",
        format_instant(now),
        {"model_id": "model-one", "name": name, "lab": "Lab", "release_date": "2026-11-01"},
    )


def stand_in_scrape(ctx: RunContext) -> StepResult:
    append_events(ctx.paths.ledger, [new_model_event(ctx.now, "Model \x1b[31mOne")])
    return StepResult(
        WARNING, "2 sources; failed: hle", {"failed_sources": [{"source": "hle", "error": "HTTP 503"}]}
    )


def stand_in_check(ctx: RunContext) -> StepResult:
    rows = [
        {
            "id": f"P{i}",
            "status": s,
            "provisional": "on_track" if s == "pending" else None,
            "summary": f"evidence {i}",
        }
        for i, s in enumerate(STATUSES, start=1)
    ]
    atomic_write_text(
        ctx.paths.verdicts, json.dumps({"as_of": ctx.as_of.isoformat(), "rows": rows}, sort_keys=True)
    )
    decided = Event(
        make_event_id("verdict_decided", "P3", "passed"),
        "verdict_decided",
        format_instant(ctx.now),
        {"prediction": "P3", "status": "passed", "summary": "evidence 3"},
    )
    append_events(ctx.paths.ledger, [decided])
    return StepResult(OK, "7 checked", {"verdicts": rows})


def stand_in_site(ctx: RunContext) -> StepResult:
    index = ctx.out_dir / "index.html"
    index.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(index, f"<p>as of {ctx.as_of}</p>\n")
    return StepResult(OK, "1 page", {"site": str(index)})


def stand_ins(log: list[str] | None = None) -> list[Step]:
    def logged(name, action):
        def step(ctx):
            if log is not None:
                log.append(name)
            return action(ctx)

        return step

    return [
        Step("scrape", logged("scrape", stand_in_scrape)),
        Step("check", logged("check", stand_in_check)),
        Step("site", logged("site", stand_in_site)),
    ]


def run(paths: Paths, steps, **kw):
    options = {
        "as_of": NOW.date(),
        "now": NOW,
        "offline": True,
        "send_alerts": False,
        "out_dir": paths.site_out,
        "steps": steps,
        **kw,
    }
    return pipeline.run(paths, **options)


def test_steps_run_in_order_and_the_summary_says_what_is_new(registered_project):
    log: list[str] = []
    summary = run(registered_project, stand_ins(log))
    assert log == ["scrape", "check", "site"]
    assert summary.ok
    assert [s.status for s in summary.steps] == [WARNING, OK, OK]
    assert [e.type for e in summary.new] == ["new_model"]
    assert [e.type for e in summary.changed] == ["verdict_decided"]
    assert summary.failed_sources == [{"source": "hle", "error": "HTTP 503"}]
    assert [v["status"] for v in summary.verdicts] == STATUSES
    assert summary.site == str(registered_project.site_out / "index.html")
    assert (registered_project.site_out / "index.html").read_text() == f"<p>as of {NOW.date()}</p>\n"


def test_text_summary_ends_with_the_seven_statuses_and_the_site(registered_project):
    lines = pipeline.summary_lines(run(registered_project, stand_ins()))
    assert lines[-1] == f"site: {registered_project.site_out / 'index.html'}"
    statuses = lines[-8:-1]
    assert [line.split()[0] for line in statuses] == [f"P{i}" for i in range(1, 8)]
    assert [line.split()[1] for line in statuses] == STATUSES
    assert "sources failed: hle (HTTP 503)" in lines
    text = "\n".join(lines)
    assert "\x1b" not in text and "Model ?[31mOne" in text


def test_json_summary_is_strict_json(registered_project):
    data = run(registered_project, stand_ins()).to_json()
    decoded = json.loads(json.dumps(data, allow_nan=False))
    assert (
        decoded["ok"] is True
        and decoded["as_of"] == "2026-11-20"
        and decoded["now"] == "2026-11-20T06:17:00Z"
    )
    assert [s["name"] for s in decoded["steps"]] == ["scrape", "check", "site"]
    assert decoded["new"][0]["payload"]["lab"] == "Lab"


def test_a_second_run_with_nothing_new_reports_nothing_and_writes_nothing(registered_project):
    run(registered_project, stand_ins())
    before = {p: p.read_bytes() for p in registered_project.root.rglob("*") if p.is_file()}
    again = run(registered_project, stand_ins(), now=NOW + dt.timedelta(hours=2))
    assert again.new == () and again.changed == ()
    assert {p: p.read_bytes() for p in registered_project.root.rglob("*") if p.is_file()} == before


def test_a_failing_step_is_reported_and_the_later_steps_still_run(registered_project):
    def broken(ctx):
        raise ValueError("scores.csv row 7: score: not a number")

    log: list[str] = []
    steps = stand_ins(log)
    steps[1] = Step("check", broken)
    summary = run(registered_project, steps)
    assert log == ["scrape", "site"]
    assert not summary.ok
    assert summary.steps[1].status == FAILED
    assert summary.steps[1].summary == "ValueError: scores.csv row 7: score: not a number"
    assert summary.site is not None


def test_a_missing_optional_step_is_reported_not_fatal_but_a_missing_required_one_fails(registered_project):
    def missing(ctx):
        need("tracker_no_such_extra")
        return StepResult()

    optional = run(registered_project, [*stand_ins(), Step("steering", missing, optional=True)])
    assert optional.ok and optional.steps[-1].status == UNAVAILABLE
    assert "tracker_no_such_extra is not installed" in optional.steps[-1].summary
    required = run(registered_project, [*stand_ins(), Step("extra", missing)])
    assert not required.ok and required.steps[-1].status == FAILED


def test_checkpoints_come_before_and_after_every_step(registered_project):
    seen: list[str] = []
    run(registered_project, stand_ins(), checkpoint=seen.append)
    assert seen == [
        "before-scrape",
        "after-scrape",
        "before-check",
        "after-check",
        "before-site",
        "after-site",
    ]


def test_pause_hook_sleeps_only_at_its_point():
    slept: list[float] = []
    said: list[str] = []
    hook = pipeline.pause_hook("after-check:2.5", sleep=slept.append, say=said.append)
    for name in ("before-check", "after-check", "before-site"):
        hook(name)
    assert slept == [2.5] and said == ["tracker: paused at after-check for 2.5 s"]
    assert pipeline.pause_hook(None, sleep=slept.append)("after-check") is None and slept == [2.5]
    long = pipeline.pause_hook("before-site", sleep=slept.append, say=said.append)
    long("before-site")
    assert slept[-1] == 3600


def test_replay_works_on_a_scratch_copy_with_the_ledger_cut_at_the_replayed_instant(registered_project):
    june, september = dt.datetime(2026, 6, 1, 5, tzinfo=dt.UTC), dt.datetime(2026, 9, 1, 5, tzinfo=dt.UTC)
    append_events(
        registered_project.ledger, [new_model_event(june, "June"), new_model_event(september, "September")]
    )
    atomic_write_text(registered_project.scores, "model_id\n")
    before = {p: p.read_bytes() for p in registered_project.root.rglob("*") if p.is_file()}
    seen: dict[str, object] = {}

    def look(ctx: RunContext) -> StepResult:
        seen.update(
            root=ctx.paths.root,
            offline=ctx.offline,
            send=ctx.send_alerts,
            names=[e.payload["name"] for e in read_events(ctx.paths.ledger)],
        )
        atomic_write_text(ctx.paths.verdicts, "{}")
        return StepResult()

    day = dt.date(2026, 7, 1)
    summary = pipeline.run(
        registered_project,
        as_of=day,
        now=instant_for(day),
        offline=False,
        send_alerts=True,
        out_dir=registered_project.root / "_site-2026-07-01",
        steps=[Step("look", look)],
        replay=True,
    )
    assert summary.replay and summary.offline
    assert seen["names"] == ["June"]
    assert seen["root"] != registered_project.root and not Path(seen["root"]).exists()
    assert seen["offline"] is True and seen["send"] is False
    assert {p: p.read_bytes() for p in registered_project.root.rglob("*") if p.is_file()} == before


def test_replay_skips_the_scrape(registered_project):
    ctx = RunContext(
        paths=registered_project,
        as_of=dt.date(2026, 7, 1),
        now=instant_for(dt.date(2026, 7, 1)),
        offline=True,
        replay=True,
        send_alerts=False,
        out_dir=registered_project.site_out,
    )
    result = real_scrape(ctx)
    assert result.status == SKIPPED and "nothing fetched" in result.summary


def test_cut_ledger_keeps_events_up_to_the_instant(registered_project):
    events = [new_model_event(NOW - dt.timedelta(days=d), f"m{d}") for d in (3, 2, 1, 0)]
    append_events(registered_project.ledger, events)
    assert cut_ledger(registered_project.ledger, NOW - dt.timedelta(days=2)) == 2
    assert [e.payload["name"] for e in read_events(registered_project.ledger)] == ["m3", "m2"]


def test_stale_temporary_files_of_a_killed_run_are_removed(registered_project):
    stale = registered_project.data / "ledger" / ".events.jsonl.abc123.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("half")
    keep = registered_project.data / "notes.tmp"
    keep.write_text("not ours")
    run(registered_project, stand_ins())
    assert not stale.exists() and keep.exists()


def test_the_run_lock_refuses_a_second_holder_and_names_the_first(registered_project):
    with (
        run_lock(registered_project.lock, timeout=0, started_at="2026-11-20T06:17:00Z"),
        pytest.raises(RunLocked) as caught,
        run_lock(registered_project.lock, timeout=0.3, started_at="x"),
    ):
        pass
    message = str(caught.value)
    assert (
        f"pid {os.getpid()}" in message
        and "2026-11-20T06:17:00Z" in message
        and str(registered_project.lock) in message
    )
    with run_lock(registered_project.lock, timeout=0, started_at="again"):
        pass


def test_the_run_lock_waits_for_the_holder_to_finish(registered_project):
    held, release = threading.Event(), threading.Event()

    def holder():
        with run_lock(registered_project.lock, timeout=0, started_at="first"):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    waits: list[str] = []
    threading.Timer(0.4, release.set).start()
    started = time.monotonic()
    with run_lock(registered_project.lock, timeout=10, started_at="second", on_wait=waits.append):
        waited = time.monotonic() - started
    thread.join()
    assert 0.3 < waited < 5
    assert len(waits) == 1 and "waiting up to 10 s" in waits[0]


def test_the_site_stamp_matches_only_the_same_inputs_and_intact_files(registered_project):
    from tracker.site import cache as sitecache

    atomic_write_text(registered_project.scores, "model_id\n")
    day = dt.date(2026, 11, 20)
    digest = sitecache.inputs_digest(registered_project, day)
    out = registered_project.site_out
    atomic_write_text(out / "index.html", "<p>built</p>\n")
    assert not sitecache.is_current(out, digest), "no stamp yet"
    sitecache.record(out, digest)
    assert sitecache.is_current(out, digest)
    assert sitecache.inputs_digest(registered_project, day) == digest
    assert sitecache.inputs_digest(registered_project, day + dt.timedelta(days=1)) != digest
    (registered_project.data / ".run.lock").write_text("runtime file: not an input")
    assert sitecache.inputs_digest(registered_project, day) == digest
    atomic_write_text(registered_project.scores, "model_id\nnew\n")
    assert sitecache.inputs_digest(registered_project, day) != digest
    atomic_write_text(out / "index.html", "<p>edited by hand</p>\n")
    assert not sitecache.is_current(out, digest)
