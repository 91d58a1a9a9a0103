"""The floor on every screen but the station's scanning flow (which has its own tests): as
picker, lead and admin, in English and Turkish, on a tablet held upright (768x1024) and
sideways (1024x768), each page passes axe-core with no violation, fits the width, and has no
target under 44 px; so do the error pages.

One signed-in page per role and language walks all of that role's screens at both sizes,
and every problem found is reported at once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError

from packing.core import invoicing, labels, print_batches, print_room, printers, shipping
from packing.core.api_tokens import create_token
from packing.core.catalogue import PackageStatus, available_commands
from packing.core.models import PrintJob, Webhook, WebhookEvent
from packing.core.scanning import ITEMS, REASON, STATION_COMMANDS
from packing.documents import tasks
from tests import factories
from tests.e2e.floor import floor_problems

pytestmark = pytest.mark.e2e

VIEWPORTS = ({"width": 768, "height": 1024}, {"width": 1024, "height": 768})
ACCEPT_LANGUAGE = {"en": "en-GB", "tr": "tr-TR"}


@pytest.fixture(params=["en", "tr"])
def language(request):
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, language):
    """The tablet's browser speaks the language too, so the sign-in page is in it."""
    return {**browser_context_args, "locale": ACCEPT_LANGUAGE[language]}


@pytest.fixture
def store_day(session):
    """A store in the middle of a shift: a full queue (overdue, held, click & collect, gift
    box, long numbers, a second page), packed packages waiting for labels, one with an
    invoice, a finished label batch, a webhook with failed deliveries and an API token."""
    store = factories.location(session, name="Kadıköy Moda Caddesi Mağazası")
    other = factories.location(session, name="Ankara Kızılay")
    picker = factories.user(session, role="picker", locations=[store])
    now = datetime.now(UTC)
    for n in range(27):
        factories.package(
            session,
            at=store,
            products=[factories.product(session, name="Organic Cotton Crew Neck T-Shirt")] * (1 + n % 3),
            target_packing_date=now + timedelta(hours=n - 3),
            delivery_type="same_day" if n % 4 == 0 else "standard",
            is_click_and_collect=n % 5 == 0,
            has_gift_box=n % 6 == 0,
        )
    held = factories.package(session, at=store, status=PackageStatus.PREPARING)
    held.holder_id = picker.id
    packed = [factories.packed_package(session, at=store) for _ in range(3)]
    shipping.take_labels_to_render(session)
    pdf = labels.render_label_pdf(packed[0])
    for package in packed:
        labels.store_label(session, package, pdf)
    invoicing.create_invoice(session, packed[0])
    batch = print_batches.create_print_batch(session, store.id, [packed[1].id], print_room.LABEL, None)
    session.commit()
    tasks.build_batch(session, batch.id)

    hook = Webhook(
        target_url="https://erp.example-retailer.com.tr/integrations/oms/webhooks/packing-station/receive",
        event_type="package.state_changed",
        event_types=["package.state_changed", "package.packed", "package.created", "package.label_ready"],
    )
    session.add(hook)
    session.flush()
    session.add(
        WebhookEvent(
            webhook_id=hook.id,
            event_type="package.state_changed",
            object_id=packed[0].id,
            status="failed",
            retry_count=3,
            response_http_status=503,
            response_content="Service Unavailable: upstream connect error or disconnect/reset before headers " * 3,
            request_datetimes=[now.isoformat()] * 4,
        )
    )
    integrator = factories.user(session, role="picker", locations=[store, other], username="erp-integration")
    create_token(session, integrator, [store.erp_code, other.erp_code], name="ERP nightly sync")
    printer = printers.save_printer(
        session, store.id, name="Zebra ZD421 packing bench", kind=printers.RAW, host="10.20.30.41", print_on_pack=True
    )
    session.add(
        PrintJob(
            printer_id=printer.id,
            package_id=packed[0].id,
            document_type=print_room.LABEL,
            status=printers.FAILED,
            attempts=3,
            error="Zebra ZD421 packing bench at 10.20.30.41:9100 did not take the document: Connection refused",
        )
    )
    session.commit()
    return {
        "store": store,
        "other": other,
        "picker": picker,
        "held": held,
        "held_panels": [
            transition.id
            for transition in available_commands(session, held)
            if STATION_COMMANDS.get(transition.command) in (REASON, ITEMS)
        ],
        "packed": packed,
        "batch": batch,
        "hook": hook,
        "printer": printer,
    }


