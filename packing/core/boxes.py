"""Boxes (parcels): a package packed in several boxes, each with its type, dimensions,
weight and, once shipped, its own tracking number and SSCC (``shipping.number_boxes``).

At the station the picker starts a box (taps one of the store's box types, or scans the
barcode on its shelf) and the units counted after go into it, until the next box starts.
One-box packing costs no taps: a package whose picker never started a box is packed in one
box holding everything (``close_boxes``, run by the pack command, the API's too). Once a box
is started, Pack is refused while a counted unit is in none (units counted before the first
box, which one tap puts in the current box).

Choices:
- Tapping a box type while the current box is still empty changes that box's type rather
  than starting another: a mis-tap costs nothing and leaves no empty box behind.
- The current box is the last one started; an undo takes its unit out of whatever box it
  was in; units leaving the package (out of stock, split) leave their box; a package put
  back loses its boxes with its scans.
- A box's weight is typed (or typed by a USB scale acting as a keyboard) in kilograms, more
  than 0 and at most ``MAX_BOX_WEIGHT_KG``; a box without a typed weight weighs what its
  items do when every item's weight is known, else it has no weight on its label.

The station's entry points (which lock the package and check who may act) are in
``packing.core.scanning``; these functions only flush.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.catalogue import active_items
from packing.core.errors import CommandNotAllowed, InvalidParameter, NotFound
from packing.core.models import BoxType, Package, PackageBox, PackageItem, Scan

MAX_BOX_WEIGHT_KG = Decimal("100")
WEIGHT_STEP = Decimal("0.001")
# A scale or a person writes "1.25", "1,25", "1.250 kg" or "0001.250".
_WEIGHT = re.compile(r"^([+-]?)(\d{1,7}(?:[.,]\d+)?|[.,]\d+)\s*(?:kg)?$", re.IGNORECASE)


@dataclass(frozen=True)
class BoxStarted:
    """A box started at the station (a box type tapped or its barcode scanned), with the
    package as it was loaded and the scans that count, ready to show."""

    package: Package
    box: PackageBox
    counting_scans: tuple[Scan, ...]
    repeated: bool = False
    # Whether the box was a fresh one or the empty current box given another type.
    retyped: bool = False

    # A started box may open or close the pack gate (units waiting for a box).
    may_change_pack_gate = True
    observed_as = "box_started"


def box_types(session: Session, stock_location_id: int) -> list[BoxType]:
    """The store's active box types, in their shelf order."""
    return list(
        session.scalars(
            select(BoxType)
            .where(BoxType.stock_location_id == stock_location_id, BoxType.is_active.is_(True))
            .order_by(BoxType.position, BoxType.name, BoxType.id)
        )
    )


def box_type_for_code(session: Session, stock_location_id: int, code: str) -> Optional[BoxType]:
    """The store's active box type whose shelf barcode is ``code``."""
    return session.scalar(
        select(BoxType).where(
            BoxType.stock_location_id == stock_location_id, BoxType.code == code, BoxType.is_active.is_(True)
        )
    )


def get_box_type(session: Session, stock_location_id: int, box_type_id: int) -> BoxType:
    box_type = session.get(BoxType, box_type_id)
    if box_type is None or box_type.stock_location_id != stock_location_id or not box_type.is_active:
        raise NotFound("No such box type at this store.", field="box_type")
    return box_type


def package_boxes(session: Session, package_id: int) -> list[PackageBox]:
    return list(
        session.scalars(select(PackageBox).where(PackageBox.package_id == package_id).order_by(PackageBox.number))
    )


def current_box(session: Session, package_id: int) -> Optional[PackageBox]:
    """The box counted units go into now: the last one started."""
    return session.scalar(
        select(PackageBox).where(PackageBox.package_id == package_id).order_by(PackageBox.number.desc()).limit(1)
    )


def units_in(box: PackageBox, package: Package) -> list[PackageItem]:
    return [item for item in active_items(package) if item.box_id == box.id]


def start_box(
    session: Session, package: Package, box_type: BoxType, client_scan_id: Optional[str] = None
) -> tuple[PackageBox, bool]:
    """Start a box of ``box_type`` (the empty current box is given that type instead); the
    box, and whether it was an empty one retyped."""
    current = current_box(session, package.id)
    if current is not None and not units_in(current, package):
        _take_dimensions(current, box_type)
        session.flush()
        return current, True
    box = PackageBox(
        package_id=package.id,
        number=(current.number + 1) if current is not None else 1,
        client_scan_id=client_scan_id,
    )
    _take_dimensions(box, box_type)
    session.add(box)
    session.flush()
    session.expire(package, ["boxes"])
    return box, False


def _take_dimensions(box: PackageBox, box_type: BoxType) -> None:
    box.box_type = box_type
    box.length_cm, box.width_cm, box.height_cm = box_type.length_cm, box_type.width_cm, box_type.height_cm


