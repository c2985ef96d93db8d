"""End to end in a real browser: the built site, served from 127.0.0.1 by the project's own
server, driven in headless chromium over the DevTools protocol. Every page loads without a
console error or a refused load, every internal link and fragment resolves, nothing is
requested from another host, no page is wider than a phone, and the phase calculator gives
the Python numbers. A screenshot of the index is kept in test-artifacts/."""

from __future__ import annotations

import json
import math
import re
import urllib.request
from pathlib import Path

import pytest
from site_browser import Browser, browser, find_chromium, serve
from site_support import PAGES

from tracker.panel import frozen_frame
from tracker.paths import Paths
from tracker.site.data import phase_diagnosis
from tracker.stats import coupling

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = find_chromium()
LINKS_JS = (
    "Array.from(document.querySelectorAll('a[href], link[href], img[src], script[src]'))"
    ".map(e => e.href || e.src)"
)
IDS_JS = "Array.from(document.querySelectorAll('[id]')).map(e => e.id)"
PHASE_CASES = [  # SWE, GPQA, IFEval: frozen-panel models near each boundary, and the extremes
    ("80.8", "91.3", "94.0"),
    ("40.6", "41.0", ""),
    ("76.4", "88.4", "92.6"),
    ("80.2", "85.2", "87.5"),
    ("0", "100", "0"),
    ("100", "0", "100"),
    ("55.55", "66.66", ""),
]
OUTPUTS_JS = """(() => {
  const d = id => document.getElementById(id).dataset;
  return {predicted: d('out-predicted').value, h: d('out-h').value, pi_low: d('out-pi').low,
    pi_high: d('out-pi').high, inside_pi: d('out-inside').value, pi_ols_half: d('out-pi-ols').half,
    pi_ols_low: d('out-pi-ols').low, pi_ols_high: d('out-pi-ols').high, inside_pi_ols: d('out-inside-ols').value,
    gpqa_c: d('out-gpqa-c').value, gpqa_side: d('out-gpqa-side').value, ifeval_c: d('out-ifeval-c').value,
    ifeval_side: d('out-ifeval-side').value, h_text: document.getElementById('out-h').textContent,
    hidden: document.getElementById('phase-results').hidden};
})()"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


@pytest.fixture(scope="module")
def session(built_site: Path):
    """The served site and one browser for the whole module."""
    with serve(built_site) as base, browser(CHROMIUM) as chrome:
        yield base, chrome


def crawl(chrome: Browser, base: str) -> tuple[dict, set[str], set[str], dict[str, set[str]]]:
    """Visit every page reachable from the index: reports, resources, external links, fragments."""
    queue, reports, resources, external, fragments = [base + "index.html"], {}, set(), set(), {}
    while queue:
        url = queue.pop(0)
        if url in reports:
            continue
        reports[url] = chrome.load(url)
        reports[url].ids = set(chrome.evaluate(IDS_JS))
        for link in chrome.evaluate(LINKS_JS):
            if not link.startswith(base):
                external.add(link)
                continue
            target, _, fragment = link.partition("#")
            if target.endswith(".html"):
                queue.append(target)
                if fragment:
                    fragments.setdefault(target, set()).add(fragment)
            else:
                resources.add(target)
    return reports, resources, external, fragments


def test_every_page_loads_cleanly_and_every_link_resolves(session) -> None:
    base, chrome = session
    chrome.set_viewport(1280, 900)
    reports, resources, external, fragments = crawl(chrome, base)
    assert {url[len(base) :] for url in reports} == PAGES, "every page is reachable from the index"
    for url, report in reports.items():
        assert report.errors == [], url
        assert [r for r in report.requests if not r.startswith((base, "data:", "about:"))] == [], url
    for page, wanted in fragments.items():
        assert wanted <= reports[page].ids, f"missing anchors on {page}: {wanted - reports[page].ids}"
    for resource in sorted(resources):
        with urllib.request.urlopen(resource, timeout=10) as answer:
            assert answer.status == 200 and answer.read(), resource
    names = {r[len(base) :] for r in resources}
    assert {
        "feed.atom",
        "api/status.json",
        "api/models.json",
        "badges/P1.svg",
        "models.csv",
        "static/style.css",
        "static/phase.js",
        "figures/coupling.svg",
    } <= names
    assert "https://epoch.ai/benchmarks" in external, "sources are linked, never loaded"


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_no_page_scrolls_sideways(session, width: int, height: int) -> None:
    base, chrome = session
    chrome.set_viewport(width, height, mobile=width < 500)
    try:
        for page in sorted(PAGES):
            assert chrome.load(base + page).errors == [], page
            widths = chrome.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{page} scrolls sideways at {width} px: {widths}"
    finally:
        chrome.set_viewport(1280, 900)


TOPLINE_JS = "document.getElementById('topline').innerText"
CARDS_END_JS = "(() => { const c = document.querySelectorAll('.cards > li'); return [c.length, c[c.length - 1].getBoundingClientRect().bottom + window.scrollY]; })()"


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_index_top_line_and_all_seven_cards_fit_two_screens(session, width: int, height: int) -> None:
    base, chrome = session
    chrome.set_viewport(width, height, mobile=width < 500)
    try:
        assert chrome.load(base + "index.html").errors == []
        top = chrome.evaluate(TOPLINE_JS)
        assert re.fullmatch(
            r"If decided today: \d fail, \d pass, \d cannot be decided; \d deadlines? in 30 days\.", top
        )
        cards, bottom = chrome.evaluate(CARDS_END_JS)
        assert cards == 7 and bottom <= 2 * height, f"the seven statuses end at {bottom} px"
        shown = chrome.evaluate(
            "Array.from(document.querySelectorAll('.cards .would')).map(e => e.innerText)"
        )
        assert len(shown) == 7 and set(shown) <= {
            "would fail",
            "would pass",
            "cannot be decided",
            "passed",
            "failed",
            "inconclusive",
        }
    finally:
        chrome.set_viewport(1280, 900)


ANSWER_JS = """(() => {
  const box = document.querySelector('section.answer');
  const order = Array.from(document.querySelectorAll('main h2[id]')).map(h => h.id);
  return {top: box.getBoundingClientRect().top + window.scrollY, text: box.innerText, order: order,
          lines: box.querySelectorAll('svg.numline').length};
})()"""


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_answer_box_comes_first_on_every_prediction_page(session, width: int, height: int) -> None:
    base, chrome = session
    chrome.set_viewport(width, height, mobile=width < 500)
    try:
        for i in range(1, 8):
            assert chrome.load(f"{base}predictions/P{i}.html").errors == []
            box = chrome.evaluate(ANSWER_JS)
            assert box["top"] < height / 2, f"P{i}: the answer starts within the first half screen"
            assert re.search(
                rf"If decided today, P{i} (would (pass|fail)|could not be decided)|P{i} is decided|P{i} is past its deadline",
                box["text"],
            )
            assert "Deadline" in box["text"] and box["lines"] >= 1
            assert box["order"][:4] == ["answer-h", "time-h", "evidence-h", "text-h"]
    finally:
        chrome.set_viewport(1280, 900)


HOVER_TARGET_JS = """(() => {
  const p = document.querySelectorAll('figure.wide svg.hover .pt')[INDEX];
  p.scrollIntoView({block: 'center'});
  const r = p.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2, p.querySelector('title').textContent];
})()"""


def hover(chrome: Browser, x: float, y: float) -> None:
    chrome.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    chrome.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)))")


def test_hovering_a_point_shows_its_model_and_scores(session, site_collected) -> None:
    base, chrome = session
    chrome.set_viewport(1280, 900)
    assert chrome.load(base + "coupling.html").errors == []
    count = chrome.evaluate("document.querySelectorAll('figure.wide svg.hover .pt').length")
    assert count == len(site_collected.current["models"]), "every model on the scatter has a tooltip"
    for index in (0, count - 1):
        x, y, title = chrome.evaluate(HOVER_TARGET_JS.replace("INDEX", str(index)))
        hover(chrome, x, y)
        tip = chrome.evaluate(
            "[document.getElementById('tip').hidden, document.getElementById('tip').innerText]"
        )
        assert tip == [False, title]
        assert re.search(r" · released .+ · SWE-bench Verified \d+\.\d.* · GPQA Diamond \d+\.\d", title)
    hover(chrome, 5, 5)
    assert chrome.evaluate("document.getElementById('tip').hidden") is True


def test_a_phone_gets_the_narrow_scatter_with_its_tooltips(session) -> None:
    base, chrome = session
    chrome.set_viewport(390, 844, mobile=True)
    try:
        assert chrome.load(base + "coupling.html").errors == []
        shown = chrome.evaluate(
            "['figure.wide', 'figure.narrow'].map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert shown == ["none", "block"]
        script = HOVER_TARGET_JS.replace("figure.wide", "figure.narrow").replace("INDEX", "0")
        x, y, title = chrome.evaluate(script)
        hover(chrome, x, y)
        assert chrome.evaluate("document.getElementById('tip').innerText") == title
    finally:
        chrome.set_viewport(1280, 900)


COLUMN_JS = """(index => Array.from(document.querySelectorAll('table.models tbody tr'))
  .filter(r => !r.hidden).map(r => r.children[index].innerText.trim()))(INDEX)"""


def test_models_table_sorts_and_filters(session) -> None:
    base, chrome = session
    chrome.set_viewport(1280, 900)
    assert chrome.load(base + "models.html").errors == []
    headers = chrome.evaluate(
        "Array.from(document.querySelectorAll('table.models thead th')).map(h => h.innerText.trim())"
    )
    swe = next(i for i, h in enumerate(headers) if h.startswith("SWE-bench Verified"))
    click = "document.querySelectorAll('table.models thead th button')[INDEX].click()".replace(
        "INDEX", str(swe)
    )
    chrome.evaluate(click)
    values = [
        float(v.split()[0]) for v in chrome.evaluate(COLUMN_JS.replace("INDEX", str(swe))) if v != "n/a"
    ]
    assert values == sorted(values) and len(values) > 10
    chrome.evaluate(click)
    values = [
        float(v.split()[0]) for v in chrome.evaluate(COLUMN_JS.replace("INDEX", str(swe))) if v != "n/a"
    ]
    assert values == sorted(values, reverse=True)
    chrome.type_into("filter-0", "Gemini 3.5 Pro")
    assert chrome.evaluate(COLUMN_JS.replace("INDEX", "0")) == ["Gemini 3.5 Pro"]


def test_phase_calculator_gives_the_python_numbers(session, site_project: Paths) -> None:
    base, chrome = session
    fit = coupling.fit_frame(frozen_frame(site_project))
    assert chrome.load(base + "phase.html").errors == []
    for swe, gpqa, ifeval in PHASE_CASES:
        for element, text in (("swe", swe), ("gpqa", gpqa), ("ifeval", ifeval)):
            chrome.type_into(element, text)
        shown = chrome.evaluate(OUTPUTS_JS)
        expected = phase_diagnosis(fit, float(swe), float(gpqa), float(ifeval) if ifeval else None)
        assert shown["hidden"] is False
        for key, value in expected.items():
            if isinstance(value, bool):
                assert shown[key] == str(value).lower(), (swe, gpqa, ifeval, key)
            elif isinstance(value, float):
                assert math.isclose(float(shown[key]), value, rel_tol=1e-12, abs_tol=1e-12), (
                    swe,
                    gpqa,
                    ifeval,
                    key,
                )
            else:
                assert shown[key] == (value or ""), (swe, gpqa, ifeval, key)
        assert shown["h_text"] == f"{expected['h']:+.2f}"


def test_phase_calculator_refuses_scores_out_of_range(session) -> None:
    base, chrome = session
    chrome.load(base + "phase.html")
    for element, text in (("swe", "150"), ("gpqa", "80")):
        chrome.type_into(element, text)
    assert chrome.evaluate("document.getElementById('phase-results').hidden") is True
    assert "between 0 and 100" in chrome.evaluate("document.getElementById('phase-message').textContent")


def test_phase_constants_on_the_page_are_the_python_ones(session, site_collected) -> None:
    base, chrome = session
    chrome.load(base + "phase.html")
    shown = chrome.evaluate("JSON.parse(document.getElementById('phase-constants').textContent)")
    assert shown == json.loads(json.dumps(site_collected.phase))


SCREENSHOTS = [("index.html", "index"), ("predictions/P1.html", "prediction-P1")]


def test_screenshots_of_the_index_and_a_prediction_at_both_widths(session) -> None:
    base, chrome = session
    try:
        for page, name in SCREENSHOTS:
            for width, height in ((1280, 900), (390, 844)):
                chrome.set_viewport(width, height, mobile=width < 500)
                assert chrome.load(base + page).errors == []
                png = chrome.screenshot(REPO / "test-artifacts" / f"{name}-{width}.png")
                assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
                shot_width, shot_height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
                assert shot_width == width and shot_height >= height
    finally:
        chrome.set_viewport(1280, 900)
