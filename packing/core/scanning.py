"""Scan-to-verify at the packing station, the station's commands with their pack gate, and its
box actions (start a box, weigh it, box the units counted before the first; see ``boxes``).

A unit counts once: each live ``Scan`` points at one active package item. A scan names a
barcode (any of the product's barcodes) or a SKU, or a case's packaging barcode that counts
its N units at once (N scans sharing the case's client scan id, taken back by one undo), and
carries a client-generated id so a retried request is recognised and ignored. A scan that cannot count raises
``ScanRefused(kind=...)`` and changes nothing. Like every domain function this only
flushes; the caller commits through ``packing.core.db.transaction``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, joinedload

from packing.core import boxes, gs1
from packing.core.catalogue import CommandType, active_items
from packing.core.claims import HELD_BY_OTHER, NOT_HELD, check_may_act, holder_name, is_open, refusal_to_act
from packing.core.commands import CommandResult, execute_command, resolve_transition
from packing.core.db import lock_package
from packing.core.errors import CommandNotAllowed, ConcurrentUpdate, InvalidParameter, NotFound, ScanRefused
from packing.core.messages import N_
from packing.core.models import (
    OrderItem,
    Package,
    PackageBox,
    PackageItem,
    Product,
    ProductBarcode,
    ProductPackaging,
    Scan,
    Transition,
    User,
    utcnow,
)
from packing.core.observers import observe_scans

WRONG_ITEM = "wrong_item"
UNKNOWN_CODE = "unknown_code"
OVER_SCAN = "over_scan"
NOT_OPEN = "not_open"
NOTHING_TO_UNDO = "nothing_to_undo"
PACKAGE_LABEL = "package_label"
CASE_TOO_BIG = "case_too_big"
# A scan refused because its user may not act on the package (``claims.refusal_to_act``).
_NOT_YOURS = {
    NOT_HELD: N_("Not counted: nobody holds this package now (it is back in the queue). Open it to scan."),
    HELD_BY_OTHER: N_("Not counted: {holder} is packing this package."),
}

MAX_CODE_LENGTH = 128
MAX_CLIENT_SCAN_ID_LENGTH = 64

PACK_COMMANDS = (
    CommandType.COMPLETE_PACKAGING,
    CommandType.COMPLETE_PACKAGING_WITHOUT_SHIPMENT,
    CommandType.CHANNEL_BASED_COMPLETE_PACKAGING,
)
# Commands that take items out of the package: their units' scans no longer count there.
_ITEM_MOVING_COMMANDS = (CommandType.OUT_OF_STOCK, CommandType.SPLIT)

# The commands the station offers, and what each needs from the picker before it runs
# (the admin's list of commands shows which ones these are).
PLAIN, PACK, REASON, ITEMS = "plain", "pack", "reason", "items"
STATION_COMMANDS = {
    CommandType.PREPARE: PLAIN,
    CommandType.COMPLETE_PACKAGING: PACK,
    CommandType.OUT_OF_STOCK: ITEMS,
    CommandType.SPLIT: ITEMS,
    CommandType.REFUSE: REASON,
    CommandType.RELEASE: PLAIN,
}


@dataclass(frozen=True)
class ProductCount:
    """One line of the station's list: a product, how many units the package expects, how
    many are scanned, and the package items behind them (for out-of-stock and split)."""

    product: Product
    items: tuple[PackageItem, ...]
    scanned_item_ids: frozenset[int]
    manual: int

    @property
    def expected(self) -> int:
        return len(self.items)

    @property
    def scanned(self) -> int:
        return len(self.scanned_item_ids)

    @property
    def complete(self) -> bool:
        return self.scanned >= self.expected


@dataclass(frozen=True)
class ScanOutcome:
    """What a scan, a manual count or an undo did, with the package as it loaded it and the
    scans that count now: its items and counts are ready to show without another trip to
    the database."""

    package: Package
    scan: Scan
    product: Product
    counting_scans: tuple[Scan, ...]
    repeated: bool = False
    # How many units this scan counted (or its undo took back): a case's quantity, else 1.
    units: int = 1

    @property
    def undone(self) -> bool:
        return self.scan.undone_at is not None

    @property
    def completes(self) -> bool:
        """This count was the last unit the package needed."""
        return not self.undone and _gate_opens(len(active_items(self.package)), len(self.counting_scans))

    @property
    def may_change_pack_gate(self) -> bool:
        """Whether the pack gate may now differ from what the screen showed before: it is
        open (this scan, or the first try of a repeated one, completed the package), or this
        undo closed it. Other scans leave the commands as they were."""
        # An undo closed the gate if the package was complete just before it.
        scanned = len(self.counting_scans) + (self.units if self.undone else 0)
        return _gate_opens(len(active_items(self.package)), scanned)


# Everything a scan or the station's item list reads, joined into the package's own query
# (a package has a handful of items): a scan must answer in a few milliseconds.
WITH_ITEMS_AND_PRODUCTS = (
    joinedload(Package.state),
    joinedload(Package.items).options(
        joinedload(PackageItem.state),
        joinedload(PackageItem.order_item).joinedload(OrderItem.product).joinedload(Product.extra_barcodes),
    ),
)


def load_package(session: Session, package_id: int) -> Package:
    """The package with its items and their products, read fresh."""
    package = (
        session.execute(
            select(Package)
            .where(Package.id == package_id)
            .options(*WITH_ITEMS_AND_PRODUCTS)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )
    if package is None:
        raise NotFound("No such package.")
    return package


def live_scans(session: Session, package: Package) -> list[Scan]:
    """The scans that count now: not undone, of items still active in this package."""
    active_ids = [item.id for item in active_items(package)]
    if not active_ids:
        return []
    return list(
        session.scalars(
            select(Scan)
            .where(Scan.package_id == package.id, Scan.undone_at.is_(None), Scan.package_item_id.in_(active_ids))
            .order_by(Scan.id)
        )
    )


def product_counts(
    session: Session, package: Package, counting_scans: Optional[Iterable[Scan]] = None
) -> list[ProductCount]:
    """Expected against scanned units per product, in the order the items were listed.
    ``counting_scans`` are the package's live scans when the caller already has them."""
    if counting_scans is None:
        counting_scans = live_scans(session, package)
    scans = {scan.package_item_id: scan for scan in counting_scans}
    grouped: dict[int, list[PackageItem]] = {}
    for item in active_items(package):
        grouped.setdefault(item.order_item.product_id, []).append(item)
    counts = []
    for items in grouped.values():
        scanned = frozenset(item.id for item in items if item.id in scans)
        counts.append(
            ProductCount(
                product=items[0].order_item.product,
                items=tuple(items),
                scanned_item_ids=scanned,
                manual=sum(1 for item_id in scanned if scans[item_id].is_manual),
            )
        )
    return counts


