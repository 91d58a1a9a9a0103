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
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select
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


def build(url: str, packages: int, at_location: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    engine = create_engine(database_url(url))
    now = datetime.now(UTC)
    with Session(engine) as session:
        seed_catalogue(session)
        states = {(s.enum_class, s.enum_value): s.id for s in session.scalars(select(State))}
        country = Country(name="Türkiye", code="tr")
        city = City(name="İstanbul", country=country)
        cargo = CargoCompany(name="Bench Cargo", erp_code="bench-cargo")
        channel = Channel(name="Bench Shop", legal_name="Bench Retail A.Ş.")
        session.add_all([country, city, cargo, channel])
        locations = [
            StockLocation(
                erp_code=f"BENCH-{i + 1}",
                name=f"Bench Store {i + 1}",
                address=Address(line=f"Bench Street {i + 1}", city=city, country=country),
                default_cargo_company=cargo,
            )
            for i in range(LOCATIONS)
        ]
        session.add_all(locations)
        session.flush()
        address = Address(first_name="Ayşe", last_name="Yılmaz", line="Moda Cd. 12", city=city, country=country)
        session.add(address)
        session.flush()
        products = [
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
        ]
        session.execute(insert(Product), products)
        product_ids = list(session.scalars(select(Product.id).order_by(Product.id)))
        create_user(session, PICKER, PICKER_PASSWORD, "picker", [PICKER_LOCATION])
        session.commit()
        ids = {
            "channel": channel.id,
            "address": address.id,
            "picker_location": locations[0].id,
            "others": [loc.id for loc in locations[1:]],
        }

    waiting = states[("PackageStatus", PackageStatus.WAITING.value)]
    packed = states[("PackageStatus", PackageStatus.PACKED.value)]
    item_waiting = states[("PackageItemStatus", PackageItemStatus.WAITING.value)]
    started = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, packages, CHUNK):
            orders, order_items, package_rows, item_rows = [], [], [], []
            for n in range(start, min(start + CHUNK, packages)):
                order_id = n + 1
                placed = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                at_picker = n < at_location
                orders.append(
                    {
                        "id": order_id,
                        "number": f"77{n:014d}",
                        "date_placed": placed,
                        "channel_id": ids["channel"],
                        "shipping_address_id": ids["address"],
                        "billing_address_id": ids["address"],
                        "payment_type": "credit_card",
                        "currency": "try",
                        "has_gift_box": n % 9 == 0,
                        "delivery_type": "standard",
                        "is_click_and_collect": n % 13 == 0,
                        "created_date": placed,
                        "modified_date": placed,
                    }
                )
                package_rows.append(
                    {
                        "id": order_id,
                        "number": f"77{n:014d}P1",
                        "order_id": order_id,
                        "stock_location_id": ids["picker_location"] if at_picker else rng.choice(ids["others"]),
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
                    order_items.append(
                        {
                            "id": item_id,
                            "order_id": order_id,
                            "product_id": rng.choice(product_ids),
                            "price": Decimal("199.90"),
                            "net_amount": Decimal("199.90"),
                            "tax_rate": Decimal("20.00"),
                            "discount_amount": Decimal("0.00"),
                            "price_currency": "try",
                            "attributes": {},
                            "created_date": placed,
                            "modified_date": placed,
                        }
                    )
                    item_rows.append(
                        {
                            "id": item_id,
                            "package_id": order_id,
                            "order_item_id": item_id,
                            "state_id": item_waiting,
                            "unit_type": "quantity",
                            "created_date": placed,
                            "modified_date": placed,
                        }
                    )
            connection.execute(insert(Order), orders)
            connection.execute(insert(OrderItem), order_items)
            connection.execute(insert(Package), package_rows)
            connection.execute(insert(PackageItem), item_rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("order", "order_item", "package", "package_item"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
                )
            connection.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
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
