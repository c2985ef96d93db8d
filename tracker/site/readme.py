"""A short status table in the fork's README, between two markers, as upptime keeps one.

Opt-in (`[site] readme = true` in tracker.toml): after the site is built, the run rewrites
only the lines between the markers, from the build's own api/status.json, so the
repository's front page answers too. Without both markers the README is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker.site.answer import would_be_words
from tracker.site.config import load_site_config
from tracker.site.feeds import status_words
from tracker.store import atomic_write_text

START = "<!-- cape-tracker:status:start -->"
END = "<!-- cape-tracker:status:end -->"


def status_table(status: dict, base_url: str = "") -> str:
    """The Markdown table of api/status.json: id, title, would-be verdict, status, deadline."""
    lines = [
        f"Status as of {status.get('as_of', '')}:",
        "",
        "| | prediction | if decided today | status | deadline |",
        "|---|---|---|---|---|",
    ]
    for v in status.get("predictions", []):
        pid = str(v.get("id", ""))
        name = _cell(v.get("title", ""))
        title = f"[{name}]({base_url}predictions/{pid}.html)" if base_url else name
        deadline = str(v.get("deadline") or "")[:10]
        lines.append(f"| {pid} | {title} | {would_be_words(v)} | {status_words(v)} | {deadline} |")
    return "\n".join(lines)


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell (no pipe, no line break, no HTML)."""
    return str(text).replace("|", "/").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def with_table(readme: str, table: str) -> str | None:
    """`readme` with the text between the markers replaced by `table`; None without both markers."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        return None
    return readme[: start + len(START)] + "\n" + table + "\n" + readme[end:]


def update_readme(readme_path: Path, status_json: Path, base_url: str = "") -> bool | None:
    """Rewrite the table in `readme_path` from a built site's status; True if the file changed,
    False if it already held this table, None if it has no markers (nothing written)."""
    text = readme_path.read_text(encoding="utf-8")
    new = with_table(text, status_table(json.loads(status_json.read_text(encoding="utf-8")), base_url))
    if new is None:
        return None
    if new == text:
        return False
    atomic_write_text(readme_path, new)
    return True


def refresh_readme(root: Path, site_dir: Path) -> str:
    """The run's README step, when tracker.toml's [site] readme is on: a few words for the run's
    summary ('' when it is off)."""
    config = load_site_config(root)
    if not config.readme:
        return ""
    readme = root / config.readme_path
    if not readme.exists():
        return f"; {config.readme_path} not found"
    changed = update_readme(readme, site_dir / "api" / "status.json", config.url)
    return {
        None: f"; {config.readme_path} has no status markers",
        False: "",
        True: f"; {config.readme_path} table updated",
    }[changed]
