"""Printed documents: shipping labels, invoices and packing slips, rendered to PDF with
WeasyPrint from the ``labels/`` templates; and print batches that join stored labels.

A label is rendered once, when its package is packed or its shipment changes, and stored
(``ShippingLabel.pdf``): a reprint or a batch copies bytes and renders nothing.
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Optional

import jinja2
import pypdfium2 as pdfium
import segno
from barcode import Code128
from barcode.writer import SVGWriter
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from packing.core import events
from packing.core.catalogue import PACKED_STATES, PackageStatus, active_items, package_state
from packing.core.db import lock_package, transaction
from packing.core.errors import InvalidParameter, NotFound
from packing.core.label_content import LABEL_SIZES, LabelContent, label_content
from packing.core.label_content import address_lines as _address_lines
from packing.core.messages import translate, translate_in_context, translations_for
from packing.core.models import (
    Address,
    Invoice,
    Order,
    Package,
    PrintBatch,
    PrintRecord,
    Shipment,
    ShippingLabel,
    TransitionLog,
    User,
    utcnow,
)
from packing.core.shipping import LABELS_TO_RENDER, create_shipment

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "labels"

LABEL = "label"
INVOICE = "invoice"
PACKING_SLIP = "packing_slip"
DOCUMENT_TYPES = (LABEL, INVOICE, PACKING_SLIP)

# Code128 on a 4 in label: 0.33 mm modules unless the value needs narrower ones to fit;
# scanners on the stores' handhelds read down to 0.19 mm.
BARCODE_MAX_WIDTH_MM = 90.0
BARCODE_MODULE_MM = 0.33
BARCODE_MIN_MODULE_MM = 0.19
BARCODE_HEIGHT_MM = 25.0
QUIET_ZONE_MODULES = 10
QR_MODULE_MM = 0.55
# Bar heights on the label: room for the service, parcel and cash-on-delivery lines on 6 in.
LABEL_TRACKING_BARCODE_MM = 20.0
LABEL_PACKAGE_BARCODE_MM = 15.0

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
)
# Font discovery is the slowest part of a first render; one configuration serves them all.
_fonts = FontConfiguration()


# --- Barcodes -------------------------------------------------------------------------


class BarsAsStrokesWriter(SVGWriter):
    """python-barcode's SVG writer, drawing each bar as a vertical stroke as wide as the bar,
    in millimetre units, one path per bar width: WeasyPrint parses two path commands a bar
    instead of a five-command rectangle, and paints three or four elements per barcode."""

    def _init(self, code: list[str]) -> None:
        super()._init(code)
        self._bars_by_width: dict[str, list[str]] = defaultdict(list)

    def _create_module(self, xpos: float, ypos: float, width: float, color: str) -> None:
        if color != self.background:
            centre = xpos + width / 2
            self._bars_by_width[f"{width:.3f}"].append(f"M{centre:.3f} {ypos:.3f}v{self.module_height:.3f}")

    def _finish(self) -> bytes:
        width = self._root.getAttribute("width").removesuffix("mm")
        height = self._root.getAttribute("height").removesuffix("mm")
        self._root.setAttribute("viewBox", f"0 0 {width} {height}")
        for bar_width, bars in self._bars_by_width.items():
            path = self._document.createElement("path")
            path.setAttribute("d", "".join(bars))
            path.setAttribute("stroke", self.foreground)
            path.setAttribute("stroke-width", bar_width)
            self._group.appendChild(path)
        # The bare <svg> element: no XML declaration or doctype to parse, and it can be inlined.
        return self._root.toxml().encode("utf-8")


def code128_svg(value: str, height_mm: float = BARCODE_HEIGHT_MM) -> str:
    """``value`` as a Code128 SVG document, sized in millimetres by the writer, quiet zones kept."""
    symbol = Code128(value, writer=BarsAsStrokesWriter())
    modules = len(symbol.build()[0])
    module_mm = BARCODE_MODULE_MM
    if (modules + 2 * QUIET_ZONE_MODULES) * module_mm > BARCODE_MAX_WIDTH_MM:
        module_mm = BARCODE_MAX_WIDTH_MM / (modules + 2 * QUIET_ZONE_MODULES)
    if module_mm < BARCODE_MIN_MODULE_MM:
        raise InvalidParameter("'{code}' is too long to print as a readable barcode.", code=value, field="barcode")
    out = io.BytesIO()
    symbol.write(
        out,
        options={
            "module_width": round(module_mm, 3),
            "module_height": height_mm,
            "quiet_zone": round(QUIET_ZONE_MODULES * module_mm, 3),
            "margin_top": 0,
            "margin_bottom": 0,
            "write_text": False,
            "with_doctype": False,
        },
    )
    return out.getvalue().decode("utf-8")


def code128_inline(value: str, height_mm: float = BARCODE_HEIGHT_MM) -> Markup:
    """``value``'s Code128 as an ``<svg>`` element to place in the label's HTML."""
    return Markup(code128_svg(value, height_mm))


def qr_inline(data: str, module_mm: float = QR_MODULE_MM) -> Markup:
    # A fixed mask (valid for every reader) skips scoring all eight, a fifth of a label's
    # render; on a printed label at 0.55 mm a module the best mask buys nothing.
    qr = segno.make(data, error="m", mask=0)
    return Markup(qr.svg_inline(scale=module_mm, unit="mm", border=4, svgclass="right"))


# --- Rendering ------------------------------------------------------------------------


def html_to_pdf(html: str, stylesheets: tuple[CSS, ...] = ()) -> bytes:
    return HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf(font_config=_fonts, stylesheets=list(stylesheets))


@cache
def _label_stylesheet() -> CSS:
    # Parsed once per process: as a <style> in every label it was re-tokenised and its
    # selectors recompiled on each render.
    return CSS(filename=str(TEMPLATES_DIR / "label.css"), font_config=_fonts)


def _label_html(label: LabelContent, currency: str) -> str:
    # Print-label content lives in label_content (shared with the ZPL label); this adds the drawn barcodes.
    return _templates.get_template("label.html").render(
        label=label,
        tracking_barcode=code128_inline(label.tracking_number, LABEL_TRACKING_BARCODE_MM),
        package_barcode=code128_inline(label.package_number, LABEL_PACKAGE_BARCODE_MM),
        tracking_qr=qr_inline(label.qr_data),
        **_document_formatters(label.locale, currency),
    )


@cache
def _label_page(size: str) -> CSS:
    width, height = LABEL_SIZES[size]
    return CSS(string=f"@page {{ size: {width}mm {height}mm; margin: 0; }}", font_config=_fonts)


def render_label_html(package: Package, printed_at: Optional[datetime] = None) -> str:
    return _label_html(label_content(package, printed_at), package.order.currency)


def render_label_pdf(package: Package, printed_at: Optional[datetime] = None) -> bytes:
    """The label on the carrier's stock (4x6 in or 100x150 mm)."""
    label = label_content(package, printed_at)
    return html_to_pdf(_label_html(label, package.order.currency), (_label_stylesheet(), _label_page(label.size)))


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
    """Render and store a package's label unless it already has one (the queue's task).

    WeasyPrint runs before the package row is locked so no picker waits on a render."""
    package = session.get(Package, package_id)
    if package is None or package.shipment is None:
        return
    with transaction(session):
        label_pdf(session, package)


