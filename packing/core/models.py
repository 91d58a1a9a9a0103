"""The packing station's data, as plain SQLAlchemy 2 typed models (no Flask import).

Field names follow the Akinon OMS "Package Services" reference so that the API can
serialise them without renaming.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy import event as orm_event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
        Decimal: Numeric(14, 2),
    }


# Turkish dotted and dotless I are one letter to a search box: "şahin" finds "Şahin", "isik"
# finds "IŞIK" and "Işık" alike, on SQLite (whose lower() is ASCII-only) as on PostgreSQL.
_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})


def fold_case(text: Optional[str]) -> str:
    """``text`` as case-insensitive filters compare it (stored in the ``*_folded`` columns)."""
    composed = unicodedata.normalize("NFC", text or "")
    return composed.translate(_TURKISH_I).casefold().replace("i\u0307", "i")


def _keeps_folded(model: type, pairs: dict[str, str]) -> None:
    """Keep ``model``'s folded columns in step with their source on every insert and update."""

    def refold(_mapper, _connection, target) -> None:
        for source, folded in pairs.items():
            setattr(target, folded, fold_case(getattr(target, source)))

    orm_event.listen(model, "before_insert", refold)
    orm_event.listen(model, "before_update", refold)


class ReferenceFields:
    """The reference's fields the station keeps without acting on them (an engine id, a
    price list, coordinates...): stored by the importer as it read them, written back by the
    formats that document them."""

    reference_fields: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class Timestamped:
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    modified_date: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- Places ---------------------------------------------------------------------------


