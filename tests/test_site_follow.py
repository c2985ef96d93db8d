"""Following the tracker: Atom entries for every change of a status or of what the data would
decide, absolute links from the configured site URL, and the opt-in README status table."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from site_support import SCRIPT

from tracker.site import builder as sitegen
from tracker.site.config import SiteConfigError, load_site_config
from tracker.site.feeds import reading_entries
from tracker.site.readme import END, START, refresh_readme, status_table, with_table

ATOM = "{http://www.w3.org/2005/Atom}"


def point(day: str, provisional: str | None, would: str, summary: str = "s") -> dict:
    return {
        "day": day,
        "status": "pending",
        "provisional": provisional,
        "if_decided_today": would,
        "evidence": {"summary": summary},
    }


def test_an_entry_for_the_first_reading_and_each_change_only() -> None:
    history = {
        "P1": [
            point("2026-06-01", "on_track", "passed"),
            point("2026-07-01", "on_track", "passed"),
            point("2026-08-01", "at_risk", "inconclusive"),
            point("2026-09-01", "at_risk", "failed", summary="spread 7.0"),
        ]
    }
    entries = reading_entries(history, "https://example.org/cape/")
    assert [e["updated"] for e in entries] == [
        "2026-06-01T23:59:59Z",
        "2026-08-01T23:59:59Z",
        "2026-09-01T23:59:59Z",
    ]
    last = entries[-1]
    assert last["title"] == "P1: Pending · at risk; if decided on 2026-09-01: would fail"
    assert last["summary"].endswith("(was: Pending · at risk; cannot be decided). spread 7.0")
    assert last["link"] == "https://example.org/cape/predictions/P1.html"
    assert len({e["id"] for e in entries}) == 3
    assert reading_entries(history, "")[0]["id"] == entries[0]["id"], "ids do not depend on the site URL"


def test_feed_links_are_absolute_with_a_configured_url(site_project, site_collected, tmp_path: Path) -> None:
    base = "https://example.org/cape/"
    report = sitegen.build_from_data(site_collected, site_project.site_templates, tmp_path / "s", base)
    feed = ET.fromstring((report.out_dir / "feed.atom").read_bytes())
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links and all(href.startswith(base) for href in links)
    assert any(
        link.get("rel") == "self" and link.get("href") == base + "feed.atom"
        for link in feed.iter(f"{ATOM}link")
    )
    categories = {c.get("term") for c in feed.iter(f"{ATOM}category")}
    assert "reading_changed" in categories, "changes of reading are entries, not only data events"
    index = (report.out_dir / "index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:url" content="{base}index.html">' in index
    about = (report.out_dir / "about.html").read_text(encoding="utf-8")
    assert f"https://img.shields.io/endpoint?url={base}badges/P1.json" in about


def test_site_config_reads_the_url_and_refuses_a_bad_one(tmp_path: Path) -> None:
    assert load_site_config(tmp_path).url == ""
    (tmp_path / "tracker.toml").write_text('[site]\nurl = "https://example.org/cape"\nreadme = true\n')
    config = load_site_config(tmp_path)
    assert (config.url, config.readme, config.readme_path) == ("https://example.org/cape/", True, "README.md")
    (tmp_path / "tracker.toml").write_text('[site]\nurl = "javascript:alert(1)"\n')
    with pytest.raises(SiteConfigError, match="url must be an http"):
        load_site_config(tmp_path)


STATUS = {
    "as_of": "2026-12-01",
    "predictions": [
        {
            "id": "P1",
            "title": f"SWE | {SCRIPT}",
            "status": "pending",
            "provisional": "at_risk",
            "if_decided_today": "failed",
            "deadline": "2026-12-31T23:59:59Z",
        },
        {
            "id": "P5",
            "title": "Coupling",
            "status": "pending",
            "provisional": "on_track",
            "if_decided_today": "passed",
            "deadline": "2027-05-31T23:59:59Z",
        },
    ],
}


def test_readme_table_replaces_only_the_text_between_the_markers(tmp_path: Path) -> None:
    table = status_table(STATUS)
    assert (
        "| P1 | SWE / &lt;script&gt;alert(1)&lt;/script&gt; | would fail | Pending · at risk | 2026-12-31 |"
        in table
    )
    assert "| P5 | Coupling | would pass | Pending · on track | 2027-05-31 |" in table
    readme = f"# Fork\n\nintro\n{START}\nold table\n{END}\nrest\n"
    new = with_table(readme, table)
    assert new == f"# Fork\n\nintro\n{START}\n{table}\n{END}\nrest\n"
    assert with_table("# no markers\n", table) is None


def test_a_run_refreshes_the_readme_only_when_opted_in(tmp_path: Path) -> None:
    site = tmp_path / "_site"
    (site / "api").mkdir(parents=True)
    (site / "api" / "status.json").write_text(json.dumps(STATUS))
    (tmp_path / "README.md").write_text(f"x\n{START}\n{END}\n")
    assert refresh_readme(tmp_path, site) == ""
    assert (tmp_path / "README.md").read_text() == f"x\n{START}\n{END}\n", "off by default"
    (tmp_path / "tracker.toml").write_text("[site]\nreadme = true\n")
    assert refresh_readme(tmp_path, site) == "; README.md table updated"
    assert "would fail" in (tmp_path / "README.md").read_text()
    assert refresh_readme(tmp_path, site) == "", "a second run with the same status writes nothing"
