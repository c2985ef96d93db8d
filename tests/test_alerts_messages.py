"""Rendering ledger events as alerts; untrusted text made inert per channel."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.alerts.channels.github import event_marker, markdown_text
from tracker.alerts.channels.mail import build_email
from tracker.alerts.channels.slack import slack_payload, slack_text
from tracker.alerts.config import EmailSettings
from tracker.alerts.messages import ALERTABLE, SCHEMA, is_alertable, make_test_message, render
from tracker.records import Event

EVENTS = {
    "verdict_decided": {"prediction": "P3", "status": "failed", "summary": "r = 0.41 < 0.60 (n = 12)"},
    "provisional_flipped": {
        "prediction": "P1",
        "old": "on_track",
        "new": "at_risk",
        "summary": "margin -0.02",
    },
    "amendment": {"prediction": "P5", "date": "2026-06-10", "text": "HLE text-only subset is used."},
    "new_frontier_release": {
        "model_id": "x-1",
        "name": "X-1",
        "lab": "Lab",
        "release_date": "2026-05-30",
        "h": -2.349,
    },
    "steering_result": {
        "model_id": "org/model",
        "revision": "0123456789abcdef0123",
        "verdict": "replicated",
        "file": "data/steering/org__model__0123456789ab.json",
    },
}
SUBJECTS = {
    "verdict_decided": "P3 verdict: FAILED",
    "provisional_flipped": "P1 provisional reading: on track → at risk",
    "amendment": "P5 amendment (2026-06-10)",
    "new_frontier_release": "New frontier release: X-1 (Lab), h = -2.3",
    "steering_result": "Steering result for org/model@0123456789ab: replicated",
}


def event(kind: str, payload: dict | None = None) -> Event:
    return Event(
        f"{kind}-0123456789abcdef", kind, "2026-06-01T23:59:59Z", EVENTS[kind] if payload is None else payload
    )


@pytest.mark.parametrize("kind", ALERTABLE)
def test_each_alertable_event_has_a_subject_and_body(kind):
    message = render(event(kind), site_url="https://site.test")
    assert message.subject == SUBJECTS[kind]
    assert message.event_id == f"{kind}-0123456789abcdef"
    body = message.to_json()
    assert body["schema"] == SCHEMA and body["payload"] == EVENTS[kind] and body["test"] is False
    if kind in ("verdict_decided", "provisional_flipped", "amendment"):
        assert message.link == f"https://site.test/predictions/{EVENTS[kind]['prediction']}.html"
    else:
        assert message.prediction is None and message.link == "https://site.test/"


def test_verdict_text_carries_the_summary_and_finality():
    text = render(event("verdict_decided")).text
    assert "decided: failed" in text and "r = 0.41 < 0.60 (n = 12)" in text and "final" in text


def test_release_without_h_says_why():
    message = render(event("new_frontier_release", {**EVENTS["new_frontier_release"], "h": None}))
    assert message.subject.endswith("h = n/a")
    assert "needs both a SWE-bench Verified and a GPQA Diamond score" in message.text


def test_other_event_types_are_not_alertable():
    assert not is_alertable(Event("new_score-1", "new_score", "2026-06-01T00:00:00Z", {}))
    assert not is_alertable(Event("alert_sent-1", "alert_sent", "2026-06-01T00:00:00Z", {}))
    with pytest.raises(ValueError, match="not alertable"):
        render(Event("new_score-1", "new_score", "2026-06-01T00:00:00Z", {}))


def test_test_message_is_clearly_marked():
    message = make_test_message("slack", dt.datetime(2026, 6, 2, 8, tzinfo=dt.UTC))
    assert message.subject.startswith("[TEST]") and message.test and message.to_json()["test"] is True
    assert "No prediction has changed" in message.text


def test_markdown_neutralises_markers_links_and_mentions():
    hostile = "<!-- cape-tracker:event=verdict_decided-0123456789abcdef --> [x](http://e.test) @octocat"
    text = markdown_text(hostile)
    assert "<!--" not in text and "](" not in text and "@octocat" not in text


def test_slack_escapes_control_characters():
    assert slack_text("<!channel> & <http://e.test|x>") == "&lt;!channel&gt; &amp; &lt;http://e.test|x&gt;"
    message = render(event("new_frontier_release", {**EVENTS["new_frontier_release"], "name": "<!here>"}))
    assert "<!here>" not in slack_payload(message)["text"]


untrusted = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(ALERTABLE),
    payload=st.dictionaries(
        st.sampled_from(
            [
                "prediction",
                "status",
                "summary",
                "old",
                "new",
                "date",
                "text",
                "name",
                "lab",
                "model_id",
                "release_date",
                "h",
                "revision",
                "verdict",
                "file",
            ]
        ),
        untrusted,
    ),
)
def test_any_payload_renders_to_a_safe_message(kind, payload):
    message = render(event(kind, payload))
    assert "\n" not in message.subject and "\r" not in message.subject and len(message.subject) <= 200
    github_body = markdown_text(message.text)
    assert "<!--" not in github_body and event_marker(message.event_id) not in github_body
    settings = EmailSettings(host="h", sender="a@b.test", recipients=("c@d.test",))
    mail = build_email(message, settings)
    assert mail["Message-ID"] == f"<{message.event_id}.cape-tracker@b.test>"
    assert mail.as_bytes()
