"""What a label says beyond addresses and numbers: parcel k of N, weight, service, cash on
delivery, the store's local time, key fields in bold, and the carrier's label stock."""

from __future__ import annotations

import ctypes
import io
from datetime import UTC, datetime
from decimal import Decimal

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from packing.core import labels, zpl
from tests import factories
from tests.test_documents import pdf_text
from tests.test_zpl import parse_zpl

MM_PER_POINT = 25.4 / 72
NINE_THIRTY_UTC = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def _bold_text(pdf: bytes) -> str:
    """The characters of the first page drawn in a bold face (its font's name says Bold),
    in page order, with a space for every other character."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        chars = []
        for index in range(text_page.count_chars()):
            name = ctypes.create_string_buffer(128)
            pdfium_c.FPDFText_GetFontInfo(text_page.raw, index, name, len(name), None)
            bold = b"Bold" in name.value
            chars.append(text_page.get_text_range(index, 1) if bold else " ")
    finally:
        document.close()
    return "".join(chars)


def _cod_package(session, **fields):
    store = factories.location(session)
    store.time_zone = "Europe/Istanbul"
    package = factories.packed_package(
        session,
        at=store,
        products=[factories.product(session), factories.product(session)],
        payment_type="pay_on_delivery",
        delivery_type="same_day",
        **fields,
    )
    for item in package.items:
        item.unit_weight = Decimal("0.625")
    session.flush()
    return package


def test_label_names_parcel_weight_service_cash_on_delivery_and_local_time(session):
    """A same-day, pay-on-delivery gift-box package of two 0.625 kg items prints "Parcel 1
    of 1", 1.25 kg, the service, the amount to collect, and 12:30 Europe/Istanbul for
    09:30 UTC, all on one page."""
    package = _cod_package(session, has_gift_box=True)
    pdf = labels.render_label_pdf(package, printed_at=NINE_THIRTY_UTC)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = pdf_text(pdf)
    for expected in (
        "Parcel 1 of 1",
        "Weight: 1.25 kg",
        "Same day",
        "CASH ON DELIVERY: ₺200.00",
        "2026-12-03 12:30 Europe/Istanbul",
    ):
        assert expected in text, expected


def test_label_leaves_out_unknown_weight_and_cash_for_a_prepaid_order(session):
    """A credit-card order with unweighed items prints no weight and nothing to collect,
    and its service is standard when the order names none."""
    package = factories.packed_package(session)
    text = pdf_text(labels.render_label_pdf(package, printed_at=NINE_THIRTY_UTC))
    assert "Weight" not in text and "CASH ON DELIVERY" not in text
    assert "Standard" in text and "2026-12-03 09:30 UTC" in text


def test_label_collects_the_shipments_amount_when_the_oms_gave_one(session):
    """The shipment's pay-on-delivery amount wins over the items' prices."""
    package = _cod_package(session)
    package.shipment.pay_on_delivery_amount = Decimal("150.50")
    text = pdf_text(labels.render_label_pdf(package))
    assert "CASH ON DELIVERY: ₺150.50" in text


def test_label_key_fields_are_bold(session):
    """The carrier, service, parcel, amount to collect, recipient and the numbers are bold;
    the sender's address is not."""
    package = _cod_package(session)
    bold = _bold_text(labels.render_label_pdf(package))
    for key in (
        "Test Cargo",
        "Same day",
        "Parcel 1 of 1",
        "CASH ON DELIVERY",
        "Ayşe Yılmaz",
        package.tracking_number,
        package.number,
    ):
        assert key in bold, key
    assert "İstiklal" not in bold


def test_label_in_turkish_writes_service_and_weight_the_turkish_way(session):
    """A Turkish channel's label says "Aynı gün" and 1,25 kg."""
    package = _cod_package(session)
    package.order.channel.locale = "tr"
    text = pdf_text(labels.render_label_pdf(package))
    assert "1,25 kg" in text
    assert "Parcel" not in text


@pytest.mark.parametrize(("size", "width_mm", "height_mm"), [("4x6in", 101.6, 152.4), ("100x150mm", 100.0, 150.0)])
def test_label_page_follows_the_carriers_label_stock(session, size, width_mm, height_mm):
    """The PDF page and the ZPL print width and length are the carrier's stock: 4x6 in or
    100x150 mm."""
    package = factories.packed_package(session)
    package.shipment.cargo_company.label_size = size
    box = PdfReader(io.BytesIO(labels.render_label_pdf(package))).pages[0].mediabox
    assert (round(float(box.width) * MM_PER_POINT, 1), round(float(box.height) * MM_PER_POINT, 1)) == (
        width_mm,
        height_mm,
    )
    [label] = parse_zpl(zpl.package_zpl(package, 300))
    assert (label["PW"], label["LL"]) == (round(width_mm * 300 / 25.4), round(height_mm * 300 / 25.4))


def test_zpl_label_carries_the_same_service_parcel_weight_and_amount(session):
    """The ZPL label's text fields say what the PDF label says."""
    package = _cod_package(session)
    [label] = parse_zpl(zpl.package_zpl(package))
    texts = "\n".join(label["texts"])
    for expected in ("Parcel 1 of 1", "Weight: 1.25 kg", "Same day", "CASH ON DELIVERY: ₺200.00", "Europe/Istanbul"):
        assert expected in texts, expected
