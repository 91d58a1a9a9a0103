"""Seller Center Packages (``/api/i2/packages/...``, by package number) and the
integration lists (``/api/i1/packages/``, ``/api/i1/package-items/``)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, false, select
from sqlalchemy.orm import joinedload, selectinload

from packing.api import schemas as s
from packing.api.framework import (
    api_blueprint,
    api_client,
    api_scope,
    api_user,
    in_scope,
    no_content,
    not_found,
    operation,
    paginated,
)
from packing.core import queries, seller_center, seller_center_terms, serializers, shapes
from packing.core.db import transaction
from packing.core.labels import label_pdf
from packing.core.messages import N_
from packing.core.models import Address, Order, OrderItem, Package, PackageItem, Shipment, State, StockLocation
from packing.extensions import db

bp = api_blueprint("seller_center", __name__, "/api/i2")
integration_bp = api_blueprint("integration", __name__, "/api/i1")

ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
}
JSON_CONTENT_TYPE = {
    "name": "Content-Type",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "enum": ["application/json"]},
    "description": N_("The integration API answers only requests declared as JSON (415 otherwise)."),
}
AUTH = {401: (N_("Unauthorized"), shapes.Error), 403: (N_("Outside the token's stock locations"), shapes.Error)}
FAILED = {
    400: (N_("Missing required field(s), invalid data or invalid action."), shapes.Error),
    **AUTH,
    404: (N_("Not found"), shapes.Error),
}
WRITE = {**FAILED, 415: (N_("Unsupported Media Type"), shapes.Error)}

SECOND = timedelta(seconds=1)
MILLISECOND = timedelta(milliseconds=1)


def _floor(value: datetime, resolution: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=value.tzinfo)
    return value - (value - epoch) % resolution


def _timestamps(model, values: dict[str, datetime], resolution: timedelta) -> list:
    """``created_at``/``updated_at`` lookups on the model's created/modified dates, compared at
    the precision the surface writes its times (a listed value found again by ``=``)."""
    conditions = []
    for name, value in values.items():
        field, _, lookup = name.partition("__")
        column = model.created_date if field == "created_at" else model.modified_date
        floor = _floor(value, resolution)
        ceiling = floor if floor == value else floor + resolution
        if lookup == "gt":
            conditions.append(column >= floor + resolution)
        elif lookup == "gte":
            conditions.append(column >= ceiling)
        elif lookup == "lt":
            conditions.append(column < ceiling)
        elif lookup == "lte":
            conditions.append(column < floor + resolution)
        elif floor == value:
            conditions.append(and_(column >= floor, column < floor + resolution))
        else:
            conditions.append(false())
    return conditions


def _scoped(stmt: Select) -> Select:
    scope = api_scope()
    return stmt if scope is None else stmt.where(Package.stock_location_id.in_(sorted(scope)))


def _address_options(path):
    return path.options(
        joinedload(Address.city),
        joinedload(Address.country),
        joinedload(Address.township),
        joinedload(Address.district),
    )


def _package_options() -> list:
    return [
        joinedload(Package.state),
        _address_options(joinedload(Package.order).joinedload(Order.shipping_address)),
        _address_options(joinedload(Package.order).joinedload(Order.billing_address)),
        joinedload(Package.stock_location).joinedload(StockLocation.default_cargo_company),
        selectinload(Package.items).joinedload(PackageItem.order_item),
        selectinload(Package.shipment).joinedload(Shipment.cargo_company),
        selectinload(Package.invoice),
    ]


def _by_number(number: str, *options) -> Package:
    package = db.session.scalar(select(Package).where(Package.number == number).options(*options))
    if package is None:
        raise not_found()
    return in_scope(package)


@operation(
    bp,
    "/packages/",
    "GET",
    summary=N_("PKG101: Get Packages"),
    query=s.SellerCenterListQuery,
    headers=[ACCEPT_LANGUAGE],
    responses={
        200: (N_("OK"), shapes.Page[shapes.SellerCenterPackage]),
        400: (N_("Invalid filter"), shapes.Error),
        **AUTH,
    },
)
def package_list(query: s.SellerCenterListQuery):
    stmt = _scoped(select(Package)).where(*_timestamps(Package, query.timestamp_filters(), MILLISECOND))
    if query.number:
        stmt = stmt.where(Package.number == query.number)
    if query.order__number:
        stmt = stmt.where(Package.order_id.in_(select(Order.id).where(Order.number == query.order__number)))
    if query.waybill_number:
        stmt = stmt.where(
            Package.id.in_(select(Shipment.package_id).where(Shipment.awb_number == query.waybill_number))
        )
    if query.status is not None:
        values = [value for value, status in seller_center_terms.PACKAGE_STATUS.items() if status == query.status]
        stmt = stmt.where(
            Package.state_id.in_(
                select(State.id).where(State.enum_class == "PackageStatus", State.enum_value.in_(values))
            )
        )
    page = queries.paginate(db.session, stmt.order_by(Package.id.desc()), query.page, query.limit, _package_options())
    return paginated(page, [serializers.seller_center_package(package) for package in page.items])


@operation(
    bp,
    "/packages/<number>/items/",
    "GET",
    summary=N_("PKG102: Get Package Items"),
    query=s.SellerCenterItemsQuery,
    headers=[ACCEPT_LANGUAGE],
    responses={200: (N_("OK"), shapes.Page[shapes.SellerCenterItem]), **FAILED},
)
def package_items(number: str, query: s.SellerCenterItemsQuery):
    package = _by_number(number)
    stmt = (
        select(PackageItem)
        .where(PackageItem.package_id == package.id, *_timestamps(PackageItem, query.timestamp_filters(), MILLISECOND))
        .options(joinedload(PackageItem.state), joinedload(PackageItem.order_item).joinedload(OrderItem.product))
        .order_by(PackageItem.id)
    )
    page = queries.paginate(db.session, stmt, query.page, query.limit)
    return paginated(page, [serializers.seller_center_item(item, package) for item in page.items])


@operation(
    bp,
    "/packages/<number>/",
    "PUT",
    summary=N_("PKG103: Update Package"),
    body=s.SellerCenterUpdateBody,
    headers=[ACCEPT_LANGUAGE],
    responses={200: (N_("OK"), shapes.SellerCenterPackage), **WRITE},
)
def package_update(number: str, body: s.SellerCenterUpdateBody):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.update_package(
            db.session, package, body.model_dump(exclude_none=True), api_user(), client=api_client()
        )
    return serializers.seller_center_package(_by_number(number, *_package_options()))


@operation(
    bp,
    "/packages/<number>/label/",
    "GET",
    summary=N_("PKG104: Get Cargo Label"),
    headers=[ACCEPT_LANGUAGE],
    responses={200: (N_("OK: the label PDF, base64 encoded"), shapes.SellerCenterLabel), **FAILED},
)
def package_label(number: str):
    package = _by_number(number)
    with transaction(db.session):
        pdf = label_pdf(db.session, package)
    return {"data": base64.b64encode(pdf).decode()}


@operation(
    bp,
    "/packages/<number>/change-shipping-method/",
    "POST",
    summary=N_("PKG105: Change Shipping Method"),
    body=s.ShippingMethodBody,
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **WRITE},
)
def package_change_shipping_method(number: str, body: s.ShippingMethodBody):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.change_shipping_method(db.session, package, body.shipping_method)
    return no_content()


@operation(
    bp,
    "/packages/<number>/split/",
    "POST",
    summary=N_("PKG106: Split Package"),
    body=s.SplitBody,
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **WRITE},
)
def package_split(number: str, body: list[s.SplitGroup]):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.split_package(db.session, package, [group.model_dump() for group in body], api_user())
    return no_content()


@operation(
    bp,
    "/packages/<number>/reject/",
    "POST",
    summary=N_("PKG107: Reject Package"),
    body=s.RejectBody,
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **WRITE},
)
def package_reject(number: str, body: s.RejectBody):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.reject_items(db.session, package, body.items, body.reason, api_user())
    return no_content()


@operation(
    bp,
    "/packages/<number>/reservations/<item_number>",
    "DELETE",
    summary=N_("PKG108: Release Stock Reservation by Package Item"),
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **FAILED},
)
def package_item_release_reservation(number: str, item_number: str):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.release_reservations(db.session, package, [item_number])
    return no_content()


@operation(
    bp,
    "/packages/<number>/refund/",
    "POST",
    summary=N_("PKG109: Refund Package"),
    body=s.RefundBody,
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **WRITE},
)
def package_refund(number: str, body: s.RefundBody):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.refund_package(db.session, package, body.reason, body.refund_invoice_number)
    return no_content()


@operation(
    bp,
    "/packages/<number>/reservations/",
    "DELETE",
    summary=N_("PKG110: Release Stock Reservations by Package Number"),
    headers=[ACCEPT_LANGUAGE],
    responses={204: (N_("No Content"), None), **FAILED},
)
def package_release_reservations(number: str):
    package = _by_number(number)
    with transaction(db.session):
        seller_center.release_reservations(db.session, package)
    return no_content()


I1_RESPONSES: dict[int, Any] = {
    **AUTH,
    400: (N_("Invalid filter"), shapes.Error),
    415: (N_("Unsupported Media Type"), shapes.Error),
}


@operation(
    integration_bp,
    "/packages/",
    "GET",
    summary=N_("ORI04: Packages"),
    query=s.IntegrationListQuery,
    headers=[JSON_CONTENT_TYPE],
    require_json_content_type=True,
    responses={200: (N_("Packages retrieved successfully"), shapes.Page[shapes.IntegrationPackage]), **I1_RESPONSES},
)
def integration_packages(query: s.IntegrationListQuery):
    stmt = _scoped(select(Package)).where(*_timestamps(Package, query.timestamp_filters(), SECOND)).order_by(Package.id)
    page = queries.paginate(db.session, stmt, query.page, query.limit, _package_options())
    return paginated(page, [serializers.integration_package(package) for package in page.items])


@operation(
    integration_bp,
    "/package-items/",
    "GET",
    summary=N_("ORI05: Package Items"),
    query=s.IntegrationListQuery,
    headers=[JSON_CONTENT_TYPE],
    require_json_content_type=True,
    responses={
        200: (N_("Package items retrieved successfully"), shapes.Page[shapes.IntegrationPackageItem]),
        **I1_RESPONSES,
    },
)
def integration_package_items(query: s.IntegrationListQuery):
    stmt = (
        select(PackageItem)
        .join(Package, PackageItem.package_id == Package.id)
        .where(*_timestamps(PackageItem, query.timestamp_filters(), SECOND))
        .order_by(PackageItem.id)
    )
    scope = api_scope()
    if scope is not None:
        stmt = stmt.where(Package.stock_location_id.in_(sorted(scope)))
    page = queries.paginate(db.session, stmt, query.page, query.limit)
    return paginated(page, [serializers.integration_package_item(item) for item in page.items])
