"""The site's machine-readable outputs: Atom entries, the JSON API and shields.io badges.

Model names, source strings and URLs are untrusted: URLs pass `safe_url` (http and https
only), and JSON is written with `<`, `>` and `&` as \\u escapes so that it stays inert even if
someone pastes it into a page. The Atom XML itself is a jinja template (autoescaped like every
page); this module prepares its entries.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from tracker.records import Event, format_instant, parse_instant
from tracker.site.answer import WOULD_BE_WORDS, would_be_phrase

FEED_EVENT_TYPES = (
    "verdict_decided",
    "verdict_changed",
    "provisional_flipped",
    "late_evidence",
    "amendment",
    "new_frontier_release",
    "steering_result",
)
FEED_LIMIT = 200
PREDICTION_ID = re.compile(r"^P[1-9][0-9]?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
STATUS_WORDS = {
    "passed": "Passed",
    "failed": "Failed",
    "inconclusive": "Inconclusive",
    "pending": "Pending",
    "deciding": "Deciding",
}
PROVISIONAL_WORDS = {"on_track": "on track", "at_risk": "at risk"}
BADGE_COLOURS = {  # the site's status colours (site/static/style.css, light theme), without the '#'
    "passed": "1a7f37",
    "failed": "b3261e",
    "inconclusive": "57606a",
    "on_track": "0b5cad",
    "at_risk": "9a4a00",
    "pending": "57606a",
    "deciding": "6e40c9",
}


def safe_url(url: Any) -> str:
    """`url` if it is an absolute http(s) URL with a host, else "" (never a javascript: link)."""
    if not isinstance(url, str):
        return ""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in text for c in "\r\n\t "):
        return ""
    return text


def dump_json(value: Any) -> str:
    """Stable JSON text (sorted keys, compact, trailing newline), HTML-inert. Compact because
    the indenting encoder is pure Python: at 10,000 models it cost more than the rest of the
    feeds together, and an API is read by programs."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def status_words(verdict: dict) -> str:
    """The status in words: 'Pending · at risk', 'Passed', ..."""
    words = STATUS_WORDS.get(verdict.get("status", ""), str(verdict.get("status", "unknown")).capitalize())
    provisional = PROVISIONAL_WORDS.get(verdict.get("provisional") or "")
    return f"{words} · {provisional}" if verdict.get("status") == "pending" and provisional else words


def status_key(verdict: dict) -> str:
    """One key per colour: passed, failed, inconclusive, on_track, at_risk or pending."""
    if verdict.get("status") == "pending" and verdict.get("provisional") in PROVISIONAL_WORDS:
        return verdict["provisional"]
    status = verdict.get("status")
    return status if isinstance(status, str) and status in STATUS_WORDS else "pending"


def badge(verdict: dict) -> dict:
    """A shields.io endpoint badge for one prediction."""
    return {
        "schemaVersion": 1,
        "label": f"{verdict['id']} {verdict.get('title', '')}".strip(),
        "message": status_words(verdict).replace("·", "-").lower(),
        "color": BADGE_COLOURS[status_key(verdict)],
    }


def badge_width(text: str) -> int:
    """The width in pixels of one half of a flat badge (11 px Verdana is about 7 px a character)."""
    return 10 + 7 * len(text)


def badge_markdown(verdict: dict, base_url: str) -> str:
    """The Markdown a README pastes to show a prediction's badge, linked to its page."""
    pid = verdict["id"]
    image = f"{base_url}badges/{pid}.svg"
    if base_url:
        image = f"https://img.shields.io/endpoint?url={base_url}badges/{pid}.json"
    return f"[![{pid}: {status_words(verdict)}]({image})]({base_url}predictions/{pid}.html)"


