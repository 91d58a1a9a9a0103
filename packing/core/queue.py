"""The queue's queries: one page of a stock location's packages in the order pickers work
them, finding a package by a scanned number, and the package to take next. Plain
SQLAlchemy, so a job or the API could use them too."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

from sqlalchemy import Integer, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from packing.core.catalogue import ACTIVE_ITEM_STATES, OPEN_PACKAGE_STATES, PackageStatus, package_state
from packing.core.claims import OPEN_STATE_VALUES, is_open, is_open_state
from packing.core.models import Address, City, Order, Package, PackageItem, State, TransitionLog, User

PAGE_SIZE = 25

# Built once: an alias made per call re-adapts each of its columns on every page, an eighth
# of the queue page's CPU time (bench/queue_cpu.py).
SHIPPING_ADDRESS = aliased(Address)
HOLDER = aliased(User)
OPEN = "open"
ALL = "all"
CLICK_AND_COLLECT = "click_and_collect"


@dataclass(frozen=True)
class QueueFilter:
    state: str = OPEN  # "open", "all" or a PackageStatus value
    delivery: str = ""  # "" for every delivery type, else a delivery type
    search: str = ""  # an order or package number, or the start of one
    page: int = 1
    # The dashboard's tiles: open packages past their target at this moment, and packages
    # that entered a state (a PackageStatus value) within a time range (the store's day).
    overdue_at: Optional[datetime] = None
    entered: str = ""
    entered_between: Optional[tuple[datetime, datetime]] = None


@dataclass(frozen=True)
class QueueRow:
    id: int
    number: str
    order_number: str
    state: State
    target_packing_date: Optional[datetime]
    item_count: int
    city: Optional[str]
    delivery_type: Optional[str]
    is_click_and_collect: bool
    has_gift_box: bool
    holder: Optional[str]

    @property
    def is_open(self) -> bool:
        return is_open_state(self.state)

    @property
    def is_overdue(self) -> bool:
        due = self.target_packing_date
        if due is None or not self.is_open:
            return False
        if due.tzinfo is None:  # SQLite hands back naive UTC
            due = due.replace(tzinfo=UTC)
        return due < datetime.now(UTC)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    states: list[State]  # every package state, for the filter

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def delivery_types(session: Session, stock_location_id: int) -> list[str]:
    """The delivery types of the packages still to pack here. Read per package through the
    order's primary key: joining the whole order table costs ten times more at 100k orders."""
    found = session.scalars(_DELIVERY_TYPES, {"location_id": stock_location_id})
    return sorted(value for value in found if value)


_DELIVERY_TYPES = (
    select(select(Order.delivery_type).where(Order.id == Package.order_id).correlate(Package).scalar_subquery())
    .select_from(Package)
    .join(State, Package.state_id == State.id)
    .where(
        Package.stock_location_id == bindparam("location_id"),
        State.enum_value.in_(sorted(OPEN_STATE_VALUES)),
        State.enum_class == "PackageStatus",
    )
    .distinct()
)
_CATALOGUE = (
    select(State).where(State.enum_class.in_(("PackageStatus", "PackageItemStatus"))).order_by(State.enum_value)
)


def queue_page(session: Session, stock_location_id: int, wanted: QueueFilter) -> QueuePage:
    """Waiting and in-progress packages first, then by target packing date (oldest first)."""
    catalogue = list(session.scalars(_CATALOGUE))
    states = {state.id: state for state in catalogue if state.enum_class == "PackageStatus"}
    by_value = {state.enum_value: state.id for state in states.values()}
    open_ids = [by_value[status.value] for status in OPEN_PACKAGE_STATES]
    active_item_values = {status.value for status in ACTIVE_ITEM_STATES}
    search = wanted.search.strip()
    entered = bool(wanted.entered and wanted.entered_between is not None)
    count, page_rows = _statements(
        wanted.state if wanted.state in (OPEN, ALL) else "one",
        overdue=wanted.overdue_at is not None,
        entered=entered,
        delivery=wanted.delivery if wanted.delivery in ("", CLICK_AND_COLLECT) else "one",
        search=bool(search),
    )
    page = max(1, wanted.page)
    values = {
        "location_id": stock_location_id,
        "state_ids": open_ids
        if wanted.state == OPEN
        else [sid for sid, s in states.items() if s.enum_value == wanted.state],
        "open_ids": open_ids,
        "in_hand_ids": [by_value[PackageStatus.WAITING.value], by_value[PackageStatus.PREPARING.value]],
        "active_item_ids": [
            state.id
            for state in catalogue
            if state.enum_class == "PackageItemStatus" and state.enum_value in active_item_values
        ],
        "overdue_at": wanted.overdue_at,
        "delivery": wanted.delivery,
        "pattern": search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
        "page_size": PAGE_SIZE,
        "skipped": (page - 1) * PAGE_SIZE,
    }
    if entered:
        values["entered_ids"] = [sid for sid, s in states.items() if s.enum_value == wanted.entered]
        values["entered_from"], values["entered_until"] = wanted.entered_between
    total = session.scalar(count, values) or 0
    rows = [
        QueueRow(
            id=r[0],
            number=r[1],
            order_number=r[2],
            state=states[r[3]],
            target_packing_date=r[4],
            item_count=r[5],
            city=r[6],
            delivery_type=r[7],
            is_click_and_collect=r[8],
            has_gift_box=r[9],
            holder=r[10],
        )
        for r in session.execute(page_rows, values)
    ]
    return QueuePage(rows, total, page, list(states.values()))


