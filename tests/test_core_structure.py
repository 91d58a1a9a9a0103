"""The domain's shape: only packing.core.db commits, and core's modules import one another
without a cycle (counting imports inside functions, which a cycle hides behind)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "packing" / "core"
PACKAGE = "packing.core"
# session.commit(), a ``with session.begin():`` block (commits on leaving it) and
# packing.core.db.transaction: each ends a transaction for good.
COMMITTING_METHODS = ("commit", "begin")
COMMITTING_FUNCTIONS = ("transaction",)


def core_sources() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(CORE.glob("*.py"))}


def commit_calls(tree: ast.Module) -> list[int]:
    """Lines that commit: ``<anything>.commit()`` or ``.begin()``, or ``transaction(...)``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if (isinstance(function, ast.Attribute) and function.attr in COMMITTING_METHODS + COMMITTING_FUNCTIONS) or (
            isinstance(function, ast.Name) and function.id in COMMITTING_FUNCTIONS
        ):
            lines.append(node.lineno)
    return lines


def imported_core_modules(tree: ast.Module, modules: set[str]) -> set[str]:
    """The core modules ``tree`` imports, at its top or inside any function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[2] for alias in node.names if alias.name.startswith(PACKAGE + "."))
    return found & modules


def import_graph(sources: dict[str, ast.Module]) -> dict[str, set[str]]:
    modules = set(sources)
    return {name: imported_core_modules(tree, modules) - {name} for name, tree in sources.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as the modules along it (first repeated last), or []."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return []
        for child in sorted(graph[node]):
            cycle = visit(child, path + [node])
            if cycle:
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return []


def test_only_db_commits():
    """No module of packing.core but db.py commits, by .commit(), .begin() or
    ``transaction()``: the caller (a view, a job, the CLI) commits through
    packing.core.db.transaction, so a domain function never ends its caller's transaction."""
    committing = {
        name: lines for name, tree in core_sources().items() if name != "db" and (lines := commit_calls(tree))
    }
    assert committing == {}


def test_the_commit_scan_sees_a_commit():
    """The scan finds a commit however it is spelled, inside a function or a method."""
    source = (
        "def f(s):\n    s.commit()\n"
        "class C:\n    def g(self):\n        self.session.commit()\n"
        "def h(s):\n    with transaction(s):\n        pass\n"
        "def i(s):\n    with db.transaction(s), s.begin():\n        pass\n"
    )
    assert commit_calls(ast.parse(source)) == [2, 5, 7, 10, 10]
    assert commit_calls(ast.parse("def f(s):\n    s.flush()\n    s.rollback()\n")) == []


def test_core_imports_form_no_cycle():
    """packing.core's module import graph, function-level imports included, is acyclic."""
    assert find_cycle(import_graph(core_sources())) == []


def test_the_import_graph_counts_imports_inside_functions_and_finds_a_cycle():
    """A cycle closed only by an import inside a function is a cycle all the same."""
    sources = {
        "a": ast.parse("from packing.core import b\n"),
        "b": ast.parse("from packing.core.c import thing\n"),
        "c": ast.parse("def late():\n    import packing.core.a\n"),
        "d": ast.parse("from packing.core import a, errors\n"),
    }
    graph = import_graph(sources)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "d": {"a", "b"}}) == []
