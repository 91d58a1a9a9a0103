"""The admin screens in a real browser: an admin creates a picker for one store, the picker
signs in with the one-time password, chooses their own and sees only that store's queue;
the admin deactivates them and their open session ends; the audit log shows each change.
Every admin screen meets the floor rules in English and Turkish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from packing.core.models import ImportRun, ImportStatus, ProductPackaging, Role
from tests import factories
from tests.e2e.floor import assert_floor

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "kargo-masasi-7"


def test_admin_creates_a_picker_who_works_one_store_until_deactivated(
    page, browser, browser_context_args, live_server, sign_in, session
):
    """Create → first sign-in with the one-time password → own password → only their store's
    queue → deactivated while signed in → sent to sign-in; the audit log lists all three."""
    kadikoy, besiktas = factories.location(session, name="Kadıköy"), factories.location(session, name="Beşiktaş")
    mine, theirs = factories.package(session, at=kadikoy), factories.package(session, at=besiktas)
    session.commit()

    sign_in(role="admin")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("yeni.picker")
    page.get_by_label("Role").select_option("picker")
    page.get_by_label(f"Kadıköy ({kadikoy.erp_code})").check()
    page.get_by_role("button", name="Save").click()
    one_time = page.get_by_label("One-time password").input_value()
    assert len(one_time) == 19

    picker_context = browser.new_context(**browser_context_args)
    picker = picker_context.new_page()
    picker.goto(f"{live_server.url}/auth/login")
    picker.get_by_label("Username").fill("yeni.picker")
    picker.get_by_label("Password").fill(one_time)
    picker.get_by_role("button", name="Sign in").click()
    expect(picker.get_by_role("heading", name="Change password")).to_be_visible()
    picker.get_by_label("Current password").fill(one_time)
    picker.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    picker.get_by_label("New password again").fill(NEW_PASSWORD)
    picker.get_by_role("button", name="Change password").click()
    picker.get_by_label("Username").fill("yeni.picker")
    picker.get_by_label("Password").fill(NEW_PASSWORD)
    picker.get_by_role("button", name="Sign in").click()
    picker.wait_for_url("**/queue/")
    expect(picker.get_by_text(mine.number)).to_be_visible()
    expect(picker.get_by_text(theirs.number)).to_have_count(0)

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Edit yeni.picker").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("User yeni.picker deactivated; their sessions ended.")).to_be_visible()

    picker.reload()
    expect(picker.get_by_role("button", name="Sign in")).to_be_visible()
    picker_context.close()

    page.get_by_role("link", name="Audit log").click()
    log = page.locator("#audit-table")
    for action in ("User created", "Own password changed", "User deactivated"):
        expect(log.get_by_role("row").filter(has_text=action).filter(has_text="yeni.picker")).to_have_count(1)


def test_admin_adds_and_removes_a_case_barcode(page, live_server, sign_in, session):
    """Find the product by its barcode → a taken barcode is refused beside its field (the
    page still meets the floor) → a case of 6 is added → removed; the audit log lists both."""
    shirt = factories.product(session, name="Oxford shirt")
    taken = factories.product(session)
    session.commit()

    sign_in(role="admin")
    page.goto(f"{live_server.url}/admin/users")
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Case barcodes").click()
    page.get_by_label("SKU, barcode or name").fill(shirt.barcode)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"Case barcodes {shirt.sku}").click()
    expect(page.get_by_role("heading", name="Oxford shirt")).to_be_visible()

    page.get_by_label("Case barcode", exact=True).fill(taken.barcode)
    page.get_by_label("Units in the case").fill("6")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#barcode-error")).to_contain_text(f"Barcode {taken.barcode} is taken")
    for viewport in ({"width": 768, "height": 1024}, {"width": 1024, "height": 768}):
        page.set_viewport_size(viewport)
        assert_floor(page)

    page.get_by_label("Case barcode", exact=True).fill("CASE-OXF-6")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Case barcode CASE-OXF-6 added: one scan counts 6 units.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="CASE-OXF-6")
    expect(row).to_contain_text("6")
    row.get_by_role("button", name="Remove CASE-OXF-6").click()
    expect(page.get_by_text("Case barcode CASE-OXF-6 removed.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="CASE-OXF-6")).to_have_count(0)

    page.get_by_role("link", name="Audit log").click()
    log = page.locator("#audit-table")
    for action in ("Case barcode added", "Case barcode removed"):
        expect(log.get_by_role("row").filter(has_text=action).filter(has_text=shirt.sku)).to_have_count(1)


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_the_admin_screens_meet_the_floor_rules(page, live_server, sign_in, session, locale):
    """Users, stock locations and carriers (lists and forms, a carrier's with its ZPL dpi),
    case barcodes (search and a product's cases), commands, the audit log, the password form and
    imports (with a refused run's page): axe-clean, no sideways scroll and 44 px targets on a
    tablet upright and sideways, in English and Turkish."""
    store = factories.location(session)
    admin = factories.user(session, role=Role.ADMIN, locations=[store])
    admin.locale = locale
    picker = factories.user(session, locations=[store])
    carrier = factories.cargo_company(session)
    shirt = factories.product(session, name="Oxford shirt")
    shirt.attributes = {"packaging_barcodes": [{"barcode": "CASE-OXF-6", "quantity": 6}]}
    session.add_all(
        [
            ProductPackaging(product_id=shirt.id, barcode="CASE-OXF-6", quantity=6),
            ProductPackaging(product_id=shirt.id, barcode="CASE-OXF-24-" + "9" * 40, quantity=24),
        ]
    )
    refused = ImportRun(
        username=admin.username,
        filename="oms-export-2026-12-03-kadikoy-moda-caddesi.json",
        status=ImportStatus.FAILED,
        total=1000,
        refusals=[{"path": "results[999].packageitem_set[0].order_item.product.sku", "reason": "Required."}],
        left_as_they_are=[["2236630000000015P1", "Packed already: left as it is."]],
    )
    session.add(refused)
    session.commit()
    sign_in(admin)
    for path in (
        "/admin/users",
        f"/admin/users/{picker.id}/edit",
        "/admin/users/new",
        "/admin/locations",
        "/admin/locations/new",
        f"/admin/locations/{store.id}/edit",
        "/admin/carriers",
        "/admin/carriers/new",
        f"/admin/carriers/{carrier.id}/edit",
        f"/admin/products?q={shirt.sku}",
        "/admin/products?q=nothing-matches",
        f"/admin/products/{shirt.id}/cases",
        "/admin/commands",
        "/admin/audit",
        "/account/password",
        "/imports/",
        f"/imports/{refused.id}",
    ):
        page.goto(f"{live_server.url}{path}")
        for viewport in ({"width": 768, "height": 1024}, {"width": 1024, "height": 768}):
            page.set_viewport_size(viewport)
            assert_floor(page)