def unscanned_items(session: Session, package: Package) -> list[PackageItem]:
    scanned = {scan.package_item_id for scan in live_scans(session, package)}
    return [item for item in active_items(package) if item.id not in scanned]


def units_to_scan(counts: Sequence[ProductCount]) -> int:
    return sum(count.expected - count.scanned for count in counts)


def pack_gate_open(counts: Sequence[ProductCount]) -> bool:
    return _gate_opens(sum(count.expected for count in counts), sum(count.scanned for count in counts))


def _gate_opens(units: int, scanned: int) -> bool:
    """The pack gate: the package has active items and every one of them is scanned."""
    return units > 0 and scanned == units


@observe_scans
def record_scan(
    session: Session, package_id: int, code: str, client_scan_id: str, user: Optional[User] = None
) -> ScanOutcome | boxes.BoxStarted:
    """Count one unit of the product whose barcode or SKU is ``code``, or every unit of the
    case whose packaging barcode it is; a box type's shelf barcode starts a box of that type."""
    code = (code or "").strip()
    _check_client_scan_id(client_scan_id)
    if not code:
        raise ScanRefused("Not counted: scan a barcode.", kind=UNKNOWN_CODE)
    if len(code) > MAX_CODE_LENGTH:
        raise ScanRefused("Not counted: that is not a barcode we know.", kind=UNKNOWN_CODE)
    package, recorded, repeated = _prepare_count(session, package_id, client_scan_id)
    if repeated:
        return repeated
    with _refusal_shows(package, recorded):
        _check_scannable(package, user)
        items = _items_for(package, code)
        product_code = code
        if not items:
            packaging = session.scalar(select(ProductPackaging).where(ProductPackaging.barcode == code))
            if packaging is not None:
                return _count_case(session, package, recorded, packaging, client_scan_id, user)
            items, product_code = _items_for_gs1(session, package, code)
        if not items:
            known = _known_product(session, product_code)
            if known is not None:
                raise ScanRefused(
                    "Wrong item, not counted: {name} is not in this package.",
                    kind=WRONG_ITEM,
                    product=known,
                    name=known.name,
                )
            box_type = boxes.box_type_for_code(session, package.stock_location_id, code)
            if box_type is not None:
                return _start_box(session, package, recorded, box_type, client_scan_id)
            raise ScanRefused(
                "Unknown code, not counted: {code} is not a barcode we know.", code=code, kind=UNKNOWN_CODE
            )
        return _count_one(session, package, recorded, items, client_scan_id, code, is_manual=False, user=user)


