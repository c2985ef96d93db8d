"""Imports point one way: no cycle among the project's modules, imports inside functions counted.

An import inside a function hides a cycle from Python (it runs later) but not from a reader, so
the graph below reads every import statement of every module at any depth. Only imports under
`if TYPE_CHECKING:` are left out: they never run. The few imports that stay inside a function
(an optional extra such as torch, a command line that starts fast) say why in a comment.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"
NAMES = {
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found += [n for branch in node.orelse for n in _runtime_imports(ast.Module([branch], []))]
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        found += _runtime_imports(node)
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules one import statement loads (a `from package import module` names it)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in NAMES}
    assert node.level == 0, f"{module}: relative import"  # the project imports absolutely
    base = node.module or ""
    found = {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in NAMES}
    if base in NAMES and len(found) < len(node.names):
        found.add(base)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for module, path in NAMES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = {t for node in _runtime_imports(tree) for t in _targets(module, node)} - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _imports_inside_functions(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    return [
        node
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_every_import_inside_a_function_says_why_in_a_comment() -> None:
    silent = []
    for module, path in NAMES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in _imports_inside_functions(ast.parse("\n".join(lines))):
            if "#" not in lines[node.lineno - 1] and "#" not in lines[node.lineno - 2]:
                silent.append(f"{module}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert silent == []


def test_the_project_has_no_import_cycle_counting_imports_inside_functions() -> None:
    graph = import_graph()
    assert len(graph) > 80 and sum(len(t) for t in graph.values()) > 150
    assert cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set(), "c": {"d"}, "d": {"c"}}, [["c", "d"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_the_cycle_finder_finds_exactly_the_cycles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(graph) == expected


def test_an_import_inside_a_function_is_an_edge_and_a_type_checking_import_is_not() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from tracker.paths import Paths\n"
        "def f():\n    from tracker.store import append_events\n"
    )
    targets = {t for node in _runtime_imports(tree) for t in _targets("tracker.merge", node)}
    assert targets == {"tracker.store"}
