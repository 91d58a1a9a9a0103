"""The API tokens screen in a real browser: an admin issues a key and revokes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from packing.core.models import Role
from tests import factories

pytestmark = pytest.mark.e2e


def test_an_admin_issues_a_key_that_works_then_revokes_it(page, live_server, sign_in, session):
    """The key shown once calls the API; after Revoke (htmx, confirmed) the API refuses it."""
    store = factories.location(session, erp_code="E2E-1")
    factories.user(session, role=Role.LEAD, locations=[store], username="e2e-erp")
    session.commit()
    sign_in(role=Role.ADMIN)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("User").select_option(label="e2e-erp (lead)")
    page.get_by_label("Name").fill("Browser ERP")
    page.get_by_role("checkbox", name=f"{store.name} (E2E-1)").check()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Key").input_value()
    assert len(key) > 30
    answer = page.request.get(f"{live_server.url}/api/v1/oms/packages/", headers={"Authorization": f"Token {key}"})
    assert answer.status == 200

    page.on("dialog", lambda dialog: dialog.accept())
    row = page.get_by_role("row", name="e2e-erp")
    row.get_by_role("button", name="Revoke").click()
    expect(row.get_by_role("cell", name="Revoked")).to_be_visible()
    refused = page.request.get(f"{live_server.url}/api/v1/oms/packages/", headers={"Authorization": f"Token {key}"})
    assert refused.status == 401
