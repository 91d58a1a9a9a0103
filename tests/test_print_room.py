"""The shift lead's print room: what awaits printing, batches as one PDF, reprints and records."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import func, select, text

from packing.core import invoicing, print_batches, print_room
from packing.core.models import BatchStatus, CargoCompany, PrintBatch, PrintRecord, StockLocation
from packing.documents import tasks
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse, top_level_elements
from tests.test_documents import decoded_codes


def _print_room(client):
    page = client.get("/documents/print-room")
    assert page.status_code == 200
    return page


def test_print_room_lists_only_my_locations_unprinted_packed_packages(client, session, auth):
    """The lead sees packed packages of their store whose label is unprinted; not another
    store's, not waiting ones, not ones already printed."""
    store = factories.location(session)
    unprinted = factories.packed_package(session, at=store)
    printed = factories.packed_package(session, at=store)
    waiting = factories.package(session, at=store)
    elsewhere = factories.packed_package(session, at=factories.location(session))
    print_room.record_print(session, [printed.id], print_room.LABEL, None)
    session.commit()
    auth.login(role="lead", location=store)

    text = _print_room(client).text
    assert unprinted.number in text
    for hidden in (printed, waiting, elsewhere):
        assert hidden.number not in text
    assert 'href="/documents/print-room"' in text and "aria-current" in text


def test_batch_of_selected_labels_is_one_pdf_with_each_label_and_records(client, session, auth):
    """Printing three selected labels redirects (303) to the batch, which yields one PDF of
    three pages in the order chosen, and records each print with the batch and the lead."""
    store = factories.location(session)
    packages = [factories.packed_package(session, at=store) for _ in range(3)]
    session.commit()
    lead = auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)
    chosen = [packages[2].id, packages[0].id, packages[1].id]

    response = client.post(
        "/documents/print-room/batches",
        data={"csrf_token": token, "document_type": "label", "scope": "selected", "package_ids": chosen},
    )
    assert response.status_code == 303
    batch_page = client.get(response.headers["Location"])
    assert "Download PDF" in batch_page.text

    batch = session.scalar(select(PrintBatch))
    download = client.get(f"/documents/print-room/batches/{batch.id}/batch.pdf")
    assert download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "private"
    pdf = download.data
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    by_id = {p.id: p for p in packages}
    assert [decoded_codes(pdf, page)["QRCode"][0] for page in range(3)] == [
        by_id[package_id].shipment.tracking_url for package_id in chosen
    ]
    records = session.scalars(select(PrintRecord).where(PrintRecord.batch_id == batch.id)).all()
    assert sorted(r.package_id for r in records) == sorted(chosen)
    assert {r.user_id for r in records} == {lead.id}
    assert packages[0].number not in _print_room(client).text


def test_all_packed_today_prints_todays_packed_packages(client, session, auth):
    """ "All packed today" batches every package packed today at the store, printed or not."""
    store = factories.location(session)
    packed = [factories.packed_package(session, at=store) for _ in range(2)]
    print_room.record_print(session, [packed[0].id], print_room.LABEL, None)
    factories.package(session, at=store)
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)
    client.post("/documents/print-room/batches", data={"csrf_token": token, "document_type": "label", "scope": "today"})
    batch = session.scalar(select(PrintBatch))
    assert sorted(batch.package_ids) == sorted(p.id for p in packed)
    assert batch.status == "done" and len(PdfReader(io.BytesIO(batch.pdf)).pages) == 2


def test_packing_slip_batch(client, session, auth):
    """A batch of packing slips gives one A4 page per package."""
    store = factories.location(session)
    packages = [factories.packed_package(session, at=store) for _ in range(2)]
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)
    client.post(
        "/documents/print-room/batches",
        data={"csrf_token": token, "document_type": "packing_slip", "package_ids": [p.id for p in packages]},
    )
    batch = session.scalar(select(PrintBatch))
    pages = PdfReader(io.BytesIO(batch.pdf)).pages
    assert len(pages) == 2 and round(float(pages[0].mediabox.width)) == 595


