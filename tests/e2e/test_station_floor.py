"""A shift at the station in a real browser, at both tablet sizes: a scan is always a scan
(also with a command's dialog open), dialogs open in view and give focus back, Pack stays
in reach, every answer has its own sound and vibration, result screens take the next
package's scan, an ended session loses no scan silently, and every station screen passes
the floor check (axe, no sideways scrolling, 44 px targets) in English and Turkish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from packing.core.catalogue import PackageStatus
from packing.core.models import Package, Scan
from tests import factories
from tests.e2e.floor import assert_floor

pytestmark = pytest.mark.e2e

# Every test runs on a tablet held upright and sideways: where the result screen, a refusal
# or an error lands on screen, and what has focus, is the layout's doing too.
SIZES = [pytest.param((768, 1024), id="portrait"), pytest.param((1024, 768), id="landscape")]

# Records what station.js asks of the speaker and the vibration motor, so a test can tell
# one outcome's feedback from another's.
RECORD_FEEDBACK = """
window.__tones = [];
window.__vibrations = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones.push(`${this.type}:${Math.round(this.frequency.value)}`);
  return start.apply(this, args);
};
navigator.vibrate = (pattern) => { window.__vibrations.push(JSON.stringify(pattern)); return true; };
"""


def _wedge(page, code: str) -> None:
    """A keyboard-wedge scanner: 30 ms a character into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=30)
    page.keyboard.press("Enter")


def _shirt(session, colour="Black", size="M", name="Organic Cotton Crew Neck T-Shirt"):
    made = factories.product(session, name=name)
    made.attributes = {"size": size, "color": colour}
    return made


def _at_station(page, live_server, sign_in, session, size, products, *, locale="en"):
    """A picker (in ``locale``) opens a fresh package by scanning its number on the queue."""
    store = factories.location(session)
    package = factories.package(session, at=store, products=products)
    picker = factories.user(session, locations=[store])
    picker.locale = locale
    session.commit()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(picker)
    expect(page.locator("#queue-scan")).to_be_focused()
    _wedge(page, package.number)
    expect(page.locator("#scan-field")).to_be_focused()
    page.wait_for_load_state("networkidle")
    return package


def _progress(page):
    return page.locator("#scan-progress")


def _dialog(page):
    return page.locator("dialog[data-command-dialog]")


def _open_panel(page, name: str):
    page.locator(".command-bar").get_by_role("button", name=name, exact=True).click()
    dialog = _dialog(page)
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.querySelector('dialog[data-command-dialog]').matches(':modal')")
    return dialog


def _focus_is_in_dialog(page) -> bool:
    return page.evaluate(
        "() => { const d = document.querySelector('dialog[data-command-dialog]');"
        " return !!d && d.matches(':modal') && d.contains(document.activeElement); }"
    )


def _state(session, package) -> str:
    session.expire_all()
    return session.get(Package, package.id).state.enum_value


def _scans(session, package) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Scan.id)).where(Scan.package_id == package.id, Scan.undone_at.is_(None)))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("command", ["Refuse Package", "Out of stock", "Split package"])
def test_each_panel_opens_in_view_takes_focus_and_gives_it_back(page, live_server, sign_in, session, size, command):
    """Refuse, Out of stock and Split open as a modal dialog inside the viewport with focus in
    it; Escape, its Back link and the browser's Back each close it and the scan field has
    focus again, on the same page."""
    shirt, jeans = _shirt(session), _shirt(session, name="Slim Fit Jeans")
    _at_station(page, live_server, sign_in, session, size, [shirt, shirt, jeans, jeans, jeans])
    dialog = _open_panel(page, command)
    expect(dialog).to_be_in_viewport(ratio=1)
    assert _focus_is_in_dialog(page)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("#scan-field")).to_be_focused()

    dialog = _open_panel(page, command)
    dialog.get_by_role("link", name="Back").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#scan-field")).to_be_focused()

    station_url = page.url
    dialog = _open_panel(page, command)
    page.go_back()
    expect(dialog).to_have_count(0)
    expect(page.locator("#scan-field")).to_be_focused()
    assert page.url == station_url


