"""Webhooks admin screen and CLI: subscriptions (list, create, edit, deactivate) and the
delivery log with redelivery by hand. Delivery itself runs on the queue (``tasks``)."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.cli import AppGroup
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional as Blank
from wtforms.widgets import CheckboxInput, ListWidget

from packing.core import webhooks
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.events import EVENT_TYPES
from packing.core.messages import N_
from packing.core.models import Role
from packing.core.parsing import optional_id
from packing.extensions import db
from packing.forms import Seconds, WholeNumberField
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.web import register_nav, render, roles_required, safe_next, wants_partial
from packing.webhooks import tasks

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks", cli_group=None)
register_nav("Webhooks", "webhooks.index", (Role.ADMIN,), order=90)

# No retry number a form may carry is larger (a year of seconds).
MAX_RETRY_NUMBER = 366 * 86400
RETRY_CHOICES = [("exponential", N_("Exponential")), ("linear", N_("Linear")), ("fixed", N_("Fixed"))]
EVENTS_PER_PAGE = 50


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    target_url = StringField("Target URL")
    event_types = CheckboxesField("Event types", choices=[(name, name) for name in EVENT_TYPES])
    secret_key = StringField("Secret key")
    additional_headers = TextAreaField("Additional headers")
    # A callable: WTForms calls it as each form is made, so the labels are in the user's language.
    retry_choice = SelectField("Retry strategy", choices=lambda: [(value, _(label)) for value, label in RETRY_CHOICES])
    # Malformed numbers (text, NaN, 1e308) are the form's own error; what the numbers may be
    # is the domain's rule.
    retry_base = StringField("Base", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_factor = StringField("Factor", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_seconds = StringField("Seconds", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_limit = StringField("Longest wait (seconds)", validators=[Seconds(MAX_RETRY_NUMBER)])
    max_retries = WholeNumberField("Retries before giving up", validators=[Blank()])
    timeout_seconds = WholeNumberField("Timeout (seconds)", validators=[Blank()])
    is_active = BooleanField("Active")

    def fill_from(self, hook) -> None:
        config = hook.retry_countdown_config
        kwargs = config.get("kwargs", {})
        self.target_url.data = hook.target_url
        self.event_types.data = list(hook.event_types or [hook.event_type])
        self.additional_headers.data = "\n".join(f"{name}: {value}" for name, value in hook.additional_headers.items())
        self.retry_choice.data = config.get("choice")
        for name in ("base", "factor", "seconds", "limit"):
            value = kwargs.get(name)
            getattr(self, f"retry_{name}").data = "" if value is None else str(value)
        self.max_retries.data = hook.max_retries
        self.timeout_seconds.data = hook.timeout_seconds
        self.is_active.data = hook.is_active

    def fields_for_domain(self) -> dict[str, Any]:
        """What the domain validates; headers that cannot be read are the form's own error."""
        choice = self.retry_choice.data
        required, optional = webhooks.RETRY_KWARGS.get(choice, ((), ()))
        kwargs = {name: getattr(self, f"retry_{name}").data for name in (*required, *optional)}
        return {
            "target_url": self.target_url.data,
            "event_types": self.event_types.data,
            "secret_key": self.secret_key.data,
            "additional_headers": parse_headers((self.additional_headers.data or "").splitlines()),
            "retry_countdown_config": {"choice": choice, "kwargs": kwargs},
            "max_retries": self.max_retries.data,
            "timeout_seconds": self.timeout_seconds.data,
            "is_active": self.is_active.data,
        }

    def show_error(self, error: DomainError) -> None:
        field = getattr(self, error.field or "", None)
        if field is None and (error.field or "").startswith("retry_"):
            field = self.retry_choice
        (field.errors if field is not None else self.form_errors).append(error_message(error))


def allowed_hosts() -> list[str]:
    """Hosts an operator allows webhooks to reach on private addresses (the config's)."""
    return current_app.config["WEBHOOK_ALLOWED_HOSTS"]


def parse_headers(lines) -> dict[str, str]:
    """``Name: value`` (screen) or ``Name=value`` (CLI) lines to a dict."""
    headers = {}
    for line in lines:
        if not line.strip():
            continue
        separator = ":" if ":" in line else "="
        name, found, value = line.partition(separator)
        if not found or not name.strip():
            raise webhooks.InvalidParameter(
                "Header line '{line}' needs a name and a value.", line=line.strip(), field="additional_headers"
            )
        headers[name.strip()] = value.strip()
    return headers


