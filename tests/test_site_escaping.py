"""Untrusted text stays text: a model named `<script>alert(1)</script>`, a lab named likewise, a
score URL that tries to break out of its attribute, and `javascript:` URLs in sources, ledger
and quarantine render inert in every page, in the Atom feed, in the JSON and in the SVGs."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from site_support import JS_URL, SCRIPT, site_files

from tracker.paths import Paths
from tracker.site import builder as sitegen
from tracker.site import data as site_data
from tracker.site.feeds import safe_url

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class Elements(HTMLParser):
    """Every start tag of a document, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def live_problems(html: str) -> list[str]:
    """Scripts that are not the site's own, event-handler attributes, javascript: URLs."""
    problems = []
    for tag, attrs in parse(html).tags:
        if tag == "script" and not (
            attrs.get("type") == "application/json"
            or attrs.get("src", "").endswith(("static/phase.js", "static/site.js"))
        ):
            problems.append(f"script {attrs}")
        problems += [f"{tag} {name}" for name in attrs if name.startswith("on")]
        problems += [
            f"{tag} {name}={value}"
            for name, value in attrs.items()
            if name in URL_ATTRIBUTES
            and value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:"))
        ]
    return problems


def hostile_data(data: site_data.SiteData) -> site_data.SiteData:
    """The collected data with javascript: URLs forced into every score link (past the store's validation)."""

    def poison(row: dict) -> dict:
        return {k: (JS_URL if k.endswith("_url") and v else v) for k, v in row.items()}

    verdicts = [
        {
            **v,
            "paper_url": JS_URL,
            "evidence": {**v["evidence"], "rows": [poison(r) for r in v["evidence"].get("rows", [])]},
        }
        for v in data.verdicts
    ]
    return dataclasses.replace(data, panel=[poison(r) for r in data.panel], verdicts=verdicts)


def test_safe_url_allows_only_http_links() -> None:
    assert safe_url("https://epoch.ai/benchmarks") == "https://epoch.ai/benchmarks"
    for bad in (
        JS_URL,
        " JavaScript:alert(1)",
        "data:text/html,<b>",
        "//evil.example/x",
        "epoch.ai",
        "http:///x",
        "https://a.example/\nx",
        None,
        3,
    ):
        assert safe_url(bad) == "", bad


def test_pages_render_the_hostile_names_as_text(built_site: Path) -> None:
    pages = {
        name: data.decode("utf-8") for name, data in site_files(built_site).items() if name.endswith(".html")
    }
    for name, html in pages.items():
        assert live_problems(html) == [], name
        assert "<script>alert" not in html, name
    models = pages["models.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in models
    assert SCRIPT in "".join(parse(models).text), "the name is shown, as text"
    assert 'href="https://example.com/&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"' in models
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["events.html"]
    assert "&lt;img src=x onerror=alert(5)&gt;" in pages["predictions/P2.html"]


def test_javascript_urls_never_become_links(site_project: Paths, site_collected, tmp_path: Path) -> None:
    report = sitegen.build_from_data(
        hostile_data(site_collected), site_project.site_templates, tmp_path / "site"
    )
    files = site_files(report.out_dir)
    for name, raw in files.items():
        text = raw.decode("utf-8")
        if name.endswith(".html"):
            assert live_problems(text) == [], name
        if name.endswith(".json"):
            assert JS_URL not in text, name
    sources = files["sources.html"].decode("utf-8")
    assert "vendor" in sources and f'href="{JS_URL}"' not in sources
    models = json.loads(files["api/models.json"])["models"]
    assert any(m["scores"] and all(s["url"] is None for s in m["scores"].values()) for m in models)


def test_feed_and_json_keep_the_payload_inert(built_site: Path) -> None:
    atom = (built_site / "feed.atom").read_text(encoding="utf-8")
    assert "<script>" not in atom and "<img" not in atom
    root = ET.fromstring(atom)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "img")]
    summaries = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any(SCRIPT in s for s in summaries), "escaped in XML, the original text when parsed"
    for link in root.iter("{http://www.w3.org/2005/Atom}link"):
        assert not link.get("href", "").lower().startswith("javascript:")
    for name in ("api/models.json", "api/status.json"):
        raw = (built_site / name).read_text(encoding="utf-8")
        assert "<" not in raw and ">" not in raw, name
    models = json.loads((built_site / "api/models.json").read_text(encoding="utf-8"))["models"]
    assert any(m["model"] == SCRIPT for m in models), "JSON escapes are lossless"


def test_svg_figures_escape_names(built_site: Path) -> None:
    for name, raw in site_files(built_site).items():
        if name.endswith(".svg"):
            assert b"<script" not in raw, name
            ET.fromstring(raw)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in (built_site / "figures/coupling.svg").read_text(
        encoding="utf-8"
    )


def test_new_places_that_show_text_keep_it_inert(site_project: Paths, site_collected, tmp_path: Path) -> None:
    """The answer box (slot model names), the source ages, chart tooltips and the badges."""
    verdicts = []
    for v in site_collected.verdicts:
        if v["evaluator"] == "next_releases_h":
            row = {
                "model_id": "evil-model",
                "model": SCRIPT,
                "lab": SCRIPT,
                "release_date": "2026-08-01",
                "h": 9.0,
            }
            v = {
                **v,
                "status": "pending",
                "if_decided_today": "failed",
                "evidence": {**v["evidence"], "rows": [row]},
            }
        verdicts.append({**v, "title": SCRIPT} if v["id"] == "P7" else v)
    ages = [{"name": SCRIPT, "data_date": "2026-09-01", "age_days": 14, "scores": 1, "status": SCRIPT}]
    data = dataclasses.replace(site_collected, verdicts=verdicts, source_ages=ages)
    files = site_files(sitegen.build_from_data(data, site_project.site_templates, tmp_path / "site").out_dir)
    for name, raw in files.items():
        text = raw.decode("utf-8", errors="replace")
        if name.endswith(".html"):
            assert live_problems(text) == [], name
        if name.endswith((".html", ".svg", ".atom")):
            assert "<script>alert" not in text, name
    assert "h of &lt;script&gt;alert(1)&lt;/script&gt;" in files["predictions/P3.html"].decode("utf-8")
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>: data as of" in files["index.html"].decode(
        "utf-8"
    )
    coupling = files["coupling.html"].decode("utf-8")
    assert (
        "<title>&lt;script&gt;alert(1)&lt;/script&gt; · &lt;script&gt;alert(2)&lt;/script&gt; · released"
        in coupling
    )
    ET.fromstring(files["badges/P7.svg"])
