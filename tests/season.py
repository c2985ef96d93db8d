"""A season of operation, simulated: the tracker's daily life played under seeded faults.

Every recorded snapshot of each fetched source (tests/fixtures/epoch, tests/fixtures/swe-bench)
is served from 127.0.0.1 in date order: on a simulated day a source answers with its newest
snapshot recorded on or before that day (404 before its first). One scheduled run
(`tracker.pipeline.run` at 05:17Z, alerts to a local signed-webhook receiver) plays each day.

Two seasons are played on one seed. The reference season has the source faults only; the
faulted season adds the run faults, and after each of its days its state is compared with the
reference's of the same day.

Source faults (one source on a day): `down` (503 on every try), `hang` (no answer within the
client's timeout), `rate_limited` (429 with Retry-After, then the answer), `truncated` (the
connection closes half-way through the body), `format_drift` (the data's key column or key
renamed).
Run faults (the day's run): `kill` (SIGKILL at one write boundary, the moment before or after
one atomic rename, picked by the seed among that day's boundaries; then the run again),
`concurrent` (two runs started at once), `clock_back` (a run whose clock reads three days early;
then the day's run), `disk_full` (a run whose files may not grow past 16 KiB: RLIMIT_FSIZE, so a
write fails with EFBIG as on a full disk; then the run again with room).

Invariants after every day of the faulted season: every file in data/ parses and validates and
no journal or temporary file is left; data/ (the ledger event for event, the tables, the
verdict state) equals the reference's; the webhook received each alert once (by Idempotency-Key)
and the same alerts as in the reference; no verdict is decided before its deadline (early only
where the rule allows, P3/P4) and no evidence row is dated after the day; the registry verifies;
and the site the run built equals a replay of that day (`tracker run --as-of`; every
`site_every` days and on the last, since a replay builds the whole site again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alerts_servers import WebhookReceiver, channel_env
from pipeline_support import REPO, assert_data_valid, kill_at_rename, snapshot
from scraper_server import ScriptedServer

from tracker import pipeline
from tracker.clock import instant_for
from tracker.paths import Paths
from tracker.runlock import run_lock
from tracker.site.cache import STAMP
from tracker.store import read_events
from tracker.verdicts.specs import load_specs, verify_registry

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE_FAULTS = ("down", "hang", "rate_limited", "truncated", "format_drift")
RUN_FAULTS = ("kill", "concurrent", "clock_back", "disk_full")
RUN_AT = dt.time(5, 17)
TIMEOUT_S = 0.5
DISK_LIMIT = 16 * 1024
EARLY_FINAL = ("P3", "P4")  # releases-count predictions finalise when their releases are scored
ROUTES = {"epoch": "/epoch/benchmark_data.zip", "swebench": "/swebench/leaderboards.json"}


@dataclass(frozen=True)
class Plan:
    """The seeded schedule: which source fails how on which day, and which runs are disturbed."""

    days: tuple[dt.date, ...]
    source_faults: dict[dt.date, tuple[str, str]]
    run_faults: dict[dt.date, str]
    seed: int


@dataclass
class SeasonReport:
    """What a season did and found: counts for docs/benchmarks.md, violations for the test."""

    days: int = 0
    runs: int = 0
    faults: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    kill_boundaries: list[tuple[int, int]] = field(default_factory=list)
    resent_alerts: int = 0
    violations: list[str] = field(default_factory=list)

    def check(self, name: str, day: dt.date, ok: bool, detail: str = "") -> None:
        self.checks[name] += 1
        if not ok:
            self.violations.append(f"{day} {name}: {detail}")


def make_plan(start: dt.date, days: int, seed: int, source_rate: float, run_rate: float) -> Plan:
    """Faults drawn from `seed`; kinds are dealt in turn (shuffled), so each comes up once
    before any repeats. The first day has no run fault (there is nothing to disturb yet)."""
    rng = random.Random(seed)
    source_kinds, run_kinds = _dealer(rng, SOURCE_FAULTS), _dealer(rng, RUN_FAULTS)
    calendar = tuple(start + dt.timedelta(days=i) for i in range(days))
    source_faults = {
        d: (rng.choice(sorted(ROUTES)), next(source_kinds)) for d in calendar if rng.random() < source_rate
    }
    run_faults = {d: next(run_kinds) for d in calendar[1:] if rng.random() < run_rate}
    return Plan(calendar, source_faults, run_faults, seed)


def _dealer(rng: random.Random, kinds: tuple[str, ...]):
    while True:
        deck = list(kinds)
        rng.shuffle(deck)
        yield from deck


def snapshot_bodies() -> dict[str, list[tuple[dt.date, bytes]]]:
    """Each fetched source's recorded responses, oldest first, as the source served them.

    The Epoch snapshots archived as loose CSV tables are zipped the way Epoch ships them."""
    epoch = []
    for folder in sorted((FIXTURES / "epoch").iterdir()):
        zipped = folder / "benchmark_data.zip"
        body = zipped.read_bytes() if zipped.exists() else _zip_tables(folder)
        epoch.append((dt.date.fromisoformat(folder.name), body))
    swebench = [
        (dt.date.fromisoformat(f.name), (f / "leaderboards.json").read_bytes())
        for f in sorted((FIXTURES / "swe-bench").iterdir())
    ]
    return {"epoch": epoch, "swebench": swebench}


def _zip_tables(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for table in sorted(folder.glob("*.csv")):
            archive.writestr(zipfile.ZipInfo(table.name, (2025, 1, 1, 0, 0, 0)), table.read_bytes())
    return buffer.getvalue()


def drifted(source: str, body: bytes) -> bytes:
    """The same data in a changed format: Epoch's score column renamed, SWE-bench's boards key."""
    if source == "swebench":
        return body.replace(b'"leaderboards"', b'"boards"', 1)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data.replace(b"Best score (across scorers)", b"Best score"))
    return buffer.getvalue()


def answers_for(source: str, body: bytes | None, fault: str | None) -> list[dict]:
    """The scripted answers of one source for one day (the last one repeats)."""
    if body is None:
        return [{"status": 404, "body": b"no snapshot yet"}]
    normal = {"body": body, "etag": '"' + hashlib.sha256(body).hexdigest()[:16] + '"'}
    return {
        None: [normal],
        "down": [{"status": 503, "body": b"down for maintenance"}],
        "hang": [{"hang": TIMEOUT_S * 3, **normal}],
        "rate_limited": [{"status": 429, "headers": {"Retry-After": "1"}, "body": b"slow down"}, normal],
        "truncated": [{"body": body, "truncate": len(body) // 2}],
        "format_drift": [{"body": drifted(source, body)}],
    }[fault]


def serve_day(server: ScriptedServer, bodies: dict, day: dt.date, fault: tuple[str, str] | None) -> None:
    for source, route in ROUTES.items():
        known = [b for d, b in bodies[source] if d <= day]
        kind = fault[1] if fault and fault[0] == source else None
        server.script(route, *answers_for(source, known[-1] if known else None, kind))


def season_project(root: Path, server: ScriptedServer) -> Paths:
    """A fresh deployment: the frozen panel, the identity table before any scrape, the registry,
    the site templates, and a sources.toml that points every source at the local server."""
    shutil.copytree(REPO / "data" / "frozen", root / "data" / "frozen")
    shutil.copy(FIXTURES / "scrapers" / "models_seed.csv", root / "data" / "models.csv")
    for name in ("predictions", "site"):
        shutil.copytree(REPO / name, root / name)
    for name in ("alerts.toml", "tracker.toml"):
        shutil.copy(REPO / name, root / name)
    (root / "sources.toml").write_text(
        f"[http]\ntimeout_s = {TIMEOUT_S}\nretries = 1\nbackoff_s = 0.01\nmax_backoff_s = 0.05\n"
        "max_retry_after_s = 2.0\n\n"
        f'[sources.epoch]\nurl = "{server.base}{ROUTES["epoch"]}"\n\n'
        f'[sources.swebench]\nurl = "{server.base}{ROUTES["swebench"]}"\n\n'
        f'[hf_hub]\napi = "{server.base}/hub/api/models"\norgs = []\n',
        encoding="utf-8",
    )
    return Paths(root)


class Season:
    """One season on one project: a local source server, a webhook receiver, a day at a time."""

    def __init__(self, root: Path, server: ScriptedServer, receiver: WebhookReceiver):
        self.server, self.receiver = server, receiver
        self.paths = season_project(root, server)
        self.env = channel_env(webhook=receiver)
        self.bodies = snapshot_bodies()

    def run(self, now: dt.datetime, wait: float = 0) -> pipeline.RunSummary:
        """The scheduled run: under the run lock, online, alerts sent, the site built."""
        with run_lock(self.paths.lock, timeout=wait, started_at=now.isoformat()):
            return pipeline.run(
                self.paths,
                as_of=now.date(),
                now=now,
                offline=False,
                send_alerts=True,
                out_dir=self.paths.site_out,
                env=self.env,
            )

    def counted_run(self, now: dt.datetime) -> int:
        """The run, counting its atomic renames (its write boundaries are twice that)."""
        real, calls = os.replace, [0]

        def counting(src, dst):
            calls[0] += 1
            return real(src, dst)

        os.replace = counting
        try:
            self.run(now)
        finally:
            os.replace = real
        return calls[0]

    def state(self) -> dict[str, bytes]:
        """data/ as the record holds it (the raw response cache and runtime files aside).

        data/sources.json is the health of each source's last attempt: after a killed run, the
        run again is answered 304 (`not_modified`, 0 new) where the undisturbed run got 200 (`ok`,
        N new), both successes at the same instant. So a success counts as one status and the
        attempt's own counts are left out; when, the URL, the validators and errors must match."""
        state = {k: v for k, v in snapshot(self.paths.data).items() if not k.startswith("cache/")}
        if "sources.json" in state:
            health = json.loads(state["sources.json"])
            for entry in health.values():
                entry["status"] = "ok" if entry.get("status") == "not_modified" else entry.get("status")
                entry.pop("new", None)
            state["sources.json"] = json.dumps(health, sort_keys=True).encode()
        return state