def test_bad_batch_requests_are_refused_and_create_nothing(client, session, auth):
    """No package chosen, another store's package, or no CSRF token: refused, no batch."""
    store = factories.location(session)
    elsewhere = factories.packed_package(session, at=factories.location(session))
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)

    empty = client.post("/documents/print-room/batches", data={"csrf_token": token, "document_type": "label"})
    assert empty.status_code == 400 and "Choose at least one package." in empty.text
    foreign = client.post(
        "/documents/print-room/batches",
        data={"csrf_token": token, "document_type": "label", "package_ids": [elsewhere.id]},
    )
    assert foreign.status_code == 400 and "not at this stock location" in foreign.text
    no_csrf = client.post(
        "/documents/print-room/batches", data={"document_type": "label", "package_ids": [elsewhere.id]}
    )
    assert no_csrf.status_code == 400
    assert session.scalar(select(PrintBatch)) is None


def test_batch_progress_partial_for_htmx_and_404_for_other_stores(client, session, auth):
    """An htmx poll gets only the progress fragment (Vary: HX-Request); another store's
    batch is 404."""
    store = factories.location(session)
    other = factories.location(session)
    mine = print_batches.create_print_batch(
        session, store.id, [factories.packed_package(session, at=store).id], "label", None
    )
    theirs = print_batches.create_print_batch(
        session, other.id, [factories.packed_package(session, at=other).id], "label", None
    )
    session.commit()
    auth.login(role="lead", location=store)

    fragment = client.get(f"/documents/print-room/batches/{mine.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    [progress] = top_level_elements(fragment.text)
    assert progress["id"] == "batch-progress" and progress["hx-trigger"] == "every 1s"
    assert progress.select_one("progress")["max"] == "1"
    assert "HX-Request" in fragment.headers["Vary"]
    full = parse(client.get(f"/documents/print-room/batches/{mine.id}").text)
    assert full.select_one('head meta[http-equiv="refresh"]') is not None
    assert full.select_one("body #batch-progress progress") is not None
    assert client.get(f"/documents/print-room/batches/{theirs.id}").status_code == 404
    assert client.get(f"/documents/print-room/batches/{mine.id}/batch.pdf").status_code == 404  # not built yet


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _print(client, package, document: str, token: str):
    return client.post(f"/documents/packages/{package.id}/print/{document}", data={"csrf_token": token})


def _printed_counts(client, package) -> list[str]:
    """The print count beside each document on the package's page, as the lead reads it."""
    page = _soup(client.get(f"/documents/packages/{package.id}"))
    return [count.get_text(strip=True) for count in page.select("li.document-row .print-count")]


def test_reprint_from_package_page_counts_prints(client, session, auth):
    """Finding a package by its tracking number leads to its page, where each press of
    Print label adds one to the count ("printed once", "printed 2 times") and the history
    names who printed."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    lead = auth.login(role="lead", location=store)

    found = client.get("/documents/print-room", query_string={"q": package.tracking_number})
    assert f"/documents/packages/{package.id}" in [a["href"] for a in _soup(found).select("a[href]")]
    token = csrf_token_from(found.text)
    assert _printed_counts(client, package)[0] == "not printed yet"
    assert _print(client, package, "label", token).status_code == 303
    assert _printed_counts(client, package)[0] == "printed once"
    _print(client, package, "label", token)
    assert _printed_counts(client, package)[:2] == ["printed 2 times", "not printed yet"]
    history = (
        _soup(client.get(f"/documents/packages/{package.id}")).find("h2", string="Print history").find_parent("section")
    )
    assert [cell.get_text(strip=True) for cell in history.find_all("td", attrs={"data-label": "Who"})] == [
        lead.username
    ] * 2


def test_looking_at_documents_records_no_print(client, session, auth):
    """Opening the label, packing slip and invoice PDFs (and the invoice page) only shows
    them: the print log stays empty and the package still waits for its label."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    invoicing.create_invoice(session, package)
    session.commit()
    auth.login(role="lead", location=store)

    for document in ("label.pdf", "packing-slip.pdf", "invoice.pdf", "invoice.html"):
        assert client.get(f"/documents/packages/{package.id}/{document}").status_code == 200, document
    assert session.scalar(select(func.count(PrintRecord.id))) == 0
    assert _printed_counts(client, package) == ["not printed yet"] * 3
    assert package.number in [a.get_text(strip=True) for a in _soup(_print_room(client)).select(".waiting-table a")]


def test_printing_records_who_printed_what_then_shows_the_pdf(client, session, auth):
    """Print is a POST that writes one print record per press, for the document pressed,
    by the signed-in user, and answers 303 to the PDF; a printed label leaves the waiting list."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    invoicing.create_invoice(session, package)
    session.commit()
    lead = auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)

    for document, document_type, view in (
        ("label", print_room.LABEL, "label.pdf"),
        ("packing-slip", print_room.PACKING_SLIP, "packing-slip.pdf"),
        ("invoice", print_room.INVOICE, "invoice.pdf"),
    ):
        response = _print(client, package, document, token)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/documents/packages/{package.id}/{view}")
        assert client.get(response.headers["Location"]).mimetype == "application/pdf"
        [record] = session.scalars(select(PrintRecord).where(PrintRecord.document_type == document_type)).all()
        assert (record.package_id, record.user_id, record.batch_id) == (package.id, lead.id, None)
    assert not _soup(_print_room(client)).select(".waiting-table")


def test_printing_is_refused_without_csrf_role_store_or_document(client, session, auth):
    """No CSRF token is 400, a picker's invoice is 403, another store's package, an unknown
    document and a label of a package without shipment are 404; none records a print."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    invoicing.create_invoice(session, package)
    elsewhere = factories.packed_package(session, at=factories.location(session))
    session.commit()
    picker = factories.user(session, role="picker", locations=[store])
    session.commit()
    auth.login(picker)
    token = csrf_token_from(client.get("/queue/").text)

    assert client.post(f"/documents/packages/{package.id}/print/label").status_code == 400
    assert _print(client, package, "invoice", token).status_code == 403
    assert _print(client, elsewhere, "label", token).status_code == 404
    assert _print(client, package, "receipt", token).status_code == 404
    assert session.scalar(select(func.count(PrintRecord.id))) == 0
    assert _print(client, package, "label", token).status_code == 303  # a picker may print a label


def test_print_room_rows_show_customer_city_and_carrier_with_labelled_checkboxes(client, session, auth):
    """Each waiting package's row names its customer, destination city and carrier; its
    checkbox sits in a label naming the package; one "Select all" box governs those checkboxes."""
    store = factories.location(session)
    waiting = [factories.packed_package(session, at=store) for _ in range(2)]
    session.commit()
    auth.login(role="lead", location=store)
    page = _soup(_print_room(client))

    headers = [th.get_text(strip=True) for th in page.select(".waiting-table thead th")]
    assert headers[1:6] == ["Package", "Customer", "Destination city", "Carrier", "Packed"]
    rows = page.select(".waiting-table tbody tr")
    assert len(rows) == len(waiting)
    for row, package in zip(rows, waiting, strict=True):
        cells = {td["data-label"]: td for td in row.find_all("td", attrs={"data-label": True})}
        assert cells["Package"].get_text(strip=True) == package.number
        assert cells["Customer"].get_text(strip=True) == "Ayşe Yılmaz"
        assert cells["Destination city"].get_text(strip=True) == "İstanbul"
        assert cells["Carrier"].get_text(" ", strip=True) == f"Test Cargo {package.tracking_number}"
        box = row.find("input", attrs={"type": "checkbox"})
        assert box["name"] == "package_ids" and box["value"] == str(package.id)
        assert box.find_parent("label").get_text(strip=True) == f"Select package {package.number}"
    select_all = page.find("input", attrs={"data-select-all": True})
    assert select_all["data-select-all"] == "package_ids"
    assert select_all.find_parent("label").get_text(strip=True) == "Select all"
    assert select_all.find_parent("form")["id"] == "batch-form"


def test_print_room_columns_and_counts_speak_turkish(client, session, auth):
    """A Turkish lead reads the new columns and the pluralised print count in Turkish."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    lead = factories.user(session, role="lead", locations=[store])
    lead.locale = "tr"
    session.commit()
    auth.login(lead)
    page = _soup(_print_room(client))
    headers = [th.get_text(strip=True) for th in page.select(".waiting-table thead th")]
    assert headers[2:5] == ["Müşteri", "Teslimat şehri", "Kargo firması"]
    token = csrf_token_from(str(page))
    assert _printed_counts(client, package)[0] == "henüz basılmadı"
    _print(client, package, "label", token)
    assert _printed_counts(client, package)[0] == "bir kez basıldı"
    _print(client, package, "label", token)
    assert _printed_counts(client, package)[0] == "2 kez basıldı"


def test_lead_creates_invoice_and_sets_its_number_through_forms(client, session, auth):
    """Create invoice (POST, 303), a 33-character number is a form error that changes
    nothing, a valid one is saved and the invoice PDF is served under its number."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    auth.login(role="lead", location=store)
    page = client.get(f"/documents/packages/{package.id}")
    created = client.post(f"/documents/packages/{package.id}/invoice", data={"csrf_token": csrf_token_from(page.text)})
    assert created.status_code == 303

    page = client.get(f"/documents/packages/{package.id}")
    token = csrf_token_from(page.text)
    too_long = client.post(
        f"/documents/packages/{package.id}/invoice-number", data={"csrf_token": token, "invoice_number": "9" * 33}
    )
    assert too_long.status_code == 400 and "At most 32 characters." in too_long.text
    saved = client.post(
        f"/documents/packages/{package.id}/invoice-number", data={"csrf_token": token, "invoice_number": "INV-77"}
    )
    assert saved.status_code == 303
    pdf = client.get(f"/documents/packages/{package.id}/invoice.pdf")
    assert pdf.headers["Content-Disposition"] == 'inline; filename="invoice-INV-77.pdf"'
    html = client.get(f"/documents/packages/{package.id}/invoice.html")
    assert html.mimetype == "text/html" and "INV-77" in html.text
    # Shown in the browser, the invoice links its stylesheet where it is served and has no
    # inline <style> (the page numbers are the PDF's), which the CSP would block.
    stylesheet = _soup(html).select_one('link[rel="stylesheet"]')["href"]
    assert client.get(stylesheet).mimetype == "text/css" and "<style" not in html.text


def test_lead_sets_the_default_cargo_company_used_for_the_next_pack(client, session, auth):
    """The store's default cargo company chosen in the print room carries the next shipment."""
    store = factories.location(session)
    fast = CargoCompany(name="Fast Cargo", erp_code="fast")
    session.add(fast)
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(_print_room(client).text)
    response = client.post("/documents/print-room/cargo-company", data={"csrf_token": token, "cargo_company": fast.id})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(StockLocation, store.id).default_cargo_company_id == fast.id
    assert (
        factories.packed_package(session, at=session.get(StockLocation, store.id)).shipment.cargo_company_id == fast.id
    )


def test_print_room_speaks_turkish_to_a_turkish_lead(client, session, auth):
    """A lead whose language is Turkish gets the print room's text in Turkish."""
    store = factories.location(session)
    lead = factories.user(session, role="lead", locations=[store])
    lead.locale = "tr"
    factories.packed_package(session, at=store)
    session.commit()
    auth.login(lead)
    text = _print_room(client).text
    assert "Baskı odası" in text and "Bekleyenlerin hepsini yazdır" in text and "Kargo ayarları" in text


def test_lead_updates_the_shipment_and_the_label_follows(client, session, auth):
    """The shipment form changes the tracking number (303) and the stored label is
    re-rendered with it; a number another package uses is a form error that changes nothing."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    other = factories.packed_package(session, at=store)
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(client.get(f"/documents/packages/{package.id}").text)
    url = f"/documents/packages/{package.id}/shipment"

    taken = client.post(
        url, data={"csrf_token": token, "shipping_company": "test-cargo", "tracking_number": other.tracking_number}
    )
    assert taken.status_code == 400 and "belongs to another package" in taken.text
    moved = client.post(url, data={"csrf_token": token, "shipping_company": "test-cargo", "tracking_number": "TC-555"})
    assert moved.status_code == 303
    label = client.get(f"/documents/packages/{package.id}/label.pdf").data
    assert "TC-555" in decoded_codes(label)["Code128"]


def test_a_failed_batch_can_be_tried_again_and_then_builds(client, session, auth):
    """A failed batch shows Try again; posting it rebuilds the batch into its PDF. A batch
    that did not fail is not restarted, and another store's batch is 404."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    failed = print_batches.create_print_batch(session, store.id, [package.id], "label", None)
    failed.status, failed.error = "failed", "printer spool full"
    other = factories.location(session)
    theirs = print_batches.create_print_batch(
        session, other.id, [factories.packed_package(session, at=other).id], "label", None
    )
    theirs.status = "failed"
    session.commit()
    auth.login(role="lead", location=store)

    page = client.get(f"/documents/print-room/batches/{failed.id}").text
    assert "The batch failed." in page and "Try again" in page
    token = csrf_token_from(page)
    retried = client.post(f"/documents/print-room/batches/{failed.id}/retry", data={"csrf_token": token})
    assert retried.status_code == 303 and retried.headers["Location"].endswith(
        f"/documents/print-room/batches/{failed.id}"
    )
    session.expire_all()
    assert failed.status == "done" and failed.error is None
    assert len(PdfReader(io.BytesIO(failed.pdf)).pages) == 1

    again = client.post(
        f"/documents/print-room/batches/{failed.id}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Only a failed batch can be started again." in again.text
    assert (
        client.post(f"/documents/print-room/batches/{theirs.id}/retry", data={"csrf_token": token}).status_code == 404
    )
    assert client.post(f"/documents/print-room/batches/{failed.id}/retry").status_code == 400  # no CSRF token


def test_a_batch_that_fails_midway_keeps_its_progress_and_its_reason(session, monkeypatch):
    """The job commits a batch's progress as it goes; when a document cannot be made the batch
    is committed as failed, with the reason and the progress so far, nothing recorded as
    printed, and the error raised for the queue to see."""
    store = factories.location(session)
    packages = [factories.packed_package(session, at=store) for _ in range(3)]
    batch = print_batches.create_print_batch(session, store.id, [p.id for p in packages], "packing_slip", None)
    session.commit()
    render = print_batches.render_packing_slip_pdf

    def fail_on_the_last(package):
        if package.id == packages[-1].id:
            raise RuntimeError("printer template missing")
        return render(package)

    monkeypatch.setattr(print_batches, "render_packing_slip_pdf", fail_on_the_last)
    with pytest.raises(RuntimeError):
        tasks.build_batch(session, batch.id, progress_every=1)
    session.rollback()
    session.expire_all()
    assert (batch.status, batch.done, batch.error) == (BatchStatus.FAILED, 2, "printer template missing")
    assert batch.pdf is None
    assert session.scalar(select(func.count(PrintRecord.id))) == 0


def test_batch_status_is_stored_as_the_text_it_always_was(session):
    """A batch's status reads as a BatchStatus and is stored as its old text ("done"), so rows
    written before the enum read back unchanged."""
    store = factories.location(session)
    batch = print_batches.create_print_batch(
        session, store.id, [factories.packed_package(session, at=store).id], "label", None
    )
    session.commit()
    tasks.build_batch(session, batch.id)
    stored = session.execute(text("SELECT status FROM print_batch WHERE id = :id"), {"id": batch.id}).scalar_one()
    assert stored == "done"
    session.execute(text("UPDATE print_batch SET status = 'failed' WHERE id = :id"), {"id": batch.id})
    session.commit()
    assert session.get(PrintBatch, batch.id, populate_existing=True).status is BatchStatus.FAILED
