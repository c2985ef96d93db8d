"""Each channel against a real server on 127.0.0.1: GitHub REST, webhook, Slack, SMTP."""

from __future__ import annotations

import json
import shutil
import socket
import ssl

import httpx
import pytest
from alerts_servers import GitHubFake, SmtpSink, WebhookReceiver, channel_env, self_signed_cert

from tracker.alerts.channels import ChannelError, build_channel
from tracker.alerts.channels.base import is_transient_status
from tracker.alerts.channels.github import event_marker
from tracker.alerts.channels.webhook import signature, webhook_body
from tracker.alerts.clients import Clients
from tracker.alerts.config import load_config
from tracker.alerts.messages import render
from tracker.paths import Paths
from tracker.records import Event

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def alert(kind: str, tag: str = "1", **payload) -> Event:
    defaults = {
        "verdict_decided": {"prediction": "P3", "status": "passed", "summary": "r = 0.81 >= 0.6"},
        "provisional_flipped": {"prediction": "P3", "old": "on_track", "new": "at_risk", "summary": "s"},
        "amendment": {"prediction": "P3", "date": "2026-07-01", "text": "Clarified the source."},
        "new_frontier_release": {
            "model_id": "x-1",
            "name": "X-1",
            "lab": "Lab",
            "release_date": "2026-05-30",
            "h": 1.5,
        },
        "steering_result": {
            "model_id": "org/m",
            "revision": "abcdef0123456789",
            "verdict": "replicated",
            "file": "f.json",
        },
    }
    return Event(f"{kind}-{tag:0>16}", kind, "2026-06-01T23:59:59Z", {**defaults[kind], **payload})


def channel(tmp_path, env, name, http, **clients):
    return build_channel(name, load_config(Paths(tmp_path), env), Clients(http=http, **clients))


@pytest.fixture
def github():
    with GitHubFake(token="ghp_channel_test") as server:
        yield server


def test_github_verdict_opens_labelled_issue_and_closes_it(tmp_path, http, github):
    result = channel(tmp_path, channel_env(github=github), "github", http).send(
        render(alert("verdict_decided"))
    )
    [issue] = github.issues
    assert result.ref == issue["html_url"] and not result.duplicate
    assert issue["title"] == "Prediction P3: passed" and issue["state"] == "closed"
    assert {x["name"] for x in issue["labels"]} == {"cape-verdict", "prediction:P3", "verdict:passed"}
    assert event_marker(alert("verdict_decided").id) in issue["body"]
    assert "<!-- cape-tracker:thread=prediction-P3 -->" in issue["body"]


def test_github_updates_are_comments_on_the_prediction_issue(tmp_path, http, github):
    gh = channel(tmp_path, channel_env(github=github), "github", http)
    gh.send(render(alert("provisional_flipped")))
    assert github.issues[0]["title"] == "Prediction P3: pending" and github.issues[0]["state"] == "open"
    gh.send(render(alert("verdict_decided")))
    gh.send(render(alert("amendment")))
    gh.send(render(alert("provisional_flipped", "2", prediction="P4")))
    assert [i["title"] for i in github.issues] == ["Prediction P3: passed", "Prediction P4: pending"]
    bodies = github.comment_bodies(1)
    assert len(bodies) == 2
    assert (
        event_marker(alert("verdict_decided").id) in bodies[0]
        and event_marker(alert("amendment").id) in bodies[1]
    )
    assert github.issues[0]["state"] == "closed"


def test_github_resend_finds_the_marker_instead_of_posting_again(tmp_path, http, github):
    gh = channel(tmp_path, channel_env(github=github), "github", http)
    first = gh.send(render(alert("verdict_decided")))
    again = gh.send(render(alert("verdict_decided")))
    assert again.duplicate and again.ref == first.ref and len(github.issues) == 1
    gh.send(render(alert("amendment")))
    repeat = gh.send(render(alert("amendment")))
    assert repeat.duplicate and len(github.comment_bodies(1)) == 1


def test_github_releases_and_steering_share_one_tracking_issue(tmp_path, http, github):
    gh = channel(tmp_path, channel_env(github=github), "github", http)
    gh.send(render(alert("new_frontier_release")))
    gh.send(render(alert("steering_result")))
    gh.send(render(alert("new_frontier_release", "2", name="Y-2", h=None)))
    [issue] = github.issues
    assert [x["name"] for x in issue["labels"]] == ["cape-tracking"] and issue["state"] == "open"
    assert len(github.comment_bodies(1)) == 2 and "Y-2" in github.comment_bodies(1)[1]