def take_labels_to_render(session: Session) -> set[int]:
    return session.info.pop(LABELS_TO_RENDER, set())


# --- Money ----------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"try": "₺", "usd": "$", "eur": "€", "gbp": "£"}
# (thousands separator, decimal separator) per document locale.
NUMBER_SEPARATORS = {"en": (",", "."), "tr": (".", ",")}


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    thousands, decimal_mark = NUMBER_SEPARATORS.get(locale[:2], NUMBER_SEPARATORS["en"])
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):,.2f}".split(".")
    number = whole.replace(",", thousands) + decimal_mark + cents
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    if symbol is None:
        return f"{sign}{number} {currency.upper()}"
    return f"{sign}{symbol}{number}"


def format_rate(rate: Decimal, locale: str = "en") -> str:
    text = f"{rate.normalize():f}"
    return "%" + text.replace(".", ",") if locale[:2] == "tr" else text + "%"


def format_date(value: datetime | date, locale: str = "en") -> str:
    return value.strftime("%d.%m.%Y" if locale[:2] == "tr" else "%Y-%m-%d")


# --- Invoice document -----------------------------------------------------------------


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


def document_gettext(locale: str) -> Callable[..., str]:
    """The printed documents' ``t()``: the UI's catalogue (packing/translations), read without Flask."""
    translations = translations_for(locale[:2])

    def t(text: str, **values) -> str:
        return translate(translations, text, **values)

    return t


def _document_formatters(locale: str, currency: str) -> dict:
    return {
        "locale": locale,
        "t": document_gettext(locale),
        "pt": lambda context, text, **values: translate_in_context(
            translations_for(locale[:2]), context, text, **values
        ),
        "money": lambda amount: format_money(amount, currency, locale),
        "rate": lambda rate: format_rate(rate, locale),
        "day": lambda value: format_date(value, locale),
    }


