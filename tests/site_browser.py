"""A small Chrome DevTools Protocol client for the site's end-to-end test.

It starts Debian's chromium headless with a fresh profile and a debugging port chosen by the
browser (`--remote-debugging-port=0`, read back from DevToolsActivePort), talks to the page
over a websocket, and records what a reader would see go wrong: console errors, uncaught
exceptions, failed or refused loads, and every URL the page requested.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket
from PIL import Image

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def serve(directory: Path):
    """Serve `directory` on 127.0.0.1 on a free port with the project's own handler; yield the base URL."""
    from tracker.cli.site import make_server

    server = make_server(directory, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageReport:
    """What happened while one page loaded."""

    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    """One headless chromium with one page, driven over the DevTools protocol."""

    def __init__(self, executable: str, timeout: float = 20.0):
        self.timeout = timeout
        self.profile = Path(tempfile.mkdtemp(prefix="cape-chromium-"))
        self.process = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0
        self.events: list[dict] = []
        try:
            self.socket = websocket.create_connection(
                self._page_socket_url(), timeout=timeout, suppress_origin=True
            )
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    def _page_socket_url(self) -> str:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its debugging port")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as answer:
            targets = json.load(answer)
        return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")

    def call(self, method: str, **params: Any) -> dict:
        """Send one command and wait for its answer; events that arrive meanwhile are kept."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str) -> dict:
        """Wait for the next event named `method`."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    return self.events.pop(index)
            message = json.loads(self.socket.recv())
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(f"no {method} within {self.timeout}s")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-serialisable values only)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def load(self, url: str) -> PageReport:
        """Navigate to `url`, wait for its load event, and report its errors and requests."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)))")
        return self._report(url)

    def _report(self, url: str) -> PageReport:
        report = PageReport(url)
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Network.requestWillBeSent":
                report.requests.append(params["request"]["url"])
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                report.errors.append(f"HTTP {params['response']['status']} {params['response']['url']}")
            elif method == "Network.loadingFailed":
                report.errors.append(
                    f"load failed: {params.get('errorText')} {params.get('blockedReason', '')}"
                )
            elif method == "Runtime.exceptionThrown":
                report.errors.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert", "warning"):
                report.errors.append(f"console.{params['type']}: {[a.get('value') for a in params['args']]}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                report.errors.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return report

    def set_viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Emulate a screen of `width` x `height` CSS pixels."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def type_into(self, element_id: str, text: str) -> None:
        """Replace an input's value the way a reader does: focus, select all, type."""
        self.evaluate(
            f"(e => {{ e.focus(); e.select(); }})(document.getElementById({json.dumps(element_id)}))"
        )
        if text:
            self.call("Input.insertText", text=text)
        else:
            self.call(
                "Input.dispatchKeyEvent",
                type="keyDown",
                key="Backspace",
                code="Backspace",
                windowsVirtualKeyCode=8,
            )
            self.call(
                "Input.dispatchKeyEvent",
                type="keyUp",
                key="Backspace",
                code="Backspace",
                windowsVirtualKeyCode=8,
            )

    def screenshot(self, path: Path) -> bytes:
        """A PNG of the whole page (not only the viewport), written to `path`."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        data = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )
        png = base64.b64decode(data["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return png

    def close(self) -> None:
        """Close the socket, end chromium (only the process this object started) and drop the profile."""
        sock = getattr(self, "socket", None)
        if sock is not None:
            sock.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


@contextmanager
def browser(executable: str):
    """A Browser that is always closed."""
    instance = Browser(executable)
    try:
        yield instance
    finally:
        instance.close()


DOC_SHOTS = (("index.html", "index"), ("predictions/P1.html", "P1"))
DOC_WIDTHS = ((1280, 900), (390, 844))


def small_png(png: bytes) -> bytes:
    """The screenshot with its colours reduced to a 64-colour palette (a fraction of the bytes)."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str]) -> int:
    """`python tests/site_browser.py SITE_DIR OUT_DIR`: the README's screenshots of a built site
    (index and P1, 1280 and 390 px wide) as docs/screenshot-<page>-<width>.png."""
    if len(argv) != 2 or find_chromium() is None:
        print("usage: python tests/site_browser.py SITE_DIR OUT_DIR  (needs chromium)")
        return 2
    errors = []
    with serve(Path(argv[0])) as base, browser(find_chromium()) as chrome:
        for page, name in DOC_SHOTS:
            for width, height in DOC_WIDTHS:
                chrome.set_viewport(width, height, mobile=width < 500)
                errors += chrome.load(base + page).errors
                target = Path(argv[1]) / f"screenshot-{name}-{width}.png"
                target.write_bytes(small_png(chrome.screenshot(target)))
                print(f"wrote {target}")
    print("\n".join(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main(sys.argv[1:]))
