"""OMS Package Services: ``/api/v1/oms/packages/...`` as the reference guide and its
OpenAPI text describe them."""

from __future__ import annotations

import json

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from packing.api import schemas as s
from packing.api.framework import (
    ApiError,
    api_blueprint,
    api_scope,
    api_user,
    base_url,
    in_scope,
    no_content,
    not_found,
    operation,
    paginated,
    secret,
)
from packing.core import queries, serializers, shapes
from packing.core.catalogue import available_commands
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import InvalidParameter
from packing.core.invoicing import create_invoice, render_invoice_html, set_invoice_number
from packing.core.messages import N_
from packing.core.models import Package, PackageItem, ShippingLabel, TransitionLog, WebhookEvent
from packing.extensions import db
from packing.i18n import gettext

bp = api_blueprint("oms", __name__, "/api/v1/oms")

# Merged PATCHes must not grow a package without bound: every list answer carries it.
MAX_EXTRA_INFORMATION_CHARACTERS = 64 * 1024

AUTH = {401: (N_("Unauthorized"), shapes.Error), 403: (N_("Forbidden"), shapes.Error)}
ONE = {**AUTH, 404: (N_("Not Found"), shapes.Error)}
WRITE = {400: (N_("Bad Request"), shapes.Error), **ONE, 415: (N_("Unsupported Media Type"), shapes.Error)}


def _page_of(shape) -> dict:
    return {200: (N_("Successful operation"), shapes.Page[shape]), 400: (N_("Bad Request"), shapes.Error), **AUTH}


def _one(shape) -> dict:
    return {200: (N_("Successful operation"), shape), **ONE}


def _package(package_id: int, *options) -> Package:
    package = db.session.scalar(select(Package).where(Package.id == package_id).options(*options))
    if package is None:
        raise not_found()
    return in_scope(package)


def _full(package: Package, commands) -> shapes.PackageFull:
    return serializers.package_full(package, commands, secret=secret(), base_url=base_url())


@operation(
    bp,
    "/packages/",
    "GET",
    summary=N_("List packages"),
    query=s.PackageListQuery,
    responses=_page_of(shapes.PackageFull),
)
def package_list(query: s.PackageListQuery):
    stmt = queries.package_query(api_scope(), query.filters(), query.sort)
    page = queries.paginate(db.session, stmt, query.page, query.limit, queries.full_package_options())
    commands = queries.commands_by_state(db.session, page.items)
    return paginated(page, [_full(package, commands[package.state_id]) for package in page.items])


@operation(
    bp,
    "/packages/short/",
    "GET",
    summary=N_("List packages with short format"),
    query=s.PackageListQuery,
    responses=_page_of(shapes.PackageShort),
)
def package_short_list(query: s.PackageListQuery):
    stmt = queries.package_query(api_scope(), query.filters(), query.sort)
    page = queries.paginate(db.session, stmt, query.page, query.limit, queries.short_package_options())
    counts = queries.item_counts(db.session, [package.id for package in page.items])
    return paginated(page, [serializers.package_short(p, counts.get(p.id, 0)) for p in page.items])


@operation(
    bp,
    "/packages/list-simple/",
    "GET",
    summary=N_("List packages in simplified format"),
    query=s.SimpleListQuery,
    responses=_page_of(shapes.PackageSimple),
)
def package_simple_list(query: s.SimpleListQuery):
    stmt = queries.package_query(api_scope(), query.filters())
    page = queries.paginate(db.session, stmt, query.page, query.page_size, queries.simple_package_options())
    results = [serializers.package_simple(package) for package in page.items]
    return paginated(page, results, size_parameter="count" if query.count is not None else "limit")


@operation(
    bp,
    "/packages/delivery-ranges/",
    "GET",
    summary=N_("Get delivery ranges"),
    query=s.DeliveryRangeQuery,
    responses=_page_of(shapes.DeliveryRange),
)
def delivery_ranges(query: s.DeliveryRangeQuery):
    stmt = queries.delivery_ranges(api_scope(), query.filters())
    page = queries.paginate_rows(db.session, stmt, query.page, query.limit)
    return paginated(page, [serializers.bounds(lower, upper) for lower, upper in page.items])


@operation(
    bp,
    "/packages/<int:package_id>/",
    "GET",
    summary=N_("Get a package"),
    responses=_one(shapes.PackageFull),
)
def package_detail(package_id: int):
    package = _package(package_id, *queries.full_package_options())
    return _full(package, available_commands(db.session, package))


