"""Shipping labels and packing slips: real PDFs, rasterised and decoded, and their downloads."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from packing.core import barcodes, labels, packing_slips, shipping
from packing.core.errors import InvalidParameter
from packing.core.models import PrintRecord, ShippingLabel
from tests import factories

POINTS_PER_INCH = 72


def decoded_codes(pdf: bytes, page_number: int = 0, dpi: int = 300) -> dict[str, list[str]]:
    """Rasterise one page and decode every barcode on it, by format name."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page_number].render(scale=dpi / POINTS_PER_INCH).to_pil()
    finally:
        document.close()
    found: dict[str, list[str]] = {}
    for result in zxingcpp.read_barcodes(image):
        found.setdefault(result.format.name, []).append(result.text)
    return found


def bar_extent_mm(svg: str) -> tuple[float, float]:
    """Left edge of the first bar and right edge of the last, from the writer's stroked
    paths: each bar is a vertical stroke ``M<centre> 0v<height>`` of the path's stroke-width."""
    edges = []
    for path in re.finditer(r'<path d="([^"]*)"[^>]*stroke-width="([0-9.]+)"', svg):
        half = float(path.group(2)) / 2
        for centre in re.findall(r"M([0-9.]+) ", path.group(1)):
            edges += [float(centre) - half, float(centre) + half]
    return min(edges), max(edges)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_label_barcodes_and_qr_decode_back_to_tracking_package_and_url(session):
    """A rendered label is one 4x6 in page whose two Code128 barcodes and QR decode to the
    tracking number, the package number and the tracking URL."""
    package = factories.packed_package(session)
    pdf = labels.render_label_pdf(package)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (4 * POINTS_PER_INCH, 6 * POINTS_PER_INCH)

    codes = decoded_codes(pdf)
    assert sorted(codes["Code128"]) == sorted([package.tracking_number, package.number])
    assert codes["QRCode"] == [package.shipment.tracking_url]
    assert package.shipment.tracking_url == f"https://track.test/{package.tracking_number}"


def test_label_text_names_sender_recipient_numbers_and_marks(session):
    """The label's text has the store, the recipient's address and phone, the numbers, the
    carrier, the item count and the gift-box and click-and-collect marks."""
    store = factories.location(session, name="Kadıköy Store")
    package = factories.packed_package(
        session,
        at=store,
        products=[factories.product(session), factories.product(session)],
        has_gift_box=True,
        is_click_and_collect=True,
    )
    text = pdf_text(labels.render_label_pdf(package))
    for expected in (
        "Kadıköy Store",
        "Ayşe Yılmaz",
        "Moda Cd. No:12",
        "34710 İstanbul",
        "+90 555 000 00 00",
        package.number,
        package.order.number,
        package.tracking_number,
        "Test Cargo",
        "Items: 2",
        "GIFT BOX",
        "CLICK & COLLECT",
    ):
        assert expected in text, expected


def test_plain_label_has_no_gift_or_collect_marks(session):
    """Without a gift box or click and collect the label carries neither mark."""
    text = pdf_text(labels.render_label_pdf(factories.packed_package(session)))
    assert "GIFT BOX" not in text and "CLICK & COLLECT" not in text


def test_barcodes_are_sized_by_the_writer_at_least_25mm_high_with_quiet_zones(session):
    """The Code128 SVG is sized in millimetres by python-barcode: >= 25 mm high, a quiet
    zone of ten modules each side, and narrower modules for a long value so it fits."""
    short = barcodes.code128_svg("000000000018")
    assert 'height="25.000mm"' in short
    first_bar_left, last_bar_right = bar_extent_mm(short)
    assert first_bar_left == pytest.approx(3.3)  # the first bar starts after 10 modules of 0.33 mm
    width = float(short.split('width="', 1)[1].split("mm", 1)[0])
    assert width - last_bar_right == pytest.approx(3.3)
    long_value = "P" * 25
    fitted = barcodes.code128_svg(long_value)
    width = float(fitted.split('width="', 1)[1].split("mm", 1)[0])
    assert width <= barcodes.BARCODE_MAX_WIDTH_MM + 0.5
    with pytest.raises(InvalidParameter):
        barcodes.code128_svg("X" * 80)


