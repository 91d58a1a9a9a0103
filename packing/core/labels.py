"""Shipping labels: rendered once, when a package is packed or its shipment changes, and
stored (``ShippingLabel.pdf``), so a reprint or a batch copies bytes and renders nothing."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session
from weasyprint import CSS

from packing.core import events
from packing.core.barcodes import code128_inline, gs1_128_inline, qr_inline
from packing.core.catalogue import PACKED_STATES
from packing.core.db import lock_package
from packing.core.errors import InvalidParameter
from packing.core.label_content import LABEL_SIZES, LabelContent, label_contents
from packing.core.models import Package, ShippingLabel
from packing.core.observers import observe_label_rendering
from packing.core.rendering import fonts, html_to_pdf, language_helpers, stylesheet, templates
from packing.core.shipping import create_shipment


@cache
def _label_stylesheet() -> CSS:
    # Parsed once per process: as a <style> in every label it was re-tokenised and its
    # selectors recompiled on each render.
    return stylesheet("label.css")


# Bar heights on the label: room for the service, parcel and cash-on-delivery lines on 6 in;
# a label with an SSCC gives the package number's bars to it.
LABEL_TRACKING_BARCODE_MM = 20.0
LABEL_PACKAGE_BARCODE_MM = 15.0
LABEL_SSCC_BARCODE_MM = 12.0
LABEL_PACKAGE_BESIDE_SSCC_MM = 8.0


def _label_html(labels: list[LabelContent], currency: str) -> str:
    # What a label says is label_content's (shared with the ZPL label); this draws the
    # barcodes. One page per box.
    pages = [
        {
            "label": label,
            "tracking_barcode": code128_inline(label.tracking_number, LABEL_TRACKING_BARCODE_MM),
            "package_barcode": code128_inline(
                label.package_number, LABEL_PACKAGE_BESIDE_SSCC_MM if label.sscc else LABEL_PACKAGE_BARCODE_MM
            ),
            "sscc_barcode": gs1_128_inline(label.sscc_element_string, LABEL_SSCC_BARCODE_MM) if label.sscc else "",
            "tracking_qr": qr_inline(label.qr_data),
        }
        for label in labels
    ]
    return templates.get_template("label.html").render(pages=pages, **language_helpers(labels[0].locale, currency))


@cache
def _label_page(size: str) -> CSS:
    width, height = LABEL_SIZES[size]
    return CSS(string=f"@page {{ size: {width}mm {height}mm; margin: 0; }}", font_config=fonts)


def render_label_html(package: Package, printed_at: Optional[datetime] = None) -> str:
    return _label_html(label_contents(package, printed_at), package.order.currency)


@observe_label_rendering
def render_label_pdf(package: Package, printed_at: Optional[datetime] = None) -> bytes:
    """The package's labels on the carrier's stock (4x6 in or 100x150 mm), a page per box."""
    labels = label_contents(package, printed_at)
    return html_to_pdf(_label_html(labels, package.order.currency), (_label_stylesheet(), _label_page(labels[0].size)))


def store_label(session: Session, package: Package, pdf: bytes) -> ShippingLabel:
    """Keep ``pdf`` as the package's label (one per package) and announce it (flushes)."""
    label = session.scalar(select(ShippingLabel).where(ShippingLabel.package_id == package.id))
    if label is None:
        label = ShippingLabel(package_id=package.id, pdf=pdf, shipment_id=package.shipment.id)
        session.add(label)
    else:
        label.pdf, label.shipment_id = pdf, package.shipment.id
    session.flush()
    session.expire(package, ["shipping_label"])
    events.emit(session, events.LABEL_READY, package)
    return label


def label_pdf(session: Session, package: Package) -> bytes:
    """The package's stored label; rendered and stored now if the queue has not yet done it
    (flushes; the caller commits). A packed package that has no shipment yet (packed without
    one, or imported as packed) is given one: asking for its label means shipping it."""
    stored = session.scalar(select(ShippingLabel.pdf).where(ShippingLabel.package_id == package.id))
    if stored is not None:
        return stored
    if package.shipment is None:
        if package.state.enum_value not in {status.value for status in PACKED_STATES}:
            raise InvalidParameter(
                "Package {number} is {state}; it gets a label once it is packed.",
                number=package.number,
                state=package.state.name,
                field="package",
            )
        create_shipment(session, package)
    version = package.version
    pdf = render_label_pdf(package)
    package = lock_package(session, package.id)
    stored = session.scalar(select(ShippingLabel.pdf).where(ShippingLabel.package_id == package.id))
    if stored is not None:
        return stored
    if package.version != version:
        # The shipment may have changed while we rendered: print what is true now.
        session.refresh(package.shipment)
        pdf = render_label_pdf(package)
    store_label(session, package, pdf)
    return pdf


def render_pending_label(session: Session, package_id: int) -> None:
    """Render and store a package's label unless it already has one (the queue's task;
    flushes, the caller commits). WeasyPrint runs before the package row is locked so no
    picker waits on a render."""
    package = session.get(Package, package_id)
    if package is None or package.shipment is None:
        return
    label_pdf(session, package)
