"""Delivering the outbox to real local servers: exactly once across a crash and retry,
a down channel isolated from the others, and secrets kept out of logs, files and output."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alerts_servers import GitHubFake, SmtpSink, WebhookReceiver, channel_env
from pipeline_support import copy_registry

from tracker.alerts import outbox
from tracker.alerts.clients import Clients
from tracker.alerts.config import CHANNEL_ENV, OPTIONAL_ENV, load_config
from tracker.alerts.deliver import deliver_pending
from tracker.alerts.outbox import queue_from_ledger, read_deliveries, read_outbox
from tracker.cli import main
from tracker.paths import Paths
from tracker.records import Event
from tracker.runlock import run_lock
from tracker.store import append_events, make_event_id, read_events

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

REPO_ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC)
SECRETS = {
    "token": "ghp_SECRETtoken0123456789",
    "webhook_secret": "whsec_SECRET_hmac_key_42",
    "webhook_path": "/in/SECRET-webhook-path-77",
    "slack_path": "/services/T000/B000/SECRETslackXYZ",
    "smtp_password": "smtp-SECRET-password-99",
}
DECIDED = Event(
    make_event_id("verdict_decided", "P3", "failed"),
    "verdict_decided",
    "2026-06-01T23:59:59Z",
    {"prediction": "P3", "status": "failed", "summary": "r = 0.41 < 0.60 with n = 12"},
)
RELEASE = Event(
    make_event_id("new_frontier_release", "x-1"),
    "new_frontier_release",
    "2026-06-01T23:59:59Z",
    {"model_id": "x-1", "name": "X-1", "lab": "Lab", "release_date": "2026-05-30", "h": -2.3},
)


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in delivery catches it."""


@dataclass
class Servers:
    github: GitHubFake
    webhook: WebhookReceiver
    slack: WebhookReceiver
    smtp: SmtpSink

    def env(self) -> dict[str, str]:
        return channel_env(self.github, self.webhook, self.slack, self.smtp)


@pytest.fixture
def servers():
    with (
        GitHubFake(token=SECRETS["token"]) as github,
        WebhookReceiver(path=SECRETS["webhook_path"], secret=SECRETS["webhook_secret"]) as webhook,
        WebhookReceiver(path=SECRETS["slack_path"], slack=True) as slack,
        SmtpSink(login=("alerts", SECRETS["smtp_password"])) as smtp,
    ):
        yield Servers(github, webhook, slack, smtp)


@pytest.fixture
def decided_project(tmp_path) -> Paths:
    """The registry and a ledger holding one decided verdict: one alert to deliver per channel."""
    paths = copy_registry(tmp_path)
    append_events(paths.ledger, [DECIDED])
    return paths


def run_delivery(paths: Paths, env: dict[str, str], http: httpx.Client, sleeps: list[float] | None = None):
    config = load_config(paths, env)
    queue_from_ledger(paths, config)
    clients = Clients(http=http, sleep=(sleeps.append if sleeps is not None else lambda _: None))
    return deliver_pending(paths, config, clients, NOW)


def assert_each_channel_has_it_once(servers: Servers, event: Event = DECIDED) -> None:
    """What a subscriber sees: one issue, one accepted webhook, one e-mail (by Message-ID)."""
    marker = f"<!-- cape-tracker:event={event.id} -->"
    assert [issue["body"].count(marker) for issue in servers.github.issues] == [1]
    assert all(marker not in body for body in servers.github.comment_bodies(1))
    assert list(servers.webhook.accepted) == [event.id]
    assert len(set(servers.smtp.message_ids())) == 1
    assert all(event.id in text for text in servers.slack.slack_texts())


def test_decided_verdict_reaches_every_channel_once(decided_project, servers, http):
    report = run_delivery(decided_project, servers.env(), http)
    assert sorted(d.channel for d in report.delivered) == ["email", "github", "slack", "webhook"]
    assert report.failed == [] and report.pending == 0 and read_outbox(decided_project) == []
    assert_each_channel_has_it_once(servers)
    assert len(servers.webhook.posts) == len(servers.slack.posts) == len(servers.smtp.messages) == 1
    assert {e.payload["channel"] for e in read_events(decided_project.ledger) if e.type == "alert_sent"} == {
        "email",
        "github",
        "slack",
        "webhook",
    }
    requests_before = len(servers.github.requests)
    again = run_delivery(decided_project, servers.env(), http)
    assert again.delivered == [] and len(servers.github.requests) == requests_before
    assert len(read_deliveries(decided_project)) == 4


