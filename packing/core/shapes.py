"""Every response shape of the integration API, declared once.

Each shape is a ``TypedDict``: ``packing.core.serializers`` builds its dicts to these types,
the API writes its JSON through the shape (pydantic-core's serializer: only the declared
keys, in the order built), and the OpenAPI document's response schemas are generated from
the same classes. A field exists in the API when it is declared here, and then it is in both.

Shapes forbid keys they do not declare and require every key they declare; ``check`` (the
test suite's mode) validates each answer strictly against its shape before it is written.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Generic, NotRequired, Optional, TypeVar

from pydantic import ConfigDict, Field, TypeAdapter, WithJsonSchema
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

# --- Scalars as the references write them ------------------------------------------------

# UTC with a Z, to the precision of the surface (see ``serializers.iso``).
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# Two decimals, as a string (Django's DecimalField).
Money = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$"})]
# Django's DurationField text: "5 00:00:00".
Duration = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^-?\d+ \d{2}:\d{2}:\d{2}$"})]
# A delivery range's bound: seconds and a ``+0000`` offset (PostgreSQL's tstzrange text).
RangeBound = Annotated[
    Optional[str],
    WithJsonSchema({"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$"}),
]
JsonObject = dict[str, Any]
# A reference field the station keeps as the import gave it: any JSON, null when none was given.
Kept = Annotated[Any, Field(description="Kept as the import gave it (any JSON); null when it gave none")]


class Shape(TypedDict):
    """Exactly these keys: none missing, none more."""

    __pydantic_config__ = ConfigDict(extra="forbid")


# --- Catalogue ------------------------------------------------------------------------------


class State(Shape):
    id: int
    created_date: Timestamp
    modified_date: Timestamp
    translations: JsonObject
    name: str
    config: JsonObject
    enum_class: str
    enum_value: str
    content_type: Optional[int]


class StateBrief(Shape):
    id: int
    name: str
    enum_value: str
    enum_class: str


class Command(Shape):
    id: int
    is_packageitem_parameter_required: bool
    configuration: JsonObject
    translations: Optional[JsonObject]
    command: str
    label: str
    slug: str
    ui_visibility: list[Any]
    source_state: int
    destination_state: int


class DenialReason(Shape):
    id: int
    title: str
    remote_id: Optional[str]
    priority: int
    is_active: bool


# --- Places and addresses -------------------------------------------------------------------


class _Place(Shape):
    pk: int
    name: str


class _PlaceCoordinates(Shape):
    is_active: bool
    longitude: Kept
    latitude: Kept


class Country(_Place, _PlaceCoordinates):
    code: str


class City(_Place, _PlaceCoordinates):
    country: int


class Township(_Place, _PlaceCoordinates):
    city: int


class District(_Place, _PlaceCoordinates):
    city: int
    township: int


class Customer(Shape):
    email: str
    first_name: str
    last_name: str
    phone_number: str
    erp_code: Optional[str]
    pk: int
    channel: Optional[int]


class Address(Shape):
    id: int
    city: Optional[City]
    country: Optional[Country]
    township: Optional[Township]
    district: Optional[District]
    customer: Optional[Customer]
    address_type: str
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    title: str
    is_active: bool
    line: str
    postcode: Optional[str]
    notes: Optional[str]
    email: str
    phone_number: str
    first_name: str
    last_name: str
    company_name: str
    tax_office: str
    tax_no: str
    e_bill_taxpayer: bool
    mapping: Kept
    longitude: Kept
    latitude: Kept


class StockLocation(Shape):
    id: int
    stock_location_type: str
    address: Optional[Address]
    tags: list[Any]
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    name: str
    is_active: bool
    priority: int
    conf: JsonObject
    daytime_phone: str
    email: str
    target_packing_interval: Duration
    erp_code: str
    use_as_shipper_location: bool
    engine: Kept
    is_fulfillment_center: Kept
    is_pickup_location: Kept
    is_delivery_location: Kept
    is_return_available: Kept
    is_fast_delivery_available: Kept
    evening_phone: Kept
    fax_number: Kept
    target_transfer_interval: Kept


class CityBrief(Shape):
    id: int
    name: str


class AddressBrief(Shape):
    line: str
    city: Optional[CityBrief]


class StockLocationShort(Shape):
    id: int
    name: str
    erp_code: str
    address: Optional[AddressBrief]


# --- Products, order items, package items ---------------------------------------------------


class ProductImage(Shape):
    order: int
    id: int
    url: str
    product: int


class Product(Shape):
    id: int
    productimage_set: list[ProductImage]
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    name: str
    base_code: Optional[str]
    sku: str
    barcode: Optional[str]
    barcodes: list[str]
    attributes: JsonObject
    attributes_kwargs: JsonObject
    extra_attributes: Kept
    remote_modified_date: Kept


class OrderItem(Shape):
    id: int
    state: Optional[State]
    product: Product
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    net_amount: Money
    price: Money
    price_currency: str
    retail_price: Optional[Money]
    tax_rate: Money
    tax_amount: Optional[Money]
    discount_amount: Money
    attributes: JsonObject
    without_net_amount: Kept
    installment_interest_amount: Kept
    attributes_kwargs: Kept
    image: Kept
    price_list: Kept
    stock_list: Kept
    extra_field: Kept
    parent_omnitron_id: Kept
    order: int


class PackageItem(Shape):
    id: int
    state: State
    discrepancy_reason: Optional[str]
    order_item: OrderItem
    transfer_order: None
    denial_reason: Optional[DenialReason]
    created_date: Timestamp
    modified_date: Timestamp
    selected_barcode: Optional[str]
    serial_no: Optional[str]
    unit_weight: Optional[str]
    unit_type: str
    package: int


class PackageItemRow(PackageItem):
    """A row of the package-items list: the item with its product's SKU at hand."""

    product_sku: str


