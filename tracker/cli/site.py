"""`tracker site build` and `tracker site serve`: the static status site."""

from __future__ import annotations

import argparse
import functools
import http.server
from pathlib import Path

from tracker.cli.common import as_of_from, day, paths_from, port
from tracker.errors import TrackerError, UsageError
from tracker.site.feeds import safe_url


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `site` command group."""
    site = subparsers.add_parser("site", help="build or serve the static status site")
    commands = site.add_subparsers(dest="site_command", metavar="SUBCOMMAND", required=True)
    build = commands.add_parser("build", help="render the site into _site/ (or --out DIR)")
    build.add_argument("--out", type=Path, help="output folder (default: _site/ in the project root)")
    build.add_argument("--as-of", type=day, help="build the site as it stood on this day (YYYY-MM-DD)")
    build.add_argument(
        "--base-url",
        default=None,
        help="public URL of the site, for absolute links (default: [site] url of tracker.toml)",
    )
    build.set_defaults(handler=handle_site_build)
    serve = commands.add_parser("serve", help="serve the built site on 127.0.0.1")
    serve.add_argument("--port", type=port, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--dir", type=Path, help="folder to serve (default: _site/ in the project root)")
    serve.set_defaults(handler=handle_site_serve)


def handle_site_build(args: argparse.Namespace) -> int:
    """Build the site and say where it is."""
    from tracker.site.builder import build_site  # matplotlib: seconds that only this command pays

    base_url = args.base_url
    if base_url and (not safe_url(base_url) or not base_url.endswith("/")):
        raise UsageError("--base-url must be an http(s) URL ending in '/'")
    paths = paths_from(args)
    report = build_site(paths, as_of_from(args), args.out or paths.site_out, base_url=base_url)
    print(f"built {len(report.pages)} pages, {len(report.files)} files into {report.out_dir}")
    print(f"index: {report.index}")
    return 0


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the right content types for the feed, badges, figures and script."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".atom": "application/atom+xml",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".js": "text/javascript",
        ".css": "text/css",
    }


def make_server(directory: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An HTTP server for `directory` bound to `host` (loopback by default)."""
    handler = functools.partial(SiteRequestHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def handle_site_serve(args: argparse.Namespace) -> int:
    """Serve the built site until interrupted."""
    directory = args.dir or paths_from(args).site_out
    if not (directory / "index.html").exists():
        raise TrackerError(f"{directory}: no built site here; run `tracker site build` first")
    server = make_server(directory, args.port)
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    print(f"serving {directory} on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
