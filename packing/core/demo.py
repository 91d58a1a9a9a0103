"""Demo data: two stores, a cargo company, users for each role and packages to pack.

Packages are built as reference-shaped documents and go through the importer, so the demo
exercises the same path an OMS feed does. Running it again adds nothing new.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core.catalogue import seed_catalogue
from packing.core.importer import import_packages
from packing.core.models import (
    Address,
    CargoCompany,
    Channel,
    City,
    Country,
    Package,
    Role,
    StockLocation,
    User,
)
from packing.core.users import create_user

DEMO_STORE = "DEMO-IST"
SECOND_STORE = "DEMO-ANK"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    locations: tuple[str, ...]


DEMO_USERS = (
    DemoUser("picker", "picker-demo-1", Role.PICKER, (DEMO_STORE,)),
    DemoUser("picker2", "picker-demo-2", Role.PICKER, (SECOND_STORE,)),
    DemoUser("lead", "lead-demo-1", Role.LEAD, (DEMO_STORE, SECOND_STORE)),
    DemoUser("admin", "admin-demo-1", Role.ADMIN, (DEMO_STORE, SECOND_STORE)),
)

PRODUCTS = [
    ("TSH-CRW-BLK-M", "Organic Cotton Crew Neck T-Shirt", {"color": "Black", "size": "M"}),
    ("TSH-CRW-BLK-L", "Organic Cotton Crew Neck T-Shirt", {"color": "Black", "size": "L"}),
    ("TSH-CRW-WHT-S", "Organic Cotton Crew Neck T-Shirt", {"color": "White", "size": "S"}),
    ("JNS-SLM-IND-32", "Slim Fit Jeans", {"color": "Indigo", "size": "32/32"}),
    ("JNS-SLM-BLK-30", "Slim Fit Jeans", {"color": "Black", "size": "30/32"}),
    ("SNK-RUN-WHT-42", "Everyday Running Sneaker", {"color": "White", "size": "42"}),
    ("SNK-RUN-GRY-44", "Everyday Running Sneaker", {"color": "Grey", "size": "44"}),
    ("HDY-ZIP-NVY-M", "Zip-Up Hoodie", {"color": "Navy", "size": "M"}),
    ("SCF-WOL-RED", "Merino Wool Scarf", {"color": "Red", "size": "One size"}),
    ("SCK-3PK-MIX", "Cotton Socks, 3 Pack", {"color": "Mixed", "size": "39-42"}),
    ("CAP-BSB-BGE", "Baseball Cap", {"color": "Beige", "size": "One size"}),
    ("BAG-TOT-CNV", "Canvas Tote Bag", {"color": "Natural", "size": "One size"}),
    ("DRS-MID-FLR-38", "Floral Midi Dress", {"color": "Floral", "size": "38"}),
    ("SHR-OXF-BLU-L", "Oxford Shirt", {"color": "Light Blue", "size": "L"}),
    ("BLT-LTH-BRN-90", "Leather Belt", {"color": "Brown", "size": "90"}),
]

CITIES = [
    ("İstanbul", "Kadıköy", "Caferağa", "Moda Cd. No:12 D:4", "34710"),
    ("İstanbul", "Beşiktaş", "Sinanpaşa", "Ihlamurdere Cd. No:5", "34353"),
    ("Ankara", "Çankaya", "Kızılay", "Atatürk Blv. No:101", "06420"),
    ("İzmir", "Konak", "Alsancak", "Kıbrıs Şehitleri Cd. No:44", "35220"),
    ("Bursa", "Nilüfer", "Beşevler", "Akpınar Cd. No:7", "16110"),
]

FIRST_NAMES = ["Ayşe", "Mehmet", "Elif", "Can", "Zeynep", "Emre", "Deniz", "Selin", "Burak", "Ece"]
LAST_NAMES = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Arslan", "Doğan", "Koç", "Kurt"]


def ean13(seed: int) -> str:
    """A valid EAN-13 in the in-store range (prefix 2), so demo codes never clash with real ones."""
    body = f"2{seed:011d}"[:12]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def product_barcode(sku: str) -> str:
    return ean13(860000000 + [p[0] for p in PRODUCTS].index(sku))


def _place(session: Session, country: Country, city_name: str) -> City:
    city = session.scalar(select(City).where(City.country_id == country.id, City.name == city_name))
    if city is None:
        city = City(name=city_name, country=country)
        session.add(city)
        session.flush()
    return city


def _ensure_store(
    session: Session, erp_code: str, name: str, line: str, city_name: str, cargo: CargoCompany
) -> StockLocation:
    store = session.scalar(select(StockLocation).where(StockLocation.erp_code == erp_code))
    if store is not None:
        return store
    turkey = session.scalar(select(Country).where(Country.code == "tr"))
    if turkey is None:
        turkey = Country(name="Türkiye", code="tr")
        session.add(turkey)
        session.flush()
    address = Address(
        title=name,
        line=line,
        country=turkey,
        city=_place(session, turkey, city_name),
        phone_number="+90 212 555 01 01",
        address_type="stock_location",
    )
    store = StockLocation(
        erp_code=erp_code,
        name=name,
        address=address,
        default_cargo_company=cargo,
        daytime_phone="+90 212 555 01 01",
        target_packing_interval=24 * 3600,
    )
    session.add(store)
    session.flush()
    return store


def package_document(index: int, erp_code: str, now: datetime, rng: random.Random) -> dict[str, Any]:
    """One waiting package in the reference's Package Detail shape."""
    order_number = f"22366{erp_code == SECOND_STORE and 9 or 3}{index:010d}"
    city, township, district, line, postcode = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    placed = now - timedelta(hours=rng.randint(1, 60))
    chosen = rng.sample(PRODUCTS, rng.randint(1, 3))
    items = []
    for sku, name, attributes in chosen:
        for _ in range(rng.choice([1, 1, 1, 2])):
            price = rng.choice(["199.90", "349.00", "599.99", "899.50", "1299.00"])
            tax_rate = rng.choice(["10.00", "20.00", "20.00", "1.00"])
            items.append(
                {
                    "state": {"enum_class": "PackageItemStatus", "enum_value": "100"},
                    "order_item": {
                        "omnitron_id": int(f"{9 if erp_code == SECOND_STORE else 7}{index:05d}{len(items):02d}"),
                        "product": {
                            "sku": sku,
                            "name": name,
                            "barcode": product_barcode(sku),
                            "attributes": attributes,
                            "productimage_set": [{"url": f"/static/products/{sku.split('-')[0].lower()}.svg"}],
                        },
                        "price": price,
                        "net_amount": price,
                        "tax_rate": tax_rate,
                        "discount_amount": "0.00",
                        "price_currency": "try",
                    },
                }
            )
    delivery_type = rng.choice(["standard", "standard", "standard", "same_day", "click_and_collect"])
    return {
        "number": f"{order_number}P1",
        "order_number": order_number,
        "omnitron_order_id": 40000 + index,
        "date_placed": placed.isoformat(),
        "created_date": placed.isoformat(),
        "target_packing_date": (placed + timedelta(hours=24)).isoformat(),
        "channel_name": "Demo Web Shop",
        "payment_type": rng.choice(["credit_card", "credit_card", "pay_on_delivery", "funds_transfer"]),
        "state": {"enum_class": "PackageStatus", "enum_value": "100"},
        "stock_location": {"erp_code": erp_code},
        "is_click_and_collect": delivery_type == "click_and_collect",
        "delivery_type": delivery_type,
        "order_has_gift_box": index % 7 == 0,
        "order_gift_box_note": "Happy birthday! With love." if index % 7 == 0 else None,
        "order_notes": "Please leave with the doorman." if index % 5 == 0 else None,
        "shipping_address": {
            "first_name": first,
            "last_name": last,
            "phone_number": f"+90 5{rng.randint(300000000, 599999999)}",
            "email": f"{first.lower()}.{last.lower()}@example.com".encode("ascii", "ignore").decode(),
            "line": line,
            "postcode": postcode,
            "country": {"name": "Türkiye", "code": "tr"},
            "city": {"name": city},
            "township": {"name": township},
            "district": {"name": district},
            "customer": {"pk": 5000 + index, "first_name": first, "last_name": last},
        },
        "packageitem_set": items,
    }


