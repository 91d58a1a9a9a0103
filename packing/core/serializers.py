"""Packages in the shapes of the OMS "Package Services" reference (full, short, list-simple).

Plain functions from models to JSON-ready dicts typed by the shapes declared in
``packing.core.shapes``: the API answers with them (written through those shapes), webhook
events carry them, and the importer reads the same shape back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Optional

from packing.core import seller_center_terms, shapes
from packing.core.models import (
    Address,
    CargoCompany,
    Channel,
    City,
    Country,
    DenialReason,
    District,
    Invoice,
    OrderItem,
    Package,
    PackageItem,
    Product,
    Shipment,
    ShippingLabel,
    State,
    StockLocation,
    Township,
    Transition,
    TransitionLog,
    WebhookEvent,
)

# The reference's fields each row keeps as the import gave them (``reference_fields``), by the
# shape that carries them, with what the formats write when an import did not give one.
KEPT_FIELDS: dict[str, dict[str, Any]] = {
    "place": {"longitude": None, "latitude": None},
    "address": {"mapping": None, "longitude": None, "latitude": None},
    "stock_location": {
        "engine": None,
        "is_fulfillment_center": False,
        "is_pickup_location": False,
        "is_delivery_location": False,
        "is_return_available": False,
        "is_fast_delivery_available": False,
        "evening_phone": "",
        "fax_number": "",
        "target_transfer_interval": None,
    },
    "product": {"extra_attributes": {}, "remote_modified_date": None},
    "order_item": {
        "without_net_amount": None,
        "installment_interest_amount": None,
        "attributes_kwargs": {},
        "image": None,
        "price_list": None,
        "stock_list": None,
        "extra_field": {},
        "parent_omnitron_id": None,
    },
    "package": {
        "scenario": None,
        "rule": None,
        "source": None,
        "origin_address": None,
        "origin_address_id": None,
        "plan_item": None,
    },
}


def kept(shape: str, row: Any, keys: Optional[tuple[str, ...]] = None) -> dict[str, Any]:
    """The row's kept reference fields of ``shape`` (only ``keys`` when given), defaults filled in."""
    defaults = KEPT_FIELDS[shape]
    if keys is not None:
        defaults = {key: defaults[key] for key in keys}
    stored = row.reference_fields
    if not stored:
        return dict(defaults)
    return {key: stored.get(key, default) for key, default in defaults.items()}


# The reference's content_type ids are Django's; ours are fixed per model.
CONTENT_TYPES = {"OrderStatus": 3, "PackageStatus": 4, "PackageItemStatus": 5}
PACKAGE_CONTENT_TYPE = {"id": 4, "app_label": "packages", "model": "package"}


# The catalogue language ("en-us", "tr-tr") that state names and command labels are written in:
# the API answers in the request's language; webhook payloads are always English.
CATALOGUE_LANGUAGE: ContextVar[str] = ContextVar("catalogue_language", default="en-us")


@contextmanager
def catalogue_language(language: str) -> Iterator[None]:
    token = CATALOGUE_LANGUAGE.set(language)
    try:
        yield
    finally:
        CATALOGUE_LANGUAGE.reset(token)


def translated(translations: Optional[dict], key: str, default: str) -> str:
    """``key`` of the catalogue row's translations in the current language, else ``default``
    (the row's own text, which is the English)."""
    language = CATALOGUE_LANGUAGE.get()
    if language == "en-us" or not translations:
        return default
    return (translations.get(language) or {}).get(key) or default


# Each reference writes its times in UTC with a Z, to its own precision: the OMS guide to the
# microsecond, Seller Center (i2) to the millisecond, the i1 reference to the second.
OMS_TIME, SELLER_CENTER_TIME, INTEGRATION_TIME = "microseconds", "milliseconds", "seconds"


def iso(value: Optional[datetime], timespec: str = OMS_TIME) -> Optional[str]:
    if value is None:
        return None
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value.tzinfo is None:
        return value.isoformat(timespec=timespec) + "Z"
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec=timespec)[:-6] + "Z"  # "+00:00" written as the references' Z


