"""The shift lead's dashboard: a store's day read from the transition log.

Every number here is counted from the log (who moved which package into which state, where
and when) and from the packages' current state; nothing is kept aside. "Today" is the store's
day in its own time zone: the log stores UTC, so a day is a UTC range computed here. Plain
SQLAlchemy, no Flask: the views, a job or the CLI can ask the same questions.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, aliased

from packing.core.catalogue import OPEN_PACKAGE_STATES, PackageItemStatus, PackageStatus
from packing.core.errors import InvalidParameter
from packing.core.models import (
    CargoCompany,
    DenialReason,
    Order,
    Package,
    PackageBox,
    PackageItem,
    PrintRecord,
    Shipment,
    State,
    StockLocation,
    TransitionLog,
    User,
    user_stock_location,
)
from packing.core.print_room import LABEL

HISTORY_DAYS = 14
# A picker's rate is packages over the time from their first claim to their last pack
# today; a floor keeps one quick package from reading as 60 an hour.
MIN_WORKING_HOURS = 0.25
# Item states that mean "this unit went into the box".
BOXED_ITEM_STATES = (PackageItemStatus.PACKED, PackageItemStatus.SHIPPED, PackageItemStatus.DELIVERED)


def time_zone(name: Optional[str], default: str) -> ZoneInfo:
    """The store's zone: its own ``name``, else the installation's ``default``."""
    chosen = name or default
    try:
        return ZoneInfo(chosen)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameter("'{time_zone}' is not a known time zone.", time_zone=chosen, field="time_zone") from None


def set_time_zone(session: Session, erp_code: str, name: str) -> StockLocation:
    """Give the stock location ``erp_code`` its time zone, refusing a name zoneinfo does not know."""
    time_zone(name, "UTC")
    location = session.scalar(select(StockLocation).where(StockLocation.erp_code == erp_code))
    if location is None:
        raise InvalidParameter("Unknown stock location {location}.", location=erp_code, field="location")
    location.time_zone = name
    session.flush()
    return location


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC; PostgreSQL aware datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class StoreClock:
    """A store's calendar: its zone and the present moment (UTC)."""

    zone: ZoneInfo
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def start_of(self, day: date) -> datetime:
        """The UTC moment the store's ``day`` begins (23 or 25 hours long around DST)."""
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(UTC)

    def days(self, first: date, last: date) -> tuple[datetime, datetime]:
        """The UTC range [start of ``first``, start of the day after ``last``)."""
        return self.start_of(first), self.start_of(last + timedelta(days=1))

    def local(self, moment: datetime) -> datetime:
        return as_utc(moment).astimezone(self.zone)


# --- Catalogue ids --------------------------------------------------------------------


_STATE_IDS = "packing.dashboard.package_state_ids"


def _package_state_ids(session: Session) -> dict[str, int]:
    """PackageStatus value -> state id, read once per session (a request): the catalogue's
    states are added, never renumbered."""
    if _STATE_IDS not in session.info:
        session.info[_STATE_IDS] = dict(
            session.execute(select(State.enum_value, State.id).where(State.enum_class == "PackageStatus")).all()
        )
    return session.info[_STATE_IDS]


def _item_state_ids(session: Session, statuses: Iterable[PackageItemStatus]) -> list[int]:
    values = [status.value for status in statuses]
    return list(
        session.scalars(select(State.id).where(State.enum_class == "PackageItemStatus", State.enum_value.in_(values)))
    )


# --- Tiles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    username: str
    packages: int


@dataclass(frozen=True)
class Tiles:
    waiting: int
    overdue: int
    preparing: int
    holders: list[Holder]
    packed_today: int
    labels_not_printed: int
    shipped_today: int
    refused_today: int
    out_of_stock_today: int


# The "today" tiles: packages that entered this state during the store's day.
ENTERED_TODAY = {
    "packed_today": PackageStatus.PACKED,
    "shipped_today": PackageStatus.SHIPPED,
    "refused_today": PackageStatus.REQUIRES_REPLAN,
    "out_of_stock_today": PackageStatus.CONTAINS_OUT_OF_STOCK,
}


def entered_state(
    session: Session, location_id: int, state_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, int]:
    """How many of the location's packages entered each state in [start, end)."""
    rows = session.execute(
        select(TransitionLog.new_state_id, func.count(distinct(TransitionLog.object_id)))
        .where(
            TransitionLog.stock_location_id == location_id,
            TransitionLog.new_state_id.in_(list(state_ids)),
            TransitionLog.created_date >= start,
            TransitionLog.created_date < end,
        )
        .group_by(TransitionLog.new_state_id)
    )
    return dict(rows.all())


