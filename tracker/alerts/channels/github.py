"""GitHub issues: one issue per prediction, its updates as comments, and one tracking issue
whose comments announce new frontier releases and steering results.

A prediction's issue carries the labels `cape-verdict` and `prediction:Pn`. It is opened by
the first alert about that prediction; later alerts (provisional flips, amendments) are
comments. When the verdict is decided the issue is retitled `Prediction Pn: <status>`,
labelled `verdict:<status>` and closed (comments still notify watchers).

Exactly once: every issue and comment body carries a hidden marker
`<!-- cape-tracker:event=<id> -->`. Before creating anything the channel lists the thread's
issues (by label, open and closed) and their comments and looks for the marker, so a retry
after a crash finds what the first attempt created instead of opening a second one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tracker.alerts.channels.base import ChannelError, SendResult, http_error, transport_error
from tracker.alerts.config import GitHubSettings
from tracker.alerts.messages import PREDICTION_EVENTS, Message

API_VERSION = "2022-11-28"
MAX_PAGES = 50
_PREDICTION_ID = re.compile(r"^P\d{1,3}$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#|~!])")


def event_marker(event_id: str) -> str:
    """The hidden marker that identifies an alert inside an issue or comment body."""
    return f"<!-- cape-tracker:event={event_id} -->"


def thread_marker(key: str) -> str:
    """The hidden marker that identifies the issue a thread of alerts lives in."""
    return f"<!-- cape-tracker:thread={key} -->"


def markdown_text(text: str) -> str:
    """Untrusted text made inert in GitHub Markdown: no HTML (so no forged markers), no
    links or emphasis, no @mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


@dataclass(frozen=True)
class Thread:
    """The issue an alert belongs to. `labels` find it; `extra_labels` are added on decision."""

    key: str
    title: str
    labels: tuple[str, ...]
    extra_labels: tuple[str, ...] = ()
    close: bool = False


class GitHubChannel:
    """Posts alerts as GitHub issues and comments through the REST API."""

    name = "github"

    def __init__(self, settings: GitHubSettings, http: httpx.Client):
        self.settings = settings
        self.http = http
        self.base = f"{settings.api_url}/repos/{settings.repository}"

    def send(self, message: Message) -> SendResult:
        """Open the thread's issue with this alert, or comment on it; never twice."""
        thread = self.thread_for(message)
        issue = self.find_issue(thread)
        if issue is None:
            issue = self._create_issue(thread, message)
            self._settle(issue, thread)
            return SendResult(_ref(issue))
        self._settle(issue, thread)
        marker = event_marker(message.event_id)
        if marker in (issue.get("body") or ""):
            return SendResult(_ref(issue), duplicate=True)
        comment = self._find_comment(issue["number"], marker)
        if comment is not None:
            return SendResult(_ref(comment), duplicate=True)
        return SendResult(_ref(self._post_comment(issue["number"], message)))

    def thread_for(self, message: Message) -> Thread:
        """A prediction's own issue, or the tracking issue for everything else."""
        prediction = message.prediction or ""
        if message.event_type not in PREDICTION_EVENTS or not _PREDICTION_ID.match(prediction):
            return Thread("tracking", self.settings.tracking_title, (self.settings.tracking_label,))
        labels = (self.settings.verdict_label, f"prediction:{prediction}")
        if message.event_type != "verdict_decided":
            return Thread(f"prediction-{prediction}", f"Prediction {prediction}: pending", labels)
        status = re.sub(r"[^a-z_]", "", str(message.payload.get("status", "")).lower()) or "decided"
        return Thread(
            f"prediction-{prediction}",
            f"Prediction {prediction}: {status}",
            labels,
            extra_labels=(f"verdict:{status}",),
            close=True,
        )

    def find_issue(self, thread: Thread) -> dict[str, Any] | None:
        """The oldest issue (open or closed) whose body carries the thread's marker."""
        marker = thread_marker(thread.key)
        params = {
            "labels": ",".join(thread.labels),
            "state": "all",
            "per_page": "100",
            "sort": "created",
            "direction": "asc",
        }
        issues = [
            issue
            for issue in self._get_all(f"{self.base}/issues", params, "list issues")
            if marker in (issue.get("body") or "") and "pull_request" not in issue
        ]
        return min(issues, key=lambda issue: issue["number"]) if issues else None

    def _find_comment(self, number: int, marker: str) -> dict[str, Any] | None:
        url = f"{self.base}/issues/{number}/comments"
        for comment in self._get_all(url, {"per_page": "100"}, "list comments"):
            if marker in (comment.get("body") or ""):
                return comment
        return None

    def _create_issue(self, thread: Thread, message: Message) -> dict[str, Any]:
        body = thread_marker(thread.key) + "\n" + self._body(message)
        payload = {"title": thread.title, "body": body, "labels": [*thread.labels, *thread.extra_labels]}
        return _json(
            self._request("POST", f"{self.base}/issues", "create issue", json=payload), "create issue"
        )

    def _settle(self, issue: dict[str, Any], thread: Thread) -> None:
        """On a decided verdict: retitle, label and close the issue (idempotent)."""
        if not thread.close:
            return
        labels = sorted(
            {*(label["name"] for label in issue.get("labels", [])), *thread.labels, *thread.extra_labels}
        )
        payload = {"title": thread.title, "labels": labels, "state": "closed", "state_reason": "completed"}
        self._request("PATCH", f"{self.base}/issues/{issue['number']}", "update issue", json=payload)

    def _post_comment(self, number: int, message: Message) -> dict[str, Any]:
        url = f"{self.base}/issues/{number}/comments"
        return _json(self._request("POST", url, "comment", json={"body": self._body(message)}), "comment")

    def _body(self, message: Message) -> str:
        parts = [event_marker(message.event_id), f"### {markdown_text(message.subject)}"]
        parts += [markdown_text(line) for line in message.text.splitlines()]
        if message.link:
            parts.append(f"[Details on the status site]({message.link})")
        parts.append(f"<sub>cape-tracker event `{message.event_id}` at {message.at}</sub>")
        return "\n\n".join(parts)

    def _get_all(self, url: str, params: dict[str, str], action: str) -> list[dict[str, Any]]:
        """Every item of a paginated list, following Link: rel="next" on the API host only."""
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        query: dict[str, str] | None = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                return items
            response = self._request("GET", next_url, action, params=query)
            page = _json(response, action)
            if not isinstance(page, list):
                raise ChannelError(f"github: {action} did not return a list", transient=True)
            items += page
            next_url, query = response.links.get("next", {}).get("url"), None  # the link holds the query
            if next_url and not next_url.startswith(self.settings.api_url + "/"):
                raise ChannelError(f"github: {action}: next page is not on the API host", transient=False)
        raise ChannelError(f"github: {action}: more than {MAX_PAGES} pages", transient=False)

    def _request(self, method: str, url: str, action: str, **kwargs: Any) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {self.settings.token.reveal()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "cape-tracker",
        }
        try:
            response = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(self.name, action, exc) from None
        if not response.is_success:
            raise http_error(self.name, action, response)
        return response


def _json(response: httpx.Response, action: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ChannelError(f"github: {action} returned a body that is not JSON", transient=True) from None


def _ref(item: dict[str, Any]) -> str:
    return str(item.get("html_url") or item.get("url") or item.get("id", "?"))
