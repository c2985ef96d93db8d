"""The public surface: every command documented, handlers named one way, parsers of one shape."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import tracker.scrapers
from tracker.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (command path, parser) below `parser`, groups included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


def _leaves() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    commands = list(_commands(build_parser()))
    groups = {path[:-1] for path, _ in commands}
    return [(path, sub) for path, sub in commands if path not in groups]


def test_every_subcommand_is_documented_in_the_readme() -> None:
    leaves = _leaves()
    assert len(leaves) >= 20
    undocumented = [" ".join(path) for path, _ in leaves if f"tracker {' '.join(path)}" not in README]
    grouped = [p for p in undocumented if not _documented_as_alternative(p.split())]
    assert grouped == []


def _documented_as_alternative(path: list[str]) -> bool:
    """`tracker predictions verify | list | amend`: one README line lists a group's actions."""
    for line in README.splitlines():
        if f"tracker {path[0]} " in line and f" {path[-1]}" in line.split(f"tracker {path[0]} ", 1)[1]:
            return True
    return False


def test_every_handler_is_named_handle_and_its_command() -> None:
    for path, sub in _leaves():
        handler = sub.get_default("handler")
        assert handler is not None, path
        assert handler.__module__.startswith("tracker.cli."), path
        assert handler.__name__.startswith("handle_" + path[0].replace("-", "_")), (path, handler.__name__)


def test_every_source_parser_takes_bytes_and_a_keyword_retrieval_instant() -> None:
    parsers = []
    for info in pkgutil.iter_modules(tracker.scrapers.__path__):
        module = importlib.import_module(f"tracker.scrapers.{info.name}")
        if callable(getattr(module, "parse", None)) and getattr(module, "SOURCE", None):
            parsers.append(module.parse)
    assert len(parsers) >= 5
    for parse in parsers:
        params = list(inspect.signature(parse).parameters.values())
        assert params[0].name == "data" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, parse
        assert params[0].annotation in ("bytes", bytes), parse
        keyword = {p.name: p for p in params[1:]}
        assert keyword["retrieved_at"].kind is inspect.Parameter.KEYWORD_ONLY, parse
        others = [p for p in params[1:] if p.name != "retrieved_at"]
        assert all(p.default is not inspect.Parameter.empty for p in others), parse
