"""Real servers on 127.0.0.1 for the alert channels, reusable by any test.

- GitHubFake: the subset of the GitHub REST API the issue channel uses (list/create/patch
  issues, list/create comments), with bearer-token auth, label filters and Link pagination.
- WebhookReceiver: a webhook endpoint that verifies the HMAC-SHA256 signature and keeps one
  copy per Idempotency-Key, as a careful receiver would; `slack=True` plays a Slack
  incoming webhook instead (answers "ok", no deduplication).
- SmtpSink: an aiosmtpd SMTP server, optionally with STARTTLS and login.

Each is a context manager; each can be told to fail the next N requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import ssl
import subprocess
import threading
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _LocalHTTPServer:
    """A ThreadingHTTPServer on 127.0.0.1 (free port) that calls self.handle(request)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self._failures: list[int] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._dispatch(self, "GET")

            def do_POST(self) -> None:
                owner._dispatch(self, "POST")

            def do_PATCH(self) -> None:
                owner._dispatch(self, "PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next `count` requests with `status` (a server that is down)."""
        with self.lock:
            self._failures += [status] * count

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _dispatch(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, request.path))
            failure = self._failures.pop(0) if self._failures else None
            if failure is not None:
                status, headers, payload = failure, {}, {"message": "Service Unavailable"}
            else:
                status, headers, payload = self.handle(method, request.path, dict(request.headers), body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        request.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, Any]:
        raise NotImplementedError


class GitHubFake(_LocalHTTPServer):
    """Issues and comments of one repository, kept in memory."""

    def __init__(self, repository: str = "owner/repo", token: str = "test-token", per_page_cap: int = 100):
        super().__init__()
        self.repository = repository
        self.token = token
        self.per_page_cap = per_page_cap
        self.issues: list[dict[str, Any]] = []
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.extra_link: str | None = None

    def handle(self, method, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, {"message": "Bad credentials"}
        parts = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        prefix = f"/repos/{self.repository}/issues"
        route = parts.path[len(prefix) :] if parts.path.startswith(prefix) else None
        data = json.loads(body) if body else {}
        if route == "" and method == "GET":
            return self._page(parts.path, query, self._matching(query))
        if route == "" and method == "POST":
            return 201, {}, self._create(data)
        match = re.fullmatch(r"/(\d+)(/comments)?", route or "")
        issue = self._issue(int(match.group(1))) if match else None
        if issue is None:
            return 404, {}, {"message": "Not Found"}
        if match.group(2) and method == "GET":
            return self._page(parts.path, query, self.comments[issue["number"]])
        if match.group(2) and method == "POST":
            return 201, {}, self._comment(issue, data["body"])
        if method == "PATCH":
            return 200, {}, self._patch(issue, data)
        return 405, {}, {"message": "Method Not Allowed"}

    def comment_bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]

    def _issue(self, number: int) -> dict[str, Any] | None:
        return next((i for i in self.issues if i["number"] == number), None)

    def _matching(self, query: dict[str, str]) -> list[dict[str, Any]]:
        wanted = [label for label in query.get("labels", "").split(",") if label]
        state = query.get("state", "open")
        return [
            issue
            for issue in self.issues
            if all(label in [x["name"] for x in issue["labels"]] for label in wanted)
            and (state == "all" or issue["state"] == state)
        ]

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]]):
        per_page = min(int(query.get("per_page", 30)), self.per_page_cap)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            next_query = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{self.extra_link or self.url}{path}?{next_query}>; rel="next"'
        return 200, headers, chunk

    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue = {
            "number": number,
            "title": data["title"],
            "body": data.get("body", ""),
            "state": "open",
            "labels": [{"name": name} for name in data.get("labels", [])],
            "html_url": f"https://github.test/{self.repository}/issues/{number}",
        }
        self.issues.append(issue)
        self.comments[number] = []
        return issue

    def _comment(self, issue: dict[str, Any], body: str) -> dict[str, Any]:
        comments = self.comments[issue["number"]]
        comment = {"id": 1000 * issue["number"] + len(comments) + 1, "body": body}
        comment["html_url"] = f"{issue['html_url']}#issuecomment-{comment['id']}"
        comments.append(comment)
        return comment

    def _patch(self, issue: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "body", "state"):
            if key in data:
                issue[key] = data[key]
        if "labels" in data:
            issue["labels"] = [{"name": name} for name in data["labels"]]
        return issue


