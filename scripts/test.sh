#!/usr/bin/env bash
# Installs what the tests need (Chromium, poppler, Redis, the test packages) and runs the whole
# suite: on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set. Tests run in
# PYTEST_WORKERS processes (pytest-xdist, default 2, one per core here; 0 runs them in this
# one), each with its own PostgreSQL database (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# Lint and formatting first: a finding fails the run before the suite spends its minutes.
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# A Redis of the run's own (Debian's redis-server) for the queue, rate-limit and app-server
# tests: a free port, a temporary directory, no persistence, stopped when the run ends. A
# TEST_REDIS_URL given from outside is used instead.
if [[ -z "${TEST_REDIS_URL:-}" ]]; then
  redis_dir=$(mktemp -d)
  redis_port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  /usr/bin/redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" --save "" --appendonly no \
    --logfile "$redis_dir/redis.log" &
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$redis_dir"' EXIT
  export TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  .venv/bin/python -c '
import sys, time, redis
client = redis.Redis.from_url(sys.argv[1])
for _ in range(100):
    try:
        client.ping()
        break
    except redis.ConnectionError:
        time.sleep(0.1)
else:
    sys.exit("redis-server did not start")
' "$TEST_REDIS_URL"
fi
# worksteal: each worker starts on a contiguous half of the tests (a module keeps its module
# fixtures, the app-server pair boots once) and an idle worker takes the other's waiting ones.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist worksteal "$@"