class Country(ReferenceFields, Base):
    __tablename__ = "country"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_folded: Mapped[str] = mapped_column(String(100), default="", index=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class City(ReferenceFields, Base):
    __tablename__ = "city"
    __table_args__ = (UniqueConstraint("country_id", "name", name="uq_city_country_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_folded: Mapped[str] = mapped_column(String(100), default="", index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    country: Mapped[Country] = relationship()


class Township(ReferenceFields, Base):
    __tablename__ = "township"
    __table_args__ = (UniqueConstraint("city_id", "name", name="uq_township_city_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_folded: Mapped[str] = mapped_column(String(100), default="", index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    city: Mapped[City] = relationship()


class District(ReferenceFields, Base):
    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("township_id", "name", name="uq_district_township_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    is_active: Mapped[bool] = mapped_column(default=True)


class Channel(Timestamped, Base):
    """A sales channel; it is also the seller named on invoices."""

    __tablename__ = "channel"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel_type: Mapped[str] = mapped_column(String(32), default="web")
    omnitron_id: Mapped[Optional[int]]
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    tax_office: Mapped[str] = mapped_column(String(100), default="")
    tax_no: Mapped[str] = mapped_column(String(32), default="")
    address_text: Mapped[str] = mapped_column(String(400), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    first_name_folded: Mapped[str] = mapped_column(String(100), default="", index=True)
    last_name_folded: Mapped[str] = mapped_column(String(100), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone_number: Mapped[str] = mapped_column(String(32), default="")
    erp_code: Mapped[Optional[str]] = mapped_column(String(64))
    omnitron_id: Mapped[Optional[int]] = mapped_column(index=True)
    channel_id: Mapped[Optional[int]] = mapped_column(ForeignKey("channel.id"))


class Address(ReferenceFields, Timestamped, Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    omnitron_id: Mapped[Optional[int]] = mapped_column(index=True)
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customer.id"))
    address_type: Mapped[str] = mapped_column(String(32), default="customer")
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("country.id"), index=True)
    city_id: Mapped[Optional[int]] = mapped_column(ForeignKey("city.id"), index=True)
    township_id: Mapped[Optional[int]] = mapped_column(ForeignKey("township.id"), index=True)
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("district.id"))
    title: Mapped[str] = mapped_column(String(128), default="")
    line: Mapped[str] = mapped_column(String(512), default="")
    postcode: Mapped[Optional[str]] = mapped_column(String(16))
    notes: Mapped[Optional[str]] = mapped_column(String(512))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone_number: Mapped[str] = mapped_column(String(32), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    tax_office: Mapped[str] = mapped_column(String(100), default="")
    tax_no: Mapped[str] = mapped_column(String(32), default="")
    e_bill_taxpayer: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    customer: Mapped[Optional[Customer]] = relationship()
    country: Mapped[Optional[Country]] = relationship()
    city: Mapped[Optional[City]] = relationship()
    township: Mapped[Optional[Township]] = relationship()
    district: Mapped[Optional[District]] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# --- Carriers and stock locations -----------------------------------------------------


class CargoCompany(Timestamped, Base):
    __tablename__ = "cargo_company"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    erp_code: Mapped[str] = mapped_column(String(64), unique=True)
    # Seller Center names a shipping method by uuid.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    # Which carrier adapter issues its tracking numbers ("builtin" or a plugged-in one).
    shipping_company: Mapped[str] = mapped_column(String(64), default="builtin")
    tracking_url_template: Mapped[str] = mapped_column(String(300), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    # How the carrier wants its labels: "pdf" (every printer) or "zpl" (ZPL II for its
    # thermal printers, at label_dpi); label_size is "4x6in" or "100x150mm".
    label_format: Mapped[str] = mapped_column(String(8), default="pdf", server_default="pdf")
    label_dpi: Mapped[int] = mapped_column(default=203, server_default="203")
    label_size: Mapped[str] = mapped_column(String(16), default="4x6in", server_default="4x6in")
    # How a package packed in several boxes is tracked: "own" (every box a number of its own
    # from the carrier, box 1 keeping the shipment's) or "suffix" (the shipment's number and
    # "-02", "-03"... per box); and whether each box's label carries an SSCC (GS1-128, AI 00).
    parcel_tracking: Mapped[str] = mapped_column(String(8), default="own", server_default="own")
    uses_sscc: Mapped[bool] = mapped_column(default=False, server_default=false())


class StockLocation(ReferenceFields, Timestamped, Base):
    __tablename__ = "stock_location"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    erp_code: Mapped[str] = mapped_column(String(64), unique=True)
    stock_location_type: Mapped[str] = mapped_column(String(32), default="store")
    address_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
    omnitron_id: Mapped[Optional[int]]
    # Seconds from a package's creation to its target packing date ("5 00:00:00" in the API).
    target_packing_interval: Mapped[int] = mapped_column(default=5 * 24 * 3600)
    default_cargo_company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cargo_company.id"))
    daytime_phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    priority: Mapped[int] = mapped_column(default=10)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    conf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    use_as_shipper_location: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # An IANA zone ("Europe/Istanbul") for the store's day and clock; None means the
    # installation's DEFAULT_TIME_ZONE.
    time_zone: Mapped[Optional[str]] = mapped_column(String(64))

    address: Mapped[Optional[Address]] = relationship()
    default_cargo_company: Mapped[Optional[CargoCompany]] = relationship()


class BoxType(Base):
    """A carton a store packs in (S, M, L...): tapped at the station or scanned by the
    barcode printed on the shelf, with its inside dimensions for the carrier."""

    __tablename__ = "box_type"
    __table_args__ = (UniqueConstraint("stock_location_id", "code", name="uq_box_type_location_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id", ondelete="CASCADE"), index=True)
    # The barcode on the shelf (scanned at the station to start a box of this type).
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(32))
    # Inside dimensions in centimetres.
    length_cm: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    width_cm: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    height_cm: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


# --- Catalogue of states and commands -------------------------------------------------


class State(Timestamped, Base):
    """One value of an enum class (PackageStatus, PackageItemStatus, OrderStatus)."""

    __tablename__ = "state"
    __table_args__ = (UniqueConstraint("enum_class", "enum_value", name="uq_state_enum"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enum_class: Mapped[str] = mapped_column(String(64))
    enum_value: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def display_name(self, locale: str = "en-us") -> str:
        return self.translations.get(locale, {}).get("name") or self.name


class Transition(Timestamped, Base):
    """A configured command: running it moves a package from source to destination state."""

    __tablename__ = "transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    command: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    translations: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    source_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"), index=True)
    destination_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    is_packageitem_parameter_required: Mapped[bool] = mapped_column(default=False)
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ui_visibility: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    source_state: Mapped[State] = relationship(foreign_keys=[source_state_id])
    destination_state: Mapped[State] = relationship(foreign_keys=[destination_state_id])

    def display_label(self, locale: str = "en-us") -> str:
        return ((self.translations or {}).get(locale) or {}).get("label") or self.label


class DenialReason(Base):
    __tablename__ = "denial_reason"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    remote_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    priority: Mapped[int] = mapped_column(default=0)
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)

    def display_title(self, locale: str = "en-us") -> str:
        return self.translations.get(locale, {}).get("title") or self.title


# --- Products and orders --------------------------------------------------------------


class Product(ReferenceFields, Timestamped, Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), unique=True)
    base_code: Mapped[Optional[str]] = mapped_column(String(128))
    barcode: Mapped[Optional[str]] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(300))
    omnitron_id: Mapped[Optional[int]]
    image_url: Mapped[Optional[str]] = mapped_column(String(500))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes_kwargs: Mapped[dict[str, Any]] = mapped_column(default=dict)

    extra_barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def barcodes(self) -> list[str]:
        codes = [self.barcode] if self.barcode else []
        return codes + [b.barcode for b in self.extra_barcodes if b.barcode not in codes]


class ProductBarcode(Base):
    """A further barcode a product is scanned by (a supplier's EAN beside the store's own)."""

    __tablename__ = "product_barcode"
    __table_args__ = (UniqueConstraint("product_id", "barcode", name="uq_product_barcode_product_barcode"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    barcode: Mapped[str] = mapped_column(String(128), index=True)
    product: Mapped[Product] = relationship(back_populates="extra_barcodes")


class ProductPackaging(Base):
    """A case or pack of one product with its own barcode: scanning it counts ``quantity``
    units at once. Imported from the product's ``attributes["packaging_barcodes"]`` or set
    by an admin."""

    __tablename__ = "product_packaging"
    __table_args__ = (CheckConstraint("quantity >= 2", name="quantity_at_least_two"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(128), unique=True)
    quantity: Mapped[int]
    product: Mapped[Product] = relationship()


class Order(Timestamped, Base):
    __tablename__ = "order"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    omnitron_id: Mapped[Optional[int]] = mapped_column(index=True)
    date_placed: Mapped[datetime] = mapped_column(index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), index=True)
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customer.id"), index=True)
    shipping_address_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
    billing_address_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
    state_id: Mapped[Optional[int]] = mapped_column(ForeignKey("state.id"))
    payment_type: Mapped[str] = mapped_column(String(32), default="credit_card")
    currency: Mapped[str] = mapped_column(String(3), default="try")
    notes: Mapped[Optional[str]] = mapped_column(Text)
    has_gift_box: Mapped[bool] = mapped_column(default=False)
    gift_box_note: Mapped[Optional[str]] = mapped_column(Text)
    delivery_type: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    delivery_range_lower: Mapped[Optional[datetime]]
    delivery_range_upper: Mapped[Optional[datetime]]
    is_click_and_collect: Mapped[bool] = mapped_column(default=False)
    retail_store_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stock_location.id"))
    shipping_option_slug: Mapped[Optional[str]] = mapped_column(String(64))

    channel: Mapped[Channel] = relationship()
    customer: Mapped[Optional[Customer]] = relationship()
    shipping_address: Mapped[Optional[Address]] = relationship(foreign_keys=[shipping_address_id])
    billing_address: Mapped[Optional[Address]] = relationship(foreign_keys=[billing_address_id])
    state: Mapped[Optional[State]] = relationship()
    retail_store: Mapped[Optional[StockLocation]] = relationship()
    items: Mapped[list[OrderItem]] = relationship(back_populates="order", order_by="OrderItem.id")


class OrderItem(ReferenceFields, Timestamped, Base):
    """One unit of one product in an order (as in the OMS, an order item has no quantity)."""

    __tablename__ = "order_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    state_id: Mapped[Optional[int]] = mapped_column(ForeignKey("state.id"))
    omnitron_id: Mapped[Optional[int]] = mapped_column(unique=True)
    price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    retail_price: Mapped[Optional[Decimal]]
    net_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    tax_amount: Mapped[Optional[Decimal]]
    discount_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    price_currency: Mapped[str] = mapped_column(String(3), default="try")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()
    state: Mapped[Optional[State]] = relationship()


# --- Packages -------------------------------------------------------------------------


class Package(ReferenceFields, Timestamped, Base):
    __tablename__ = "package"
    __table_args__ = (
        # The queue: a location's packages in a state, by target packing date.
        Index("ix_package_queue", "stock_location_id", "state_id", "target_packing_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"), index=True)
    target_packing_date: Mapped[Optional[datetime]]
    tracking_number: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    invoice_number: Mapped[Optional[str]] = mapped_column(String(32))
    remote_id: Mapped[Optional[str]] = mapped_column(String(128))
    extra_information: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shipment_date: Mapped[Optional[datetime]]
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("package.id"))
    # The picker who claimed it with the prepare command; cleared when it leaves Preparing.
    holder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # Bumped by every command: an optimistic check for clients and the lock on SQLite.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # The version the last import left; a higher version means newer work that a re-import
    # of an older export must not undo. None: never imported.
    imported_version: Mapped[Optional[int]]

    order: Mapped[Order] = relationship()
    stock_location: Mapped[StockLocation] = relationship()
    state: Mapped[State] = relationship()
    holder: Mapped[Optional[User]] = relationship()
    parent: Mapped[Optional[Package]] = relationship(remote_side=[id])
    items: Mapped[list[PackageItem]] = relationship(
        back_populates="package", order_by="PackageItem.id", foreign_keys="PackageItem.package_id"
    )
    shipment: Mapped[Optional[Shipment]] = relationship(back_populates="package", uselist=False)
    shipping_label: Mapped[Optional[ShippingLabel]] = relationship(
        back_populates="package", uselist=False, order_by="ShippingLabel.id.desc()"
    )
    invoice: Mapped[Optional[Invoice]] = relationship(back_populates="package", uselist=False)
    boxes: Mapped[list[PackageBox]] = relationship(
        back_populates="package", order_by="PackageBox.number", cascade="all, delete-orphan"
    )


class PackageBox(Base):
    """Box (parcel) ``number`` of a package: what went in it (``PackageItem.box_id``), its
    type and dimensions, its weight, and once shipped its own tracking number and SSCC."""

    __tablename__ = "package_box"
    __table_args__ = (
        UniqueConstraint("package_id", "number", name="uq_package_box_package_number"),
        CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # None: the one box a package is packed in when the picker never chose one.
    box_type_id: Mapped[Optional[int]] = mapped_column(ForeignKey("box_type.id", ondelete="SET NULL"))
    weight_kg: Mapped[Optional[Decimal]] = mapped_column(Numeric(7, 3))
    length_cm: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 1))
    width_cm: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 1))
    height_cm: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 1))
    tracking_number: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    sscc: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    # The station scan that started it (a box-type barcode): a retried scan starts no second box.
    client_scan_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)

    package: Mapped[Package] = relationship(back_populates="boxes")
    box_type: Mapped[Optional[BoxType]] = relationship()


