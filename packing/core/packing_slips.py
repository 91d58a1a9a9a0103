"""Packing slips: what is in the box, for the customer, rendered on demand."""

from __future__ import annotations

from packing.core.catalogue import active_items
from packing.core.models import Package, utcnow
from packing.core.rendering import address_lines, html_to_pdf, language_helpers, templates


def render_packing_slip_pdf(package: Package) -> bytes:
    order = package.order
    locale = order.channel.locale or "en"
    items: dict[int, dict] = {}
    for item in active_items(package):
        product = item.order_item.product
        row = items.setdefault(product.id, {"product": product, "quantity": 0})
        row["quantity"] += 1
    html = templates.get_template("packing_slip.html").render(
        package=package,
        order=order,
        rows=list(items.values()),
        recipient=order.shipping_address,
        recipient_lines=address_lines(order.shipping_address),
        sender=package.stock_location,
        printed_at=utcnow(),
        **language_helpers(locale, order.currency),
    )
    return html_to_pdf(html)
