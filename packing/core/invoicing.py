"""Invoices for packages: one per package, billing its active items; its number; and the
printed invoice.

Prices are tax-inclusive, as the OMS sends them. Each item's tax is its share of the tax
computed once per rate, with the rounding cents handed out by largest remainder, so the
items of a rate always add up to that rate's tax to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import events
from packing.core.catalogue import PACKED_STATES, active_items
from packing.core.db import lock_package
from packing.core.errors import InvalidParameter
from packing.core.models import Invoice, InvoiceItem, Package, User
from packing.core.rendering import address_lines, html_to_pdf, language_helpers, templates

CENT = Decimal("0.01")
INVOICE_NUMBER_MAX_LENGTH = 32


def tax_included(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a tax-inclusive amount, unrounded."""
    return gross * rate / (Decimal(100) + rate)


def split_tax(grosses: list[Decimal], rate: Decimal) -> list[Decimal]:
    """Each gross amount's tax, in cents that add up to the tax of their sum."""
    total_tax = tax_included(sum(grosses, Decimal(0)), rate).quantize(CENT, ROUND_HALF_UP)
    exact = [tax_included(gross, rate) for gross in grosses]
    shares = [value.quantize(CENT, ROUND_DOWN) for value in exact]
    leftover = int((total_tax - sum(shares, Decimal(0))) / CENT)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - shares[i], reverse=True)
    for index in by_remainder[:leftover]:
        shares[index] += CENT
    return shares


def create_invoice(session: Session, package: Package | int, user: Optional[User] = None) -> Invoice:
    """The package's invoice, created from its packed items on first call (flushes).

    Calling it again returns the existing invoice: an invoice is never silently rebilled.
    """
    package = lock_package(session, package if isinstance(package, int) else package.id)
    if package.invoice is not None:
        return package.invoice
    if package.state.enum_value not in {status.value for status in PACKED_STATES}:
        raise InvalidParameter(
            "Package {number} is {state}; it can be invoiced once it is packed.",
            number=package.number,
            state=package.state.name,
            field="package",
        )
    items = active_items(package)
    if not items:
        raise InvalidParameter("Package {number} has no items to invoice.", number=package.number, field="package")
    order = package.order
    invoice = Invoice(
        package=package,
        order=order,
        channel=order.channel,
        address=order.billing_address or order.shipping_address,
        currency=order.currency,
        invoice_date=datetime.now(UTC),
        status="waiting",
    )
    session.add(invoice)

    by_rate: dict[Decimal, list[InvoiceItem]] = defaultdict(list)
    for item in items:
        order_item = item.order_item
        discount = order_item.discount_amount or Decimal("0.00")
        line = InvoiceItem(
            invoice=invoice,
            order_item=order_item,
            quantity=1,
            unit_price=order_item.price,
            discount_amount=discount,
            discount_rate=(discount * 100 / order_item.price).quantize(CENT, ROUND_HALF_UP) if order_item.price else 0,
            tax_rate=order_item.tax_rate,
            total_amount=order_item.price - discount,
        )
        session.add(line)
        by_rate[order_item.tax_rate].append(line)
    for rate, lines in by_rate.items():
        for line, tax in zip(lines, split_tax([line.total_amount for line in lines], rate), strict=True):
            line.tax_amount = tax
            line.net_amount = line.total_amount - tax
    session.flush()
    session.refresh(package, ["invoice"])
    events.emit(session, events.INVOICE_CREATED, package)
    return invoice


def set_invoice_number(session: Session, package: Package | int, number: object) -> Optional[Invoice]:
    """Set the package's invoice number, and number its invoice when it has one."""
    if not isinstance(number, str) or not number.strip():
        raise InvalidParameter("invoice_number is required.", field="invoice_number")
    number = number.strip()
    if len(number) > INVOICE_NUMBER_MAX_LENGTH:
        raise InvalidParameter(
            "invoice_number must be at most {max_length} characters.",
            max_length=INVOICE_NUMBER_MAX_LENGTH,
            field="invoice_number",
        )
    package = lock_package(session, package if isinstance(package, int) else package.id)
    invoice = package.invoice
    if invoice is not None:
        taken = session.scalar(select(Invoice.package_id).where(Invoice.number == number, Invoice.id != invoice.id))
        if taken is not None:
            raise InvalidParameter(
                "Invoice number {number} is already used by another invoice.", number=number, field="invoice_number"
            )
        invoice.number = number
        invoice.status = "invoiced"
    # Without an invoice of ours the number is the ERP's invoice for the package, as the
    # reference's set_invoice_number stores it.
    package.invoice_number = number
    package.version += 1
    session.flush()
    return invoice


# --- The printed invoice --------------------------------------------------------------


@dataclass
class InvoiceLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal


@dataclass
class TaxTotal:
    rate: Decimal
    base: Decimal
    tax: Decimal
    total: Decimal


@dataclass
class InvoiceTotals:
    lines: list[InvoiceLine]
    by_rate: list[TaxTotal]
    discount: Decimal
    base: Decimal
    tax: Decimal
    total: Decimal


def invoice_totals(invoice: Invoice) -> InvoiceTotals:
    """Lines grouped by product, price, discount and rate; totals per tax rate. Every figure
    is a sum of the invoice items' stored cents, so the document adds up exactly."""
    lines: dict[tuple, InvoiceLine] = {}
    zero = Decimal("0.00")
    rates: dict[Decimal, TaxTotal] = defaultdict(lambda: TaxTotal(zero, zero, zero, zero))
    for item in invoice.items:
        product = item.order_item.product
        key = (product.id, item.unit_price, item.discount_amount, item.tax_rate)
        line = lines.get(key)
        if line is None:
            line = lines[key] = InvoiceLine(
                product.sku, product.name, 0, item.unit_price, zero, item.tax_rate, zero, zero
            )
        line.quantity += item.quantity
        line.discount += item.discount_amount
        line.tax_amount += item.tax_amount
        line.total += item.total_amount
        per_rate = rates[item.tax_rate]
        per_rate.rate = item.tax_rate
        per_rate.base += item.net_amount
        per_rate.tax += item.tax_amount
        per_rate.total += item.total_amount
    by_rate = [rates[rate] for rate in sorted(rates)]
    return InvoiceTotals(
        lines=list(lines.values()),
        by_rate=by_rate,
        discount=sum((line.discount for line in lines.values()), zero),
        base=sum((r.base for r in by_rate), zero),
        tax=sum((r.tax for r in by_rate), zero),
        total=sum((r.total for r in by_rate), zero),
    )


def render_invoice_html(invoice: Invoice, *, stylesheet_href: str = "document.css", paged: bool = True) -> str:
    """The invoice as HTML: for the PDF (stylesheet beside the template, page numbers), or for
    a browser (``stylesheet_href`` where it is served, ``paged=False``: no inline style)."""
    locale = invoice.channel.locale or "en"
    order = invoice.order
    return templates.get_template("invoice.html").render(
        invoice=invoice,
        package=invoice.package,
        order=order,
        seller=invoice.channel,
        billing=invoice.address or order.billing_address,
        billing_lines=address_lines(invoice.address or order.billing_address),
        shipping=order.shipping_address,
        shipping_lines=address_lines(order.shipping_address),
        totals=invoice_totals(invoice),
        stylesheet_href=stylesheet_href,
        paged=paged,
        **language_helpers(locale, invoice.currency),
    )


def render_invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(render_invoice_html(invoice))