def range_bound(value: Optional[datetime]) -> Optional[str]:
    """A delivery range's bound as the guide writes it: seconds and a ``+0000`` offset
    (PostgreSQL's tstzrange text as Django REST framework answers it)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def money(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else f"{Decimal(value):.2f}"


def interval(seconds: int) -> str:
    """Django's DurationField text: "5 00:00:00"."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} {hours:02d}:{minutes:02d}:{secs:02d}"


def parse_interval(text: str) -> int:
    days_part, _, clock = text.strip().rpartition(" ")
    hours, minutes, seconds = (int(float(p)) for p in clock.split(":"))
    return int(days_part or 0) * 86400 + hours * 3600 + minutes * 60 + seconds


def id_encrypted(package_id: int, secret: str) -> str:
    """An opaque, signed reference to a package, as the reference's ``id_encrypted``."""
    raw = base64.urlsafe_b64encode(str(package_id).encode()).decode().rstrip("=")
    signature = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest()
    return f"{raw}:{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def state(value: Optional[State]) -> Optional[shapes.State]:
    if value is None:
        return None
    return {
        "id": value.id,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "translations": value.translations,
        "name": translated(value.translations, "name", value.name),
        "config": value.config,
        "enum_class": value.enum_class,
        "enum_value": value.enum_value,
        "content_type": CONTENT_TYPES.get(value.enum_class),
    }


def state_brief(value: State) -> shapes.StateBrief:
    return {
        "id": value.id,
        "name": translated(value.translations, "name", value.name),
        "enum_value": value.enum_value,
        "enum_class": value.enum_class,
    }


def country(value: Optional[Country]) -> Optional[shapes.Country]:
    if value is None:
        return None
    return {
        "pk": value.id,
        "name": value.name,
        "code": value.code,
        "is_active": value.is_active,
        **kept("place", value),
    }


def city(value: Optional[City]) -> Optional[shapes.City]:
    if value is None:
        return None
    return {
        "pk": value.id,
        "name": value.name,
        "country": value.country_id,
        "is_active": value.is_active,
        **kept("place", value),
    }


def township(value: Optional[Township]) -> Optional[shapes.Township]:
    if value is None:
        return None
    return {
        "pk": value.id,
        "name": value.name,
        "city": value.city_id,
        "is_active": value.is_active,
        **kept("place", value),
    }


def district(value: Optional[District]) -> Optional[shapes.District]:
    if value is None:
        return None
    return {
        "pk": value.id,
        "name": value.name,
        "city": value.city_id,
        "township": value.township_id,
        "is_active": value.is_active,
        **kept("place", value),
    }


def address(value: Optional[Address]) -> Optional[shapes.Address]:
    if value is None:
        return None
    customer = value.customer
    return {
        "id": value.id,
        "city": city(value.city),
        "country": country(value.country),
        "township": township(value.township),
        "district": district(value.district),
        "customer": None
        if customer is None
        else {
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone_number": customer.phone_number,
            "erp_code": customer.erp_code,
            "pk": customer.id,
            "channel": customer.channel_id,
        },
        "address_type": value.address_type,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "omnitron_id": value.omnitron_id,
        "title": value.title,
        "is_active": value.is_active,
        "line": value.line,
        "postcode": value.postcode,
        "notes": value.notes,
        "email": value.email,
        "phone_number": value.phone_number,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "company_name": value.company_name,
        "tax_office": value.tax_office,
        "tax_no": value.tax_no,
        "e_bill_taxpayer": value.e_bill_taxpayer,
        **kept("address", value),
    }


def stock_location(value: StockLocation) -> shapes.StockLocation:
    return {
        "id": value.id,
        "stock_location_type": value.stock_location_type,
        "address": address(value.address),
        "tags": value.tags,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "omnitron_id": value.omnitron_id,
        "name": value.name,
        "is_active": value.is_active,
        "priority": value.priority,
        "conf": value.conf,
        "daytime_phone": value.daytime_phone,
        "email": value.email,
        "target_packing_interval": interval(value.target_packing_interval),
        "erp_code": value.erp_code,
        "use_as_shipper_location": value.use_as_shipper_location,
        **kept("stock_location", value),
    }


