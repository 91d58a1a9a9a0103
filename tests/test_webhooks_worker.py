"""A real ``flask worker`` (Huey consumer, on a SQLite or a Redis queue) delivering webhooks,
killed mid-delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from packing.core import webhooks
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.events import PACKED
from packing.core.models import WebhookEvent
from tests import factories
from tests.webhooks_support import RECEIVER_HOSTS, SECRET

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    """``flask worker`` in its own process group, reading the queue at ``queue_path``, or in
    Redis when ``redis_url`` is given; ``settings`` are more environment variables for it."""

    def __init__(
        self,
        database_url: str,
        queue_path: Path,
        log_path: Path,
        redis_url: str | None = None,
        settings: dict[str, str] | None = None,
    ):
        env = {
            **{name: value for name, value in os.environ.items() if name != "REDIS_URL"},
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **(settings or {}),
            "FLASK_APP": "app.py",
            "PACKING_ENV": "development",
            "DATABASE_URL": database_url,
            "HUEY_SQLITE_PATH": str(queue_path),
            "HUEY_IMMEDIATE": "0",
            "PACKING_INSTANCE_DIR": str(queue_path.parent),
            "WEBHOOK_ALLOWED_HOSTS": ",".join(RECEIVER_HOSTS),
        }
        self._log = open(log_path, "ab")  # noqa: SIM115 - the worker writes to it until kill() closes it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


def _event(session) -> WebhookEvent:
    session.expire_all()
    return session.scalars(select(WebhookEvent)).one()


# The worker-kill test's lease: the subscription's 2 s timeout plus 1 s, not the default 5 s
# margin, which would leave the restarted worker idle for seconds.
SHORT_LEASE = {"WEBHOOK_LEASE_MARGIN_SECONDS": "1"}


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("queue_backend", ["sqlite", "redis"])
def test_a_worker_killed_mid_delivery_leaves_the_event_pending_and_a_restart_delivers_it(
    app, session, receiver, tmp_path, queue_backend, request
):
    """The worker's poll finds the packed event and POSTs it; the worker is SIGKILLed while the
    subscriber holds the request: the event is still pending (the cut-short attempt is on
    record), and a freshly started worker delivers it once its lease runs out; the subscriber
    gets exactly one answered delivery."""
    with transaction(session):
        webhooks.create_webhook(
            session, receiver.url, [PACKED], SECRET, timeout_seconds=2, allowed_hosts=RECEIVER_HOSTS
        )
    package = factories.package(session)
    session.commit()
    receiver.hang = threading.Event()
    redis_url = request.getfixturevalue("redis_url") if queue_backend == "redis" else None
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path / "worker.log"
    queue = tmp_path / "huey.db"
    worker = Worker(database_url, queue, log, redis_url, SHORT_LEASE)
    try:
        with transaction(session):
            execute_command(session, package.id, "package__complete_packaging__waiting__packed-all-items")
        assert receiver.request_arrived.wait(60), log.read_text()
    finally:
        worker.kill()

    cut_short = _event(session)
    assert cut_short.status == "pending"
    assert (len(cut_short.request_datetimes), cut_short.response_http_status, cut_short.retry_count) == (1, None, 0)

    held, receiver.hang = receiver.hang, None
    held.set()
    restarted = Worker(database_url, queue, log, redis_url, SHORT_LEASE)
    try:
        _wait_for(lambda: _event(session).status == "delivered", 60, "the restarted worker to deliver")
    finally:
        restarted.kill()

    delivered = _event(session)
    assert delivered.response_http_status == 200 and len(delivered.request_datetimes) == 2
    assert [request.event_uuid for request in receiver.delivered] == [delivered.uuid.replace("-", "")]
    assert receiver.delivered[0].signature_valid
