"""Barcodes for printed documents: Code128 and QR codes as inline SVG, sized in millimetres."""

from __future__ import annotations

import io
from collections import defaultdict

import segno
from barcode import Code128
from barcode.codex import Gs1_128
from barcode.writer import SVGWriter
from markupsafe import Markup

from packing.core.errors import InvalidParameter

# Code128 on a 4 in label: 0.33 mm modules unless the value needs narrower ones to fit;
# scanners on the stores' handhelds read down to 0.19 mm.
BARCODE_MAX_WIDTH_MM = 90.0
BARCODE_MODULE_MM = 0.33
BARCODE_MIN_MODULE_MM = 0.19
BARCODE_HEIGHT_MM = 25.0
QUIET_ZONE_MODULES = 10
QR_MODULE_MM = 0.55


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


def code128_svg(value: str, height_mm: float = BARCODE_HEIGHT_MM, *, gs1: bool = False) -> str:
    """``value`` as a Code128 SVG document, sized in millimetres by the writer, quiet zones kept;
    with ``gs1`` a GS1-128 (FNC1 first) of an element string's digits (``00`` + an SSCC)."""
    symbol = (Gs1_128 if gs1 else Code128)(value, writer=BarsAsStrokesWriter())
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
    """``value``'s Code128 as an ``<svg>`` element to place in a document's HTML."""
    return Markup(code128_svg(value, height_mm))


def gs1_128_inline(element_string: str, height_mm: float = BARCODE_HEIGHT_MM) -> Markup:
    """A GS1-128 of ``(00)123...``-style element strings (fixed-length AIs only), as ``<svg>``."""
    return Markup(code128_svg(element_string.replace("(", "").replace(")", ""), height_mm, gs1=True))


def qr_inline(data: str, module_mm: float = QR_MODULE_MM) -> Markup:
    # A fixed mask (valid for every reader) skips scoring all eight, a fifth of a label's
    # render; on a printed label at 0.55 mm a module the best mask buys nothing.
    qr = segno.make(data, error="m", mask=0)
    return Markup(qr.svg_inline(scale=module_mm, unit="mm", border=4, svgclass="right"))