def render_invoice_html(invoice: Invoice) -> str:
    locale = invoice.channel.locale or "en"
    order = invoice.order
    return _templates.get_template("invoice.html").render(
        invoice=invoice,
        package=invoice.package,
        order=order,
        seller=invoice.channel,
        billing=invoice.address or order.billing_address,
        billing_lines=_address_lines(invoice.address or order.billing_address),
        shipping=order.shipping_address,
        shipping_lines=_address_lines(order.shipping_address),
        totals=invoice_totals(invoice),
        **_document_formatters(locale, invoice.currency),
    )


def render_invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(render_invoice_html(invoice))


def render_packing_slip_pdf(package: Package) -> bytes:
    order = package.order
    locale = order.channel.locale or "en"
    items: dict[int, dict] = {}
    for item in active_items(package):
        product = item.order_item.product
        row = items.setdefault(product.id, {"product": product, "quantity": 0})
        row["quantity"] += 1
    html = _templates.get_template("packing_slip.html").render(
        package=package,
        order=order,
        rows=list(items.values()),
        recipient=order.shipping_address,
        recipient_lines=_address_lines(order.shipping_address),
        sender=package.stock_location,
        printed_at=utcnow(),
        **_document_formatters(locale, order.currency),
    )
    return html_to_pdf(html)


# --- Print records and batches --------------------------------------------------------


def record_print(
    session: Session,
    package_ids: Iterable[int],
    document_type: str,
    user: Optional[User],
    batch: Optional[PrintBatch] = None,
) -> None:
    session.add_all(
        PrintRecord(
            package_id=package_id,
            document_type=document_type,
            user_id=user.id if user else (batch.user_id if batch else None),
            batch_id=batch.id if batch else None,
        )
        for package_id in package_ids
    )
    session.flush()


def print_counts(session: Session, package_ids: Iterable[int], document_type: str) -> dict[int, int]:
    ids = list(package_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(PrintRecord.package_id, func.count(PrintRecord.id))
        .where(PrintRecord.package_id.in_(ids), PrintRecord.document_type == document_type)
        .group_by(PrintRecord.package_id)
    )
    return dict(rows.all())


def packages_awaiting_labels(session: Session, location_id: int, limit: int = 500) -> list[Package]:
    """The location's packed packages with a shipment whose label nobody has printed yet."""
    printed = select(PrintRecord.id).where(PrintRecord.package_id == Package.id, PrintRecord.document_type == LABEL)
    return list(
        session.scalars(
            select(Package)
            .where(
                Package.stock_location_id == location_id,
                Package.state_id == package_state(session, PackageStatus.PACKED).id,
                Package.shipment.has(),
                ~printed.exists(),
            )
            .order_by(Package.modified_date, Package.id)
            .limit(limit)
            # The print room shows each package's customer, destination city and carrier.
            .options(
                selectinload(Package.order).options(
                    selectinload(Order.customer), selectinload(Order.shipping_address).selectinload(Address.city)
                ),
                selectinload(Package.shipment).selectinload(Shipment.cargo_company),
            )
        )
    )


def packed_today(session: Session, location_id: int, now: Optional[datetime] = None) -> list[int]:
    """Ids of the location's packages packed since midnight (UTC) that are still packed."""
    packed = package_state(session, PackageStatus.PACKED)
    midnight = datetime.combine((now or utcnow()).date(), time.min, tzinfo=UTC)
    packed_since = select(TransitionLog.id).where(
        TransitionLog.object_id == Package.id,
        TransitionLog.new_state_id == packed.id,
        TransitionLog.created_date >= midnight,
    )
    return list(
        session.scalars(
            select(Package.id)
            .where(
                Package.stock_location_id == location_id,
                Package.state_id == packed.id,
                Package.shipment.has(),
                packed_since.exists(),
            )
            .order_by(Package.modified_date, Package.id)
        )
    )


def find_packages(session: Session, location_id: int, text: str, limit: int = 20) -> list[Package]:
    """The location's packages whose package, order or tracking number is ``text``."""
    text = text.strip()
    if not text:
        return []
    return list(
        session.scalars(
            select(Package)
            .join(Package.order)
            .where(
                Package.stock_location_id == location_id,
                (Package.number == text) | (Order.number == text) | (Package.tracking_number == text),
            )
            .order_by(Package.id)
            .limit(limit)
        )
    )


