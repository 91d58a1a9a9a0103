"""Invoices: items and totals per tax rate to the cent, the A4 document, and its number."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from packing.core import events, invoicing, labels, money, packing_slips
from packing.core.db import transaction
from packing.core.errors import InvalidParameter
from packing.core.models import Package, WebhookEvent
from tests import factories
from tests.test_documents import pdf_text


def _mixed_rate_package(session):
    products = [factories.product(session, name=name) for name in ("Linen Shirt", "Novel", "Bread")]
    return factories.packed_package(
        session,
        products=[products[0]] * 3 + [products[1]] * 2 + [products[2]],
        prices=["33.33", "33.33", "33.33", "19.99", "19.99", "7.49"],
        tax_rates=["20", "20", "20", "10", "10", "1"],
    )


def test_invoice_totals_per_tax_rate_are_right_to_the_cent(session):
    """Tax-inclusive prices at 20%, 10% and 1%: each rate's tax is its gross x r/(100+r)
    rounded once, the items of a rate add up to it, and the grand total is what was paid."""
    invoice = invoicing.create_invoice(session, _mixed_rate_package(session))
    totals = invoicing.invoice_totals(invoice)

    by_rate = {t.rate: t for t in totals.by_rate}
    assert by_rate[Decimal("20.00")].total == Decimal("99.99")
    assert by_rate[Decimal("20.00")].tax == Decimal("16.67")  # 99.99 * 20 / 120 = 16.665
    assert by_rate[Decimal("20.00")].base == Decimal("83.32")
    assert by_rate[Decimal("10.00")].tax == Decimal("3.63")  # 39.98 * 10 / 110 = 3.6345
    assert by_rate[Decimal("1.00")].tax == Decimal("0.07")  # 7.49 / 101 = 0.0742
    assert totals.total == Decimal("147.46")
    assert totals.tax == Decimal("20.37")
    assert totals.base + totals.tax == totals.total
    for rate in by_rate.values():
        items = [i for i in invoice.items if i.tax_rate == rate.rate]
        assert sum(i.tax_amount for i in items) == rate.tax
        assert sum(i.net_amount + i.tax_amount for i in items) == rate.total
    assert [(line.name, line.quantity) for line in totals.lines] == [("Linen Shirt", 3), ("Novel", 2), ("Bread", 1)]


def test_discounts_reduce_the_line_and_the_tax(session):
    """A discount comes off the tax-inclusive price before the tax is taken out."""
    package = factories.packed_package(session, prices=["120.00"])
    package.items[0].order_item.discount_amount = Decimal("24.00")
    invoice = invoicing.create_invoice(session, package)
    item = invoice.items[0]
    assert (item.total_amount, item.tax_amount, item.net_amount) == (
        Decimal("96.00"),
        Decimal("16.00"),
        Decimal("80.00"),
    )
    assert item.discount_rate == Decimal("20.00")
    assert invoicing.invoice_totals(invoice).discount == Decimal("24.00")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2), min_size=1, max_size=30),
    st.sampled_from([Decimal("0"), Decimal("1"), Decimal("8"), Decimal("10"), Decimal("18"), Decimal("20")]),
)
def test_split_tax_shares_add_up_to_the_rounded_tax_of_the_sum(grosses, rate):
    """However the amounts fall, the per-item tax shares sum to the tax of the total, and
    each share is within a cent of its exact value."""
    shares = invoicing.split_tax(grosses, rate)
    expected = invoicing.tax_included(sum(grosses), rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert sum(shares) == expected
    for gross, share in zip(grosses, shares, strict=True):
        assert abs(share - invoicing.tax_included(gross, rate)) < Decimal("0.01")


def test_invoice_pdf_shows_parties_numbers_lines_and_totals(session):
    """The A4 invoice's text has the seller, both addresses, the invoice number and date,
    each line and the per-rate and grand totals."""
    package = _mixed_rate_package(session)
    invoicing.create_invoice(session, package)
    invoicing.set_invoice_number(session, package, "INV-2026-000123")
    pdf = invoicing.render_invoice_pdf(package.invoice)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    text = pdf_text(pdf)
    for expected in (
        "Test Retail Ltd.",
        "INV-2026-000123",
        "Moda Cd. No:12",
        "Ayşe Yılmaz",
        package.order.number,
        "Linen Shirt",
        "₺33.33",
        "Tax 20%",
        "₺16.67",
        "Tax 10%",
        "₺3.63",
        "₺147.46",
        "Page 1 / 1",
    ):
        assert expected in text, expected


def test_turkish_channel_gets_turkish_documents_and_money(session):
    """A channel whose locale is Turkish gets its invoice, label and packing slip in Turkish,
    with 1.234,56-style amounts and %20-style rates."""
    package = factories.packed_package(session, prices=["1234.56"], has_gift_box=True)
    package.order.channel.locale = "tr"
    invoice = invoicing.create_invoice(session, package)
    text = pdf_text(invoicing.render_invoice_pdf(invoice))
    for expected in ("Fatura", "FATURA ADRESİ", "₺1.234,56", "KDV %20", "₺205,76", "Genel toplam", "Sayfa 1 / 1"):
        assert expected in text, expected
    label = pdf_text(labels.render_label_pdf(package))
    assert "Gönderen: " in label and "HEDİYE PAKETİ" in label and "Ürün adedi: 1" in label
    assert "Paket içerik fişi" in pdf_text(packing_slips.render_packing_slip_pdf(package))
    assert money.format_money(Decimal("1234567.5"), "eur", "en") == "€1,234,567.50"
    assert money.format_money(Decimal("-3.5"), "chf", "tr") == "-3,50 CHF"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "try", "en", "₺1,234.50"),
        ("-1234.5", "TRY", "tr_TR", "-₺1.234,50"),
        ("0", "usd", "tr", "$0,00"),
        ("1234.5", "gbp", "de", "£1,234.50"),
    ],
)
def test_amounts_read_as_the_document_language_writes_them(amount, currency, locale, expected):
    """Amounts take their separators and sign from the document's language (one without
    documents of its own writes as English); a lira is ₺ in either language."""
    assert money.format_money(Decimal(amount), currency, locale) == expected


def test_tax_rates_read_as_the_document_language_writes_them():
    """A rate keeps the decimals it has, and its percent sign goes where the language puts it."""
    assert money.format_rate(Decimal("18.00"), "en") == "18%"
    assert money.format_rate(Decimal("8.50"), "tr") == "%8,5"
    assert money.format_rate(Decimal("0.25"), "de") == "0.25%"


def test_long_invoice_numbers_its_pages(session):
    """An invoice with many lines runs onto further pages, each numbered "Page n / N"."""
    products = [factories.product(session, name=f"Item {n}") for n in range(70)]
    invoice = invoicing.create_invoice(session, factories.packed_package(session, products=products))
    pdf = invoicing.render_invoice_pdf(invoice)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    assert f"Page {len(pages)} / {len(pages)}" in pages[-1].extract_text()


def test_create_invoice_once_with_event_and_only_when_packed(session):
    """The invoice is created once (a second call returns it), announced with an event,
    and refused for a package that is not packed."""
    factories.webhook(session, events.INVOICE_CREATED)
    package = factories.packed_package(session)
    first = invoicing.create_invoice(session, package)
    assert invoicing.create_invoice(session, package).id == first.id
    assert session.query(WebhookEvent).filter_by(event_type=events.INVOICE_CREATED).count() == 1
    with pytest.raises(InvalidParameter) as not_packed:
        invoicing.create_invoice(session, factories.package(session))
    assert not_packed.value.field == "package"


def test_set_invoice_number_checks_length_and_uniqueness(session):
    """Numbers over 32 characters or used by another invoice are refused; a package without
    an invoice of ours keeps the ERP's number on the package."""
    first = factories.packed_package(session)
    second = factories.packed_package(session)
    invoicing.create_invoice(session, first)
    invoicing.create_invoice(session, second)
    session.commit()
    with pytest.raises(InvalidParameter) as too_long:
        invoicing.set_invoice_number(session, first, "X" * 33)
    assert too_long.value.field == "invoice_number"
    invoicing.set_invoice_number(session, first, "X" * 32)
    session.commit()
    with pytest.raises(InvalidParameter), transaction(session):
        invoicing.set_invoice_number(session, second, "X" * 32)
    erp_invoiced = factories.packed_package(session)
    assert invoicing.set_invoice_number(session, erp_invoiced, "ERP-1") is None
    session.commit()
    session.expire_all()
    assert session.get(Package, erp_invoiced.id).invoice_number == "ERP-1"
    assert session.get(Package, first.id).invoice_number == "X" * 32
    assert session.get(Package, second.id).invoice_number is None