def _items_for(package: Package, code: str) -> list[PackageItem]:
    return [item for item in active_items(package) if _matches(item.order_item.product, code)]


def _items_for_gs1(session: Session, package: Package, code: str) -> tuple[list[PackageItem], str]:
    """The package's items a GS1 code's GTIN names, with the form of the GTIN that found
    them (or a known product); an SSCC labels a package, not an item, and is not counted."""
    found = gs1.parse(code)
    if found is None or _known_product(session, code) is not None:
        return [], code
    if found.gtin is None:
        if found.sscc is not None:
            raise ScanRefused(
                "{code} is a package label (SSCC), not an item: not counted. Scan it on the queue to open it.",
                code=code,
                kind=PACKAGE_LABEL,
            )
        raise ScanRefused(
            "{code} is a GS1 code without a product number (GTIN): not counted.", code=code, kind=gs1.NO_GTIN
        )
    forms = gs1.gtin_forms(found.gtin)
    for form in forms:
        items = _items_for(package, form)
        if items:
            return items, form
    return [], next((form for form in forms if _known_product(session, form) is not None), found.gtin)


def _prepare_count(session: Session, package_id: int, client_scan_id: str):
    """Lock and load the package for counting a unit; a repeated client scan id answers with
    what it recorded the first time (before any check, so a retry never fails)."""
    package = lock_package(session, package_id, *WITH_ITEMS_AND_PRODUCTS)
    recorded = _recorded(session, package)
    return package, recorded, _repeated(session, package, recorded, client_scan_id)


@contextmanager
def _refusal_shows(package: Package, recorded: list[Scan]) -> Iterator[None]:
    """A refusal raised within carries the package it was judged on and the scans counting there."""
    try:
        yield
    except ScanRefused as refusal:
        refusal.package = package
        refusal.counting_scans = _counting(package, recorded)
        raise


@observe_scans
def record_manual(
    session: Session, package_id: int, product_id: int, client_scan_id: str, user: Optional[User] = None
) -> ScanOutcome:
    """Count one unit by hand, for a label that will not read; recorded as manual."""
    _check_client_scan_id(client_scan_id)
    package, recorded, repeated = _prepare_count(session, package_id, client_scan_id)
    if repeated:
        return repeated
    with _refusal_shows(package, recorded):
        _check_scannable(package, user)
        items = [item for item in active_items(package) if item.order_item.product_id == product_id]
        if not items:
            raise ScanRefused(
                "Wrong item, not counted: that product is not in this package.", kind=WRONG_ITEM, field="product"
            )
        code = items[0].order_item.product.barcode or items[0].order_item.product.sku
        return _count_one(session, package, recorded, items, client_scan_id, code, is_manual=True, user=user)


