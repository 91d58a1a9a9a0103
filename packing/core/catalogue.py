"""The default catalogue: states, commands (transitions) and denial reasons.

The catalogue is data. ``seed_catalogue`` writes it once and afterwards only adds what is
missing, so a retailer's relabelled or translated commands survive an upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.models import CargoCompany, DenialReason, Package, PackageItem, State, Transition


class PackageStatus(str, Enum):
    WAITING = "100"
    PREPARING = "200"
    CONTAINS_OUT_OF_STOCK = "300"
    REQUIRES_REPLAN = "350"
    PACKED = "500"
    READY_TO_SHIP = "550"
    SHIPPED = "600"
    DELIVERED = "800"
    DELIVERY_FAILED = "850"
    PACKAGING_CANCELED = "900"


class PackageItemStatus(str, Enum):
    WAITING = "100"
    PREPARING = "250"
    OUT_OF_STOCK = "300"
    REFUSED = "400"
    PACKED = "500"
    CANCELLED = "600"
    SHIPPED = "700"
    DELIVERED = "900"


# Items in these states are still part of the package: they are scanned, packed and billed.
ACTIVE_ITEM_STATES = (PackageItemStatus.WAITING, PackageItemStatus.PREPARING, PackageItemStatus.PACKED)

# Packages that have been packed: they have (or may be given) a shipment, label and invoice.
PACKED_STATES = (
    PackageStatus.PACKED,
    PackageStatus.READY_TO_SHIP,
    PackageStatus.SHIPPED,
    PackageStatus.DELIVERED,
)

# Packages a picker still has work on.
OPEN_PACKAGE_STATES = (
    PackageStatus.WAITING,
    PackageStatus.PREPARING,
    PackageStatus.CONTAINS_OUT_OF_STOCK,
)


@dataclass(frozen=True)
class StateSpec:
    enum_class: str
    enum_value: str
    en: str
    tr: str
    slug_name: str = ""

    @property
    def slug(self) -> str:
        """The state's part of a command slug, as the reference spells it."""
        return self.slug_name or self.en.lower().replace(" ", "-")


PACKAGE_STATES = [
    StateSpec("PackageStatus", PackageStatus.WAITING.value, "Waiting", "Bekliyor"),
    StateSpec("PackageStatus", PackageStatus.PREPARING.value, "Preparing", "Hazırlanıyor"),
    StateSpec(
        "PackageStatus",
        PackageStatus.CONTAINS_OUT_OF_STOCK.value,
        "Contains Out of Stock Products",
        "Stokta Olmayan Ürün İçeriyor",
    ),
    StateSpec("PackageStatus", PackageStatus.REQUIRES_REPLAN.value, "Requires Replan", "Yeniden Planlanmalı"),
    StateSpec("PackageStatus", PackageStatus.PACKED.value, "Packed", "Paketlendi", "packed-all-items"),
    StateSpec("PackageStatus", PackageStatus.READY_TO_SHIP.value, "Ready to Ship", "Kargoya Hazır"),
    StateSpec("PackageStatus", PackageStatus.SHIPPED.value, "Shipped", "Kargolandı"),
    StateSpec("PackageStatus", PackageStatus.DELIVERED.value, "Delivered", "Teslim Edildi"),
    StateSpec("PackageStatus", PackageStatus.DELIVERY_FAILED.value, "Delivery Failed", "Teslim Edilemedi"),
    StateSpec("PackageStatus", PackageStatus.PACKAGING_CANCELED.value, "Packaging Canceled", "İptal Edildi"),
]

PACKAGE_ITEM_STATES = [
    StateSpec("PackageItemStatus", PackageItemStatus.WAITING.value, "Waiting", "Bekliyor"),
    StateSpec("PackageItemStatus", PackageItemStatus.PREPARING.value, "Preparing", "Hazırlanıyor"),
    StateSpec("PackageItemStatus", PackageItemStatus.OUT_OF_STOCK.value, "Out of Stock", "Stokta Yok"),
    StateSpec("PackageItemStatus", PackageItemStatus.REFUSED.value, "Refused", "Reddedildi"),
    StateSpec("PackageItemStatus", PackageItemStatus.PACKED.value, "Packed", "Paketlendi"),
    StateSpec("PackageItemStatus", PackageItemStatus.CANCELLED.value, "Cancelled", "İptal Edilmiş"),
    StateSpec("PackageItemStatus", PackageItemStatus.SHIPPED.value, "Shipped", "Kargolandı"),
    StateSpec("PackageItemStatus", PackageItemStatus.DELIVERED.value, "Delivered", "Teslim Edildi"),
]

ORDER_STATES = [
    StateSpec("OrderStatus", "100", "Waiting", "Bekliyor"),
    StateSpec("OrderStatus", "400", "Approved", "Onaylanmış"),
    StateSpec("OrderStatus", "450", "Preparing", "Hazırlanıyor"),
    StateSpec("OrderStatus", "500", "Shipped", "Kargolandı"),
    StateSpec("OrderStatus", "550", "Delivered", "Teslim Edildi"),
    StateSpec("OrderStatus", "600", "Cancelled", "İptal Edilmiş"),
]

