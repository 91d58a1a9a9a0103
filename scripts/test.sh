#!/usr/bin/env bash
# Installs what the tests need (Chromium, poppler, the test packages) and runs the whole
# suite: on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
