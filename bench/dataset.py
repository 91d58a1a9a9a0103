"""Build a large database for the benchmarks: N packages across many stock locations, with
``--at-location`` of them at the picker's store, written with bulk inserts.

    python -m bench.dataset --url sqlite:////tmp/bench.db --packages 100000 --at-location 2000

It migrates the database, seeds the catalogue and a picker (``bench-picker`` /
``bench-password``) bound to location ``BENCH-1``, and prints what it made.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from packing.config import database_url
from packing.core.catalogue import PackageItemStatus, PackageStatus, seed_catalogue
from packing.core.models import (
    Address,
    CargoCompany,
    Channel,
    City,
    Country,
    Order,
    OrderItem,
    Package,
    PackageItem,
    Product,
    State,
    StockLocation,
    User,
)
from packing.core.users import create_user

ROOT = Path(__file__).resolve().parent.parent
PICKER, PICKER_PASSWORD, PICKER_LOCATION = "bench-picker", "bench-password", "BENCH-1"
LOCATIONS = 50
PRODUCTS = 500
CHUNK = 5000


def migrate(url: str) -> None:
    env = {**os.environ, "FLASK_APP": "app.py", "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True)


def fresh_schema(url: str) -> None:
    """Empty the database (PostgreSQL's public schema is dropped, a SQLite file deleted) and migrate it."""
    engine = create_engine(database_url(url))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    elif engine.url.database:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(engine.url.database + suffix):
                os.remove(engine.url.database + suffix)
    engine.dispose()
    migrate(url)


@dataclass
class World:
    """The ids the bulk rows point at; ``store_ids[0]`` is BENCH-1."""

    states: dict[tuple[str, str], int]
    channel: int
    address: int
    cargo: int
    store_ids: list[int]
    product_ids: list[int]

    def package_state(self, status: PackageStatus) -> int:
        return self.states[("PackageStatus", status.value)]

    def item_state(self, status: PackageItemStatus) -> int:
        return self.states[("PackageItemStatus", status.value)]

    def order_row(self, order_id: int, number: str, placed: datetime, **columns) -> dict:
        """An order by the one customer at the bench shop, a standard delivery unless ``columns`` say else."""
        return {
            "id": order_id,
            "number": number,
            "date_placed": placed,
            "channel_id": self.channel,
            "shipping_address_id": self.address,
            "billing_address_id": self.address,
            "payment_type": "credit_card",
            "currency": "try",
            "has_gift_box": False,
            "delivery_type": "standard",
            "is_click_and_collect": False,
            "created_date": placed,
            "modified_date": placed,
            **columns,
        }


def order_item_row(item_id: int, order_id: int, product_id: int, placed: datetime) -> dict:
    return {
        "id": item_id,
        "order_id": order_id,
        "product_id": product_id,
        "price": Decimal("199.90"),
        "net_amount": Decimal("199.90"),
        "tax_rate": Decimal("20.00"),
        "discount_amount": Decimal("0.00"),
        "price_currency": "try",
        "attributes": {},
        "created_date": placed,
        "modified_date": placed,
    }


def package_item_row(item_id: int, package_id: int, state_id: int, placed: datetime, **columns) -> dict:
    """The package's unit for order item ``item_id`` (the same id: one unit an item here)."""
    return {
        "id": item_id,
        "package_id": package_id,
        "order_item_id": item_id,
        "state_id": state_id,
        "unit_type": "quantity",
        "created_date": placed,
        "modified_date": placed,
        **columns,
    }


def insert_rows(connection, rows_by_model: list[tuple[type, list[dict]]]) -> None:
    """Bulk inserts, in the order given (parents first); a model without rows is passed over."""
    for model, rows in rows_by_model:
        if rows:
            connection.execute(insert(model), rows)


def build_world(session: Session, now: datetime, time_zone: str | None = None) -> World:
    """The catalogue, a cargo company and channel, LOCATIONS stores (BENCH-1, BENCH-2, ...),
    one customer address and PRODUCTS products; the caller adds its users and commits."""
    seed_catalogue(session)
    country = Country(name="Türkiye", code="tr")
    city = City(name="İstanbul", country=country)
    cargo = CargoCompany(name="Bench Cargo", erp_code="bench-cargo")
    channel = Channel(name="Bench Shop", legal_name="Bench Retail A.Ş.")
    stores = [
        StockLocation(
            erp_code=f"BENCH-{i + 1}",
            name=f"Bench Store {i + 1}",
            address=Address(line=f"Bench Street {i + 1}", city=city, country=country),
            default_cargo_company=cargo,
            time_zone=time_zone,
        )
        for i in range(LOCATIONS)
    ]
    address = Address(first_name="Ayşe", last_name="Yılmaz", line="Moda Cd. 12", city=city, country=country)
    session.add_all([country, city, cargo, channel, *stores, address])
    session.flush()
    session.execute(
        insert(Product),
        [
            {
                "sku": f"BENCH-{i:05d}",
                "barcode": f"2{i:011d}0",
                "name": f"Bench product {i}",
                "attributes": {},
                "attributes_kwargs": {},
                "created_date": now,
                "modified_date": now,
            }
            for i in range(PRODUCTS)
        ],
    )
    return World(
        states={(s.enum_class, s.enum_value): s.id for s in session.scalars(select(State))},
        channel=channel.id,
        address=address.id,
        cargo=cargo.id,
        store_ids=[store.id for store in stores],
        product_ids=list(session.scalars(select(Product.id).order_by(Product.id))),
    )


def analyze(engine, bulk_tables: tuple[str, ...]) -> None:
    """After bulk inserts with explicit ids: move PostgreSQL's sequences past them, and
    gather the planner's statistics."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in bulk_tables:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
                )
        connection.exec_driver_sql("ANALYZE")


def build(url: str, packages: int, at_location: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    engine = create_engine(database_url(url))
    now = datetime.now(UTC)
    with Session(engine) as session:
        world = build_world(session, now)
        create_user(session, PICKER, PICKER_PASSWORD, "picker", [PICKER_LOCATION])
        session.commit()
    product_ids = world.product_ids

    waiting = world.package_state(PackageStatus.WAITING)
    packed = world.package_state(PackageStatus.PACKED)
    item_waiting = world.item_state(PackageItemStatus.WAITING)
    started = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, packages, CHUNK):
            orders, order_items, package_rows, item_rows = [], [], [], []
            for n in range(start, min(start + CHUNK, packages)):
                order_id = n + 1
                placed = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                at_picker = n < at_location
                orders.append(
                    world.order_row(
                        order_id,
                        f"77{n:014d}",
                        placed,
                        has_gift_box=n % 9 == 0,
                        is_click_and_collect=n % 13 == 0,
                    )
                )
                package_rows.append(
                    {
                        "id": order_id,
                        "number": f"77{n:014d}P1",
                        "order_id": order_id,
                        "stock_location_id": world.store_ids[0] if at_picker else rng.choice(world.store_ids[1:]),
                        "state_id": waiting if at_picker or rng.random() < 0.3 else packed,
                        "target_packing_date": placed + timedelta(days=1),
                        "extra_information": {},
                        "version": 1,
                        "created_date": placed,
                        "modified_date": placed,
                    }
                )
                for _ in range(rng.randint(1, 4)):
                    item_id = len(order_items) + start * 4 + 1
                    order_items.append(order_item_row(item_id, order_id, rng.choice(product_ids), placed))
                    item_rows.append(package_item_row(item_id, order_id, item_waiting, placed))
            insert_rows(
                connection,
                [(Order, orders), (OrderItem, order_items), (Package, package_rows), (PackageItem, item_rows)],
            )
    analyze(engine, ("order", "order_item", "package", "package_item"))
    with Session(engine) as session:
        picker_id = session.scalar(select(User.id).where(User.username == PICKER))
    engine.dispose()
    return {
        "packages": packages,
        "at_location": at_location,
        "seconds": round(time.perf_counter() - started, 1),
        "picker_id": picker_id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (created and migrated)")
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--at-location", type=int, default=2_000)
    args = parser.parse_args()
    migrate(args.url)
    print(build(args.url, args.packages, args.at_location))


if __name__ == "__main__":
    main()
