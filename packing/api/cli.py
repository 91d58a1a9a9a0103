"""``flask tokens create|list|revoke``: API keys for integrators, from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from packing.core.api_tokens import create_token, list_tokens, revoke_token
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
