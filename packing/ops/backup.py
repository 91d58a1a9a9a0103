"""``flask backup FILE`` writes a consistent copy of the database while the app keeps
running; ``flask restore FILE`` brings one back into the configured database (stop the app
servers and workers first).

SQLite is copied with its online backup API: one read transaction, so the copy is the
database as it was at one moment, while writers go on in WAL mode. PostgreSQL is dumped by
``pg_dump`` (a snapshot, custom format) and restored by ``pg_restore``; both must be the
server's major version or newer."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url
from sqlalchemy.engine import URL

from packing.extensions import db


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("An in-memory SQLite database has nothing to back up.")
    return url.database


def _libpq_url(url: URL) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(f"{name} is not installed (Debian: postgresql-client).")
    return path


def _run(command: list[str]) -> None:
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise click.ClickException(f"{Path(command[0]).name} failed: {finished.stderr.strip()}")


def _copy_sqlite(source_path: str, target_path: str) -> None:
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(target_path)) as target:
        source.backup(target)


def backup_database(target: Path) -> None:
    url = _url()
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_path(url), str(target))
    elif url.get_backend_name() == "postgresql":
        _run([_postgres_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
    else:
        raise click.ClickException(f"No backup for {url.get_backend_name()} databases.")


def restore_database(source: Path) -> None:
    url = _url()
    # Our own pooled connections would hold the old tables (and SQLite's file) open.
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(str(source), _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        _run(
            [
                _postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(source),
            ]
        )
    else:
        raise click.ClickException(f"No restore for {url.get_backend_name()} databases.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET while the app runs."""
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file.")
    backup_database(target)
    click.echo(f"Backed up the database to {target}.")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with the backup in SOURCE (stop the app servers and workers first)."""
    if not yes:
        click.confirm(f"Replace {_url().render_as_string()} with {source}?", abort=True)
    restore_database(source)
    click.echo(f"Restored the database from {source}.")
