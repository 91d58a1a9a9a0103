"""Command-line tools: ``flask seed-demo``, ``flask seed-catalogue``, ``flask users ...``,
``flask packages import``, ``flask locations time-zone``. Each runs the domain inside one transaction."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from packing.core.catalogue import seed_catalogue
from packing.core.dashboard import set_time_zone
from packing.core.db import transaction
from packing.core.demo import seed_demo
from packing.core.errors import DomainError
from packing.core.importer import import_packages, package_nodes, read_document
from packing.core.models import Role
from packing.core.users import create_user, end_sessions, find_user, set_active, set_password
from packing.extensions import db

users_cli = AppGroup("users", help="Manage station users.")
locations_cli = AppGroup("locations", help="Configure stock locations.")
packages_cli = AppGroup("packages", help="Import packages.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.reason)


@click.command("seed-catalogue")
def seed_catalogue_command() -> None:
    """Add the default states, commands and denial reasons that are missing."""
    with transaction(db.session):
        added = seed_catalogue(db.session)
    if not added.added_anything:
        click.echo("Catalogue is already up to date.")
        return
    click.echo(
        f"Added {added.states} states, {added.commands} commands, {added.denial_reasons} denial reasons"
        f" and {added.carriers} carriers."
    )


@click.command("seed-demo")
@click.option("--packages", "packages_per_store", default=60, show_default=True, help="Packages at the demo store.")
def seed_demo_command(packages_per_store: int) -> None:
    """Create a demo store, a second store, users for each role and packages to pack."""
    try:
        with transaction(db.session):
            logins = seed_demo(db.session, packages_per_store=packages_per_store)
    except DomainError as error:
        _fail(error)
    click.echo("Demo data is ready. Sign in with:")
    for login in logins:
        click.echo(
            f"  {login.role:<7} {login.username:<8} password: {login.password:<14} ({', '.join(login.locations)})"
        )


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(Role.ALL), required=True)
@click.option("--location", "locations", multiple=True, help="Stock location ERP code; repeat for several.")
@click.option("--password", help="Prompted for (hidden, twice) when omitted.")
@click.option("--email", default="")
def create_user_command(username: str, role: str, locations: tuple[str, ...], password: str | None, email: str) -> None:
    """Create a user bound to one or more stock locations."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(db.session):
            user = create_user(db.session, username, password, role, locations, email=email)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.role} {user.username}.")


@users_cli.command("password")
@click.argument("username")
@click.option("--password", help="Prompted for (hidden, twice) when omitted.")
def password_command(username: str, password: str | None) -> None:
    """Set a new password; the user's open sessions end."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(db.session):
            set_password(find_user(db.session, username), password)
    except DomainError as error:
        _fail(error)
    click.echo(f"Password of {username} changed; their sessions have ended.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Stop a user from signing in; their open sessions end."""
    try:
        with transaction(db.session):
            set_active(find_user(db.session, username), False)
    except DomainError as error:
        _fail(error)
    click.echo(f"{username} deactivated; their sessions have ended.")


@users_cli.command("activate")
@click.argument("username")
def activate_command(username: str) -> None:
    """Let a deactivated user sign in again."""
    try:
        with transaction(db.session):
            set_active(find_user(db.session, username), True)
    except DomainError as error:
        _fail(error)
    click.echo(f"{username} may sign in again.")


@users_cli.command("sign-out")
@click.argument("username")
def sign_out_command(username: str) -> None:
    """End every session of a user (a lost tablet, a shared password)."""
    try:
        with transaction(db.session):
            end_sessions(find_user(db.session, username))
    except DomainError as error:
        _fail(error)
    click.echo(f"Every session of {username} has ended.")


@packages_cli.command("import")
@click.argument("source", type=click.File("rb"))
@click.option(
    "--create-locations", is_flag=True, help="Create stock locations the document names that are not known yet."
)
def import_command(source, create_locations: bool) -> None:
    """Import packages from a Package List / Detail JSON document (FILE or - for stdin).

    Packages that moved since their last import (packed, refused, ... here) are left as they
    are and listed with the reason."""
    try:
        document = read_document(source.read())
        # On a terminal a bar counts the packages read; piped, it stays quiet (stderr, no tty).
        bar = click.progressbar(length=len(package_nodes(document)), label="Importing", file=sys.stderr)
        with bar, transaction(db.session):
            result = import_packages(
                db.session,
                document,
                create_locations=create_locations,
                progress=lambda read, total, so_far: bar.update(1),
            )
    except DomainError as error:
        _fail(error)
    click.echo(
        f"Imported {result.count} packages: {len(result.created)} created, {len(result.updated)} updated,"
        f" {len(result.skipped)} left as they are."
    )
    for number, reason in result.skipped:
        click.echo(f"  {number}: left as it is, {reason}")


@locations_cli.command("time-zone")
@click.argument("erp_code")
@click.argument("zone")
def location_time_zone_command(erp_code: str, zone: str) -> None:
    """Set the IANA time zone (e.g. Europe/Istanbul) a store's day and clock follow."""
    try:
        with transaction(db.session):
            location = set_time_zone(db.session, erp_code, zone)
    except DomainError as error:
        _fail(error)
    click.echo(f"{location.erp_code} keeps time in {location.time_zone}.")


def register(app: Flask) -> None:
    for command in (seed_catalogue_command, seed_demo_command, users_cli, packages_cli, locations_cli):
        app.cli.add_command(command)
