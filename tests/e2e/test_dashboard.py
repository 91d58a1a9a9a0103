"""The shift lead's dashboard on a tablet: upright (768x1024) and sideways (1024x768) it fits
the floor rules in English and Turkish, its tiles lead to the work they count, and it
refreshes itself through htmx."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.dashboard_support import PACK, PREPARE, REFUSE, run_at
from tests.e2e.floor import assert_floor

pytestmark = pytest.mark.e2e

UPRIGHT, SIDEWAYS = {"width": 768, "height": 1024}, {"width": 1024, "height": 768}

TEXT = {
    "en": {
        "heading": "Dashboard",
        "overdue": "Overdue",
        "report": "Who packed what",
        "only": "Showing overdue packages only.",
    },
    "tr": {
        "heading": "Pano",
        "overdue": "Gecikmiş",
        "report": "Kim neyi paketledi",
        "only": "Yalnızca gecikmiş paketler gösteriliyor.",
    },
}


def _store_with_a_day(session, locale: str):
    """An Istanbul store with packs today by two pickers, one held, one overdue, a refusal."""
    store = factories.location(session, name="Kadıköy")
    store.time_zone = "Europe/Istanbul"
    pickers = [factories.user(session, locations=[store], username=name) for name in ("ayşe", "mehmet")]
    lead = factories.user(session, role="lead", locations=[store])
    lead.locale = locale
    now = datetime.now(UTC)
    for minutes_ago, picker in ((50, pickers[0]), (35, pickers[1]), (20, pickers[0])):
        package = factories.package(
            session, at=store, products=[factories.product(session), factories.product(session)]
        )
        run_at(session, package, PREPARE, now - timedelta(minutes=minutes_ago + 9), picker)
        run_at(session, package, PACK, now - timedelta(minutes=minutes_ago), picker)
    refused = factories.package(session, at=store)
    run_at(session, refused, PREPARE, now - timedelta(minutes=15), pickers[1])
    run_at(session, refused, REFUSE, now - timedelta(minutes=14), pickers[1], denial_reason="damaged")
    held = factories.package(session, at=store)
    run_at(session, held, PREPARE, now - timedelta(minutes=3), pickers[1])
    overdue = factories.package(session, at=store, target_packing_date=now - timedelta(hours=2))
    factories.package(session, at=store)
    session.commit()
    return store, lead, pickers, overdue


def _assert_floor_at_both_sizes(page) -> None:
    for viewport in SIDEWAYS, UPRIGHT:
        page.set_viewport_size(viewport)
        assert_floor(page)


def _kpi(page, name: str) -> int:
    return int(page.locator(f'[data-kpi="{name}"]').get_attribute("data-value"))


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_the_dashboard_fits_a_tablet_and_a_tile_opens_its_packages(page, live_server, sign_in, session, locale):
    """At 768x1024 and 1024x768 the dashboard and its report have no axe violation, no sideways
    scroll, 44 px targets; the Overdue tile opens the queue showing the overdue package only."""
    _store, lead, _pickers, overdue = _store_with_a_day(session, locale)
    words = TEXT[locale]
    sign_in(lead)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["heading"])
    assert page.viewport_size == UPRIGHT
    assert _kpi(page, "packed_today") == 3 and _kpi(page, "preparing") == 1 and _kpi(page, "overdue") == 1
    expect(page.locator("svg.chart")).to_have_count(4)
    _assert_floor_at_both_sizes(page)

    page.locator('[data-kpi="overdue"]').click()
    expect(page).to_have_url(re.compile(r"/queue/\?overdue=1$"))
    expect(page.get_by_text(words["only"])).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=overdue.number)).to_be_visible()
    expect(page.locator("#queue-list tbody tr")).to_have_count(1)

    page.go_back()
    page.get_by_role("link", name=words["report"]).click()
    expect(page.locator("tr[data-package]")).to_have_count(3)
    _assert_floor_at_both_sizes(page)


def test_the_dashboard_refreshes_through_htmx(page, live_server, sign_in, session):
    """A pack after the page loaded shows up on Refresh without a page load (the same
    partial the 30 s poll fetches)."""
    store, lead, pickers, _overdue = _store_with_a_day(session, "en")
    sign_in(lead)
    page.goto(f"{live_server.url}/dashboard/")
    assert _kpi(page, "packed_today") == 3
    page.evaluate("() => { window.notReloaded = true; }")
    package = factories.package(session, at=store)
    run_at(session, package, PREPARE, datetime.now(UTC) - timedelta(minutes=4), pickers[1])
    run_at(session, package, PACK, datetime.now(UTC), pickers[1])
    session.commit()
    page.get_by_role("link", name="Refresh").click()
    expect(page.locator('[data-kpi="packed_today"]')).to_have_attribute("data-value", "4")
    assert page.evaluate("() => window.notReloaded === true")
