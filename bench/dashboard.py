"""Benchmark the shift lead's dashboard on a year of data: p50 and p95 of the app's own
time (its ``Server-Timing`` header) for the dashboard page, its 30 s htmx refresh, and the
"who packed what" report and CSV.

    python -m bench.dashboard --url sqlite:////tmp/dash.db --fresh
    python -m bench.dashboard --url postgresql://postgres@127.0.0.1:5432/DB --fresh

``--fresh`` builds the year (it drops the given database's schema): 100,000 packages over
365 days across 50 stores, 30 % of them at ``BENCH-1`` (the store the lead watches, in
Europe/Istanbul, about 80 packages a day), each claimed, packed, made ready, shipped and
delivered (500,000 transition logs, a tenth refused or marked out of stock instead), with
ten scans each (1,000,000 scans: a live one per unit, the rest undone rescans). Today's
packages at BENCH-1 are part done: some waiting, some held, some packed without a label.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bench.dataset import analyze, build_world, fresh_schema, insert_rows, order_item_row, package_item_row
from packing.app import create_app
from packing.config import database_url
from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.models import (
    Order,
    OrderItem,
    Package,
    PackageItem,
    PrintRecord,
    Scan,
    Shipment,
    StockLocation,
    Transition,
    TransitionLog,
)
from packing.core.queries import counting_statements
from packing.core.users import create_user
from packing.extensions import db

LEAD, LEAD_PASSWORD = "bench-lead", "bench-lead-password"
PICKERS = 6
STORE_SHARE = 0.3
SCANS_PER_PACKAGE = 10
CHUNK = 5000
ISTANBUL = timezone(timedelta(hours=3))  # no DST since 2016: fixed offset is exact here


def build(url: str, packages: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    engine = create_engine(database_url(url))
    now = datetime.now(UTC)
    with Session(engine) as session:
        world = build_world(session, now, time_zone="Europe/Istanbul")
        transitions = {t.slug: t.id for t in session.scalars(select(Transition))}
        create_user(session, LEAD, LEAD_PASSWORD, "lead", ["BENCH-1"])
        pickers = [
            create_user(session, f"bench-picker-{i}", "bench-password", "picker", ["BENCH-1"]).id
            for i in range(PICKERS)
        ]
        session.commit()
    store_ids, product_ids = world.store_ids, world.product_ids
    package_state, item_state = world.package_state, world.item_state

    slug = {
        "prepare": "package__prepare_package_command__waiting__preparing",
        "pack": "package__complete_packaging__preparing__packed-all-items",
        "ready": "package__ready_to_ship__packed-all-items__ready-to-ship",
        "ship": "package__ship_package__ready-to-ship__shipped",
        "deliver": "package__deliver_package__shipped__delivered",
        "refuse": "package__refuse_package__preparing__requires-replan",
        "oos": "package__detected_out_of_stock_item__preparing__contains-out-of-stock-products",
        "pack_rest": "package__complete_packaging__contains-out-of-stock-products__packed-all-items",
    }
    moves = {  # (transition, old state, new state)
        "prepare": (package_state(PackageStatus.WAITING), package_state(PackageStatus.PREPARING)),
        "pack": (package_state(PackageStatus.PREPARING), package_state(PackageStatus.PACKED)),
        "ready": (package_state(PackageStatus.PACKED), package_state(PackageStatus.READY_TO_SHIP)),
        "ship": (package_state(PackageStatus.READY_TO_SHIP), package_state(PackageStatus.SHIPPED)),
        "deliver": (package_state(PackageStatus.SHIPPED), package_state(PackageStatus.DELIVERED)),
        "refuse": (package_state(PackageStatus.PREPARING), package_state(PackageStatus.REQUIRES_REPLAN)),
        "oos": (package_state(PackageStatus.PREPARING), package_state(PackageStatus.CONTAINS_OUT_OF_STOCK)),
        "pack_rest": (package_state(PackageStatus.CONTAINS_OUT_OF_STOCK), package_state(PackageStatus.PACKED)),
    }
    item_after = {
        package_state(PackageStatus.WAITING): item_state(PackageItemStatus.WAITING),
        package_state(PackageStatus.PREPARING): item_state(PackageItemStatus.PREPARING),
        package_state(PackageStatus.PACKED): item_state(PackageItemStatus.PACKED),
        package_state(PackageStatus.READY_TO_SHIP): item_state(PackageItemStatus.PACKED),
        package_state(PackageStatus.SHIPPED): item_state(PackageItemStatus.SHIPPED),
        package_state(PackageStatus.DELIVERED): item_state(PackageItemStatus.DELIVERED),
        package_state(PackageStatus.REQUIRES_REPLAN): item_state(PackageItemStatus.REFUSED),
    }
    started = time.perf_counter()
    counts = {"logs": 0, "scans": 0}
    log_id = scan_id = item_id = shipment_id = 0
    with engine.begin() as connection:
        for start in range(0, packages, CHUNK):
            orders, order_items, package_rows, item_rows, logs, scans, shipments, prints = (
                [],
                [],
                [],
                [],
                [],
                [],
                [],
                [],
            )
            for n in range(start, min(start + CHUNK, packages)):
                package_id = n + 1
                # Spread over the year up to now; the store's own packages at working hours.
                at_store = rng.random() < STORE_SHARE
                days_ago = (packages - 1 - n) * 365 / packages
                day = (now - timedelta(days=days_ago)).astimezone(ISTANBUL).date()
                claimed = datetime(day.year, day.month, day.day, 8, tzinfo=ISTANBUL) + timedelta(
                    minutes=rng.randint(0, 12 * 60)
                )
                claimed = min(claimed.astimezone(UTC), now - timedelta(minutes=40))
                placed = claimed - timedelta(hours=rng.randint(1, 30))
                picker = rng.choice(pickers) if at_store else None
                store_id = store_ids[0] if at_store else rng.choice(store_ids[1:])
                orders.append(world.order_row(package_id, f"88{n:014d}", placed))
                # The story: today's last few wait or are held; else claimed and packed (or refused).
                age = now - claimed
                draw = rng.random()
                if age < timedelta(hours=3) and draw < 0.3:
                    story = [] if draw < 0.2 else ["prepare"]
                elif draw < 0.05:
                    story = ["prepare", "refuse"]
                else:
                    story = ["prepare", "oos", "pack_rest"] if draw < 0.1 else ["prepare", "pack"]
                    story += [
                        step
                        for step, after in (("ready", 1), ("ship", 1), ("deliver", 3))
                        if age > timedelta(days=after)
                    ]
                moment, state = claimed, package_state(PackageStatus.WAITING)
                pack_minutes = max(3.0, rng.gauss(14, 6))
                for step in story:
                    transition = transitions[slug[step]]
                    old, new = moves[step]
                    if step in ("pack", "pack_rest", "refuse"):
                        moment = claimed + timedelta(minutes=pack_minutes)
                    elif step == "oos":
                        moment = claimed + timedelta(minutes=pack_minutes / 2)
                    elif step != "prepare":
                        moment = moment + timedelta(hours=rng.randint(2, 20))
                    log_id += 1
                    logs.append(
                        {
                            "id": log_id,
                            "content_type": "package",
                            "object_id": package_id,
                            "old_state_id": old,
                            "new_state_id": new,
                            "transition_id": transition,
                            "user_id": picker,
                            "stock_location_id": store_id,
                            "attributes": {},
                            "created_date": moment,
                        }
                    )
                    state = new
                package_rows.append(
                    {
                        "id": package_id,
                        "number": f"88{n:014d}P1",
                        "order_id": package_id,
                        "stock_location_id": store_id,
                        "state_id": state,
                        "target_packing_date": claimed + timedelta(hours=4),
                        "holder_id": picker if story == ["prepare"] else None,
                        "extra_information": {},
                        "version": len(story) + 1,
                        "created_date": placed,
                        "modified_date": moment,
                    }
                )
                units = rng.randint(1, 4)
                live_scans = []
                for k in range(units):
                    item_id += 1
                    order_items.append(order_item_row(item_id, package_id, rng.choice(product_ids), placed))
                    oos = "oos" in story and k == 0
                    item_state_id = (
                        item_state(PackageItemStatus.OUT_OF_STOCK)
                        if oos
                        else item_after.get(state, item_state(PackageItemStatus.PACKED))
                    )
                    item_rows.append(
                        package_item_row(
                            item_id,
                            package_id,
                            item_state_id,
                            placed,
                            discrepancy_reason="out_of_stock" if oos else None,
                        )
                    )
                    live_scans.append(item_id)
                if "prepare" in story:
                    for s in range(SCANS_PER_PACKAGE):
                        scan_id += 1
                        item = live_scans[s % len(live_scans)]
                        scans.append(
                            {
                                "id": scan_id,
                                "package_id": package_id,
                                "package_item_id": item,
                                "client_scan_id": f"bench-{scan_id}",
                                "barcode": "2000000000000",
                                "is_manual": False,
                                "user_id": picker,
                                "created_date": claimed + timedelta(seconds=20 * s),
                                # One live scan per unit; the rest were undone (a rescan, a mistake).
                                "undone_at": None if s < len(live_scans) else claimed + timedelta(seconds=20 * s + 5),
                            }
                        )
                if at_store and ("pack" in story or "pack_rest" in story):
                    shipment_id += 1
                    shipments.append(
                        {
                            "id": shipment_id,
                            "package_id": package_id,
                            "cargo_company_id": world.cargo,
                            "awb_number": f"BN{package_id:012d}",
                            "tracking_url": "",
                            "state": 1,
                            "update_date_time": moment,
                            "created_date": moment,
                            "modified_date": moment,
                        }
                    )
                    if state != package_state(PackageStatus.PACKED) or rng.random() < 0.5:
                        prints.append(
                            {
                                "package_id": package_id,
                                "document_type": "label",
                                "user_id": None,
                                "created_date": moment,
                            }
                        )
            insert_rows(
                connection,
                [
                    (Order, orders),
                    (OrderItem, order_items),
                    (Package, package_rows),
                    (PackageItem, item_rows),
                    (TransitionLog, logs),
                    (Scan, scans),
                    (Shipment, shipments),
                    (PrintRecord, prints),
                ],
            )
            counts["logs"] += len(logs)
            counts["scans"] += len(scans)
    analyze(engine, ("order", "order_item", "package", "package_item", "transition_log", "scan", "shipment"))
    engine.dispose()
    return {"packages": packages, **counts, "seconds": round(time.perf_counter() - started, 1)}


SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


def measure(url: str, requests: int) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"username": LEAD, "password": LEAD_PASSWORD, "csrf_token": token})
    today = datetime.now(ISTANBUL).date()
    week_ago = today - timedelta(days=6)
    cases = [
        ("dashboard page", "/dashboard/", {}),
        ("dashboard htmx refresh", "/dashboard/", {"HX-Request": "true"}),
        ("report, today, page 1", f"/dashboard/report?from={today}&to={today}", {}),
        ("report, 7 days, page 1", f"/dashboard/report?from={week_ago}&to={today}", {}),
        ("report CSV, 7 days", f"/dashboard/report.csv?from={week_ago}&to={today}", {}),
    ]
    with app.app_context():
        engine = db.engine
    results = []
    for name, path, headers in cases:
        with counting_statements(engine) as statements:
            first = client.get(path, headers=headers)
        assert first.status_code == 200, (path, first.status_code)
        timings, cpu = [], []
        for _ in range(requests):
            started = time.process_time()
            response = client.get(path, headers=headers)
            cpu.append((time.process_time() - started) * 1000)
            timings.append(float(SERVER_TIMING.search(response.headers["Server-Timing"]).group(1)))
        results.append((name, *_p50_p95(timings), *_p50_p95(cpu), statements[0], len(first.data)))
    return results


def _p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--fresh", action="store_true", help="drop the schema and build the year first")
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    if args.fresh:
        fresh_schema(args.url)
        print("built", build(args.url, args.packages))
    engine = create_engine(database_url(args.url))
    with engine.connect() as connection:
        store = connection.scalar(select(StockLocation.id).where(StockLocation.erp_code == "BENCH-1"))
        at_store = connection.scalar(text("SELECT COUNT(*) FROM package WHERE stock_location_id = :s"), {"s": store})
        print(f"{engine.dialect.name}: BENCH-1 holds {at_store} packages")
    engine.dispose()
    # "app" is the server time the app reports (Server-Timing), waits for a busy CPU
    # included; "cpu" is this process's CPU time for the request (all of it on SQLite,
    # which runs in process; PostgreSQL's own work is not in it).
    print(f"{'case':<26} {'app p50':>8} {'app p95':>8} {'cpu p50':>8} {'cpu p95':>8} {'stmts':>6} {'bytes':>7}")
    for name, p50, p95, cpu50, cpu95, statements, size in measure(args.url, args.requests):
        print(f"{name:<26} {p50:>8.1f} {p95:>8.1f} {cpu50:>8.1f} {cpu95:>8.1f} {statements:>6} {size:>7}")


if __name__ == "__main__":
    main()