def undo_last_scan(session: Session, package_id: int, user: Optional[User] = None) -> ScanOutcome:
    """Take back the most recent scan that still counts: a case scan's units all together."""
    package = lock_package(session, package_id, *WITH_ITEMS_AND_PRODUCTS)
    _check_scannable(package, user)
    scans = live_scans(session, package)
    if not scans:
        raise ScanRefused("There is no scan to undo.", kind=NOTHING_TO_UNDO, field=None)
    last = scans[-1]
    taken = [scan for scan in scans if scan.case_scan_id == last.case_scan_id] if last.case_scan_id else [last]
    now = utcnow()
    for scan in taken:
        scan.undone_at = now
    taken_ids = {scan.package_item_id for scan in taken}
    boxes.take_out_of_boxes(item for item in package.items if item.id in taken_ids)
    session.flush()
    item = next(i for i in package.items if i.id == last.package_item_id)
    still_counting = tuple(scan for scan in scans if scan.undone_at is None)
    return ScanOutcome(package, last, item.order_item.product, still_counting, units=len(taken))


def run_station_command(
    session: Session,
    package_id: int,
    transition_or_slug: Transition | int | str,
    input_parameters: Optional[dict[str, Any]] = None,
    user: Optional[User] = None,
    expected_version: Optional[int] = None,
) -> CommandResult:
    """Run a command from the station: packing only once every active item is scanned, and
    never on a package another picker holds. Units that leave the package (out of stock,
    split off) stop counting as scanned here, so they can be scanned again where they go;
    a package put back loses its scans.
    ``expected_version`` is the version the picker's screen showed: a stale screen is refused."""
    transition = resolve_transition(session, transition_or_slug)
    package = lock_package(session, package_id)
    if expected_version is not None and expected_version != package.version:
        raise ConcurrentUpdate("The package changed while you were looking at it: check it and try again.")
    if transition.command != CommandType.PREPARE:
        # Preparing is the claim itself; every other command needs the package in hand.
        check_may_act(user, package)
    if transition.command in PACK_COMMANDS and transition.source_state_id == package.state_id:
        # An empty package is refused by the command itself: nothing is left to pack.
        missing = units_to_scan(product_counts(session, package))
        if missing:
            raise CommandNotAllowed(
                "Scan every item before packing: {missing} still to scan.", field="package_items", missing=missing
            )
    before = {item.id for item in active_items(package)}
    result = execute_command(session, package, transition, input_parameters, user)
    if transition.command in _ITEM_MOVING_COMMANDS:
        moved = before - {item.id for item in active_items(result.package)}
        _retire_scans(session, package.id, moved)
        boxes.take_items_out(session, moved)
    elif transition.command == CommandType.RELEASE:
        # Put back on the shelf: whoever takes the package next verifies every unit again.
        _retire_scans(session, package.id, before)
        boxes.drop_boxes(session, result.package)
    return result


# --- Boxes at the station ---------------------------------------------------------------


def start_box(session: Session, package_id: int, box_type_id: int, user: Optional[User] = None) -> boxes.BoxStarted:
    """The picker tapped one of the store's box types: the units counted next go into it."""
    package = lock_package(session, package_id, *WITH_ITEMS_AND_PRODUCTS)
    _check_boxable(package, user)
    box_type = boxes.get_box_type(session, package.stock_location_id, box_type_id)
    return _start_box(session, package, _recorded(session, package), box_type, None)


