"""Request schemas (pydantic models that validate every request) and response schemas
(JSON Schema of the reference's shapes). The OpenAPI document is built from these."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from packing.api.framework import BodyModel, QueryModel
from packing.core.messages import N_
from packing.core.parsing import MAX_ID, is_ascii_int
from packing.core.queries import MAX_PAGE_SIZE, SORT_CHOICES

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; refuse it as bad input, not a 500
Text = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]


def _whole_number(value: Any) -> Any:
    """A JSON integer or ASCII digits (a query string): never true/false (``{"transition":
    true}`` is not transition 1), a float, ``'²'`` or ``'5_0'``."""
    if isinstance(value, (bool, float)) or (isinstance(value, str) and not is_ascii_int(value)):
        raise ValueError("must be a whole number written with the digits 0-9")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Id = Annotated[WholeNumber, Field(ge=1, le=MAX_ID)]


def _sane_year(value):
    if not 1900 <= value.year <= 2999:
        raise ValueError("year must be between 1900 and 2999")
    return value


def _offset_sign(value: Any) -> Any:
    """A ``+0000`` offset pasted unencoded into a query string arrives as `` 0000``."""
    if isinstance(value, str) and len(value) > 19 and value[-5] == " " and value[-4:].isdigit():
        return value[:-5] + "+" + value[-4:]
    return value


def _aware(value: datetime) -> datetime:
    """A datetime without an offset is UTC, as the API always answers in UTC."""
    return _sane_year(value if value.tzinfo else value.replace(tzinfo=UTC))


Day = Annotated[date, AfterValidator(_sane_year)]
Moment = Annotated[datetime, BeforeValidator(_offset_sign), AfterValidator(_aware)]


class Paging(QueryModel):
    page: WholeNumber = Field(1, ge=1, le=1_000_000, description=N_("Page number"))
    limit: WholeNumber = Field(20, ge=1, le=MAX_PAGE_SIZE, description=N_("Number of items per page"))


class PackageListQuery(Paging):
    sort: Literal[SORT_CHOICES] = Field("-id", description=N_("Sorting field; prefix with - for descending"))  # type: ignore[valid-type]
    state: Optional[Id] = Field(None, description=N_("Filter by state ID"))
    state__enum_value: Optional[Text] = Field(None, description=N_("Filter by state enum value"))
    state__enum_value__neq: Optional[Text] = Field(None, description=N_("Filter by state enum value not equal"))
    order: Optional[Id] = Field(None, description=N_("Filter by order ID"))
    stock_location: Optional[Id] = Field(None, description=N_("Filter by stock location ID"))
    stock_location__erp_code: Optional[Text] = Field(None, description=N_("Filter by stock location ERP code"))
    stock_location__erp_code__in: Optional[list[Text]] = Field(
        None, description=N_("Filter by multiple stock location ERP codes (comma separated)")
    )
    stock_location__stock_location_type: Optional[Text] = Field(None, description=N_("Filter by stock location type"))
    order_number: Optional[Text] = Field(None, description=N_("Filter by order number (starts with)"))
    order_omnitron_id: Optional[Id] = Field(None, description=N_("Filter by order Omnitron ID"))
    start_date: Optional[Day] = Field(None, description=N_("Filter by created date (from)"))
    end_date: Optional[Day] = Field(None, description=N_("Filter by created date (to, inclusive)"))
    modified_start_date: Optional[Day] = Field(None, description=N_("Filter by modified date (from)"))
    modified_end_date: Optional[Day] = Field(None, description=N_("Filter by modified date (to, inclusive)"))
    shipment_created_start_date: Optional[Moment] = Field(
        None, description=N_("Filter by shipment created date (from)")
    )
    shipment_created_end_date: Optional[Moment] = Field(None, description=N_("Filter by shipment created date (to)"))
    product__sku: Optional[Text] = Field(None, description=N_("Filter by product SKU"))
    product__barcode: Optional[Text] = Field(None, description=N_("Filter by product barcode"))
    delivery_range_lower: Optional[Moment] = Field(None, description=N_("Filter by delivery range lower bound"))
    delivery_range_upper: Optional[Moment] = Field(None, description=N_("Filter by delivery range upper bound"))
    delivery_range_date: Optional[Day] = Field(None, description=N_("Filter by a day the delivery range covers"))
    channel: Optional[Id] = Field(None, description=N_("Filter by channel ID"))
    customer__first_name: Optional[Text] = Field(None, description=N_("Filter by customer first name"))
    customer__last_name: Optional[Text] = Field(None, description=N_("Filter by customer last name"))
    order__date: Optional[Day] = Field(None, description=N_("Filter by order date"))
    order__date_placed__gte: Optional[Day] = Field(None, description=N_("Filter by order date placed (from)"))
    order__date_placed__lte: Optional[Day] = Field(None, description=N_("Filter by order date placed (to)"))
    shipment__cargo_company: Optional[Id] = Field(None, description=N_("Filter by shipment cargo company ID"))
    packageitem__order_item__omnitron_id__in: Optional[list[Id]] = Field(
        None, description=N_("Filter by multiple package item order item Omnitron IDs")
    )
    is_click_and_collect: Optional[bool] = Field(None, description=N_("Filter by click and collect status"))
    id__gt: Optional[WholeNumber] = Field(None, ge=0, le=MAX_ID, description=N_("Filter by ID greater than"))
    id__gte: Optional[WholeNumber] = Field(None, ge=0, le=MAX_ID, description=N_("Filter by ID greater than or equal"))
    id__lt: Optional[WholeNumber] = Field(None, ge=0, le=MAX_ID, description=N_("Filter by ID less than"))
    id__lte: Optional[WholeNumber] = Field(None, ge=0, le=MAX_ID, description=N_("Filter by ID less than or equal"))
    pk__in: Optional[list[Id]] = Field(None, max_length=MAX_PAGE_SIZE * 10, description=N_("Filter by multiple IDs"))
    order__delivery_type: Optional[Text] = Field(None, description=N_("Filter by order delivery type"))
    country: Optional[Id] = Field(None, description=N_("Filter by shipping country ID"))
    country__name: Optional[Text] = Field(None, description=N_("Filter by shipping country name"))
    city: Optional[Id] = Field(None, description=N_("Filter by shipping city ID"))
    city__name: Optional[Text] = Field(None, description=N_("Filter by shipping city name"))
    township: Optional[Id] = Field(None, description=N_("Filter by shipping township ID"))
    township__name: Optional[Text] = Field(None, description=N_("Filter by shipping township name"))
    has_cancellation_failure: Optional[bool] = Field(None, description=N_("Filter by cancellation failure status"))
    order__retail_store__erp_code: Optional[Text] = Field(None, description=N_("Filter by order retail store ERP code"))
    sl_rs__erp_code: Optional[Text] = Field(None, description=N_("Filter by stock location or retail store ERP code"))
    shipping_option_slug__in: Optional[list[Text]] = Field(None, description=N_("Filter by shipping option slugs"))
    shipping_option_slug__exclude: Optional[list[Text]] = Field(
        None, description=N_("Exclude by shipping option slugs")
    )
    order_item__omnitron_id: Optional[Id] = Field(None, description=N_("Filter by order item Omnitron ID"))

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"page", "limit", "sort"}, exclude_none=True)


class SimpleListQuery(Paging):
    count: Optional[WholeNumber] = Field(
        None,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=N_("Number of items per page, as the guide's links write it (wins over limit)"),
    )
    state: Optional[Id] = Field(None, description=N_("Filter by state ID"))
    state__enum_value: Optional[Text] = Field(None, description=N_("Filter by state enum value"))
    order_number: Optional[Text] = Field(None, description=N_("Filter by order number (starts with)"))

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"page", "limit", "count"}, exclude_none=True)

    @property
    def page_size(self) -> int:
        return self.count if self.count is not None else self.limit


class DeliveryRangeQuery(Paging):
    date: Optional[Moment] = Field(None, description=N_("Filter by exact date within delivery range"))
    lower_start_date: Optional[Moment] = Field(None, description=N_("Filter by lower bound start date"))
    lower_end_date: Optional[Moment] = Field(None, description=N_("Filter by lower bound end date"))
    upper_start_date: Optional[Moment] = Field(None, description=N_("Filter by upper bound start date"))
    upper_end_date: Optional[Moment] = Field(None, description=N_("Filter by upper bound end date"))

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"page", "limit"}, exclude_none=True)


class TimestampFilters(QueryModel):
    """The ``created_at``/``updated_at`` lookups of the Seller Center and integration lists."""

    created_at: Optional[Moment] = None
    created_at__gt: Optional[Moment] = None
    created_at__gte: Optional[Moment] = None
    created_at__lt: Optional[Moment] = None
    created_at__lte: Optional[Moment] = None
    updated_at: Optional[Moment] = None
    updated_at__gt: Optional[Moment] = None
    updated_at__gte: Optional[Moment] = None
    updated_at__lt: Optional[Moment] = None
    updated_at__lte: Optional[Moment] = None

    def timestamp_filters(self) -> dict[str, datetime]:
        return self.model_dump(include=set(TimestampFilters.model_fields), exclude_none=True)


class SellerCenterPaging(QueryModel):
    page: WholeNumber = Field(1, ge=1, le=1_000_000, description=N_("Page number"))
    limit: WholeNumber = Field(10, ge=1, le=MAX_PAGE_SIZE, description=N_("Rows per page"))


class SellerCenterListQuery(SellerCenterPaging, TimestampFilters):
    number: Optional[Text] = Field(None, description=N_("Filter by exact package number"))
    order__number: Optional[Text] = Field(None, description=N_("Filter by exact order number"))
    waybill_number: Optional[Text] = Field(None, description=N_("Filter by exact waybill number"))
    status: Optional[WholeNumber] = Field(
        None, ge=1, le=6, description=N_("Filter by Seller Center status (1 cancelled … 6 delivery failed)")
    )


class SellerCenterItemsQuery(SellerCenterPaging, TimestampFilters):
    pass


class IntegrationListQuery(Paging, TimestampFilters):
    pass


# --- Bodies ---------------------------------------------------------------------------


class CommandBody(BodyModel):
    transition: Optional[Id] = Field(None, description=N_("ID of the state transition to execute"))
    slug: Optional[Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]] = Field(
        None, description=N_("Unique slug of the transition (instead of its ID)")
    )
    input_parameters: dict[str, Any] = Field(default_factory=dict, description=N_("Parameters of the command"))


class InvoiceNumberBody(BodyModel):
    invoice_number: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_NUL)]


class RemoteIdBody(BodyModel):
    remote_id: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]


class ExtraInformationBody(BodyModel):
    extra_information: dict[str, Any]


class SellerCenterUpdateBody(BodyModel):
    status: Optional[Literal[2, 3, 4, 5, 6]] = None
    waybill_number: Optional[Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]] = None
    tracking_number: Optional[Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]] = None
    tracking_url: Optional[Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\x00\s]+$")]] = None
    shipping_company: Optional[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]] = Field(
        None, description="The cargo company's name (as the reference, e.g. DHL), ERP code or uuid"
    )
    shipment_date: Optional[Moment] = None
    delivery_date: Optional[Moment] = None
    invoice_date: Optional[Moment] = None
    invoice_number: Optional[Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_NUL)]] = None
    invoice_url: Optional[Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\x00\s]+$")]] = None


ItemNumber = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]
ShippingMethod = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]


class ShippingMethodBody(BodyModel):
    shipping_method: ShippingMethod = Field(
        description=N_("The cargo company that will carry the package: its uuid (as the reference), ERP code or name")
    )


class SplitGroup(BodyModel):
    items: list[ItemNumber] = Field(min_length=1, max_length=500)
    shipping_method: Optional[ShippingMethod] = None


SplitBody = Annotated[list[SplitGroup], Field(min_length=1, max_length=50)]


class RejectBody(BodyModel):
    items: list[ItemNumber] = Field(min_length=1, max_length=500)
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]


class RefundBody(BodyModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
    refund_invoice_number: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]


# --- Response schemas (JSON Schema, OpenAPI 3.1) -----------------------------------------

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
NINT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
NUM = {"type": "number"}
OBJ = {"type": "object"}
NOBJ = {"type": ["object", "null"]}
ARR = {"type": "array"}
TIME = {"type": "string", "format": "date-time"}
NTIME = {"type": ["string", "null"], "format": "date-time"}
ANY: dict[str, Any] = {}


def obj(properties: dict[str, Any], *, nullable: bool = False) -> dict[str, Any]:
    """An object with exactly these keys present (more are allowed)."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
        "required": list(properties),
    }


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    return obj({"count": INT, "next": NSTR, "previous": NSTR, "results": {"type": "array", "items": item}})


