"""What a shipping label says, read once from the package: the PDF label (WeasyPrint) and
the ZPL label (packing.core.zpl) are two drawings of this one record, so they cannot
disagree about a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Optional

from packing.core import boxes as box_rules
from packing.core.catalogue import active_items
from packing.core.dashboard import time_zone
from packing.core.errors import NotFound
from packing.core.messages import N_
from packing.core.models import Package, PackageBox, utcnow
from packing.core.rendering import address_lines
from packing.core.shipping import carrier_for

LABEL_FORMATS = ("pdf", "zpl")
LABEL_DPIS = (203, 300)
# Width and height in millimetres of each label stock a carrier may ask for.
LABEL_SIZES = {"4x6in": (101.6, 152.4), "100x150mm": (100.0, 150.0)}
DEFAULT_LABEL_SIZE = "4x6in"

# The service printed on the label, by the order's delivery type (the same words the
# queue's delivery filter uses, so one translation serves both).
SERVICES = {"standard": N_("Standard"), "same_day": N_("Same day"), "click_and_collect": N_("Click & collect")}
PAY_ON_DELIVERY = "pay_on_delivery"

# Stores without a time zone of their own print the installation's (the app sets it).
_default_time_zone = "UTC"


def set_default_time_zone(name: str) -> None:
    global _default_time_zone
    _default_time_zone = name


@dataclass(frozen=True)
class LabelContent:
    locale: str
    size: str
    carrier: str
    printed_at: datetime  # on the store's clock
    zone: str
    sender_name: str
    sender_phone: str
    sender_lines: list[str]
    recipient_name: str
    recipient_lines: list[str]
    recipient_phone: str
    tracking_number: str
    qr_data: str
    package_number: str
    order_number: str
    item_count: int
    gift_box: bool
    click_and_collect: bool
    collect_store: str
    service: str  # an English message id (SERVICES), translated where it is drawn
    # Parcel k of N: one label per box, each with its own tracking number and weight.
    parcel_number: int
    parcel_count: int
    weight_kg: Optional[Decimal]  # the box's typed weight, else its items' when all are known
    cash_on_delivery: Optional[Decimal]
    currency: str
    # The box's SSCC (18 digits) when the carrier asks for one, printed as GS1-128 with AI 00.
    sscc: Optional[str] = None

    @property
    def sscc_element_string(self) -> str:
        """The SSCC as its GS1 element string, ``(00)`` and the 18 digits."""
        return f"(00){self.sscc}" if self.sscc else ""

    @property
    def size_mm(self) -> tuple[float, float]:
        return LABEL_SIZES.get(self.size, LABEL_SIZES[DEFAULT_LABEL_SIZE])

    def weight_text(self) -> str:
        """The weight in kilograms as people write it in the label's language ("1,25 kg" in Turkish)."""
        if self.weight_kg is None:
            return ""
        number = f"{self.weight_kg.quantize(Decimal('0.001')).normalize():f}"
        return (number.replace(".", ",") if self.locale[:2] == "tr" else number) + " kg"


def _service(package: Package) -> str:
    order = package.order
    code = order.delivery_type or ("click_and_collect" if order.is_click_and_collect else "standard")
    return SERVICES.get(code, code.replace("_", " ").capitalize())


def _cash_on_delivery(package: Package, items) -> Optional[Decimal]:
    """What the courier collects: the shipment's amount when the OMS gave one, else the
    package's items when the order is paid on delivery; None when nothing is collected."""
    amount = package.shipment.pay_on_delivery_amount
    if amount is None and package.order.payment_type == PAY_ON_DELIVERY:
        amount = sum((item.order_item.price for item in items), Decimal("0.00"))
    return amount if amount else None


def label_content(package: Package, printed_at: Optional[datetime] = None) -> LabelContent:
    """The label of the package's first box (of a package packed in one box, its label)."""
    return label_contents(package, printed_at)[0]


def label_contents(package: Package, printed_at: Optional[datetime] = None) -> list[LabelContent]:
    """One label per box, "parcel k of N": the box's tracking number, SSCC, weight and
    items. A package packed before it had boxes is one parcel with the shipment's number."""
    shipment = package.shipment
    if shipment is None:
        raise NotFound("Package {number} has no shipment, so it has no label.", number=package.number, field="package")
    location = package.stock_location
    order = package.order
    recipient = order.shipping_address
    zone = time_zone(location.time_zone, _default_time_zone)
    moment = printed_at or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    carrier = shipment.cargo_company
    items = active_items(package)
    parcels = [(box, box_rules.units_in(box, package)) for box in package.boxes] or [(None, items)]
    common = dict(
        locale=order.channel.locale or "en",
        size=carrier.label_size if carrier.label_size in LABEL_SIZES else DEFAULT_LABEL_SIZE,
        carrier=carrier.name,
        printed_at=moment.astimezone(zone),
        zone=zone.key,
        sender_name=location.name,
        sender_phone=location.daytime_phone or "",
        sender_lines=address_lines(location.address),
        recipient_name=recipient.full_name if recipient else "",
        recipient_lines=address_lines(recipient),
        recipient_phone=(recipient.phone_number or "") if recipient else "",
        package_number=package.number,
        order_number=order.number,
        gift_box=bool(order.has_gift_box),
        click_and_collect=bool(order.is_click_and_collect),
        collect_store=order.retail_store.name if order.is_click_and_collect and order.retail_store else "",
        service=_service(package),
        parcel_count=len(parcels),
        currency=order.currency,
    )
    # The courier collects once per shipment: only parcel 1's label asks for the money, so a
    # three-box package is not collected three times.
    collect = _cash_on_delivery(package, items)
    return [
        LabelContent(
            **common,
            parcel_number=number,
            cash_on_delivery=collect if number == 1 else None,
            item_count=len(box_items),
            weight_kg=box_rules.box_weight(box, box_items) if box is not None else box_rules.items_weight(box_items),
            sscc=box.sscc if box is not None else None,
            **_tracking(shipment, box),
        )
        for number, (box, box_items) in enumerate(parcels, start=1)
    ]


def _tracking(shipment, box: Optional[PackageBox]) -> dict:
    """A box's tracking number and link: the shipment's for its first box (or a package
    without boxes), else the carrier's link for the box's own number."""
    number = box.tracking_number if box is not None and box.tracking_number else shipment.awb_number
    if number == shipment.awb_number:
        url = shipment.tracking_url
    else:
        url = carrier_for(shipment.cargo_company).tracking_url(shipment.cargo_company, number)
    return {"tracking_number": number, "qr_data": url or number}