def _start_box(session: Session, package: Package, recorded: list[Scan], box_type, client_scan_id) -> boxes.BoxStarted:
    counting = _counting(package, recorded)
    if client_scan_id is not None:
        earlier = session.scalar(
            select(PackageBox).where(PackageBox.package_id == package.id, PackageBox.client_scan_id == client_scan_id)
        )
        if earlier is not None:
            return boxes.BoxStarted(package, earlier, counting, repeated=True)
    box, retyped = boxes.start_box(session, package, box_type, client_scan_id)
    return boxes.BoxStarted(package, box, counting, retyped=retyped)


def box_unboxed_units(session: Session, package_id: int, user: Optional[User] = None) -> PackageBox:
    """Put the units counted before the first box was started into the current box."""
    package = lock_package(session, package_id, *WITH_ITEMS_AND_PRODUCTS)
    _check_boxable(package, user)
    return boxes.box_unboxed(session, package, (scan.package_item_id for scan in live_scans(session, package)))


def set_box_weight(
    session: Session, package_id: int, box_number: int, weight: str, user: Optional[User] = None
) -> PackageBox:
    """Record a box's weight as typed, or as a USB scale typed it."""
    package = lock_package(session, package_id, *WITH_ITEMS_AND_PRODUCTS)
    _check_boxable(package, user)
    return boxes.set_weight(session, package, box_number, weight)


def unboxed_units(session: Session, package: Package, counting_scans: Optional[Iterable[Scan]] = None) -> int:
    """Counted units in no box (only a package with boxes has any): Pack waits for them."""
    if counting_scans is None:
        counting_scans = live_scans(session, package)
    return len(boxes.unboxed_units(package, (scan.package_item_id for scan in counting_scans)))


def _check_boxable(package: Package, user: Optional[User]) -> None:
    if not is_open(package):
        raise CommandNotAllowed("This package is finished: its boxes cannot change.", field="box")
    check_may_act(user, package)


# --- Internals ------------------------------------------------------------------------


def _check_client_scan_id(client_scan_id: str) -> None:
    if not client_scan_id or len(client_scan_id) > MAX_CLIENT_SCAN_ID_LENGTH:
        raise InvalidParameter(
            "client_scan_id must be 1 to {max_length} characters.",
            max_length=MAX_CLIENT_SCAN_ID_LENGTH,
            field="client_scan_id",
        )


def _recorded(session: Session, package: Package) -> list[Scan]:
    """Every scan of the package, undone ones too: a package has few, one query serves all checks."""
    return list(session.scalars(_PACKAGE_SCANS, {"package_id": package.id}))


# Built once: every scan runs it.
_PACKAGE_SCANS = select(Scan).where(Scan.package_id == bindparam("package_id")).order_by(Scan.id)


def _repeated(session: Session, package: Package, recorded: list[Scan], client_scan_id: str) -> Optional[ScanOutcome]:
    """A retry of a scan already recorded: answer as before, count nothing."""
    earlier = next((scan for scan in recorded if scan.client_scan_id == client_scan_id), None)
    if earlier is None:
        return None
    # The item may have left the package since (split off); it is then loaded on its own.
    item = next((i for i in package.items if i.id == earlier.package_item_id), None) or session.get(
        PackageItem, earlier.package_item_id
    )
    units = sum(1 for scan in recorded if scan.case_scan_id == earlier.case_scan_id) if earlier.case_scan_id else 1
    return ScanOutcome(
        package, earlier, item.order_item.product, _counting(package, recorded), repeated=True, units=units
    )


def _check_scannable(package: Package, user: Optional[User]) -> None:
    if not is_open(package):
        raise ScanRefused("Not counted: this package is finished and takes no more scans.", kind=NOT_OPEN, field=None)
    refusal = refusal_to_act(user, package)
    if refusal is not None:
        raise ScanRefused(_NOT_YOURS[refusal], kind=refusal, field=None, holder=holder_name(package))


def _matches(product: Product, code: str) -> bool:
    return code in product.barcodes or code.casefold() == product.sku.casefold()


def is_product_code(session: Session, code: str) -> bool:
    """Whether ``code`` is a product's barcode, SKU or case barcode (not a package or order number)."""
    if not code:
        return False
    if _known_product(session, code) is not None:
        return True
    return session.scalar(select(ProductPackaging.id).where(ProductPackaging.barcode == code)) is not None


