"""The queue in a real browser: a scanned order number opens its package, and the list
refreshes itself when another picker claims a package."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from packing.core.db import transaction
from packing.core.scanning import run_station_command
from tests import factories

pytestmark = pytest.mark.e2e

PREPARE = "package__prepare_package_command__waiting__preparing"
TABLET = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]


@pytest.mark.parametrize("size", TABLET, ids=["portrait", "landscape"])
def test_scanning_an_order_number_on_the_queue_opens_that_package(page, live_server, sign_in, session, size):
    """With nothing clicked, a wedge scan of an order number into the queue's focused scan
    field opens and claims its package, upright and sideways."""
    page.set_viewport_size(size)
    store = factories.location(session)
    factories.package(session, at=store)
    wanted = factories.package(session, at=store)
    session.commit()
    sign_in(location=store)
    expect(page.get_by_role("textbox", name="Scan")).to_be_focused()
    page.keyboard.type(wanted.order.number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Package {wanted.number}")).to_be_visible()
    expect(page.get_by_text("State: Preparing")).to_be_visible()


def test_the_queue_shows_a_claim_by_another_picker_without_reloading(page, live_server, sign_in, session):
    """When a second picker claims a package, the open queue shows their name by polling."""
    store = factories.location(session)
    package = factories.package(session, at=store)
    other = factories.user(session, locations=[store])
    session.commit()
    sign_in(location=store)
    row = page.get_by_role("row").filter(has_text=package.number)
    expect(row).to_contain_text("Waiting")
    with transaction(session):
        run_station_command(session, package.id, PREPARE, {}, other)
    expect(row).to_contain_text(other.username, timeout=12_000)
    expect(row).to_contain_text("Preparing")