class WebhookReceiver(_LocalHTTPServer):
    """A receiver at `path` that checks `header` = sha256=HMAC(secret, body) and keeps one
    body per Idempotency-Key; with slack=True a Slack incoming webhook (text required)."""

    def __init__(
        self, path: str = "/hook", secret: str = "", header: str = "X-Cape-Signature", slack: bool = False
    ):
        super().__init__()
        self.path = path
        self.secret = secret
        self.header = header
        self.slack = slack
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.rejected_signatures = 0

    @property
    def endpoint(self) -> str:
        return self.url + self.path

    def handle(self, method, path, headers, body):
        if method != "POST" or path != self.path:
            return 404, {}, b"no_service" if self.slack else {"error": "not found"}
        self.posts.append((headers, body))
        if self.slack:
            return self._slack(body)
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get(self.header, ""), expected):
            self.rejected_signatures += 1
            return 401, {}, {"error": "bad signature"}
        key = headers.get("Idempotency-Key", "")
        duplicate = key in self.accepted
        self.accepted.setdefault(key, json.loads(body))
        return 200, {}, {"ok": True, "duplicate": duplicate}

    def _slack(self, body: bytes):
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            return 400, {"Content-Type": "text/plain"}, b"invalid_payload"
        if not isinstance(payload.get("text"), str) or not payload["text"]:
            return 400, {"Content-Type": "text/plain"}, b"no_text"
        return 200, {"Content-Type": "text/plain"}, b"ok"

    def slack_texts(self) -> list[str]:
        return [json.loads(body)["text"] for _, body in self.posts]


class _SinkHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class _PortZeroController(Controller):
    """aiosmtpd's Controller on a free port: learn the port before the readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """An SMTP server on 127.0.0.1. With `login`, AUTH is required; with `tls`, STARTTLS
    is required first (tls: (certfile, keyfile))."""

    def __init__(self, login: tuple[str, str] | None = None, tls: tuple[Path, Path] | None = None):
        self.handler = _SinkHandler()
        self.login = login
        self.auth_attempts: list[str] = []
        kwargs: dict[str, Any] = {}
        if login:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=bool(tls))
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        self.controller = _PortZeroController(self.handler, hostname="127.0.0.1", port=0, **kwargs)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        self.auth_attempts.append(mechanism)
        return AuthResult(success=ok, handled=False)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, made with the openssl command (EC key: fast)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def channel_env(
    github: GitHubFake | None = None,
    webhook: WebhookReceiver | None = None,
    slack: WebhookReceiver | None = None,
    smtp: SmtpSink | None = None,
) -> dict[str, str]:
    """The environment that points each given channel at its local server (plain SMTP,
    with login when the sink requires it)."""
    env: dict[str, str] = {}
    if github:
        env.update(GITHUB_TOKEN=github.token, GITHUB_REPOSITORY=github.repository, GITHUB_API_URL=github.url)
    if webhook:
        env.update(CAPE_WEBHOOK_URL=webhook.endpoint, CAPE_WEBHOOK_SECRET=webhook.secret)
    if slack:
        env.update(CAPE_SLACK_WEBHOOK_URL=slack.endpoint)
    if smtp:
        env.update(
            CAPE_SMTP_HOST=smtp.host,
            CAPE_SMTP_PORT=str(smtp.port),
            CAPE_SMTP_FROM="alerts@tracker.test",
            CAPE_SMTP_TO="watcher@example.test",
            CAPE_SMTP_STARTTLS="false",
        )
        if smtp.login:
            env.update(CAPE_SMTP_USER=smtp.login[0], CAPE_SMTP_PASSWORD=smtp.login[1])
    return env