# --- Shipping ---------------------------------------------------------------------------------


class CargoCompany(Shape):
    id: int
    shipping_company: str
    created_date: Timestamp
    modified_date: Timestamp
    name: str
    erp_code: str
    is_active: bool


class Shipment(Shape):
    id: int
    cargo_company: CargoCompany
    created_date: Timestamp
    modified_date: Timestamp
    awb_number: str
    tracking_url: str
    pay_on_delivery_amount: Optional[Money]
    update_date_time: Timestamp
    estimated_delivery_date: Optional[Timestamp]
    query_number: Optional[str]
    state: int
    package: int
    invoice: None


class ShippingLabel(Shape):
    id: int
    is_file: bool
    preview_url: str
    uuid: str
    full_path_url: str


class BoxTypeBrief(Shape):
    id: int
    code: str
    name: str


class BoxDimensions(Shape):
    """Centimetres, as decimal text."""

    length: Optional[str]
    width: Optional[str]
    height: Optional[str]


class Box(Shape):
    """A box (parcel) of the package: empty list until the package is packed or boxed."""

    number: int
    box_type: Optional[BoxTypeBrief]
    weight_kg: Optional[str]
    dimensions_cm: Optional[BoxDimensions]
    tracking_number: Optional[str]
    sscc: Optional[str]
    package_items: list[int]


class DeliveryRange(Shape):
    lower: RangeBound
    upper: RangeBound
    bounds: str


# --- Packages ---------------------------------------------------------------------------------


class _PackageDetail(Shape):
    """What the Package Detail and its Short Detail share (each adds its stock location)."""

    packageitem_set: list[PackageItem]
    order_number: str
    channel_name: str
    state: State
    number: str
    id: int
    shipping_address: Optional[Address]
    order_id: int
    commands: list[Command]
    shipment: Optional[Shipment]
    boxes: list[Box]
    shipping_label: Optional[ShippingLabel]
    is_click_and_collect: bool
    shipment_date: Optional[Timestamp]
    extra_information: JsonObject
    delivery_type: Optional[str]
    omnitron_order_id: Optional[int]
    id_encrypted: Optional[str]
    scenario: Kept
    rule: Kept


class PackageShortDetail(_PackageDetail):
    """The Package Short Detail: the detail without order bookkeeping, the stock location short."""

    stock_location: StockLocationShort


class PackageFull(_PackageDetail):
    """The Package List / Package Detail shape (the full format)."""

    stock_location: StockLocation
    date_placed: Timestamp
    city: Optional[str]
    payment_type: str
    tracking_number: Optional[str]
    target_packing_date: Optional[Timestamp]
    invoice_number: Optional[str]
    remote_id: Optional[str]
    delivery_range: Optional[DeliveryRange]
    order_gift_box_note: Optional[str]
    order_has_gift_box: bool
    order_retail_store_id: Optional[int]
    order_notes: Optional[str]
    created_date: Timestamp
    modified_date: Timestamp
    channel_omnitron_id: Optional[int]
    source: Kept
    origin_address: Kept
    origin_address_id: Kept


