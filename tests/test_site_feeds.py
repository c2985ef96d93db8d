"""The feeds: a valid Atom 1.0 document, the JSON API and the shields.io endpoint badges."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from site_support import SCRIPT

from tracker.records import Event
from tracker.site.feeds import BADGE_COLOURS, badge, describe, event_target, feed_entries, status_words

ATOM = "{http://www.w3.org/2005/Atom}"
REPO = Path(__file__).resolve().parent.parent
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def atom(built_site: Path) -> ET.Element:
    return ET.fromstring((built_site / "feed.atom").read_bytes())


def test_feed_is_atom_with_every_required_element(built_site: Path) -> None:
    feed = atom(built_site)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
        assert (feed.find(f"{ATOM}{name}").text or "").strip(), name
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "cape-tracker"
    assert RFC3339.match(feed.find(f"{ATOM}updated").text)
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert RFC3339.match(entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True), "newest first"
    assert feed.find(f"{ATOM}updated").text == updated[0]


def test_feed_carries_the_events_that_matter_and_no_others(built_site: Path) -> None:
    terms = [c.get("term") for c in atom(built_site).iter(f"{ATOM}category")]
    assert sorted(set(terms)) == [
        "amendment",
        "new_frontier_release",
        "provisional_flipped",
        "reading_changed",
        "steering_result",
        "verdict_decided",
    ]
    titles = [t.text for t in atom(built_site).iter(f"{ATOM}title")]
    assert "P3 decided: failed" in titles
    assert not any("After the as-of day" in (t or "") for t in titles), "events after --as-of stay out"


def test_feed_links_are_absolute_with_a_base_url() -> None:
    event = Event(
        "verdict_decided-1",
        "verdict_decided",
        "2026-12-31T23:59:59Z",
        {"prediction": "P1", "status": "failed", "summary": "spread 7.0"},
    )
    (entry,) = feed_entries([event], "https://example.org/cape/")
    assert entry["link"] == "https://example.org/cape/predictions/P1.html"
    assert entry["id"] == feed_entries([event], "")[0]["id"], "the id does not depend on where the site lives"


def test_badges_have_the_shields_endpoint_shape(built_site: Path) -> None:
    status = json.loads((built_site / "api/status.json").read_text(encoding="utf-8"))
    by_id = {v["id"]: v for v in status["predictions"]}
    assert sorted(by_id) == [f"P{i}" for i in range(1, 8)]
    for pid, verdict in by_id.items():
        data = json.loads((built_site / f"badges/{pid}.json").read_text(encoding="utf-8"))
        assert set(data) == {"schemaVersion", "label", "message", "color"}
        assert data["schemaVersion"] == 1
        assert data["label"].startswith(pid) and all(
            isinstance(data[k], str) and data[k] for k in ("label", "message")
        )
        assert data["color"] in set(BADGE_COLOURS.values())
        assert data["message"] == status_words(verdict).replace("·", "-").lower()


def test_badge_colour_follows_the_status_in_the_sites_colours() -> None:
    css = (REPO / "site" / "static" / "style.css").read_text(encoding="utf-8")
    light = css[css.index(":root {") : css.index("}", css.index(":root {"))]
    site = dict(re.findall(r"--([a-z_]+): #([0-9a-f]{6})", light))
    for key, colour in BADGE_COLOURS.items():
        assert colour == site[key], key
    assert (
        badge({"id": "P1", "title": "t", "status": "passed", "provisional": None})["color"] == site["passed"]
    )
    assert (
        badge({"id": "P1", "title": "t", "status": "failed", "provisional": None})["color"] == site["failed"]
    )
    at_risk = badge({"id": "P1", "title": "t", "status": "pending", "provisional": "at_risk"})
    assert (at_risk["message"], at_risk["color"]) == ("pending - at risk", site["at_risk"])


def test_badge_previews_and_snippets_are_on_the_about_page(built_site: Path) -> None:
    about = (built_site / "about.html").read_text(encoding="utf-8")
    for pid in (f"P{i}" for i in range(1, 8)):
        svg = ET.fromstring((built_site / f"badges/{pid}.svg").read_bytes())
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert f'<img src="badges/{pid}.svg"' in about
        assert f"[![{pid}: " in about and f"](predictions/{pid}.html)</code>" in about


def test_status_api_matches_the_check_objects(built_site: Path, site_collected) -> None:
    status = json.loads((built_site / "api/status.json").read_text(encoding="utf-8"))
    assert status["as_of"] == "2026-09-15" and status["schema_version"] == 1
    assert [v["id"] for v in status["predictions"]] == [v["id"] for v in site_collected.verdicts]
    assert [v["status"] for v in status["predictions"]] == [v["status"] for v in site_collected.verdicts]
    for verdict in status["predictions"]:
        assert {
            "id",
            "status",
            "provisional",
            "deadline",
            "evidence",
            "decided_at",
            "source_sensitive",
        } <= set(verdict)


def test_models_api_links_each_score_to_its_source(built_site: Path) -> None:
    models = {
        m["model_id"]: m
        for m in json.loads((built_site / "api/models.json").read_text(encoding="utf-8"))["models"]
    }
    gemini = models["gemini-3.5-pro"]
    assert gemini["scores"]["swe_bench_verified"] == {
        "score": 82.0,
        "source": "epoch",
        "url": "https://epoch.ai/benchmarks/swe-bench-verified",
        "known": "2026-06-25",
        "variant": None,
    }
    assert abs(gemini["h"] - (95.0 - (0.5130797931804454 * 82.0 + 46.37991766761589))) < 1e-9
    assert models["evil-model"]["model"] == SCRIPT
    assert len(models) >= 45


def test_every_ledger_type_reads_as_a_sentence() -> None:
    event = Event(
        "x",
        "score_changed",
        "2026-07-01T00:00:00Z",
        {"model_id": "m", "benchmark": "gpqa_diamond", "old": 80.0, "new": 81.5, "source": "epoch"},
    )
    assert describe(event) == "m: gpqa_diamond changed 80.0 -> 81.5 (epoch)"
    unknown = Event("y", "something_new", "2026-07-01T00:00:00Z", {"b": 1, "a": "<x>"})
    assert describe(unknown) == 'something_new: {"a": "<x>", "b": 1}'


def test_events_link_to_a_model_row_only_when_the_models_page_has_it() -> None:
    event = Event(
        "z", "new_score", "2026-07-01T00:00:00Z", {"model_id": "gemini-3.5-pro", "benchmark": "hle"}
    )
    assert event_target(event, frozenset({"gemini-3.5-pro"})) == "models.html#m-gemini-3.5-pro"
    assert event_target(event, frozenset()) == "models.html"
    hostile = Event("z", "new_score", "2026-07-01T00:00:00Z", {"model_id": '"><script>', "prediction": "P1<"})
    assert event_target(hostile, frozenset({'"><script>'})) == "events.html"