def tiles(session: Session, location_id: int, clock: StoreClock) -> Tiles:
    ids = _package_state_ids(session)
    waiting, preparing, packed = (
        ids[PackageStatus.WAITING.value],
        ids[PackageStatus.PREPARING.value],
        ids[PackageStatus.PACKED.value],
    )
    here = Package.stock_location_id == location_id
    now_in_state = dict(
        session.execute(
            select(Package.state_id, func.count(Package.id))
            .where(here, Package.state_id.in_([waiting, preparing]))
            .group_by(Package.state_id)
        ).all()
    )
    overdue = session.scalar(
        select(func.count(Package.id)).where(
            here,
            Package.state_id.in_([ids[status.value] for status in OPEN_PACKAGE_STATES]),
            Package.target_packing_date < clock.now,
        )
    )
    holders = [
        Holder(username, count)
        for username, count in session.execute(
            select(User.username, func.count(Package.id))
            .join(User, User.id == Package.holder_id)
            .where(here, Package.state_id == preparing)
            .group_by(User.username)
            .order_by(func.count(Package.id).desc(), User.username)
        )
    ]
    printed = select(PrintRecord.id).where(PrintRecord.package_id == Package.id, PrintRecord.document_type == LABEL)
    labels_not_printed = session.scalar(
        select(func.count(Package.id)).where(
            here, Package.state_id == packed, Package.shipment.has(), ~printed.exists()
        )
    )
    start, end = clock.days(clock.today, clock.today)
    entered = entered_state(session, location_id, [ids[status.value] for status in ENTERED_TODAY.values()], start, end)
    return Tiles(
        waiting=now_in_state.get(waiting, 0),
        overdue=overdue or 0,
        preparing=now_in_state.get(preparing, 0),
        holders=holders,
        labels_not_printed=labels_not_printed or 0,
        **{name: entered.get(ids[status.value], 0) for name, status in ENTERED_TODAY.items()},
    )


# --- Packing runs: claim -> packed ----------------------------------------------------


def _claimed_at(ids: dict[str, int]):
    """The latest claim (into Preparing) of the packed log's package, at or before the pack."""
    claim = aliased(TransitionLog)
    return (
        select(func.max(claim.created_date))
        .where(
            claim.object_id == TransitionLog.object_id,
            claim.new_state_id == ids[PackageStatus.PREPARING.value],
            claim.created_date <= TransitionLog.created_date,
        )
        .correlate(TransitionLog)
        .scalar_subquery()
    )


def _packed_in(ids: dict[str, int], location_id: int, start: datetime, end: datetime) -> list:
    return [
        TransitionLog.stock_location_id == location_id,
        TransitionLog.new_state_id == ids[PackageStatus.PACKED.value],
        TransitionLog.created_date >= start,
        TransitionLog.created_date < end,
    ]


@dataclass(frozen=True)
class PackingRun:
    package_id: int
    picker_id: Optional[int]
    claimed: Optional[datetime]  # UTC; None when packed without a claim (by the API)
    packed: datetime  # UTC
    minutes: Optional[float]  # claimed -> packed


def _run(package_id: int, picker_id: Optional[int], claimed: Optional[datetime], packed: datetime) -> PackingRun:
    packed = as_utc(packed)
    if claimed is None:
        return PackingRun(package_id, picker_id, None, packed, None)
    claimed = as_utc(claimed)
    return PackingRun(package_id, picker_id, claimed, packed, (packed - claimed).total_seconds() / 60)


def packing_runs(session: Session, location_id: int, start: datetime, end: datetime) -> list[PackingRun]:
    """Each package packed at the location in [start, end): who packed it, claimed and packed when."""
    ids = _package_state_ids(session)
    rows = session.execute(
        select(TransitionLog.object_id, TransitionLog.user_id, _claimed_at(ids), TransitionLog.created_date)
        .where(*_packed_in(ids, location_id, start, end))
        .order_by(TransitionLog.created_date, TransitionLog.object_id)
    )
    return [_run(*row) for row in rows]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- Charts' data ---------------------------------------------------------------------


def recent_runs(session: Session, location_id: int, clock: StoreClock, days: int = HISTORY_DAYS) -> list[PackingRun]:
    """The packing runs of the last ``days`` store days, today included: what every chart
    but the reasons reads, fetched once for a page."""
    return packing_runs(session, location_id, *clock.days(clock.today - timedelta(days=days - 1), clock.today))


