"""Demo data: two stores, a cargo company, users for each role and packages to pack, and a
believable day: a queue due over the next day (a few overdue), packages packed today and
waiting for their labels, two held by pickers, and two weeks of history (packs by several
pickers, refusals, out-of-stock marks, shipments) so every dashboard chart has something.

Packages are built as reference-shaped documents and go through the importer, and the
history runs the real commands (their logs then dated back), so the demo exercises the
same paths an OMS feed and the station do. Running it again adds nothing new.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.catalogue import (
    PackageItemStatus,
    PackageStatus,
    active_items,
    item_state,
    package_state,
    seed_catalogue,
)
from packing.core.commands import execute_command
from packing.core.importer import import_packages
from packing.core.models import (
    Address,
    BoxType,
    CargoCompany,
    Channel,
    City,
    Country,
    DenialReason,
    Order,
    OrderItem,
    Package,
    PackageItem,
    PrintRecord,
    Product,
    Role,
    StockLocation,
    User,
)
from packing.core.shipping import LABELS_TO_RENDER, take_labels_to_render
from packing.core.users import create_user

DEMO_STORE = "DEMO-IST"
SECOND_STORE = "DEMO-ANK"
DEMO_TIME_ZONE = "Europe/Istanbul"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    locations: tuple[str, ...]


DEMO_USERS = (
    DemoUser("picker", "picker-demo-1", Role.PICKER, (DEMO_STORE,)),
    DemoUser("picker2", "picker-demo-2", Role.PICKER, (SECOND_STORE,)),
    DemoUser("ayse", "ayse-demo-1", Role.PICKER, (DEMO_STORE,)),
    DemoUser("mehmet", "mehmet-demo-1", Role.PICKER, (DEMO_STORE,)),
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
    session: Session, erp_code: str, name: str, line: str, city_name: str, cargo: CargoCompany, priority: int
) -> StockLocation:
    store = session.scalar(select(StockLocation).where(StockLocation.erp_code == erp_code))
    if store is not None:
        # Stores made by an older demo: give them the zone and the order they now have.
        store.time_zone = store.time_zone or DEMO_TIME_ZONE
        store.priority = priority
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
        time_zone=DEMO_TIME_ZONE,
        # A user lands on the store with the lowest priority value: the demo's main one.
        priority=priority,
    )
    session.add(store)
    session.flush()
    return store


# The cartons every demo store packs in: name, inside length x width x height in cm. Their shelf
# barcodes are BOX-<name>.
DEMO_BOX_TYPES = (("S", "25", "20", "10"), ("M", "40", "30", "20"), ("L", "60", "40", "40"))


def _ensure_box_types(session: Session, store: StockLocation) -> None:
    known = set(session.scalars(select(BoxType.code).where(BoxType.stock_location_id == store.id)))
    for position, (name, length, width, height) in enumerate(DEMO_BOX_TYPES):
        if f"BOX-{name}" not in known:
            session.add(
                BoxType(
                    stock_location_id=store.id,
                    code=f"BOX-{name}",
                    name=name,
                    length_cm=Decimal(length),
                    width_cm=Decimal(width),
                    height_cm=Decimal(height),
                    position=position,
                )
            )
    session.flush()


def queue_target(now: datetime, rng: random.Random) -> datetime:
    """When a waiting package should be packed: mostly over the next day, one in ten overdue."""
    if rng.random() < 0.1:
        return now - timedelta(minutes=rng.randint(20, 300))
    return now + timedelta(minutes=rng.randint(45, 30 * 60))


def package_document(
    index: int, erp_code: str, now: datetime, rng: random.Random, target: datetime | None = None
) -> dict[str, Any]:
    """One waiting package in the reference's Package Detail shape, due at ``target``."""
    order_number = f"22366{erp_code == SECOND_STORE and 9 or 3}{index:010d}"
    city, township, district, line, postcode = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    target = target or queue_target(now, rng)
    placed = min(now, target - timedelta(hours=24)) - timedelta(minutes=rng.randint(0, 120))
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
        "target_packing_date": target.isoformat(),
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
    stores = {
        DEMO_STORE: _ensure_store(
            session, DEMO_STORE, "Demo Store İstanbul", "İstiklal Cd. No:100, Beyoğlu", "İstanbul", cargo, priority=1
        ),
        SECOND_STORE: _ensure_store(
            session, SECOND_STORE, "Demo Store Ankara", "Tunalı Hilmi Cd. No:20, Çankaya", "Ankara", cargo, priority=2
        ),
    }

    for store in stores.values():
        _ensure_box_types(session, store)

    for demo in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == demo.username)) is None:
            create_user(session, demo.username, demo.password, demo.role, demo.locations)

    rng = random.Random(seed)
    now = datetime.now(UTC)
    for erp_code, count in ((DEMO_STORE, packages_per_store), (SECOND_STORE, max(10, packages_per_store // 4))):
        documents = [package_document(i, erp_code, now, rng) for i in range(count)]
        existing = set(
            session.scalars(select(Package.number).where(Package.number.in_([d["number"] for d in documents])))
        )
        missing = [document for document in documents if document["number"] not in existing]
        if missing:
            import_packages(session, {"results": missing})
    lead = session.scalar(select(User).where(User.username == "lead"))
    for erp_code, pickers, per_day in (
        (DEMO_STORE, ("picker", "ayse", "mehmet"), (9, 15)),
        (SECOND_STORE, ("picker2",), (3, 5)),
    ):
        people = list(session.scalars(select(User).where(User.username.in_(pickers)).order_by(User.username)))
        StoreHistory(session, stores[erp_code], people, lead, now, random.Random(f"{seed}-{erp_code}"), per_day).build()
    session.flush()
    return list(DEMO_USERS)


# --- A day and its history ------------------------------------------------------------

PREPARE = "package__prepare_package_command__waiting__preparing"
PACK = "package__complete_packaging__preparing__packed-all-items"
PACK_REST = "package__complete_packaging__contains-out-of-stock-products__packed-all-items"
REFUSE = "package__refuse_package__preparing__requires-replan"
OUT_OF_STOCK = "package__detected_out_of_stock_item__preparing__contains-out-of-stock-products"
CANCEL_REST = "package__cancel_package__contains-out-of-stock-products__packaging-canceled"
SHIP = "package__ship_package__packed-all-items__shipped"

HISTORY_DAYS = 14


@dataclass
class _Work:
    """One package's part in the store's days: who claimed it when, and how it ended."""

    claimed: datetime
    minutes: float
    picker: User
    outcome: str  # "pack", "refuse", "out_of_stock" or "hold" (claimed a moment ago, still in hand)

    @property
    def finished(self) -> datetime:
        return self.claimed + timedelta(minutes=self.minutes)


class StoreHistory:
    """Two weeks of a store's work and today's so far, run through the real commands."""

    def __init__(
        self,
        session: Session,
        store: StockLocation,
        pickers: list[User],
        lead: User,
        now: datetime,
        rng: random.Random,
        per_day: tuple[int, int],
    ):
        self.session, self.pickers, self.lead, self.now, self.rng = session, pickers, lead, now, rng
        # Only ids and plain values are kept: the build expunges the session as it goes.
        self.lead_id, self.store_id, self.erp_code = lead.id, store.id, store.erp_code
        self.per_day = per_day
        self.zone = ZoneInfo(store.time_zone or DEMO_TIME_ZONE)
        self.reasons = list(
            session.scalars(select(DenialReason.id).where(DenialReason.is_active.is_(True)).order_by(DenialReason.id))
        )

    def build(self) -> None:
        plan = self._plan()
        numbers = [self._order_number(index) + "P1" for index in range(len(plan))]
        if self.session.scalar(select(Package.id).where(Package.number == numbers[0])) is not None:
            return  # made by an earlier run
        package_ids = [package.id for package in self._packages(plan, numbers)]
        today = self.now.astimezone(self.zone).date()
        unprinted: set[int] = set()
        for done, (package_id, work) in enumerate(
            sorted(zip(package_ids, plan, strict=True), key=lambda pair: pair[1].claimed)
        ):
            if done % 25 == 0:
                # Each command's lock scans the session's identity map; keep it small.
                self.session.flush()
                self.session.expunge_all()
            package = self._work(package_id, work)
            if package is None:
                continue
            if work.claimed.astimezone(self.zone).date() == today:
                if self.rng.random() < 0.4:
                    self._printed(package, work.finished + timedelta(minutes=5))
                else:
                    unprinted.add(package.id)
            else:
                self._ship_next_morning(package, work, unprinted)
        # Only the labels the print room will show are rendered now; history renders on a reprint.
        take_labels_to_render(self.session)
        self.session.info.setdefault(LABELS_TO_RENDER, set()).update(unprinted)

    def _order_number(self, index: int) -> str:
        return f"22365{self.erp_code == SECOND_STORE and 9 or 3}{index:010d}"

    def _packages(self, plan: list[_Work], numbers: list[str]) -> list[Package]:
        """The plan's packages, waiting, built straight as rows (the importer's lookups
        would cost seconds here): the queue's products, addresses and channel again."""
        session, rng = self.session, self.rng
        products = list(session.scalars(select(Product).where(Product.sku.in_([sku for sku, _n, _a in PRODUCTS]))))
        addresses = list(
            session.scalars(select(Order.shipping_address_id).where(Order.shipping_address_id.is_not(None)).limit(40))
        )
        channel = session.scalar(select(Channel).where(Channel.name == "Demo Web Shop"))
        waiting = package_state(session, PackageStatus.WAITING)
        item_waiting = item_state(session, PackageItemStatus.WAITING)
        packages = []
        for work, number in zip(plan, numbers, strict=True):
            placed = work.claimed - timedelta(hours=rng.randint(2, 30))
            address = rng.choice(addresses)
            order = Order(
                number=number[:-2],
                date_placed=placed,
                channel=channel,
                shipping_address_id=address,
                billing_address_id=address,
                delivery_type=rng.choice(["standard", "standard", "same_day"]),
                created_date=placed,
                modified_date=placed,
            )
            package = Package(
                number=number,
                order=order,
                stock_location_id=self.store_id,
                state=waiting,
                created_date=placed,
                target_packing_date=work.claimed + timedelta(hours=rng.randint(2, 10)),
            )
            for product in rng.sample(products, rng.choice([1, 1, 2, 2, 3])):
                price = Decimal(rng.choice(["199.90", "349.00", "599.99", "899.50"]))
                order_item = OrderItem(
                    order=order, product=product, price=price, net_amount=price, tax_rate=Decimal("20.00")
                )
                package.items.append(PackageItem(order_item=order_item, state=item_waiting))
            packages.append(package)
        session.add_all(packages)
        session.flush()
        return packages

    def _plan(self) -> list[_Work]:
        rng, local_now = self.rng, self.now.astimezone(self.zone)
        plan = []
        for days_ago in range(HISTORY_DAYS, 0, -1):
            day = local_now.date() - timedelta(days=days_ago)
            pace = rng.uniform(0.8, 1.3)  # some days run slower than others
            for _ in range(rng.randint(*self.per_day)):
                claimed = datetime.combine(day, time(9), tzinfo=self.zone) + timedelta(minutes=rng.randint(0, 600))
                plan.append(_Work(claimed, self._minutes(pace), rng.choice(self.pickers), self._outcome()))
        # Today so far: from 08:00 when the day is that old, else since midnight.
        midnight = datetime.combine(local_now.date(), time.min, tzinfo=self.zone)
        opened = midnight + timedelta(hours=8) if local_now - midnight > timedelta(hours=9) else midnight
        span = max(timedelta(minutes=2), local_now - timedelta(minutes=5) - opened)
        count = max(4, self.per_day[0])
        for index in range(count):
            claimed = opened + span * (index + rng.random()) / (count + 1)
            left = (local_now - claimed).total_seconds() / 60 - 1
            outcome = {1: "refuse", 3: "out_of_stock"}.get(index, "pack")
            plan.append(_Work(claimed, min(self._minutes(1.0), max(0.5, left)), rng.choice(self.pickers), outcome))
        for picker in self.pickers[-2:]:
            plan.append(_Work(local_now - timedelta(minutes=rng.randint(2, 12)), 0, picker, "hold"))
        return plan

    def _minutes(self, pace: float) -> float:
        return round(max(3.0, self.rng.gauss(11, 4)) * pace + self.rng.choice([0, 0, 0, 0, 8, 15]), 1)

    def _outcome(self) -> str:
        draw = self.rng.random()
        return "refuse" if draw < 0.05 else "out_of_stock" if draw < 0.12 else "pack"

    def _run(self, package_id: int, slug: str, at: datetime, user: User, **parameters) -> Package:
        result = execute_command(self.session, package_id, slug, parameters or None, user)
        result.log.created_date = at.astimezone(UTC)
        return result.package

    def _work(self, package_id: int, work: _Work) -> Package | None:
        """Run the package's commands as the plan says; the package when it ends packed."""
        package = self._run(package_id, PREPARE, work.claimed, work.picker)
        if work.outcome == "hold":
            return None
        if work.outcome == "refuse":
            self._run(package_id, REFUSE, work.finished, work.picker, denial_reason=self.rng.choice(self.reasons))
            return None
        if work.outcome == "out_of_stock":
            items = active_items(package)
            marked = work.claimed + timedelta(minutes=work.minutes * 0.6)
            self._run(package_id, OUT_OF_STOCK, marked, work.picker, package_items=[items[-1].id])
            if len(items) == 1:
                self._run(package_id, CANCEL_REST, work.finished, self.lead)
                return None
            return self._run(package_id, PACK_REST, work.finished, work.picker)
        return self._run(package_id, PACK, work.finished, work.picker)

    def _printed(self, package: Package, at: datetime) -> None:
        self.session.add(
            PrintRecord(
                package_id=package.id, document_type="label", user_id=self.lead_id, created_date=at.astimezone(UTC)
            )
        )

    def _ship_next_morning(self, package: Package, work: _Work, unprinted: set[int]) -> None:
        """Earlier days' packages leave with the courier the next morning, if that has come."""
        next_day = work.finished.astimezone(self.zone).date() + timedelta(days=1)
        pickup = datetime.combine(next_day, time(10), tzinfo=self.zone) + timedelta(minutes=self.rng.randint(0, 120))
        if pickup >= self.now - timedelta(minutes=10):
            unprinted.add(package.id)
            return
        self._printed(package, pickup - timedelta(minutes=30))
        self._run(package.id, SHIP, pickup, self.lead)
