"""The tablet's camera as a scanner, and scans that wait on the tablet while the server cannot
be reached: Chromium's fake camera films a video of a code the test draws."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from packing.core.models import Scan
from tests import factories
from tests.e2e.camera_video import camera_browser as launch_camera_browser
from tests.e2e.camera_video import code_image, write_y4m
from tests.e2e.floor import assert_floor

pytestmark = pytest.mark.e2e

GTIN = "09506000134352"
SSCC = "106141411234567897"


def _wedge(page, code: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def _package(session, products):
    store = factories.location(session)
    package = factories.package(session, at=store, products=products)
    picker = factories.user(session, locations=[store])
    session.commit()
    return package, picker


def _sign_in(page, base_url, picker):
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Username").fill(picker.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#queue-scan")).to_be_focused()


def _open(page, base_url, picker, package):
    """Signs in and opens the package from the queue by its number."""
    _sign_in(page, base_url, picker)
    _wedge(page, package.number)
    expect(page.locator("#scan-field")).to_be_focused()


def _codes(session, package) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(Scan.barcode).where(Scan.package_id == package.id, Scan.undone_at.is_(None)).order_by(Scan.id)
        )
    )


@pytest.fixture
def camera_page(playwright, browser_type_launch_args, tmp_path):
    """A page in a Chromium whose camera films the scenes given: [(code image, seconds), ...]."""
    browsers = []

    def filming(scenes):
        browser = launch_camera_browser(playwright, browser_type_launch_args, write_y4m(tmp_path / "code.y4m", scenes))
        browsers.append(browser)
        context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
        context.grant_permissions(["camera"])
        return context.new_page()

    yield filming
    for browser in browsers:
        browser.close()


def _start_camera(page):
    page.get_by_role("button", name="Camera").click()
    expect(page.locator("[data-camera-status]")).to_have_text("Hold a barcode in view.")
    expect(page.locator("#scan-field")).to_be_focused()


def test_a_code_held_in_front_of_the_camera_counts_once(camera_page, live_server, session):
    """A Code 128 label kept in view for seconds is one read: counted once, with a flash; the open
    viewfinder keeps the floor (axe, no overflow, 44 px targets)."""
    shirt = factories.product(session, barcode="CAM-128-1")
    package, picker = _package(session, [shirt, shirt])
    page = camera_page([(code_image("CAM-128-1"), 2)])
    _open(page, live_server.url, picker, package)
    _start_camera(page)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 2")
    expect(page.locator("html")).to_have_attribute("data-camera-reads", "1")
    assert_floor(page)
    # Three blanking periods with the label still in view: no second count.
    page.wait_for_timeout(4500)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 2")
    assert _codes(session, package) == ["CAM-128-1"]


def test_a_gs1_datamatrix_in_front_of_the_camera_counts_its_gtin(camera_page, live_server, session):
    """A GS1 DataMatrix with (01), (17) and (10) counts the product stored by that GTIN's EAN-13."""
    pills = factories.product(session, barcode=GTIN[1:])
    package, picker = _package(session, [pills])
    page = camera_page([(code_image(f"(01){GTIN}(17)271231(10)LOT7", "DataMatrix", gs1=True), 2)])
    _open(page, live_server.url, picker, package)
    _start_camera(page)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 1")
    assert len(_codes(session, package)) == 1


def test_an_sscc_shown_to_the_camera_on_the_queue_opens_the_package_it_labels(camera_page, live_server, session):
    """On the queue, a GS1-128 with (00) read by the camera opens and claims the package that SSCC labels."""
    package, picker = _package(session, [factories.product(session)])
    package.number = SSCC
    session.commit()
    page = camera_page([(code_image(f"(00){SSCC}", "Code128", gs1=True), 2)])
    _sign_in(page, live_server.url, picker)
    page.get_by_role("button", name="Camera").click()
    expect(page.get_by_role("heading", name=f"Package {SSCC}")).to_be_visible()
    expect(page.get_by_text(f"Held by {picker.username}")).to_be_visible()


def test_a_gs1_128_from_the_wedge_counts_its_gtin(page, live_server, session):
    """A wedge scanner sending a GS1-128 with its symbology identifier counts the GTIN's product."""
    pills = factories.product(session, barcode=GTIN[1:])
    package, picker = _package(session, [pills])
    _open(page, live_server.url, picker, package)
    _wedge(page, f"]C101{GTIN}10LOT7")
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 1")


def test_the_camera_and_the_wedge_reading_one_label_count_it_once(camera_page, live_server, session, app):
    """The wedge scanning the label the camera has just read is the same read: no double."""
    app.config["CAMERA_BLANKING_SECONDS"] = 30
    shirt = factories.product(session, barcode="CAM-128-2")
    package, picker = _package(session, [shirt, shirt])
    page = camera_page([(code_image("CAM-128-2"), 2)])
    _open(page, live_server.url, picker, package)
    _start_camera(page)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 2")
    _wedge(page, "CAM-128-2")
    expect(page.locator("html")).to_have_attribute("data-feedback", "repeated")
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 2")
    assert _codes(session, package) == ["CAM-128-2"]


def test_without_a_camera_the_station_says_so_and_the_wedge_still_counts(page, live_server, session):
    """No camera (or no permission): the viewfinder says why, and a wedge scan still counts."""
    shirt = factories.product(session)
    package, picker = _package(session, [shirt])
    _open(page, live_server.url, picker, package)
    page.get_by_role("button", name="Camera").click()
    expect(page.locator("[data-camera-status]")).to_contain_text("the scanner keeps working")
    _wedge(page, shirt.barcode)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 1 of 1")


