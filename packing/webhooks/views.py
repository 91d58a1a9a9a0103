"""The webhooks admin screens: subscriptions and the delivery log with redelivery by hand."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from packing.core import webhooks
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.models import Role
from packing.core.parsing import optional_id
from packing.extensions import db
from packing.i18n import gettext as _
from packing.web import render, roles_required, safe_next, wants_partial
from packing.webhooks import bp, tasks
from packing.webhooks.forms import WebhookForm, allowed_hosts

EVENTS_PER_PAGE = 50


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