ERROR = {
    "type": "object",
    "properties": {"detail": STR, "code": STR},
    "required": ["detail"],
    "additionalProperties": True,
}

STATE = obj(
    {
        "id": INT,
        "created_date": TIME,
        "modified_date": TIME,
        "translations": OBJ,
        "name": STR,
        "config": OBJ,
        "enum_class": STR,
        "enum_value": STR,
        "content_type": NINT,
    }
)
STATE_BRIEF = obj({"id": INT, "name": STR, "enum_value": STR, "enum_class": STR})
ADDRESS = obj(
    {
        "id": INT,
        "city": NOBJ,
        "country": NOBJ,
        "township": NOBJ,
        "district": NOBJ,
        "customer": NOBJ,
        "title": STR,
        "line": STR,
        "email": STR,
        "phone_number": STR,
        "first_name": STR,
        "last_name": STR,
        "is_active": BOOL,
    },
    nullable=True,
)
PACKAGE_ITEM = obj(
    {
        "id": INT,
        "state": STATE,
        "order_item": OBJ,
        "transfer_order": {"type": "null"},
        "denial_reason": NOBJ,
        "discrepancy_reason": NSTR,
        "created_date": TIME,
        "modified_date": TIME,
        "unit_type": STR,
        "package": INT,
    }
)
STOCK_LOCATION = obj({"id": INT, "name": STR, "erp_code": STR, "address": NOBJ})
SHIPPING_LABEL = obj({"id": INT, "is_file": BOOL, "preview_url": STR, "uuid": STR, "full_path_url": STR}, nullable=True)
RANGE_BOUND = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$"}
DELIVERY_RANGE = obj({"lower": RANGE_BOUND, "upper": RANGE_BOUND, "bounds": STR})
PACKAGE_SHORT_DETAIL_PROPERTIES = {
    "packageitem_set": {"type": "array", "items": PACKAGE_ITEM},
    "order_number": STR,
    "channel_name": STR,
    "state": STATE,
    "number": STR,
    "id": INT,
    "shipping_address": ADDRESS,
    "order_id": INT,
    "stock_location": STOCK_LOCATION,
    "commands": {"type": "array", "items": obj({"id": INT, "slug": STR, "label": STR, "command": STR})},
    "shipment": NOBJ,
    "shipping_label": SHIPPING_LABEL,
    "is_click_and_collect": BOOL,
    "shipment_date": NTIME,
    "extra_information": OBJ,
    "delivery_type": NSTR,
    "omnitron_order_id": NINT,
    "id_encrypted": NSTR,
    # Kept as the import gave them (any JSON; null when it gave none).
    "scenario": ANY,
    "rule": ANY,
}
PACKAGE_SHORT_DETAIL = obj(PACKAGE_SHORT_DETAIL_PROPERTIES)
# A package's boxes (parcels), as serializers.serialize_boxes writes them.
PACKAGE_BOXES = {
    "type": "array",
    "items": obj(
        {
            "number": INT,
            "box_type": obj({"id": INT, "code": STR, "name": STR}, nullable=True),
            "weight_kg": NSTR,
            "dimensions_cm": obj({"length": STR, "width": STR, "height": STR}, nullable=True),
            "tracking_number": NSTR,
            "sscc": NSTR,
            "package_items": {"type": "array", "items": INT},
        }
    ),
}
PACKAGE_FULL = obj(
    {
        **PACKAGE_SHORT_DETAIL_PROPERTIES,
        "boxes": PACKAGE_BOXES,
        "date_placed": TIME,
        "city": NSTR,
        "payment_type": STR,
        "tracking_number": NSTR,
        "target_packing_date": NTIME,
        "invoice_number": NSTR,
        "remote_id": NSTR,
        "delivery_range": {**DELIVERY_RANGE, "type": ["object", "null"]},
        "order_gift_box_note": NSTR,
        "order_has_gift_box": BOOL,
        "order_retail_store_id": NINT,
        "order_notes": NSTR,
        "created_date": TIME,
        "modified_date": TIME,
        "channel_omnitron_id": NINT,
        "source": ANY,
        "origin_address": ANY,
        "origin_address_id": ANY,
    }
)
PACKAGE_SHORT = obj(
    {
        "packageitem_count": INT,
        "order_number": STR,
        "date_placed": TIME,
        "channel_name": STR,
        "state": STATE,
        "number": STR,
        "id": INT,
        "target_packing_date": NTIME,
        "order_id": INT,
        "stock_location": obj({"id": INT, "name": STR, "erp_code": STR, "address": NOBJ}),
        "is_click_and_collect": BOOL,
        "delivery_type": NSTR,
        "created_date": TIME,
        "modified_date": TIME,
    }
)
PACKAGE_SIMPLE = obj(
    {
        "id": INT,
        "created_date": TIME,
        "modified_date": TIME,
        "number": STR,
        "extra_information": OBJ,
        "target_packing_date": NTIME,
        "invoice_number": NSTR,
        "invoice_url": NSTR,
        "remote_id": NSTR,
        "state": INT,
        "order": INT,
        "shipping_address": NINT,
        "stock_location": INT,
        "invoice": NINT,
        "tracking_number": NSTR,
        "is_click_and_collect": BOOL,
        "shipment_date": NTIME,
        "delivery_range": {**DELIVERY_RANGE, "type": ["object", "null"]},
        "plan_item": ANY,
    }
)
USER_BRIEF = obj({"id": INT, "username": STR, "email": STR}, nullable=True)
TRANSITION_LOG_SHORT_PROPERTIES = {
    "id": INT,
    "old_state": STATE_BRIEF,
    "new_state": STATE_BRIEF,
    "transition": {"type": ["object", "null"]},
    "user": USER_BRIEF,
    "attributes": OBJ,
    "created_date": TIME,
}
TRANSITION_LOG_SHORT = obj(TRANSITION_LOG_SHORT_PROPERTIES)
TRANSITION_LOG = obj({**TRANSITION_LOG_SHORT_PROPERTIES, "object_id": INT, "content_type": INT})
WEBHOOK_EVENT_SHORT_PROPERTIES = {
    "id": INT,
    "webhook": obj({"id": INT, "target_url": STR, "is_active": BOOL, "event_type": STR}),
    "created_date": TIME,
    "modified_date": TIME,
    "delivered": BOOL,
    "event_type": STR,
    "status": STR,
    "retry_count": INT,
}
WEBHOOK_EVENT_SHORT = obj(WEBHOOK_EVENT_SHORT_PROPERTIES)
WEBHOOK_EVENT = obj(
    {
        **WEBHOOK_EVENT_SHORT_PROPERTIES,
        "uuid": STR,
        "request_payload": OBJ,
        "response_content": NSTR,
        "response_http_status": NINT,
        "retryable": BOOL,
        "request_datetimes": ARR,
        "next_retry_date": NTIME,
        "object_id": INT,
        "content_type": INT,
    }
)
COMMAND_RESPONSE = {"type": "object"}
INVOICE = obj(
    {
        "id": INT,
        "invoice_type": STR,
        "status": STR,
        "channel": OBJ,
        "address": NOBJ,
        "invoiceitem_set": ARR,
        "order": OBJ,
        "package_number": STR,
        "created_date": TIME,
        "modified_date": TIME,
        "number": NSTR,
    }
)
INVOICE_DOCUMENT = obj({"html_content": STR})
EXTRA_INFORMATION = obj({"id": INT, "extra_information": OBJ})
PACKAGE_ITEM_ROW = obj({**PACKAGE_ITEM["properties"], "product_sku": STR})

