"""A store's day built with the real commands, each log then moved to a chosen moment, and
the dashboard's numbers worked out again straight from the transition log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from packing.core.commands import execute_command
from packing.core.dashboard import StoreClock, as_utc
from packing.core.models import DenialReason, Package, PrintRecord, TransitionLog
from tests import factories

PREPARE = "package__prepare_package_command__waiting__preparing"
PACK = "package__complete_packaging__preparing__packed-all-items"
PACK_WAITING = "package__complete_packaging__waiting__packed-all-items"
SHIP = "package__ship_package__packed-all-items__shipped"
REFUSE = "package__refuse_package__preparing__requires-replan"
OUT_OF_STOCK = "package__detected_out_of_stock_item__preparing__contains-out-of-stock-products"

ISTANBUL = ZoneInfo("Europe/Istanbul")
# 15:00 in Istanbul; the store's day began at 21:00 UTC the evening before.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def run_at(session, package, slug, at: datetime, user=None, **parameters):
    """Run a real command, then date its log ``at`` (as if it had run then)."""
    result = execute_command(session, package, slug, parameters or None, user)
    result.log.created_date = at
    session.flush()
    return result


def claim_and_pack(session, package, user, claimed: datetime, packed: datetime):
    run_at(session, package, PREPARE, claimed, user)
    run_at(session, package, PACK, packed, user)


@dataclass
class StoreDay:
    store: object
    other_store: object
    lead: object
    ayse: object
    mehmet: object
    packages: dict
    clock: StoreClock


def build_store_day(session) -> StoreDay:
    """Packages at an Istanbul store on 10 March 2026 (and a few before), one at another
    store; see each line for what it stands for."""
    store = factories.location(session, name="Kadıköy Mağazası")
    store.time_zone = "Europe/Istanbul"
    other_store = factories.location(session)
    ayse = factories.user(session, role="picker", locations=[store], username="ayşe")
    mehmet = factories.user(session, role="picker", locations=[store], username="mehmet")
    lead = factories.user(session, role="lead", locations=[store])
    shirt, jeans = factories.product(session), factories.product(session)
    past, future = utc(9, 6), utc(11, 6)

    def package(at=store, products=(shirt,), target=future):
        return factories.package(session, at=at, products=list(products), target_packing_date=target)

    p = {
        name: package()
        for name in (
            "after_midnight",
            "before_midnight",
            "shipped",
            "refused",
            "waiting",
            "held",
            "printed",
            "last_week",
        )
    }
    p["two_units"] = package(products=(shirt, jeans))
    p["out_of_stock"] = package(products=(shirt, jeans), target=past)
    p["overdue"] = package(target=past)
    p["elsewhere"] = package(at=other_store)

    # 00:10 -> 00:30 Istanbul today, though 9 March in UTC.
    claim_and_pack(session, p["after_midnight"], ayse, utc(9, 21, 10), utc(9, 21, 30))
    # 23:40 -> 23:55 Istanbul yesterday: not today's.
    claim_and_pack(session, p["before_midnight"], ayse, utc(9, 20, 40), utc(9, 20, 55))
    claim_and_pack(session, p["shipped"], mehmet, utc(10, 8, 0), utc(10, 8, 30))
    run_at(session, p["shipped"], SHIP, utc(10, 10, 0), lead)
    claim_and_pack(session, p["two_units"], mehmet, utc(10, 9, 0), utc(10, 9, 12))
    claim_and_pack(session, p["printed"], ayse, utc(10, 10, 0), utc(10, 10, 40))
    session.add(PrintRecord(package_id=p["printed"].id, document_type="label", user_id=lead.id))
    damaged = session.scalar(select(DenialReason).where(DenialReason.remote_id == "damaged"))
    run_at(session, p["refused"], PREPARE, utc(10, 9, 50), mehmet)
    run_at(session, p["refused"], REFUSE, utc(10, 10, 5), mehmet, denial_reason=damaged.id)
    run_at(session, p["out_of_stock"], PREPARE, utc(10, 11, 0), ayse)
    run_at(
        session,
        p["out_of_stock"],
        OUT_OF_STOCK,
        utc(10, 11, 5),
        ayse,
        package_items=[p["out_of_stock"].items[0].id],
    )
    run_at(session, p["held"], PREPARE, utc(10, 11, 30), ayse)
    # Tuesday a week before, 13:15 Istanbul; packed by the API, without a claim.
    run_at(session, p["last_week"], PACK_WAITING, utc(3, 10, 15))
    # Another store's package packed today must count nowhere here.
    claim_and_pack(session, p["elsewhere"], ayse, utc(10, 9, 0), utc(10, 9, 20))
    return StoreDay(store, other_store, lead, ayse, mehmet, p, StoreClock(ISTANBUL, NOW))


# --- The numbers again, from the log alone --------------------------------------------


def logs_at(session, store) -> list[TransitionLog]:
    return list(
        session.scalars(
            select(TransitionLog)
            .join(Package, Package.id == TransitionLog.object_id)
            .where(Package.stock_location_id == store.id)
            .order_by(TransitionLog.created_date, TransitionLog.id)
        )
    )


def entered_on(logs, state_value: str, clock: StoreClock, day) -> set[int]:
    """Packages whose log shows them entering ``state_value`` on the store's ``day``."""
    return {
        log.object_id
        for log in logs
        if log.new_state.enum_value == state_value and clock.local(log.created_date).date() == day
    }


def runs_from_log(logs) -> list[tuple[int, int, datetime | None, datetime]]:
    """(package, packer, claimed, packed) for every pack in the log, claim = the latest
    move into Preparing at or before the pack."""
    found = []
    for log in logs:
        if log.new_state.enum_value != "500":
            continue
        claims = [
            as_utc(c.created_date)
            for c in logs
            if c.object_id == log.object_id
            and c.new_state.enum_value == "200"
            and as_utc(c.created_date) <= as_utc(log.created_date)
        ]
        found.append((log.object_id, log.user_id, max(claims) if claims else None, as_utc(log.created_date)))
    return found
