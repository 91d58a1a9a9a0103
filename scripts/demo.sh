#!/usr/bin/env bash
# Sets everything up and runs the packing station with demo data at http://127.0.0.1:$PORT
# (8000 unless PORT is set; SQLite in ./instance unless DATABASE_URL is set). Ctrl-C stops it.
#   PORT=8080 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8000}"
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "PORT must be a number from 1 to 65535, not '$port'." >&2
  exit 2
fi
scripts/setup.sh
export FLASK_APP=app.py
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
# Recent gunicorn opens a control socket (~/.gunicorn/gunicorn.ctl) unless told not to: the
# demo needs none, and two demos on one machine would fight over it. Older versions have no
# such socket and no such flag.
gunicorn_flags=()
if .venv/bin/gunicorn --help | grep -q -- "--no-control-socket"; then
  gunicorn_flags+=(--no-control-socket)
fi
echo "Open http://127.0.0.1:$port and sign in with one of the logins above."
# The background worker (label batches, webhook delivery) runs beside the web server.
.venv/bin/flask worker &
worker=$!
trap 'kill "$worker" 2>/dev/null' EXIT
.venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$port" "${gunicorn_flags[@]}" --access-logfile - app:app
