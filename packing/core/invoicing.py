"""Invoices and shipping labels of a package, as the integration API needs them.

Minimal versions written for the API issue; the documents issue owns the full ones.
Every function only flushes: the caller's transaction commits.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import events
from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.errors import InvalidParameter
from packing.core.models import Invoice, InvoiceItem, Package, ShippingLabel, User

# A package is billed and labelled once its items are packed.
DOCUMENT_STATES = {
    PackageStatus.PACKED.value,
    PackageStatus.READY_TO_SHIP.value,
    PackageStatus.SHIPPED.value,
    PackageStatus.DELIVERED.value,
    PackageStatus.DELIVERY_FAILED.value,
}
BILLED_ITEM_STATES = {PackageItemStatus.PACKED.value, PackageItemStatus.SHIPPED.value, PackageItemStatus.DELIVERED.value}
CENT = Decimal("0.01")


def _require_packed(package: Package, document: str) -> None:
    if package.state.enum_value not in DOCUMENT_STATES:
        raise InvalidParameter(
            f"A {document} is issued once the package is packed; package {package.number} is {package.state.name}.",
            field="state",
        )


def create_invoice(session: Session, package: Package, user: User | None = None) -> Invoice:  # noqa: ARG001 - the documents issue records the issuer
    """The purchase invoice of the package's packed items (prices include tax)."""
    _require_packed(package, "invoice")
    if package.invoice is not None:
        raise InvalidParameter(f"Package {package.number} already has an invoice.", field="invoice")
    order = package.order
    invoice = Invoice(
        package=package,
        order=order,
        channel_id=order.channel_id,
        address_id=order.billing_address_id or order.shipping_address_id,
        currency=order.currency,
        invoice_date=datetime.now(timezone.utc),
    )
    session.add(invoice)
    for item in package.items:
        if item.state.enum_value not in BILLED_ITEM_STATES:
            continue
        line = item.order_item
        total = Decimal(line.net_amount)
        rate = Decimal(line.tax_rate)
        net = (total / (1 + rate / 100)).quantize(CENT)
        invoice.items.append(
            InvoiceItem(
                order_item=line,
                unit_price=Decimal(line.price),
                tax_rate=rate,
                tax_amount=total - net,
                discount_amount=Decimal(line.discount_amount or 0),
                net_amount=net,
                total_amount=total,
            )
        )
    session.flush()
    events.emit(session, events.INVOICE_CREATED, package, {"invoice": {"id": invoice.id}})
    return invoice


def set_invoice_number(session: Session, package: Package, number: str) -> None:
    number = number.strip()
    if not number or len(number) > 32:
        raise InvalidParameter("An invoice number has 1 to 32 characters.", field="invoice_number")
    taken = session.scalar(select(Invoice.id).where(Invoice.number == number, Invoice.package_id != package.id))
    if taken is not None:
        raise InvalidParameter(f"Invoice number {number} belongs to another package.", field="invoice_number")
    package.invoice_number = number
    if package.invoice is not None:
        package.invoice.number = number
    session.flush()


def render_invoice_html(session: Session, package: Package) -> str:  # noqa: ARG001 - same signature as the documents issue's renderer
    invoice = package.invoice
    if invoice is None:
        raise InvalidParameter(f"Package {package.number} has no invoice yet; create it first.", field="invoice")
    rows = "".join(
        f"<tr><td>{escape(item.order_item.product.sku)}</td><td>{escape(item.order_item.product.name)}</td>"
        f"<td>{item.tax_rate}</td><td>{item.net_amount}</td><td>{item.tax_amount}</td><td>{item.total_amount}</td></tr>"
        for item in invoice.items
    )
    seller = invoice.channel
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Invoice</title></head><body>"
        f"<h1>{escape(seller.legal_name or seller.name)}</h1>"
        f"<p>Invoice {escape(invoice.number or package.invoice_number or '')} — package {escape(package.number)}, "
        f"order {escape(package.order.number)}</p>"
        "<table><thead><tr><th>SKU</th><th>Product</th><th>Tax %</th><th>Net</th><th>Tax</th><th>Total</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )


def label_pdf(session: Session, package: Package) -> bytes:
    """The package's shipping label as PDF, rendered once and stored for reprints."""
    if package.shipping_label is not None:
        return package.shipping_label.pdf
    _require_packed(package, "shipping label")
    from weasyprint import HTML  # heavy import, only where a label is drawn

    address = package.order.shipping_address
    recipient = "" if address is None else f"{escape(address.full_name)}<br>{escape(address.line)}"
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>@page{size:100mm 150mm;margin:6mm}"
        "body{font-family:sans-serif}</style></head><body>"
        f"<h1>{escape(package.number)}</h1><p>{recipient}</p>"
        f"<p>{escape(package.tracking_number or '')}</p></body></html>"
    )
    label = ShippingLabel(package=package, shipment_id=package.shipment.id if package.shipment else None,
                          pdf=HTML(string=html).write_pdf())
    session.add(label)
    session.flush()
    events.emit(session, events.LABEL_READY, package)
    return label.pdf