@functools.cache
def _statements(state: str, overdue: bool, entered: bool, delivery: str, search: bool) -> tuple[Select, Select]:
    """The count and the page of rows for a filter of this shape, built once per shape (building
    them took a quarter of the queue page's time); the filter's values are bound at execution.
    ``state`` is OPEN, ALL or "one" (the ids in ``state_ids``); ``delivery`` is "", CLICK_AND_COLLECT
    or "one" (the type in ``delivery``)."""
    conditions = [Package.stock_location_id == bindparam("location_id")]
    if state != ALL:
        conditions.append(Package.state_id.in_(bindparam("state_ids", expanding=True)))
    if overdue:
        conditions += [
            Package.state_id.in_(bindparam("open_ids", expanding=True)),
            Package.target_packing_date < bindparam("overdue_at"),
        ]
    if entered:
        conditions.append(
            select(TransitionLog.id)
            .where(
                TransitionLog.object_id == Package.id,
                TransitionLog.new_state_id.in_(bindparam("entered_ids", expanding=True)),
                TransitionLog.created_date >= bindparam("entered_from"),
                TransitionLog.created_date < bindparam("entered_until"),
            )
            .exists()
        )
    if delivery == CLICK_AND_COLLECT:
        conditions.append(_of_the_order(Order.is_click_and_collect).is_(True))
    elif delivery:
        conditions.append(_of_the_order(Order.delivery_type) == bindparam("delivery"))
    if search:
        pattern = bindparam("pattern")
        conditions.append(or_(Package.number.like(pattern, escape="\\"), Order.number.like(pattern, escape="\\")))

    def matching(*columns):
        """Packages meeting the filter; the order table is joined only when the search reads it."""
        query = select(*columns).where(*conditions)
        return query.join(Order, Package.order_id == Order.id) if search else query

    # The page is chosen from the package table alone (an index range and a top-N sort);
    # only its rows are joined to orders, addresses and holders.
    rank = case(
        (Package.state_id.in_(bindparam("in_hand_ids", expanding=True)), 0),
        (Package.state_id.in_(bindparam("open_ids", expanding=True)), 1),
        else_=2,
    )
    chosen = (
        matching(Package.id.label("id"), rank.label("rank"))
        .order_by(rank, Package.target_packing_date.is_(None), Package.target_packing_date, Package.id)
        .limit(bindparam("page_size", type_=Integer))
        .offset(bindparam("skipped", type_=Integer))
        .subquery()
    )
    item_count = (
        select(func.count(PackageItem.id))
        .where(
            PackageItem.package_id == Package.id,
            PackageItem.state_id.in_(bindparam("active_item_ids", expanding=True)),
        )
        .correlate(Package)
        .scalar_subquery()
    )
    shipping, holder = SHIPPING_ADDRESS, HOLDER
    page_rows = (
        select(
            Package.id,
            Package.number,
            Order.number,
            Package.state_id,
            Package.target_packing_date,
            item_count,
            City.name,
            Order.delivery_type,
            Order.is_click_and_collect,
            Order.has_gift_box,
            holder.username,
        )
        .join(chosen, chosen.c.id == Package.id)
        .join(Order, Package.order_id == Order.id)
        .outerjoin(shipping, Order.shipping_address_id == shipping.id)
        .outerjoin(City, shipping.city_id == City.id)
        .outerjoin(holder, Package.holder_id == holder.id)
        .order_by(chosen.c.rank, Package.target_packing_date.is_(None), Package.target_packing_date, Package.id)
    )
    return matching(func.count(Package.id)), page_rows


def _of_the_order(column):
    """``column`` of the package's order, read per package through the order's primary key: a
    join lets PostgreSQL scan the whole order table (100k orders) for one store's packages, a
    delivery filter's page took 90 ms that way."""
    return select(column).where(Order.id == Package.order_id).correlate(Package).scalar_subquery()


def find_by_code(session: Session, stock_location_id: int, code: str, user: Optional[User] = None) -> Optional[Package]:
    """The package a scanned package number or order number names at this location. For an
    order with several packages here, the one worth opening: one ``user`` already holds,
    else a waiting one, else one still open, else the first; scanning the order again after
    packing one opens the next."""
    code = code.strip()
    if not code:
        return None
    found = session.scalar(
        select(Package).where(Package.stock_location_id == stock_location_id, Package.number == code)
    )
    if found is not None:
        return found
    candidates = list(
        session.scalars(
            select(Package)
            .join(Order, Package.order_id == Order.id)
            .where(Package.stock_location_id == stock_location_id, Order.number == code)
            .order_by(Package.id)
        )
    )

    def preference(package: Package) -> tuple[int, int]:
        still_open = is_open(package)
        if still_open and user is not None and package.holder_id == user.id:
            rank = 0
        elif package.state.enum_value == PackageStatus.WAITING.value:
            rank = 1
        else:
            rank = 2 if still_open else 3
        return rank, package.id

    return min(candidates, key=preference, default=None)


def next_in_queue(
    session: Session, stock_location_id: int, user: User, skip: tuple[int, ...] = ()
) -> Optional[Package]:
    """The package a picker takes next: one they already hold, else the first free waiting one."""
    preparing = package_state(session, PackageStatus.PREPARING).id
    waiting = package_state(session, PackageStatus.WAITING).id
    here = [Package.stock_location_id == stock_location_id, Package.id.not_in(skip)]
    by_date = (Package.target_packing_date.is_(None), Package.target_packing_date, Package.id)
    mine = session.scalar(
        select(Package)
        .where(*here, Package.state_id == preparing, Package.holder_id == user.id)
        .order_by(*by_date)
        .limit(1)
    )
    if mine is not None:
        return mine
    return session.scalar(select(Package).where(*here, Package.state_id == waiting).order_by(*by_date).limit(1))
