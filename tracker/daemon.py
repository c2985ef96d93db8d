"""`tracker daemon`: the daily run as a long-lived service, for those who don't use Actions.

APScheduler 3.x runs one job, the same `pipeline.run` as `tracker run`, on a cron trigger
read from tracker.toml's [daemon] section (or the command line). The job never overlaps
itself (`max_instances=1`, one worker thread, and the run lock against any `tracker run`
started by hand); fire times missed while the machine slept are merged into one run
(`coalesce`) if they are less than `misfire_grace_time` late. Missed days while the daemon
was not running at all are caught up at start: if the last successful run (recorded in
data/.last_run.json, a runtime file outside the committed record) is older than the
schedule's interval, it runs at once. SIGTERM and SIGINT stop it cleanly: no new run
starts, a run in progress is finished (every write in it is atomic anyway), and it exits 0.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import signal
import threading
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tracker import pipeline
from tracker.alerts.redact import RedactingFilter, Redactor
from tracker.clock import utc_now
from tracker.errors import TrackerError, UsageError
from tracker.paths import Paths
from tracker.records import format_instant, parse_instant
from tracker.runlock import RunLocked, run_lock
from tracker.store import atomic_write_text

CONFIG_FILE = "tracker.toml"
STATE_FILE = ".last_run.json"
LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")

log = logging.getLogger("tracker.daemon")

TYPES_OF: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "str": str}


class DaemonConfigError(UsageError, ValueError):
    """tracker.toml's [daemon] section (or a flag) holds something unusable."""


@dataclass(frozen=True)
class DaemonConfig:
    """When and how the daemon runs. Times are UTC."""

    cron: str = "17 5 * * *"
    misfire_grace_time: int = 3600
    catch_up: bool = True
    offline: bool = False
    alerts: bool = True
    lock_wait: float = 600.0


