"""Import packages from documents shaped like the reference's Package List / Detail responses.

All or nothing: the whole document is validated while it is written inside the caller's
transaction, and the first broken field raises ``ImportFailed`` with its path
(``results[3].packageitem_set[0].order_item``), so the caller's rollback leaves nothing.
Re-importing a package (same ``number``) updates it in place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import events
from packing.core.errors import ImportFailed
from packing.core.models import (
    Address,
    Channel,
    City,
    Country,
    Customer,
    District,
    Order,
    OrderItem,
    Package,
    PackageItem,
    Product,
    ProductBarcode,
    State,
    StockLocation,
    Township,
)
from packing.core.serializers import parse_interval

_MISSING = object()


class Node:
    """A JSON value and where it sits in the document, for error messages."""

    def __init__(self, value: Any, path: str):
        self.value = value
        self.path = path

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = False, default: Any = None) -> Any:
        path = self._child_path(key)
        value = self.value.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise ImportFailed("this field is required", path)
            return default
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ImportFailed(f"expected {_json_name(expected)}, got {type(value).__name__}", path)
        if kind is str and required and not value.strip():
            raise ImportFailed("this field may not be blank", path)
        return value

    def obj(self, key: str, *, required: bool = False) -> Optional["Node"]:
        value = self.get(key, dict, required=required)
        return None if value is None else Node(value, self._child_path(key))

    def items(self, key: str, *, required: bool = False) -> list["Node"]:
        values = self.get(key, list, required=required, default=[])
        child = self._child_path(key)
        nodes = []
        for index, value in enumerate(values):
            node_path = f"{child}[{index}]"
            if not isinstance(value, dict):
                raise ImportFailed(f"expected object, got {type(value).__name__}", node_path)
            nodes.append(Node(value, node_path))
        return nodes

    def decimal(self, key: str, default: Optional[str] = None) -> Optional[Decimal]:
        raw = self.get(key, (str, int, float))
        if raw is None:
            return None if default is None else Decimal(default)
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ImportFailed(f"{raw!r} is not a number", self._child_path(key)) from None
        if not value.is_finite():
            raise ImportFailed(f"{raw!r} is not a number", self._child_path(key))
        return value

    def datetime(self, key: str, *, required: bool = False) -> Optional[datetime]:
        raw = self.get(key, str, required=required)
        if raw is None:
            return None
        return parse_datetime(raw, self._child_path(key))


def _json_name(python_name: str) -> str:
    return {"str": "string", "dict": "object", "list": "array", "int": "integer", "float": "number"}.get(
        python_name, python_name
    )


def parse_datetime(raw: str, path: str) -> datetime:
    text = raw.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # "+0000" as in delivery ranges
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ImportFailed(f"{raw!r} is not an ISO 8601 date-time", path) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.created) + len(self.updated)


def package_nodes(document: Any) -> list[Node]:
    """The packages of a document: a ``results`` list, a bare list, or one package."""
    if isinstance(document, dict) and "results" in document:
        results = document["results"]
        if not isinstance(results, list):
            raise ImportFailed("expected array", "results")
        nodes = Node(document, "").items("results")
    elif isinstance(document, list):
        nodes = [Node(value, f"[{i}]") for i, value in enumerate(document)]
        for node in nodes:
            if not isinstance(node.value, dict):
                raise ImportFailed(f"expected object, got {type(node.value).__name__}", node.path)
    elif isinstance(document, dict):
        nodes = [Node(document, "")]
    else:
        raise ImportFailed("expected a package object or a list of them", "$")
    if not nodes:
        raise ImportFailed("there are no packages in the document", "results")
    return nodes


def import_packages(session: Session, document: Any) -> ImportResult:
    importer = _Importer(session)
    result = ImportResult()
    seen: dict[str, str] = {}
    for node in package_nodes(document):
        number = node.get("number", str, required=True)
        if number in seen:
            raise ImportFailed(f"package {number} is also at {seen[number] or 'the top'}", f"{node.path}.number")
        seen[number] = node.path
        package, created = importer.package(node)
        (result.created if created else result.updated).append(package.number)
    return result


class _Importer:
    def __init__(self, session: Session):
        self.session = session
        self._states: dict[tuple[str, str], State] = {
            (s.enum_class, s.enum_value): s for s in session.scalars(select(State))
        }

    # -- lookups ------------------------------------------------------------------------

    def state(self, node: Optional[Node], enum_class: str, path: str, *, required: bool = True) -> Optional[State]:
        if node is None:
            if required:
                raise ImportFailed("this field is required", path)
            return None
        given_class = node.get("enum_class", str, default=enum_class)
        if given_class != enum_class:
            raise ImportFailed(f"expected a {enum_class} state, got {given_class}", f"{node.path}.enum_class")
        value = node.get("enum_value", str, required=True)
        state = self._states.get((enum_class, value))
        if state is None:
            raise ImportFailed(f"{enum_class} {value} is not in the state catalogue", f"{node.path}.enum_value")
        return state

    def _one(self, model: type, **where: Any) -> Any:
        return self.session.scalar(select(model).filter_by(**where))

    def country(self, node: Optional[Node]) -> Optional[Country]:
        if node is None:
            return None
        name = node.get("name", str, required=True)
        code = node.get("code", str) or name[:2].lower()
        found = self._one(Country, code=code) or self._one(Country, name=name)
        if found is None:
            found = Country(name=name, code=code)
            self.session.add(found)
            self.session.flush()
        return found

    def place(self, model: type, node: Optional[Node], **parent: Any) -> Any:
        if node is None or any(v is None for v in parent.values()):
            return None
        name = node.get("name", str, required=True)
        found = self._one(model, name=name, **parent)
        if found is None:
            found = model(name=name, **parent)
            self.session.add(found)
            self.session.flush()
        return found

    def address(self, node: Optional[Node], existing: Optional[Address], customer: Optional[Customer]) -> Optional[Address]:
        if node is None:
            return existing
        country = self.country(node.obj("country"))
        city = self.place(City, node.obj("city"), country_id=country.id if country else None)
        township = self.place(Township, node.obj("township"), city_id=city.id if city else None)
        district = self.place(
            District,
            node.obj("district"),
            city_id=city.id if city else None,
            township_id=township.id if township else None,
        )
        address = existing or Address()
        address.omnitron_id = node.get("omnitron_id", int)
        address.customer = customer
        address.address_type = node.get("address_type", str, default="customer")
        address.country, address.city, address.township, address.district = country, city, township, district
        for name in ("title", "line", "email", "phone_number", "first_name", "last_name", "company_name",
                     "tax_office", "tax_no"):
            setattr(address, name, node.get(name, str, default=""))
        address.postcode = node.get("postcode", str)
        address.notes = node.get("notes", str)
        address.e_bill_taxpayer = node.get("e_bill_taxpayer", bool, default=False)
        address.is_active = node.get("is_active", bool, default=True)
        self.session.add(address)
        return address

    def customer(self, node: Optional[Node], channel: Channel) -> Optional[Customer]:
        if node is None:
            return None
        remote_pk = node.get("pk", int)
        customer = self._one(Customer, omnitron_id=remote_pk) if remote_pk is not None else None
        customer = customer or Customer(omnitron_id=remote_pk)
        customer.channel_id = channel.id
        for name in ("email", "first_name", "last_name", "phone_number"):
            setattr(customer, name, node.get(name, str, default=""))
        customer.erp_code = node.get("erp_code", str)
        self.session.add(customer)
        return customer

    def stock_location(self, node: Node) -> StockLocation:
        erp_code = node.get("erp_code", str, required=True)
        location = self._one(StockLocation, erp_code=erp_code)
        if location is None:
            location = StockLocation(erp_code=erp_code, name=node.get("name", str, default=erp_code))
            location.stock_location_type = node.get("stock_location_type", str, default="store")
            interval_text = node.get("target_packing_interval", str)
            if interval_text:
                try:
                    location.target_packing_interval = parse_interval(interval_text)
                except ValueError:
                    raise ImportFailed(
                        f"{interval_text!r} is not a duration like '5 00:00:00'", f"{node.path}.target_packing_interval"
                    ) from None
            location.address = self.address(node.obj("address"), None, None)
            self.session.add(location)
            self.session.flush()
        return location

    def product(self, node: Node) -> Product:
        sku = node.get("sku", str, required=True)
        product = self._one(Product, sku=sku) or Product(sku=sku)
        product.name = node.get("name", str, default=product.name or sku)
        product.base_code = node.get("base_code", str)
        product.barcode = node.get("barcode", str)
        product.omnitron_id = node.get("omnitron_id", int)
        product.attributes = node.get("attributes", dict, default={})
        product.attributes_kwargs = node.get("attributes_kwargs", dict, default={})
        images = node.items("productimage_set")
        if images:
            product.image_url = images[0].get("url", str)
        extra = node.get("barcodes", list, default=[])
        known = set(product.barcodes)
        for index, code in enumerate(extra):
            if not isinstance(code, str) or not code.strip():
                raise ImportFailed("expected a non-empty string", f"{node.path}.barcodes[{index}]")
            if code not in known:
                product.extra_barcodes.append(ProductBarcode(barcode=code))
                known.add(code)
        self.session.add(product)
        self.session.flush()
        return product

    # -- the package ---------------------------------------------------------------------

    def package(self, node: Node) -> tuple[Package, bool]:
        number = node.get("number", str, required=True)
        state = self.state(node.obj("state"), "PackageStatus", f"{node.path}.state")
        location = self.stock_location(node.obj("stock_location", required=True))
        order = self.order(node)
        item_nodes = node.items("packageitem_set", required=True)
        if not item_nodes:
            raise ImportFailed("a package needs at least one item", f"{node.path}.packageitem_set")

        package = self._one(Package, number=number)
        created = package is None
        if created:
            package = Package(number=number)
        package.order = order
        package.stock_location = location
        package.state = state
        package.tracking_number = node.get("tracking_number", str)
        package.invoice_number = node.get("invoice_number", str)
        if package.invoice_number and len(package.invoice_number) > 32:
            raise ImportFailed("at most 32 characters", f"{node.path}.invoice_number")
        package.remote_id = node.get("remote_id", str)
        package.extra_information = node.get("extra_information", dict, default={})
        package.shipment_date = node.datetime("shipment_date")
        package.created_date = node.datetime("created_date") or package.created_date or datetime.now(timezone.utc)
        package.target_packing_date = node.datetime("target_packing_date") or (
            package.created_date + timedelta(seconds=location.target_packing_interval)
        )
        self.session.add(package)
        self.session.flush()

        existing_items = {item.order_item_id: item for item in package.items}
        for item_node in item_nodes:
            order_item = self.order_item(item_node.obj("order_item", required=True), order)
            item = existing_items.get(order_item.id) or PackageItem(package_id=package.id, order_item=order_item)
            item.state = self.state(item_node.obj("state"), "PackageItemStatus", f"{item_node.path}.state")
            item.discrepancy_reason = item_node.get("discrepancy_reason", str)
            item.selected_barcode = item_node.get("selected_barcode", str)
            item.serial_no = item_node.get("serial_no", str)
            item.unit_weight = item_node.decimal("unit_weight")
            item.unit_type = item_node.get("unit_type", str, default="quantity")
            self.session.add(item)
        self.session.flush()
        self.session.refresh(package, ["items"])
        if created:
            events.package_created(self.session, package)
        return package, created

    def order(self, node: Node) -> Order:
        number = node.get("order_number", str, required=True)
        channel_name = node.get("channel_name", str, default="Default")
        channel = self._one(Channel, name=channel_name)
        if channel is None:
            channel = Channel(name=channel_name, omnitron_id=node.get("channel_omnitron_id", int))
            self.session.add(channel)
            self.session.flush()
        order = self._one(Order, number=number) or Order(number=number)
        order.channel = channel
        order.omnitron_id = node.get("omnitron_order_id", int)
        order.date_placed = node.datetime("date_placed") or order.date_placed or datetime.now(timezone.utc)
        order.payment_type = node.get("payment_type", str, default="credit_card")
        order.notes = node.get("order_notes", str)
        order.has_gift_box = node.get("order_has_gift_box", bool, default=False)
        order.gift_box_note = node.get("order_gift_box_note", str)
        order.is_click_and_collect = node.get("is_click_and_collect", bool, default=False)
        delivery_type = node.get("delivery_type", (str, dict))
        order.delivery_type = delivery_type.get("value") if isinstance(delivery_type, dict) else delivery_type
        delivery_range = node.obj("delivery_range")
        order.delivery_range_lower = delivery_range.datetime("lower") if delivery_range else None
        order.delivery_range_upper = delivery_range.datetime("upper") if delivery_range else None
        shipping = node.obj("shipping_address")
        customer_node = shipping.obj("customer") if shipping else None
        order.customer = self.customer(customer_node, channel) or order.customer
        order.shipping_address = self.address(shipping, order.shipping_address, order.customer)
        billing = node.obj("billing_address")
        order.billing_address = self.address(billing, order.billing_address, order.customer) if billing else (
            order.billing_address or order.shipping_address
        )
        self.session.add(order)
        self.session.flush()
        return order

    def order_item(self, node: Node, order: Order) -> OrderItem:
        product = self.product(node.obj("product", required=True))
        remote_id = node.get("omnitron_id", int)
        if remote_id is None:
            remote_id = node.get("id", int, required=True)
        order_item = self._one(OrderItem, omnitron_id=remote_id)
        if order_item is not None and order_item.order_id != order.id:
            raise ImportFailed(
                f"order item {remote_id} belongs to order {order_item.order.number}", f"{node.path}.omnitron_id"
            )
        order_item = order_item or OrderItem(omnitron_id=remote_id, order=order)
        order_item.product = product
        order_item.state = self.state(node.obj("state"), "OrderStatus", f"{node.path}.state", required=False)
        order_item.price = node.decimal("price", "0")
        order_item.retail_price = node.decimal("retail_price")
        order_item.net_amount = node.decimal("net_amount") or order_item.price
        order_item.tax_rate = node.decimal("tax_rate", "0")
        order_item.tax_amount = node.decimal("tax_amount")
        order_item.discount_amount = node.decimal("discount_amount", "0")
        order_item.price_currency = node.get("price_currency", str, default="try")
        order_item.attributes = node.get("attributes", dict, default={})
        order.currency = order_item.price_currency
        self.session.add(order_item)
        self.session.flush()
        return order_item
