"""Import packages from documents shaped like the reference's Package List / Detail responses.

All or nothing: the whole document is validated while it is written inside the caller's
transaction, and the first broken field raises ``ImportFailed`` with its path
(``results[3].packageitem_set[0].order_item``), so the caller's rollback leaves nothing.
Every value is checked against its column (text length, integer and decimal range, no NUL,
no negative amount) before the database sees it. ``read_document`` parses a file the same
strict way (no NaN, no 5000-digit numbers, bounded nesting), naming the path too.

Re-importing a package (same ``number``) updates it in place, unless it has moved since its
last import (a command, a scan's pack, an invoice or shipment bumped its ``version``, or it
has transition logs and was never imported): an export is older than the station's work, so
such a package is left as it is and reported with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core import events
from packing.core.errors import ImportFailed, InvalidParameter
from packing.core.messages import N_, Message
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
    ProductPackaging,
    State,
    StockLocation,
    Township,
    TransitionLog,
)
from packing.core.parsing import INT32_MAX, MAX_JSON_DEPTH, bracketed, has_nul, loads_strict, parse_decimal
from packing.core.serializers import KEPT_FIELDS, parse_interval

_MISSING = object()

# Every refusal names the field's path first, so one line of output says where to look.
REQUIRED = N_("{path}: this field is required.")
WRONG_TYPE = N_("{path}: expected {expected}, got {given}.")


class Node:
    """A JSON value and where it sits in the document, for error messages."""

    def __init__(self, value: Any, path: str):
        self.value = value
        self.path = path

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def get(
        self,
        key: str,
        kind: type | tuple[type, ...],
        *,
        required: bool = False,
        default: Any = None,
        column: Any = None,
    ) -> Any:
        """The value at ``key`` if it is of ``kind``; text is checked against ``column``'s
        length (a model attribute) and integers against 32-bit columns."""
        path = self._child_path(key)
        value = self.value.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise ImportFailed(REQUIRED, path)
            return default
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
            expected = "/".join(_json_name(k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise ImportFailed(WRONG_TYPE, path, expected=expected, given=_json_name(type(value).__name__))
        if kind is str and required and not value.strip():
            raise ImportFailed("{path}: this field may not be blank.", path)
        if isinstance(value, str):
            _check_text(value, path, column)
        if isinstance(value, int) and kind in (int, (int, float)) and not -INT32_MAX - 1 <= value <= INT32_MAX:
            raise ImportFailed(
                "{path}: must be between {minimum} and {maximum}.", path, minimum=-INT32_MAX - 1, maximum=INT32_MAX
            )
        return value

    def text(self, key: str, column: Any, *, required: bool = False, default: Any = None) -> Any:
        return self.get(key, str, required=required, default=default, column=column)

    def obj(self, key: str, *, required: bool = False) -> Optional[Node]:
        value = self.get(key, dict, required=required)
        return None if value is None else Node(value, self._child_path(key))

    def items(self, key: str, *, required: bool = False) -> list[Node]:
        values = self.get(key, list, required=required, default=[])
        child = self._child_path(key)
        nodes = []
        for index, value in enumerate(values):
            node_path = f"{child}[{index}]"
            if not isinstance(value, dict):
                raise ImportFailed(WRONG_TYPE, node_path, expected="object", given=_json_name(type(value).__name__))
            nodes.append(Node(value, node_path))
        return nodes

    def decimal(
        self, key: str, default: Optional[str] = None, *, digits: int = 14, places: int = 2
    ) -> Optional[Decimal]:
        """A non-negative amount that fits ``Numeric(digits, places)``."""
        path = self._child_path(key)
        raw = self.get(key, (str, int, float))
        if raw is None:
            return None if default is None else Decimal(default)
        try:
            return parse_decimal(raw, path, digits=digits, places=places, minimum=Decimal(0))
        except InvalidParameter as error:
            raise ImportFailed(error.template, path, **error.values) from None

    def datetime(self, key: str, *, required: bool = False) -> Optional[datetime]:
        raw = self.get(key, str, required=required)
        if raw is None:
            return None
        return parse_datetime(raw, self._child_path(key))


def _check_text(value: str, path: str, column: Any) -> None:
    if has_nul(value):
        raise ImportFailed("{path}: contains a NUL character.", path)
    length = column.property.columns[0].type.length if column is not None else None
    if length is not None and len(value) > length:
        raise ImportFailed("{path}: at most {length} characters.", path, length=length)


def read_document(text: str | bytes) -> Any:
    """Parse an import file strictly; a broken one raises ``ImportFailed`` naming the path."""
    try:
        return loads_strict(text, max_depth=MAX_JSON_DEPTH, name=bracketed)
    except InvalidParameter as error:
        raise ImportFailed(error.template, error.field, **error.values) from None


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
        raise ImportFailed("{path}: {value!r} is not an ISO 8601 date-time.", path, value=raw) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # (number, reason) of each package left as it is because it moved since its last import.
    skipped: list[tuple[str, Message]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.created) + len(self.updated)


def package_nodes(document: Any) -> list[Node]:
    """The packages of a document: a ``results`` list, a bare list, or one package."""
    if isinstance(document, dict) and "results" in document:
        results = document["results"]
        if not isinstance(results, list):
            raise ImportFailed(WRONG_TYPE, "results", expected="array", given=_json_name(type(results).__name__))
        nodes = Node(document, "").items("results")
    elif isinstance(document, list):
        nodes = [Node(value, f"[{i}]") for i, value in enumerate(document)]
        for node in nodes:
            if not isinstance(node.value, dict):
                raise ImportFailed(
                    WRONG_TYPE, node.path, expected="object", given=_json_name(type(node.value).__name__)
                )
    elif isinstance(document, dict):
        nodes = [Node(document, "")]
    else:
        raise ImportFailed("{path}: expected a package object or a list of them.", "$")
    if not nodes:
        raise ImportFailed("{path}: there are no packages in the document.", "results")
    return nodes


def import_packages(
    session: Session,
    document: Any,
    *,
    create_locations: bool = False,
    allowed_locations: Optional[Collection[str]] = None,
    progress: Optional[Callable[[int, int, ImportResult], None]] = None,
) -> ImportResult:
    """Create or update the document's packages. A stock location not known by its
    ``erp_code`` is refused unless ``create_locations``; one not in ``allowed_locations``
    (when given: a lead's stores) is refused. ``progress(read, total, result)`` is called
    after each package, for a progress bar."""
    importer = _Importer(session, create_locations, allowed_locations)
    result = ImportResult()
    seen: dict[str, str] = {}
    nodes = package_nodes(document)
    for read, node in enumerate(nodes, start=1):
        _import_one(session, importer, node, seen, result)
        if progress is not None:
            progress(read, len(nodes), result)
    return result


def _import_one(session: Session, importer: _Importer, node: Node, seen: dict[str, str], result: ImportResult) -> None:
    number = node.text("number", Package.number, required=True)
    if number in seen:
        raise ImportFailed(
            "{path}: package {number} is also at {first}.",
            node._child_path("number"),
            number=number,
            first=seen[number] or "$",
        )
    seen[number] = node.path
    existing = session.scalar(select(Package).where(Package.number == number))
    moved = existing is not None and moved_since_import(session, existing)
    if moved:
        result.skipped.append((number, moved))
        return
    package, created = importer.package(node, existing)
    (result.created if created else result.updated).append(package.number)


def moved_since_import(session: Session, package: Package) -> Optional[Message]:
    """Why an import must not overwrite ``package`` (None when it may): the station, the API
    or a person changed it after the import that last wrote it."""
    if package.imported_version is None:
        logs = session.scalar(
            select(func.count()).select_from(TransitionLog).where(TransitionLog.object_id == package.id)
        )
        if logs:
            return Message(
                N_("it is {state} with {logs} transition log(s) and was not imported here"),
                {"state": package.state.name, "logs": logs},
            )
        return None
    if package.version > package.imported_version:
        return Message(
            N_("it moved since its last import: now {state} at version {version}, imported at version {imported}"),
            {"state": package.state.name, "version": package.version, "imported": package.imported_version},
        )
    return None


def kept_fields(node: Node, shape: str, current: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The ``shape``'s kept fields the node carries, over those already kept."""
    given = {key: node.value[key] for key in KEPT_FIELDS[shape] if key in node.value}
    if not given:
        return current
    return {**(current or {}), **given}


class _Importer:
    def __init__(
        self, session: Session, create_locations: bool = False, allowed_locations: Optional[Collection[str]] = None
    ):
        self.session = session
        self.create_locations = create_locations
        self.allowed_locations = None if allowed_locations is None else set(allowed_locations)
        self._states: dict[tuple[str, str], State] = {
            (s.enum_class, s.enum_value): s for s in session.scalars(select(State))
        }

    # -- lookups ------------------------------------------------------------------------

    def state(self, node: Optional[Node], enum_class: str, path: str, *, required: bool = True) -> Optional[State]:
        if node is None:
            if required:
                raise ImportFailed(REQUIRED, path)
            return None
        given_class = node.get("enum_class", str, default=enum_class)
        if given_class != enum_class:
            raise ImportFailed(
                "{path}: expected a {expected} state, got {given}.",
                node._child_path("enum_class"),
                expected=enum_class,
                given=given_class,
            )
        value = node.get("enum_value", str, required=True)
        state = self._states.get((enum_class, value))
        if state is None:
            raise ImportFailed(
                "{path}: {enum_class} {value} is not in the state catalogue.",
                node._child_path("enum_value"),
                enum_class=enum_class,
                value=value,
            )
        return state

    def _one(self, model: type, **where: Any) -> Any:
        return self.session.scalar(select(model).filter_by(**where))

    def country(self, node: Optional[Node]) -> Optional[Country]:
        if node is None:
            return None
        name = node.text("name", Country.name, required=True)
        code = node.text("code", Country.code) or name[:2].lower()
        found = self._one(Country, code=code) or self._one(Country, name=name)
        if found is None:
            found = Country(name=name, code=code)
            self.session.add(found)
        found.reference_fields = kept_fields(node, "place", found.reference_fields)
        self.session.flush()
        return found

    def place(self, model: type, node: Optional[Node], **parent: Any) -> Any:
        if node is None or any(v is None for v in parent.values()):
            return None
        name = node.text("name", model.name, required=True)
        found = self._one(model, name=name, **parent)
        if found is None:
            found = model(name=name, **parent)
            self.session.add(found)
        found.reference_fields = kept_fields(node, "place", found.reference_fields)
        self.session.flush()
        return found

    def address(
        self, node: Optional[Node], existing: Optional[Address], customer: Optional[Customer]
    ) -> Optional[Address]:
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
        address.address_type = node.text("address_type", Address.address_type, default="customer")
        address.country, address.city, address.township, address.district = country, city, township, district
        for name in (
            "title",
            "line",
            "email",
            "phone_number",
            "first_name",
            "last_name",
            "company_name",
            "tax_office",
            "tax_no",
        ):
            setattr(address, name, node.text(name, getattr(Address, name), default=""))
        address.postcode = node.text("postcode", Address.postcode)
        address.notes = node.text("notes", Address.notes)
        address.e_bill_taxpayer = node.get("e_bill_taxpayer", bool, default=False)
        address.is_active = node.get("is_active", bool, default=True)
        address.reference_fields = kept_fields(node, "address", address.reference_fields)
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
            setattr(customer, name, node.text(name, getattr(Customer, name), default=""))
        customer.erp_code = node.text("erp_code", Customer.erp_code)
        self.session.add(customer)
        return customer

    def stock_location(self, node: Node) -> StockLocation:
        erp_code = node.text("erp_code", StockLocation.erp_code, required=True)
        if self.allowed_locations is not None and erp_code not in self.allowed_locations:
            raise ImportFailed(
                "{path}: stock location {erp_code!r} is not one of yours.",
                node._child_path("erp_code"),
                erp_code=erp_code,
            )
        location = self._one(StockLocation, erp_code=erp_code)
        if location is not None and not location.is_active:
            raise ImportFailed(
                "{path}: stock location {erp_code!r} is deactivated and takes no new packages.",
                node._child_path("erp_code"),
                erp_code=erp_code,
            )
        if location is None and not self.create_locations:
            raise ImportFailed(
                "{path}: no stock location {erp_code!r}; create it first or import with --create-locations.",
                node._child_path("erp_code"),
                erp_code=erp_code,
            )
        if location is None:
            location = StockLocation(erp_code=erp_code, name=node.text("name", StockLocation.name, default=erp_code))
            location.stock_location_type = node.text(
                "stock_location_type", StockLocation.stock_location_type, default="store"
            )
            interval_text = node.get("target_packing_interval", str)
            if interval_text:
                try:
                    location.target_packing_interval = parse_interval(interval_text)
                except ValueError:
                    raise ImportFailed(
                        "{path}: {value!r} is not a duration like '5 00:00:00'.",
                        node._child_path("target_packing_interval"),
                        value=interval_text,
                    ) from None
            location.address = self.address(node.obj("address"), None, None)
            location.omnitron_id = node.get("omnitron_id", int)
            location.daytime_phone = node.text("daytime_phone", StockLocation.daytime_phone, default="")
            location.email = node.text("email", StockLocation.email, default="")
            location.priority = node.get("priority", int, default=10)
            location.tags = node.get("tags", list, default=[])
            location.conf = node.get("conf", dict, default={})
            location.use_as_shipper_location = node.get("use_as_shipper_location", bool, default=True)
            location.is_active = node.get("is_active", bool, default=True)
            self.session.add(location)
        location.reference_fields = kept_fields(node, "stock_location", location.reference_fields)
        self.session.flush()
        return location

    def retail_store(self, node: Node) -> Optional[StockLocation]:
        """The order's retail store: ``order_retail_store_id`` is the OMS's id of a stock location."""
        remote_id = node.get("order_retail_store_id", int)
        if remote_id is None:
            return None
        store = self._one(StockLocation, omnitron_id=remote_id)
        if store is None:
            raise ImportFailed(
                "{path}: no stock location with omnitron_id {remote_id}.",
                node._child_path("order_retail_store_id"),
                remote_id=remote_id,
            )
        return store

    def shipping_option(self, node: Node) -> Optional[str]:
        """The order's shipping option slug: ``shipping_option_slug``, or ``shipping_option.slug``."""
        option = node.obj("shipping_option")
        if option is not None:
            return option.text("slug", Order.shipping_option_slug)
        return node.text("shipping_option_slug", Order.shipping_option_slug)

    def product(self, node: Node) -> Product:
        sku = node.text("sku", Product.sku, required=True)
        product = self._one(Product, sku=sku) or Product(sku=sku)
        product.name = node.text("name", Product.name, default=product.name or sku)
        product.base_code = node.text("base_code", Product.base_code)
        product.barcode = node.text("barcode", Product.barcode)
        product.omnitron_id = node.get("omnitron_id", int)
        product.attributes = node.get("attributes", dict, default={})
        product.attributes_kwargs = node.get("attributes_kwargs", dict, default={})
        product.reference_fields = kept_fields(node, "product", product.reference_fields)
        images = node.items("productimage_set")
        if images:
            product.image_url = images[0].text("url", Product.image_url)
        extra = node.get("barcodes", list, default=[])
        known = set(product.barcodes)
        for index, code in enumerate(extra):
            barcode_path = f"{node.path}.barcodes[{index}]"
            if not isinstance(code, str) or not code.strip():
                raise ImportFailed("{path}: expected a non-empty string.", barcode_path)
            _check_text(code, barcode_path, ProductBarcode.barcode)
            if code not in known:
                product.extra_barcodes.append(ProductBarcode(barcode=code))
                known.add(code)
        self._refuse_case_barcodes(node, product.barcode, extra)
        self.session.add(product)
        self.session.flush()
        attributes = node.obj("attributes")
        if attributes is not None:
            self.packagings(product, attributes.items("packaging_barcodes"))
        return product

    def _refuse_case_barcodes(self, node: Node, barcode: Optional[str], extra: list[str]) -> None:
        """A product's own barcode may not be a case's (set by an admin or an earlier import):
        the scan would have to guess whether it counts one unit or a case."""
        codes = ([barcode] if barcode else []) + extra
        if not codes:
            return
        case = self.session.scalar(select(ProductPackaging).where(ProductPackaging.barcode.in_(codes)).limit(1))
        if case is not None:
            field = "barcode" if case.barcode == barcode else f"barcodes[{extra.index(case.barcode)}]"
            raise ImportFailed(
                "{path}: {barcode} is already the case barcode of {sku}.",
                node._child_path(field),
                barcode=case.barcode,
                sku=case.product.sku,
            )

    def packagings(self, product: Product, entries: list[Node]) -> None:
        """The product's cases, from ``attributes["packaging_barcodes"]``: a list of
        ``{"barcode": "...", "quantity": 6}``. An entry sets the quantity of the case with its
        barcode; cases the attributes do not name (an admin's) stay as they are."""
        for entry in entries:
            code = entry.text("barcode", ProductPackaging.barcode, required=True)
            quantity = entry.get("quantity", int, required=True)
            if quantity < 2:
                raise ImportFailed("{path}: a case holds at least 2 units.", entry._child_path("quantity"))
            if code in product.barcodes or code.casefold() == product.sku.casefold():
                raise ImportFailed(
                    "{path}: {barcode} is the product's own barcode, not a case's.",
                    entry._child_path("barcode"),
                    barcode=code,
                )
            packaging = self._one(ProductPackaging, barcode=code)
            if packaging is None:
                packaging = ProductPackaging(barcode=code, product_id=product.id)
                self.session.add(packaging)
            elif packaging.product_id != product.id:
                raise ImportFailed(
                    "{path}: {barcode} is already the case barcode of another product ({sku}).",
                    entry._child_path("barcode"),
                    barcode=code,
                    sku=packaging.product.sku,
                )
            packaging.quantity = quantity
        self.session.flush()

    # -- the package ---------------------------------------------------------------------

    def package(self, node: Node, package: Optional[Package]) -> tuple[Package, bool]:
        number = node.text("number", Package.number, required=True)
        state = self.state(node.obj("state"), "PackageStatus", f"{node.path}.state")
        location = self.stock_location(node.obj("stock_location", required=True))
        order = self.order(node)
        item_nodes = node.items("packageitem_set", required=True)
        if not item_nodes:
            raise ImportFailed("{path}: a package needs at least one item.", node._child_path("packageitem_set"))

        created = package is None
        if created:
            package = Package(number=number)
        package.order = order
        package.stock_location = location
        package.state = state
        package.tracking_number = node.text("tracking_number", Package.tracking_number)
        package.invoice_number = node.text("invoice_number", Package.invoice_number)
        package.remote_id = node.text("remote_id", Package.remote_id)
        package.extra_information = node.get("extra_information", dict, default={})
        package.shipment_date = node.datetime("shipment_date")
        package.reference_fields = kept_fields(node, "package", package.reference_fields)
        package.created_date = node.datetime("created_date") or package.created_date or datetime.now(UTC)
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
            item.discrepancy_reason = item_node.text("discrepancy_reason", PackageItem.discrepancy_reason)
            item.selected_barcode = item_node.text("selected_barcode", PackageItem.selected_barcode)
            item.serial_no = item_node.text("serial_no", PackageItem.serial_no)
            item.unit_weight = item_node.decimal("unit_weight", digits=10, places=3)
            item.unit_type = item_node.text("unit_type", PackageItem.unit_type, default="quantity")
            item.created_date = item_node.datetime("created_date") or item.created_date or datetime.now(UTC)
            self.session.add(item)
        if not created:
            package.version += 1
        package.imported_version = package.version
        self.session.flush()
        self.session.refresh(package, ["items"])
        if created:
            events.package_created(self.session, package)
        return package, created

    def order(self, node: Node) -> Order:
        number = node.text("order_number", Order.number, required=True)
        channel_name = node.text("channel_name", Channel.name, default="Default")
        channel = self._one(Channel, name=channel_name)
        if channel is None:
            channel = Channel(name=channel_name, omnitron_id=node.get("channel_omnitron_id", int))
            self.session.add(channel)
            self.session.flush()
        order = self._one(Order, number=number) or Order(number=number)
        order.channel = channel
        order.omnitron_id = node.get("omnitron_order_id", int)
        order.date_placed = node.datetime("date_placed") or order.date_placed or datetime.now(UTC)
        order.payment_type = node.text("payment_type", Order.payment_type, default="credit_card")
        order.notes = node.text("order_notes", Order.notes)
        order.has_gift_box = node.get("order_has_gift_box", bool, default=False)
        order.gift_box_note = node.text("order_gift_box_note", Order.gift_box_note)
        order.is_click_and_collect = node.get("is_click_and_collect", bool, default=False)
        order.retail_store = self.retail_store(node)
        order.shipping_option_slug = self.shipping_option(node)
        delivery_type = node.get("delivery_type", (str, dict))
        if isinstance(delivery_type, dict):
            delivery_type = node.obj("delivery_type").text("value", Order.delivery_type)
        else:
            _check_text(delivery_type or "", node._child_path("delivery_type"), Order.delivery_type)
        order.delivery_type = delivery_type
        delivery_range = node.obj("delivery_range")
        order.delivery_range_lower = delivery_range.datetime("lower") if delivery_range else None
        order.delivery_range_upper = delivery_range.datetime("upper") if delivery_range else None
        shipping = node.obj("shipping_address")
        customer_node = shipping.obj("customer") if shipping else None
        order.customer = self.customer(customer_node, channel) or order.customer
        order.shipping_address = self.address(shipping, order.shipping_address, order.customer)
        billing = node.obj("billing_address")
        order.billing_address = (
            self.address(billing, order.billing_address, order.customer)
            if billing
            else (order.billing_address or order.shipping_address)
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
                "{path}: order item {remote_id} belongs to order {order}.",
                node._child_path("omnitron_id"),
                remote_id=remote_id,
                order=order_item.order.number,
            )
        order_item = order_item or OrderItem(omnitron_id=remote_id, order=order)
        order_item.product = product
        order_item.state = self.state(node.obj("state"), "OrderStatus", f"{node.path}.state", required=False)
        order_item.price = node.decimal("price", "0")
        order_item.retail_price = node.decimal("retail_price")
        order_item.net_amount = node.decimal("net_amount") or order_item.price
        order_item.tax_rate = node.decimal("tax_rate", "0", digits=5)
        order_item.tax_amount = node.decimal("tax_amount")
        order_item.discount_amount = node.decimal("discount_amount", "0")
        order_item.price_currency = node.text("price_currency", OrderItem.price_currency, default="try")
        order_item.attributes = node.get("attributes", dict, default={})
        order_item.reference_fields = kept_fields(node, "order_item", order_item.reference_fields)
        order.currency = order_item.price_currency
        self.session.add(order_item)
        self.session.flush()
        return order_item
