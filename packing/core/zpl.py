"""Shipping labels as ZPL II for thermal printers, drawn from the same ``LabelContent`` as the
PDF label. The printer draws the barcodes itself (Code 128 with ``^BC`` in automatic subset
mode, QR with ``^BQ``), so a label is a few hundred bytes of text and costs no rendering.

Positions are laid out in millimetres and converted to the printer's dots (203 or 300 dpi).
Text is UTF-8 (``^CI28``); every field's data goes through ``^FH`` so that the characters
ZPL treats as commands (``^``, ``~``) and the escape and line-break characters themselves
(``_``, ``\\``) travel as hex and print as themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import segno
from barcode import Code128
from barcode.codex import Gs1_128
from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.errors import InvalidParameter, NotFound
from packing.core.label_content import LABEL_DPIS, LabelContent, label_contents
from packing.core.messages import translate, translate_in_context, translations_for
from packing.core.models import Package
from packing.core.money import format_money

MARGIN_MM = 3.0
MM_PER_INCH = 25.4
# Code 128 bars: the PDF label's 0.33 mm module where it fits, never under 0.19 mm.
BARCODE_MODULE_MM = 0.33
BARCODE_MIN_MODULE_MM = 0.19
QUIET_ZONE_MODULES = 10
QR_MODULE_MM = 0.55
BOLD_OFFSET_MM = 0.15
_HEX_ESCAPED = {c: f"_{ord(c):02X}" for c in "^~_\\"}


def field_data(text: str) -> str:
    """``text`` safe inside ``^FH^FD...^FS``."""
    return "".join(_HEX_ESCAPED.get(c, c) for c in text.replace("\r", " "))


class _Canvas:
    def __init__(self, dpi: int, width_mm: float, height_mm: float) -> None:
        if dpi not in LABEL_DPIS:
            raise InvalidParameter("ZPL labels print at 203 or 300 dpi, not {dpi}.", dpi=dpi, field="dpi")
        self.dpi = dpi
        self.width_mm = width_mm
        self.height_mm = height_mm
        self.commands: list[str] = []

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    def text(
        self, x_mm: float, y_mm: float, text: str, size_mm: float, width_mm: float, lines: int = 1, bold: bool = False
    ) -> float:
        """Text in a field block ``width_mm`` wide; lines of ``text`` beyond ``lines`` are cut
        by the printer. ``bold`` strikes it twice a fraction of a millimetre apart (the
        printer's scalable font has no bold face). Returns the y below the block."""
        height = self.dots(size_mm)
        data = "\\&".join(field_data(line) for line in text.split("\n"))
        for offset in (0, max(1, self.dots(BOLD_OFFSET_MM))) if bold else (0,):
            self.commands.append(
                f"^FO{self.dots(x_mm) + offset},{self.dots(y_mm)}^A0N,{height},{height}"
                f"^FB{self.dots(width_mm)},{lines},0,L,0^FH^FD{data}^FS"
            )
        return y_mm + lines * size_mm * 1.15

    def rule(self, y_mm: float) -> None:
        self.commands.append(
            f"^FO{self.dots(MARGIN_MM)},{self.dots(y_mm)}^GB{self.dots(self.width_mm - 2 * MARGIN_MM)},2,2^FS"
        )

    def code128(self, y_mm: float, value: str, height_mm: float, gs1: bool = False) -> float:
        """A centred Code 128 of ``value``: the widest whole-dot module up to 0.33 mm that fits.
        With ``gs1``, ``value`` is a GS1 element string (``(00)...``) printed as GS1-128: the
        printer's UCC/EAN mode (D) starts it with FNC1 and leaves the parentheses out."""
        digits = value.replace("(", "").replace(")", "")
        modules = len((Gs1_128(digits) if gs1 else Code128(value)).build()[0]) + 2 * QUIET_ZONE_MODULES
        usable = self.dots(self.width_mm - 2 * MARGIN_MM)
        module = min(max(self.dots(BARCODE_MODULE_MM), 1), usable // modules)
        if module < 1 or module * MM_PER_INCH / self.dpi < BARCODE_MIN_MODULE_MM:
            raise InvalidParameter("'{code}' is too long to print as a readable barcode.", code=value, field="barcode")
        x = (self.dots(self.width_mm) - module * modules) // 2 + module * QUIET_ZONE_MODULES
        self.commands.append(
            f"^FO{x},{self.dots(y_mm)}^BY{module}^BCN,{self.dots(height_mm)},N,N,N,{'D' if gs1 else 'A'}"
            f"^FH^FD{field_data(value)}^FS"
        )
        return y_mm + height_mm

    def qr(self, x_mm: float, y_mm: float, data: str) -> float:
        """A QR code whose top-left corner is at (x, y); returns its side in millimetres."""
        magnification = max(1, min(10, self.dots(QR_MODULE_MM)))
        # ^BQ leaves a few dots above the symbol; the field origin is its top-left corner.
        self.commands.append(
            f"^FO{self.dots(x_mm)},{self.dots(y_mm)}^BQN,2,{magnification}^FH^FDMA,{field_data(data)}^FS"
        )
        side_modules = segno.make(data, error="m").symbol_size(border=0)[0]
        return side_modules * magnification * MM_PER_INCH / self.dpi

    def zpl(self) -> str:
        header = f"^XA^CI28^PW{self.dots(self.width_mm)}^LL{self.dots(self.height_mm)}^LH0,0"
        return "\n".join([header, *self.commands, "^XZ"]) + "\n"


def label_zpl(label: LabelContent, dpi: int = 203) -> str:
    """One label as a ``^XA...^XZ`` format."""
    translations = translations_for(label.locale[:2])

    def t(text: str, **values) -> str:
        return translate(translations, text, **values)

    width_mm, height_mm = label.size_mm
    canvas = _Canvas(dpi, width_mm, height_mm)
    inner = width_mm - 2 * MARGIN_MM
    x = MARGIN_MM

    y = MARGIN_MM
    stamp = f"{label.printed_at:%Y-%m-%d %H:%M} {label.zone}"
    canvas.text(x + inner / 2, y, stamp, 2.4, inner / 2)
    y = canvas.text(x, y, label.carrier, 4.5, inner / 2, bold=True) + 0.5
    canvas.rule(y)

    y += 1.5
    parcel = t("Parcel {number} of {count}", number=label.parcel_number, count=label.parcel_count)
    canvas.text(x + inner / 2, y, parcel, 3.4, inner / 2, bold=True)
    y = canvas.text(x, y, t(label.service), 3.4, inner / 2, bold=True)
    if label.weight_kg is not None:
        y = canvas.text(x, y, f"{t('Weight')}: {label.weight_text()}", 3.0, inner, bold=True)
    if label.cash_on_delivery:
        amount = format_money(label.cash_on_delivery, label.currency, label.locale)
        y = canvas.text(x, y, f"{t('CASH ON DELIVERY')}: {amount}", 3.8, inner, bold=True)
    y += 0.5
    canvas.rule(y)

    y += 1.5
    sender = label.sender_name + (f" · {label.sender_phone}" if label.sender_phone else "")
    y = canvas.text(x, y, f"{t('From')}: {sender}", 2.6, inner)
    y = canvas.text(x, y, ", ".join(label.sender_lines), 2.6, inner, lines=2) + 0.5
    canvas.rule(y)

    y += 1.5
    y = canvas.text(x, y, f"{t('To')}: {label.recipient_name}", 4.2, inner, bold=True)
    recipient = list(label.recipient_lines)
    if label.recipient_phone:
        recipient.append(f"{t('Tel')}: {label.recipient_phone}")
    y = canvas.text(x, y, "\n".join(recipient), 3.2, inner, lines=max(len(recipient), 1)) + 0.5
    canvas.rule(y)

    y += 1.5
    y = canvas.text(x, y, t("Tracking number"), 2.6, inner) + 0.5
    y = canvas.code128(y, label.tracking_number, 20.0) + 1.0
    y = canvas.text(x, y, label.tracking_number, 4.5, inner, bold=True) + 0.5
    canvas.rule(y)

    y += 1.5
    details = [
        f"{t('Package')}: {label.package_number}",
        f"{t('Order')}: {label.order_number}",
        f"{translate_in_context(translations, 'printed document', 'Items')}: {label.item_count}",
    ]
    marks = []
    if label.gift_box:
        marks.append(t("GIFT BOX"))
    if label.click_and_collect:
        marks.append(t("CLICK & COLLECT") + (f": {label.collect_store}" if label.collect_store else ""))
    if marks:
        details.append("  ".join(marks))
    qr_x = width_mm - MARGIN_MM - 22.0
    qr_side = canvas.qr(qr_x, y, label.qr_data)
    text_bottom = canvas.text(x, y, "\n".join(details), 3.0, qr_x - x - 1.0, lines=len(details))
    y = max(text_bottom, y + qr_side) + 1.0
    canvas.rule(y)

    if label.sscc:
        y += 1.5
        y = canvas.text(x, y, "SSCC", 2.6, inner) + 0.5
        y = canvas.code128(y, label.sscc_element_string, 12.0, gs1=True) + 1.0
        y = canvas.text(x, y, label.sscc_element_string, 3.0, inner, bold=True) + 0.5
        canvas.rule(y)

    y += 1.5
    y = canvas.text(x, y, t("Package"), 2.6, inner) + 0.5
    y = canvas.code128(y, label.package_number, 8.0 if label.sscc else 15.0) + 1.0
    canvas.text(x, y, label.package_number, 4.0, inner, bold=True)
    return canvas.zpl()


def labels_zpl(labels: Iterable[str]) -> str:
    """Several labels as one file: the printer prints each ``^XA...^XZ`` format in turn."""
    return "".join(labels)


def package_zpl(package: Package, dpi: Optional[int] = None) -> str:
    """The package's labels in ZPL at ``dpi``, else at its carrier's: one format per box."""
    if package.shipment is None:
        raise NotFound("Package {number} has no shipment, so it has no label.", number=package.number, field="package")
    dots = dpi or package.shipment.cargo_company.label_dpi
    return labels_zpl(label_zpl(label, dots) for label in label_contents(package))


def packages_zpl(session: Session, package_ids: list[int], dpi: Optional[int] = None) -> str:
    """The labels of ``package_ids``, in that order, as one ZPL file."""
    packages = {p.id: p for p in session.scalars(select(Package).where(Package.id.in_(package_ids)))}
    return labels_zpl(package_zpl(packages[package_id], dpi) for package_id in package_ids if package_id in packages)