BATCH_DOCUMENT_TYPES = (LABEL, PACKING_SLIP)


def create_print_batch(
    session: Session, location_id: int, package_ids: list[int], document_type: str, user: Optional[User]
) -> PrintBatch:
    """A pending batch of the location's packages, in the order given (flushes)."""
    if document_type not in BATCH_DOCUMENT_TYPES:
        raise InvalidParameter("Choose labels or packing slips.", field="document_type")
    unique_ids = list(dict.fromkeys(package_ids))
    if not unique_ids:
        raise InvalidParameter("Choose at least one package.", field="package_ids")
    found = set(
        session.scalars(select(Package.id).where(Package.id.in_(unique_ids), Package.stock_location_id == location_id))
    )
    if len(found) != len(unique_ids):
        raise InvalidParameter("Some chosen packages are not at this stock location.", field="package_ids")
    if document_type == LABEL:
        without = session.scalars(
            select(Package.number).where(Package.id.in_(unique_ids), Package.shipment == None)  # noqa: E711
        ).all()
        if without:
            raise InvalidParameter(
                "Packed without shipment, so no label: {packages}.",
                packages=", ".join(sorted(without)[:5]),
                field="package_ids",
            )
    batch = PrintBatch(
        stock_location_id=location_id,
        user_id=user.id if user else None,
        document_type=document_type,
        package_ids=unique_ids,
        status="pending",
        done=0,
    )
    session.add(batch)
    session.flush()
    return batch


def retry_print_batch(session: Session, location_id: int, batch_id: int) -> PrintBatch:
    """Put a failed batch of the location back in line, from its first document (the
    caller commits, then queues its build). One conditional update, so of two leads who
    press Try again at once only one restarts it."""
    restarted = session.execute(
        update(PrintBatch)
        .where(PrintBatch.id == batch_id, PrintBatch.stock_location_id == location_id, PrintBatch.status == "failed")
        .values(status="pending", done=0, error=None, finished_date=None)
    ).rowcount
    batch = session.get(PrintBatch, batch_id, populate_existing=True)
    if batch is None or batch.stock_location_id != location_id:
        raise NotFound("No such print batch.")
    if not restarted:
        raise InvalidParameter("Only a failed batch can be started again.", field="batch")
    return batch


# PDFium is not thread-safe, and the worker runs tasks on threads.
_pdfium_lock = threading.Lock()


def join_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One PDF of all the pages of ``pdfs``, in order. PDFium copies pages without
    re-parsing them in Python: a tenth of pypdf's time for a batch of labels."""
    with _pdfium_lock:
        joined = pdfium.PdfDocument.new()
        try:
            for pdf in pdfs:
                source = pdfium.PdfDocument(pdf)
                try:
                    joined.import_pages(source)
                finally:
                    source.close()
            out = io.BytesIO()
            joined.save(out)
        finally:
            joined.close()
    return out.getvalue()


def build_print_batch(session: Session, batch_id: int, progress_every: int = 20) -> PrintBatch:
    """Join the batch's documents into one PDF, committing progress as it goes.

    Stored labels are read in one query and copied; a label the queue has not rendered
    yet is rendered and stored on the way. Each package's print is recorded with the batch.
    """
    batch = session.get(PrintBatch, batch_id)
    if batch is None:
        raise NotFound("No such print batch.")
    with transaction(session):
        batch.status, batch.done, batch.error = "running", 0, None
    try:
        stored: dict[int, bytes] = {}
        if batch.document_type == LABEL:
            labels = select(ShippingLabel.package_id, ShippingLabel.pdf).where(
                ShippingLabel.package_id.in_(batch.package_ids)
            )
            stored = dict(session.execute(labels).all())
        pdfs = []
        for position, package_id in enumerate(batch.package_ids, start=1):
            pdf = stored.get(package_id)
            if pdf is None:
                package = session.get(Package, package_id)
                pdf = label_pdf(session, package) if batch.document_type == LABEL else render_packing_slip_pdf(package)
            pdfs.append(pdf)
            if position % progress_every == 0:
                with transaction(session):
                    batch.done = position
        joined = join_pdfs(pdfs)
        with transaction(session):
            batch.pdf = joined
            batch.done = len(batch.package_ids)
            batch.status = "done"
            batch.finished_date = datetime.now(UTC)
            record_print(session, batch.package_ids, batch.document_type, None, batch)
    except Exception as error:
        session.rollback()
        with transaction(session):
            batch.status, batch.error = "failed", str(error)[:1000]
        raise
    return batch