# --- Screens ----------------------------------------------------------------------------


@bp.route("/", methods=["GET"])
@roles_required(Role.ADMIN)
def index():
    hooks = webhooks.list_webhooks(db.session)
    return render("webhooks/index.html", hooks=hooks, counts=webhooks.open_event_counts(db.session))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = WebhookForm()
    if request.method == "GET":
        form.retry_choice.data = webhooks.DEFAULT_RETRY["choice"]
        for name, value in webhooks.DEFAULT_RETRY["kwargs"].items():
            getattr(form, f"retry_{name}").data = str(value)
        form.max_retries.data, form.timeout_seconds.data, form.is_active.data = 10, 10, True
        return render("webhooks/form.html", form=form, hook=None)
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                hook = webhooks.create_webhook(db.session, **form.fields_for_domain(), allowed_hosts=allowed_hosts())
        except DomainError as error:
            form.show_error(error)
        else:
            flash(_("Webhook {url} created.", url=hook.target_url), "info")
            return redirect(url_for("webhooks.index"), code=303)
    return render("webhooks/form.html", form=form, hook=None, status=400)


@bp.route("/<int:webhook_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(webhook_id: int):
    hook = _hook_or_404(webhook_id)
    form = WebhookForm()
    if request.method == "GET":
        form.fill_from(hook)
        return render("webhooks/form.html", form=form, hook=hook)
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                webhooks.update_webhook(db.session, webhook_id, allowed_hosts(), **form.fields_for_domain())
        except DomainError as error:
            form.show_error(error)
        else:
            flash(_("Webhook {url} saved.", url=hook.target_url), "info")
            return redirect(url_for("webhooks.index"), code=303)
    return render("webhooks/form.html", form=form, hook=hook, status=400)


@bp.route("/<int:webhook_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(webhook_id: int):
    """Deactivate (events stay pending, unsent) or activate again (the worker's next poll
    sends them)."""
    _hook_or_404(webhook_id)
    active = request.form.get("active") == "1"
    with transaction(db.session):
        hook = webhooks.update_webhook(db.session, webhook_id, is_active=active)
    if wants_partial():
        return render("webhooks/_hook_row.html", hook=hook, counts=webhooks.open_event_counts(db.session))
    return redirect(url_for("webhooks.index"), code=303)


def _hook_or_404(webhook_id: int):
    try:
        return webhooks.get_webhook(db.session, webhook_id)
    except DomainError:
        abort(404)


@bp.route("/events", methods=["GET"])
@roles_required(Role.ADMIN)
def events():
    status = request.args.get("status") or None
    if status not in (None, *webhooks.STATUSES):
        status = None
    webhook_id = optional_id(request.args.get("webhook"), "webhook")
    package_id = optional_id(request.args.get("package"), "package")
    before = optional_id(request.args.get("before"), "before")
    rows = webhooks.events_page(
        db.session, status=status, webhook_id=webhook_id, package_id=package_id, before_id=before, limit=EVENTS_PER_PAGE
    )
    filters = {"status": status, "webhook": webhook_id, "package": package_id}
    older = rows[-1].id if len(rows) == EVENTS_PER_PAGE else None
    return render(
        "webhooks/events.html",
        partial="webhooks/_events_table.html",
        rows=rows,
        filters=filters,
        older=older,
        hooks=webhooks.list_webhooks(db.session),
        statuses=webhooks.STATUSES,
    )


@bp.route("/events/<int:event_id>/redeliver", methods=["POST"])
@roles_required(Role.ADMIN)
def redeliver(event_id: int):
    try:
        with transaction(db.session):
            event = webhooks.redeliver(db.session, event_id)
    except DomainError:
        abort(404)
    tasks.deliver_events([event_id])
    if wants_partial():
        db.session.refresh(event)
        return render("webhooks/_event_row.html", event=event)
    flash(_("Event {id} queued for delivery.", id=event_id), "info")
    return redirect(safe_next(request.form.get("back"), url_for("webhooks.events")), code=303)


# --- CLI ----------------------------------------------------------------------------------

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


def retry_summary(config: dict) -> str:
    kwargs = ", ".join(f"{name}={value}" for name, value in config.get("kwargs", {}).items())
    return f"{config.get('choice')}({kwargs})"
