"""Builders for test data. Each takes the session, flushes, and returns the new object;
tests commit when they need the data seen by another connection (a request, a thread)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Optional

from sqlalchemy import select

from packing.core import scanning
from packing.core.catalogue import PackageItemStatus, PackageStatus, item_state, package_state
from packing.core.db import transaction
from packing.core.models import (
    Address,
    BoxType,
    CargoCompany,
    Channel,
    City,
    Country,
    Customer,
    Order,
    OrderItem,
    Package,
    PackageItem,
    Product,
    StockLocation,
    User,
)
from packing.core.users import create_user

PASSWORD = "correct-horse-1"
_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def country(session) -> Country:
    found = session.scalar(select(Country).where(Country.code == "tr"))
    if found is None:
        found = Country(name="Türkiye", code="tr")
        session.add(found)
        session.flush()
    return found


def city(session, name: str = "İstanbul") -> City:
    home = country(session)
    found = session.scalar(select(City).where(City.name == name, City.country_id == home.id))
    if found is None:
        found = City(name=name, country=home)
        session.add(found)
        session.flush()
    return found


def cargo_company(session, erp_code: str = "test-cargo") -> CargoCompany:
    found = session.scalar(select(CargoCompany).where(CargoCompany.erp_code == erp_code))
    if found is None:
        found = CargoCompany(
            name="Test Cargo", erp_code=erp_code, tracking_url_template="https://track.test/{tracking_number}"
        )
        session.add(found)
        session.flush()
    return found


def location(session, erp_code: Optional[str] = None, name: Optional[str] = None) -> StockLocation:
    erp_code = erp_code or f"STORE-{_next()}"
    found = session.scalar(select(StockLocation).where(StockLocation.erp_code == erp_code))
    if found is not None:
        return found
    store = StockLocation(
        erp_code=erp_code,
        name=name or f"Store {erp_code}",
        address=Address(title="Store", line="İstiklal Cd. No:1", city=city(session), country=country(session)),
        default_cargo_company=cargo_company(session),
        target_packing_interval=86400,
    )
    session.add(store)
    session.flush()
    return store


def user(
    session,
    role: str = "picker",
    password: str = PASSWORD,
    locations: Optional[Sequence[StockLocation]] = None,
    username: Optional[str] = None,
) -> User:
    locations = list(locations) if locations else [location(session)]
    return create_user(session, username or f"{role}{_next()}", password, role, [loc.erp_code for loc in locations])


def product(session, sku: Optional[str] = None, barcode: Optional[str] = None, name: str = "Test T-Shirt") -> Product:
    sku = sku or f"SKU-{_next()}"
    found = session.scalar(select(Product).where(Product.sku == sku))
    if found is not None:
        return found
    made = Product(sku=sku, barcode=barcode or f"869{_next():010d}", name=name, attributes={"size": "M"})
    session.add(made)
    session.flush()
    return made


def box_type(
    session,
    at: StockLocation,
    name: str = "M",
    code: Optional[str] = None,
    size: tuple[str, str, str] = ("40", "30", "20"),
) -> BoxType:
    """A box type of the store ``at``, its shelf barcode ``BOX-<name>-<n>`` unless given."""
    made = BoxType(
        stock_location_id=at.id,
        code=code or f"BOX-{name}-{_next()}",
        name=name,
        length_cm=Decimal(size[0]),
        width_cm=Decimal(size[1]),
        height_cm=Decimal(size[2]),
    )
    session.add(made)
    session.flush()
    return made


def channel(session, name: str = "Test Shop") -> Channel:
    found = session.scalar(select(Channel).where(Channel.name == name))
    if found is None:
        found = Channel(name=name, legal_name="Test Retail Ltd.", tax_no="1111111111")
        session.add(found)
        session.flush()
    return found


def package(
    session,
    at: Optional[StockLocation] = None,
    products: Optional[Sequence[Product]] = None,
    status: PackageStatus = PackageStatus.WAITING,
    item_status: PackageItemStatus = PackageItemStatus.WAITING,
    prices: Optional[Sequence[str]] = None,
    tax_rates: Optional[Sequence[str]] = None,
    target_packing_date: Optional[datetime] = None,
    **order_fields,
) -> Package:
    """A package with one item per product given (repeat a product for a quantity of two)."""
    at = at or location(session)
    products = list(products) if products else [product(session)]
    n = _next()
    shopper = Customer(first_name="Ayşe", last_name="Yılmaz", email=f"ayse{n}@example.com")
    shipping = Address(
        first_name="Ayşe",
        last_name="Yılmaz",
        line="Moda Cd. No:12",
        postcode="34710",
        phone_number="+90 555 000 00 00",
        city=city(session),
        country=country(session),
        customer=shopper,
    )
    order = Order(
        number=f"9{n:015d}",
        date_placed=datetime.now(UTC) - timedelta(hours=2),
        channel=channel(session),
        customer=shopper,
        shipping_address=shipping,
        billing_address=shipping,
        **order_fields,
    )
    made = Package(
        number=f"{order.number}P1",
        order=order,
        stock_location=at,
        state=package_state(session, status),
        target_packing_date=target_packing_date or datetime.now(UTC) + timedelta(hours=4),
    )
    session.add(made)
    session.flush()
    waiting = item_state(session, item_status)
    for index, item_product in enumerate(products):
        price = Decimal(prices[index]) if prices else Decimal("100.00")
        order_item = OrderItem(
            order=order,
            product=item_product,
            price=price,
            net_amount=price,
            tax_rate=Decimal(tax_rates[index]) if tax_rates else Decimal("20.00"),
        )
        session.add(PackageItem(package_id=made.id, order_item=order_item, state=waiting))
    session.flush()
    session.refresh(made)
    return made


def sibling_package(session, of: Package, status: PackageStatus = PackageStatus.WAITING) -> Package:
    """Another package of ``of``'s order at the same location, with one item of its own."""
    made = Package(
        number=f"{of.order.number}P{_next()}",
        order=of.order,
        stock_location=of.stock_location,
        state=package_state(session, status),
        target_packing_date=of.target_packing_date,
    )
    session.add(made)
    session.flush()
    waiting = item_state(session, PackageItemStatus.WAITING)
    order_item = OrderItem(
        order=of.order, product=product(session), price=Decimal("100.00"), net_amount=Decimal("100.00")
    )
    session.add(PackageItem(package_id=made.id, order_item=order_item, state=waiting))
    session.flush()
    session.refresh(made)
    return made


PACK = "package__complete_packaging__waiting__packed-all-items"


def packed_package(session, **package_fields) -> Package:
    """A package run through the real pack command (so it has its shipment); the label is
    rendered by the queue when the test commits."""
    from packing.core.commands import execute_command

    made = package(session, **package_fields)
    execute_command(session, made, PACK)
    session.flush()
    return made


PREPARE = "package__prepare_package_command__waiting__preparing"


def claimed_package(session, picker: User, products: Sequence[Product]) -> Package:
    """A package of ``products`` at the picker's first store, claimed by them (Preparing)."""
    claimed = package(session, at=picker.stock_locations[0], products=products)
    with transaction(session):
        scanning.run_station_command(session, claimed.id, PREPARE, {}, picker)
    return claimed


def scan(session, of: Package, code: str, scan_id: str, user: Optional[User] = None):
    """``code`` scanned at the station for ``of``, in its own transaction, as the station does."""
    with transaction(session):
        return scanning.record_scan(session, of.id, code, scan_id, user)


def webhook(session, event_type: str):
    from packing.core.models import Webhook

    hook = Webhook(target_url="https://hooks.example.com/packing", event_type=event_type)
    session.add(hook)
    session.flush()
    return hook