ALL_STATES = PACKAGE_STATES + PACKAGE_ITEM_STATES + ORDER_STATES


class CommandType:
    """What a command does; handlers are registered per type in ``packing.core.commands``."""

    PREPARE = "PREPARE_PACKAGE"
    STATE_TRANSITION = "PKG_STATE_TRANSITION"
    RELEASE = "RELEASE_PACKAGE"
    COMPLETE_PACKAGING = "COMPLETE_PACKAGING"
    COMPLETE_PACKAGING_WITHOUT_SHIPMENT = "COMPLETE_PACKAGING_WITHOUT_SHIPMENT"
    CHANNEL_BASED_COMPLETE_PACKAGING = "CHANNEL_BASED_COMPLETE_PACKAGING"
    REFUSE = "REFUSE_PACKAGE"
    OUT_OF_STOCK = "DETECTED_OUT_OF_STOCK_ITEM"
    SPLIT = "SPLIT_PACKAGE"
    CANCEL = "CANCEL_PACKAGE"
    READY_TO_SHIP = "READY_TO_SHIP"
    SHIP = "SHIP_PACKAGE"
    DELIVER = "DELIVER_PACKAGE"
    DELIVERY_FAILED = "DELIVERY_FAILED"


@dataclass(frozen=True)
class TransitionSpec:
    command: str
    source: PackageStatus
    destination: PackageStatus
    label: str
    label_tr: str
    slug_name: str
    packageitem_parameter_required: bool = False
    configuration: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        source = _state_spec(self.source).slug
        destination = _state_spec(self.destination).slug
        return f"package__{self.slug_name}__{source}__{destination}"


def _state_spec(status: PackageStatus) -> StateSpec:
    return next(s for s in PACKAGE_STATES if s.enum_value == status.value)


S = PackageStatus
T = CommandType


def _packing_commands(source: PackageStatus) -> list[TransitionSpec]:
    """The commands a picker runs on a package that is waiting or being prepared."""
    return [
        TransitionSpec(T.COMPLETE_PACKAGING, source, S.PACKED, "Pack", "Paketle", "complete_packaging"),
        TransitionSpec(
            T.COMPLETE_PACKAGING_WITHOUT_SHIPMENT,
            source,
            S.PACKED,
            "Pack without shipment",
            "Kargolamadan paketle",
            "complete_packaging_without_shipment",
        ),
        TransitionSpec(
            T.CHANNEL_BASED_COMPLETE_PACKAGING,
            source,
            S.PACKED,
            "Channel Based Complete Packaging",
            "Kanal bazlı paketle",
            "channel_based_complete_packaging",
        ),
        TransitionSpec(T.REFUSE, source, S.REQUIRES_REPLAN, "Refuse Package", "Paketi reddet", "refuse_package"),
        TransitionSpec(
            T.OUT_OF_STOCK,
            source,
            S.CONTAINS_OUT_OF_STOCK,
            "Out of stock",
            "Stokta yok işaretle",
            "detected_out_of_stock_item",
            packageitem_parameter_required=True,
        ),
        TransitionSpec(
            T.SPLIT,
            source,
            source,
            "Split package",
            "Paketi böl",
            "split_package",
            packageitem_parameter_required=True,
        ),
        TransitionSpec(T.CANCEL, source, S.PACKAGING_CANCELED, "Cancel", "İptal et", "cancel_package"),
    ]


DEFAULT_TRANSITIONS: list[TransitionSpec] = [
    TransitionSpec(
        T.PREPARE, S.WAITING, S.PREPARING, "Start preparing", "Hazırlamaya başla", "prepare_package_command"
    ),
    TransitionSpec(
        T.STATE_TRANSITION, S.WAITING, S.PREPARING, "Start preparing (plain)", "Hazırla", "pkg_state_transition"
    ),
    *_packing_commands(S.WAITING),
    *_packing_commands(S.PREPARING),
    TransitionSpec(T.RELEASE, S.PREPARING, S.WAITING, "Put back", "Kuyruğa geri koy", "release_package"),
    TransitionSpec(T.COMPLETE_PACKAGING, S.CONTAINS_OUT_OF_STOCK, S.PACKED, "Pack", "Paketle", "complete_packaging"),
    TransitionSpec(T.CANCEL, S.CONTAINS_OUT_OF_STOCK, S.PACKAGING_CANCELED, "Cancel", "İptal et", "cancel_package"),
    TransitionSpec(T.READY_TO_SHIP, S.PACKED, S.READY_TO_SHIP, "Ready to ship", "Kargoya hazır", "ready_to_ship"),
    TransitionSpec(T.SHIP, S.PACKED, S.SHIPPED, "Shipped", "Kargolandı", "ship_package"),
    TransitionSpec(T.SHIP, S.READY_TO_SHIP, S.SHIPPED, "Shipped", "Kargolandı", "ship_package"),
    TransitionSpec(T.DELIVER, S.SHIPPED, S.DELIVERED, "Delivered", "Teslim edildi", "deliver_package"),
    TransitionSpec(
        T.DELIVERY_FAILED, S.SHIPPED, S.DELIVERY_FAILED, "Delivery failed", "Teslim edilemedi", "delivery_failed"
    ),
]

