"""Transaction boundaries and row locks, the same for the UI, the API, the CLI and jobs."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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
    parameters = {"package_id": package_id}
    if session.get_bind().dialect.name == "sqlite":
        session.execute(_SQLITE_WRITE_LOCK, parameters)
    package = session.execute(_locking_select(options), parameters).unique().scalar_one_or_none()
    if package is None:
        raise NotFound("No such package.")
    return package


# Built once (per set of options): building a statement with its loader options costs about a
# tenth of a scan.
_SQLITE_WRITE_LOCK = update(Package).where(Package.id == bindparam("package_id")).values(version=Package.version)


@functools.cache
def _locking_select(options: tuple[LoaderOption, ...]) -> Select:
    return (
        select(Package)
        .where(Package.id == bindparam("package_id"))
        .options(*options)
        .with_for_update(of=Package)
        .execution_options(populate_existing=True)
    )


# SQLite reports a missing table and a locked file alike as OperationalError; only these
# mean "try again later".
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error", "database table is locked")


def is_database_unavailable(error: Exception) -> bool:
    """The server cannot be reached, the connection dropped, the pool is exhausted, or SQLite
    stayed locked past its busy timeout; not a bad statement."""
    if isinstance(error, (InterfaceError, PoolTimeout, DisconnectionError)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):
        if type(error.orig).__module__.startswith("sqlite3"):
            return any(sign in str(error.orig).lower() for sign in SQLITE_UNAVAILABLE)
        return True
    return False
