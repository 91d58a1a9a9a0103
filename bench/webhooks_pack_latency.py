"""Pack latency with five slow webhook subscribers (each answers after 2 s) against none.

    python -m bench.webhooks_pack_latency --url sqlite:////tmp/bench-webhooks.db
    python -m bench.webhooks_pack_latency --url postgresql://postgres@127.0.0.1:5432/bench

Builds the benchmark database (``bench.dataset``), starts five HTTP subscribers on 127.0.0.1
that sleep 2 s before answering, and a real ``flask worker`` delivering to them from a SQLite
Huey queue. Then it packs waiting packages the way a request does (a fresh app context and
session, ``execute_command`` in one transaction, delivery handed to the queue after commit),
alternating rounds with the five subscriptions active and inactive so that load from other
processes falls on both alike. It prints the latency figures of each and their ratio.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 5
SUBSCRIBER_DELAY_SECONDS = 2.0
PACK = "package__complete_packaging__waiting__packed-all-items"
WARM_UP = 10


class SlowSubscriber(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(SUBSCRIBER_DELAY_SECONDS)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_subscribers() -> list[ThreadingHTTPServer]:
    servers = []
    for _ in range(SUBSCRIBERS):
        server = ThreadingHTTPServer(("127.0.0.1", 0), SlowSubscriber)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (created and migrated)")
    parser.add_argument("--packages", type=int, default=20_000, help="packages in the database")
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--per-round", type=int, default=5, help="packs per round and setting")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    os.environ.update(
        {
            "DATABASE_URL": args.url,
            "HUEY_SQLITE_PATH": str(work / "huey.db"),
            "PACKING_INSTANCE_DIR": str(work),
            "HUEY_IMMEDIATE": "0",
        }
    )
    from bench.dataset import PICKER_LOCATION, build, migrate

    packs_needed = 2 * args.rounds * args.per_round
    migrate(args.url)
    built = build(args.url, args.packages, packs_needed + 50)
    print(f"dataset: {built}")

    from sqlalchemy import func, select

    from packing.app import create_app
    from packing.core import webhooks
    from packing.core.commands import execute_command
    from packing.core.db import transaction
    from packing.core.events import EVENT_TYPES
    from packing.core.models import Package, StockLocation, User, WebhookEvent
    from packing.extensions import db

    app = create_app()
    subscribers = start_subscribers()
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--workers", "4"],
        cwd=ROOT,
        env={**os.environ, "FLASK_APP": "app.py"},
        start_new_session=True,
    )
    try:
        with app.app_context():
            with transaction(db.session):
                hooks = [
                    webhooks.create_webhook(
                        db.session,
                        f"http://127.0.0.1:{server.server_port}/hook",
                        EVENT_TYPES,
                        "bench-secret",
                        timeout_seconds=10,
                        is_active=False,
                    ).id
                    for server in subscribers
                ]
            picker_id = built["picker_id"]
            waiting = list(
                db.session.scalars(
                    select(Package.id)
                    .join(StockLocation)
                    .where(StockLocation.erp_code == PICKER_LOCATION, Package.state.has(enum_value="100"))
                    .order_by(Package.id)
                    .limit(packs_needed + WARM_UP)
                )
            )
            db.session.remove()

        def set_active(active: bool) -> None:
            with app.app_context(), transaction(db.session):
                for hook_id in hooks:
                    webhooks.update_webhook(db.session, hook_id, is_active=active)

        def pack(package_id: int) -> tuple[float, float]:
            """Wall time, and this thread's CPU time (which other processes' load leaves alone)."""
            started, started_cpu = time.perf_counter(), time.thread_time()
            with app.app_context(), transaction(db.session):
                execute_command(db.session, package_id, PACK, user=db.session.get(User, picker_id))
            return time.perf_counter() - started, time.thread_time() - started_cpu

        def count_events(*conditions) -> int:
            with app.app_context():
                return db.session.scalar(select(func.count(WebhookEvent.id)).where(*conditions))

        # Warm caches and connections (not counted), and wait until the worker has delivered
        # one event: from then on it is busy with the slow subscribers while we measure.
        set_active(True)
        for package_id in waiting[:WARM_UP]:
            pack(package_id)
        deadline = time.monotonic() + 60
        while count_events(WebhookEvent.status == "delivered") == 0:
            if time.monotonic() > deadline:
                raise SystemExit("the worker delivered nothing within 60 s")
            time.sleep(0.2)
        remaining = iter(waiting[WARM_UP:])
        samples: dict[str, list[tuple[float, float]]] = {"none": [], "five_slow": []}
        for _ in range(args.rounds):
            for setting, active in (("none", False), ("five_slow", True)):
                set_active(active)
                for _ in range(args.per_round):
                    samples[setting].append(pack(next(remaining)))
        set_active(False)
        written = count_events()
        attempted = count_events(WebhookEvent.retry_count > 0) + count_events(WebhookEvent.status == "delivered")
        delivered = count_events(WebhookEvent.status == "delivered")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        for server in subscribers:
            server.shutdown()

    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    for index, clock in ((0, "wall"), (1, "cpu")):
        none = figures([sample[index] for sample in samples["none"]])
        slow = figures([sample[index] for sample in samples["five_slow"]])
        print(f"{clock} pack, no subscribers:           {none}")
        print(f"{clock} pack, 5 subscribers (2 s each): {slow}")
        print(
            f"{clock} median ratio: {slow['median_ms'] / none['median_ms']:.3f}   mean ratio: {slow['mean_ms'] / none['mean_ms']:.3f}"
        )
    print(f"webhook events written: {written}; delivered while we measured: {delivered} (attempted {attempted})")


if __name__ == "__main__":
    main()