@operation(
    bp,
    "/packages/<int:package_id>/short/",
    "GET",
    summary=N_("Get a package with short format"),
    responses=_one(shapes.PackageShortDetail),
)
def package_short_detail(package_id: int):
    package = _package(package_id, *queries.full_package_options())
    commands = available_commands(db.session, package)
    return serializers.package_short_detail(package, commands, secret=secret(), base_url=base_url())


@operation(
    bp,
    "/packages/<int:package_id>/command/",
    "POST",
    summary=N_("Execute command for package"),
    body=s.CommandBody,
    responses={
        200: (N_("Command executed; the command answers with a body"), shapes.CommandAnswer),
        204: (N_("Command executed successfully (no content)"), None),
        406: (N_("The command does not start from the package's current state"), shapes.Error),
        409: (N_("The package changed meanwhile"), shapes.Error),
        **WRITE,
    },
)
def package_command(package_id: int, body: s.CommandBody):
    if body.transition is None and not body.slug:
        raise ApiError(
            400,
            N_("Give the command's transition id or its slug."),
            "invalid",
            {"transition": [gettext("Either transition or slug is required.")]},
        )
    _package(package_id)
    with transaction(db.session):
        result = execute_command(
            db.session,
            package_id,
            body.transition if body.transition is not None else body.slug,
            body.input_parameters,
            api_user(),
        )
        response = result.response
    return response if response is not None else no_content()


@operation(
    bp,
    "/packages/<int:package_id>/invoice/",
    "POST",
    summary=N_("Create invoice for package"),
    responses={201: (N_("Invoice created successfully"), shapes.Invoice), **WRITE},
)
def package_invoice(package_id: int):
    package = _package(package_id)
    with transaction(db.session):
        invoice = create_invoice(db.session, package, api_user())
        body = serializers.invoice(invoice)
    return body, 201


@operation(
    bp,
    "/packages/<int:package_id>/invoice_document/",
    "GET",
    summary=N_("Get invoice document"),
    responses={
        200: (N_("The invoice as HTML"), shapes.InvoiceDocument),
        400: (N_("The package has no invoice"), shapes.Error),
        **ONE,
    },
)
def package_invoice_document(package_id: int):
    package = _package(package_id)
    if package.invoice is None:
        raise InvalidParameter(
            "Package {number} has no invoice yet; create it first.", number=package.number, field="invoice"
        )
    return {"html_content": render_invoice_html(package.invoice)}


@operation(
    bp,
    "/packages/<int:package_id>/set_invoice_number/",
    "POST",
    summary=N_("Set invoice number"),
    body=s.InvoiceNumberBody,
    responses={204: (N_("Invoice number set successfully"), None), **WRITE},
)
def package_set_invoice_number(package_id: int, body: s.InvoiceNumberBody):
    package = _package(package_id)
    with transaction(db.session):
        set_invoice_number(db.session, package, body.invoice_number)
    return no_content()


@operation(
    bp,
    "/packages/<int:package_id>/set_remote_id/",
    "POST",
    summary=N_("Set remote ID"),
    body=s.RemoteIdBody,
    responses={204: (N_("Remote ID set successfully"), None), **WRITE},
)
def package_set_remote_id(package_id: int, body: s.RemoteIdBody):
    package = _package(package_id)
    with transaction(db.session):
        package.remote_id = body.remote_id
    return no_content()


@operation(
    bp,
    "/packages/<int:package_id>/extra_information/",
    "PATCH",
    summary=N_("Update extra information (merged key by key)"),
    body=s.ExtraInformationBody,
    responses={200: (N_("Extra information updated successfully"), shapes.ExtraInformation), **WRITE},
)
def package_extra_information(package_id: int, body: s.ExtraInformationBody):
    package = _package(package_id)
    merged = {**(package.extra_information or {}), **body.extra_information}
    if len(json.dumps(merged)) > MAX_EXTRA_INFORMATION_CHARACTERS:
        template = N_("extra_information may hold at most {count} characters of JSON.")
        detail = gettext(template, count=MAX_EXTRA_INFORMATION_CHARACTERS)
        raise ApiError(
            400, template, "invalid", {"extra_information": [detail]}, count=MAX_EXTRA_INFORMATION_CHARACTERS
        )
    with transaction(db.session):
        package.extra_information = merged
        answer = {"id": package.id, "extra_information": package.extra_information}
    return answer


@operation(
    bp,
    "/packages/<int:package_id>/package-items/",
    "GET",
    summary=N_("Get package items"),
    query=s.Paging,
    responses={**_page_of(shapes.PackageItemRow), 404: (N_("Not Found"), shapes.Error)},
)
def package_items(package_id: int, query: s.Paging):
    _package(package_id)
    stmt = select(PackageItem).where(PackageItem.package_id == package_id).order_by(PackageItem.id)
    page = queries.paginate(db.session, stmt, query.page, query.limit, queries.package_item_options())
    return paginated(page, [serializers.package_item_row(item) for item in page.items])