def stock_location_short(value: StockLocation) -> shapes.StockLocationShort:
    addr = value.address
    return {
        "id": value.id,
        "name": value.name,
        "erp_code": value.erp_code,
        "address": None
        if addr is None
        else {"line": addr.line, "city": None if addr.city is None else {"id": addr.city.id, "name": addr.city.name}},
    }


def product(value: Product) -> shapes.Product:
    return {
        "id": value.id,
        "productimage_set": []
        if not value.image_url
        else [{"order": 0, "id": value.id, "url": value.image_url, "product": value.id}],
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "omnitron_id": value.omnitron_id,
        "name": value.name,
        "base_code": value.base_code,
        "sku": value.sku,
        "barcode": value.barcode,
        "barcodes": value.barcodes,
        "attributes": value.attributes,
        "attributes_kwargs": value.attributes_kwargs,
        **kept("product", value),
    }


def order_item(value: OrderItem) -> shapes.OrderItem:
    return {
        "id": value.id,
        "state": state(value.state),
        "product": product(value.product),
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "omnitron_id": value.omnitron_id,
        "net_amount": money(value.net_amount),
        "price": money(value.price),
        "price_currency": value.price_currency,
        "retail_price": money(value.retail_price),
        "tax_rate": money(value.tax_rate),
        "tax_amount": money(value.tax_amount),
        "discount_amount": money(value.discount_amount),
        "attributes": value.attributes,
        **kept("order_item", value),
        "order": value.order_id,
    }


def denial_reason(value: Optional[DenialReason]) -> Optional[shapes.DenialReason]:
    if value is None:
        return None
    return {
        "id": value.id,
        "title": translated(value.translations, "title", value.title),
        "remote_id": value.remote_id,
        "priority": value.priority,
        "is_active": value.is_active,
    }


def package_item(value: PackageItem) -> shapes.PackageItem:
    return {
        "id": value.id,
        "state": state(value.state),
        "discrepancy_reason": value.discrepancy_reason,
        "order_item": order_item(value.order_item),
        "transfer_order": None,
        "denial_reason": denial_reason(value.denial_reason),
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "selected_barcode": value.selected_barcode,
        "serial_no": value.serial_no,
        "unit_weight": None if value.unit_weight is None else str(value.unit_weight),
        "unit_type": value.unit_type,
        "package": value.package_id,
    }


def command(value: Transition) -> shapes.Command:
    return {
        "id": value.id,
        "is_packageitem_parameter_required": value.is_packageitem_parameter_required,
        "configuration": value.configuration,
        "translations": value.translations,
        "command": value.command,
        "label": translated(value.translations, "label", value.label),
        "slug": value.slug,
        "ui_visibility": value.ui_visibility,
        "source_state": value.source_state_id,
        "destination_state": value.destination_state_id,
    }


def cargo_company(value: CargoCompany) -> shapes.CargoCompany:
    return {
        "id": value.id,
        "shipping_company": value.shipping_company,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "name": value.name,
        "erp_code": value.erp_code,
        "is_active": value.is_active,
    }


def shipment(value: Optional[Shipment]) -> Optional[shapes.Shipment]:
    if value is None:
        return None
    return {
        "id": value.id,
        "cargo_company": cargo_company(value.cargo_company),
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "awb_number": value.awb_number,
        "tracking_url": value.tracking_url,
        "pay_on_delivery_amount": money(value.pay_on_delivery_amount),
        "update_date_time": iso(value.update_date_time),
        "estimated_delivery_date": iso(value.estimated_delivery_date),
        "query_number": value.query_number,
        "state": value.state,
        "package": value.package_id,
        "invoice": None,
    }