def load_config(path: Path, overrides: Mapping[str, Any] | None = None) -> DaemonConfig:
    """The [daemon] section of `path` (optional file), then `overrides` (flags that were given)."""
    table: dict[str, Any] = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("daemon", {})
        except tomllib.TOMLDecodeError as exc:
            raise DaemonConfigError(f"{path}: not valid TOML: {exc}") from None
    known = {f.name: f for f in fields(DaemonConfig)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise DaemonConfigError(
            f"{path}: [daemon]: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    values = {**table, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    config = DaemonConfig(**values)
    for name, spec in known.items():
        expected = TYPES_OF[str(spec.type)]
        value = getattr(config, name)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise DaemonConfigError(f"{path}: [daemon] {name}: expected {spec.type}, got {value!r}")
    make_trigger(config.cron)
    return config


def cron_days(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) in APScheduler 3's names.

    APScheduler 3 numbers days from Monday = 0, unlike crontab; numbers are translated
    so an expression copied from a crontab means the same days here.
    """
    if field == "*" or re.search(r"[a-z]", field, re.IGNORECASE):
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            low, high = 0, 6
        else:
            low_text, _, high_text = span.partition("-")
            low, high = int(low_text), int(high_text or (6 if step else low_text))
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high):
            raise DaemonConfigError(f"day of week out of range 0-7: {part!r}")
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(CRON_DAYS[d] for d in sorted(days))


def make_trigger(expr: str) -> CronTrigger:
    """A UTC cron trigger from five crontab fields, or six with a leading seconds field."""
    values = expr.split()
    if len(values) not in (5, 6):
        raise DaemonConfigError(
            f"cron {expr!r}: expected 5 fields (minute hour day month weekday) or 6 (seconds first)"
        )
    if len(values) == 5:
        values = ["0", *values]
    try:
        values[5] = cron_days(values[5])
        return CronTrigger(timezone=dt.UTC, **dict(zip(CRON_FIELDS, values, strict=True)))
    except ValueError as exc:
        raise DaemonConfigError(f"cron {expr!r}: {exc}") from None


def interval_of(trigger: CronTrigger, now: dt.datetime) -> dt.timedelta:
    """The time between the schedule's next two fire times after `now`."""
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + dt.timedelta(microseconds=1))
    return second - first


def read_last_success(paths: Paths) -> dt.datetime | None:
    """When the last successful run finished, or None (never, or the record is unreadable)."""
    try:
        data = json.loads((paths.data / STATE_FILE).read_text(encoding="utf-8"))
        return parse_instant(data["finished_at"], "finished_at")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_success(paths: Paths, summary: pipeline.RunSummary, finished: dt.datetime) -> None:
    state = {
        "as_of": summary.as_of.isoformat(),
        "finished_at": format_instant(finished),
        "site": summary.site,
    }
    atomic_write_text(paths.data / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def catch_up_due(last: dt.datetime | None, now: dt.datetime, interval: dt.timedelta) -> bool:
    """True when no run succeeded within one schedule interval before `now`."""
    return last is None or now - last > interval


class Daemon:
    """The scheduled job: one pipeline run under the run lock, logged, its success recorded."""

    def __init__(
        self,
        paths: Paths,
        config: DaemonConfig,
        *,
        env: Mapping[str, str],
        steps: Callable[[], Sequence[pipeline.Step]] | None = None,
        checkpoint: pipeline.Checkpoint | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ):
        self.paths, self.config, self.env = paths, config, env
        self.steps, self.checkpoint, self.clock = steps, checkpoint, clock
        self.busy = threading.Lock()
        self.runs = 0

    def run_once(self) -> pipeline.RunSummary | None:
        """One run; never raises, so the scheduler keeps going after a bad day."""
        with self.busy:
            self.runs += 1
            number, now, started = self.runs, self.clock(), time.monotonic()
            log.info("run %d started (as of %s)", number, now.date())
            try:
                summary = self._run(now)
            except RunLocked as exc:
                log.warning("run %d skipped: %s", number, exc)
                return None
            except (
                TrackerError
            ) as exc:  # an edited registry, a clock behind the ledger: said, not a traceback
                log.error("run %d refused: %s", number, exc)
                return None
            except Exception:
                log.exception("run %d crashed", number)
                return None
            for line in pipeline.summary_lines(summary):
                log.info("%s", line)
            if summary.ok:
                record_success(self.paths, summary, self.clock())
            log.info(
                "run %d finished (%s) in %.1f s",
                number,
                "ok" if summary.ok else "with failures",
                time.monotonic() - started,
            )
            return summary

    def _run(self, now: dt.datetime) -> pipeline.RunSummary:
        with run_lock(
            self.paths.lock,
            timeout=self.config.lock_wait,
            started_at=format_instant(now),
            on_wait=lambda message: log.info("%s", message),
        ):
            return pipeline.run(
                self.paths,
                as_of=now.date(),
                now=now,
                offline=self.config.offline,
                send_alerts=self.config.alerts,
                out_dir=self.paths.site_out,
                steps=self.steps() if self.steps else None,
                env=self.env,
                checkpoint=self.checkpoint,
            )

    def wait_idle(self) -> None:
        """Block until a run in progress has finished."""
        with self.busy:
            pass


def schedule(daemon: Daemon, now: dt.datetime) -> BlockingScheduler:
    """A scheduler holding the daemon's one job; a catch-up run first if one is due."""
    config = daemon.config
    trigger = make_trigger(config.cron)
    interval, last = interval_of(trigger, now), read_last_success(daemon.paths)
    extra: dict[str, Any] = {}
    if config.catch_up and catch_up_due(last, now, interval):
        log.info(
            "last successful run: %s; schedule interval %s: catching up now",
            format_instant(last) if last else "never",
            interval,
        )
        extra["next_run_time"] = now
    scheduler = BlockingScheduler(timezone=dt.UTC, executors={"default": ThreadPoolExecutor(1)})
    scheduler.add_job(
        daemon.run_once,
        trigger,
        id="tracker-run",
        name="tracker run",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=config.misfire_grace_time,
        **extra,
    )
    return scheduler


def serve(daemon: Daemon) -> int:
    """Run until SIGTERM or SIGINT; finish the run in progress, then return 0."""
    scheduler = schedule(daemon, daemon.clock())
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if stopping.is_set():
            log.info("received %s again: still finishing the current run", signal.Signals(signum).name)
            return
        stopping.set()
        log.info("received %s: no new run will start; finishing the current one", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("daemon started: cron %r (UTC), root %s", daemon.config.cron, daemon.paths.root)
    scheduler.start()
    daemon.wait_idle()
    log.info("daemon stopped after %d run(s)", daemon.runs)
    return 0


class UTCFormatter(logging.Formatter):
    converter = time.gmtime


def configure_logging(secrets: Sequence[str] = (), level: int = logging.INFO) -> logging.Handler:
    """Timestamped UTC log lines on stderr, with every known secret masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(UTCFormatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
