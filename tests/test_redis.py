"""The job queue on SQLite or on Redis (which several app servers share): a pack enqueues
its label and a worker renders it. Sign-in throttling on Redis is in
test_security_sign_in.py; two real servers sharing Redis in test_app_servers.py."""

from __future__ import annotations

import time

import pytest
from huey.storage import RedisStorage, SqliteStorage

from packing.core import labels
from packing.core.models import ShippingLabel
from packing.jobs import huey
from tests import factories


@pytest.fixture(params=["sqlite", "redis"])
def queue_worker(request, app, tmp_path):
    """A Huey consumer thread reading the queue from SQLite or Redis, instead of the tests'
    immediate mode; what the test enqueues goes through that storage."""
    if request.param == "redis":
        storage = RedisStorage(huey.name, url=request.getfixturevalue("redis_url"))
    else:
        storage = SqliteStorage(huey.name, filename=str(tmp_path / "queue.db"))
    kept = huey.storage
    huey.immediate = False
    huey.storage = storage
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    yield consumer
    consumer.stop(graceful=True)
    huey.storage = kept
    huey.immediate = True


def test_a_pack_queues_its_label_and_a_worker_renders_it(app, session, queue_worker, monkeypatch):
    """Packing enqueues the label (after the commit) on the shared queue; the worker thread
    takes it from there and stores the rendered label."""
    monkeypatch.setattr(labels, "render_label_pdf", lambda package, printed_at=None: b"%PDF-1.7 label")
    package = factories.packed_package(session)
    session.commit()
    package_id = package.id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        session.expire_all()
        if session.query(ShippingLabel).filter_by(package_id=package_id).count():
            break
        time.sleep(0.2)
    assert session.query(ShippingLabel).filter_by(package_id=package_id).one().pdf == b"%PDF-1.7 label"
