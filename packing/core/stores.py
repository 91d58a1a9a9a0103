"""Stock locations and carriers as admins keep them: create, edit, deactivate.

A deactivated stock location keeps its packages (they are still shown, packed and shipped)
but takes no new imports; a deactivated carrier is offered nowhere new."""

from __future__ import annotations

import re
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.dashboard import time_zone
from packing.core.errors import InvalidParameter, NotFound
from packing.core.label_content import DEFAULT_LABEL_SIZE, LABEL_DPIS, LABEL_FORMATS, LABEL_SIZES
from packing.core.models import Address, CargoCompany, StockLocation
from packing.core.shipping import OWN_NUMBERS, PARCEL_TRACKING_MODES, has_gs1_company_prefix

LOCATION_TYPES = ("store", "warehouse")
# An ERP code travels in URLs, file names and the OMS export: letters, digits and - _ . only.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class DuplicateCode(InvalidParameter):
    code = "duplicate_code"


@dataclass
class LocationFields:
    name: str
    erp_code: str
    stock_location_type: str = "store"
    address_line: str = ""
    postcode: str = ""
    daytime_phone: str = ""
    email: str = ""
    time_zone: str = ""
    default_cargo_company_id: Optional[int] = None
    priority: int = 10
    use_as_shipper_location: bool = True


@dataclass
class CarrierFields:
    name: str
    erp_code: str
    uuid: str = ""
    tracking_url_template: str = ""
    label_format: str = "pdf"
    label_size: str = DEFAULT_LABEL_SIZE
    label_dpi: int = 203
    parcel_tracking: str = OWN_NUMBERS
    uses_sscc: bool = False


def _code(value: str) -> str:
    value = (value or "").strip()
    if not CODE_PATTERN.match(value):
        raise InvalidParameter("An ERP code is 1 to 64 letters, digits, dots, dashes or underscores.", field="erp_code")
    return value