@pytest.mark.parametrize("channel", ["github", "webhook", "slack", "email"])
def test_crash_between_send_and_record_neither_loses_nor_duplicates(
    decided_project, servers, http, monkeypatch, channel
):
    env = {k: v for k, v in servers.env().items() if k in CHANNEL_ENV[channel] + OPTIONAL_ENV[channel]}

    def crash(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(outbox, "record_delivery", crash)
    with pytest.raises(Crash):
        run_delivery(decided_project, env, http)
    assert [e.channel for e in read_outbox(decided_project)] == [channel] and read_deliveries(
        decided_project
    ) == []
    monkeypatch.undo()
    report = run_delivery(decided_project, env, http)
    assert [d.channel for d in report.delivered] == [channel] and read_outbox(decided_project) == []
    if channel == "github":
        assert report.delivered[0].duplicate and len(servers.github.issues) == 1
        assert servers.github.comment_bodies(1) == []
    if channel == "webhook":
        assert len(servers.webhook.posts) == 2 and list(servers.webhook.accepted) == [DECIDED.id]
    if channel == "email":
        assert len(servers.smtp.messages) == 2 and len(set(servers.smtp.message_ids())) == 1
    if channel == "slack":
        texts = servers.slack.slack_texts()
        assert len(texts) == 2 and texts[0] == texts[1] and DECIDED.id in texts[0]


def test_crash_after_every_send_then_retry_delivers_everything_once(
    decided_project, servers, http, monkeypatch
):
    """Every one of the 8 (event, channel) sends is followed by a crash once; reruns finish."""
    append_events(decided_project.ledger, [RELEASE])
    real_record = outbox.record_delivery
    crashed: set[str] = set()

    def record_or_crash(paths_, delivery):
        if delivery.id not in crashed:
            crashed.add(delivery.id)
            raise Crash()
        real_record(paths_, delivery)

    monkeypatch.setattr(outbox, "record_delivery", record_or_crash)
    runs = 0
    while read_outbox(decided_project) or runs == 0:
        runs += 1
        try:
            run_delivery(decided_project, servers.env(), http)
        except Crash:
            assert runs < 20
    assert runs == 9 and len(crashed) == 8 and read_outbox(decided_project) == []
    assert sorted(d.id for d in read_deliveries(decided_project)) == sorted(
        f"{e.id}@{c}" for e in (DECIDED, RELEASE) for c in ("github", "webhook", "slack", "email")
    )
    assert len(servers.github.issues) == 2 and servers.github.comment_bodies(2) == []
    assert len(servers.webhook.posts) == 4 and sorted(servers.webhook.accepted) == sorted(
        [DECIDED.id, RELEASE.id]
    )
    assert len(servers.smtp.messages) == 4 and len(set(servers.smtp.message_ids())) == 2


def test_crash_after_record_before_removal_is_repaired_without_sending(
    decided_project, servers, http, monkeypatch
):
    monkeypatch.setattr(outbox, "remove_entry", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        run_delivery(decided_project, servers.env(), http)
    assert len(read_outbox(decided_project)) == 4 and len(read_deliveries(decided_project)) == 1
    monkeypatch.undo()
    report = run_delivery(decided_project, servers.env(), http)
    assert report.repaired == 1 and len(report.delivered) == 3 and read_outbox(decided_project) == []
    assert len(servers.github.issues) == 1 and len(servers.webhook.posts) == 1
    assert len(servers.slack.posts) == 1 and len(servers.smtp.messages) == 1


@pytest.mark.slow
def test_process_killed_between_send_and_record(decided_project, servers, monkeypatch):
    """A real process death (os._exit: no cleanup at all) right after the first send."""
    script = (
        "import datetime as dt, os, sys\n"
        "from pathlib import Path\n"
        "from tracker.alerts import default_clients, deliver_pending, load_config, outbox, queue_from_ledger\n"
        "from tracker.paths import Paths\n"
        "outbox.record_delivery = lambda *a, **k: os._exit(137)\n"
        "paths = Paths(Path(sys.argv[1]))\n"
        "config = load_config(paths, os.environ)\n"
        "queue_from_ledger(paths, config)\n"
        "with default_clients() as clients:\n"
        "    deliver_pending(paths, config, clients, dt.datetime.now(dt.UTC))\n"
    )
    (decided_project.root / "alerts.toml").write_text("[alerts]\nmax_tries = 1\n")
    env = {k: v for k, v in os.environ.items() if k not in _all_channel_vars()}
    killed = subprocess.run(
        [sys.executable, "-c", script, str(decided_project.root)],
        env={**env, **servers.env()},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert killed.returncode == 137, killed.stderr
    assert (
        len(read_outbox(decided_project)) == 4
        and read_deliveries(decided_project) == []
        and len(servers.github.issues) == 1
    )
    _use_env(monkeypatch, servers.env())
    assert main(["--root", str(decided_project.root), "alerts", "send"]) == 0
    assert read_outbox(decided_project) == [] and len(read_deliveries(decided_project)) == 4
    assert_each_channel_has_it_once(servers)


def test_down_channel_keeps_its_alerts_and_does_not_block_others(decided_project, servers, http):
    append_events(decided_project.ledger, [RELEASE])
    servers.slack.fail_next(3, 503)
    sleeps: list[float] = []
    report = run_delivery(decided_project, servers.env(), http, sleeps)
    assert sorted({d.channel for d in report.delivered}) == ["email", "github", "webhook"]
    assert len(report.delivered) == 6 and report.deferred == {"slack": 1}
    [failure] = report.failed
    assert failure.channel == "slack" and failure.transient and "HTTP 503" in failure.error
    assert sleeps == [2.0, 4.0]
    owed = read_outbox(decided_project)
    assert [e.channel for e in owed] == ["slack", "slack"]
    assert owed[0].attempts == 3 and "HTTP 503" in owed[0].last_error and owed[1].attempts == 0
    later = run_delivery(decided_project, servers.env(), http)
    assert [d.channel for d in later.delivered] == ["slack", "slack"] and later.delivered[0].attempts == 4
    assert (
        read_outbox(decided_project) == []
        and len(servers.slack.requests) == 5
        and len(servers.slack.posts) == 2
    )


def test_refused_connection_is_a_down_channel_too(decided_project, servers, http):
    env = {**servers.env(), "CAPE_SMTP_PORT": str(_closed_port())}
    report = run_delivery(decided_project, env, http)
    assert [f.channel for f in report.failed] == ["email"] and "ConnectionRefusedError" in report.failed[
        0
    ].error
    assert len(report.delivered) == 3 and [e.channel for e in read_outbox(decided_project)] == ["email"]


def test_rejected_message_does_not_hold_up_the_rest_of_its_channel(decided_project, servers, http):
    append_events(decided_project.ledger, [RELEASE])
    servers.slack.fail_next(1, 400)
    sleeps: list[float] = []
    report = run_delivery(decided_project, servers.env(), http, sleeps)
    assert [(f.channel, f.transient) for f in report.failed] == [("slack", False)] and sleeps == []
    assert len(report.delivered) == 7 and report.deferred == {}
    assert [(e.event.id, e.attempts) for e in read_outbox(decided_project)] == [(DECIDED.id, 1)]


def test_channel_switched_off_keeps_its_queue(decided_project, servers, http):
    config = load_config(decided_project, servers.env())
    queue_from_ledger(decided_project, config)
    report = run_delivery(decided_project, {k: v for k, v in servers.env().items() if "SLACK" not in k}, http)
    assert report.deferred == {"slack": 1} and [e.channel for e in read_outbox(decided_project)] == ["slack"]


def test_secrets_never_reach_logs_files_or_output(
    decided_project, servers, http, monkeypatch, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    (decided_project.root / "alerts.toml").write_text("[alerts]\nmax_tries = 2\nbackoff_seconds = 0\n")
    append_events(decided_project.ledger, [RELEASE])
    servers.github.fail_next(1, 502)
    servers.slack.fail_next(5, 500)
    run_delivery(decided_project, servers.env(), http)
    _use_env(monkeypatch, {**servers.env(), "CAPE_SMTP_PORT": str(_closed_port())})
    assert main(["--root", str(decided_project.root), "alerts", "send"]) == 0
    assert main(["--root", str(decided_project.root), "alerts", "status", "--json"]) == 0
    assert main(["--root", str(decided_project.root), "alerts", "status"]) == 0
    assert main(["--root", str(decided_project.root), "alerts", "test", "email"]) == 1
    _use_env(monkeypatch, {**servers.env(), "CAPE_WEBHOOK_SECRET": "whsec_SECRET_but_wrong"})
    assert main(["--root", str(decided_project.root), "alerts", "test", "webhook"]) == 1
    assert main(["--root", str(decided_project.root), "alerts", "test", "github"]) == 0
    out, err = capsys.readouterr()
    ours = "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if not r.name.startswith("mail")
    )
    assert "HTTP Request: POST ***" in ours and "HTTP 500" in err and "ConnectionRefusedError" in err
    haystacks = {"logs": ours, "stdout": out, "stderr": err}
    for file in decided_project.root.rglob("*"):
        if file.is_file():
            haystacks[str(file.relative_to(decided_project.root))] = file.read_text(
                encoding="utf-8", errors="replace"
            )
    assert "data/alerts/outbox.jsonl" in haystacks and "data/ledger/events.jsonl" in haystacks
    for name, secret in {**SECRETS, "wrong": "whsec_SECRET_but_wrong"}.items():
        leaks = [where for where, text in haystacks.items() if secret in text]
        assert leaks == [], f"{name} leaked into {leaks}"


def test_cli_test_sends_a_marked_message_per_channel(decided_project, servers, monkeypatch, capsys):
    _use_env(monkeypatch, servers.env())
    for channel in ("github", "webhook", "slack", "email"):
        assert main(["--root", str(decided_project.root), "alerts", "test", channel]) == 0
    out = capsys.readouterr().out
    assert out.count("test message sent to") == 4
    [issue] = servers.github.issues
    assert "### \\[TEST\\] cape-tracker alert test" in issue["body"] and issue["labels"] == [
        {"name": "cape-tracking"}
    ]
    [payload] = servers.webhook.accepted.values()
    assert (
        payload["test"] is True
        and payload["type"] == "alert_test"
        and payload["subject"].startswith("[TEST]")
    )
    assert servers.slack.slack_texts()[0].startswith("*[TEST]")
    assert servers.smtp.messages[0]["Subject"].startswith("[TEST]")
    assert read_outbox(decided_project) == [] and read_deliveries(decided_project) == []


def test_cli_test_of_a_channel_that_is_off_is_a_usage_error(decided_project, monkeypatch, capsys):
    _use_env(monkeypatch, {})
    assert main(["--root", str(decided_project.root), "alerts", "test", "slack"]) == 2
    assert "CAPE_SLACK_WEBHOOK_URL" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--root", str(decided_project.root), "alerts", "test", "pager"])
    assert usage.value.code == 2


def test_cli_send_and_status_json(decided_project, servers, monkeypatch, capsys):
    _use_env(monkeypatch, {k: v for k, v in servers.env().items() if not k.startswith("CAPE_SMTP")})
    monkeypatch.setenv("CAPE_SMTP_HOST", "127.0.0.1")
    assert main(["--root", str(decided_project.root), "alerts", "send", "--json"]) == 0
    captured = capsys.readouterr()
    sent = json.loads(captured.out)
    assert sent["queued"] == 3 and len(sent["delivered"]) == 3 and sent["pending"] == 0
    assert "alerts channel email is off" in captured.err
    assert main(["--root", str(decided_project.root), "alerts", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["delivered"] == 3 and status["pending"] == 0
    assert status["channels"]["github"]["enabled"] and status["channels"]["github"]["delivered"] == 1
    assert status["channels"]["email"]["misconfigured"] and not status["channels"]["email"]["enabled"]
    assert status["channels"]["atom"]["enabled"]


def test_cli_reports_a_broken_outbox_as_invalid_data(decided_project, monkeypatch, capsys):
    _use_env(monkeypatch, {})
    decided_project.outbox.parent.mkdir(parents=True, exist_ok=True)
    decided_project.outbox.write_text("{broken\n")
    assert main(["--root", str(decided_project.root), "alerts", "status"]) == 1
    assert "outbox.jsonl" in capsys.readouterr().err


def _all_channel_vars() -> set[str]:
    return {var for names in (*CHANNEL_ENV.values(), *OPTIONAL_ENV.values()) for var in names}


def _use_env(monkeypatch, env: dict[str, str]) -> None:
    """The process environment holds exactly these channel variables (nothing from the host)."""
    for var in _all_channel_vars():
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_send_waits_for_the_run_lock(decided_project, monkeypatch, capsys):
    _use_env(monkeypatch, {})
    with run_lock(decided_project.lock, timeout=0, started_at="2026-06-02T06:00:00Z"):
        assert main(["--root", str(decided_project.root), "alerts", "send", "--wait", "0"]) == 1
    assert "run.lock" in capsys.readouterr().err
    assert main(["--root", str(decided_project.root), "alerts", "send", "--wait", "0"]) == 0


def test_an_outbox_entry_that_is_not_an_alert_fails_alone(decided_project, servers, http):
    config = load_config(decided_project, servers.env())
    queue_from_ledger(decided_project, config)
    bogus = Event("new_score-0000000000000000", "new_score", "2026-06-01T00:00:00Z", {})
    stray = outbox.OutboxEntry("new_score-0000000000000000@webhook", "webhook", bogus, bogus.at)
    outbox.write_outbox(decided_project, [stray, *read_outbox(decided_project)])
    report = run_delivery(decided_project, servers.env(), http)
    assert [(f.entry_id, f.transient) for f in report.failed] == [(stray.id, False)]
    assert "not alertable" in report.failed[0].error and len(report.delivered) == 4
    assert [e.id for e in read_outbox(decided_project)] == [stray.id]
