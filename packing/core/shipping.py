"""Shipments: created when a package is packed, numbered by a pluggable carrier adapter.

A cargo company names its adapter in ``CargoCompany.shipping_company``. The built-in one
issues sequential tracking numbers with a Luhn check digit from a database counter; a real
carrier registers an object with the same two methods through ``register_carrier``.

Creating or changing a shipment never renders its label here: it asks for one
(``LABELS_TO_RENDER`` in ``session.info``) and the application renders it on the task queue
right after the transaction commits, so a picker's pack request stays fast.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Optional, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from packing.core import gs1
from packing.core.catalogue import BUILTIN_CARGO_COMPANY, PackageStatus
from packing.core.db import lock_package
from packing.core.errors import CommandNotAllowed, InvalidParameter
from packing.core.messages import N_
from packing.core.models import CargoCompany, Package, PackageBox, Shipment, ShippingLabel, TrackingNumberSequence

# How a carrier numbers the boxes of a package packed in several (CargoCompany.parcel_tracking).
OWN_NUMBERS = "own"
MASTER_SUFFIX = "suffix"
PARCEL_TRACKING_MODES = (OWN_NUMBERS, MASTER_SUFFIX)
PARCEL_TRACKING_CHOICES = (
    (OWN_NUMBERS, N_("A tracking number of its own for each box")),
    (MASTER_SUFFIX, N_("The shipment's number with -02, -03… for each box")),
)
SSCC_SEQUENCE = "sscc"

# The retailer's GS1 company prefix for SSCCs (the app sets GS1_COMPANY_PREFIX); empty: none.
_gs1_company_prefix = ""


def set_gs1_company_prefix(prefix: str) -> None:
    global _gs1_company_prefix
    _gs1_company_prefix = prefix.strip()


def has_gs1_company_prefix() -> bool:
    return bool(_gs1_company_prefix)


# Package ids whose label must be (re)rendered once the current transaction commits.
LABELS_TO_RENDER = "packing.labels_to_render"

# Packages whose shipment may still be changed: packed, and not yet out of the door for good.
SHIPPABLE_STATES = {
    PackageStatus.PACKED.value,
    PackageStatus.READY_TO_SHIP.value,
    PackageStatus.SHIPPED.value,
    PackageStatus.DELIVERY_FAILED.value,
}


class CarrierAdapter(Protocol):
    """What a carrier integration provides: a tracking number and where to follow it."""

    def issue_tracking_number(self, session: Session, cargo_company: CargoCompany, package: Package) -> str: ...

    def tracking_url(self, cargo_company: CargoCompany, tracking_number: str) -> str: ...


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) digit that makes ``digits + check`` valid."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_builtin_tracking_number(number: str) -> bool:
    return number.isascii() and number.isdigit() and len(number) >= 2 and luhn_check_digit(number[:-1]) == number[-1]


def next_sequence_value(session: Session, name: str) -> int:
    """Draw the next value of a named counter inside the caller's transaction.

    ``UPDATE ... RETURNING`` takes the row lock (PostgreSQL) or the database write lock
    (SQLite), so two concurrent transactions never draw the same value; the counter row is
    created on first use with an insert that ignores a concurrent creator.
    """
    increment = (
        update(TrackingNumberSequence)
        .where(TrackingNumberSequence.name == name)
        .values(last_value=TrackingNumberSequence.last_value + 1)
        .returning(TrackingNumberSequence.last_value)
    )
    value = session.scalar(increment)
    if value is None:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(TrackingNumberSequence).values(name=name, last_value=0).on_conflict_do_nothing())
        value = session.scalar(increment)
    return value


DEFAULT_TRACKING_URL_TEMPLATE = "https://track.example.com/{tracking_number}"


class BuiltinCarrier:
    """Sequential 12-digit numbers: 11 from the shared counter and a Luhn check digit.

    Its tracking link is the cargo company's own template, else the deployment's
    (``TRACKING_URL_TEMPLATE``, handed in by the application as a plain string).
    """

    SEQUENCE = "builtin"
    DIGITS = 11

    def __init__(self, tracking_url_template: str = DEFAULT_TRACKING_URL_TEMPLATE) -> None:
        self.tracking_url_template = tracking_url_template

    def issue_tracking_number(self, session: Session, cargo_company: CargoCompany, package: Package) -> str:
        body = f"{next_sequence_value(session, self.SEQUENCE):0{self.DIGITS}d}"
        return body + luhn_check_digit(body)

    def tracking_url(self, cargo_company: CargoCompany, tracking_number: str) -> str:
        template = cargo_company.tracking_url_template or self.tracking_url_template
        return template.format(tracking_number=tracking_number)


_CARRIERS: dict[str, CarrierAdapter] = {"builtin": BuiltinCarrier()}


def register_carrier(name: str, adapter: CarrierAdapter) -> None:
    """Plug a carrier in: cargo companies with ``shipping_company == name`` use it."""
    _CARRIERS[name] = adapter


def carrier_for(cargo_company: CargoCompany) -> CarrierAdapter:
    adapter = _CARRIERS.get(cargo_company.shipping_company)
    if adapter is None:
        raise InvalidParameter(
            "No carrier integration “{integration}” is installed for {company}.",
            integration=cargo_company.shipping_company,
            company=cargo_company.name,
            field="cargo_company",
        )
    return adapter


def request_label(session: Session, package: Package) -> None:
    """Throw away the package's stored label and ask for a fresh one after commit."""
    session.execute(delete(ShippingLabel).where(ShippingLabel.package_id == package.id))
    session.expire(package, ["shipping_label"])
    session.info.setdefault(LABELS_TO_RENDER, set()).add(package.id)