@pytest.mark.parametrize("size", SIZES)
def test_a_wedge_scan_with_the_refuse_panel_open_is_counted_and_refuses_nothing(
    page, live_server, sign_in, session, size
):
    """With a reason ticked, and again with focus on Confirm, a wedge scan counts the unit,
    the dialog stays open, and the package is not refused."""
    shirt = _shirt(session)
    package = _at_station(page, live_server, sign_in, session, size, [shirt, shirt, shirt])
    dialog = _open_panel(page, "Refuse Package")
    dialog.get_by_role("radio", name="Product is damaged").check()
    _wedge(page, shirt.barcode)
    expect(_progress(page)).to_have_text("Scanned 1 of 3")
    expect(dialog.locator("[data-panel-scan-status]")).to_contain_text("Counted: Organic Cotton Crew Neck T-Shirt")

    dialog.get_by_role("button", name="Confirm: Refuse Package").focus()
    _wedge(page, shirt.barcode)
    expect(_progress(page)).to_have_text("Scanned 2 of 3")
    expect(dialog).to_be_visible()
    assert _focus_is_in_dialog(page)
    assert _state(session, package) == PackageStatus.PREPARING.value and _scans(session, package) == 2

    dialog.get_by_role("button", name="Confirm: Refuse Package").click()
    expect(page.get_by_text("This package is Requires Replan.")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_wedge_scan_with_an_item_ticked_for_out_of_stock_is_counted_and_marks_nothing(
    page, live_server, sign_in, session, size
):
    """With an item ticked in the out-of-stock dialog (focus on the checkbox), a wedge scan is
    counted and nothing is marked out of stock; a person's Enter on the checkbox submits nothing."""
    shirt, belt = _shirt(session), _shirt(session, name="Leather Belt")
    package = _at_station(page, live_server, sign_in, session, size, [shirt, belt])
    dialog = _open_panel(page, "Out of stock")
    box = dialog.get_by_role("checkbox").first
    box.check()
    box.focus()
    _wedge(page, shirt.barcode)
    expect(_progress(page)).to_have_text("Scanned 1 of 2")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(dialog).to_be_visible()
    assert _state(session, package) == PackageStatus.PREPARING.value


@pytest.mark.parametrize("size", SIZES)
def test_without_javascript_enter_in_a_panel_submits_nothing_and_confirm_runs(browser, live_server, session, size):
    """With JavaScript off the panel is a section of its page: Enter on a ticked reason runs
    nothing and the panel stays (the form's first submit button only keeps it); Confirm runs."""
    store = factories.location(session)
    package = factories.package(session, at=store)
    picker = factories.user(session, locations=[store])
    session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("Username").fill(picker.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=f"Open {package.number}").click()
    page.get_by_role("button", name="Refuse Package").click()
    panel = page.locator("dialog[data-command-dialog]")
    expect(panel).to_be_in_viewport()
    radio = panel.get_by_role("radio", name="Product is damaged")
    radio.check()
    radio.press("Enter")
    page.wait_for_load_state()
    expect(panel.get_by_role("radio", name="Product is damaged")).to_be_checked()
    assert _state(session, package) == PackageStatus.PREPARING.value
    panel.get_by_role("button", name="Confirm: Refuse Package").click()
    expect(page.get_by_text("This package is Requires Replan.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_pack_stays_in_view_after_twenty_scans_of_a_four_line_package(page, live_server, sign_in, session, size):
    """Four products, five units each: after 20 wedge scans Pack is enabled and on screen."""
    products = [_shirt(session, name=f"Product line {n}", size=str(n)) for n in range(4)]
    _at_station(page, live_server, sign_in, session, size, [p for p in products for _ in range(5)])
    for n in range(20):
        _wedge(page, products[n % 4].barcode)
    expect(_progress(page)).to_have_text("Scanned 20 of 20", timeout=15_000)
    pack = page.get_by_role("button", name="Pack", exact=True)
    expect(pack).to_be_enabled()
    expect(pack).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollHeight") > size[1], "the lines must scroll beneath the bar"


@pytest.mark.parametrize("size", SIZES)
def test_every_outcome_has_its_own_sound_vibration_and_words(page, live_server, sign_in, session, size):
    """Counted, package complete, wrong item, over-scan, unknown code and a connection error each
    set their own data-feedback, tones and vibration; the words name the variant."""
    page.add_init_script(RECORD_FEEDBACK)
    black_m, white_s = _shirt(session), _shirt(session, colour="White", size="S")
    stranger = _shirt(session, name="Merino Wool Scarf", colour="Red", size="One size")
    _at_station(page, live_server, sign_in, session, size, [black_m, white_s])
    result = page.locator("#scan-result")
    seen = {}

    def answer(code, outcome, words):
        before = page.evaluate("() => [window.__tones.length, window.__vibrations.length]")
        _wedge(page, code)
        expect(page.locator("html")).to_have_attribute("data-feedback", outcome)
        expect(result).to_contain_text(words) if words else None
        page.wait_for_timeout(50)
        tones, vibrations = page.evaluate(
            "([t, v]) => [window.__tones.slice(t).join(' '), window.__vibrations.slice(v).join(' ')]", before
        )
        seen[outcome] = (tones, vibrations)

    answer(black_m.barcode, "counted", "Counted: Organic Cotton Crew Neck T-Shirt · Size M · Color Black")
    answer(stranger.barcode, "wrong-item", "Wrong item, not counted: Merino Wool Scarf · Size One size · Color Red")
    answer(
        black_m.barcode,
        "over-scan",
        "Too many, not counted: every Organic Cotton Crew Neck T-Shirt · Size M · Color Black",
    )
    assert black_m.barcode not in result.inner_text()
    answer("NOPE-123", "unknown-code", "Unknown code, not counted: NOPE-123")
    answer(white_s.barcode, "complete", "Size S · Color White")
    # A server error is not a dropped connection: the scan is not kept to send again.
    page.route("**/scans", lambda route: route.fulfill(status=500, body="Internal Server Error"))
    answer(black_m.barcode, "error", None)
    expect(page.locator("#connection-error")).to_contain_text(f"Not counted: {black_m.barcode} was not sent")
    assert len({tones for tones, _ in seen.values()}) == 6, seen
    assert len({vibrations for _, vibrations in seen.values()}) == 6, seen


@pytest.mark.parametrize("size", SIZES)
def test_the_result_screen_after_pack_opens_the_next_package_by_its_number(page, live_server, sign_in, session, size):
    """After Pack, the result screen's scan field has focus; scanning another package's number
    opens that package, claimed by the picker."""
    shirt = _shirt(session)
    package = _at_station(page, live_server, sign_in, session, size, [shirt])
    following = factories.package(session, at=package.stock_location)
    session.commit()
    _wedge(page, shirt.barcode)
    pack = page.get_by_role("button", name="Pack", exact=True)
    expect(pack).to_be_enabled()
    pack.click()
    expect(page.get_by_text("This package is Packed.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Scan a package or order number")).to_be_focused()
    _wedge(page, following.order.number)
    expect(page.get_by_role("heading", name=f"Package {following.number}")).to_be_visible()
    expect(page.locator("#scan-field")).to_be_focused()
    assert _state(session, following) == PackageStatus.PREPARING.value


@pytest.mark.parametrize("size", SIZES)
def test_after_refuse_and_put_back_the_screens_take_package_scans_and_refuse_item_scans(
    page, live_server, sign_in, session, size
):
    """After Put back the page is read-only: an item scan there is refused out loud (not
    counted); after Refuse the result's scan field opens the next package."""
    shirt = _shirt(session)
    package = _at_station(page, live_server, sign_in, session, size, [shirt, shirt])
    _wedge(page, shirt.barcode)
    expect(_progress(page)).to_have_text("Scanned 1 of 2")
    page.get_by_role("button", name="Put back", exact=True).click()
    expect(page.get_by_text("Nobody holds this package")).to_be_visible()
    expect(page.locator("#scan-field")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Scan a package or order number")).to_be_focused()
    _wedge(page, shirt.barcode)
    expect(page.get_by_role("status").filter(has_text="is an item, not a package: not counted")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-feedback", "refused")
    assert _scans(session, package) == 0 and _state(session, package) == PackageStatus.WAITING.value

    _wedge(page, package.number)
    expect(page.locator("#scan-field")).to_be_focused()
    dialog = _open_panel(page, "Refuse Package")
    dialog.get_by_role("radio", name="Product is damaged").check()
    dialog.get_by_role("button", name="Confirm: Refuse Package").click()
    expect(page.get_by_text("This package is Requires Replan.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Scan a package or order number")).to_be_focused()


@pytest.mark.parametrize("size", SIZES)
def test_a_package_reached_by_its_number_link_is_claimed_before_it_takes_scans(
    page, live_server, sign_in, session, size
):
    """The queue's number link shows the package read-only; Open claims it and only then does it take scans."""
    shirt = _shirt(session)
    store = factories.location(session)
    package = factories.package(session, at=store, products=[shirt])
    session.commit()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    picker = sign_in(location=store)
    page.get_by_role("link", name=package.number).click()
    expect(page.get_by_text("Nobody holds this package")).to_be_visible()
    assert page.locator("html").get_attribute("data-feedback") is None, "a quiet page load makes no sound"
    expect(page.locator("#scan-field")).to_have_count(0)
    page.get_by_role("button", name="Open this package").click()
    expect(page.get_by_text(f"Held by {picker.username}")).to_be_visible()
    _wedge(page, shirt.barcode)
    expect(_progress(page)).to_have_text("Scanned 1 of 1")


@pytest.mark.parametrize("size", SIZES)
def test_an_ended_session_under_htmx_says_the_scan_was_not_counted_and_signs_in_again(
    page, live_server, sign_in, session, size
):
    """With the session gone, a wedge scan is answered loudly as not counted, the browser goes
    to sign-in with next back to the package, and after signing in the lost code is named again."""
    shirt = _shirt(session)
    package = _at_station(page, live_server, sign_in, session, size, [shirt, shirt])
    session.expire_all()
    picker = session.get(Package, package.id).holder
    page.context.clear_cookies()
    _wedge(page, shirt.barcode)
    banner = page.locator("#connection-error")
    expect(banner).to_contain_text(f"Not counted: {shirt.barcode}")
    expect(page.locator("html")).to_have_attribute("data-feedback", "error")
    page.wait_for_url(lambda url: url.endswith(f"/auth/login?next=/station/packages/{package.id}"))
    expect(page.get_by_text("Your session has ended")).to_be_visible()
    page.get_by_label("Username").fill(picker.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Package {package.number}")).to_be_visible()
    expect(banner).to_contain_text(f"Not counted before you signed in again: {shirt.barcode}")
    assert _scans(session, package) == 0


@pytest.mark.parametrize("size", SIZES)
def test_an_htmx_error_lands_in_its_zone_with_the_error_sound(page, live_server, sign_in, session, size):
    """A 404 answering the +1 button shows as an alert at the top of the scan zone, which keeps
    its lines, with the error feedback; a full 404 page has the layout and a way back."""
    shirt = _shirt(session)
    _at_station(page, live_server, sign_in, session, size, [shirt])
    page.evaluate(
        "() => { const f = document.querySelector('[data-new-scan-id]');"
        " f.setAttribute('hx-post', '/station/packages/999999/scans/manual'); htmx.process(f); }"
    )
    page.get_by_role("button", name="+1").click()
    alert = page.locator("#scan-zone > .zone-error")
    expect(alert).to_contain_text("404")
    expect(page.locator("html")).to_have_attribute("data-feedback", "error")
    expect(page.locator("#scan-zone .item")).to_have_count(1)

    page.goto(f"{live_server.url}/station/packages/999999")
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ["en", "tr"])
def test_every_station_screen_meets_the_floor(page, live_server, sign_in, session, size, locale):
    """The station, with each panel open, and the screens after split (its scan field focused
    for the rest), put back and pack: axe finds nothing, nothing scrolls sideways, every
    control is 44 px."""
    shirt, jeans = _shirt(session), _shirt(session, name="Slim Fit Jeans", size="32/32")
    package = _at_station(page, live_server, sign_in, session, size, [shirt, shirt, jeans], locale=locale)
    labels = {
        "en": ("Refuse Package", "Out of stock", "Split package", "Put back", "Pack", "Back"),
        "tr": ("Paketi reddet", "Stokta yok işaretle", "Paketi böl", "Kuyruğa geri koy", "Paketle", "Geri"),
    }[locale]
    refuse, out_of_stock, split, put_back, pack, back = labels
    _wedge(page, shirt.barcode)
    expect(page.locator("html")).to_have_attribute("data-feedback", "counted")
    assert_floor(page)
    for command in (refuse, out_of_stock, split):
        dialog = _open_panel(page, command)
        assert_floor(page)
        dialog.get_by_role("link", name=back, exact=True).click()
        expect(dialog).to_have_count(0)

    dialog = _open_panel(page, split)
    dialog.get_by_role("checkbox").last.check()
    dialog.get_by_role("button").filter(has_text=split).click()
    expect(page.locator(".flash").filter(has_text=f"{package.order.number}P")).to_be_visible()
    expect(page.locator("#scan-field")).to_be_focused()
    assert_floor(page)

    page.get_by_role("button", name=put_back, exact=True).click()
    expect(page.locator("#find-field")).to_be_focused()
    assert_floor(page)

    _wedge(page, package.number)
    expect(page.locator("#scan-field")).to_be_focused()
    page.wait_for_load_state("networkidle")
    for _ in range(2):
        _wedge(page, shirt.barcode)
    page_pack = page.get_by_role("button", name=pack, exact=True)
    expect(page_pack).to_be_enabled()
    page_pack.click()
    expect(page.locator("#find-field")).to_be_focused()
    assert_floor(page)
