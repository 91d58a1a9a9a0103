"""Packing slips: what is in the box, for the customer, rendered on demand."""

from __future__ import annotations

from packing.core.boxes import units_in
from packing.core.catalogue import active_items
from packing.core.models import Package, utcnow
from packing.core.rendering import address_lines, html_to_pdf, language_helpers, templates


def render_packing_slip_pdf(package: Package) -> bytes:
    order = package.order
    locale = order.channel.locale or "en"
    items = active_items(package)
    # A package packed in several boxes lists each box's contents under its own heading.
    boxes = package.boxes if len(package.boxes) > 1 else []
    parcels = [(box, _rows(units_in(box, package))) for box in boxes] or [(None, _rows(items))]
    html = templates.get_template("packing_slip.html").render(
        package=package,
        order=order,
        parcels=parcels,
        parcel_count=len(parcels),
        recipient=order.shipping_address,
        recipient_lines=address_lines(order.shipping_address),
        sender=package.stock_location,
        printed_at=utcnow(),
        **language_helpers(locale, order.currency),
    )
    return html_to_pdf(html)


def _rows(items) -> list[dict]:
    """Each product once with how many of it."""
    rows: dict[int, dict] = {}
    for item in items:
        product = item.order_item.product
        row = rows.setdefault(product.id, {"product": product, "quantity": 0})
        row["quantity"] += 1
    return list(rows.values())
