#!/usr/bin/env bash
# Installs what the tests need (Chromium, poppler, the test packages) and runs the whole
# suite: on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set. Tests run in
# PYTEST_WORKERS processes (pytest-xdist, default 2, one per core here; 0 runs them in this
# one), each with its own PostgreSQL database (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# Lint and formatting first: a finding fails the run before the suite spends its minutes.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
