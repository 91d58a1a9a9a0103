"""``flask backup`` while pickers scan, and ``flask restore`` into a fresh database."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from packing.app import create_app
from packing.core import labels, scanning
from packing.core.db import transaction
from packing.core.models import Package, Scan, TransitionLog
from packing.extensions import db
from tests import factories
from tests.conftest import postgres_url

PREPARE = "package__prepare_package_command__waiting__preparing"
PACK = "package__complete_packaging__preparing__packed-all-items"
PICKERS, PACKAGES_EACH, UNITS = 2, 6, 3


def _fresh_database(backend, tmp_path):
    """An empty database of the same kind, and how to drop it afterwards."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}", lambda: None
    url = make_url(postgres_url())
    fresh = url.set(database=f"{url.database}_restore")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}"'))
        connection.execute(text(f'CREATE DATABASE "{fresh.database}"'))

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
        server.dispose()

    return fresh.render_as_string(hide_password=False), drop


def test_a_backup_during_a_scan_burst_restores_every_acknowledged_scan_and_transition(
    app, session, backend, tmp_path, monkeypatch
):
    """Two pickers scan and pack while ``flask backup`` runs; the backup, restored into a
    fresh database, holds every scan and pack acknowledged (committed) before it began, and
    nothing half-done: each restored pack's package has all its scans."""
    # Labels are not what a backup is about; rendering them would only slow the burst.
    monkeypatch.setattr(labels, "render_pending_label", lambda session, package_id: None)
    store = factories.location(session)
    picker = factories.user(session, locations=[store])
    shirt = factories.product(session)
    packages = [factories.package(session, at=store, products=[shirt] * UNITS) for _ in range(PICKERS * PACKAGES_EACH)]
    for package in packages:
        scanning.run_station_command(session, package.id, PREPARE, {}, picker)
    session.commit()
    package_ids, picker_id, barcode, engine = [package.id for package in packages], picker.id, shirt.barcode, db.engine
    acknowledged: list[tuple[str, object]] = []
    halfway = threading.Event()

    def pick(my_packages: list[int]) -> None:
        with Session(engine) as own:
            user = own.get(type(picker), picker_id)
            for package_id in my_packages:
                for unit in range(UNITS):
                    scan_id = f"{package_id}-{unit}"
                    with transaction(own):
                        scanning.record_scan(own, package_id, barcode, scan_id, user)
                    acknowledged.append(("scan", scan_id))
                with transaction(own):
                    scanning.run_station_command(own, package_id, PACK, {}, user)
                acknowledged.append(("pack", package_id))
                if len(acknowledged) >= PICKERS * PACKAGES_EACH * (UNITS + 1) // 3:
                    halfway.set()

    halves = [package_ids[i::PICKERS] for i in range(PICKERS)]
    threads = [threading.Thread(target=pick, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    assert halfway.wait(120)
    before_backup = list(acknowledged)
    backup_file = tmp_path / "packing.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    for thread in threads:
        thread.join(timeout=120)
    assert result.exit_code == 0, result.output
    assert len(acknowledged) == PICKERS * PACKAGES_EACH * (UNITS + 1)

    fresh_url, drop = _fresh_database(backend, tmp_path)
    try:
        restored_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_url})
        # The CLI runs in the current app's context, so the fresh app's must be the current one.
        with restored_app.app_context():
            restored = restored_app.test_cli_runner().invoke(args=["restore", "--yes", str(backup_file)])
            assert restored.exit_code == 0, restored.output
            scans = set(db.session.scalars(select(Scan.client_scan_id)))
            packed = set(
                db.session.scalars(select(TransitionLog.object_id).where(TransitionLog.transition.has(slug=PACK)))
            )
            packed_states = {package.id: package.state.enum_value for package in db.session.scalars(select(Package))}
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()

    assert {scan_id for kind, scan_id in before_backup if kind == "scan"} <= scans
    assert {package_id for kind, package_id in before_backup if kind == "pack"} <= packed
    for package_id in packed:
        assert {f"{package_id}-{unit}" for unit in range(UNITS)} <= scans
        assert packed_states[package_id] == "500"


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    """An existing target is left alone: backup fails and says so."""
    target = tmp_path / "old.backup"
    target.write_bytes(b"yesterday")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists" in result.output
    assert target.read_bytes() == b"yesterday"
