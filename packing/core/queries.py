"""Package queries for the integration API: the reference's list filters, sorting, paging,
and eager loading so that a page costs the same few statements whatever its size."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Optional

from sqlalchemy import Engine, Select, and_, event, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from packing.core.models import (
    Address,
    City,
    Country,
    Customer,
    Order,
    OrderItem,
    Package,
    PackageBox,
    PackageItem,
    Product,
    ProductBarcode,
    Shipment,
    ShippingLabel,
    State,
    StockLocation,
    Township,
    Transition,
    TransitionLog,
    WebhookEvent,
    fold_case,
)

MAX_PAGE_SIZE = 100


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The first instant after ``day``: date ranges include their last day."""
    return start_of(day) + timedelta(days=1)


# --- Eager loading --------------------------------------------------------------------


def _address_options(path):
    return path.options(
        joinedload(Address.city),
        joinedload(Address.country),
        joinedload(Address.township),
        joinedload(Address.district),
        joinedload(Address.customer),
    )


def full_package_options() -> list:
    """Everything ``serializers.package_full`` touches, in a fixed number of statements.
    The order and the stock location come in queries of their own: one query joining all
    of them takes PostgreSQL longer to plan (tens of ms) than to run."""
    return [
        joinedload(Package.state),
        _address_options(selectinload(Package.order).selectinload(Order.shipping_address)),
        selectinload(Package.order).joinedload(Order.channel),
        selectinload(Package.order).joinedload(Order.retail_store),
        _address_options(selectinload(Package.stock_location).joinedload(StockLocation.address)),
        selectinload(Package.items).options(*package_item_options()),
        selectinload(Package.shipment).joinedload(Shipment.cargo_company),
        selectinload(Package.boxes).joinedload(PackageBox.box_type),
        # The label's PDF is served on its own (preview_url); a page of packages leaves it unread.
        selectinload(Package.shipping_label).defer(ShippingLabel.pdf),
        selectinload(Package.invoice),
    ]


def package_item_options() -> list:
    return [
        joinedload(PackageItem.state),
        joinedload(PackageItem.denial_reason),
        joinedload(PackageItem.order_item).joinedload(OrderItem.state),
        joinedload(PackageItem.order_item).joinedload(OrderItem.product).selectinload(Product.extra_barcodes),
    ]


def short_package_options() -> list:
    return [
        joinedload(Package.state),
        joinedload(Package.order).joinedload(Order.channel),
        joinedload(Package.stock_location).joinedload(StockLocation.address).joinedload(Address.city),
    ]


def simple_package_options() -> list:
    return [joinedload(Package.order), selectinload(Package.invoice)]


def commands_by_state(session: Session, packages: Iterable[Package]) -> dict[int, list[Transition]]:
    """The commands available from each package's state, in one query for a whole page."""
    state_ids = {package.state_id for package in packages}
    by_state: dict[int, list[Transition]] = {state_id: [] for state_id in state_ids}
    if not state_ids:
        return by_state
    for transition in session.scalars(
        select(Transition)
        .where(Transition.source_state_id.in_(state_ids), Transition.is_active.is_(True))
        .order_by(Transition.position, Transition.id)
    ):
        by_state[transition.source_state_id].append(transition)
    return by_state


def item_counts(session: Session, package_ids: Sequence[int]) -> dict[int, int]:
    if not package_ids:
        return {}
    rows = session.execute(
        select(PackageItem.package_id, func.count(PackageItem.id))
        .where(PackageItem.package_id.in_(package_ids))
        .group_by(PackageItem.package_id)
    )
    return {package_id: count for package_id, count in rows}


# --- Filters --------------------------------------------------------------------------


def _items_matching(*conditions) -> Select:
    return select(PackageItem.package_id).join(OrderItem, PackageItem.order_item_id == OrderItem.id).where(*conditions)


def _products_matching(*conditions) -> Select:
    return (
        select(PackageItem.package_id)
        .join(OrderItem, PackageItem.order_item_id == OrderItem.id)
        .join(Product, OrderItem.product_id == Product.id)
        .where(*conditions)
    )


def _shipping(*conditions) -> Select:
    return select(Order.id).join(Address, Order.shipping_address_id == Address.id).where(*conditions)


def _folded_equals(column, value: str):
    """Case-insensitive alike on both databases (SQLite's lower() folds only ASCII; Turkish
    I and İ fold differently per locale): ``column`` is the folded copy the models keep."""
    return column == fold_case(value)


def _state_enum(value: str):
    return select(State.id).where(State.enum_class == "PackageStatus", State.enum_value == value)


def _location_codes(*conditions):
    return select(StockLocation.id).where(*conditions)