def spawn(action: Callable[[], object], setup: Callable[[], None] = lambda: None) -> int:
    """Fork a child that runs `setup` then `action` and exits 0 (or 1 if either raised)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            setup()
            action()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def reap(pid: int) -> int:
    """A child's exit status, or minus the signal that killed it."""
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def in_child(action: Callable[[], object], setup: Callable[[], None] = lambda: None) -> int:
    return reap(spawn(action, setup))


def kill_at(boundary: int) -> Callable[[], None]:
    """A child set-up: SIGKILL itself just before (even) or after (odd) rename boundary // 2."""

    def setup() -> None:
        kill_at_rename(boundary)

    return setup


def small_disk() -> None:
    """A child set-up: no file may grow past DISK_LIMIT bytes (a write fails with EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (DISK_LIMIT, DISK_LIMIT))


def play(tmp: Path, plan: Plan, server: ScriptedServer, site_every: int = 1) -> SeasonReport:
    """Both seasons of `plan`; the report of the faulted one checked against the reference."""
    report = SeasonReport(days=len(plan.days))
    with WebhookReceiver(secret="s" * 32) as ref_hook, WebhookReceiver(secret="s" * 32) as hook:
        reference = Season(tmp / "reference", server, ref_hook)
        faulted = Season(tmp / "faulted", server, hook)
        for number, day in enumerate(plan.days):
            now = dt.datetime.combine(day, RUN_AT, tzinfo=dt.UTC)
            fault = plan.source_faults.get(day)
            if fault:
                report.faults[fault[1]] += 1
            serve_day(server, reference.bodies, day, fault)
            renames = reference.counted_run(now)
            serve_day(server, faulted.bodies, day, fault)
            disturb(faulted, plan, day, now, renames, report)
            report.runs += 1
            verify_day(
                faulted, reference, day, report, site=(number % site_every == 0 or day == plan.days[-1])
            )
    return report


def disturb(
    season: Season, plan: Plan, day: dt.date, now: dt.datetime, renames: int, report: SeasonReport
) -> None:
    """The faulted season's day: its run fault (if any), then the day's run completed."""
    kind = plan.run_faults.get(day)
    if kind:
        report.faults[kind] += 1
    if kind == "kill":
        boundary = random.Random(f"{plan.seed}-{day}").randrange(2 * renames)
        report.kill_boundaries.append((boundary, 2 * renames))
        status = in_child(lambda: season.run(now), setup=kill_at(boundary))
        report.check("killed_at_boundary", day, status == -signal.SIGKILL, f"exit {status}")
    elif kind == "concurrent":
        pids = [spawn(lambda: season.run(now, wait=300)) for _ in range(2)]
        statuses = [reap(pid) for pid in pids]
        report.check("concurrent_runs_succeed", day, statuses == [0, 0], f"exits {statuses}")
        return
    elif kind == "clock_back":
        refused = False
        try:
            season.run(now - dt.timedelta(days=3))
        except pipeline.ClockSteppedBack:
            refused = True
        report.check("clock_back_refused", day, refused, "a run three days early was not refused")
    elif kind == "disk_full":
        status = in_child(lambda: season.run(now), setup=small_disk)
        report.check("disk_full_run_ends", day, status in (0, 1), f"exit {status}")
    season.run(now)


def verify_day(season: Season, reference: Season, day: dt.date, report: SeasonReport, site: bool) -> None:
    """Every invariant of the module docstring, for one day."""
    paths = season.paths
    try:
        assert_data_valid(paths)
        valid = ""
    except (AssertionError, ValueError) as exc:
        valid = str(exc)
    report.check("data_valid", day, not valid and not paths.journal.exists(), valid or "journal left behind")
    ours, theirs = season.state(), reference.state()
    differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    report.check("data_equals_reference", day, not differing, f"differs: {differing}")
    events, expected = read_events(paths.ledger), read_events(reference.paths.ledger)
    report.check(
        "ledger_equals_reference", day, events == expected, f"{len(events)} vs {len(expected)} events"
    )
    check_alerts(season, reference, day, report)
    check_verdicts(paths, day, report)
    report.check("registry_verifies", day, verify_registry(paths) == [], "registry does not verify")
    if site:
        check_site_is_replay(paths, day, report)


def check_alerts(season: Season, reference: Season, day: dt.date, report: SeasonReport) -> None:
    received, expected = season.receiver.accepted, reference.receiver.accepted
    report.check(
        "alerts_as_reference",
        day,
        received.keys() == expected.keys(),
        f"{sorted(received.keys() ^ expected.keys())}",
    )
    report.resent_alerts = len(season.receiver.posts) - len(received)
    deliveries = [json.loads(line) for line in _lines(season.paths.deliveries)]
    ids = [d.get("id") for d in deliveries]
    report.check("alerts_recorded_once", day, len(ids) == len(set(ids)), "a delivery recorded twice")


def _lines(path: Path) -> list[str]:
    return (
        [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if path.exists()
        else []
    )


def check_verdicts(paths: Paths, day: dt.date, report: SeasonReport) -> None:
    """No verdict before its deadline (early only for P3/P4), none on data not known by the day."""
    specs = {spec.id: spec for spec in load_specs(paths)}
    for event in read_events(paths.ledger):
        if event.type != "verdict_decided":
            continue
        spec = specs[event.payload["prediction"]]
        early = event.at[:10] < spec.deadline_day().isoformat()
        report.check(
            "no_verdict_before_deadline",
            day,
            not early or spec.id in EARLY_FINAL,
            f"{event.id} at {event.at}",
        )
    status = json.loads((paths.site_out / "api" / "status.json").read_text(encoding="utf-8"))["predictions"]
    late = [
        f"{v['id']} {key}={value}"
        for v in status
        for row in v["evidence"].get("rows", [])
        for key, value in row.items()
        if key.endswith("_known") and value and value > day.isoformat()
    ]
    report.check("evidence_known_by_the_day", day, not late, f"{late[:3]}")


def check_site_is_replay(paths: Paths, day: dt.date, report: SeasonReport) -> None:
    out = paths.root.parent / f"replay-{paths.root.name}-{day}"
    pipeline.run(
        paths, as_of=day, now=instant_for(day), offline=True, send_alerts=False, out_dir=out, replay=True
    )
    built, replayed = published(paths.site_out), published(out)
    differing = sorted(k for k in built.keys() | replayed.keys() if built.get(k) != replayed.get(k))
    report.check("site_equals_replay", day, not differing, f"differs: {differing[:5]}")
    shutil.rmtree(out)


def published(site: Path) -> dict[str, bytes]:
    """The site's files but its build stamp (.inputs.json digests the inputs, the raw response
    cache included, which a replay leaves out: it is how a rerun skips a build, not a page)."""
    return {k: v for k, v in snapshot(site).items() if k != STAMP}


def counts_table(report: SeasonReport) -> str:
    """The report as Markdown rows (for docs/benchmarks.md)."""
    lines = [f"| days | {report.days} |", f"| scheduled runs | {report.runs} |"]
    lines += [f"| fault: {kind} | {report.faults.get(kind, 0)} |" for kind in SOURCE_FAULTS + RUN_FAULTS]
    lines += [f"| check: {name} | {n} |" for name, n in sorted(report.checks.items())]
    lines += [f"| alerts re-sent (deduplicated by Idempotency-Key) | {report.resent_alerts} |"]
    lines += [f"| violations | {len(report.violations)} |"]
    return "\n".join(lines)
