"""The packing station in a real browser: a picker scans with a keyboard wedge (keys + Enter
into the focused field) and packs, marks out of stock, refuses, and scans at scanner speed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from packing.core.catalogue import PackageStatus
from packing.core.models import Package, Scan
from tests import factories

pytestmark = pytest.mark.e2e

TABLET = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]


def _wedge(page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def _open_first_waiting(page, session, products, **order_fields):
    store = factories.location(session)
    package = factories.package(session, at=store, products=products, **order_fields)
    session.commit()
    return store, package


def _start(page, sign_in, store, package):
    sign_in(location=store)
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    page.get_by_role("button", name=f"Open {package.number}").click()
    expect(page.get_by_role("heading", name=f"Package {package.number}")).to_be_visible()
    scan = page.get_by_role("textbox", name="Scan")
    expect(scan).to_be_focused()
    return scan


def _state(session, package) -> str:
    session.expire_all()
    return session.get(Package, package.id).state.enum_value


def test_a_picker_scans_every_item_sees_a_wrong_item_refused_and_packs(page, live_server, sign_in, session):
    """Open the first waiting package from the queue, scan all units, see a wrong item refused, pack."""
    shirt, jeans = factories.product(session, name="Crew T-Shirt"), factories.product(session, name="Slim Jeans")
    stranger = factories.product(session, name="Wool Scarf")
    store, package = _open_first_waiting(page, session, [shirt, shirt, jeans])
    scan = _start(page, sign_in, store, package)
    pack = page.get_by_role("button", name="Pack", exact=True)
    expect(pack).to_be_disabled()

    _wedge(page, shirt.barcode)
    expect(page.get_by_text("Scanned 1 of 3")).to_be_visible()
    expect(scan).to_have_value("")
    expect(scan).to_be_focused()

    _wedge(page, stranger.barcode)
    refusal = page.get_by_role("alert").filter(has_text="Wrong item, not counted")
    expect(refusal).to_contain_text("Wool Scarf")
    expect(page.get_by_text("Scanned 1 of 3")).to_be_visible()

    _wedge(page, shirt.barcode)
    _wedge(page, jeans.barcode)
    expect(page.get_by_text("Scanned 3 of 3")).to_be_visible()
    expect(pack).to_be_enabled()
    pack.click()
    expect(page.get_by_text("This package is Packed.")).to_be_visible()
    expect(page.get_by_role("button", name="Next package")).to_be_visible()
    assert _state(session, package) == PackageStatus.PACKED.value


@pytest.mark.parametrize("size", TABLET, ids=["portrait", "landscape"])
def test_a_picker_marks_the_missing_item_out_of_stock_and_packs_the_rest(page, live_server, sign_in, session, size):
    """Out of stock starts with nothing ticked; "Mark all unscanned" ticks the missing unit; after
    confirming it still shows, marked, and the scanned rest can be packed (upright and sideways)."""
    page.set_viewport_size(size)
    shirt, belt = factories.product(session, name="Crew T-Shirt"), factories.product(session, name="Leather Belt")
    store, package = _open_first_waiting(page, session, [shirt, belt])
    _start(page, sign_in, store, package)
    _wedge(page, shirt.barcode)
    expect(page.get_by_text("Scanned 1 of 2")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the command bar refreshes after a scan; tap once it has

    page.get_by_role("button", name="Out of stock", exact=True).click()
    expect(page.get_by_role("checkbox", name="Leather Belt")).not_to_be_checked()
    page.get_by_role("link", name="Mark all unscanned").click()
    expect(page.get_by_role("checkbox", name="Leather Belt")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Crew T-Shirt")).not_to_be_checked()
    page.get_by_role("button", name="Confirm: Out of stock").click()
    expect(page.get_by_text("State: Contains Out of Stock Products")).to_be_visible()
    expect(page.get_by_text("Scanned 1 of 1")).to_be_visible()
    expect(page.locator(".item.set-aside").filter(has_text="Leather Belt")).to_contain_text("Out of Stock")
    assert _state(session, package) == PackageStatus.CONTAINS_OUT_OF_STOCK.value

    page.get_by_role("button", name="Pack", exact=True).click()
    expect(page.get_by_text("This package is Packed.")).to_be_visible()


def test_a_picker_refuses_a_package_with_a_reason(page, live_server, sign_in, session):
    """Refuse asks for a reason from the configured list and moves the package to Requires Replan."""
    store, package = _open_first_waiting(page, session, [factories.product(session)])
    _start(page, sign_in, store, package)
    page.get_by_role("button", name="Refuse Package").click()
    page.get_by_role("radio", name="Product is damaged").check()
    page.get_by_role("button", name="Confirm: Refuse Package").click()
    expect(page.get_by_text("This package is Requires Replan.")).to_be_visible()
    assert _state(session, package) == PackageStatus.REQUIRES_REPLAN.value


def test_twenty_scans_thirty_ms_apart_all_count_in_order(page, live_server, sign_in, session):
    """Twenty wedge scans fired 30 ms apart are all counted, none lost, in the order they were made."""
    products = [factories.product(session, name=f"Sock pack {n}") for n in range(4)]
    units = [p for p in products for _ in range(5)]
    store, package = _open_first_waiting(page, session, units)
    _start(page, sign_in, store, package)
    sent = [products[n % 4].barcode for n in range(20)]
    for code in sent:
        _wedge(page, code)
        page.wait_for_timeout(30)
    expect(page.get_by_text("Scanned 20 of 20")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Pack", exact=True)).to_be_enabled()
    session.expire_all()
    recorded = list(session.scalars(select(Scan.barcode).where(Scan.package_id == package.id).order_by(Scan.id)))
    assert recorded == sent
