"""Two pickers at once: row locks make exactly one of two concurrent commands win."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import CommandNotAllowed
from packing.core.models import Package, TransitionLog
from packing.extensions import db
from tests import factories

PACK = "package__complete_packaging__waiting__packed-all-items"


def test_two_concurrent_packs_end_in_exactly_one_transition(app, session, backend):
    """Two threads packing one package at the same moment: one succeeds, one is refused, one log."""
    package = factories.package(session, products=[factories.product(session)] * 3)
    session.commit()
    package_id = package.id
    engine = db.engine
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pack() -> None:
        with Session(engine) as own_session:
            barrier.wait()
            try:
                with transaction(own_session):
                    execute_command(own_session, package_id, PACK)
                outcomes.append("packed")
            except CommandNotAllowed:
                outcomes.append("refused")

    threads = [threading.Thread(target=pack) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["packed", "refused"], backend
    session.expire_all()
    logs = session.scalar(select(func.count(TransitionLog.id)).where(TransitionLog.object_id == package_id))
    assert logs == 1
    assert session.get(Package, package_id).version == 2


def test_a_second_try_again_while_the_first_is_uncommitted_is_refused(app, session, backend):
    """Lead A restarts a failed batch; lead B presses Try again before A's transaction
    commits. B waits for A's row and is then refused: the batch is restarted once."""
    from packing.core import print_batches
    from packing.core.errors import InvalidParameter

    store = factories.location(session)
    batch = print_batches.create_print_batch(
        session, store.id, [factories.packed_package(session, at=store).id], "label", None
    )
    batch.status = "failed"
    session.commit()
    batch_id, store_id = batch.id, store.id
    engine = db.engine
    outcomes: list[str] = []

    def lead_b() -> None:
        with Session(engine) as own_session:
            try:
                with transaction(own_session):
                    print_batches.retry_print_batch(own_session, store_id, batch_id)
                outcomes.append("restarted")
            except InvalidParameter:
                outcomes.append("refused")

    with Session(engine) as lead_a, transaction(lead_a):
        print_batches.retry_print_batch(lead_a, store_id, batch_id)
        second = threading.Thread(target=lead_b)
        second.start()
        second.join(timeout=0.5)  # B is now waiting for A's row (or has read too early)
    second.join(timeout=30)

    assert outcomes == ["refused"], backend