# Each filter takes the validated value and returns a condition on Package (or on Order,
# marked by ORDER_FILTERS, which joins the order once).
PACKAGE_FILTERS: dict[str, Callable[[Any], Any]] = {
    "state": lambda v: Package.state_id == v,
    "state__enum_value": lambda v: Package.state_id.in_(_state_enum(v)),
    "state__enum_value__neq": lambda v: Package.state_id.not_in(_state_enum(v)),
    "order": lambda v: Package.order_id == v,
    "stock_location": lambda v: Package.stock_location_id == v,
    "stock_location__erp_code": lambda v: Package.stock_location_id.in_(_location_codes(StockLocation.erp_code == v)),
    "stock_location__erp_code__in": lambda v: Package.stock_location_id.in_(
        _location_codes(StockLocation.erp_code.in_(v))
    ),
    "stock_location__stock_location_type": lambda v: Package.stock_location_id.in_(
        _location_codes(StockLocation.stock_location_type == v)
    ),
    "start_date": lambda v: Package.created_date >= start_of(v),
    "end_date": lambda v: Package.created_date < end_of(v),
    "modified_start_date": lambda v: Package.modified_date >= start_of(v),
    "modified_end_date": lambda v: Package.modified_date < end_of(v),
    "shipment_created_start_date": lambda v: Package.id.in_(
        select(Shipment.package_id).where(Shipment.created_date >= v)
    ),
    "shipment_created_end_date": lambda v: Package.id.in_(
        select(Shipment.package_id).where(Shipment.created_date <= v)
    ),
    "shipment__cargo_company": lambda v: Package.id.in_(
        select(Shipment.package_id).where(Shipment.cargo_company_id == v)
    ),
    "product__sku": lambda v: Package.id.in_(_products_matching(Product.sku == v)),
    "product__barcode": lambda v: Package.id.in_(
        _products_matching(
            or_(
                Product.barcode == v,
                Product.id.in_(select(ProductBarcode.product_id).where(ProductBarcode.barcode == v)),
            )
        )
    ),
    "packageitem__order_item__omnitron_id__in": lambda v: Package.id.in_(_items_matching(OrderItem.omnitron_id.in_(v))),
    "order_item__omnitron_id": lambda v: Package.id.in_(_items_matching(OrderItem.omnitron_id == v)),
    "id__gt": lambda v: Package.id > v,
    "id__gte": lambda v: Package.id >= v,
    "id__lt": lambda v: Package.id < v,
    "id__lte": lambda v: Package.id <= v,
    "pk__in": lambda v: Package.id.in_(v),
    # No cancellation here can fail half-way (it is one local transaction), so none has failed.
    "has_cancellation_failure": lambda v: Package.id.is_(None) if v else Package.id.is_not(None),
}

ORDER_FILTERS: dict[str, Callable[[Any], Any]] = {
    "order_number": lambda v: Order.number.startswith(v, autoescape=True),
    "order_omnitron_id": lambda v: Order.omnitron_id == v,
    "channel": lambda v: Order.channel_id == v,
    "is_click_and_collect": lambda v: Order.is_click_and_collect.is_(v),
    "order__date": lambda v: and_(Order.date_placed >= start_of(v), Order.date_placed < end_of(v)),
    "order__date_placed__gte": lambda v: Order.date_placed >= start_of(v),
    "order__date_placed__lte": lambda v: Order.date_placed < end_of(v),
    "order__delivery_type": lambda v: Order.delivery_type == v,
    "delivery_range_lower": lambda v: Order.delivery_range_lower == v,
    "delivery_range_upper": lambda v: Order.delivery_range_upper == v,
    "delivery_range_date": lambda v: and_(
        Order.delivery_range_lower < end_of(v), Order.delivery_range_upper > start_of(v)
    ),
    "customer__first_name": lambda v: Order.customer_id.in_(
        select(Customer.id).where(_folded_equals(Customer.first_name_folded, v))
    ),
    "customer__last_name": lambda v: Order.customer_id.in_(
        select(Customer.id).where(_folded_equals(Customer.last_name_folded, v))
    ),
    "country": lambda v: Order.id.in_(_shipping(Address.country_id == v)),
    "country__name": lambda v: Order.id.in_(
        _shipping(Address.country_id.in_(select(Country.id).where(_folded_equals(Country.name_folded, v))))
    ),
    "city": lambda v: Order.id.in_(_shipping(Address.city_id == v)),
    "city__name": lambda v: Order.id.in_(
        _shipping(Address.city_id.in_(select(City.id).where(_folded_equals(City.name_folded, v))))
    ),
    "township": lambda v: Order.id.in_(_shipping(Address.township_id == v)),
    "township__name": lambda v: Order.id.in_(
        _shipping(Address.township_id.in_(select(Township.id).where(_folded_equals(Township.name_folded, v))))
    ),
    "order__retail_store__erp_code": lambda v: Order.retail_store_id.in_(_location_codes(StockLocation.erp_code == v)),
    "shipping_option_slug__in": lambda v: Order.shipping_option_slug.in_(v),
    "shipping_option_slug__exclude": lambda v: or_(
        Order.shipping_option_slug.is_(None), Order.shipping_option_slug.not_in(v)
    ),
}

