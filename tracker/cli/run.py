"""`tracker run` (the whole pipeline, once) and `tracker daemon` (the same on a schedule).

The wall clock, the environment (secrets, tokens) and the test hook CAPE_TEST_PAUSE_AT are
read here, at the edge, and handed to the library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from tracker import pipeline
from tracker.alerts.config import secrets_in
from tracker.cli.common import day, paths_from, print_json, seconds, whole_seconds
from tracker.clock import instant_for, utc_now
from tracker.errors import UsageError
from tracker.paths import Paths
from tracker.records import ValidationError, format_instant, parse_instant
from tracker.runlock import run_lock

PAUSE_ENV = "CAPE_TEST_PAUSE_AT"
DEFAULT_WAIT_SECONDS = 300.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `run` and `daemon` to the `tracker` parser."""
    run = subparsers.add_parser(
        "run", help="the whole pipeline, once: scrape, stats, check, alerts, steering, site"
    )
    run.add_argument("--offline", action="store_true", help="no network: re-read the cached source responses")
    run.add_argument(
        "--as-of",
        type=day,
        help="replay a past day: data known by then, on a scratch copy "
        "(implies --offline and --no-alerts; data/ is not changed)",
    )
    run.add_argument("--no-alerts", action="store_true", help="queue alerts in the outbox but send nothing")
    run.add_argument("--out", help="where to build the site (default _site/, or _site-DATE/ for --as-of)")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON (see README)")
    run.add_argument(
        "--wait",
        type=seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"if another run holds the lock, wait this long before giving up (default {DEFAULT_WAIT_SECONDS:g})",
    )
    run.add_argument(
        "--now", type=instant, help="pretend the clock reads this UTC instant (reproducible runs)"
    )
    run.set_defaults(handler=handle_run)

    daemon = subparsers.add_parser("daemon", help="run the pipeline on a schedule (APScheduler; see README)")
    daemon.add_argument("--config", help="TOML file with a [daemon] section (default ROOT/tracker.toml)")
    daemon.add_argument("--cron", help="crontab expression in UTC: 5 fields, or 6 with seconds first")
    daemon.add_argument(
        "--misfire-grace",
        type=whole_seconds,
        dest="misfire_grace_time",
        metavar="SECONDS",
        help="how late a missed run may still start",
    )
    daemon.add_argument(
        "--no-catch-up",
        dest="catch_up",
        action="store_false",
        default=None,
        help="do not run at start when the last successful run is older than the interval",
    )
    daemon.add_argument("--offline", action="store_true", default=None, help="never fetch: re-read the cache")
    daemon.add_argument(
        "--no-alerts", dest="alerts", action="store_false", default=None, help="queue, never send"
    )
    daemon.add_argument(
        "--lock-wait", type=seconds, metavar="SECONDS", help="how long a run waits for the run lock"
    )
    daemon.set_defaults(handler=handle_daemon)


def instant(text: str) -> dt.datetime:
    """argparse type for an ISO-8601 instant (naive means UTC)."""
    try:
        return parse_instant(text, "now")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_out(paths: Paths, as_of: dt.date | None) -> Path:
    return paths.site_out if as_of is None else paths.root / f"_site-{as_of.isoformat()}"


def handle_run(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    if args.as_of and args.now:
        raise UsageError("--now and --as-of exclude each other (--as-of runs at DATE 23:59:59Z)")
    now = instant_for(args.as_of) if args.as_of else (args.now or utc_now())
    out_dir = Path(args.out).resolve() if args.out else default_out(paths, args.as_of)
    with run_lock(
        paths.lock,
        timeout=args.wait,
        started_at=format_instant(utc_now()),
        on_wait=lambda message: print_stderr(f"tracker run: {message}"),
    ):
        summary = pipeline.run(
            paths,
            as_of=now.date(),
            now=now,
            offline=args.offline,
            send_alerts=not args.no_alerts,
            out_dir=out_dir,
            replay=args.as_of is not None,
            env=os.environ,
            checkpoint=pipeline.pause_hook(os.environ.get(PAUSE_ENV), say=print_stderr),
        )
    if args.json:
        print_json(summary.to_json())
    else:
        print("\n".join(pipeline.summary_lines(summary)))
    return 0 if summary.ok else 1


def handle_daemon(args: argparse.Namespace) -> int:
    from tracker import daemon  # apscheduler: loaded only by the command that schedules

    paths = paths_from(args)
    if args.config and not Path(args.config).is_file():
        raise UsageError(
            f"--config {args.config}: no such file (without --config, ROOT/tracker.toml is read)"
        )
    config_path = Path(args.config) if args.config else paths.root / daemon.CONFIG_FILE
    overrides = {
        name: getattr(args, name)
        for name in ("cron", "misfire_grace_time", "catch_up", "offline", "alerts", "lock_wait")
    }
    config = daemon.load_config(config_path, overrides)
    secrets = secrets_in(os.environ)
    daemon.configure_logging(secrets)
    service = daemon.Daemon(
        paths,
        config,
        env=dict(os.environ),
        checkpoint=pipeline.pause_hook(os.environ.get(PAUSE_ENV), say=print_stderr),
    )
    return daemon.serve(service)