def test_github_follows_pagination_to_find_issue_and_comment(tmp_path, http):
    with GitHubFake(token="t0ken-page", per_page_cap=1) as github:
        gh = channel(tmp_path, channel_env(github=github), "github", http)
        for number in range(3):
            gh.send(render(alert("provisional_flipped", str(number), prediction="P3")))
        gh.send(render(alert("provisional_flipped", "9", prediction="P7")))
        assert gh.send(render(alert("provisional_flipped", "1", prediction="P3"))).duplicate
        assert gh.send(render(alert("provisional_flipped", "9", prediction="P7"))).duplicate
        assert len(github.issues) == 2 and len(github.comment_bodies(1)) == 2
        listed = [path for method, path in github.requests if method == "GET" and "page=2" in path]
        assert listed


def test_github_never_follows_a_next_link_off_the_api_host(tmp_path, http):
    with GitHubFake(token="t0ken-host", per_page_cap=1) as github:
        gh = channel(tmp_path, channel_env(github=github), "github", http)
        for number in range(3):
            gh.send(render(alert("provisional_flipped", str(number), prediction="P1")))
        github.extra_link = "http://127.0.0.2:1"
        with pytest.raises(ChannelError, match="not on the API host") as raised:
            gh.send(render(alert("provisional_flipped", "3", prediction="P1")))
        assert not raised.value.transient and len(github.comment_bodies(1)) == 2


def test_github_errors_are_classified(tmp_path, http, github):
    wrong = channel(tmp_path, {**channel_env(github=github), "GITHUB_TOKEN": "wrong"}, "github", http)
    with pytest.raises(ChannelError, match="HTTP 401: .*Bad credentials") as raised:
        wrong.send(render(alert("verdict_decided")))
    assert not raised.value.transient
    github.fail_next(1, 503)
    with pytest.raises(ChannelError, match="HTTP 503") as raised:
        channel(tmp_path, channel_env(github=github), "github", http).send(render(alert("verdict_decided")))
    assert raised.value.transient and github.issues == []


def test_webhook_is_signed_keyed_and_deduplicated_by_the_receiver(tmp_path, http):
    with WebhookReceiver(path="/in/hook", secret="whsec-channel") as receiver:
        hook = channel(tmp_path, channel_env(webhook=receiver), "webhook", http)
        message = render(alert("verdict_decided"))
        assert hook.send(message).ref == "HTTP 200"
        hook.send(message)
        assert len(receiver.posts) == 2 and list(receiver.accepted) == [message.event_id]
        headers, body = receiver.posts[0]
        assert body == webhook_body(message) and receiver.posts[1][1] == body
        assert headers["X-Cape-Signature"] == signature("whsec-channel", body)
        assert headers["Idempotency-Key"] == message.event_id and headers["X-Cape-Event"] == "verdict_decided"
        assert json.loads(body)["id"] == message.event_id and receiver.rejected_signatures == 0


def test_webhook_wrong_secret_is_rejected_by_the_receiver(tmp_path, http):
    with WebhookReceiver(path="/in/hook", secret="whsec-right") as receiver:
        env = {**channel_env(webhook=receiver), "CAPE_WEBHOOK_SECRET": "whsec-wrong"}
        with pytest.raises(ChannelError, match="HTTP 401") as raised:
            channel(tmp_path, env, "webhook", http).send(render(alert("verdict_decided")))
        assert not raised.value.transient and receiver.rejected_signatures == 1 and not receiver.accepted


def test_webhook_conflict_means_already_delivered_and_header_is_configurable(tmp_path, http):
    (tmp_path / "alerts.toml").write_text('[webhook]\nsignature_header = "X-Hub-Signature-256"\n')
    with WebhookReceiver(path="/h", secret="whsec-hdr", header="X-Hub-Signature-256") as receiver:
        hook = channel(tmp_path, channel_env(webhook=receiver), "webhook", http)
        assert hook.send(render(alert("amendment"))).ref == "HTTP 200"
        receiver.fail_next(1, 409)
        assert hook.send(render(alert("amendment"))).duplicate