def packed_per_hour(
    session: Session, location_id: int, clock: StoreClock, day: date, runs: Optional[list[PackingRun]] = None
) -> list[int]:
    """Packages packed in each hour (store time, 0-23) of ``day``; ``runs`` when already read."""
    if runs is None:
        runs = packing_runs(session, location_id, *clock.days(day, day))
    counts = [0] * 24
    for run in runs:
        packed = clock.local(run.packed)
        if packed.date() == day:
            counts[packed.hour] += 1
    return counts


@dataclass(frozen=True)
class DayTiming:
    day: date
    packages: int  # packed with a claim, so timed
    median_minutes: Optional[float]
    p90_minutes: Optional[float]


def time_to_pack(
    session: Session,
    location_id: int,
    clock: StoreClock,
    days: int = HISTORY_DAYS,
    runs: Optional[list[PackingRun]] = None,
) -> list[DayTiming]:
    """Claim -> packed minutes per store day for the last ``days`` days (today last)."""
    first = clock.today - timedelta(days=days - 1)
    if runs is None:
        runs = recent_runs(session, location_id, clock, days)
    by_day: dict[date, list[float]] = defaultdict(list)
    for run in runs:
        if run.minutes is not None:
            by_day[clock.local(run.packed).date()].append(run.minutes)
    timings = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        minutes = by_day.get(day, [])
        timings.append(
            DayTiming(
                day,
                len(minutes),
                statistics.median(minutes) if minutes else None,
                percentile(minutes, 0.9) if minutes else None,
            )
        )
    return timings


