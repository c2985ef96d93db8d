"""tracker.toml's [site] section: the site's public URL and the opt-in README status table.

The URL makes the feed's and the badges' links absolute (`rel="self"`, entry links), and the
Open Graph tags name the page a shared link shows. Empty, the site stays relative and works
from any folder. `readme = true` lets a scheduled run keep a short status table between two
markers in the fork's README (tracker.site.readme).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import UsageError
from tracker.site.feeds import safe_url

CONFIG_FILE = "tracker.toml"


class SiteConfigError(UsageError, ValueError):
    """tracker.toml's [site] section holds something unusable."""


@dataclass(frozen=True)
class SiteConfig:
    """The [site] settings, with their defaults."""

    url: str = ""
    readme: bool = False
    readme_path: str = "README.md"


def load_site_config(root: Path) -> SiteConfig:
    """[site] of tracker.toml under `root` (defaults when the file or the section is absent)."""
    path = root / CONFIG_FILE
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("site", {}) if path.exists() else {}
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: {exc}") from None
    url = table.get("url", "")
    if not isinstance(url, str) or (url and not safe_url(url)):
        raise SiteConfigError(f"{path}: [site] url must be an http(s) URL, got {url!r}")
    readme, readme_path = table.get("readme", False), table.get("readme_path", "README.md")
    if not isinstance(readme, bool) or not isinstance(readme_path, str) or not readme_path:
        raise SiteConfigError(f"{path}: [site] readme must be true or false and readme_path a file name")
    return SiteConfig(
        url=url if not url or url.endswith("/") else url + "/", readme=readme, readme_path=readme_path
    )
