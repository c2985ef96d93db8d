"""`kill -9` at every write boundary of a scrape and of a check: the next run finishes the work,
and data/ and the ledger end exactly as after an uninterrupted run (no event lost, none twice).

A boundary is the moment just before or just after one atomic rename (every write in data/ is
a temporary file renamed into place). Each interrupted run is a forked child that SIGKILLs
itself there: a real kill, no clean-up, at every such moment rather than at chosen seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from pipeline_support import assert_data_valid, copy_registry, kill_at_rename, snapshot
from scraper_support import epoch_zip, fresh_root, swebench_json

from tracker.paths import Paths
from tracker.pipeline import remove_stale_temporary_files
from tracker.scrapers import cache
from tracker.scrapers.run import scrape
from tracker.store import read_events
from tracker.verdicts.predictions import check

NOW = dt.datetime(2026, 4, 12, 5, 17, tzinfo=dt.UTC)
Action = Callable[[Paths], object]


def seeded_project(root: Path) -> Paths:
    """Nothing stored yet, the newest recorded responses in the cache: a scrape has work to do."""
    paths = copy_registry(fresh_root(root))
    cache.write(
        paths.cache / "epoch",
        "benchmark_data.zip",
        epoch_zip(),
        cache.CacheMeta(url="https://epoch.ai/data/benchmark_data.zip", retrieved_at="2026-04-11T00:00:00Z"),
    )
    cache.write(
        paths.cache / "swebench",
        "leaderboards.json",
        swebench_json(),
        cache.CacheMeta(
            url="https://www.swebench.com/leaderboards.json", retrieved_at="2025-12-02T00:00:00Z"
        ),
    )
    return paths


def offline_scrape(paths: Paths) -> object:
    return scrape(paths, ["epoch", "swebench", "vendor"], offline=True, now=NOW)


def record_check(paths: Paths) -> object:
    return check(paths, NOW.date(), NOW)


def count_renames(action: Action, paths: Paths, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many atomic renames an uninterrupted `action` makes."""
    calls = []
    real = os.replace

    def counting(src, dst):
        calls.append(dst)
        return real(src, dst)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", counting)
        action(paths)
    return len(calls)


def killed_at(action: Action, paths: Paths, boundary: int) -> None:
    """Run `action` in a forked child that SIGKILLs itself at `boundary` (2k: before rename k,
    2k+1: after it); assert it died there."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        kill_at_rename(boundary)
        try:
            action(paths)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"boundary {boundary}: {status}"


def state(paths: Paths) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(paths.data).items() if not k.startswith("cache/")}


@pytest.mark.slow
@pytest.mark.parametrize("first, action", [(None, offline_scrape), (offline_scrape, record_check)])
def test_a_kill_at_any_write_boundary_loses_nothing(tmp_path, monkeypatch, first, action):
    template = seeded_project(tmp_path / "template")
    if first is not None:
        first(template)
    reference = Paths(tmp_path / "reference")
    shutil.copytree(template.root, reference.root)
    renames = count_renames(action, reference, monkeypatch)
    expected, expected_events = state(reference), read_events(reference.ledger)
    assert renames >= 2 and expected_events, "the action must write a table and the ledger be kept"
    for boundary in range(2 * renames):
        trial = Paths(tmp_path / f"kill-{boundary}")
        shutil.copytree(template.root, trial.root)
        killed_at(action, trial, boundary)
        remove_stale_temporary_files(trial.data)  # as the next `tracker run` does first
        action(trial)  # the next run, at the same instant
        assert_data_valid(trial)
        assert state(trial) == expected, f"boundary {boundary} of {2 * renames}"
        assert read_events(trial.ledger) == expected_events
        shutil.rmtree(trial.root)


def test_a_pending_journal_is_applied_before_anything_else_reads(tmp_path):
    """The defect: tables written, ledger not. With the journal the events come back."""
    paths = seeded_project(tmp_path / "p")
    killed_at(offline_scrape, paths, boundary=1)  # just after the journal is in place
    assert paths.journal.exists() and not paths.ledger.exists()
    report = offline_scrape(paths)
    assert not paths.journal.exists()
    events = read_events(paths.ledger)
    assert any(e.type == "new_frontier_release" for e in events) or any(e.type == "new_score" for e in events)
    assert report.events == [], "the recovered events are the killed run's, not new ones"
