"""Packages in the shapes of the OMS "Package Services" reference (full, short, list-simple).

Plain functions from models to JSON-ready dicts: the API answers with them, webhook events
carry them, and the importer reads the same shape back.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

from packing.core.models import (
    Address,
    CargoCompany,
    City,
    Country,
    DenialReason,
    District,
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

# The reference's content_type ids are Django's; ours are fixed per model.
CONTENT_TYPES = {"OrderStatus": 3, "PackageStatus": 4, "PackageItemStatus": 5}
PACKAGE_CONTENT_TYPE = {"id": 4, "app_label": "packages", "model": "package"}


def iso(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    text = value.isoformat()
    return text.replace("+00:00", "Z")


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


def state(value: Optional[State]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {
        "id": value.id,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "translations": value.translations,
        "name": value.name,
        "config": value.config,
        "enum_class": value.enum_class,
        "enum_value": value.enum_value,
        "content_type": CONTENT_TYPES.get(value.enum_class),
    }


def state_brief(value: State) -> dict[str, Any]:
    return {"id": value.id, "name": value.name, "enum_value": value.enum_value, "enum_class": value.enum_class}


def country(value: Optional[Country]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {"pk": value.id, "name": value.name, "code": value.code, "is_active": value.is_active}


def city(value: Optional[City]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {"pk": value.id, "name": value.name, "country": value.country_id, "is_active": value.is_active}


def township(value: Optional[Township]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {"pk": value.id, "name": value.name, "city": value.city_id, "is_active": value.is_active}


def district(value: Optional[District]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {
        "pk": value.id,
        "name": value.name,
        "city": value.city_id,
        "township": value.township_id,
        "is_active": value.is_active,
    }


def address(value: Optional[Address]) -> Optional[dict[str, Any]]:
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
    }


def stock_location(value: StockLocation) -> dict[str, Any]:
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
    }


def stock_location_short(value: StockLocation) -> dict[str, Any]:
    addr = value.address
    return {
        "id": value.id,
        "name": value.name,
        "erp_code": value.erp_code,
        "address": None
        if addr is None
        else {"line": addr.line, "city": None if addr.city is None else {"id": addr.city.id, "name": addr.city.name}},
    }


def product(value: Product) -> dict[str, Any]:
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
    }


def order_item(value: OrderItem) -> dict[str, Any]:
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
        "order": value.order_id,
    }


def denial_reason(value: Optional[DenialReason]) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    return {
        "id": value.id,
        "title": value.title,
        "remote_id": value.remote_id,
        "priority": value.priority,
        "is_active": value.is_active,
    }


def package_item(value: PackageItem) -> dict[str, Any]:
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


def command(value: Transition) -> dict[str, Any]:
    return {
        "id": value.id,
        "is_packageitem_parameter_required": value.is_packageitem_parameter_required,
        "configuration": value.configuration,
        "translations": value.translations,
        "command": value.command,
        "label": value.label,
        "slug": value.slug,
        "ui_visibility": value.ui_visibility,
        "source_state": value.source_state_id,
        "destination_state": value.destination_state_id,
    }


def cargo_company(value: CargoCompany) -> dict[str, Any]:
    return {
        "id": value.id,
        "shipping_company": value.shipping_company,
        "created_date": iso(value.created_date),
        "modified_date": iso(value.modified_date),
        "name": value.name,
        "erp_code": value.erp_code,
        "is_active": value.is_active,
    }


def shipment(value: Optional[Shipment]) -> Optional[dict[str, Any]]:
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


def shipping_label(value: Optional[ShippingLabel], base_url: str = "") -> Optional[dict[str, Any]]:
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


def delivery_range(package: Package) -> Optional[dict[str, Any]]:
    order = package.order
    if order.delivery_range_lower is None and order.delivery_range_upper is None:
        return None
    return {"lower": iso(order.delivery_range_lower), "upper": iso(order.delivery_range_upper), "bounds": "[)"}


def package_full(
    value: Package, commands: list[Transition], *, secret: str = "", base_url: str = ""
) -> dict[str, Any]:
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
        "shipping_label": shipping_label(value.shipping_label, base_url),
        "order_gift_box_note": order.gift_box_note,
        "order_has_gift_box": order.has_gift_box,
        "order_retail_store_id": order.retail_store_id,
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
    }


def package_short(value: Package, packageitem_count: int) -> dict[str, Any]:
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


def package_simple(value: Package) -> dict[str, Any]:
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
    }


def transition_log(value: TransitionLog) -> dict[str, Any]:
    return {
        "id": value.id,
        "old_state": state_brief(value.old_state),
        "new_state": state_brief(value.new_state),
        "transition": None
        if value.transition is None
        else {"id": value.transition.id, "slug": value.transition.slug, "label": value.transition.label},
        "user": None
        if value.user is None
        else {"id": value.user.id, "username": value.user.username, "email": value.user.email},
        "attributes": value.attributes,
        "created_date": iso(value.created_date),
        "object_id": value.object_id,
        "content_type": PACKAGE_CONTENT_TYPE["id"],
    }


def transition_log_short(value: TransitionLog) -> dict[str, Any]:
    body = transition_log(value)
    del body["object_id"], body["content_type"]
    return body


def webhook_event(value: WebhookEvent) -> dict[str, Any]:
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


def webhook_event_short(value: WebhookEvent) -> dict[str, Any]:
    return {
        "id": value.id,
        "created_date": iso(value.created_date),
        "event_type": value.event_type,
        "status": value.status,
        "retry_count": value.retry_count,
    }