def clean_urls(value: Any) -> Any:
    """A copy with every `url`/`*_url` field passed through safe_url (for the JSON API)."""
    if isinstance(value, dict):
        return {
            k: (safe_url(v) or None) if (k == "url" or k.endswith("_url")) and v else clean_urls(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [clean_urls(v) for v in value]
    return value


def status_api(verdicts: list[dict], as_of: str, built_at: str) -> dict:
    """api/status.json: the `tracker check --json` objects, as of the build day."""
    return {"schema_version": 1, "as_of": as_of, "built_at": built_at, "predictions": clean_urls(verdicts)}


def models_api(panel: list[dict], benchmarks: tuple[str, ...], as_of: str) -> dict:
    """api/models.json: one object per release with each chosen score and where it came from."""
    models = []
    for row in panel:
        scores = {
            b: {
                "score": row.get(b),
                "source": row.get(f"{b}_source") or None,
                "url": safe_url(row.get(f"{b}_url")) or None,
                "known": row.get(f"{b}_known"),
                "variant": row.get(f"{b}_variant") or None,
            }
            for b in benchmarks
            if row.get(b) is not None
        }
        models.append(
            {
                k: row.get(k)
                for k in (
                    "model_id",
                    "model",
                    "lab",
                    "release_date",
                    "release_precision",
                    "first_party_day",
                    "first_party_day_source",
                    "cohort",
                    "core",
                    "open_weights",
                    "hf_repo",
                    "h",
                )
            }
            | {"scores": scores}
        )
    return {"schema_version": 1, "as_of": as_of, "models": models}


LICENCE_LINE = (
    "Scores from Epoch AI, 'AI Benchmarking Hub', https://epoch.ai/benchmarks (CC BY 4.0); from the "
    "SWE-bench leaderboard, https://www.swebench.com (CC BY-NC 4.0); the papers' values from arXiv "
    "2605.18838 and 2605.18840; vendor and secondary reports as linked from api/models.json."
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula (numbers pass unchanged)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def models_csv(panel: list[dict], benchmarks: tuple[str, ...]) -> str:
    """models.csv: the models table, one row per release, after a `#` line with the licences."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["model_id", "model", "lab", "release_date", "cohort"]
    writer.writerow(columns + [c for b in benchmarks for c in (b, f"{b}_source")] + ["h", "open_weights"])
    for row in panel:
        scores = [csv_text(row.get(c)) for b in benchmarks for c in (b, f"{b}_source")]
        weights = open_weights_word(row.get("open_weights"))
        writer.writerow([csv_text(row.get(c)) for c in columns] + scores + [row.get("h"), weights])
    return f"# {LICENCE_LINE}\n" + buffer.getvalue()


def open_weights_word(value: Any) -> str:
    """'yes', 'no' or 'unknown' (None, or anything not a bool: no source says)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy's bool from a frame
        return "yes" if value else "no"
    return "unknown"


def event_target(event: Event, known_models: frozenset[str] = frozenset()) -> str:
    """The page (relative to the site root) an event is about; a model's row only when the
    models page lists it (an anchor that resolves), else the models page itself."""
    payload = event.payload
    prediction = str(payload.get("prediction", ""))
    if PREDICTION_ID.match(prediction):
        return f"predictions/{prediction}.html"
    if event.type == "steering_result":
        return "steering.html"
    model_id = str(payload.get("model_id", ""))
    if SLUG.match(model_id):
        return f"models.html#m-{model_id}" if model_id in known_models else "models.html"
    return "events.html"


def describe(event: Event) -> str:
    """One sentence about an event, for the events page, the history tables and the feed."""
    p = event.payload

    def shown(key: str) -> str:
        value = p.get(key)
        return (
            "n/a"
            if value is None
            else (f"{value:+.2f}" if key == "h" and isinstance(value, (int, float)) else str(value))
        )

    texts = {
        "new_model": lambda: (
            f"New model {shown('name')} ({shown('lab')}), released {shown('release_date')}, seen on {shown('source')}"
        ),
        "new_score": lambda: (
            f"{shown('model_id')}: {shown('benchmark')} = {shown('score')} from {shown('source')}"
        ),
        "score_changed": lambda: (
            f"{shown('model_id')}: {shown('benchmark')} changed {shown('old')} -> {shown('new')} ({shown('source')})"
        ),
        "quarantined": lambda: (
            f"Quarantined a record from {shown('source')} (row {shown('row')}, field {shown('field')}): {shown('reason')}"
        ),
        "verdict_decided": lambda: f"{shown('prediction')} decided: {shown('status')}. {shown('summary')}",
        "verdict_changed": lambda: (
            f"{shown('prediction')} status {shown('old')} -> {shown('new')}. {p.get('summary', '')}".strip()
        ),
        "provisional_flipped": lambda: (
            f"{shown('prediction')} reading {shown('old')} -> {shown('new')}. {shown('summary')}"
        ),
        "late_evidence": lambda: (
            f"{shown('prediction')} stays {shown('status')}; later data read differently: {shown('note')}"
        ),
        "amendment": lambda: f"{shown('prediction')} amended on {shown('date')}: {shown('text')}",
        "new_frontier_release": lambda: (
            f"New frontier release {shown('name')} ({shown('lab')}), {shown('release_date')}, "
            + (f"h = {shown('h')}" if p.get("h") is not None else "h not known yet (needs both scores)")
        ),
        "new_open_weights": lambda: f"New open weights {shown('repo_id')} at {shown('sha')[:12]}",
        "steering_result": lambda: (
            f"Steering result for {shown('model_id')} at {shown('revision')[:12]}: {shown('verdict')}"
        ),
        "source_failed": lambda: f"Source {shown('source')} failed: {shown('error')}",
        "alert_sent": lambda: f"Alert {shown('event_id')} sent on {shown('channel')}",
    }
    text = texts.get(event.type)
    return text() if text else f"{event.type}: {json.dumps(p, sort_keys=True, ensure_ascii=False)}"


def entry_uuid(namespace: str, key: str) -> str:
    """A stable urn:uuid for an Atom id (same event -> same id, forever)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{namespace}:{key}')}"


def feed_entries(
    events: list[Event], base_url: str, known_models: frozenset[str] = frozenset(), limit: int = 200
) -> list[dict]:
    """The Atom entries: events that matter to a reader, newest first."""
    chosen = [e for e in events if e.type in FEED_EVENT_TYPES]
    chosen.sort(key=lambda e: (format_instant(parse_instant(e.at, "at")), e.id), reverse=True)
    return [
        {
            "id": entry_uuid("cape-tracker:event", e.id),
            "event_id": e.id,
            "type": e.type,
            "updated": format_instant(parse_instant(e.at, "at")),
            "title": describe(e).split(". ")[0][:140],
            "summary": describe(e),
            "link": f"{base_url}{event_target(e, known_models)}",
        }
        for e in chosen[:limit]
    ]


def reading_entries(history: dict[str, list[dict]], base_url: str) -> list[dict]:
    """Atom entries for every change of a prediction's status or of what the data of the day
    would decide, found by walking each prediction's evaluated days (its first day included),
    so a subscriber hears of a reading that turns even when no ledger event records it."""
    entries = []
    for pid, points in sorted(history.items()):
        before: tuple[str, str] | None = None
        for point in points:
            state = (status_words(point), str(point.get("if_decided_today") or "inconclusive"))
            if state == before:
                continue
            was = f" (was: {before[0]}; {_phrase(before[1])})" if before else ""
            before = state
            title = f"{pid}: {state[0]}; if decided on {point['day']}: {_phrase(state[1])}"
            entries.append(
                {
                    "id": entry_uuid("cape-tracker:reading", f"{pid}:{point['day']}:{state[0]}:{state[1]}"),
                    "event_id": f"reading-{pid}-{point['day']}",
                    "type": "reading_changed",
                    "updated": f"{point['day']}T23:59:59Z",
                    "title": title[:140],
                    "summary": f"{title}{was}. {(point.get('evidence') or {}).get('summary', '')}".strip(),
                    "link": f"{base_url}predictions/{pid}.html",
                }
            )
    return entries


def all_entries(
    events: list[Event], history: dict[str, list[dict]], base_url: str, known: frozenset[str]
) -> list[dict]:
    """The feed: ledger events and reading changes together, newest first (ties by id)."""
    entries = feed_entries(events, base_url, known) + reading_entries(history, base_url)
    return sorted(entries, key=lambda e: (e["updated"], e["id"]), reverse=True)[:FEED_LIMIT]


def _phrase(state: str) -> str:
    """A would-be verdict in words; a state outside the three is shown as it is."""
    return would_be_phrase(state) if state in WOULD_BE_WORDS else state