class PackageShort(Shape):
    """The Package Short List shape."""

    packageitem_count: int
    order_number: str
    date_placed: Timestamp
    channel_name: str
    state: State
    number: str
    id: int
    target_packing_date: Optional[Timestamp]
    order_id: int
    stock_location: StockLocationShort
    is_click_and_collect: bool
    delivery_type: Optional[str]
    created_date: Timestamp
    modified_date: Timestamp


class PackageSimple(Shape):
    """The Package Simple List shape (keys instead of nested objects)."""

    id: int
    created_date: Timestamp
    modified_date: Timestamp
    number: str
    extra_information: JsonObject
    target_packing_date: Optional[Timestamp]
    invoice_number: Optional[str]
    invoice_url: Optional[str]
    remote_id: Optional[str]
    state: int
    order: int
    shipping_address: Optional[int]
    stock_location: int
    invoice: Optional[int]
    tracking_number: Optional[str]
    is_click_and_collect: bool
    shipment_date: Optional[Timestamp]
    delivery_range: Optional[DeliveryRange]
    plan_item: Kept


class ExtraInformation(Shape):
    id: int
    extra_information: JsonObject


# --- Transition logs and webhook events -------------------------------------------------------


class TransitionBrief(Shape):
    id: int
    slug: str
    label: str


class UserBrief(Shape):
    id: int
    username: str
    email: str


class TransitionLogShort(Shape):
    id: int
    old_state: StateBrief
    new_state: StateBrief
    transition: Optional[TransitionBrief]
    user: Optional[UserBrief]
    attributes: JsonObject
    created_date: Timestamp


class TransitionLog(TransitionLogShort):
    object_id: int
    content_type: int


class Webhook(Shape):
    id: int
    retry_countdown_config: JsonObject
    created_date: Timestamp
    modified_date: Timestamp
    target_url: str
    is_active: bool
    secret_key: str
    event_type: str
    callback: str
    additional_headers: JsonObject
    config: JsonObject


class WebhookBrief(Shape):
    id: int
    target_url: str
    is_active: bool
    event_type: str


class _WebhookEventCommon(Shape):
    id: int
    created_date: Timestamp
    modified_date: Timestamp
    event_type: str
    status: str
    delivered: bool
    retry_count: int


class WebhookEventShort(_WebhookEventCommon):
    """The guide's short shape (webhook brief, delivered) with the OpenAPI text's fields."""

    webhook: WebhookBrief


class WebhookEvent(_WebhookEventCommon):
    webhook: Webhook
    uuid: str
    request_payload: JsonObject
    response_content: Optional[str]
    response_http_status: Optional[int]
    retryable: bool
    request_datetimes: list[Any]
    next_retry_date: Optional[Timestamp]
    object_id: int
    content_type: int


# --- Invoices -------------------------------------------------------------------------------


class Channel(Shape):
    id: int
    channel_type: str
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    name: str
    configuration: JsonObject
    is_active: bool


class InvoiceAddress(Shape):
    """The invoice's flat address (ids instead of nested places), as the reference shows it."""

    pk: int
    email: str
    phone_number: str
    first_name: str
    last_name: str
    country: Optional[int]
    city: Optional[int]
    line: str
    title: str
    township: Optional[int]
    district: Optional[int]
    postcode: Optional[str]
    notes: Optional[str]
    company_name: str
    tax_office: str
    tax_no: str
    e_bill_taxpayer: bool
    is_corporate: bool


class InvoiceItem(Shape):
    id: int
    created_date: Timestamp
    modified_date: Timestamp
    tax_rate: Money
    tax_amount: Money
    discount_rate: Money
    discount_amount: Money
    interest_rate: Money
    interest_amount: Optional[Money]
    total_amount: Money
    net_amount: Money
    order_item: int


class InvoiceOrder(Shape):
    id: int
    state: Optional[State]
    payment_type: str
    created_date: Timestamp
    modified_date: Timestamp
    omnitron_id: Optional[int]
    number: str
    date_placed: Timestamp
    channel: int
    customer: Optional[int]
    shipping_address: Optional[int]
    billing_address: Optional[int]