def shipping_label(value: Optional[ShippingLabel], base_url: str = "") -> Optional[shapes.ShippingLabel]:
    if value is None:
        return None
    preview = f"/api/v1/oms/shipping-label/{value.id}/preview/"
    return {
        "id": value.id,
        "is_file": value.is_file,
        "preview_url": preview,
        "uuid": value.uuid,
        "full_path_url": f"{base_url.rstrip('/')}{preview}",
    }


def delivery_range(package: Package) -> Optional[shapes.DeliveryRange]:
    order = package.order
    if order.delivery_range_lower is None and order.delivery_range_upper is None:
        return None
    return bounds(order.delivery_range_lower, order.delivery_range_upper)


def bounds(lower: Optional[datetime], upper: Optional[datetime]) -> shapes.DeliveryRange:
    """A delivery range as the guide writes it: half-open, lower bound included."""
    return {"lower": range_bound(lower), "upper": range_bound(upper), "bounds": "[)"}


def _decimal_text(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else str(value)


def serialize_boxes(value: Package) -> list[shapes.Box]:
    """The package's boxes (parcels), in order: type, dimensions (cm), weight (kg), tracking
    number, SSCC and the package items inside. Empty until the package is packed or boxed."""
    return [
        {
            "number": box.number,
            "box_type": None
            if box.box_type is None
            else {"id": box.box_type.id, "code": box.box_type.code, "name": box.box_type.name},
            "weight_kg": _decimal_text(box.weight_kg),
            "dimensions_cm": None
            if box.length_cm is None
            else {
                "length": _decimal_text(box.length_cm),
                "width": _decimal_text(box.width_cm),
                "height": _decimal_text(box.height_cm),
            },
            "tracking_number": box.tracking_number,
            "sscc": box.sscc,
            "package_items": [item.id for item in value.items if item.box_id == box.id],
        }
        for box in value.boxes
    ]


def package_full(
    value: Package, commands: list[Transition], *, secret: str = "", base_url: str = ""
) -> shapes.PackageFull:
    """The Package List / Package Detail shape."""
    order = value.order
    shipping = order.shipping_address
    return {
        "packageitem_set": [package_item(item) for item in value.items],
        "order_number": order.number,
        "date_placed": iso(order.date_placed),
        "city": shipping.city.name if shipping is not None and shipping.city is not None else None,
        "channel_name": order.channel.name,
        "payment_type": order.payment_type,
        "state": state(value.state),
        "number": value.number,
        "tracking_number": value.tracking_number,
        "id": value.id,
        "shipping_address": address(shipping),
        "target_packing_date": iso(value.target_packing_date),
        "order_id": order.id,
        "stock_location": stock_location(value.stock_location),
        "commands": [command(t) for t in commands],
        "shipment": shipment(value.shipment),
        "boxes": serialize_boxes(value),
        "shipping_label": shipping_label(value.shipping_label, base_url),
        "order_gift_box_note": order.gift_box_note,
        "order_has_gift_box": order.has_gift_box,
        "order_retail_store_id": None if order.retail_store is None else order.retail_store.omnitron_id,
        "invoice_number": value.invoice_number,
        "remote_id": value.remote_id,
        "is_click_and_collect": order.is_click_and_collect,
        "delivery_range": delivery_range(value),
        "shipment_date": iso(value.shipment_date),
        "order_notes": order.notes,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "extra_information": value.extra_information,
        "channel_omnitron_id": order.channel.omnitron_id,
        "delivery_type": order.delivery_type,
        "omnitron_order_id": order.omnitron_id,
        "id_encrypted": id_encrypted(value.id, secret) if secret else None,
        **kept("package", value, ("scenario", "rule", "source", "origin_address", "origin_address_id")),
    }


# Package Detail keys that the Short Detail leaves out (the guide's "short" detail).
_NOT_IN_SHORT_DETAIL = tuple(shapes.PackageFull.__required_keys__ - shapes.PackageShortDetail.__required_keys__)


def package_short_detail(
    value: Package, commands: list[Transition], *, secret: str = "", base_url: str = ""
) -> shapes.PackageShortDetail:
    """The Package Short Detail shape: the detail without order bookkeeping, and the stock
    location in its short form."""
    body = package_full(value, commands, secret=secret, base_url=base_url)
    for key in _NOT_IN_SHORT_DETAIL:
        del body[key]
    body["stock_location"] = stock_location_short(value.stock_location)
    return body


def package_item_row(value: PackageItem) -> shapes.PackageItemRow:
    """A row of the package-items list: the item with its product's SKU at hand."""
    return {**package_item(value), "product_sku": value.order_item.product.sku}


def package_short(value: Package, packageitem_count: int) -> shapes.PackageShort:
    """The Package Short List shape."""
    order = value.order
    return {
        "packageitem_count": packageitem_count,
        "order_number": order.number,
        "date_placed": iso(order.date_placed),
        "channel_name": order.channel.name,
        "state": state(value.state),
        "number": value.number,
        "id": value.id,
        "target_packing_date": iso(value.target_packing_date),
        "order_id": order.id,
        "stock_location": stock_location_short(value.stock_location),
        "is_click_and_collect": order.is_click_and_collect,
        "delivery_type": order.delivery_type,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
    }


def package_simple(value: Package) -> shapes.PackageSimple:
    """The Package Simple List shape (keys instead of nested objects)."""
    return {
        "id": value.id,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "number": value.number,
        "extra_information": value.extra_information,
        "target_packing_date": iso(value.target_packing_date),
        "invoice_number": value.invoice_number,
        "invoice_url": None,
        "remote_id": value.remote_id,
        "state": value.state_id,
        "order": value.order_id,
        "shipping_address": value.order.shipping_address_id,
        "stock_location": value.stock_location_id,
        "invoice": value.invoice.id if value.invoice is not None else None,
        # The OpenAPI text lists these beside the guide's fields.
        "tracking_number": value.tracking_number,
        "is_click_and_collect": value.order.is_click_and_collect,
        "shipment_date": iso(value.shipment_date),
        "delivery_range": delivery_range(value),
        **kept("package", value, ("plan_item",)),
    }


def transition_log(value: TransitionLog) -> shapes.TransitionLog:
    return {
        "id": value.id,
        "old_state": state_brief(value.old_state),
        "new_state": state_brief(value.new_state),
        "transition": None
        if value.transition is None
        else {
            "id": value.transition.id,
            "slug": value.transition.slug,
            "label": translated(value.transition.translations, "label", value.transition.label),
        },
        "user": None
        if value.user is None
        else {"id": value.user.id, "username": value.user.username, "email": value.user.email},
        "attributes": value.attributes,
        "created_date": iso(value.created_date),
        "object_id": value.object_id,
        "content_type": PACKAGE_CONTENT_TYPE["id"],
    }


_NOT_IN_SHORT_LOG = tuple(shapes.TransitionLog.__required_keys__ - shapes.TransitionLogShort.__required_keys__)


def transition_log_short(value: TransitionLog) -> shapes.TransitionLogShort:
    body = transition_log(value)
    for key in _NOT_IN_SHORT_LOG:
        del body[key]
    return body


def webhook_event(value: WebhookEvent) -> shapes.WebhookEvent:
    hook = value.webhook
    return {
        "id": value.id,
        "webhook": {
            "id": hook.id,
            "retry_countdown_config": hook.retry_countdown_config,
            "created_date": iso(hook.created_date),
            "modified_date": iso(hook.modified_date),
            "target_url": hook.target_url,
            "is_active": hook.is_active,
            "secret_key": "",  # never echoed back
            "event_type": hook.event_type,
            "callback": hook.callback,
            "additional_headers": hook.additional_headers,
            "config": hook.config,
        },
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "uuid": value.uuid,
        "event_type": value.event_type,
        "status": value.status,
        "request_payload": value.request_payload,
        "response_content": value.response_content,
        "response_http_status": value.response_http_status,
        "delivered": value.status == "delivered",
        "retryable": value.retryable,
        "request_datetimes": value.request_datetimes,
        "retry_count": value.retry_count,
        "next_retry_date": iso(value.next_retry_date),
        "object_id": value.object_id,
        "content_type": PACKAGE_CONTENT_TYPE["id"],
    }


def webhook_event_short(value: WebhookEvent) -> shapes.WebhookEventShort:
    """The guide's short shape (webhook brief, delivered) with the OpenAPI text's fields."""
    hook = value.webhook
    return {
        "id": value.id,
        "webhook": {
            "id": hook.id,
            "target_url": hook.target_url,
            "is_active": hook.is_active,
            "event_type": hook.event_type,
        },
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "delivered": value.status == "delivered",
        "event_type": value.event_type,
        "status": value.status,
        "retry_count": value.retry_count,
    }


def channel(value: Channel) -> shapes.Channel:
    return {
        "id": value.id,
        "channel_type": value.channel_type,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "omnitron_id": value.omnitron_id,
        "name": value.name,
        "configuration": value.configuration,
        "is_active": value.is_active,
    }


def invoice_address(value: Optional[Address]) -> Optional[shapes.InvoiceAddress]:
    """The invoice's flat address (ids instead of nested places), as the reference shows it."""
    if value is None:
        return None
    return {
        "pk": value.id,
        "email": value.email,
        "phone_number": value.phone_number,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "country": value.country_id,
        "city": value.city_id,
        "line": value.line,
        "title": value.title,
        "township": value.township_id,
        "district": value.district_id,
        "postcode": value.postcode,
        "notes": value.notes,
        "company_name": value.company_name,
        "tax_office": value.tax_office,
        "tax_no": value.tax_no,
        "e_bill_taxpayer": value.e_bill_taxpayer,
        "is_corporate": bool(value.company_name),
    }


def invoice(value: Invoice) -> shapes.Invoice:
    order = value.order
    return {
        "id": value.id,
        "invoice_type": value.invoice_type,
        "status": value.status,
        "channel": channel(value.channel),
        "address": invoice_address(value.address),
        "invoiceitem_set": [
            {
                "id": item.id,
                "created_date": iso(item.created_date),
                "modified_date": iso(item.modified_date),
                "tax_rate": money(item.tax_rate),
                "tax_amount": money(item.tax_amount),
                "discount_rate": money(item.discount_rate),
                "discount_amount": money(item.discount_amount),
                "interest_rate": "0.00",
                "interest_amount": None,
                "total_amount": money(item.total_amount),
                "net_amount": money(item.net_amount),
                "order_item": item.order_item_id,
            }
            for item in value.items
        ],
        "order": {
            "id": order.id,
            "state": state(order.state),
            "payment_type": order.payment_type,
            "created_date": iso(order.created_date),
            "modified_date": iso(order.modified_date),
            "omnitron_id": order.omnitron_id,
            "number": order.number,
            "date_placed": iso(order.date_placed),
            "channel": order.channel_id,
            "customer": order.customer_id,
            "shipping_address": order.shipping_address_id,
            "billing_address": order.billing_address_id,
        },
        "package_number": value.package.number,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "number": value.number,
    }


# --- Seller Center (i2) and integration (i1) shapes -----------------------------------


def _number(value: Optional[Decimal]) -> float:
    return float(value or 0)


def seller_center_address(value: Optional[Address]) -> Optional[shapes.SellerCenterAddress]:
    if value is None:
        return None
    return {
        "email": value.email,
        "phone_number": value.phone_number,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "country": value.country.name if value.country else None,
        "country_code": value.country.code.upper() if value.country else None,
        "city": value.city.name if value.city else None,
        "township": value.township.name if value.township else None,
        "district": value.district.name if value.district else None,
        "line": value.line,
        "postcode": value.postcode,
        "company_name": value.company_name,
        "tax_office": value.tax_office,
        "tax_no": value.tax_no,
        "e_bill_taxpayer": value.e_bill_taxpayer,
        "identity_number": "",
        "notes": value.notes,
    }


def seller_center_package(value: Package) -> shapes.SellerCenterPackage:
    """PKG101's package: amounts are the package's items (prices include tax)."""
    order = value.order
    lines = [item.order_item for item in value.items]
    amount = sum((Decimal(line.price) for line in lines), Decimal(0))
    discount = sum((Decimal(line.discount_amount or 0) for line in lines), Decimal(0))
    kept = seller_center_terms.bookkeeping(value)
    company = seller_center_terms.shipping_company(value)
    shipment_row = value.shipment
    return {
        "number": value.number,
        "order_number": order.number,
        "status": seller_center_terms.package_status(value),
        "shipping_address": seller_center_address(order.shipping_address),
        "billing_address": seller_center_address(order.billing_address),
        "currency": order.currency.upper(),
        "amount": float(amount),
        "discount_amount": float(discount),
        "net_amount": float(amount - discount),
        "has_gift_box": order.has_gift_box,
        "gift_box_note": order.gift_box_note,
        "notes": order.notes,
        "date_placed": iso(order.date_placed, SELLER_CENTER_TIME),
        "shipping_method": None if company is None else company["name"],
        "shipping_company": company,
        "is_requires_manual_entry": company is None,
        "waybill_number": shipment_row.awb_number if shipment_row else None,
        "tracking_number": value.tracking_number,
        "tracking_url": kept.get("tracking_url") or (shipment_row.tracking_url if shipment_row else None) or None,
        "shipment_date": iso(value.shipment_date, SELLER_CENTER_TIME),
        "delivery_date": kept.get("delivery_date"),
        "invoice_date": kept.get("invoice_date")
        or (iso(value.invoice.invoice_date, SELLER_CENTER_TIME) if value.invoice else None),
        "invoice_number": value.invoice_number,
        "invoice_url": kept.get("invoice_url"),
        "updated_at": iso(value.modified_date, SELLER_CENTER_TIME),
        "created_at": iso(value.created_date, SELLER_CENTER_TIME),
    }


def seller_center_item(value: PackageItem, package: Package) -> shapes.SellerCenterItem:
    line = value.order_item
    return {
        "number": seller_center_terms.item_number(value, package),
        "status": seller_center_terms.item_status(value),
        "product": line.product.sku,
        "amount": _number(line.price),
        "discount_amount": _number(line.discount_amount),
        "tax_rate": float(Decimal(line.tax_rate) / 100),
        "has_reservation": seller_center_terms.has_reservation(value, package),
        "updated_at": iso(value.modified_date, SELLER_CENTER_TIME),
        "created_at": iso(value.created_date, SELLER_CENTER_TIME),
    }


def integration_package(value: Package) -> shapes.IntegrationPackage:
    """The i1 package: the Seller Center fields keyed by ids."""
    body = seller_center_package(value)
    return {
        "id": value.id,
        "order": value.order_id,
        "number": value.number,
        "shipping_method": body["shipping_method"],
        "waybill_number": body["waybill_number"],
        "tracking_number": value.tracking_number,
        "tracking_url": body["tracking_url"],
        "shipment_date": iso(value.shipment_date, INTEGRATION_TIME),
        "delivery_date": body["delivery_date"],
        "status": body["status"],
        "invoice_date": body["invoice_date"],
        "invoice_number": value.invoice_number,
        "invoice_data": body["invoice_url"],
        "invoice_data_type": "URL" if body["invoice_url"] else None,
        "created_at": iso(value.created_date, INTEGRATION_TIME),
        "updated_at": iso(value.modified_date, INTEGRATION_TIME),
    }


def integration_package_item(value: PackageItem) -> shapes.IntegrationPackageItem:
    return {
        "id": value.id,
        "order_item": value.order_item_id,
        "package": value.package_id,
        "created_at": iso(value.created_date, INTEGRATION_TIME),
        "updated_at": iso(value.modified_date, INTEGRATION_TIME),
    }