def test_label_is_stored_once_packed_and_reprints_render_nothing(session, monkeypatch):
    """Committing a pack stores the label; a later label_pdf returns those bytes without
    rendering again."""
    package = factories.packed_package(session)
    session.commit()
    stored = session.query(ShippingLabel).filter_by(package_id=package.id).one()
    assert stored.pdf.startswith(b"%PDF")

    def refuse_to_render(*args, **kwargs):
        raise AssertionError("a reprint must not render")

    monkeypatch.setattr(labels, "render_label_pdf", refuse_to_render)
    assert labels.label_pdf(session, package) == stored.pdf


def test_missing_label_is_rendered_and_stored_on_first_download(session):
    """If the queue has not rendered a label yet, the first download renders and stores it."""
    package = factories.packed_package(session)
    shipping.take_labels_to_render(session)  # as if the worker were down
    session.commit()
    assert session.query(ShippingLabel).filter_by(package_id=package.id).count() == 0
    pdf = labels.label_pdf(session, package)
    session.commit()
    assert session.query(ShippingLabel).filter_by(package_id=package.id).one().pdf == pdf


def test_packing_slip_lists_products_and_quantities(session):
    """The packing slip lists each product once with its quantity and the gift note."""
    shirt = factories.product(session, name="Blue Shirt")
    socks = factories.product(session, name="Wool Socks")
    package = factories.packed_package(
        session, products=[shirt, shirt, socks], has_gift_box=True, gift_box_note="Happy birthday!"
    )
    text = pdf_text(packing_slips.render_packing_slip_pdf(package))
    assert "Blue Shirt" in text and "Wool Socks" in text
    assert "Happy birthday!" in text
    assert package.number in text


# --- Downloads ------------------------------------------------------------------------


def test_label_download_has_type_filename_private_cache_and_records_no_print(client, session, auth):
    """A picker opens the label of a package they packed: a PDF named label-<number>.pdf,
    Cache-Control private; looking at it twice records no print."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    auth.login(role="picker", location=store)

    response = client.get(f"/documents/packages/{package.id}/label.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="label-{package.number}.pdf"'
    assert response.headers["Cache-Control"] == "private"
    assert decoded_codes(response.data)["QRCode"] == [package.shipment.tracking_url]
    assert client.get(f"/documents/packages/{package.id}/label.pdf").status_code == 200
    assert session.query(PrintRecord).filter_by(package_id=package.id).count() == 0


def test_downloads_are_404_for_another_locations_package(client, session, auth):
    """A user of one store gets 404 for another store's label, slip and invoice."""
    elsewhere = factories.packed_package(session, at=factories.location(session))
    session.commit()
    auth.login(role="lead", location=factories.location(session))
    for document in ("label.pdf", "packing-slip.pdf", "invoice.pdf", "invoice.html"):
        assert client.get(f"/documents/packages/{elsewhere.id}/{document}").status_code == 404, document
    assert session.query(PrintRecord).count() == 0


def test_downloads_need_sign_in_and_invoices_need_a_lead(client, session, auth):
    """Signed-out users are sent to sign in; a picker may not open invoices or the print room."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    assert client.get(f"/documents/packages/{package.id}/label.pdf").status_code == 302
    auth.login(role="picker", location=store)
    assert client.get(f"/documents/packages/{package.id}/packing-slip.pdf").status_code == 200
    assert client.get(f"/documents/packages/{package.id}/invoice.pdf").status_code == 403
    assert client.get("/documents/print-room").status_code == 403


def test_package_packed_without_shipment_has_no_label(client, session, auth):
    """Packing without shipment creates no shipment, so its label is 404."""
    from packing.core.commands import execute_command

    store = factories.location(session)
    package = factories.package(session, at=store)
    execute_command(session, package, "package__complete_packaging_without_shipment__waiting__packed-all-items")
    session.commit()
    assert package.shipment is None
    auth.login(role="picker", location=store)
    assert client.get(f"/documents/packages/{package.id}/label.pdf").status_code == 404


def test_a_label_that_cannot_be_printed_says_why(client, session, auth):
    """A package number too long for a readable barcode gets a 422 page naming the problem,
    not a server error."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    shipping.take_labels_to_render(session)
    package.number = "X" * 64
    session.commit()
    auth.login(role="picker", location=store)
    response = client.get(f"/documents/packages/{package.id}/label.pdf")
    assert response.status_code == 422
    assert "too long to print as a readable barcode" in response.text
