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
