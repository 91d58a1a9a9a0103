"""How a package reads in the Seller Center (i2): its six statuses, its items' numbers and
statuses, the carrier, and the bookkeeping kept under ``extra_information``.

Only reading, with no command to run, so the serializers (which webhook events use) read a
package this way without importing the Seller Center operations, which execute commands.
"""

from __future__ import annotations

from typing import Any, Optional

from packing.core.catalogue import ACTIVE_ITEM_STATES, PackageItemStatus, PackageStatus
from packing.core.models import Package, PackageItem

KEY = "seller_center"

CANCELLED, PREPARING, READY_TO_SHIP, SHIPPED, DELIVERED, DELIVERY_FAILED = 1, 2, 3, 4, 5, 6

PACKAGE_STATUS = {
    PackageStatus.WAITING.value: PREPARING,
    PackageStatus.PREPARING.value: PREPARING,
    PackageStatus.CONTAINS_OUT_OF_STOCK.value: PREPARING,
    PackageStatus.REQUIRES_REPLAN.value: PREPARING,
    PackageStatus.PACKED.value: READY_TO_SHIP,
    PackageStatus.READY_TO_SHIP.value: READY_TO_SHIP,
    PackageStatus.SHIPPED.value: SHIPPED,
    PackageStatus.DELIVERED.value: DELIVERED,
    PackageStatus.DELIVERY_FAILED.value: DELIVERY_FAILED,
    PackageStatus.PACKAGING_CANCELED.value: CANCELLED,
}
ITEM_STATUS = {
    PackageItemStatus.WAITING.value: PREPARING,
    PackageItemStatus.PREPARING.value: PREPARING,
    PackageItemStatus.PACKED.value: READY_TO_SHIP,
    PackageItemStatus.SHIPPED.value: SHIPPED,
    PackageItemStatus.DELIVERED.value: DELIVERED,
    PackageItemStatus.OUT_OF_STOCK.value: CANCELLED,
    PackageItemStatus.REFUSED.value: CANCELLED,
    PackageItemStatus.CANCELLED.value: CANCELLED,
}
RESERVING_ITEM_STATES = {status.value for status in ACTIVE_ITEM_STATES}


def package_status(package: Package) -> int:
    return PACKAGE_STATUS[package.state.enum_value]


def item_status(item: PackageItem) -> int:
    return ITEM_STATUS[item.state.enum_value]


def item_number(item: PackageItem, package: Optional[Package] = None) -> str:
    return f"{(package or item.package).number}-{item.id}"


def bookkeeping(package: Package) -> dict[str, Any]:
    return dict((package.extra_information or {}).get(KEY) or {})


def has_reservation(item: PackageItem, package: Package) -> bool:
    released = bookkeeping(package).get("released_reservations", [])
    return item.state.enum_value in RESERVING_ITEM_STATES and item.id not in released


def shipping_company(package: Package) -> Optional[dict[str, str]]:
    """The carrier: the shipment's, else the one chosen through the API, else the store's default."""
    if package.shipment is not None:
        company = package.shipment.cargo_company
        return {"name": company.name, "slug": company.erp_code}
    chosen = (package.extra_information or {}).get("shipping_method")
    if chosen:
        return {"name": chosen["name"], "slug": chosen["erp_code"]}
    company = package.stock_location.default_cargo_company
    return None if company is None else {"name": company.name, "slug": company.erp_code}
