"""The Hub source against a real server on 127.0.0.1 serving list pages built from the real
model objects of the recorded cassettes: pagination by Link header, 429, baseline, events."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from scraper_server import ScriptedServer, scripted_server
from scraper_support import fresh_root, hub_model_objects

from tracker.cli import main
from tracker.paths import Paths
from tracker.scrapers import hf_hub
from tracker.scrapers.catalogue import read_catalogue
from tracker.scrapers.config import HubConfig, ScrapeConfig
from tracker.scrapers.http import HttpConfig
from tracker.scrapers.run import scrape
from tracker.store import read_events

DAY1 = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC)
OBJECTS = {o["id"]: o for o in hub_model_objects()}


def _page(*repo_ids: str) -> bytes:
    return json.dumps([OBJECTS[r] for r in repo_ids]).encode()


def _first_page_key(org: str) -> str:
    return "/api/models?" + hf_hub.list_url(org, api="").split("?", 1)[1]


def _config(server: ScriptedServer) -> ScrapeConfig:
    return ScrapeConfig(
        http=HttpConfig(timeout_s=2, retries=2, backoff_s=0.01),
        hub=HubConfig(api=f"{server.base}/api/models", orgs=("meta-llama", "facebook")),
    )


def _crawl(paths: Paths, server: ScriptedServer, now: dt.datetime) -> tuple[object, list[float]]:
    sleeps: list[float] = []
    report = scrape(paths, ["hf_hub"], offline=False, now=now, config=_config(server), sleep=sleeps.append)
    return report, sleeps


@pytest.fixture()
def crawled_project(tmp_path: Path) -> Paths:
    """The identity table after a first crawl of two organisations (the catalogue's baseline)."""
    paths = Paths(fresh_root(tmp_path))
    with scripted_server() as server:
        server.script(_first_page_key("meta-llama"), {"body": _page("meta-llama/Meta-Llama-3-8B-Instruct")})
        server.script(_first_page_key("facebook"), {"body": _page("facebook/bart-base")})
        report, _ = _crawl(paths, server, DAY1)
    assert report.sources["hf_hub"].status == "ok"
    return paths


def test_baseline_crawl_fills_the_catalogue_without_announcing(crawled_project: Paths) -> None:
    rows = {r.repo_id: r for r in read_catalogue(crawled_project.data / "hf_models.csv")}
    assert set(rows) == {"meta-llama/Meta-Llama-3-8B-Instruct", "facebook/bart-base"}
    bart = rows["facebook/bart-base"]
    assert bart.first_seen == "2026-06-01T06:00:00Z" and bart.created_at == "2022-03-02T23:29:05Z"
    assert not [e for e in read_events(crawled_project.ledger) if e.type == "new_open_weights"]


def test_second_crawl_pages_through_429_and_announces_only_the_new_repo(crawled_project: Paths) -> None:
    with scripted_server() as server:
        next_url = "{base}/api/models?author=meta-llama&cursor=page2"
        server.script(
            _first_page_key("meta-llama"),
            {
                "body": _page("meta-llama/Llama-3.1-8B-Instruct"),
                "headers": {"Link": f'<{next_url}>; rel="next"'},
            },
        )
        server.script(
            "/api/models?author=meta-llama&cursor=page2",
            {"status": 429, "headers": {"Retry-After": "3"}},
            {"body": _page("meta-llama/Meta-Llama-3-8B-Instruct")},
        )
        server.script(
            _first_page_key("facebook"),
            {
                "body": _page("facebook/bart-base"),
                "headers": {"Link": '<{base}/api/models?author=facebook&cursor=never>; rel="next"'},
            },
        )
        report, sleeps = _crawl(crawled_project, server, DAY2)
    hub = report.sources["hf_hub"]
    assert hub.status == "ok" and hub.new_open_weights == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert sleeps == [3.0]
    assert "cursor=never" not in " ".join(r["query"] for r in server.requests)  # all known: paging stopped
    (event,) = [e for e in read_events(crawled_project.ledger) if e.type == "new_open_weights"]
    assert (
        event.payload["repo_id"] == "meta-llama/Llama-3.1-8B-Instruct" and event.at == "2026-06-02T06:00:00Z"
    )
    assert event.payload["steerable"] is False
    rows = {r.repo_id: r for r in read_catalogue(crawled_project.data / "hf_models.csv")}
    assert rows["meta-llama/Meta-Llama-3-8B-Instruct"].first_seen == "2026-06-01T06:00:00Z"  # kept
    assert (crawled_project.cache / "hf_hub" / "meta-llama" / "page-02.json").exists()
    before = (crawled_project.data / "hf_models.csv").read_bytes()
    offline = scrape(
        crawled_project, ["hf_hub"], offline=True, now=DAY2 + dt.timedelta(hours=1), config=_config(server)
    )
    assert (
        offline.sources["hf_hub"].records == 3
        and (crawled_project.data / "hf_models.csv").read_bytes() == before
    )


def test_a_failing_organisation_fails_the_source_and_changes_nothing(crawled_project: Paths) -> None:
    before = (crawled_project.data / "hf_models.csv").read_bytes()
    with scripted_server() as server:
        server.script(_first_page_key("meta-llama"), {"body": _page("meta-llama/Llama-3.1-8B-Instruct")})
        server.script(_first_page_key("facebook"), {"status": 500})
        report, _ = _crawl(crawled_project, server, DAY2)
    assert report.sources["hf_hub"].status == "failed" and "HTTP 500" in report.sources["hf_hub"].error
    assert (crawled_project.data / "hf_models.csv").read_bytes() == before


def test_models_new_lists_repos_first_seen_since(
    crawled_project: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--root", str(crawled_project.root), "models", "new", "--since", "2026-06-01", "--json"]) == 0
    )
    listed = json.loads(capsys.readouterr().out)["open_weights"]
    assert [r["repo_id"] for r in listed] == ["facebook/bart-base", "meta-llama/Meta-Llama-3-8B-Instruct"]
    assert set(listed[0]) == {f.name for f in dataclasses.fields(hf_hub.HubModel)}
    assert (
        main(["--root", str(crawled_project.root), "models", "new", "--since", "2026-06-02", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["open_weights"] == []