def _log_list(package_id: int, query: s.Paging, shape):
    _package(package_id)
    page = queries.paginate(db.session, queries.transition_logs(package_id), query.page, query.limit)
    return paginated(page, [shape(log) for log in page.items])


def _log(package_id: int, log_id: int) -> TransitionLog:
    _package(package_id)
    log = db.session.scalar(queries.transition_logs(package_id).where(TransitionLog.id == log_id))
    if log is None:
        raise not_found("transition log")
    return log


@operation(
    bp,
    "/packages/<int:package_id>/transition_logs/",
    "GET",
    summary=N_("List package transition logs"),
    query=s.Paging,
    responses={**_page_of(shapes.TransitionLog), 404: (N_("Not Found"), shapes.Error)},
)
def transition_log_list(package_id: int, query: s.Paging):
    return _log_list(package_id, query, serializers.transition_log)


@operation(
    bp,
    "/packages/<int:package_id>/transition_logs/short/",
    "GET",
    summary=N_("List package transition logs (short format)"),
    query=s.Paging,
    responses={**_page_of(shapes.TransitionLogShort), 404: (N_("Not Found"), shapes.Error)},
)
def transition_log_short_list(package_id: int, query: s.Paging):
    return _log_list(package_id, query, serializers.transition_log_short)


@operation(
    bp,
    "/packages/<int:package_id>/transition_logs/<int:log_id>/",
    "GET",
    summary=N_("Get package transition log"),
    responses=_one(shapes.TransitionLog),
)
def transition_log_detail(package_id: int, log_id: int):
    return serializers.transition_log(_log(package_id, log_id))


@operation(
    bp,
    "/packages/<int:package_id>/transition_logs/short/<int:log_id>/",
    "GET",
    summary=N_("Get package transition log (short format)"),
    responses=_one(shapes.TransitionLogShort),
)
def transition_log_short_detail(package_id: int, log_id: int):
    return serializers.transition_log_short(_log(package_id, log_id))


def _event_list(package_id: int, query: s.Paging, shape):
    _package(package_id)
    page = queries.paginate(db.session, queries.webhook_events(package_id), query.page, query.limit)
    return paginated(page, [shape(event) for event in page.items])


def _event(package_id: int, event_id: int) -> WebhookEvent:
    _package(package_id)
    event = db.session.scalar(queries.webhook_events(package_id).where(WebhookEvent.id == event_id))
    if event is None:
        raise not_found("webhook event")
    return event


@operation(
    bp,
    "/packages/<int:package_id>/webhook_events/",
    "GET",
    summary=N_("List package webhook events"),
    query=s.Paging,
    responses={**_page_of(shapes.WebhookEvent), 404: (N_("Not Found"), shapes.Error)},
)
def webhook_event_list(package_id: int, query: s.Paging):
    return _event_list(package_id, query, serializers.webhook_event)


@operation(
    bp,
    "/packages/<int:package_id>/webhook_events/short/",
    "GET",
    summary=N_("List package webhook events (short format)"),
    query=s.Paging,
    responses={**_page_of(shapes.WebhookEventShort), 404: (N_("Not Found"), shapes.Error)},
)
def webhook_event_short_list(package_id: int, query: s.Paging):
    return _event_list(package_id, query, serializers.webhook_event_short)


@operation(
    bp,
    "/packages/<int:package_id>/webhook_events/<int:event_id>/",
    "GET",
    summary=N_("Get package webhook event"),
    responses=_one(shapes.WebhookEvent),
)
def webhook_event_detail(package_id: int, event_id: int):
    return serializers.webhook_event(_event(package_id, event_id))


@operation(
    bp,
    "/packages/<int:package_id>/webhook_events/short/<int:event_id>/",
    "GET",
    summary=N_("Get package webhook event (short format)"),
    responses=_one(shapes.WebhookEventShort),
)
def webhook_event_short_detail(package_id: int, event_id: int):
    return serializers.webhook_event_short(_event(package_id, event_id))


@operation(
    bp,
    "/shipping-label/<int:label_id>/preview/",
    "GET",
    summary=N_("Shipping label PDF (the packages' preview_url)"),
    responses={200: (N_("The label as PDF"), None, "application/pdf"), **ONE},
)
def shipping_label_preview(label_id: int):
    label = db.session.scalar(
        select(ShippingLabel).where(ShippingLabel.id == label_id).options(joinedload(ShippingLabel.package))
    )
    if label is None:
        raise not_found("shipping label")
    in_scope(label.package)
    return Response(
        label.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="label-{label.package.number}.pdf"'},
    )
