"""Migrations: `flask db upgrade` from an empty database builds exactly the models' schema."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from packing.app import create_app
from packing.config import database_url
from packing.core import scanning
from packing.core.catalogue import seed_catalogue
from packing.core.db import transaction
from packing.extensions import db
from tests import factories
from tests.conftest import postgres_url

ROOT = Path(__file__).resolve().parent.parent
PREPARE = "package__prepare_package_command__waiting__preparing"


def _flask(args: list[str], url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": url, "PACKING_INSTANCE_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def empty_database_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    server = postgres_url()
    name = f"{make_url(server).database}_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database_url, tmp_path):
    """Upgrading an empty database succeeds, leaves no difference from the models (db check)
    and seeds the state catalogue."""
    upgrade = _flask(["db", "upgrade"], empty_database_url, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask(["db", "check"], empty_database_url, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    # The upgrade's data migration already seeded the catalogue, as seed-catalogue would
    # (whose report of that is tested with the other commands).
    engine = create_engine(database_url(empty_database_url))
    try:
        with Session(engine) as session:
            assert not seed_catalogue(session).added_anything
    finally:
        engine.dispose()


@pytest.mark.parametrize("held", ["0010", "0015_cases"], ids=["first-release", "with-0012-to-0015"])
def test_a_database_stamped_0010_by_an_earlier_release_upgrades_to_the_models(empty_database_url, tmp_path, held):
    """While 0010 (the catalogue's data revision) had to stay last, later revisions were
    inserted before it: a database stamped 0010 holds none of 0012_api..0016_boxes or a run of
    them. Both kinds upgrade to exactly the models' schema, with the catalogue seeded."""
    for step in (["db", "upgrade", held], ["db", "stamp", "0010"]):
        made = _flask(step, empty_database_url, tmp_path)
        assert made.returncode == 0, made.stderr
    upgrade = _flask(["db", "upgrade"], empty_database_url, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask(["db", "check"], empty_database_url, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    engine = create_engine(database_url(empty_database_url))
    try:
        with Session(engine) as session:
            assert session.scalar(text("SELECT version_num FROM alembic_version")) == "0016_boxes"
            assert not seed_catalogue(session).added_anything
    finally:
        engine.dispose()


def test_a_database_with_work_in_it_goes_down_and_up_through_a_table_rebuild(empty_database_url, tmp_path):
    """0016_boxes changes package_item, which scans point at: on SQLite that rebuilds the table
    (copy, drop, rename), which foreign keys would refuse with rows in it. A database holding a
    package and its scans goes down to 0015_cases and up again, keeping every row and reference."""
    assert _flask(["db", "upgrade"], empty_database_url, tmp_path).returncode == 0
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(empty_database_url)})
    with app.app_context():
        picker = factories.user(db.session)
        shirt = factories.product(db.session)
        package = factories.package(db.session, at=picker.stock_locations[0], products=[shirt, shirt])
        with transaction(db.session):
            scanning.run_station_command(db.session, package.id, PREPARE, {}, picker)
        for scan_id in ("first", "second"):
            with transaction(db.session):
                scanning.record_scan(db.session, package.id, shirt.barcode, scan_id, picker)
        db.session.remove()
        db.engine.dispose()
    for step in (["db", "downgrade", "0015_cases"], ["db", "upgrade"], ["db", "check"]):
        done = _flask(step, empty_database_url, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    engine = create_engine(database_url(empty_database_url))
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM scan WHERE package_item_id IS NOT NULL")) == 2
            assert connection.scalar(text("SELECT count(*) FROM package_item")) == 2
    finally:
        engine.dispose()
