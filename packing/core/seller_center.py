"""Seller Center (i2) operations mapped onto the packing domain.

The Seller Center speaks in package numbers, item numbers and six statuses; here they
become the station's commands (through ``execute_command``, so each state change has its
transition log) and a few bookkeeping fields. Functions only flush; the caller commits.
How a package reads in Seller Center terms is ``seller_center_terms``.

Choices where the reference is silent:
- an item number is ``<package number>-<package item id>`` (stable across splits);
- fields with no column of their own (tracking URL, delivery and invoice dates, invoice
  URL, reservation releases, refunds, rejection reasons) are kept under
  ``extra_information["seller_center"]``;
- a "shipping method" is a cargo company, named by its uuid (as the reference), its ERP code
  or its name; a "shipping company" likewise.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core import commands, invoicing
from packing.core.catalogue import CommandType, PackageStatus, active_items
from packing.core.db import lock_package
from packing.core.errors import InvalidParameter, NotFound
from packing.core.models import CargoCompany, DenialReason, Package, PackageItem, Shipment, Transition, User, fold_case
from packing.core.seller_center_terms import (
    CANCELLED,
    DELIVERED,
    DELIVERY_FAILED,
    KEY,
    PREPARING,
    READY_TO_SHIP,
    SHIPPED,
    bookkeeping,
    has_reservation,
    item_number,
    package_status,
    shipping_company,
)

# The package state a requested status moves to.
STATUS_TARGETS = {
    PREPARING: PackageStatus.PREPARING.value,
    READY_TO_SHIP: PackageStatus.READY_TO_SHIP.value,
    SHIPPED: PackageStatus.SHIPPED.value,
    DELIVERED: PackageStatus.DELIVERED.value,
    DELIVERY_FAILED: PackageStatus.DELIVERY_FAILED.value,
}
# The commands a status update may chain to get there: the forward ones that need no
# choice of items or reason (never a refusal, cancellation, split or put-back).
FORWARD_COMMANDS = (
    CommandType.PREPARE,
    CommandType.STATE_TRANSITION,
    CommandType.COMPLETE_PACKAGING,
    CommandType.READY_TO_SHIP,
    CommandType.SHIP,
    CommandType.DELIVER,
    CommandType.DELIVERY_FAILED,
)
REFUNDABLE = {SHIPPED, DELIVERED, DELIVERY_FAILED}


def _keep(package: Package, **values: Any) -> None:
    record = bookkeeping(package)
    record.update(values)
    # A new dict, so that SQLAlchemy sees the JSON column change.
    package.extra_information = {**(package.extra_information or {}), KEY: record}


def get_by_number(session: Session, number: str) -> Package:
    package = session.scalar(select(Package).where(Package.number == number))
    if package is None:
        raise NotFound("No package {number}.", number=number, field="number")
    return package


def _items_by_number(package: Package, numbers: Iterable[str], field: str = "items") -> list[PackageItem]:
    by_number = {item_number(item, package): item for item in package.items}
    chosen, unknown = [], []
    for number in dict.fromkeys(numbers):
        (chosen.append(by_number[number]) if number in by_number else unknown.append(number))
    if unknown:
        raise InvalidParameter(
            "Package {number} has no item {items}.", number=package.number, items=", ".join(unknown), field=field
        )
    return chosen


def _transition(session: Session, package: Package, command_types: tuple[str, ...]) -> Optional[Transition]:
    stmt = (
        select(Transition)
        .where(
            Transition.source_state_id == package.state_id,
            Transition.command.in_(command_types),
            Transition.is_active.is_(True),
        )
        .order_by(Transition.position, Transition.id)
    )
    return session.scalars(stmt).first()


def path_to(session: Session, package: Package, destination: str) -> Optional[list[Transition]]:
    """The fewest configured forward commands from the package's state to the package state
    ``destination`` (each the first by position where several leave a state), or None."""
    transitions = session.scalars(
        select(Transition)
        .where(
            Transition.is_active.is_(True),
            Transition.command.in_(FORWARD_COMMANDS),
            Transition.is_packageitem_parameter_required.is_(False),
        )
        .order_by(Transition.position, Transition.id)
    ).all()
    leaving: dict[int, list[Transition]] = {}
    for transition in transitions:
        leaving.setdefault(transition.source_state_id, []).append(transition)
    paths: dict[int, list[Transition]] = {package.state_id: []}
    frontier = [package.state_id]
    while frontier:
        following = []
        for state_id in frontier:
            for transition in leaving.get(state_id, []):
                if transition.destination_state_id in paths:
                    continue
                path = [*paths[state_id], transition]
                if transition.destination_state.enum_value == destination:
                    return path
                paths[transition.destination_state_id] = path
                following.append(transition.destination_state_id)
        frontier = following
    return None


def _cargo_company(session: Session, reference: str, field: str) -> CargoCompany:
    """An active cargo company by its uuid (Seller Center's shipping_method), its ERP code or
    its name ("DHL"), compared case-insensitively; carriers are few, so in Python, alike on
    both databases."""
    wanted = fold_case(reference.strip())
    companies = session.scalars(
        select(CargoCompany).where(CargoCompany.is_active.is_(True)).order_by(CargoCompany.id)
    ).all()
    for key in ("uuid", "erp_code", "name"):
        for company in companies:
            if fold_case(getattr(company, key)) == wanted:
                return company
    raise InvalidParameter("No active cargo company '{company}'.", company=reference, field=field)


def update_package(
    session: Session, package: Package, changes: dict[str, Any], user: Optional[User], client: str = ""
) -> Package:
    """PKG103: move to a status through the configured commands that lead there (each with
    its transition log, naming ``client`` beside the user), and set shipping and invoice fields.
    A package already at the status stays as it is when nothing leads further."""
    package = lock_package(session, package.id)
    status = changes.get("status")
    if status is not None:
        package = _move_to_status(session, package, status, user, client)
    if changes.get("shipping_company") and not changes.get("waybill_number") and package.shipment is None:
        change_shipping_method(session, package, changes["shipping_company"], field="shipping_company")
    if changes.get("waybill_number"):
        _set_waybill(session, package, changes["waybill_number"], changes.get("shipping_company"))
    if changes.get("tracking_number"):
        package.tracking_number = changes["tracking_number"]
    if changes.get("shipment_date"):
        package.shipment_date = changes["shipment_date"]
    if changes.get("invoice_number"):
        invoicing.set_invoice_number(session, package, changes["invoice_number"])
    kept = {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name in ("tracking_url", "delivery_date", "invoice_date", "invoice_url")
        if (value := changes.get(name)) is not None
    }
    if kept:
        _keep(package, **kept)
    session.flush()
    return package


def _move_to_status(session: Session, package: Package, status: int, user: Optional[User], client: str) -> Package:
    destination = STATUS_TARGETS[status]
    if package.state.enum_value == destination:
        return package
    path = path_to(session, package, destination)
    if path is None:
        if package_status(package) == status:
            return package
        raise InvalidParameter(
            "Package {number} cannot go from {state} to status {status}: no configured command leads there.",
            number=package.number,
            state=package.state.name,
            status=status,
            field="status",
        )
    for transition in path:
        result = commands.execute_command(session, package, transition, {}, user)
        if client:
            result.log.attributes = {**(result.log.attributes or {}), "api_client": client}
        package = result.package
    return package


def _set_waybill(session: Session, package: Package, waybill: str, company_name: Optional[str]) -> None:
    taken = session.scalar(select(Shipment.package_id).where(Shipment.awb_number == waybill))
    if taken is not None and taken != package.id:
        raise InvalidParameter("Waybill {waybill} belongs to another package.", waybill=waybill, field="waybill_number")
    if company_name:
        company = _cargo_company(session, company_name, "shipping_company")
    else:
        chosen = shipping_company(package)
        if chosen is None:
            raise InvalidParameter("Name the shipping company of this waybill.", field="shipping_company")
        company = _cargo_company(session, chosen["slug"], "shipping_company")
    if package.shipment is None:
        package.shipment = Shipment(cargo_company=company, awb_number=waybill)
    else:
        package.shipment.awb_number = waybill
        package.shipment.cargo_company = company


def change_shipping_method(session: Session, package: Package, code: str, field: str = "shipping_method") -> None:
    """PKG105: choose the carrier before the waybill is issued."""
    package = lock_package(session, package.id)
    if package.shipment is not None or package_status(package) in (CANCELLED, SHIPPED, DELIVERED, DELIVERY_FAILED):
        raise InvalidParameter(
            "Package {number} already has its shipment; its carrier cannot change.", number=package.number, field=field
        )
    company = _cargo_company(session, code, field)
    package.extra_information = {
        **(package.extra_information or {}),
        "shipping_method": {"erp_code": company.erp_code, "name": company.name},
    }
    session.flush()


def split_package(
    session: Session, package: Package, groups: list[dict[str, Any]], user: Optional[User]
) -> list[commands.CommandResult]:
    """PKG106: each group of items becomes a new package (the split command, once per group)."""
    package = lock_package(session, package.id)
    results = []
    for group in groups:
        items = _items_by_number(package, group["items"])
        transition = _transition(session, package, (CommandType.SPLIT,))
        if transition is None:
            raise InvalidParameter(
                "Package {number} cannot be split while {state}.",
                number=package.number,
                state=package.state.name,
                field="items",
            )
        result = commands.execute_command(session, package, transition, {"package_items": [i.id for i in items]}, user)
        if group.get("shipping_method"):
            change_shipping_method(
                session, session.get(Package, result.response["package__id"]), group["shipping_method"]
            )
        results.append(result)
    return results


def reject_items(
    session: Session, package: Package, numbers: list[str], reason: str, user: Optional[User]
) -> commands.CommandResult:
    """PKG107: rejecting every open item refuses the package (with the matching denial
    reason, else "other"); rejecting some marks them out of stock with the reason."""
    package = lock_package(session, package.id)
    items = _items_by_number(package, numbers)
    open_items = active_items(package)
    closed = [item_number(i, package) for i in items if i not in open_items]
    if closed:
        raise InvalidParameter("Items {items} are no longer open.", items=", ".join(closed), field="items")
    if len(items) == len(open_items):
        transition = _transition(session, package, (CommandType.REFUSE,))
        wanted = reason.strip().lower()
        denial = session.scalar(
            select(DenialReason).where(
                DenialReason.is_active.is_(True),
                (func.lower(DenialReason.remote_id) == wanted) | (func.lower(DenialReason.title) == wanted),
            )
        ) or session.scalar(select(DenialReason).where(DenialReason.remote_id == "other"))
        parameters: dict[str, Any] = {"denial_reason": denial.id if denial else reason}
    else:
        transition = _transition(session, package, (CommandType.OUT_OF_STOCK,))
        parameters = {"package_items": [i.id for i in items], "discrepancy_reason": reason}
    if transition is None:
        raise InvalidParameter(
            "Package {number} cannot be rejected while {state}.",
            number=package.number,
            state=package.state.name,
            field="items",
        )
    result = commands.execute_command(session, package, transition, parameters, user)
    _keep(result.package, rejection_reason=reason)
    session.flush()
    return result


def release_reservations(session: Session, package: Package, numbers: Optional[list[str]] = None) -> list[int]:
    """PKG108/PKG110: record that the stock held for these items (default: all) is free.
    Releasing again is harmless, as a DELETE should be."""
    package = lock_package(session, package.id)
    items = package.items if numbers is None else _items_by_number(package, numbers, field="item-number")
    released = list(bookkeeping(package).get("released_reservations", []))
    newly = [item.id for item in items if has_reservation(item, package)]
    if newly:
        _keep(package, released_reservations=sorted(set(released) | set(newly)))
        session.flush()
    return newly


def refund_package(session: Session, package: Package, reason: str, refund_invoice_number: str) -> None:
    """PKG109: record the refund of a package that has left the store."""
    package = lock_package(session, package.id)
    if package_status(package) not in REFUNDABLE:
        raise InvalidParameter(
            "Package {number} has not been shipped, so there is nothing to refund.",
            number=package.number,
            field="number",
        )
    if bookkeeping(package).get("refund"):
        raise InvalidParameter(
            "Package {number} is already refunded.", number=package.number, field="refund_invoice_number"
        )
    _keep(package, refund={"reason": reason, "refund_invoice_number": refund_invoice_number})
    session.flush()