def _known_product(session: Session, code: str) -> Optional[Product]:
    return session.scalar(
        select(Product)
        .outerjoin(ProductBarcode)
        .where(or_(Product.barcode == code, Product.sku == code, ProductBarcode.barcode == code))
        .limit(1)
    )


def _count_one(
    session: Session,
    package: Package,
    recorded: list[Scan],
    items: list[PackageItem],
    client_scan_id: str,
    code: str,
    *,
    is_manual: bool,
    user: Optional[User],
) -> ScanOutcome:
    free = _free(recorded, items)
    product = items[0].order_item.product
    if not free:
        raise ScanRefused(
            "Too many, not counted: every {name} is already scanned.",
            name=product.name,
            kind=OVER_SCAN,
            field=None if is_manual else "barcode",
            product=product,
        )
    scan = Scan(
        package_id=package.id,
        package_item_id=free[0].id,
        client_scan_id=client_scan_id,
        barcode=code,
        is_manual=is_manual,
        user_id=user.id if user else None,
    )
    session.add(scan)
    boxes.put_in_current_box(session, package, free[:1])
    session.flush()
    return ScanOutcome(package, scan, product, _counting(package, recorded) + (scan,))


def _count_case(
    session: Session,
    package: Package,
    recorded: list[Scan],
    packaging: ProductPackaging,
    client_scan_id: str,
    user: Optional[User],
) -> ScanOutcome:
    """Count a case's units all at once, or none of them: a case is not opened to count part of it."""
    items = [item for item in active_items(package) if item.order_item.product_id == packaging.product_id]
    if not items:
        raise ScanRefused(
            "Wrong item, not counted: {name} is not in this package.",
            kind=WRONG_ITEM,
            product=packaging.product,
            name=packaging.product.name,
        )
    product = items[0].order_item.product
    free = _free(recorded, items)
    if len(free) < packaging.quantity:
        raise ScanRefused(
            "Case not counted: it holds {quantity} × {name}, and only {remaining} are still to scan.",
            kind=CASE_TOO_BIG,
            product=product,
            name=product.name,
            quantity=packaging.quantity,
            remaining=len(free),
        )
    scans = [
        Scan(
            package_id=package.id,
            package_item_id=item.id,
            # The client scan id stays unique per package: the case's first unit keeps it.
            client_scan_id=client_scan_id if index == 0 else uuid.uuid4().hex,
            case_scan_id=client_scan_id,
            barcode=packaging.barcode,
            is_manual=False,
            user_id=user.id if user else None,
        )
        for index, item in enumerate(free[: packaging.quantity])
    ]
    session.add_all(scans)
    boxes.put_in_current_box(session, package, free[: packaging.quantity])
    session.flush()
    return ScanOutcome(package, scans[0], product, _counting(package, recorded) + tuple(scans), units=len(scans))


def _free(recorded: list[Scan], items: list[PackageItem]) -> list[PackageItem]:
    """Of ``items``, those no live scan counts yet."""
    scanned = {scan.package_item_id for scan in recorded if scan.undone_at is None}
    return [item for item in items if item.id not in scanned]


def _counting(package: Package, scans: list[Scan]) -> tuple[Scan, ...]:
    """Of ``scans`` (the package's, in order), those that count now: what ``live_scans`` reads."""
    active_ids = {item.id for item in active_items(package)}
    return tuple(scan for scan in scans if scan.undone_at is None and scan.package_item_id in active_ids)


def _retire_scans(session: Session, package_id: int, item_ids: set[int]) -> None:
    if not item_ids:
        return
    now = utcnow()
    for scan in session.scalars(
        select(Scan).where(Scan.package_id == package_id, Scan.package_item_id.in_(item_ids), Scan.undone_at.is_(None))
    ):
        scan.undone_at = now
    session.flush()