def _units(session: Session, package_ids: Iterable[int]) -> dict[int, int]:
    """Units that went into each package's box."""
    ids = list(package_ids)
    if not ids:
        return {}
    boxed = _item_state_ids(session, BOXED_ITEM_STATES)
    rows = session.execute(
        select(PackageItem.package_id, func.count(PackageItem.id))
        .where(PackageItem.package_id.in_(ids), PackageItem.state_id.in_(boxed))
        .group_by(PackageItem.package_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class PickerRate:
    username: str
    packages: int
    units: int
    hours: float

    @property
    def packages_per_hour(self) -> float:
        return self.packages / self.hours

    @property
    def units_per_hour(self) -> float:
        return self.units / self.hours


def picker_rates(
    session: Session, location_id: int, clock: StoreClock, runs: Optional[list[PackingRun]] = None
) -> list[PickerRate]:
    """Each picker's packages and units packed today, and their working hours (first claim
    to last pack, at least ``MIN_WORKING_HOURS``); busiest first. ``runs`` when already read."""
    if runs is None:
        runs = packing_runs(session, location_id, *clock.days(clock.today, clock.today))
    start = clock.start_of(clock.today)
    runs = [run for run in runs if run.picker_id is not None and run.packed >= start]
    if not runs:
        return []
    units = _units(session, {run.package_id for run in runs})
    names = dict(
        session.execute(select(User.id, User.username).where(User.id.in_({run.picker_id for run in runs}))).all()
    )
    by_picker: dict[int, list[PackingRun]] = defaultdict(list)
    for run in runs:
        by_picker[run.picker_id].append(run)
    rates = []
    for picker_id, theirs in by_picker.items():
        began = min(run.claimed or run.packed for run in theirs)
        ended = max(run.packed for run in theirs)
        hours = max((ended - began).total_seconds() / 3600, MIN_WORKING_HOURS)
        rates.append(
            PickerRate(names[picker_id], len(theirs), sum(units.get(run.package_id, 0) for run in theirs), hours)
        )
    return sorted(rates, key=lambda rate: (-rate.packages, rate.username))


@dataclass(frozen=True)
class ReasonCount:
    kind: str  # "refused" (packages) or "out_of_stock" (units)
    reason: str  # a denial reason's title in the asked locale, or the discrepancy reason
    count: int


OUT_OF_STOCK_DEFAULT = "out_of_stock"  # the discrepancy reason the station records


def reasons(
    session: Session, location_id: int, clock: StoreClock, locale: str, days: int = HISTORY_DAYS
) -> list[ReasonCount]:
    """Why packages were refused (packages per denial reason) and units marked out of stock
    (per discrepancy reason) over the last ``days`` store days; most frequent first."""
    ids = _package_state_ids(session)
    start, end = clock.days(clock.today - timedelta(days=days - 1), clock.today)
    logs = session.execute(
        select(TransitionLog.new_state_id, TransitionLog.attributes).where(
            TransitionLog.stock_location_id == location_id,
            TransitionLog.new_state_id.in_(
                [ids[PackageStatus.REQUIRES_REPLAN.value], ids[PackageStatus.CONTAINS_OUT_OF_STOCK.value]]
            ),
            TransitionLog.created_date >= start,
            TransitionLog.created_date < end,
        )
    ).all()
    refusals: Counter = Counter()
    marked_items: list[int] = []
    for state_id, attributes in logs:
        if state_id == ids[PackageStatus.REQUIRES_REPLAN.value]:
            refusals[(attributes or {}).get("denial_reason")] += 1
        else:
            marked_items.extend(int(item) for item in (attributes or {}).get("package_items", []))
    titles = {
        reason.id: reason.display_title(locale)
        for reason in session.scalars(select(DenialReason).where(DenialReason.id.in_([r for r in refusals if r])))
    }
    found = [ReasonCount("refused", titles.get(reason_id, "?"), count) for reason_id, count in refusals.items()]
    if marked_items:
        discrepancies = Counter(
            reason or OUT_OF_STOCK_DEFAULT
            for (reason,) in session.execute(
                select(PackageItem.discrepancy_reason).where(PackageItem.id.in_(marked_items))
            )
        )
        found += [ReasonCount("out_of_stock", reason, count) for reason, count in discrepancies.items()]
    return sorted(
        found, key=lambda found_reason: (found_reason.kind != "refused", -found_reason.count, found_reason.reason)
    )


# --- Who packed what ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    package_id: int
    package_number: str
    order_number: str
    picker: Optional[str]
    claimed: Optional[datetime]  # store time
    packed: datetime  # store time
    units: int
    boxes: int
    carrier: Optional[str]

    @property
    def minutes(self) -> Optional[int]:
        if self.claimed is None:
            return None
        return round((self.packed - self.claimed).total_seconds() / 60)


@dataclass(frozen=True)
class Report:
    rows: list[ReportRow]
    total: int


def packed_report(
    session: Session,
    location_id: int,
    clock: StoreClock,
    first: date,
    last: date,
    picker_id: Optional[int] = None,
    limit: Optional[int] = None,
    offset: int = 0,
) -> Report:
    """The packages packed at the location between the store days ``first`` and ``last``
    (inclusive), oldest first, with the boxes each was packed in (one for a package packed
    before packages had boxes)."""
    ids = _package_state_ids(session)
    start, end = clock.days(first, last)
    conditions = _packed_in(ids, location_id, start, end)
    if picker_id is not None:
        conditions.append(TransitionLog.user_id == picker_id)
    total = session.scalar(select(func.count(TransitionLog.id)).where(*conditions))
    query = (
        select(
            Package.id,
            Package.number,
            Order.number,
            User.username,
            _claimed_at(ids),
            TransitionLog.created_date,
            CargoCompany.name,
        )
        .select_from(TransitionLog)
        .join(Package, Package.id == TransitionLog.object_id)
        .join(Order, Order.id == Package.order_id)
        .outerjoin(User, User.id == TransitionLog.user_id)
        .outerjoin(Shipment, Shipment.package_id == Package.id)
        .outerjoin(CargoCompany, CargoCompany.id == Shipment.cargo_company_id)
        .where(*conditions)
        .order_by(TransitionLog.created_date, TransitionLog.object_id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    found = session.execute(query).all()
    units = _units(session, [row[0] for row in found])
    boxes = _box_counts(session, [row[0] for row in found])
    rows = [
        ReportRow(
            package_id=package_id,
            package_number=number,
            order_number=order_number,
            picker=picker,
            claimed=clock.local(claimed) if claimed else None,
            packed=clock.local(packed),
            units=units.get(package_id, 0),
            boxes=boxes.get(package_id, 1),
            carrier=carrier,
        )
        for package_id, number, order_number, picker, claimed, packed, carrier in found
    ]
    return Report(rows, total or 0)


def _box_counts(session: Session, package_ids: list[int]) -> dict[int, int]:
    if not package_ids:
        return {}
    rows = session.execute(
        select(PackageBox.package_id, func.count(PackageBox.id))
        .where(PackageBox.package_id.in_(package_ids))
        .group_by(PackageBox.package_id)
    )
    return dict(rows.all())


def location_people(session: Session, location_id: int) -> list[User]:
    """The users who work at the location, for the report's picker filter."""
    return list(
        session.scalars(
            select(User)
            .join(user_stock_location, user_stock_location.c.user_id == User.id)
            .where(user_stock_location.c.stock_location_id == location_id)
            .order_by(User.username)
        )
    )