def _burst(session, count=10):
    products = [factories.product(session) for _ in range(count // 2)]
    return products, [product.barcode for product in products for _ in range(2)]


def _until(page, script: str) -> None:
    """Waits until the (async) script is true: wait_for_function takes a promise for true."""
    for _ in range(200):
        if page.evaluate(script):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {script}")


def _wait_for_offline_copy(page):
    """The service worker controls the page and keeps a copy of it."""
    _until(
        page,
        "async () => !!navigator.serviceWorker.controller"
        " && !!(await caches.match(location.href, { ignoreVary: true }))"
        " && !!(await caches.match(document.querySelector('script[src*=\"station.js\"]').src))",
    )


def test_scans_made_offline_wait_and_are_all_counted_in_order_once_back(page, live_server, session):
    """With the tablet offline, ten wedge scans show as waiting; back online all ten count, in order, once."""
    products, codes = _burst(session)
    package, picker = _package(session, [product for product in products for _ in range(2)])
    _open(page, live_server.url, picker, package)
    page.context.set_offline(True)
    for code in codes:
        _wedge(page, code)
    expect(page.locator("#scan-waiting")).to_be_visible()
    expect(page.locator("#scan-waiting")).to_have_text("10 scans waiting to send")
    expect(page.locator("#scan-progress")).to_have_text("Scanned 0 of 10")
    expect(page.locator("html")).to_have_attribute("data-feedback", "waiting")
    expect(page.locator("#connection-error")).to_contain_text("commands need the server")
    assert _codes(session, package) == []
    page.context.set_offline(False)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 10 of 10")
    expect(page.locator("#scan-waiting")).to_be_hidden()
    assert _codes(session, package) == codes


def test_scans_answered_by_a_proxys_502_wait_and_count_once_the_app_answers(page, live_server, session):
    """A proxy answering 502 (the app restarting behind it) makes scans wait, not fail; then they count."""
    products, codes = _burst(session, 4)
    package, picker = _package(session, [product for product in products for _ in range(2)])
    _open(page, live_server.url, picker, package)
    page.route("**/scans", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    for code in codes:
        _wedge(page, code)
    expect(page.locator("#scan-waiting")).to_be_visible()
    expect(page.locator("#scan-waiting")).to_have_text("4 scans waiting to send")
    page.unroute("**/scans")
    expect(page.locator("#scan-progress")).to_have_text("Scanned 4 of 4")
    assert _codes(session, package) == codes


def test_waiting_scans_survive_a_reload_while_offline(page, live_server, session):
    """Offline, the station reloads from the service worker's copy with its waiting scans, then
    sends them: the good ones count, a refused one is told once they are all back."""
    products, codes = _burst(session, 4)
    package, picker = _package(session, [product for product in products for _ in range(2)])
    _open(page, live_server.url, picker, package)
    _wait_for_offline_copy(page)
    page.context.set_offline(True)
    for code in [*codes[:2], "NOPE-15", *codes[2:]]:
        _wedge(page, code)
    expect(page.locator("#scan-waiting")).to_be_visible()
    expect(page.locator("#scan-waiting")).to_have_text("5 scans waiting to send")
    page.reload()
    expect(page.locator("#scan-waiting")).to_be_visible()
    expect(page.locator("#scan-waiting")).to_have_text("5 scans waiting to send")
    page.context.set_offline(False)
    expect(page.locator("#scan-progress")).to_have_text("Scanned 4 of 4")
    expect(page.locator("#connection-error")).to_have_text(
        "Sent when the connection came back: Unknown code, not counted: NOPE-15 is not a barcode we know."
    )
    assert _codes(session, package) == codes


def test_a_command_offline_is_not_kept_and_the_station_says_so(page, live_server, session):
    """Offline, Put back does not run and is not queued: the station says commands need the server."""
    shirt = factories.product(session)
    package, picker = _package(session, [shirt, shirt])
    _open(page, live_server.url, picker, package)
    page.context.set_offline(True)
    page.get_by_role("button", name="Put back", exact=True).click()
    expect(page.locator("#connection-error")).to_contain_text("a command needs the server's answer")
    page.context.set_offline(False)
    session.expire_all()
    assert session.get(type(package), package.id).holder_id == picker.id


class RestartableServer:
    """The live app on a port that stays the same across a stop and a start, as a restart does."""

    def __init__(self, app):
        self._app = app
        self._serve(0)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def _serve(self, port: int) -> None:
        self._server = make_server("127.0.0.1", port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            # Closed, not only stopped: connections are refused as when the process is gone.
            self._server.server_close()
            self._thread.join(timeout=10)

    def restart(self) -> None:
        self._serve(self._server.server_port)


def test_scans_made_while_the_server_is_down_are_counted_once_it_is_back(page, app, session):
    """The server stops; ten wedge scans wait on the tablet; it starts again and all ten count, in order, once."""
    server = RestartableServer(app)
    try:
        products, codes = _burst(session)
        package, picker = _package(session, [product for product in products for _ in range(2)])
        _open(page, server.url, picker, package)
        server.stop()
        for code in codes:
            _wedge(page, code)
        expect(page.locator("#scan-waiting")).to_be_visible()
        expect(page.locator("#scan-waiting")).to_have_text("10 scans waiting to send")
        assert _codes(session, package) == []
        server.restart()
        expect(page.locator("#scan-progress")).to_have_text("Scanned 10 of 10")
        assert _codes(session, package) == codes
    finally:
        server.stop()


def test_signing_out_drops_the_pages_kept_for_offline(page, live_server, session):
    """The service worker's copies of station pages (customers' names) go when the picker signs out."""
    package, picker = _package(session, [factories.product(session)])
    _open(page, live_server.url, picker, package)
    _wait_for_offline_copy(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/auth/login" in url)
    _until(page, "async () => !(await caches.has('packing-pages-v1'))")
