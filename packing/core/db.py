"""Transaction boundaries and row locks, the same for the UI, the API, the CLI and jobs."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

from packing.core.errors import NotFound
from packing.core.models import Package


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """The one place that commits: everything inside lands together or not at all."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock_package(session: Session, package_id: int, *options: LoaderOption) -> Package:
    """Load a package for writing, holding its row until the transaction ends.

    PostgreSQL takes ``SELECT ... FOR UPDATE``. SQLite has no row locks, so we take its
    database write lock first with a no-op update of the row; later writers wait on
    ``busy_timeout`` and then read the state the first one committed. ``options`` load
    what the caller reads in the same trip (only the package row is locked).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Package).where(Package.id == package_id).values(version=Package.version))
    package = session.execute(
        select(Package)
        .where(Package.id == package_id)
        .options(*options)
        .with_for_update(of=Package)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if package is None:
        raise NotFound("No such package.")
    return package