SORTS: dict[str, Any] = {
    "id": Package.id,
    "created_date": Package.created_date,
    "modified_date": Package.modified_date,
    "target_packing_date": Package.target_packing_date,
    "number": Package.number,
    "shipment_date": Package.shipment_date,
    "order__date_placed": Order.date_placed,
    "order_number": Order.number,
}
SORT_CHOICES = tuple(name for key in SORTS for name in (key, f"-{key}"))
DEFAULT_SORT = "-id"


def package_query(location_ids: Optional[set[int]], filters: dict[str, Any], sort: str = DEFAULT_SORT) -> Select:
    """Packages in scope (``location_ids``; None is every location) matching ``filters``."""
    stmt = select(Package)
    if location_ids is not None:
        stmt = stmt.where(Package.stock_location_id.in_(sorted(location_ids)))
    given = {name: value for name, value in filters.items() if value is not None}
    stmt = stmt.where(*(PACKAGE_FILTERS[name](value) for name, value in given.items() if name in PACKAGE_FILTERS))
    order_conditions = [ORDER_FILTERS[name](value) for name, value in given.items() if name in ORDER_FILTERS]
    if "sl_rs__erp_code" in given:
        codes = _location_codes(StockLocation.erp_code == given["sl_rs__erp_code"])
        order_conditions.append(or_(Package.stock_location_id.in_(codes), Order.retail_store_id.in_(codes)))
    key = sort.lstrip("-")
    if order_conditions or SORTS[key].class_ is Order:
        stmt = stmt.join(Order, Package.order_id == Order.id).where(*order_conditions)
    column = SORTS[key]
    ordering = column.desc() if sort.startswith("-") else column.asc()
    tiebreak = Package.id.desc() if sort.startswith("-") else Package.id.asc()
    return stmt.order_by(ordering, tiebreak) if key != "id" else stmt.order_by(ordering)


@dataclass
class Page:
    items: list
    count: int
    page: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.page * self.limit < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(session: Session, stmt: Select, page: int, limit: int, options: Sequence = ()) -> Page:
    """One COUNT, one query for the page's ids, and one for its rows with their eager
    loads (``options``). Choosing ids first keeps the joins of the eager loads out of the
    sort and offset, which would otherwise run over every matching row."""
    entity = stmt.column_descriptions[0]["entity"]
    count = session.scalar(stmt.with_only_columns(func.count()).select_from(entity).order_by(None)) or 0
    if not count:
        return Page([], 0, page, limit)
    ids = list(session.scalars(stmt.with_only_columns(entity.id).limit(limit).offset((page - 1) * limit)))
    loaded = {
        row.id: row for row in session.scalars(select(entity).where(entity.id.in_(ids)).options(*options)).unique()
    }
    return Page([loaded[i] for i in ids if i in loaded], count, page, limit)


def paginate_rows(session: Session, stmt: Select, page: int, limit: int) -> Page:
    """Like ``paginate`` for statements that return tuples rather than entities."""
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.limit(limit).offset((page - 1) * limit))) if count else []
    return Page(rows, count, page, limit)


def delivery_ranges(location_ids: Optional[set[int]], filters: dict[str, Any]) -> Select:
    """The distinct delivery ranges of the orders of packages in scope."""
    stmt = (
        select(Order.delivery_range_lower, Order.delivery_range_upper)
        .join(Package, Package.order_id == Order.id)
        .where(Order.delivery_range_lower.is_not(None), Order.delivery_range_upper.is_not(None))
    )
    if location_ids is not None:
        stmt = stmt.where(Package.stock_location_id.in_(sorted(location_ids)))
    bounds = {
        "date": lambda v: and_(Order.delivery_range_lower <= v, Order.delivery_range_upper > v),
        "lower_start_date": lambda v: Order.delivery_range_lower >= v,
        "lower_end_date": lambda v: Order.delivery_range_lower <= v,
        "upper_start_date": lambda v: Order.delivery_range_upper >= v,
        "upper_end_date": lambda v: Order.delivery_range_upper <= v,
    }
    for name, condition in bounds.items():
        if filters.get(name) is not None:
            stmt = stmt.where(condition(filters[name]))
    return stmt.distinct().order_by(Order.delivery_range_lower, Order.delivery_range_upper)


def transition_logs(package_id: int) -> Select:
    return (
        select(TransitionLog)
        .where(TransitionLog.object_id == package_id)
        .options(
            joinedload(TransitionLog.old_state),
            joinedload(TransitionLog.new_state),
            joinedload(TransitionLog.transition),
            joinedload(TransitionLog.user),
        )
        .order_by(TransitionLog.id)
    )


def webhook_events(package_id: int) -> Select:
    return (
        select(WebhookEvent)
        .where(WebhookEvent.object_id == package_id)
        .options(joinedload(WebhookEvent.webhook))
        .order_by(WebhookEvent.id)
    )


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[int]]:
    """Count the SQL statements run inside the block (read ``counter[0]`` afterwards): the
    proof that a page costs a fixed number of queries."""
    counter = [0]

    def count(*_args) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)
