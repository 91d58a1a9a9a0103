"""The print room in a real browser, with a real task-queue worker building the batch."""

from __future__ import annotations

import io

import pytest
from huey.storage import SqliteStorage
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from packing.core import labels, shipping
from packing.core.models import PrintBatch, PrintRecord
from packing.jobs import huey
from tests import factories

pytestmark = pytest.mark.e2e

# Two progress steps (the worker commits its progress every 20 documents) and a PDF of many
# pages prove what 200 would, in a fifth of the time.
BATCH_SIZE = 40


@pytest.fixture
def queue_worker(app, tmp_path):
    """A Huey consumer thread on its own queue file, instead of the tests' immediate mode."""
    huey.immediate = False
    huey.storage = SqliteStorage(huey.name, filename=str(tmp_path / "queue.db"))
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    yield consumer
    consumer.stop(graceful=True)
    huey.immediate = True


def _packed_with_stored_labels(session, store, count: int) -> list:
    """``count`` packed packages whose labels are stored (one real render, copied), as the
    queue leaves them after a day's packing."""
    packages = [factories.packed_package(session, at=store) for _ in range(count)]
    shipping.take_labels_to_render(session)
    pdf = labels.render_label_pdf(packages[0])
    for package in packages:
        labels.store_label(session, package, pdf)
    session.commit()
    return packages


def test_a_lead_prints_a_batch_of_labels_as_one_pdf_with_progress(page, live_server, sign_in, session, queue_worker):
    """The lead prints every waiting label: the batch page shows a progress bar that the
    worker fills while htmx polls, then a download of one PDF with a page per label."""
    store = factories.location(session)
    _packed_with_stored_labels(session, store, BATCH_SIZE)
    sign_in(role="lead", location=store)

    page.get_by_role("link", name="Print room", exact=True).click()
    expect(page.get_by_role("heading", name=f"Packed, label not printed yet ({BATCH_SIZE})")).to_be_visible()
    page.get_by_role("button", name="Print all waiting").click()

    progress = page.get_by_role("progressbar", name="Print progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("max", str(BATCH_SIZE))
    download = page.get_by_role("link", name="Download PDF")
    expect(download).to_be_visible(timeout=120_000)
    expect(progress).to_have_attribute("value", str(BATCH_SIZE))
    expect(page.get_by_role("status")).to_have_text(f"Ready: {BATCH_SIZE} of {BATCH_SIZE} documents.")

    response = page.request.get(live_server.url + download.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.body())).pages) == BATCH_SIZE

    page.get_by_role("link", name="Print room", exact=True).click()
    expect(page.get_by_text("Every packed package here has its label printed.")).to_be_visible()


def test_a_picker_prints_the_label_of_a_packed_package(page, live_server, sign_in, session):
    """A picker opening a packed package's label URL gets the PDF in the browser."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    sign_in(role="picker", location=store)
    response = page.request.get(f"{live_server.url}/documents/packages/{package.id}/label.pdf")
    assert response.status == 200
    assert response.headers["content-disposition"] == f'inline; filename="label-{package.number}.pdf"'


TABLET = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]


@pytest.mark.parametrize("size", TABLET, ids=["portrait", "landscape"])
def test_select_all_ticks_every_waiting_package_for_one_batch(page, live_server, sign_in, session, size):
    """ "Select all" ticks every waiting package; unticking one leaves it half-ticked; ticked
    again, Print selected batches all of them."""
    page.set_viewport_size(size)
    store = factories.location(session)
    packages = _packed_with_stored_labels(session, store, 3)
    sign_in(role="lead", location=store)
    page.goto(f"{live_server.url}/documents/print-room")

    select_all = page.get_by_label("Select all")
    select_all.check()
    for package in packages:
        expect(page.get_by_label(f"Select package {package.number}")).to_be_checked()
    page.get_by_label(f"Select package {packages[1].number}").uncheck()
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("(box) => box.indeterminate")
    select_all.check()
    page.get_by_role("button", name="Print selected").click()

    expect(page.get_by_role("status")).to_have_text("Ready: 3 of 3 documents.")
    session.expire_all()
    batch = session.scalars(select(PrintBatch)).one()
    assert batch.package_ids == [package.id for package in packages]


@pytest.mark.parametrize("size", TABLET, ids=["portrait", "landscape"])
def test_print_label_opens_the_pdf_and_records_one_print(page, live_server, sign_in, session, size):
    """A row's Print label opens the label in a new tab and records one print by the lead;
    the package then leaves the waiting list."""
    page.set_viewport_size(size)
    store = factories.location(session)
    package, other = _packed_with_stored_labels(session, store, 2)
    lead = sign_in(role="lead", location=store)
    page.goto(f"{live_server.url}/documents/print-room")

    with page.expect_popup() as popup:
        page.get_by_role("button", name=f"Print label {package.number}").click()
    popup.value.wait_for_url(f"**/documents/packages/{package.id}/label.pdf")
    session.expire_all()
    records = session.scalars(select(PrintRecord)).all()
    assert [(r.package_id, r.document_type, r.user_id) for r in records] == [(package.id, "label", lead.id)]
    page.reload()
    expect(page.get_by_role("link", name=other.number)).to_be_visible()
    expect(page.get_by_role("link", name=package.number)).to_have_count(0)


def test_without_javascript_select_all_is_hidden_and_print_all_waiting_does_it(browser, live_server, session):
    """With scripts off there is no dead "Select all" box; Print all waiting batches every
    waiting package instead."""
    store = factories.location(session)
    packages = _packed_with_stored_labels(session, store, 2)
    lead = factories.user(session, role="lead", locations=[store])
    session.commit()
    context = browser.new_context(java_script_enabled=False, viewport=TABLET[0])
    page = context.new_page()
    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/documents/print-room")

    expect(page.get_by_label(f"Select package {packages[0].number}")).to_be_visible()
    expect(page.get_by_label("Select all")).to_be_hidden()
    page.get_by_role("button", name="Print all waiting").click()
    expect(page.get_by_text("Ready: 2 of 2 documents.")).to_be_visible()
    context.close()
