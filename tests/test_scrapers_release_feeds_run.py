"""The release feeds in a scrape: new releases, open weights and the lab's day, on the recorded
snapshots and against a local server with faults."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from scraper_server import scripted_server
from scraper_support import fresh_root, gz_fixture

from tracker.cli import main
from tracker.paths import Paths
from tracker.scrapers import models_dev, openrouter
from tracker.scrapers.config import HubConfig, ScrapeConfig
from tracker.scrapers.http import HttpConfig
from tracker.scrapers.release_feeds import merge_feed, read_releases
from tracker.scrapers.run import load_state, scrape
from tracker.store import read_events

OR_PATH, MD_PATH = "/api/v1/models", "/api.json"


def _listing(source: str, day: str) -> list:
    if source == "openrouter":
        return openrouter.parse(gz_fixture("openrouter", day, "openrouter-models.json"))
    return models_dev.parse(gz_fixture("models-dev", day, "models-dev.json"))


def _merged(tmp_path: Path, *snapshots: tuple[str, str]):
    state = load_state(Paths(fresh_root(tmp_path)))
    rows: list[dict[str, str]] = []
    outcomes = []
    for source, day in snapshots:
        rows, outcome = merge_feed(state, rows, _listing(source, day), source=source, at=f"{day}T00:00:00Z")
        outcomes.append(outcome)
    return state, rows, outcomes


def test_first_listing_is_a_baseline_and_later_ids_are_new_release_events(tmp_path: Path) -> None:
    _, _, (first, second) = _merged(tmp_path, ("openrouter", "2026-02-27"), ("openrouter", "2026-04-19"))
    assert not [e for e in first.events if e.type == "new_release"]
    events = {e.payload["feed_id"]: e for e in second.events if e.type == "new_release"}
    opus = events["anthropic/claude-opus-4.7"]
    assert (opus.payload["listed_at"], opus.payload["model_id"]) == (
        "2026-04-16T14:51:40Z",
        "claude-opus-4.7",
    )
    assert "openrouter/elephant-alpha" not in events and "rekaai/reka-flash-3" not in events
    assert len(events) == 29


def test_open_weights_come_from_the_feeds_and_stay_unknown_otherwise(tmp_path: Path) -> None:
    state, _, _ = _merged(tmp_path, ("openrouter", "2026-02-27"), ("models_dev", "2026-03-01"))
    deepseek = state.identity.get("deepseek-v3")
    assert (deepseek.open_weights, deepseek.hf_repo) == (True, "deepseek-ai/DeepSeek-V3")
    assert state.identity.get("claude-opus-4.6").open_weights is False  # models.dev, first party
    assert state.identity.get("deepseek-v2.5").open_weights is None  # no source lists it


def test_the_labs_day_for_a_release_dated_by_year_keeps_the_year(tmp_path: Path) -> None:
    state, _, _ = _merged(tmp_path, ("models_dev", "2026-03-01"))
    opus = state.identity.get("claude-opus-4.5")
    assert (opus.release_date, opus.date_precision()) == ("2025", "year")
    # the undated first-party id (2025-11-24), not claude-opus-4-5-20251101 (listed 2025-11-01)
    assert (opus.first_party_day, opus.day_for_rules()) == ("2025-11-24", dt.date(2025, 11, 24))
    assert opus.first_party_day_source == "models.dev first-party anthropic/claude-opus-4-5"
    kimi = state.identity.get("kimi-k2.5")  # models.dev gives 2026-01 too: no day to use
    assert (kimi.first_party_day, kimi.day_for_rules()) == ("", dt.date(2026, 1, 1))
    grok = state.identity.get("grok-4")  # the panel says 2026-02, the lab 2025-07-09: not adopted
    assert grok.first_party_day == ""


def _config(server) -> ScrapeConfig:
    return ScrapeConfig(
        http=HttpConfig(timeout_s=0.3, retries=1, backoff_s=0.01),
        hub=HubConfig(api=f"{server.base}/api/models", orgs=()),
        urls={"openrouter": server.base + OR_PATH, "models_dev": server.base + MD_PATH},
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [({"status": 500}, "HTTP 500"), ({"body": b"<html>down</html>"}, "not JSON"), ({"body": b"[]"}, "")],
)
def test_a_failing_feed_changes_nothing_and_the_other_goes_on(
    tmp_path: Path, answer: dict, message: str
) -> None:
    paths = Paths(fresh_root(tmp_path))
    now = dt.datetime(2026, 4, 19, 6, tzinfo=dt.UTC)
    with scripted_server() as server:
        server.script(OR_PATH, {"body": gz_fixture("openrouter", "2026-04-19", "openrouter-models.json")})
        server.script(MD_PATH, {"body": gz_fixture("models-dev", "2026-04-19", "models-dev.json")})
        scrape(paths, ["openrouter", "models_dev"], offline=False, now=now, config=_config(server))
        before = {p: p.read_bytes() for p in (paths.models, paths.data / "releases.csv")}
        cached = (paths.cache / "openrouter" / "openrouter-models.json").read_bytes()
        server.script(OR_PATH, answer)
        report = scrape(
            paths,
            ["openrouter", "models_dev"],
            offline=False,
            now=now + dt.timedelta(days=1),
            config=_config(server),
        )
    result = report.sources["openrouter"]
    if message:
        assert result.status == "failed" and message in result.error
        assert (paths.cache / "openrouter" / "openrouter-models.json").read_bytes() == cached
    else:  # an empty list is a valid answer: removals are not retirements
        assert result.status == "ok" and result.records == 0
    assert report.sources["models_dev"].status == "ok"
    assert {p: p.read_bytes() for p in before} == before
    assert len(read_releases(paths.data / "releases.csv")) > 500
    assert not [e for e in read_events(paths.ledger) if e.type == "model_updated" and e.at > "2026-04-20"]


def test_models_new_lists_feed_releases_with_dates_and_precision(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parent.parent
    assert main(["--root", str(repo), "models", "new", "--since", "2026-04-01", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    releases = {(r["source"], r["feed_id"]): r for r in listed["releases"]}
    opus = releases[("openrouter", "anthropic/claude-opus-4.7")]
    assert (opus["listed_at"], opus["model_id"]) == ("2026-04-16T14:51:40Z", "claude-opus-4.7")
    assert (opus["release_date"], opus["date_precision"]) == ("2026-04-16", "day")  # the panel's own date
    glm = releases[("models_dev", "zai/glm-5.1")]
    assert (glm["release_date"], glm["date_precision"], glm["date_source"]) == (
        "2026-03-27",
        "day",
        "models_dev",
    )
    # the first listing of each feed (2026-02-27, 2026-03-01) is a baseline, never "new"
    assert all(r["first_seen"] >= "2026-04-19" for r in listed["releases"])
