"""Which alert channels are on, read from `alerts.toml` (committed) and the environment.

Settings that are safe to publish (labels, STARTTLS, the site URL) live in `alerts.toml` at
the repository root. Credentials and addresses come from environment variables only. A
channel is enabled when alerts.toml does not switch it off *and* every variable it needs is
set, so a fork without secrets runs with no channel on and nothing fails.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.alerts.redact import Secret
from tracker.errors import TrackerError
from tracker.paths import Paths

OUTBOX_CHANNELS: tuple[str, ...] = ("github", "webhook", "slack", "email")
"""Channels that receive messages through the outbox. The Atom feed is the fifth channel:
the site renders it from the ledger, so nothing is queued for it."""

CHANNEL_ENV: dict[str, tuple[str, ...]] = {
    "github": ("GITHUB_TOKEN", "GITHUB_REPOSITORY"),
    "webhook": ("CAPE_WEBHOOK_URL", "CAPE_WEBHOOK_SECRET"),
    "slack": ("CAPE_SLACK_WEBHOOK_URL",),
    "email": ("CAPE_SMTP_HOST", "CAPE_SMTP_FROM", "CAPE_SMTP_TO"),
}
OPTIONAL_ENV: dict[str, tuple[str, ...]] = {
    "github": ("GITHUB_API_URL",),
    "webhook": (),
    "slack": (),
    "email": ("CAPE_SMTP_PORT", "CAPE_SMTP_USER", "CAPE_SMTP_PASSWORD", "CAPE_SMTP_STARTTLS"),
}
SECRET_ENV: tuple[str, ...] = (
    "GITHUB_TOKEN",
    "CAPE_WEBHOOK_URL",
    "CAPE_WEBHOOK_SECRET",
    "CAPE_SLACK_WEBHOOK_URL",
    "CAPE_SMTP_PASSWORD",
)
AMBIENT_ENV: frozenset[str] = frozenset({"GITHUB_REPOSITORY", "GITHUB_API_URL"})
"""Set on every GitHub Actions runner: their presence alone does not mean a half-configured channel."""
CONFIG_FILE = "alerts.toml"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(TrackerError, ValueError):
    """alerts.toml holds something unusable: an error, because the file is committed."""


class EnvValueError(ConfigError):
    """An environment variable holds something unusable: that channel stays off, with the
    reason shown (the message names the variable and never echoes a secret)."""


@dataclass(frozen=True)
class GitHubSettings:
    repository: str
    token: Secret
    api_url: str = "https://api.github.com"
    verdict_label: str = "cape-verdict"
    tracking_label: str = "cape-tracking"
    tracking_title: str = "cape-tracker: frontier releases and steering results"


@dataclass(frozen=True)
class WebhookSettings:
    url: Secret
    secret: Secret
    signature_header: str = "X-Cape-Signature"


@dataclass(frozen=True)
class SlackSettings:
    url: Secret


@dataclass(frozen=True)
class EmailSettings:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    user: str = ""
    password: Secret | None = None
    starttls: bool = True
    timeout_seconds: float = 30.0


ChannelSettings = GitHubSettings | WebhookSettings | SlackSettings | EmailSettings


@dataclass(frozen=True)
class ChannelState:
    """Why a channel is on or off, for `tracker alerts status` (names variables, never values)."""

    name: str
    enabled: bool
    reason: str = ""
    misconfigured: bool = False


@dataclass(frozen=True)
class AlertsConfig:
    """Everything delivery needs: general settings plus the settings of each enabled channel."""

    site_url: str = ""
    prediction_page: str = "predictions/{prediction}.html"
    since: dt.date | None = None
    max_tries: int = 3
    backoff_seconds: float = 2.0
    channels: dict[str, ChannelSettings] = field(default_factory=dict)
    states: dict[str, ChannelState] = field(default_factory=dict)

    def enabled(self) -> tuple[str, ...]:
        """Enabled outbox channels, in the fixed order of OUTBOX_CHANNELS."""
        return tuple(name for name in OUTBOX_CHANNELS if name in self.channels)

    def secrets(self) -> list[str]:
        """Every secret value in this configuration, for redaction."""
        values = []
        for settings in self.channels.values():
            for value in vars(settings).values():
                if isinstance(value, Secret):
                    values.append(value.reveal())
        return values


def load_config(paths: Paths, env: Mapping[str, str]) -> AlertsConfig:
    """Read alerts.toml under paths.root (optional) and the given environment."""
    table = _read_toml(paths.root / CONFIG_FILE)
    general = _section(table, "alerts")
    channels: dict[str, ChannelSettings] = {}
    states: dict[str, ChannelState] = {}
    for name in OUTBOX_CHANNELS:
        settings, state = _channel(name, _section(table, name), env)
        states[name] = state
        if settings is not None:
            channels[name] = settings
    since = _get(general, "alerts", "since", str, "")
    return AlertsConfig(
        site_url=_get(general, "alerts", "site_url", str, "").rstrip("/"),
        prediction_page=_get(general, "alerts", "prediction_page", str, AlertsConfig.prediction_page),
        since=_since(since),
        max_tries=max(1, _get(general, "alerts", "max_tries", int, 3)),
        backoff_seconds=float(_get(general, "alerts", "backoff_seconds", (int, float), 2.0)),
        channels=channels,
        states=states,
    )


def secrets_in(env: Mapping[str, str]) -> list[str]:
    """The secret values present in an environment, whether or not their channel is complete."""
    return [env[name] for name in SECRET_ENV if env.get(name)]


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None


def _section(table: dict[str, Any], name: str) -> dict[str, Any]:
    value = table.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{CONFIG_FILE}: [{name}] must be a table")
    return value


def _get(section: dict[str, Any], where: str, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = section.get(key, default)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{CONFIG_FILE}: [{where}] {key}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _since(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{CONFIG_FILE}: [alerts] since: not a date (YYYY-MM-DD): {text!r}") from None


def _channel(
    name: str, section: dict[str, Any], env: Mapping[str, str]
) -> tuple[ChannelSettings | None, ChannelState]:
    """Settings of one channel, or None with the reason it is off."""
    present = [
        var for var in CHANNEL_ENV[name] + OPTIONAL_ENV[name] if env.get(var) and var not in AMBIENT_ENV
    ]
    if not _get(section, name, "enabled", bool, True):
        return None, ChannelState(name, False, f"switched off in {CONFIG_FILE}")
    missing = [var for var in CHANNEL_ENV[name] if not env.get(var)]
    if missing:
        reason = "not configured: set " + ", ".join(missing)
        return None, ChannelState(name, False, reason, misconfigured=bool(present))
    try:
        settings = BUILDERS[name](section, env)
    except EnvValueError as exc:
        return None, ChannelState(name, False, str(exc), misconfigured=True)
    return settings, ChannelState(name, True)


def _http_url(env: Mapping[str, str], var: str) -> Secret:
    value = env[var].strip()
    if not re.match(r"^https?://[^\s/]+", value):
        raise EnvValueError(f"{var} is not an http(s) URL")
    return Secret(value)


def _github(section: dict[str, Any], env: Mapping[str, str]) -> GitHubSettings:
    repository = env["GITHUB_REPOSITORY"].strip()
    if not _REPOSITORY.match(repository):
        raise EnvValueError(f"GITHUB_REPOSITORY must be OWNER/NAME, got {repository!r}")
    defaults = GitHubSettings(repository, Secret(""))
    api_url = env.get("GITHUB_API_URL") or _get(section, "github", "api_url", str, defaults.api_url)
    return GitHubSettings(
        repository=repository,
        token=Secret(env["GITHUB_TOKEN"].strip()),
        api_url=api_url.rstrip("/"),
        verdict_label=_get(section, "github", "verdict_label", str, defaults.verdict_label),
        tracking_label=_get(section, "github", "tracking_label", str, defaults.tracking_label),
        tracking_title=_get(section, "github", "tracking_title", str, defaults.tracking_title),
    )


def _webhook(section: dict[str, Any], env: Mapping[str, str]) -> WebhookSettings:
    header = _get(section, "webhook", "signature_header", str, "X-Cape-Signature")
    return WebhookSettings(_http_url(env, "CAPE_WEBHOOK_URL"), Secret(env["CAPE_WEBHOOK_SECRET"]), header)


def _slack(section: dict[str, Any], env: Mapping[str, str]) -> SlackSettings:
    return SlackSettings(_http_url(env, "CAPE_SLACK_WEBHOOK_URL"))


def _email(section: dict[str, Any], env: Mapping[str, str]) -> EmailSettings:
    recipients = tuple(a.strip() for a in env["CAPE_SMTP_TO"].split(",") if a.strip())
    for address in (env["CAPE_SMTP_FROM"].strip(), *recipients):
        if "@" not in address:
            raise EnvValueError(f"CAPE_SMTP_FROM/CAPE_SMTP_TO: not an e-mail address: {address!r}")
    user = env.get("CAPE_SMTP_USER", "").strip()
    if user and not env.get("CAPE_SMTP_PASSWORD"):
        raise EnvValueError("CAPE_SMTP_USER is set but CAPE_SMTP_PASSWORD is not")
    return EmailSettings(
        host=env["CAPE_SMTP_HOST"].strip(),
        sender=env["CAPE_SMTP_FROM"].strip(),
        recipients=recipients,
        port=_port(env, _get(section, "email", "port", int, 587)),
        user=user,
        password=Secret(env["CAPE_SMTP_PASSWORD"]) if user else None,
        starttls=_flag(env, "CAPE_SMTP_STARTTLS", _get(section, "email", "starttls", bool, True)),
        timeout_seconds=float(_get(section, "email", "timeout_seconds", (int, float), 30.0)),
    )


def _port(env: Mapping[str, str], default: int) -> int:
    text = env.get("CAPE_SMTP_PORT", "").strip()
    if not text:
        return default
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise EnvValueError(f"CAPE_SMTP_PORT is not a port number: {text!r}")
    return int(text)


def _flag(env: Mapping[str, str], var: str, default: bool) -> bool:
    text = env.get(var, "").strip().lower()
    if not text:
        return default
    if text not in _TRUE | _FALSE:
        raise EnvValueError(f"{var} must be true or false, got {text!r}")
    return text in _TRUE


BUILDERS: dict[str, Callable[[dict[str, Any], Mapping[str, str]], ChannelSettings]] = {
    "github": _github,
    "webhook": _webhook,
    "slack": _slack,
    "email": _email,
}