def test_slack_message_carries_subject_and_event_id(tmp_path, http):
    with WebhookReceiver(path="/services/T1/B1/slk", slack=True) as receiver:
        result = channel(tmp_path, channel_env(slack=receiver), "slack", http).send(
            render(alert("verdict_decided"))
        )
        assert result.ref == "HTTP 200"
        [text] = receiver.slack_texts()
        assert text.startswith("*P3 verdict: PASSED*") and alert("verdict_decided").id in text


@pytest.mark.parametrize("status, transient", [(400, False), (404, False), (429, True), (500, True)])
def test_slack_errors_are_classified(tmp_path, http, status, transient):
    with WebhookReceiver(path="/services/T1/B1/slk", slack=True) as receiver:
        receiver.fail_next(1, status)
        with pytest.raises(ChannelError, match=f"HTTP {status}") as raised:
            channel(tmp_path, channel_env(slack=receiver), "slack", http).send(render(alert("amendment")))
        assert raised.value.transient is transient


def test_connection_refused_is_transient(tmp_path, http):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"CAPE_SLACK_WEBHOOK_URL": f"http://127.0.0.1:{port}/services/x"}
    with pytest.raises(ChannelError, match="ConnectError") as raised:
        channel(tmp_path, env, "slack", http).send(render(alert("amendment")))
    assert raised.value.transient


def test_email_with_login_has_stable_message_id(tmp_path, http):
    with SmtpSink(login=("alerts", "smtp-pass-1")) as sink:
        mail = channel(tmp_path, channel_env(smtp=sink), "email", http)
        message = render(alert("verdict_decided"))
        result = mail.send(message)
        mail.send(message)
        assert (
            sink.message_ids()
            == [result.ref, result.ref]
            == [f"<{message.event_id}.cape-tracker@tracker.test>"] * 2
        )
        received = sink.messages[0]
        assert received["Subject"] == "P3 verdict: PASSED" and received["X-Cape-Event-Id"] == message.event_id
        assert received["Auto-Submitted"] == "auto-generated"
        assert "r = 0.81 >= 0.6" in received.get_payload(decode=True).decode()
        assert sink.handler.envelopes[0] == ("alerts@tracker.test", ["watcher@example.test"])
        assert sink.auth_attempts


def test_email_wrong_password_is_permanent_and_not_echoed(tmp_path, http):
    with SmtpSink(login=("alerts", "smtp-pass-1")) as sink:
        env = {**channel_env(smtp=sink), "CAPE_SMTP_PASSWORD": "wrong-pass-9"}
        with pytest.raises(ChannelError, match="SMTPAuthenticationError: SMTP 535") as raised:
            channel(tmp_path, env, "email", http).send(render(alert("verdict_decided")))
        assert not raised.value.transient and "wrong-pass-9" not in str(raised.value) and sink.messages == []


@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs the openssl command for a test certificate"
)
def test_email_starttls_and_login(tmp_path, http):
    cert, key = self_signed_cert(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with SmtpSink(login=("alerts", "smtp-pass-2"), tls=(cert, key)) as sink:
        env = {**channel_env(smtp=sink), "CAPE_SMTP_STARTTLS": "true"}
        channel(tmp_path, env, "email", http, tls_context=trust).send(render(alert("amendment")))
        assert len(sink.messages) == 1
        with pytest.raises(ChannelError, match="SSLCertVerificationError") as raised:
            channel(tmp_path, env, "email", http).send(render(alert("amendment")))
        assert "smtp-pass-2" not in str(raised.value)
        plain = {**channel_env(smtp=sink), "CAPE_SMTP_STARTTLS": "false"}
        with pytest.raises(ChannelError, match="SMTP AUTH extension not supported") as raised:
            channel(tmp_path, plain, "email", http).send(render(alert("amendment")))
        assert not raised.value.transient and len(sink.messages) == 1


@pytest.mark.parametrize(
    "status, headers, transient",
    [
        (403, {"x-ratelimit-remaining": "0"}, True),
        (403, {"retry-after": "60"}, True),
        (403, {}, False),
        (408, {}, True),
        (422, {}, False),
        (502, {}, True),
    ],
)
def test_which_http_answers_are_worth_retrying(status, headers, transient):
    assert is_transient_status(httpx.Response(status, headers=headers)) is transient