def seed_demo(session: Session, packages_per_store: int = 60, seed: int = 7) -> list[DemoUser]:
    """Create the demo stores, users and packages that are not there yet; return the demo logins."""
    seed_catalogue(session)
    cargo = session.scalar(select(CargoCompany).where(CargoCompany.erp_code == "demo-express"))
    if cargo is None:
        cargo = CargoCompany(
            name="Demo Express",
            erp_code="demo-express",
            shipping_company="builtin",
            tracking_url_template="https://track.example.com/demo-express/{tracking_number}",
        )
        session.add(cargo)
    if session.scalar(select(Channel).where(Channel.name == "Demo Web Shop")) is None:
        session.add(
            Channel(
                name="Demo Web Shop",
                legal_name="Demo Retail A.Ş.",
                tax_office="Beşiktaş",
                tax_no="1234567890",
                address_text="Barbaros Blv. No:1, 34353 Beşiktaş, İstanbul",
                locale="tr",
            )
        )
    _ensure_store(session, DEMO_STORE, "Demo Store İstanbul", "İstiklal Cd. No:100, Beyoğlu", "İstanbul", cargo)
    _ensure_store(session, SECOND_STORE, "Demo Store Ankara", "Tunalı Hilmi Cd. No:20, Çankaya", "Ankara", cargo)

    for demo in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == demo.username)) is None:
            create_user(session, demo.username, demo.password, demo.role, demo.locations)

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    for erp_code, count in ((DEMO_STORE, packages_per_store), (SECOND_STORE, max(10, packages_per_store // 4))):
        existing = session.scalar(
            select(func.count(Package.id)).join(StockLocation).where(StockLocation.erp_code == erp_code)
        )
        documents = [package_document(i, erp_code, now, rng) for i in range(count)]
        if existing < count:
            import_packages(session, {"results": documents[existing:]})
    session.flush()
    return list(DEMO_USERS)