def put_in_current_box(session: Session, package: Package, items: Iterable[PackageItem]) -> Optional[PackageBox]:
    """Counted units go into the current box, when the picker has started one. The package's
    boxes are loaded here once: the station's answer shows them from the same load."""
    box = package.boxes[-1] if package.boxes else None
    if box is not None:
        for item in items:
            item.box_id = box.id
    return box


def take_out_of_boxes(items: Iterable[PackageItem]) -> None:
    for item in items:
        item.box_id = None


def take_items_out(session: Session, item_ids: Iterable[int]) -> None:
    """Units that stopped counting (undone, out of stock, split off) leave their box."""
    ids = list(item_ids)
    if ids:
        take_out_of_boxes(session.scalars(select(PackageItem).where(PackageItem.id.in_(ids))))


def drop_boxes(session: Session, package: Package) -> None:
    """The package goes back on the shelf: its boxes are unpacked."""
    take_out_of_boxes(package.items)
    for box in package_boxes(session, package.id):
        session.delete(box)
    session.flush()
    session.expire(package, ["boxes"])


def unboxed_units(package: Package, counted_item_ids: Iterable[int]) -> list[PackageItem]:
    """Counted units that are in no box while the package has boxes (nothing is unboxed in
    a package without boxes: it goes in one box when packed)."""
    counted = set(counted_item_ids)
    return [item for item in active_items(package) if item.id in counted and item.box_id is None]


def box_unboxed(session: Session, package: Package, counted_item_ids: Iterable[int]) -> PackageBox:
    """Put the counted units that are in no box into the current box."""
    box = current_box(session, package.id)
    if box is None:
        raise CommandNotAllowed("Start a box first.", field="box")
    for item in unboxed_units(package, counted_item_ids):
        item.box_id = box.id
    session.flush()
    return box


def close_boxes(session: Session, package: Package) -> list[PackageBox]:
    """The boxes the package is packed in (the pack command's check): one holding every unit
    when none was started; else every unit must be in one, and an empty last box is left out."""
    boxes = package_boxes(session, package.id)
    items = active_items(package)
    if not boxes:
        box = PackageBox(package_id=package.id, number=1)
        session.add(box)
        session.flush()
        for item in items:
            item.box_id = box.id
        session.flush()
        session.expire(package, ["boxes"])
        return [box]
    mine = {box.id for box in boxes}
    unboxed = [item for item in items if item.box_id not in mine]
    if unboxed:
        raise CommandNotAllowed(
            "Put every unit in a box before packing: {count} not in a box.", field="boxes", count=len(unboxed)
        )
    if len(boxes) > 1 and not units_in(boxes[-1], package):
        session.delete(boxes.pop())
        session.flush()
        session.expire(package, ["boxes"])
    return boxes


def parse_weight(text: str) -> Decimal:
    """A box's weight in kilograms from what was typed: more than 0, at most
    ``MAX_BOX_WEIGHT_KG``, to the gram."""
    found = _WEIGHT.match((text or "").strip())
    if found is None:
        raise InvalidParameter("Type the weight in kilograms, like 1.25.", field="weight")
    try:
        weight = Decimal(found.group(2).replace(",", "."))
    except InvalidOperation:
        raise InvalidParameter("Type the weight in kilograms, like 1.25.", field="weight") from None
    if found.group(1) == "-" or weight <= 0:
        raise InvalidParameter("A box weighs more than 0 kg.", field="weight")
    if weight > MAX_BOX_WEIGHT_KG:
        raise InvalidParameter("A box weighs at most {maximum} kg.", field="weight", maximum=MAX_BOX_WEIGHT_KG)
    rounded = weight.quantize(WEIGHT_STEP)
    if rounded <= 0:
        raise InvalidParameter("A box weighs more than 0 kg.", field="weight")
    return rounded


def set_weight(session: Session, package: Package, box_number: int, text: str) -> PackageBox:
    box = session.scalar(select(PackageBox).where(PackageBox.package_id == package.id, PackageBox.number == box_number))
    if box is None:
        raise NotFound("Package {number} has no box {box}.", number=package.number, box=box_number, field="box")
    box.weight_kg = parse_weight(text)
    session.flush()
    return box


def box_weight(box: PackageBox, items: list[PackageItem]) -> Optional[Decimal]:
    """The typed weight, else the items' when every one's is known."""
    return box.weight_kg if box.weight_kg is not None else items_weight(items)


def items_weight(items: list[PackageItem]) -> Optional[Decimal]:
    """What ``items`` weigh together, when every one's weight is known."""
    weights = [item.unit_weight for item in items]
    if not weights or any(weight is None for weight in weights):
        return None
    return sum(weights, Decimal("0"))
