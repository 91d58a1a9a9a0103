"""Request schemas: the pydantic models that validate every request's query and body. The
OpenAPI document's parameters and request bodies are generated from them; its responses
come from the shapes the answers are written through (``packing.core.shapes``)."""

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
