"""The command line: parses arguments, calls the library, formats the answer. Nothing else.

Each command group lives in its own module of this package with a `register(subparsers)` function
that adds its parsers and sets `handler`. A handler takes the parsed arguments and returns
the exit code: 0 success, 1 invalid data or a failed integrity check, 2 usage error. A handler
that cannot go on raises a TrackerError (tracker/errors.py); `main` prints it under the one error
prefix, `tracker: error: `, and exits with its `exit_code`. argparse's own usage errors print under
the same prefix and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from tracker import __version__
from tracker.errors import TrackerError

ERROR_PREFIX = "tracker: error: "

COMMAND_MODULES = (
    "tracker.cli.core",
    "tracker.cli.scrape",
    "tracker.cli.site",
    "tracker.cli.alerts",
    "tracker.cli.steer",
    "tracker.cli.run",
)


class Parser(argparse.ArgumentParser):
    """argparse with the tracker's one error prefix (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{ERROR_PREFIX}{message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole parser, assembled from the command modules that are installed."""
    parser = Parser(prog="tracker", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cape-tracker {__version__}")
    parser.add_argument(
        "--root",
        help="project root holding data/ (default: $CAPE_TRACKER_ROOT, else the nearest parent of the "
        "working directory holding data/ and predictions/)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tracker` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except TrackerError as exc:
        print(f"{ERROR_PREFIX}{exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (`tracker ... | head`): not an error
        return 0
    except OSError as exc:  # the file system said no (permissions, a full disk): name the file
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{ERROR_PREFIX}{where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
