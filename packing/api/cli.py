"""``flask tokens create|list|revoke``: API keys for integrators; ``flask commands
add|list|activate|deactivate``: the configured commands, from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from packing.core.api_tokens import create_token, list_tokens, revoke_token
from packing.core.command_config import add_transition, list_transitions, set_transition_active
from packing.core.commands import command_types
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.models import User
from packing.extensions import db

tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@tokens_cli.command("create")
@click.argument("username")
@click.option(
    "--location", "locations", multiple=True, help="Stock location ERP code the token may see; repeat for several."
)
@click.option("--name", default="", help="What the token is for (e.g. the ERP's name).")
def create_command(username: str, locations: tuple[str, ...], name: str) -> None:
    """Create a token for USERNAME and print its key (shown this once only)."""
    try:
        with transaction(db.session):
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise click.ClickException(f"No user {username}.")
            issued = create_token(db.session, user, locations, name)
            scope = ", ".join(location.erp_code for location in issued.token.stock_locations) or "all locations"
    except DomainError as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"Created token {issued.token.key_prefix}… for {username} ({scope}).")
    click.echo("Key (store it now; it is not shown again):")
    click.echo(issued.key)


@tokens_cli.command("list")
def list_command() -> None:
    """List tokens (prefixes only; keys are never stored)."""
    for token in list_tokens(db.session):
        status = "revoked" if token.revoked_date else "active"
        scope = ", ".join(location.erp_code for location in token.stock_locations) or "all locations"
        click.echo(f"{token.id:>5} {token.key_prefix}… {token.user.username:<16} {status:<8} {scope} {token.name}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke a token by its id (see `flask tokens list`)."""
    try:
        with transaction(db.session):
            token = revoke_token(db.session, token_id)
    except DomainError as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"Revoked token {token.key_prefix}….")


commands_cli = AppGroup("commands", help="Configure commands (transitions between package states).")


@commands_cli.command("add")
@click.argument("slug")
@click.option("--type", "command_type", required=True, help="What it does, e.g. COMPLETE_PACKAGING (see `list`).")
@click.option("--from", "source", required=True, help="Source state: enum value (200) or name (Hazırlanıyor).")
@click.option("--to", "destination", required=True, help="Destination state: enum value or name.")
@click.option("--label", required=True, help="English label.")
@click.option(
    "--translation", "translations", multiple=True, help="LANGUAGE=LABEL, e.g. tr-tr=Paketle; repeat for several."
)
@click.option("--items-required", is_flag=True, help="The command needs package_items (like split).")
@click.option("--position", type=int, default=None, help="Order among the commands (default: last).")
def add_command_command(
    slug: str,
    command_type: str,
    source: str,
    destination: str,
    label: str,
    translations: tuple[str, ...],
    items_required: bool,
    position: int | None,
) -> None:
    """Add the command SLUG; the API, the station and Seller Center run it like built-in ones."""
    labels = {}
    for pair in translations:
        language, equals, text = pair.partition("=")
        if not equals:
            raise click.BadParameter(f"{pair!r} is not LANGUAGE=LABEL.", param_hint="--translation")
        labels[language] = text
    try:
        with transaction(db.session):
            transition = add_transition(
                db.session,
                slug=slug,
                command_type=command_type.upper(),
                source=source,
                destination=destination,
                label=label,
                translations=labels,
                packageitem_parameter_required=items_required,
                position=position,
            )
            summary = _describe(transition)
    except DomainError as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"Added {summary}")


@commands_cli.command("list")
def list_commands_command() -> None:
    """List the configured commands and the command types a new one may use."""
    for transition in list_transitions(db.session):
        click.echo(_describe(transition))
    click.echo("Types: " + ", ".join(command_types()))


@commands_cli.command("deactivate")
@click.argument("slug")
def deactivate_command_command(slug: str) -> None:
    """Stop offering and running the command SLUG (its logs stay)."""
    _set_active(slug, False)


@commands_cli.command("activate")
@click.argument("slug")
def activate_command_command(slug: str) -> None:
    """Offer and run the command SLUG again."""
    _set_active(slug, True)


def _set_active(slug: str, active: bool) -> None:
    try:
        with transaction(db.session):
            summary = _describe(set_transition_active(db.session, slug, active))
    except DomainError as error:
        raise click.ClickException(error.reason) from None
    click.echo(summary)


def _describe(transition) -> str:
    status = "active" if transition.is_active else "inactive"
    return (
        f"{transition.id:>4} {transition.slug} [{transition.command}] "
        f"{transition.source_state.enum_value} -> {transition.destination_state.enum_value} ({status})"
    )
