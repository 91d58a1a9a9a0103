"""Background work on Huey: SQLite storage by default, Redis when ``REDIS_URL`` is set,
immediate (in-process, synchronous) mode in tests.

Tasks are declared with ``@job`` so they run inside an application context. Enqueue a task
only after the transaction it depends on has committed: the worker reads the database
through its own connection.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Optional

import click
from flask import Flask
from flask.cli import with_appcontext
from huey import Huey, RedisHuey, SqliteHuey

from packing.config import INSTANCE_DIR

_app: Optional[Flask] = None
_worker_services: list[Callable[[], None]] = []


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("packing", url=redis_url)
    path = os.environ.get("HUEY_SQLITE_PATH", str(INSTANCE_DIR / "huey.db"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey("packing", filename=path)


huey = _make_huey()


def job(**task_options) -> Callable:
    """``huey.task`` that runs the function inside the app's context."""

    def decorator(function: Callable) -> Callable:
        @functools.wraps(function)
        def in_app_context(*args, **kwargs):
            if _app is None:
                raise RuntimeError("packing.jobs.init_app(app) has not run in this process")
            with _app.app_context():
                return function(*args, **kwargs)

        return huey.task(**task_options)(in_app_context)

    return decorator


def worker_service(start: Callable[[], None]) -> Callable[[], None]:
    """Run ``start`` when ``flask worker`` starts, before it consumes tasks: for a process-wide
    service such as the webhook outbox poll. Consumers that tests run in-process do not start
    these, so no poller outlives the test that made it."""
    _worker_services.append(start)
    return start


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background worker (label batches, webhook delivery)."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, check_worker_health=True)
    for start in _worker_services:
        start()
    consumer.run()


def init_app(app: Flask) -> None:
    global _app
    _app = app
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    app.cli.add_command(worker_command)