SC_ADDRESS = obj(
    {
        name: STR if name != "e_bill_taxpayer" else BOOL
        for name in (
            "email",
            "phone_number",
            "first_name",
            "last_name",
            "country",
            "country_code",
            "city",
            "township",
            "district",
            "line",
            "postcode",
            "company_name",
            "tax_office",
            "tax_no",
            "e_bill_taxpayer",
            "identity_number",
            "notes",
        )
    }
    | {
        "country": NSTR,
        "country_code": NSTR,
        "city": NSTR,
        "township": NSTR,
        "district": NSTR,
        "postcode": NSTR,
        "notes": NSTR,
    },
    nullable=True,
)
SC_PACKAGE = obj(
    {
        "number": STR,
        "order_number": STR,
        "status": INT,
        "shipping_address": SC_ADDRESS,
        "billing_address": SC_ADDRESS,
        "currency": STR,
        "amount": NUM,
        "discount_amount": NUM,
        "net_amount": NUM,
        "has_gift_box": BOOL,
        "gift_box_note": NSTR,
        "notes": NSTR,
        "date_placed": TIME,
        "shipping_method": NSTR,
        "shipping_company": obj({"name": STR, "slug": STR}, nullable=True),
        "is_requires_manual_entry": BOOL,
        "waybill_number": NSTR,
        "tracking_number": NSTR,
        "tracking_url": NSTR,
        "shipment_date": NTIME,
        "delivery_date": NTIME,
        "invoice_date": NTIME,
        "invoice_number": NSTR,
        "invoice_url": NSTR,
        "updated_at": TIME,
        "created_at": TIME,
    }
)
SC_ITEM = obj(
    {
        "number": STR,
        "status": INT,
        "product": STR,
        "amount": NUM,
        "discount_amount": NUM,
        "tax_rate": NUM,
        "has_reservation": BOOL,
        "updated_at": TIME,
        "created_at": TIME,
    }
)
SC_LABEL = obj({"data": {"type": "string", "contentEncoding": "base64"}})
I1_PACKAGE = obj(
    {
        "id": INT,
        "order": INT,
        "number": STR,
        "shipping_method": NSTR,
        "waybill_number": NSTR,
        "tracking_number": NSTR,
        "tracking_url": NSTR,
        "shipment_date": NTIME,
        "delivery_date": NTIME,
        "status": INT,
        "invoice_date": NTIME,
        "invoice_number": NSTR,
        "invoice_data": NSTR,
        "invoice_data_type": NSTR,
        "created_at": TIME,
        "updated_at": TIME,
    }
)
I1_PACKAGE_ITEM = obj({"id": INT, "order_item": INT, "package": INT, "created_at": TIME, "updated_at": TIME})
