"""``flask webhooks create|list``: subscriptions from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from packing.core import webhooks
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.events import EVENT_TYPES
from packing.extensions import db
from packing.webhooks import bp
from packing.webhooks.forms import RETRY_CHOICES, allowed_hosts, parse_headers, retry_summary

webhooks_cli = AppGroup("webhooks", help="Manage webhook subscriptions.")
bp.cli.add_command(webhooks_cli)


@webhooks_cli.command("create")
@click.argument("url")
@click.option(
    "--event", "events", multiple=True, required=True, type=click.Choice(EVENT_TYPES), help="Repeat for several."
)
@click.option("--secret", required=True, help="Key for the HMAC-SHA256 signature of each body.")
@click.option("--header", "headers", multiple=True, help="Extra request header NAME=VALUE; repeat for several.")
@click.option(
    "--retry",
    "retry_choice",
    type=click.Choice([c for c, _label in RETRY_CHOICES]),
    default="exponential",
    show_default=True,
)
@click.option("--retry-base", type=float, default=None, help="Exponential/linear base [2 / 60].")
@click.option("--retry-factor", type=float, default=None, help="Exponential factor [1].")
@click.option("--retry-seconds", type=float, default=None, help="Fixed wait [60].")
@click.option("--retry-limit", type=float, default=None, help="Longest wait between attempts.")
@click.option("--max-retries", type=int, default=10, show_default=True)
@click.option("--timeout", type=int, default=10, show_default=True, help="Seconds to wait for the subscriber.")
@click.option("--inactive", is_flag=True, help="Create it switched off.")
def create_command(
    url,
    events,
    secret,
    headers,
    retry_choice,
    retry_base,
    retry_factor,
    retry_seconds,
    retry_limit,
    max_retries,
    timeout,
    inactive,
):
    """Subscribe URL to one or more event types."""
    defaults = webhooks.RETRY_DEFAULTS[retry_choice]
    given = {"base": retry_base, "factor": retry_factor, "seconds": retry_seconds, "limit": retry_limit}
    required, optional = webhooks.RETRY_KWARGS[retry_choice]
    kwargs = {name: given[name] if given[name] is not None else defaults.get(name) for name in (*required, *optional)}
    try:
        with transaction(db.session):
            hook = webhooks.create_webhook(
                db.session,
                url,
                events,
                secret,
                additional_headers=parse_headers(headers),
                retry_countdown_config={"choice": retry_choice, "kwargs": kwargs},
                max_retries=max_retries,
                timeout_seconds=timeout,
                is_active=not inactive,
                allowed_hosts=allowed_hosts(),
            )
    except DomainError as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"Created webhook {hook.id}: {hook.target_url} <- {', '.join(hook.event_types)}")


@webhooks_cli.command("list")
def list_command() -> None:
    """Show every subscription."""
    hooks = webhooks.list_webhooks(db.session)
    if not hooks:
        click.echo("No webhooks.")
    for hook in hooks:
        state = "active" if hook.is_active else "inactive"
        retry = retry_summary(hook.retry_countdown_config)
        click.echo(
            f"{hook.id:>4}  {state:<8}  {hook.target_url}  [{', '.join(hook.event_types or [hook.event_type])}]"
            f"  retry {retry}, max {hook.max_retries}, timeout {hook.timeout_seconds}s"
        )