def _name(value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidParameter("A name is required.", field="name")
    if len(value) > limit:
        raise InvalidParameter("At most {limit} characters.", limit=limit, field="name")
    return value


def _unique_code(session: Session, model, erp_code: str, own_id: Optional[int]) -> None:
    found = session.scalar(select(model.id).where(model.erp_code == erp_code))
    if found is not None and found != own_id:
        raise DuplicateCode("ERP code {erp_code} is taken.", erp_code=erp_code, field="erp_code")


# --- Stock locations -----------------------------------------------------------------------


def list_locations(session: Session) -> list[StockLocation]:
    return list(session.scalars(select(StockLocation).order_by(StockLocation.is_active.desc(), StockLocation.name)))


def get_location(session: Session, location_id: int) -> StockLocation:
    location = session.get(StockLocation, location_id)
    if location is None:
        raise NotFound("No such stock location.")
    return location


def save_location(session: Session, fields: LocationFields, location: Optional[StockLocation] = None) -> StockLocation:
    """Creates (``location`` None) or changes a stock location; refuses before changing anything."""
    name = _name(fields.name, 200)
    erp_code = _code(fields.erp_code)
    _unique_code(session, StockLocation, erp_code, location.id if location else None)
    if fields.stock_location_type not in LOCATION_TYPES:
        raise InvalidParameter("Unknown location type.", field="stock_location_type")
    zone = (fields.time_zone or "").strip() or None
    if zone:
        time_zone(zone, "UTC")
    carrier = None
    if fields.default_cargo_company_id is not None:
        carrier = session.get(CargoCompany, fields.default_cargo_company_id)
        kept = location is not None and location.default_cargo_company_id == fields.default_cargo_company_id
        if carrier is None or (not carrier.is_active and not kept):
            raise InvalidParameter("Choose an active carrier.", field="default_cargo_company_id")
    if len(fields.daytime_phone.strip()) > 32:
        raise InvalidParameter("At most {limit} characters.", limit=32, field="daytime_phone")
    if fields.email.strip() and "@" not in fields.email:
        raise InvalidParameter("Not an email address.", field="email")
    if location is None:
        location = StockLocation()
        session.add(location)
    location.name, location.erp_code = name, erp_code
    location.stock_location_type = fields.stock_location_type
    location.daytime_phone = fields.daytime_phone.strip()
    location.email = fields.email.strip()
    location.time_zone = zone
    location.default_cargo_company = carrier
    location.priority = fields.priority
    location.use_as_shipper_location = fields.use_as_shipper_location
    line, postcode = fields.address_line.strip()[:512], fields.postcode.strip()[:16]
    if location.address is None and (line or postcode):
        location.address = Address(address_type="stock_location")
    if location.address is not None:
        location.address.line, location.address.postcode = line, postcode or None
    session.flush()
    return location


def location_snapshot(location: StockLocation) -> dict[str, Any]:
    return {
        "name": location.name,
        "erp_code": location.erp_code,
        "stock_location_type": location.stock_location_type,
        "address": location.address.line if location.address else "",
        "daytime_phone": location.daytime_phone,
        "email": location.email,
        "time_zone": location.time_zone or "",
        "default_carrier": location.default_cargo_company.erp_code if location.default_cargo_company else "",
        "priority": location.priority,
        "use_as_shipper_location": location.use_as_shipper_location,
        "is_active": location.is_active,
    }


# --- Carriers ----------------------------------------------------------------------------


def list_carriers(session: Session, active_only: bool = False) -> list[CargoCompany]:
    query = select(CargoCompany).order_by(CargoCompany.is_active.desc(), CargoCompany.name)
    if active_only:
        query = query.where(CargoCompany.is_active.is_(True))
    return list(session.scalars(query))


def get_carrier(session: Session, carrier_id: int) -> CargoCompany:
    carrier = session.get(CargoCompany, carrier_id)
    if carrier is None:
        raise NotFound("No such carrier.")
    return carrier


def save_carrier(session: Session, fields: CarrierFields, carrier: Optional[CargoCompany] = None) -> CargoCompany:
    name = _name(fields.name, 100)
    erp_code = _code(fields.erp_code)
    _unique_code(session, CargoCompany, erp_code, carrier.id if carrier else None)
    carrier_uuid = (fields.uuid or "").strip()
    if carrier_uuid:
        try:
            carrier_uuid = str(uuid_module.UUID(carrier_uuid))
        except ValueError:
            raise InvalidParameter("Not a UUID.", field="uuid") from None
        taken = session.scalar(select(CargoCompany.id).where(CargoCompany.uuid == carrier_uuid))
        if taken is not None and (carrier is None or taken != carrier.id):
            raise DuplicateCode("UUID {uuid} is taken.", uuid=carrier_uuid, field="uuid")
    template = (fields.tracking_url_template or "").strip()
    if template and (not template.startswith(("https://", "http://")) or "{tracking_number}" not in template):
        raise InvalidParameter(
            "A tracking link starts with https:// and contains {placeholder}.",
            placeholder="{tracking_number}",
            field="tracking_url_template",
        )
    if len(template) > 300:
        raise InvalidParameter("At most {limit} characters.", limit=300, field="tracking_url_template")
    if fields.label_format not in LABEL_FORMATS:
        raise InvalidParameter("Unknown label format.", field="label_format")
    if fields.label_size not in LABEL_SIZES:
        raise InvalidParameter("Unknown label size.", field="label_size")
    if fields.label_dpi not in LABEL_DPIS:
        raise InvalidParameter("Unknown print resolution.", field="label_dpi")
    if fields.parcel_tracking not in PARCEL_TRACKING_MODES:
        raise InvalidParameter("Unknown way of tracking boxes.", field="parcel_tracking")
    if fields.uses_sscc and not has_gs1_company_prefix():
        # Every pack with this carrier would be refused: say so now, to the admin.
        raise InvalidParameter(
            "SSCCs need the retailer's GS1 company prefix: set GS1_COMPANY_PREFIX first.", field="uses_sscc"
        )
    if carrier is None:
        carrier = CargoCompany()
        session.add(carrier)
    carrier.name, carrier.erp_code = name, erp_code
    # Left blank, a carrier keeps the uuid the API names it by (a new one gets one).
    carrier.uuid = carrier_uuid or carrier.uuid or str(uuid_module.uuid4())
    carrier.tracking_url_template = template
    carrier.label_format, carrier.label_size = fields.label_format, fields.label_size
    carrier.label_dpi = fields.label_dpi
    carrier.parcel_tracking, carrier.uses_sscc = fields.parcel_tracking, fields.uses_sscc
    session.flush()
    return carrier


def carrier_snapshot(carrier: CargoCompany) -> dict[str, Any]:
    return {
        "name": carrier.name,
        "erp_code": carrier.erp_code,
        "uuid": carrier.uuid or "",
        "tracking_url_template": carrier.tracking_url_template,
        "label_format": carrier.label_format,
        "label_size": carrier.label_size,
        "label_dpi": carrier.label_dpi,
        "parcel_tracking": carrier.parcel_tracking,
        "uses_sscc": carrier.uses_sscc,
        "is_active": carrier.is_active,
    }
