"""Which channels are on: alerts.toml plus environment, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.alerts.config import ConfigError, load_config, secrets_in
from tracker.alerts.redact import Redactor, Secret
from tracker.paths import Paths

COMMITTED = Paths(Path(__file__).resolve().parent.parent)  # the project's committed data, read only

FULL_ENV = {
    "GITHUB_TOKEN": "ghp_token_value",
    "GITHUB_REPOSITORY": "owner/repo",
    "CAPE_WEBHOOK_URL": "https://hooks.example.test/in/abc123",
    "CAPE_WEBHOOK_SECRET": "whsec_value",
    "CAPE_SLACK_WEBHOOK_URL": "https://hooks.slack.test/services/T0/B0/slackvalue",
    "CAPE_SMTP_HOST": "smtp.example.test",
    "CAPE_SMTP_FROM": "a@example.test",
    "CAPE_SMTP_TO": "b@example.test, c@example.test",
    "CAPE_SMTP_USER": "user",
    "CAPE_SMTP_PASSWORD": "pw_value",
}


def test_no_environment_means_no_channel(tmp_path):
    config = load_config(Paths(tmp_path), {})
    assert config.enabled() == ()
    assert "GITHUB_TOKEN" in config.states["github"].reason
    assert not any(state.misconfigured for state in config.states.values())


def test_every_channel_on_with_its_variables(tmp_path):
    config = load_config(Paths(tmp_path), FULL_ENV)
    assert config.enabled() == ("github", "webhook", "slack", "email")
    email = config.channels["email"]
    assert email.recipients == ("b@example.test", "c@example.test")
    assert (email.port, email.starttls, email.user) == (587, True, "user")
    assert config.channels["github"].api_url == "https://api.github.com"


def test_toml_switches_a_channel_off_and_sets_options(tmp_path):
    (tmp_path / "alerts.toml").write_text(
        '[alerts]\nsite_url = "https://x.test/site/"\nsince = "2026-05-01"\nmax_tries = 5\n'
        "[slack]\nenabled = false\n[email]\nport = 2525\nstarttls = false\n"
        '[github]\nverdict_label = "verdict"\n'
    )
    config = load_config(Paths(tmp_path), FULL_ENV)
    assert config.enabled() == ("github", "webhook", "email")
    assert "switched off" in config.states["slack"].reason
    assert config.site_url == "https://x.test/site"
    assert config.since.isoformat() == "2026-05-01" and config.max_tries == 5
    assert (config.channels["email"].port, config.channels["email"].starttls) == (2525, False)
    assert config.channels["github"].verdict_label == "verdict"


def test_environment_overrides_port_starttls_and_api_url(tmp_path):
    env = {
        **FULL_ENV,
        "CAPE_SMTP_PORT": "2526",
        "CAPE_SMTP_STARTTLS": "no",
        "GITHUB_API_URL": "http://127.0.0.1:9/",
    }
    config = load_config(Paths(tmp_path), env)
    assert (config.channels["email"].port, config.channels["email"].starttls) == (2526, False)
    assert config.channels["github"].api_url == "http://127.0.0.1:9"


def test_half_configured_channel_is_off_and_flagged(tmp_path):
    env = {
        "CAPE_WEBHOOK_URL": "https://hooks.example.test/x",
        "CAPE_SMTP_HOST": "smtp.example.test",
        "CAPE_SMTP_FROM": "a@example.test",
        "CAPE_SMTP_TO": "b@example.test",
        "CAPE_SMTP_USER": "u",
    }
    config = load_config(Paths(tmp_path), env)
    assert config.enabled() == ()
    assert config.states["webhook"].misconfigured and "CAPE_WEBHOOK_SECRET" in config.states["webhook"].reason
    assert config.states["email"].misconfigured and "CAPE_SMTP_PASSWORD" in config.states["email"].reason
    assert not config.states["slack"].misconfigured


@pytest.mark.parametrize(
    "var, value, expected",
    [
        ("CAPE_SMTP_PORT", "smtp", "CAPE_SMTP_PORT"),
        ("CAPE_SMTP_STARTTLS", "maybe", "CAPE_SMTP_STARTTLS"),
        ("GITHUB_REPOSITORY", "not-a-repo", "OWNER/NAME"),
        ("CAPE_SMTP_TO", "nobody", "not an e-mail address"),
    ],
)
def test_bad_environment_value_disables_channel_with_reason(tmp_path, var, value, expected):
    config = load_config(Paths(tmp_path), {**FULL_ENV, var: value})
    channel = "github" if var.startswith("GITHUB") else "email"
    assert channel not in config.channels
    assert expected in config.states[channel].reason


def test_bad_url_is_reported_without_echoing_it(tmp_path):
    config = load_config(
        Paths(tmp_path), {**FULL_ENV, "CAPE_SLACK_WEBHOOK_URL": "ftp://secret-host/slackvalue"}
    )
    assert "CAPE_SLACK_WEBHOOK_URL is not an http(s) URL" in config.states["slack"].reason
    assert "slackvalue" not in config.states["slack"].reason


@pytest.mark.parametrize(
    "toml, where",
    [
        ('[alerts]\nmax_tries = "three"\n', "max_tries"),
        ("[email]\nstarttls = 1\n", "starttls"),
        ('[alerts]\nsince = "May"\n', "since"),
        ("alerts = 3\n", "[alerts]"),
        ("[alerts\n", "not valid TOML"),
    ],
)
def test_bad_toml_names_the_key(tmp_path, toml, where):
    (tmp_path / "alerts.toml").write_text(toml)
    with pytest.raises(ConfigError, match="alerts.toml") as raised:
        load_config(Paths(tmp_path), FULL_ENV)
    assert where in str(raised.value)


def test_committed_alerts_toml_loads():
    config = load_config(COMMITTED, {})
    assert config.max_tries >= 1 and config.enabled() == ()


def test_secrets_are_masked_in_repr_and_collected_for_redaction(tmp_path):
    config = load_config(Paths(tmp_path), FULL_ENV)
    assert "ghp_token_value" not in repr(config) and "pw_value" not in repr(config)
    assert str(Secret("x")) == "***"
    assert sorted(config.secrets()) == sorted(secrets_in(FULL_ENV))


def test_redactor_masks_every_form_of_a_secret_url():
    redact = Redactor(["https://hooks.slack.test/services/T0/B0/slack%value", "pw"])
    text = "POST https://hooks.slack.test/services/T0/B0/slack%value and /services/T0/B0/slack%value"
    assert redact(text) == "POST *** and ***"
    assert redact("https%3A%2F%2Fhooks.slack.test%2Fservices%2FT0%2FB0%2Fslack%25value") == "***"
    assert redact("a pw in text") == "a pw in text"  # too short to mask without mangling text


def test_actions_runner_variables_alone_do_not_flag_github(tmp_path):
    env = {"GITHUB_REPOSITORY": "owner/repo", "GITHUB_API_URL": "https://api.github.com"}
    state = load_config(Paths(tmp_path), env).states["github"]
    assert not state.enabled and not state.misconfigured and "GITHUB_TOKEN" in state.reason
