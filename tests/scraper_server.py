"""A real HTTP server on 127.0.0.1 for the scraper tests, with scripted answers and faults.

Each path (or "path?query") has a queue of answers; the last one repeats. An answer is a dict:
{"status": 200, "body": b"...", "headers": {...}} plus optional "hang" (seconds to sleep
before answering) or "truncate" (send only this many bytes of the body, then close).
Every request is recorded (path, query, headers) for assertions.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class ScriptedServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[dict]] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, path: str, *answers: dict) -> None:
        with self.lock:
            self.routes[path] = list(answers)

    def next_answer(self, path: str, query: str = "") -> dict:
        """The next scripted answer for `path?query` if scripted, else for `path`."""
        with self.lock:
            queue = self.routes.get(f"{path}?{query}") or self.routes.get(path)
            if not queue:
                return {"status": 404, "body": b"not found"}
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            with server.lock:
                server.requests.append(
                    {"path": parts.path, "query": parts.query, "headers": dict(self.headers)}
                )
            answer = server.next_answer(parts.path, parts.query)
            if answer.get("hang"):
                time.sleep(answer["hang"])
            body = answer.get("body", b"")
            if answer.get("etag") and self.headers.get("If-None-Match") == answer["etag"]:
                self.send_response(304)
                self.send_header("ETag", answer["etag"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(answer.get("status", 200))
            headers = {"Content-Length": str(len(body)), **answer.get("headers", {})}
            if answer.get("etag"):
                headers["ETag"] = answer["etag"]
            for key, value in headers.items():
                self.send_header(key, value.replace("{base}", server.base))
            self.end_headers()
            sent = body[: answer["truncate"]] if "truncate" in answer else body
            try:
                self.wfile.write(sent)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            if "truncate" in answer:
                self.close_connection = True

    return Handler


def free_port() -> int:
    """A port of 127.0.0.1 that is free now (for servers that must keep one URL across runs)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scripted_server(port: int = 0) -> Iterator[ScriptedServer]:
    """Start a ScriptedServer on 127.0.0.1 (a free port unless `port` is given); stop it afterwards.

    Give the same `port` to servers that stand for one source over several runs: a cached
    response's validators are only sent back to the URL they came from."""
    server = ScriptedServer()
    server.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(server))
    server.httpd.daemon_threads = True
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
