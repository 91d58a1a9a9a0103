"""seed-demo makes a day worth a dashboard: every chart and tile has something on first run.

The demo is the suite's largest build (two weeks of history through the real commands), so
one test makes it once per database and proves all that is asked of it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from packing.core import boxes
from packing.core import dashboard as metrics
from packing.core.catalogue import OPEN_PACKAGE_STATES
from packing.core.models import BoxType, Package, State, StockLocation, User


def test_seed_demo_makes_a_believable_day_prints_the_logins_and_adds_nothing_when_rerun(app, session):
    """Logins printed, 50+ waiting; a few overdue, labels waiting, packs today, 14 days timed, reasons, S/M/L
    box types at each store; a rerun adds nothing."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for username, password in (("picker", "picker-demo-1"), ("lead", "lead-demo-1"), ("admin", "admin-demo-1")):
        assert username in first.output and password in first.output
    assert session.scalar(select(func.count(StockLocation.id))) == 2
    store = session.scalar(select(StockLocation).where(StockLocation.erp_code == "DEMO-IST"))
    assert session.scalar(select(func.count(Package.id)).where(Package.stock_location_id == store.id)) >= 50
    assert store.time_zone == "Europe/Istanbul"
    clock = metrics.StoreClock(metrics.time_zone(store.time_zone, "UTC"), datetime.now(UTC))
    tiles = metrics.tiles(session, store.id, clock)
    open_packages = session.scalar(
        select(func.count(Package.id))
        .join(State, State.id == Package.state_id)
        .where(Package.stock_location_id == store.id, State.enum_value.in_([s.value for s in OPEN_PACKAGE_STATES]))
    )
    assert 0 < tiles.overdue <= open_packages // 4
    assert tiles.labels_not_printed > 0 and tiles.packed_today > 0 and tiles.preparing == 2
    assert tiles.refused_today == 1 and tiles.out_of_stock_today == 1
    assert sum(metrics.packed_per_hour(session, store.id, clock, clock.today)) == tiles.packed_today
    timed_days = [day for day in metrics.time_to_pack(session, store.id, clock) if day.packages]
    assert len(timed_days) >= 13
    assert len(metrics.picker_rates(session, store.id, clock)) >= 2
    kinds = {reason.kind for reason in metrics.reasons(session, store.id, clock, "en-us")}
    assert kinds == {"refused", "out_of_stock"}
    # The lead and admin work at both stores and land on DEMO-IST, their first.
    for username in ("lead", "admin"):
        user = session.scalar(select(User).where(User.username == username))
        assert [location.erp_code for location in user.stock_locations] == ["DEMO-IST", "DEMO-ANK"]
    assert {user.role for user in session.scalars(select(User))} == {"picker", "lead", "admin"}
    assert [(box.code, box.name) for box in boxes.box_types(session, store.id)] == [
        ("BOX-S", "S"),
        ("BOX-M", "M"),
        ("BOX-L", "L"),
    ]

    packages = session.scalar(select(func.count(Package.id)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert session.scalar(select(func.count(Package.id))) == packages
    assert session.scalar(select(func.count(BoxType.id))) == 6
