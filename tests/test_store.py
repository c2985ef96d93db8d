"""data/ on disk: validated reads that name file, row and field; atomic writes; the ledger."""

from __future__ import annotations

import os

import pytest

from tracker.records import Event, Model, Observation, ValidationError
from tracker.store import (
    append_events,
    atomic_write_text,
    make_event_id,
    read_events,
    read_models,
    read_observations,
    write_models,
    write_observations,
)

GOOD = Observation(
    "gpt-5", "gpqa_diamond", 85.7, "epoch", "https://epoch.ai/benchmarks", "2026-04-11T00:00:00Z"
)


def test_observations_round_trip(tmp_path):
    path = tmp_path / "scores.csv"
    assert write_observations(path, [GOOD])
    assert read_observations(path) == [GOOD]
    assert not write_observations(path, [GOOD])  # nothing new: the file is not rewritten


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("score", "101", "percentage in 0-100"),
        ("score", "abc", "not a number"),
        ("benchmark", "mmlu", "unknown benchmark"),
        ("source_url", "javascript:alert(1)", "not an http(s) URL"),
        ("retrieved_at", "yesterday", "not an ISO-8601 time"),
    ],
)
def test_a_bad_row_is_named_by_file_row_and_field(tmp_path, field, bad, message):
    path = tmp_path / "scores.csv"
    write_observations(path, [GOOD])
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(field)] = bad
    path.write_text("\n".join([lines[0], ",".join(cells)]) + "\n")
    with pytest.raises(ValidationError) as caught:
        read_observations(path)
    text = str(caught.value)
    assert str(path) in text and "row=2" in text and field in text and message in text


def test_future_dates_are_refused():
    import datetime as dt

    future = Observation(
        "m", "hle", 40.0, "vendor", "https://x.org", "2026-01-01T00:00:00Z", reported_date="2027-01-01"
    )
    with pytest.raises(ValidationError, match="reported_date.*future"):
        future.validate(today=dt.date(2026, 11, 26))


def test_duplicate_model_ids_are_refused(tmp_path):
    path = tmp_path / "models.csv"
    write_models(path, [Model("a", "A", "Lab")])
    path.write_text(path.read_text() + path.read_text().splitlines()[1] + "\n")
    with pytest.raises(ValidationError, match="duplicate 'a'"):
        read_models(path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "verdicts.json"
    atomic_write_text(path, "old")

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["verdicts.json"]


def test_the_ledger_is_append_only_and_idempotent_on_event_id(tmp_path):
    path = tmp_path / "ledger" / "events.jsonl"
    first = Event(
        make_event_id("new_model", "gpt-6"), "new_model", "2026-11-26T05:17:00Z", {"model_id": "gpt-6"}
    )
    assert append_events(path, [first]) == [first]
    before = path.read_bytes()
    assert append_events(path, [first]) == []
    assert path.read_bytes() == before
    second = Event(
        make_event_id("new_model", "gpt-7"), "new_model", "2026-11-27T05:17:00Z", {"model_id": "gpt-7"}
    )
    append_events(path, [second])
    assert path.read_bytes().startswith(before)
    assert [e.id for e in read_events(path)] == [first.id, second.id]


def test_a_torn_last_line_is_ignored_but_a_torn_middle_line_is_an_error(tmp_path):
    path = tmp_path / "events.jsonl"
    event = Event("e-1", "new_model", "2026-11-26T00:00:00Z", {})
    append_events(path, [event])
    path.write_text(path.read_text() + '{"id": "e-2", "ty')
    assert [e.id for e in read_events(path)] == ["e-1"]
    path.write_text('{"id": "e-0", "ty\n' + path.read_text())
    with pytest.raises(ValidationError, match="row=1"):
        read_events(path)
