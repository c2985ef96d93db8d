"""One run at a time: an exclusive advisory lock on `data/.run.lock`.

Two runs writing data/ at once would interleave their read-modify-write cycles and lose
work, so every run (the CLI, the daemon, a cron job) takes this lock first. It is an
`fcntl.flock` lock, which the kernel drops when the holder exits for any reason, `kill -9`
included: a crashed run never leaves a stale lock behind. The file itself is never removed
(removing it would let two processes lock two different inodes); it only records who holds
it, so that a second run can say whom it is waiting for.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import TrackerError

POLL_SECONDS = 0.1


class RunLocked(TrackerError, RuntimeError):
    """Another run holds the lock and did not release it within the timeout."""


def _holder(handle) -> str:
    """Who holds the lock, as recorded in the file (best effort: the file may be empty)."""
    handle.seek(0)
    try:
        info = json.loads(handle.read() or "{}")
    except json.JSONDecodeError:
        return "another run"
    if not info:
        return "another run"
    return f"another run (pid {info.get('pid')}, started {info.get('started_at')})"


def _record_holder(handle, started_at: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "started_at": started_at}, sort_keys=True) + "\n")
    handle.flush()


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def run_lock(
    path: Path,
    *,
    timeout: float,
    started_at: str,
    on_wait: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the run lock for the body of the `with` block.

    Waits up to `timeout` seconds (0: do not wait) for another run to finish, calling
    `on_wait` once with a description of the holder, then raises RunLocked naming the
    lock file and the holder. `started_at` is recorded for the next process that waits.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = clock() + timeout
        told = False
        while not _try_lock(handle):
            holder = _holder(handle)
            if clock() >= deadline:
                raise RunLocked(
                    f"{holder} holds {path}; gave up after waiting {timeout:g} s. "
                    "Is a daemon or a scheduled job running? Try again later or wait longer."
                )
            if on_wait is not None and not told:
                on_wait(f"{holder} holds {path}; waiting up to {timeout:g} s")
                told = True
            time.sleep(POLL_SECONDS)
        try:
            _record_holder(handle, started_at)
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
