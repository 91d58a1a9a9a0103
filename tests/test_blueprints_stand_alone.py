"""Each blueprint stands on core and the shared web layer, never on another blueprint: a
rule two screens need lives in packing/core (or packing/web.py), not in one of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKING = Path(__file__).resolve().parent.parent / "packing"


def _creates_a_blueprint(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
        for node in ast.walk(tree)
    )


def _modules(package: Path) -> dict[Path, ast.AST]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(package.rglob("*.py"))}


def _blueprints() -> dict[str, dict[Path, ast.AST]]:
    """Each package of packing that creates a Blueprint, with its modules parsed."""
    found = {}
    for package in sorted(PACKING.iterdir()):
        if (package / "__init__.py").is_file():
            modules = _modules(package)
            if any(_creates_a_blueprint(tree) for tree in modules.values()):
                found[package.name] = modules
    return found


BLUEPRINTS = _blueprints()


def _imported(path: Path, tree: ast.AST) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, relative ones resolved."""
    package = ["packing", *path.relative_to(PACKING).parent.parts]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_screens_are_found():
    """The check below looks at every screen's blueprint (a new one is picked up by itself)."""
    assert {"station", "queue", "dashboard", "webhooks", "tokens", "auth"} <= BLUEPRINTS.keys()


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_a_blueprint_imports_no_other_blueprint(name):
    """No module of this blueprint's package imports another blueprint's package."""
    others = BLUEPRINTS.keys() - {name}
    crossings = sorted(
        f"{path.relative_to(PACKING.parent)} imports {module}"
        for path, tree in BLUEPRINTS[name].items()
        for module in _imported(path, tree)
        if module.split(".")[0] == "packing" and module.split(".")[1:2] and module.split(".")[1] in others
    )
    assert crossings == []
