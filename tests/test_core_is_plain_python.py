"""The domain stands alone: no packing.core module imports Flask, and each one imports
first in a fresh interpreter (no import cycle hidden by the order the app loads them)."""

from __future__ import annotations

import json
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


# One interpreter loads the libraries the domain uses, forgets every packing module, then
# forks a child per core module that imports it first: as fresh as a new interpreter for
# the packing modules (where a cycle would be), without paying for the libraries 40 times.
FIRST_IMPORT_PROBE = """
import importlib, json, os, sys, traceback

names = sys.argv[1:]
for name in names:
    try:
        importlib.import_module("packing.core." + name)
    except Exception:  # the child that imports it first reports it
        pass
for module in [module for module in sys.modules if module == "packing" or module.startswith("packing.")]:
    del sys.modules[module]
failures = {}
for name in names:
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        try:
            importlib.import_module("packing.core." + name)
            message = b""
        except BaseException:
            message = traceback.format_exc().encode()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(message)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(child, 0)
    if message or status:
        failures[name] = message or f"the child exited with status {status}"
print(json.dumps({"imported": names, "failures": failures}))
"""


@pytest.fixture(scope="module")
def first_imports() -> dict:
    """Each core module imported first into packing-free interpreter state (FIRST_IMPORT_PROBE)."""
    result = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORT_PROBE, *(path.stem for path in CORE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.stem)
def test_core_module_imports_first_without_a_cycle(path, first_imports):
    """Imported first, with no other packing module loaded, the module loads: no circular import."""
    assert path.stem in first_imports["imported"]
    assert path.stem not in first_imports["failures"], first_imports["failures"].get(path.stem)


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