# The carrier a store ships with until a lead chooses its own: the built-in adapter's
# sequential tracking numbers, so a fresh install (or a store imported from the OMS) can pack.
BUILTIN_CARGO_COMPANY = {"erp_code": "builtin", "name": "Store courier", "shipping_company": "builtin"}

DEFAULT_DENIAL_REASONS = [
    ("damaged", "Product is damaged", "Ürün hasarlı", 10),
    ("not-found", "Product not found on shelf", "Ürün rafta bulunamadı", 20),
    ("wrong-product", "Wrong product in stock", "Stoktaki ürün hatalı", 30),
    ("capacity", "Store over capacity", "Mağaza kapasitesi dolu", 40),
    ("other", "Other", "Diğer", 90),
]


@dataclass
class SeedResult:
    """How many defaults ``seed_catalogue`` added (none when the catalogue was complete)."""

    states: int = 0
    commands: int = 0
    denial_reasons: int = 0
    carriers: int = 0

    @property
    def added_anything(self) -> bool:
        return bool(self.states or self.commands or self.denial_reasons or self.carriers)


def seed_catalogue(session: Session) -> SeedResult:
    """Insert the default states, commands, denial reasons and carrier that are not there yet."""
    added = SeedResult()
    states = {(s.enum_class, s.enum_value): s for s in session.scalars(select(State))}
    for spec in ALL_STATES:
        if (spec.enum_class, spec.enum_value) not in states:
            added.states += 1
            state = State(
                enum_class=spec.enum_class,
                enum_value=spec.enum_value,
                name=spec.en,
                translations={"en-us": {"name": spec.en}, "tr-tr": {"name": spec.tr}},
                config={},
            )
            session.add(state)
            states[(spec.enum_class, spec.enum_value)] = state
    session.flush()

    known_slugs = set(session.scalars(select(Transition.slug)))
    for position, spec in enumerate(DEFAULT_TRANSITIONS):
        if spec.slug in known_slugs:
            continue
        added.commands += 1
        session.add(
            Transition(
                command=spec.command,
                slug=spec.slug,
                label=spec.label,
                translations={"en-us": {"label": spec.label}, "tr-tr": {"label": spec.label_tr}},
                source_state=states[("PackageStatus", spec.source.value)],
                destination_state=states[("PackageStatus", spec.destination.value)],
                is_packageitem_parameter_required=spec.packageitem_parameter_required,
                configuration=dict(spec.configuration),
                ui_visibility=[],
                position=position,
            )
        )
        known_slugs.add(spec.slug)

    if (
        session.scalar(select(CargoCompany.id).where(CargoCompany.erp_code == BUILTIN_CARGO_COMPANY["erp_code"]))
        is None
    ):
        session.add(CargoCompany(**BUILTIN_CARGO_COMPANY))
        added.carriers += 1

    known_reasons = set(session.scalars(select(DenialReason.remote_id)))
    for remote_id, title, title_tr, priority in DEFAULT_DENIAL_REASONS:
        if remote_id not in known_reasons:
            added.denial_reasons += 1
            session.add(
                DenialReason(
                    remote_id=remote_id,
                    title=title,
                    priority=priority,
                    translations={"en-us": {"title": title}, "tr-tr": {"title": title_tr}},
                )
            )
    session.flush()
    return added


def get_state(session: Session, enum_class: str, enum_value: str) -> State:
    state = session.scalar(select(State).where(State.enum_class == enum_class, State.enum_value == enum_value))
    if state is None:
        raise LookupError(f"state {enum_class} {enum_value} is not in the catalogue; run `flask seed-catalogue`")
    return state


def package_state(session: Session, status: PackageStatus) -> State:
    return get_state(session, "PackageStatus", status.value)


def item_state(session: Session, status: PackageItemStatus) -> State:
    return get_state(session, "PackageItemStatus", status.value)


def available_commands(session: Session, package: Package) -> list[Transition]:
    """The active commands whose source state is the package's current state."""
    return list(
        session.scalars(
            select(Transition)
            .where(Transition.source_state_id == package.state_id, Transition.is_active.is_(True))
            .order_by(Transition.position, Transition.id)
        )
    )


def active_items(package: Package) -> list[PackageItem]:
    """The items still part of the package: scanned, packed and billed."""
    active = {status.value for status in ACTIVE_ITEM_STATES}
    return [item for item in package.items if item.state.enum_value in active]
