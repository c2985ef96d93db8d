"""The site build: every page and feed is written, the same data give the same bytes (also in
another process with another hash seed), a failed build leaves the old site as it was."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from site_support import AS_OF, PAGES, site_files

from tracker.cli import main
from tracker.paths import Paths
from tracker.site import builder as sitegen

FEEDS = {"feed.atom", "api/status.json", "api/models.json", "models.csv"} | {
    f"badges/P{i}.json" for i in range(1, 8)
}


def test_build_writes_every_page_feed_and_figure(built_site: Path) -> None:
    files = set(site_files(built_site))
    assert files >= PAGES | FEEDS
    assert {
        "static/style.css",
        "static/phase.js",
        "figures/coupling.svg",
        "figures/h-by-lab.svg",
        "figures/h-over-time.svg",
    } <= files
    assert {f"figures/P{i}-evidence.svg" for i in range(1, 8)} <= files
    assert not [name for name in files if name.endswith(".py") or "__pycache__" in name]


@pytest.mark.slow
def test_same_data_same_bytes_across_processes(site_project: Paths, built_site: Path, tmp_path: Path) -> None:
    """A second build, in a fresh interpreter with another hash seed, is byte-identical."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "--root",
            str(site_project.root),
            "site",
            "build",
            "--out",
            str(out),
            "--as-of",
            AS_OF.isoformat(),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    first, second = site_files(built_site), site_files(out)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_publish_replaces_the_old_site_whole(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "style.css").write_text("body {}", encoding="utf-8")
    out = tmp_path / "out" / "_site"
    sitegen.publish([sitegen.Output("index.html", "one"), sitegen.Output("old.html", "stale")], static, out)
    written = sitegen.publish(
        [sitegen.Output("index.html", "two"), sitegen.Output("api/status.json", "{}")], static, out
    )
    assert written == ["api/status.json", "index.html", "static/style.css"]
    assert site_files(out) == {"api/status.json": b"{}", "index.html": b"two", "static/style.css": b"body {}"}
    assert [p.name for p in out.parent.iterdir()] == ["_site"], "no staging or old folder left behind"


def test_a_crash_while_writing_leaves_the_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    out = tmp_path / "out" / "_site"
    sitegen.publish(
        [sitegen.Output("index.html", "good"), sitegen.Output("models.html", "good")], static, out
    )
    before = site_files(out)
    original = sitegen.write_tree

    def crash_half_way(outputs, static_dir, folder):
        original(outputs[:1], static_dir, folder)
        raise OSError("disk full")

    monkeypatch.setattr(sitegen, "write_tree", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        sitegen.publish(
            [sitegen.Output("index.html", "half"), sitegen.Output("models.html", "half")], static, out
        )
    assert site_files(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["_site"]


def test_build_report_lists_the_pages(built_site: Path) -> None:
    assert set(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")) == PAGES


def test_as_of_replay_hides_later_events(built_site: Path) -> None:
    events = (built_site / "events.html").read_text(encoding="utf-8")
    assert "Gemini 3.5 Pro" in events
    assert "After the as-of day" not in events
    assert '<time datetime="2026-09-15">' in (built_site / "index.html").read_text(encoding="utf-8")


def test_cli_rejects_a_base_url_that_is_not_http(site_project: Paths, tmp_path: Path, capsys) -> None:
    code = main(
        [
            "--root",
            str(site_project.root),
            "site",
            "build",
            "--out",
            str(tmp_path / "x"),
            "--base-url",
            "javascript:alert(1)/",
        ]
    )
    assert code == 2
    assert "--base-url" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_serve_refuses_a_folder_without_a_site(tmp_path: Path, capsys) -> None:
    assert main(["site", "serve", "--dir", str(tmp_path), "--port", "0"]) == 1
    assert "tracker site build" in capsys.readouterr().err


def test_history_ends_with_the_verdict_of_the_day(site_collected) -> None:
    """The evidence plot's last point is the reading the cards show (same evaluator, same day)."""
    for verdict in site_collected.verdicts:
        history = site_collected.history[verdict["id"]]
        assert [h["day"] for h in history] == sorted(h["day"] for h in history)
        last = history[-1]
        assert last["day"] == "2026-09-15"
        assert (last["status"], last["provisional"], last["evidence"]["summary"]) == (
            verdict["status"],
            verdict["provisional"],
            verdict["evidence"]["summary"],
        ), verdict["id"]


def test_site_folder_is_not_a_python_package() -> None:
    """site/ holds templates; as a package it would shadow the standard library's `site`."""
    repo = Path(__file__).resolve().parent.parent
    assert not list((repo / "site").rglob("*.py"))
    import site

    assert Path(site.__file__).parent != repo / "site"


def test_serve_answers_on_loopback(built_site: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "site", "serve", "--port", "0", "--dir", str(built_site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/feed.atom", timeout=10) as answer:
            assert answer.headers["Content-Type"] == "application/atom+xml"
            assert answer.read() == (built_site / "feed.atom").read_bytes()
    finally:
        process.terminate()
        process.wait(timeout=10)
