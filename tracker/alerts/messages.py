"""From a ledger event to what a subscriber reads: a subject, a plain-text body and a JSON
object (the webhook payload). One renderer per alertable event type.

Payload fields are those of docs/CONTRACTS.md. Values such as model names come from outside
sources and are untrusted: here they stay plain text, and each channel escapes them for its
own markup (Markdown, Slack mrkdwn). Subjects never contain line breaks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.records import Event, format_instant
from tracker.store import make_event_id

ALERTABLE: tuple[str, ...] = (
    "verdict_decided",
    "provisional_flipped",
    "amendment",
    "new_frontier_release",
    "steering_result",
)
PREDICTION_EVENTS: tuple[str, ...] = ("verdict_decided", "provisional_flipped", "amendment")
TEST_EVENT = "alert_test"
SCHEMA = "cape-tracker.alert/1"
SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class Message:
    """One alert, channel-neutral. `event_id` is the idempotency key on every channel."""

    event_id: str
    event_type: str
    at: str
    subject: str
    text: str
    prediction: str | None = None
    link: str | None = None
    payload: dict = field(default_factory=dict)
    test: bool = False

    def to_json(self) -> dict:
        """The webhook body (schema cape-tracker.alert/1); stable for a given event."""
        return {
            "schema": SCHEMA,
            "id": self.event_id,
            "type": self.event_type,
            "at": self.at,
            "subject": self.subject,
            "text": self.text,
            "prediction": self.prediction,
            "link": self.link,
            "payload": self.payload,
            "test": self.test,
        }


def is_alertable(event: Event) -> bool:
    """True for the event types subscribers are told about."""
    return event.type in ALERTABLE


def render(
    event: Event, site_url: str = "", prediction_page: str = "predictions/{prediction}.html"
) -> Message:
    """The message for one alertable event; KeyError-free on incomplete payloads."""
    if event.type not in RENDERERS:
        raise ValueError(f"event {event.id}: type {event.type!r} is not alertable")
    payload = event.payload if isinstance(event.payload, dict) else {}
    subject, text = RENDERERS[event.type](payload)
    prediction = _text(payload.get("prediction")) if event.type in PREDICTION_EVENTS else None
    return Message(
        event_id=event.id,
        event_type=event.type,
        at=event.at,
        subject=one_line(subject),
        text=text,
        prediction=prediction,
        link=_link(site_url, prediction_page, prediction),
        payload=payload,
    )


def make_test_message(channel: str, now: dt.datetime, site_url: str = "") -> Message:
    """A clearly marked test alert; its id is unique per channel and second."""
    at = format_instant(now)
    text = (
        "This is a test message from cape-tracker, sent by `tracker alerts test`.\n"
        f"It confirms that the {channel} channel is configured. No prediction has changed."
    )
    return Message(
        event_id=make_event_id(TEST_EVENT, channel, at),
        event_type=TEST_EVENT,
        at=at,
        subject=f"[TEST] cape-tracker alert test ({channel})",
        text=text,
        link=site_url or None,
        payload={"channel": channel},
        test=True,
    )


def one_line(text: str) -> str:
    """Collapse whitespace (no header injection, no broken titles) and cap the length."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= SUBJECT_LIMIT else flat[: SUBJECT_LIMIT - 1] + "…"


def _text(value: object, default: str = "?") -> str:
    if value is None or value == "":
        return default
    return str(value)


def _link(site_url: str, prediction_page: str, prediction: str | None) -> str | None:
    if not site_url:
        return None
    if prediction and re.fullmatch(r"P\d+", prediction):
        return f"{site_url}/{prediction_page.format(prediction=prediction)}"
    return f"{site_url}/"


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _reading(value: object) -> str:
    return _text(value).replace("_", " ")


def _verdict_decided(payload: dict) -> tuple[str, str]:
    status = _text(payload.get("status"))
    subject = f"{_text(payload.get('prediction'))} verdict: {status.upper()}"
    text = _lines(
        f"Prediction {_text(payload.get('prediction'))} has been decided: {status}.",
        _text(payload.get("summary"), ""),
        "A decided verdict is final; later data can only add a dated amendment.",
    )
    return subject, text


def _provisional_flipped(payload: dict) -> tuple[str, str]:
    """Says what the registered rules would decide today (`if_decided_today`) when the event
    carries it; the on track / at risk words only restate that."""
    old, new = _reading(payload.get("old")), _reading(payload.get("new"))
    if payload.get("if_decided_today"):
        old = _text(payload.get("old_if_decided_today"), old)
        new = _text(payload.get("if_decided_today"))
        subject = f"{_text(payload.get('prediction'))} if decided today: {old} → {new}"
        change = (
            f"If decided today, prediction {_text(payload.get('prediction'))} would now be {new} (was {old})."
        )
    else:
        subject = f"{_text(payload.get('prediction'))} provisional reading: {old} → {new}"
        change = f"The provisional reading of prediction {_text(payload.get('prediction'))} changed from {old} to {new}."
    text = _lines(
        change,
        _text(payload.get("summary"), ""),
        "The prediction is still pending; this is not a verdict.",
    )
    return subject, text


def _amendment(payload: dict) -> tuple[str, str]:
    subject = f"{_text(payload.get('prediction'))} amendment ({_text(payload.get('date'))})"
    text = _lines(
        f"A dated amendment was recorded for prediction {_text(payload.get('prediction'))}:",
        _text(payload.get("text"), ""),
    )
    return subject, text


def _new_frontier_release(payload: dict) -> tuple[str, str]:
    name, lab = _text(payload.get("name") or payload.get("model_id")), _text(payload.get("lab"))
    subject = f"New frontier release: {name} ({lab}), h = {_h_short(payload.get('h'))}"
    text = (
        f"{name} from {lab} (released {_text(payload.get('release_date'))}) is now tracked.\n"
        f"h-field: {_h_long(payload.get('h'))}"
    )
    return subject, text


def _steering_result(payload: dict) -> tuple[str, str]:
    model, revision = _text(payload.get("model_id")), _text(payload.get("revision"))[:12]
    subject = f"Steering result for {model}@{revision}: {_text(payload.get('verdict'))}"
    text = (
        f"The activation-steering regression ran on {model} at revision {revision}.\n"
        f"Result: {_text(payload.get('verdict'))}. Data: {_text(payload.get('file'))}"
    )
    return subject, text


def _h_value(h: object) -> float | None:
    if h is None or isinstance(h, bool):
        return None
    try:
        value = float(h)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value == value else None


def _h_short(h: object) -> str:
    value = _h_value(h)
    return "n/a" if value is None else f"{value:+.1f}"


def _h_long(h: object) -> str:
    value = _h_value(h)
    if value is None:
        return "not computable yet (needs both a SWE-bench Verified and a GPQA Diamond score)"
    return f"{value:+.1f} GPQA points from the papers' frozen fit GPQA = 0.513*SWE + 46.4"


RENDERERS: dict[str, Callable[[dict], tuple[str, str]]] = {
    "verdict_decided": _verdict_decided,
    "provisional_flipped": _provisional_flipped,
    "amendment": _amendment,
    "new_frontier_release": _new_frontier_release,
    "steering_result": _steering_result,
}
