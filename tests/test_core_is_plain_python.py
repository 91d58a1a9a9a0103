"""The domain stands alone: no packing.core module imports Flask, and each one imports
first in a fresh interpreter (no import cycle hidden by the order the app loads them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "packing" / "core").glob("*.py"))
FLASK_IMPORT = re.compile(r"^\s*(from|import)\s+(flask|flask_\w+)\b", re.MULTILINE)


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.stem)
def test_core_module_has_no_flask_import(path):
    """The domain module's source imports no Flask or Flask extension."""
    assert not FLASK_IMPORT.search(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.stem)
def test_core_module_imports_first_without_a_cycle(path):
    """Imported first in a fresh interpreter, the module loads: no circular import."""
    result = subprocess.run(
        [sys.executable, "-c", f"import packing.core.{path.stem}"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_importing_the_whole_core_loads_no_flask():
    """Every packing.core module imported together in a fresh interpreter leaves Flask and its
    extensions out of sys.modules: the domain runs without the web framework, not only reads so.
    (Jinja renders the documents and Werkzeug hashes passwords: libraries, not the framework.)"""
    modules = "; ".join(f"import packing.core.{path.stem}" for path in CORE)
    probe = (
        f"import sys; {modules}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'flask' or m.startswith('flask_')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