def _screens(role: str, day: dict) -> list[str]:
    if role == "picker":
        # The held package's page as a page load shows it, and its panels as a browser
        # without JavaScript gets them (a section of the page, not a dialog).
        station = f"/station/packages/{day['held'].id}"
        return ["/queue/", station, *(f"{station}?command={tid}" for tid in day["held_panels"]), "/auth/account"]
    if role == "lead":
        package = day["packed"][0]
        return [
            "/queue/",
            "/documents/print-room",
            f"/documents/print-room?q={package.number}",
            f"/documents/packages/{package.id}",
            f"/documents/packages/{package.id}/invoice.html",
            f"/documents/print-room/batches/{day['batch'].id}",
            "/printers/",
            f"/printers/{day['printer'].id}",
            "/auth/account",
        ]
    return [
        "/tokens/",
        "/webhooks/",
        "/webhooks/new",
        f"/webhooks/{day['hook'].id}/edit",
        "/webhooks/events",
        "/api/v1/docs/",
        "/auth/account",
    ]


def _floor_problems(page) -> dict[str, list[str]]:
    # Closed <details> hide tables and answers that must fit too.
    page.evaluate("() => document.querySelectorAll('details').forEach((details) => { details.open = true; })")
    return floor_problems(page)


def _walk(page, base_url: str, paths: list[str]) -> list[str]:
    report = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for path in paths:
            response = page.goto(base_url + path)
            assert response.status == 200, f"{path}: {response.status}"
            problems = _floor_problems(page)
            if problems:
                report.append(f"{path} at {viewport['width']}x{viewport['height']}: {problems}")
    return report


@pytest.mark.parametrize("role", ["picker", "lead", "admin"])
def test_every_screen_meets_the_floor(page, live_server, session, store_day, role, language):
    """Sign-in (once a language) and every screen of the role pass axe, fit 768 and 1024 px
    without sideways scrolling and have 44 px targets, in the user's language."""
    user = (
        store_day["picker"] if role == "picker" else factories.user(session, role=role, locations=[store_day["store"]])
    )
    user.locale = language
    session.commit()
    # The sign-in page is the same for every role: walked once a language, with the picker.
    report = _walk(page, live_server.url, ["/auth/login"] if role == "picker" else [])
    _sign_in_in(language, page, live_server.url, user)

    report += _walk(page, live_server.url, _screens(role, store_day))
    if role == "admin":
        report += _issue_a_token(page, live_server.url, store_day)
    assert not report, "\n".join(report)


def _sign_in_in(language: str, page, base_url: str, user) -> None:
    """Sign in through the form in ``language`` (its labels are translated: found by id)."""
    page.goto(f"{base_url}/auth/login")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    assert page.locator("html").get_attribute("lang") == language


def _fails(*args, **kwargs):
    raise RuntimeError("a fault no page may show")


def _database_away(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))


def test_every_error_page_meets_the_floor(page, live_server, app, session, monkeypatch, language):
    """The 403, 404 and 500 pages (in the layout, with a way back) and the 503 page left when the
    database is away pass axe, fit 768 and 1024 px and have 44 px targets, in the user's
    language; the 503 page goes back to its page by itself once the database answers."""
    store = factories.location(session)
    picker = factories.user(session, locations=[store])
    picker.locale = language
    session.commit()
    _sign_in_in(language, page, live_server.url, picker)
    # Replaced in the app's view table, past their sign-in and role checks: any page would do
    # but the queue and the station, which the service worker answers from its copy on a 503.
    account = app.view_functions["auth.account"]
    monkeypatch.setitem(app.view_functions, "dashboard.index", _fails)
    monkeypatch.setitem(app.view_functions, "auth.account", _database_away)
    monkeypatch.setitem(app.config, "DATABASE_RETRY_AFTER_SECONDS", 1)
    statuses = {"/tokens/": 403, "/station/packages/999999": 404, "/dashboard/": 500, "/auth/account": 503}
    report = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for path, status in statuses.items():
            response = page.goto(live_server.url + path)
            assert response.status == status, f"{path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            problems = floor_problems(page)
            if problems:
                report.append(f"{status} at {viewport['width']}x{viewport['height']}: {problems}")
    assert not report, "\n".join(report)

    monkeypatch.setitem(app.view_functions, "auth.account", account)
    expect(page.get_by_role("heading", name=picker.username)).to_be_visible()


def _issue_a_token(page, base_url: str, day: dict) -> list[str]:
    """The tokens page as it shows a new key (once), with a location ticked through its label."""
    page.goto(f"{base_url}/tokens/")
    page.locator("#user").select_option(label="erp-integration (picker)")
    page.locator("label.check", has_text=day["store"].erp_code).click()
    page.locator("form[action$='/tokens/'] button[type=submit]").click()
    page.locator("#issued-key").wait_for()
    problems = _floor_problems(page)
    return [f"/tokens/ with a new key: {problems}"] if problems else []
