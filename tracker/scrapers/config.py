"""The scrapers' settings: sources.toml at the project root, with defaults for every key.

A fork changes its project URL (sent in the User-Agent), the watched Hub organisations, the
jump threshold of the merge or a source URL there, without touching code. Tests build a
ScrapeConfig directly to point sources at 127.0.0.1.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tracker.merge import MergePolicy
from tracker.scrapers import epoch, helm, hf_hub, llmstats, models_dev, openrouter, scale_hle, swebench
from tracker.scrapers.http import HttpConfig

CONFIG_FILE = "sources.toml"
DEFAULT_HUB_ORGS = (
    # labs of the frozen panel that publish weights
    "deepseek-ai",
    "Qwen",
    "meta-llama",
    "moonshotai",
    "zai-org",
    "MiniMaxAI",
    "google",
    "openai",
    "xai-org",
    # other open-weight labs
    "mistralai",
    "microsoft",
    "nvidia",
    "allenai",
    "ibm-granite",
    "CohereLabs",
    "tiiuae",
    "HuggingFaceTB",
    "stepfun-ai",
    "baidu",
    "tencent",
    "internlm",
    "LGAI-EXAONE",
)


DEFAULT_URLS = {
    "epoch": epoch.URL,
    "swebench": swebench.URL,
    "helm": helm.URL,
    "scale_hle": scale_hle.URL,
    "llmstats": llmstats.URL,
    "openrouter": openrouter.URL,
    "models_dev": models_dev.URL,
}


@dataclass(frozen=True)
class HubConfig:
    """Which organisations to watch on the Hub and how far to page back each run."""

    api: str = hf_hub.API
    orgs: tuple[str, ...] = DEFAULT_HUB_ORGS
    max_pages: int = 3
    page_size: int = 100


@dataclass(frozen=True)
class ScrapeConfig:
    """Everything `tracker.scrapers.run.scrape` needs besides paths, clock and network."""

    http: HttpConfig = field(default_factory=HttpConfig)
    merge: MergePolicy = field(default_factory=MergePolicy)
    hub: HubConfig = field(default_factory=HubConfig)
    urls: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_URLS))


def load_config(root: Path) -> ScrapeConfig:
    """sources.toml under `root`, defaults where it is missing or silent."""
    path = root / CONFIG_FILE
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    defaults = ScrapeConfig()
    http_table = {
        **data.get("http", {}),
        **({"project_url": data["project"]["url"]} if "url" in data.get("project", {}) else {}),
    }
    hub_table = dict(data.get("hf_hub", {}))
    if "orgs" in hub_table:
        hub_table["orgs"] = tuple(hub_table["orgs"])
    urls = dict(defaults.urls)
    urls.update({name: table["url"] for name, table in data.get("sources", {}).items() if "url" in table})
    return ScrapeConfig(
        http=HttpConfig(**http_table),
        merge=MergePolicy(**data.get("merge", {})),
        hub=HubConfig(**hub_table),
        urls=urls,
    )
