"""Benchmark the OMS package list over a large database: latency (median, p95) at limit 20
and 100, the CPU time of the process per request (median; on a shared machine steadier than
the latency), and the SQL statements each request runs (constant, or it is an N+1).

    python -m bench.dataset --url URL --packages 100000 --at-location 2000
    python -m bench.api_package_list --url URL --requests 200

An admin token without a scope sees all packages; the picker's store token sees BENCH-1's.
Requests go through the whole Flask app (token check, validation, queries, JSON) in process.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import select

from bench.dataset import PICKER
from packing.app import create_app
from packing.config import database_url
from packing.core.api_tokens import create_token
from packing.core.db import transaction
from packing.core.models import Role, User
from packing.core.queries import counting_statements
from packing.core.users import create_user
from packing.extensions import db

BENCH_ADMIN = "bench-api-admin"
CASES = [
    ("full list, all 100k, limit 20", "admin", "/api/v1/oms/packages/?limit=20"),
    ("full list, all 100k, limit 100", "admin", "/api/v1/oms/packages/?limit=100"),
    ("full list, state__enum_value=100, limit 20", "admin", "/api/v1/oms/packages/?limit=20&state__enum_value=100"),
    ("full list, page 200, limit 20", "admin", "/api/v1/oms/packages/?limit=20&page=200"),
    ("full list, one store's token, limit 20", "store", "/api/v1/oms/packages/?limit=20"),
    ("short list, all 100k, limit 20", "admin", "/api/v1/oms/packages/short/?limit=20"),
    ("short list, all 100k, limit 100", "admin", "/api/v1/oms/packages/short/?limit=100"),
]


def _keys(app) -> dict[str, str]:
    with app.app_context(), transaction(db.session):
        admin = db.session.scalar(select(User).where(User.username == BENCH_ADMIN))
        if admin is None:
            admin = create_user(db.session, BENCH_ADMIN, "bench-api-admin-password", Role.ADMIN)
        picker = db.session.scalar(select(User).where(User.username == PICKER))
        return {
            "admin": create_token(db.session, admin, name="bench").key,
            "store": create_token(db.session, picker, name="bench").key,
        }


def measure(app, key: str, url: str, requests: int) -> dict:
    client = app.test_client()
    headers = {"Authorization": f"Token {key}"}
    statements: list[int] = []
    with app.app_context():
        engine = db.engine
    client.get(url, headers=headers)  # warm caches and record the token's first use
    timings, cpu = [], []
    for _ in range(requests):
        with counting_statements(engine) as counter:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.text[:300]
        statements.append(counter[0])
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "cpu_ms": round(statistics.median(cpu), 2),
        "statements": sorted(set(statements)),
        "results": len(response.json["results"]),
        "count": response.json["count"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    # The rate limit (20 a second) would refuse a fast run: the bench measures the work, not the limit.
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(args.url),
            "SECRET_KEY": "bench",
            "API_RATE_LIMIT": "1000000 per second",
        }
    )
    keys = _keys(app)
    print(f"{'case':<46} {'median':>8} {'p95':>8} {'CPU':>9} {'stmts':>7} {'rows':>5} {'count':>7}")
    for name, who, url in CASES:
        figures = measure(app, keys[who], url, args.requests)
        print(
            f"{name:<46} {figures['median_ms']:>6} ms {figures['p95_ms']:>5} ms {figures['cpu_ms']:>6} ms "
            f"{','.join(map(str, figures['statements'])):>7} {figures['results']:>5} {figures['count']:>7}"
        )


if __name__ == "__main__":
    main()