class PackageItem(Timestamped, Base):
    __tablename__ = "package_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_item.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    denial_reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("denial_reason.id"))
    discrepancy_reason: Mapped[Optional[str]] = mapped_column(String(200))
    selected_barcode: Mapped[Optional[str]] = mapped_column(String(128))
    serial_no: Mapped[Optional[str]] = mapped_column(String(128))
    unit_weight: Mapped[Optional[Decimal]] = mapped_column(Numeric(10, 3))
    unit_type: Mapped[str] = mapped_column(String(16), default="quantity")
    # The box this counted unit went into (None: not in a box yet).
    box_id: Mapped[Optional[int]] = mapped_column(ForeignKey("package_box.id", ondelete="SET NULL"), index=True)

    package: Mapped[Package] = relationship(back_populates="items", foreign_keys=[package_id])
    order_item: Mapped[OrderItem] = relationship()
    state: Mapped[State] = relationship()
    denial_reason: Mapped[Optional[DenialReason]] = relationship()


class Scan(Base):
    """One scan (or manual count) of a package item at the station."""

    __tablename__ = "scan"
    __table_args__ = (
        UniqueConstraint("package_id", "client_scan_id", name="uq_scan_package_client_scan_id"),
        # A unit counts once: at most one live (not undone) scan per package item.
        Index(
            "uq_scan_live_item",
            "package_item_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    package_item_id: Mapped[int] = mapped_column(ForeignKey("package_item.id"))
    client_scan_id: Mapped[str] = mapped_column(String(64))
    barcode: Mapped[str] = mapped_column(String(128))
    is_manual: Mapped[bool] = mapped_column(default=False)
    # The client scan id of the case scan that counted this unit with others: one undo takes
    # them all back. The case's other units get generated client scan ids of their own.
    case_scan_id: Mapped[Optional[str]] = mapped_column(String(64))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[Optional[datetime]]


# --- Shipping and documents -----------------------------------------------------------


class Shipment(Timestamped, Base):
    __tablename__ = "shipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), unique=True)
    cargo_company_id: Mapped[int] = mapped_column(ForeignKey("cargo_company.id"), index=True)
    awb_number: Mapped[str] = mapped_column(String(64), unique=True)
    query_number: Mapped[Optional[str]] = mapped_column(String(64))
    tracking_url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[int] = mapped_column(default=1)
    pay_on_delivery_amount: Mapped[Optional[Decimal]]
    estimated_delivery_date: Mapped[Optional[datetime]]
    update_date_time: Mapped[datetime] = mapped_column(default=utcnow)

    package: Mapped[Package] = relationship(back_populates="shipment")
    cargo_company: Mapped[CargoCompany] = relationship()


class ShippingLabel(Timestamped, Base):
    """A rendered label, stored so that a reprint or a batch costs no rendering."""

    __tablename__ = "shipping_label"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    shipment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shipment.id"))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    is_file: Mapped[bool] = mapped_column(default=False)

    package: Mapped[Package] = relationship(back_populates="shipping_label")


class Invoice(Timestamped, Base):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    address_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
    invoice_type: Mapped[str] = mapped_column(String(32), default="purchased")
    status: Mapped[str] = mapped_column(String(32), default="waiting")
    number: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    invoice_date: Mapped[Optional[datetime]]
    currency: Mapped[str] = mapped_column(String(3), default="try")

    package: Mapped[Package] = relationship(back_populates="invoice")
    order: Mapped[Order] = relationship()
    channel: Mapped[Channel] = relationship()
    address: Mapped[Optional[Address]] = relationship()
    items: Mapped[list[InvoiceItem]] = relationship(back_populates="invoice", order_by="InvoiceItem.id")


class InvoiceItem(Timestamped, Base):
    __tablename__ = "invoice_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_item.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    discount_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    discount_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    net_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    invoice: Mapped[Invoice] = relationship(back_populates="items")
    order_item: Mapped[OrderItem] = relationship()


class TrackingNumberSequence(Base):
    """A named counter the built-in carrier adapter draws tracking numbers from.

    Incremented with ``UPDATE ... RETURNING`` so the row lock (PostgreSQL) or the write lock
    (SQLite) makes concurrent packs draw distinct numbers.
    """

    __tablename__ = "tracking_number_sequence"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class BatchStatus(StrEnum):
    """Where a print batch is: waiting for the worker, being built, its PDF ready, or failed."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PrintBatch(Base):
    """A batch of documents printed as one PDF, rendered by a background job."""

    __tablename__ = "print_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    document_type: Mapped[str] = mapped_column(String(16))
    package_ids: Mapped[list[Any]] = mapped_column(default=list)
    # Stored as the value's text, as it was when the column was a plain string.
    status: Mapped[BatchStatus] = mapped_column(
        Enum(BatchStatus, native_enum=False, length=16, values_callable=lambda statuses: [s.value for s in statuses]),
        default=BatchStatus.PENDING,
    )
    done: Mapped[int] = mapped_column(default=0)
    pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    finished_date: Mapped[Optional[datetime]]


class PrintRecord(Base):
    """Who printed which document of which package, and when."""

    __tablename__ = "print_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("print_batch.id"))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)


class Printer(Timestamped, Base):
    """A printer a store registered: the only addresses print jobs are ever sent to."""

    __tablename__ = "printer"
    id: Mapped[int] = mapped_column(primary_key=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # "raw": ZPL labels over a raw TCP socket (port 9100); "ipp": PDFs by IPP Print-Job.
    kind: Mapped[str] = mapped_column(String(8))
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int]
    ipp_path: Mapped[str] = mapped_column(String(200), default="/ipp/print")
    dpi: Mapped[int] = mapped_column(default=203)
    # Every package packed at the store has its label sent here, once, when it is rendered.
    print_on_pack: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    stock_location: Mapped[StockLocation] = relationship()


class PrintJob(Base):
    """One document sent (or being sent) to a printer by the worker, and how it went."""

    __tablename__ = "print_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printer.id"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # queued -> sent, or retrying -> ... -> failed when the printer does not answer.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    finished_date: Mapped[Optional[datetime]]

    printer: Mapped[Printer] = relationship()


# --- Audit ----------------------------------------------------------------------------


class TransitionLog(Base):
    __tablename__ = "transition_log"
    __table_args__ = (
        # The dashboard's day: a store's packages that entered a state (packed, shipped, ...)
        # in a time range, in time order, read from the index alone (package and user ride
        # along), without touching other stores' or other days' log.
        Index(
            "ix_transition_log_store_state_created",
            "stock_location_id",
            "new_state_id",
            "created_date",
            "object_id",
            "user_id",
        ),
        # A package's claims before its pack, answered from the index alone.
        Index("ix_transition_log_object_state_created", "object_id", "new_state_id", "created_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32), default="package")
    object_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    old_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    new_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    transition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("transition.id"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # Where the package was when the command ran (None only on logs from before it was kept).
    stock_location_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stock_location.id"))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    old_state: Mapped[State] = relationship(foreign_keys=[old_state_id])
    new_state: Mapped[State] = relationship(foreign_keys=[new_state_id])
    transition: Mapped[Optional[Transition]] = relationship()
    user: Mapped[Optional[User]] = relationship()


# --- Integrations ---------------------------------------------------------------------


class Webhook(Timestamped, Base):
    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_url: Mapped[str] = mapped_column(String(500))
    # The reference's single ``event_type`` stays (the API shows it): it is the first of
    # ``event_types``, the list a subscription actually receives.
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    event_types: Mapped[list[Any]] = mapped_column(default=list)
    secret_key: Mapped[str] = mapped_column(String(200), default="")
    additional_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retry_countdown_config: Mapped[dict[str, Any]] = mapped_column(
        default=lambda: {"choice": "exponential", "kwargs": {"base": 2, "factor": 1}}
    )
    max_retries: Mapped[int] = mapped_column(default=10)
    timeout_seconds: Mapped[int] = mapped_column(default=10)
    callback: Mapped[str] = mapped_column(String(500), default="")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)


class WebhookEvent(Timestamped, Base):
    """An outbox row: written in the transaction that made the change, delivered later."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_due", "status", "next_retry_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32), default="package")
    object_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    request_payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # False while ``request_payload["payload"]`` still lacks the package snapshot, which is
    # taken after the change's commit so that the picker's request does not pay for it.
    payload_ready: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    retryable: Mapped[bool] = mapped_column(default=True)
    retry_count: Mapped[int] = mapped_column(default=0)
    next_retry_date: Mapped[Optional[datetime]]
    response_http_status: Mapped[Optional[int]]
    response_content: Mapped[Optional[str]] = mapped_column(Text)
    request_datetimes: Mapped[list[Any]] = mapped_column(default=list)

    webhook: Mapped[Webhook] = relationship()


# --- People ---------------------------------------------------------------------------

user_stock_location = Table(
    "user_stock_location",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("stock_location_id", ForeignKey("stock_location.id", ondelete="CASCADE"), primary_key=True),
)

api_token_stock_location = Table(
    "api_token_stock_location",
    Base.metadata,
    Column("api_token_id", ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("stock_location_id", ForeignKey("stock_location.id", ondelete="CASCADE"), primary_key=True),
)


class Role:
    PICKER = "picker"
    LEAD = "lead"
    ADMIN = "admin"
    ALL = (PICKER, LEAD, ADMIN)


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.PICKER)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's user id: raising it (sign-out, a new password, deactivation)
    # ends every session signed in before, on every device.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # A password an admin handed out (a new user, a reset): changed before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    # Lowest priority value first, so a user's main store is the one they land on.
    stock_locations: Mapped[list[StockLocation]] = relationship(
        secondary=user_stock_location, order_by="[StockLocation.priority, StockLocation.name]"
    )

    # flask-login's protocol, spelled out so the model needs no Flask mixin.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(Base):
    """An integrator's key: only a SHA-256 of it is stored; the prefix finds the row."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    key_prefix: Mapped[str] = mapped_column(String(12), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_date: Mapped[Optional[datetime]]
    revoked_date: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()
    stock_locations: Mapped[list[StockLocation]] = relationship(secondary=api_token_stock_location)


_keeps_folded(Customer, {"first_name": "first_name_folded", "last_name": "last_name_folded"})
for _place in (Country, City, Township):
    _keeps_folded(_place, {"name": "name_folded"})


class AuditEntry(Base):
    """One admin change (who, when, what, before and after) or sign-in refusal, kept for admins."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The name stays readable in the log when the account is gone.
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[Optional[int]]
    target_label: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[Optional[User]] = relationship()


class ImportStatus(StrEnum):
    """Where an uploaded import is: waiting for the worker, importing, landed, or refused whole."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportRun(Base):
    """An OMS export uploaded in the browser and imported by the worker, all or nothing; kept
    to be looked at later. ``allowed_locations`` (ERP codes) limits a lead to their stores."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    finished_date: Mapped[Optional[datetime]]
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.QUEUED)
    # The uploaded document until the worker has read it; emptied once the run is over.
    document: Mapped[str] = mapped_column(Text, default="")
    allowed_locations: Mapped[Optional[list[Any]]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    # [{"path": ..., "reason": ...}] when the import was refused; [[number, reason]] left as they are.
    refusals: Mapped[list[Any]] = mapped_column(default=list)
    left_as_they_are: Mapped[list[Any]] = mapped_column(default=list)
