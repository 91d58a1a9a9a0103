"""Small pictures of stored labels, for looking before printing: the first page of the
label's PDF rasterised by PDFium, kept on disk under a name that changes with the label
(its uuid and when it was last written), so a relabel is never shown stale and an
unchanged label is rasterised once."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.labels import label_pdf
from packing.core.models import Package, ShippingLabel
from packing.core.print_batches import PDFIUM_LOCK

PREVIEW_WIDTH_PX = 240  # twice the 120 CSS px it is shown at, for sharp tablet screens


def preview_key(label: ShippingLabel) -> str:
    return f"{label.uuid}-{label.modified_date:%Y%m%d%H%M%S%f}"


def render_png(pdf: bytes, width_px: int = PREVIEW_WIDTH_PX) -> bytes:
    with PDFIUM_LOCK:  # PDFium is not thread-safe; batches use it on the worker too
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[0]
            image = page.render(scale=width_px / page.get_width()).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()


def label_preview(session: Session, package: Package, cache_dir: Path) -> tuple[bytes, str]:
    """The package's label as a PNG and its version key, rendering and storing the label
    first if the queue has not (flushes; the caller commits)."""
    label_pdf(session, package)
    label = session.scalar(select(ShippingLabel).where(ShippingLabel.package_id == package.id))
    key = preview_key(label)
    path = cache_dir / f"{key}.png"
    if path.exists():
        return path.read_bytes(), key
    png = render_png(label.pdf)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written aside and moved into place: a concurrent reader sees the whole file or none.
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(png)
    os.replace(temporary, path)
    return png, key