class Invoice(Shape):
    id: int
    invoice_type: str
    status: str
    channel: Channel
    address: Optional[InvoiceAddress]
    invoiceitem_set: list[InvoiceItem]
    order: InvoiceOrder
    package_number: str
    created_date: Timestamp
    modified_date: Timestamp
    number: Optional[str]


class InvoiceDocument(Shape):
    html_content: str


# --- Seller Center (i2) and integration (i1) ---------------------------------------------------

# Seller Center writes its amounts as JSON numbers.
Amount = float


class SellerCenterAddress(Shape):
    email: str
    phone_number: str
    first_name: str
    last_name: str
    country: Optional[str]
    country_code: Optional[str]
    city: Optional[str]
    township: Optional[str]
    district: Optional[str]
    line: str
    postcode: Optional[str]
    company_name: str
    tax_office: str
    tax_no: str
    e_bill_taxpayer: bool
    identity_number: str
    notes: Optional[str]


class SellerCenterShippingCompany(Shape):
    name: str
    slug: str


class SellerCenterPackage(Shape):
    number: str
    order_number: str
    status: int
    shipping_address: Optional[SellerCenterAddress]
    billing_address: Optional[SellerCenterAddress]
    currency: str
    amount: Amount
    discount_amount: Amount
    net_amount: Amount
    has_gift_box: bool
    gift_box_note: Optional[str]
    notes: Optional[str]
    date_placed: Timestamp
    shipping_method: Optional[str]
    shipping_company: Optional[SellerCenterShippingCompany]
    is_requires_manual_entry: bool
    waybill_number: Optional[str]
    tracking_number: Optional[str]
    tracking_url: Optional[str]
    shipment_date: Optional[Timestamp]
    delivery_date: Optional[Timestamp]
    invoice_date: Optional[Timestamp]
    invoice_number: Optional[str]
    invoice_url: Optional[str]
    updated_at: Timestamp
    created_at: Timestamp


class SellerCenterItem(Shape):
    number: str
    status: int
    product: str
    amount: Amount
    discount_amount: Amount
    tax_rate: Amount
    has_reservation: bool
    updated_at: Timestamp
    created_at: Timestamp


class SellerCenterLabel(Shape):
    data: Annotated[str, WithJsonSchema({"type": "string", "contentEncoding": "base64"})]


class IntegrationPackage(Shape):
    """The i1 package: the Seller Center fields keyed by ids."""

    id: int
    order: int
    number: str
    shipping_method: Optional[str]
    waybill_number: Optional[str]
    tracking_number: Optional[str]
    tracking_url: Optional[str]
    shipment_date: Optional[Timestamp]
    delivery_date: Optional[Timestamp]
    status: int
    invoice_date: Optional[Timestamp]
    invoice_number: Optional[str]
    invoice_data: Optional[str]
    invoice_data_type: Optional[str]
    created_at: Timestamp
    updated_at: Timestamp


class IntegrationPackageItem(Shape):
    id: int
    order_item: int
    package: int
    created_at: Timestamp
    updated_at: Timestamp


# --- Lists, command answers and errors ---------------------------------------------------------

Row = TypeVar("Row")


class Page(Shape, Generic[Row]):
    """A page of a list: the total, links to the pages beside it, and the rows."""

    count: int
    next: Optional[str]
    previous: Optional[str]
    results: list[Row]


# A command answers with its own object (e.g. a shipment's label), or 204.
CommandAnswer = JsonObject


class Error(TypedDict):
    """Every refusal: the reason in the request's language, its code, and for a field at fault
    the field's name as a key holding its reasons."""

    __pydantic_config__ = ConfigDict(extra="allow")
    detail: str
    code: NotRequired[str]
    field: NotRequired[str]


# --- Writing ---------------------------------------------------------------------------------


@cache
def adapter(shape: Any) -> TypeAdapter:
    return TypeAdapter(shape)


def to_json(shape: Any, data: Any, *, check: bool = False) -> bytes:
    """``data`` as JSON bytes through ``shape``'s serializer. With ``check``, an answer that
    does not match its shape (a key missing or undeclared, a value of another type) raises
    instead of being written."""
    shape_adapter = adapter(shape)
    if check:
        shape_adapter.validate_python(data, strict=True)
        return shape_adapter.dump_json(data, warnings="error")
    return shape_adapter.dump_json(data)