def take_labels_to_render(session: Session) -> set[int]:
    """The package ids whose labels were asked for, forgotten here: the caller queues them
    once the transaction has committed, or drops them when it rolled back."""
    return session.info.pop(LABELS_TO_RENDER, set())


def create_shipment(session: Session, package: Package, cargo_company: Optional[CargoCompany] = None) -> Shipment:
    """The package's shipment with the location's default cargo company, else the built-in
    carrier (flushes, no commit)."""
    if package.shipment is not None:
        return package.shipment
    company = (
        cargo_company
        or package.stock_location.default_cargo_company
        or session.scalar(select(CargoCompany).where(CargoCompany.erp_code == BUILTIN_CARGO_COMPANY["erp_code"]))
    )
    if company is None or not company.is_active:
        raise InvalidParameter(
            "{location} has no active default cargo company; a shift lead sets one in the print room.",
            location=package.stock_location.name,
            field="cargo_company",
        )
    adapter = carrier_for(company)
    number = adapter.issue_tracking_number(session, company, package)
    now = datetime.now(UTC)
    shipment = Shipment(
        package=package,
        cargo_company=company,
        awb_number=number,
        tracking_url=adapter.tracking_url(company, number),
        update_date_time=now,
    )
    session.add(shipment)
    package.tracking_number = number
    package.shipment_date = package.shipment_date or now
    session.flush()
    number_boxes(session, package, shipment)
    request_label(session, package)
    return shipment


def box_tracking_number(master: str, box_number: int) -> str:
    """Box ``box_number``'s number under a carrier that suffixes the shipment's."""
    return f"{master}-{box_number:02d}"


def number_boxes(session: Session, package: Package, shipment: Shipment) -> None:
    """Give each of the package's boxes its tracking number and, when the carrier wants one,
    its SSCC. One box carries the shipment's number. Of several, under "suffix" every box
    carries the shipment's number with its own suffix; under "own" box 1 carries the
    shipment's and each other box a number the carrier issues once. Safe to run again
    (the shipment's number changed): numbers follow it, issued ones and SSCCs stay."""
    boxes = list(
        session.scalars(select(PackageBox).where(PackageBox.package_id == package.id).order_by(PackageBox.number))
    )
    company = shipment.cargo_company
    master = shipment.awb_number
    for box in boxes:
        if len(boxes) == 1 or (company.parcel_tracking != MASTER_SUFFIX and box.number == 1):
            box.tracking_number = master
        elif company.parcel_tracking == MASTER_SUFFIX:
            box.tracking_number = box_tracking_number(master, box.number)
        elif box.tracking_number in (None, master) or box.tracking_number.startswith(f"{master}-"):
            box.tracking_number = carrier_for(company).issue_tracking_number(session, company, package)
        if company.uses_sscc and box.sscc is None:
            box.sscc = _next_sscc(session, company)
    session.flush()


def _next_sscc(session: Session, company: CargoCompany) -> str:
    if not _gs1_company_prefix:
        raise InvalidParameter(
            "{company} asks for an SSCC on every box, and no GS1 company prefix is configured (GS1_COMPANY_PREFIX).",
            company=company.name,
            field="cargo_company",
        )
    return gs1.sscc(_gs1_company_prefix, next_sequence_value(session, SSCC_SEQUENCE))


def find_cargo_company(session: Session, name_or_code: str) -> CargoCompany:
    company = session.scalar(
        select(CargoCompany).where(
            CargoCompany.is_active.is_(True),
            (CargoCompany.erp_code == name_or_code) | (CargoCompany.name == name_or_code),
        )
    )
    if company is None:
        raise InvalidParameter(
            "'{company}' is not an active cargo company.", company=name_or_code, field="shipping_company"
        )
    return company


def update_shipment_info(
    session: Session,
    package: Package | int,
    *,
    tracking_number: Optional[str] = None,
    tracking_url: Optional[str] = None,
    shipping_company: Optional[str] = None,
    shipment_date: Optional[datetime] = None,
) -> Shipment:
    """The reference's "update shipment info": change what is given and re-render the label."""
    package = lock_package(session, package if isinstance(package, int) else package.id)
    if package.state.enum_value not in SHIPPABLE_STATES:
        raise CommandNotAllowed(
            "Package {number} is {state}; its shipment can change once it is packed.",
            number=package.number,
            state=package.state.name,
            field="package",
        )
    company = find_cargo_company(session, shipping_company) if shipping_company else None
    if tracking_number is not None:
        tracking_number = tracking_number.strip()
        if not tracking_number or len(tracking_number) > 64:
            raise InvalidParameter("tracking_number must be 1 to 64 characters.", field="tracking_number")
        taken = session.scalar(
            select(Shipment.package_id).where(Shipment.awb_number == tracking_number, Shipment.package_id != package.id)
        )
        if taken is not None:
            raise InvalidParameter(
                "Tracking number {tracking_number} belongs to another package.",
                field="tracking_number",
                tracking_number=tracking_number,
            )
    if tracking_url is not None and len(tracking_url) > 500:
        raise InvalidParameter("tracking_url must be at most 500 characters.", field="tracking_url")

    shipment = package.shipment or create_shipment(session, package, company)
    if company is not None:
        shipment.cargo_company = company
    if tracking_number is not None:
        shipment.awb_number = tracking_number
        package.tracking_number = tracking_number
    if tracking_url is not None:
        shipment.tracking_url = tracking_url
    elif tracking_number is not None or company is not None:
        carrier = carrier_for(shipment.cargo_company)
        shipment.tracking_url = carrier.tracking_url(shipment.cargo_company, shipment.awb_number)
    if shipment_date is not None:
        package.shipment_date = shipment_date
    shipment.update_date_time = datetime.now(UTC)
    package.version += 1
    session.flush()
    number_boxes(session, package, shipment)
    request_label(session, package)
    return shipment
