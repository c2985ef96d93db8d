"""Helpers for the pipeline, lock, crash and daemon tests: a throw-away copy of the whole
project (data, predictions, site templates, configuration), byte snapshots of folders, a
validator that parses every file in data/, and real `tracker` subprocesses."""

from __future__ import annotations

import csv
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tracker.paths import Paths
from tracker.store import read_events, read_models, read_observations, read_quarantine

REPO = Path(__file__).resolve().parent.parent
PROJECT_ITEMS = ("data", "predictions", "site", "alerts.toml", "tracker.toml")
RUNTIME_FILES = {".run.lock", ".last_run.json"}
"""Files in data/ that belong to the running process, not the record (both are git-ignored)."""


def copy_project(root: Path) -> Paths:
    """A copy of everything a run reads, under `root` (never the real data/)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_ITEMS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(*RUNTIME_FILES))
        elif source.exists():
            shutil.copy2(source, root / name)
    return Paths(root)


def kill_at_rename(boundary: int) -> None:
    """From now on, this process SIGKILLs itself at crash point `boundary` of its atomic writes:
    just before rename number boundary // 2 when `boundary` is even, just after it when odd."""
    real, seen = os.replace, [0]

    def replace(src, dst):
        if seen[0] * 2 == boundary:
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)
        if seen[0] * 2 + 1 == boundary:
            os.kill(os.getpid(), signal.SIGKILL)
        seen[0] += 1

    os.replace = replace


def copy_registry(root: Path) -> Paths:
    """The registered predictions (and their lock) under `root`: what a run must verify first."""
    shutil.copytree(REPO / "predictions", root / "predictions", dirs_exist_ok=True)
    return Paths(root)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (runtime files excepted) as relative path -> bytes."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in RUNTIME_FILES
    }


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def assert_data_valid(paths: Paths) -> None:
    """Every file in data/ parses; the tables pass the store's validation."""
    read_observations(paths.scores)
    read_models(paths.models)
    read_quarantine(paths.quarantine)
    events = read_events(paths.ledger)
    assert len({e.id for e in events}) == len(events), "duplicate ledger event ids"
    for path in sorted(paths.data.rglob("*")):
        if not path.is_file() or path.name in RUNTIME_FILES:
            continue
        assert not path.name.endswith(".tmp"), f"temporary file left behind: {path}"
        text = path.read_bytes().decode("utf-8") if path.suffix in (".csv", ".json", ".jsonl") else ""
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".jsonl":
            for number, line in enumerate(text.splitlines(), start=1):
                assert line.strip(), f"{path}:{number}: blank line"
                json.loads(line)
        elif path.suffix == ".csv":
            rows = list(csv.reader(text.splitlines()))
            widths = {len(r) for r in rows}
            assert len(widths) <= 1, f"{path}: rows of different widths {widths}"


def tracker_env(**extra: str) -> dict[str, str]:
    """The environment for a `tracker` subprocess: no secrets or tokens of the caller."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAPE_", "GITHUB_")) and k not in ("PYTHONPATH",)
    }
    env.update(extra)
    return env


def tracker_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tracker", "--root", str(root), *args]


def run_tracker(root: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        tracker_cmd(root, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=tracker_env(**env),
        cwd=REPO,
    )


def start_tracker(root: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        tracker_cmd(root, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tracker_env(**env),
        cwd=REPO,
    )


class Lines:
    """The lines of a subprocess stream, read by a background thread (so waits can time out)."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, needle: str, timeout: float) -> str:
        """The first new line containing `needle`; AssertionError on timeout or end of stream."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} within {timeout} s; got:\n{self.text()}") from None
            if line is None:
                self._queue.put(None)
                raise AssertionError(f"stream ended before {needle!r}; got:\n{self.text()}")
            self.lines.append(line)
            if needle in line:
                return line

    def rest(self, timeout: float = 30) -> str:
        """Everything up to the end of the stream."""
        self._thread.join(timeout)
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        return self.text()

    def text(self) -> str:
        return "".join(self.lines)
