#!/usr/bin/env bash
# Extracts every UI string into packing/translations/messages.pot (or the file given), then
# updates the Turkish catalogue: pybabel update marks new strings, which tests/test_translations.py
# fails on until they have their Turkish. The JavaScript's strings are handed over by the
# templates (templates/_js_messages.html, templates/station/_messages.html), so they come from there.
set -euo pipefail
cd "$(dirname "$0")/.."
pot="${1:-packing/translations/messages.pot}"
keywords=$(.venv/bin/python -c 'from packing.core.messages import EXTRACT_KEYWORDS; print(" ".join("-k " + k for k in EXTRACT_KEYWORDS))')
# shellcheck disable=SC2086
.venv/bin/pybabel -q extract -F babel.cfg --no-default-keywords $keywords --sort-by-file \
  --project "packing station" -o "$pot" .
if [[ -z "${1:-}" ]]; then
  .venv/bin/pybabel -q update -i "$pot" -d packing/translations --no-fuzzy-matching
fi
