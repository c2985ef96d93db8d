"""The outbox and the delivery ledger: stable ids, idempotent queueing, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.alerts.config import load_config
from tracker.alerts.outbox import (
    Delivery,
    entry_id,
    mirror_to_ledger,
    queue_from_ledger,
    read_deliveries,
    read_outbox,
    record_delivery,
    remove_entry,
)
from tracker.paths import Paths
from tracker.records import Event, ValidationError
from tracker.store import append_events, make_event_id, read_events

ENV = {
    "CAPE_WEBHOOK_URL": "http://127.0.0.1:9/hook",
    "CAPE_WEBHOOK_SECRET": "s3cret-value",
    "CAPE_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/slack",
}


def ledger_events() -> list[Event]:
    return [
        Event(make_event_id("new_score", "m", 1), "new_score", "2026-04-01T23:59:59Z", {"model_id": "m"}),
        Event(
            make_event_id("provisional_flipped", "P1", 1),
            "provisional_flipped",
            "2026-04-01T23:59:59Z",
            {"prediction": "P1", "old": "on_track", "new": "at_risk", "summary": ""},
        ),
        Event(
            make_event_id("verdict_decided", "P3"),
            "verdict_decided",
            "2026-06-01T23:59:59Z",
            {"prediction": "P3", "status": "passed", "summary": "ok"},
        ),
    ]


@pytest.fixture
def ledger_project(tmp_path) -> Paths:
    """A ledger of alertable and non-alertable events, and nothing else."""
    paths = Paths(tmp_path)
    append_events(paths.ledger, ledger_events())
    return paths


def test_queue_adds_one_entry_per_alertable_event_and_channel(ledger_project):
    config = load_config(ledger_project, ENV)
    assert queue_from_ledger(ledger_project, config) == 4
    entries = read_outbox(ledger_project)
    flip, decided = ledger_events()[1:]
    assert [e.id for e in entries] == [
        f"{flip.id}@webhook",
        f"{flip.id}@slack",
        f"{decided.id}@webhook",
        f"{decided.id}@slack",
    ]
    assert entries[2].event == decided and entries[2].attempts == 0 and entries[2].queued_at == decided.at


def test_queue_is_idempotent_and_skips_delivered(ledger_project):
    config = load_config(ledger_project, ENV)
    queue_from_ledger(ledger_project, config)
    first = read_outbox(ledger_project)[0]
    record_delivery(
        ledger_project,
        Delivery(
            first.id, first.event.id, first.event.type, first.channel, "2026-06-02T00:00:00Z", "HTTP 200"
        ),
    )
    remove_entry(ledger_project, first.id)
    assert queue_from_ledger(ledger_project, config) == 0
    assert len(read_outbox(ledger_project)) == 3 and len(read_deliveries(ledger_project)) == 1


def test_a_channel_enabled_later_gets_its_own_entries(ledger_project):
    assert (
        queue_from_ledger(
            ledger_project, load_config(ledger_project, {k: ENV[k] for k in ENV if "SLACK" not in k})
        )
        == 2
    )
    assert queue_from_ledger(ledger_project, load_config(ledger_project, ENV)) == 2
    assert sorted(e.channel for e in read_outbox(ledger_project)) == ["slack", "slack", "webhook", "webhook"]


def test_since_keeps_history_out_of_a_new_channel(ledger_project):
    (ledger_project.root / "alerts.toml").write_text('[alerts]\nsince = "2026-05-01"\n')
    config = load_config(ledger_project, ENV)
    assert config.since == dt.date(2026, 5, 1)
    assert queue_from_ledger(ledger_project, config) == 2
    assert {e.event.type for e in read_outbox(ledger_project)} == {"verdict_decided"}


def test_no_enabled_channel_queues_nothing(ledger_project):
    assert queue_from_ledger(ledger_project, load_config(ledger_project, {})) == 0
    assert not ledger_project.outbox.exists()


def test_record_delivery_is_idempotent_and_mirrored_to_the_ledger(ledger_project):
    delivery = Delivery(
        entry_id("verdict_decided-1", "slack"),
        "verdict_decided-1",
        "verdict_decided",
        "slack",
        "2026-06-02T00:00:00Z",
        "HTTP 200",
    )
    record_delivery(ledger_project, delivery)
    record_delivery(ledger_project, delivery)
    assert read_deliveries(ledger_project) == [delivery]
    assert mirror_to_ledger(ledger_project) == 1 and mirror_to_ledger(ledger_project) == 0
    sent = [e for e in read_events(ledger_project.ledger) if e.type == "alert_sent"]
    assert sent[0].payload == {
        "event_id": "verdict_decided-1",
        "event_type": "verdict_decided",
        "channel": "slack",
        "ref": "HTTP 200",
        "duplicate": False,
    }
    assert sent[0].at == "2026-06-02T00:00:00Z"


@pytest.mark.parametrize(
    "line, reason",
    [("{not json", "not JSON"), ('{"id": "x"}', "not a valid record"), ("[1, 2]", "not a valid record")],
)
def test_a_broken_outbox_line_names_file_and_line(ledger_project, line, reason):
    ledger_project.outbox.parent.mkdir(parents=True, exist_ok=True)
    ledger_project.outbox.write_text("\n" + line + "\n")
    with pytest.raises(ValidationError, match=reason) as raised:
        read_outbox(ledger_project)
    assert raised.value.row == "2" and "outbox.jsonl" in raised.value.source
