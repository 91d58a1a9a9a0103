#!/usr/bin/env bash
# Sets everything up and runs the packing station with demo data at http://127.0.0.1:8000
# (SQLite in ./instance unless DATABASE_URL is set). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=app.py
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
echo "Open http://127.0.0.1:8000 and sign in with one of the logins above."
# The background worker (label batches, webhook delivery) runs beside the web server.
.venv/bin/flask worker &
worker=$!
trap 'kill "$worker" 2>/dev/null' EXIT
.venv/bin/gunicorn --workers 2 --bind 127.0.0.1:8000 --access-logfile - app:app
