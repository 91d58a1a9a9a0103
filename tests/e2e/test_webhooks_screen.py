"""The Webhooks admin screen in a real browser, against a real subscriber on 127.0.0.1."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from packing.core import webhooks
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.events import PACKED
from tests import factories
from tests.webhooks_support import SECRET, poll

pytestmark = pytest.mark.e2e

HTMX_AT_WORK = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def test_an_admin_subscribes_deactivates_and_redelivers(page, live_server, sign_in, session, receiver):
    """An admin creates a subscription with the form, switches it off and on in place (htmx),
    and redelivers a failed event from the delivery log; the subscriber gets it signed."""
    sign_in(role="admin")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Target URL").fill(receiver.url)
    page.get_by_label(PACKED).check()
    page.get_by_label("Secret key").fill(SECRET)
    page.get_by_label("Retries before giving up").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name=receiver.url, exact=True)).to_be_visible()

    page.get_by_role("button", name=f"Deactivate {receiver.url}").click()
    expect(page.get_by_role("button", name=f"Activate {receiver.url}")).to_be_visible()
    expect(page.locator(HTMX_AT_WORK)).to_have_count(0)  # the swapped row has settled
    page.get_by_role("button", name=f"Activate {receiver.url}").click()
    expect(page.get_by_role("button", name=f"Deactivate {receiver.url}")).to_be_visible()

    package = factories.package(session)
    session.commit()
    receiver.down_for(1)
    with transaction(session):
        execute_command(session, package.id, "package__complete_packaging__waiting__packed-all-items")
    poll()
    [hook] = webhooks.list_webhooks(session)
    assert hook.max_retries == 0

    page.get_by_role("link", name="Delivery log").click()
    expect(page.get_by_role("cell", name="failed", exact=True)).to_be_visible()
    page.get_by_role("button", name="Redeliver event").first.click()
    expect(page.get_by_role("cell", name="delivered", exact=True)).to_be_visible()
    assert len(receiver.delivered) == 1 and receiver.delivered[0].signature_valid
