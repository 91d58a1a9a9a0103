"""The package screen over HTTP: opening claims, scans count, commands run, refusals show."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from packing.core.catalogue import PackageStatus
from packing.core.models import DenialReason, Package, PrintRecord, Scan, Transition, TransitionLog
from packing.core.queries import counting_statements
from packing.extensions import db
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse, text_of, top_level_elements


def _picker_with_package(session, auth, products=2):
    store = factories.location(session)
    items = [factories.product(session) for _ in range(products)]
    package = factories.package(session, at=store, products=items)
    session.commit()
    user = auth.login(location=store)
    return user, package, items


def _open(client, package):
    page = client.get("/queue/")
    return client.post(f"/station/packages/{package.id}/open", data={"csrf_token": csrf_token_from(page.text)})


def _token(client, package):
    return csrf_token_from(client.get(f"/station/packages/{package.id}").text)


def _scan_result(response) -> tuple[str, str]:
    """The scan answer a picker sees and hears: its outcome (station.js's sound) and its words."""
    result = parse(response.text).select_one("#scan-result")
    return result["data-outcome"], text_of(result)


def test_opening_a_waiting_package_claims_it_for_the_picker(client, session, auth):
    """POST open runs the prepare command: the package is Preparing and held by the picker."""
    user, package, _ = _picker_with_package(session, auth)
    response = _open(client, package)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/station/packages/{package.id}")
    session.expire_all()
    assert package.state.enum_value == PackageStatus.PREPARING.value
    assert package.holder_id == user.id
    page = parse(client.get(f"/station/packages/{package.id}").text)
    assert page.select_one('input[name="barcode"]')["inputmode"] == "none"
    assert "Scanned 0 of 2" in text_of(page.select_one("#scan-zone"))


def test_an_htmx_scan_answers_with_the_scan_zone(client, session, auth):
    """An htmx scan returns only the scan zone, counted, and no refresh of the commands yet."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": items[0].barcode, "client_scan_id": "c-1", "csrf_token": _token(client, package)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers
    assert "HX-Request" in response.headers["Vary"]
    [scan_zone] = top_level_elements(response.text)
    assert scan_zone["id"] == "scan-zone"
    assert "Scanned 1 of 2" in text_of(scan_zone)


def test_the_commands_refresh_when_the_pack_gate_opens_or_closes(client, session, auth):
    """The scan that completes the package, its retry, and the undo that reopens it each send
    HX-Trigger package-changed, so the command bar unlocks or locks Pack."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)

    def scan(path, data):
        return _post(client, package, path, data, htmx=True)

    scan("/scans", {"barcode": items[0].barcode, "client_scan_id": "c-1"})
    completing = scan("/scans", {"barcode": items[1].barcode, "client_scan_id": "c-2"})
    assert completing.headers["HX-Trigger"] == "package-changed"
    retried = scan("/scans", {"barcode": items[1].barcode, "client_scan_id": "c-2"})
    assert "already counted" in retried.text.lower() and retried.headers["HX-Trigger"] == "package-changed"
    undone = scan("/scans/undo", {})
    assert "Scanned 1 of 2" in undone.text and undone.headers["HX-Trigger"] == "package-changed"
    second_undo = scan("/scans/undo", {})
    assert "Scanned 0 of 2" in second_undo.text and "HX-Trigger" not in second_undo.headers


def test_a_wrong_item_is_refused_with_its_own_message_and_counts_nothing(client, session, auth):
    """A product not in the package answers 422 'Wrong item' and writes no scan."""
    _, package, _ = _picker_with_package(session, auth)
    stranger = factories.product(session)
    session.commit()
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": stranger.barcode, "client_scan_id": "c-1", "csrf_token": _token(client, package)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert _scan_result(response) == (
        "wrong-item",
        "✖ Wrong item, not counted: Test T-Shirt · Size M is not in this package.",
    )
    assert session.scalar(select(func.count(Scan.id))) == 0


def test_a_scan_without_javascript_redirects_back_with_the_outcome(client, session, auth):
    """A plain form POST counts the unit and answers 303 to the package page, which shows it."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": items[1].barcode, "client_scan_id": "plain-1", "csrf_token": _token(client, package)},
    )
    assert response.status_code == 303
    page = client.get(f"/station/packages/{package.id}")
    assert "Counted: Test T-Shirt" in page.text and "Scanned 1 of 2" in page.text


def _transition_id(session, slug):
    return session.scalar(select(Transition.id).where(Transition.slug == slug))


def _post(client, package, path, data=None, htmx=False):
    return client.post(
        f"/station/packages/{package.id}{path}",
        data={"csrf_token": _token(client, package), **(data or {})},
        headers={"HX-Request": "true"} if htmx else {},
    )


PACK = "package__complete_packaging__preparing__packed-all-items"
REFUSE = "package__refuse_package__preparing__requires-replan"
OUT_OF_STOCK = "package__detected_out_of_stock_item__preparing__contains-out-of-stock-products"
SPLIT = "package__split_package__preparing__preparing"


def test_pack_is_locked_until_every_item_is_scanned_and_then_packs(client, session, auth):
    """The Pack button is disabled before all units are scanned; posted anyway it is refused (406)."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    pack = _transition_id(session, PACK)
    page = client.get(f"/station/packages/{package.id}/commands", headers={"HX-Request": "true"})
    pack_button = parse(page.text).select_one(f'form[action$="/commands/{pack}"] button')
    assert pack_button.has_attr("disabled")
    refused = _post(client, package, f"/commands/{pack}", htmx=True)
    assert refused.status_code == 406 and "Scan every item before packing" in refused.text
    for n, item in enumerate(items):
        _post(client, package, "/scans", {"barcode": item.barcode, "client_scan_id": f"s{n}"}, htmx=True)
    packed = _post(client, package, f"/commands/{pack}", htmx=True)
    assert packed.status_code == 200 and "Next package" in packed.text
    session.expire_all()
    assert package.state.enum_value == PackageStatus.PACKED.value


def test_refuse_needs_a_reason_and_then_logs_it(client, session, auth):
    """Refusing without a reason answers 400 with the reason list again; with one it refuses and logs it."""
    _, package, _ = _picker_with_package(session, auth)
    _open(client, package)
    refuse = _transition_id(session, REFUSE)
    form = client.get(f"/station/packages/{package.id}/commands/{refuse}", headers={"HX-Request": "true"})
    assert "Why is the package refused?" in form.text and "Product is damaged" in form.text
    missing = _post(client, package, f"/commands/{refuse}", htmx=True)
    assert missing.status_code == 400 and "Choose a denial reason." in missing.text
    assert "Why is the package refused?" in missing.text
    damaged = session.scalar(select(DenialReason).where(DenialReason.remote_id == "damaged"))
    done = _post(client, package, f"/commands/{refuse}", {"denial_reason": str(damaged.id)})
    assert done.status_code == 303
    session.expire_all()
    assert package.state.enum_value == PackageStatus.REQUIRES_REPLAN.value
    log = session.scalars(
        select(TransitionLog).where(TransitionLog.object_id == package.id).order_by(TransitionLog.id.desc())
    ).first()
    assert log.attributes["denial_reason"] == damaged.id


def test_out_of_stock_starts_with_nothing_ticked_and_the_marked_items_keep_showing(client, session, auth):
    """The out-of-stock panel ticks nothing; "mark all unscanned" ticks the units not scanned;
    after confirming, the marked item still shows, in its new state."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "s0"}, htmx=True)
    session.expire_all()
    scanned_item, missing_item = sorted(package.items, key=lambda i: i.order_item.product_id != items[0].id)
    oos = _transition_id(session, OUT_OF_STOCK)
    panel = parse(client.get(f"/station/packages/{package.id}?command={oos}").text)
    assert panel.select('input[name="package_items"]') and not panel.select('input[name="package_items"][checked]')
    assert "Mark all unscanned" in panel.get_text()
    marked = parse(client.get(f"/station/packages/{package.id}?command={oos}&mark=unscanned").text)
    checked = {int(box["value"]) for box in marked.select('input[name="package_items"][checked]')}
    assert checked == {missing_item.id}
    assert marked.select_one(f'input[name="package_items"][value="{scanned_item.id}"]') is not None
    done = _post(client, package, f"/commands/{oos}", {"package_items": [str(missing_item.id)]}, htmx=True)
    assert done.status_code == 200
    session.expire_all()
    assert package.state.enum_value == PackageStatus.CONTAINS_OUT_OF_STOCK.value
    assert "Scanned 1 of 1" in done.text
    set_aside = parse(done.text).select_one("li.item.set-aside")
    assert set_aside is not None and set_aside["aria-label"] == items[1].name and "Out of Stock" in set_aside.get_text()


def test_split_moves_the_chosen_items_to_a_new_waiting_package(client, session, auth):
    """Split with one chosen unit leaves the other here, held, and puts the chosen one in a new
    waiting, unheld package <order>P2, which the answer names."""
    user, package, items = _picker_with_package(session, auth)
    _open(client, package)
    split = _transition_id(session, SPLIT)
    kept, moved = package.items[0].id, package.items[1].id
    done = _post(client, package, f"/commands/{split}", {"package_items": [str(moved)]}, htmx=True)
    assert done.status_code == 200 and f"{package.order.number}P2" in text_of(parse(done.text))
    session.expire_all()
    assert [item.id for item in package.items] == [kept] and package.holder_id == user.id
    new_package = session.scalars(
        select(Package).where(Package.order_id == package.order_id, Package.id != package.id)
    ).one()
    assert new_package.number == f"{package.order.number}P2"
    assert [item.id for item in new_package.items] == [moved]
    assert new_package.state.enum_value == PackageStatus.WAITING.value and new_package.holder_id is None


def test_a_command_on_a_package_packed_meanwhile_shows_why(client, session, auth):
    """Pack posted from a screen shown before another tab packed the package answers 409 with
    the reason, and the package stays packed with one pack in its log."""
    _, package, items = _picker_with_package(session, auth, products=1)
    _open(client, package)
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "s0"}, htmx=True)
    pack = _transition_id(session, PACK)
    commands = parse(client.get(f"/station/packages/{package.id}/commands", headers={"HX-Request": "true"}).text)
    version_shown = commands.select_one(f'form[action$="/commands/{pack}"] input[name="version"]')["value"]
    packed = _post(client, package, f"/commands/{pack}", {"version": version_shown}, htmx=True)
    assert packed.status_code == 200
    again = _post(client, package, f"/commands/{pack}", {"version": version_shown}, htmx=True)
    assert again.status_code == 409
    alerts = [text_of(alert) for alert in parse(again.text).select('[role="alert"]:not([hidden])')]
    assert alerts == ["⚠ The package changed while you were looking at it: check it and try again."]
    session.expire_all()
    assert package.state.enum_value == PackageStatus.PACKED.value
    pack_logs = select(func.count(TransitionLog.id)).where(
        TransitionLog.object_id == package.id, TransitionLog.transition_id == pack
    )
    assert session.scalar(pack_logs) == 1


def test_another_stores_package_is_404_on_every_route(client, session, auth):
    """A picker of store A gets 404 for store B's package on every station route."""
    mine = factories.location(session)
    theirs = factories.package(session, at=factories.location(session))
    session.commit()
    auth.login(location=mine)
    token = csrf_token_from(client.get("/queue/").text)
    pack = _transition_id(session, PACK)
    base = f"/station/packages/{theirs.id}"
    for path in ("", "/commands", f"/commands/{pack}", f"?command={pack}"):
        assert client.get(base + path).status_code == 404, path
    for path in ("/open", "/scans", "/scans/manual", "/scans/undo", f"/commands/{pack}"):
        response = client.post(base + path, data={"csrf_token": token, "barcode": "x", "client_scan_id": "x"})
        assert response.status_code == 404, path
    session.expire_all()
    assert theirs.state.enum_value == PackageStatus.WAITING.value


def test_a_post_without_csrf_token_is_refused(client, session, auth):
    """A scan POST without a CSRF token is refused with 400 and counts nothing."""
    _, package, items = _picker_with_package(session, auth)
    response = client.post(
        f"/station/packages/{package.id}/scans", data={"barcode": items[0].barcode, "client_scan_id": "x"}
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count(Scan.id))) == 0


def test_the_station_needs_a_signed_in_picker_or_lead(client, session):
    """Anonymous visitors are sent to sign in."""
    package = factories.package(session)
    session.commit()
    response = client.get(f"/station/packages/{package.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_package_held_by_another_picker_is_read_only(client, session, auth):
    """A second picker sees who holds the package and gets no scan field or commands; a scan or
    a command they post anyway is refused naming the holder, and changes nothing."""
    store = factories.location(session)
    holder = factories.user(session, locations=[store])
    product = factories.product(session)
    package = factories.package(session, at=store, products=[product])
    session.commit()
    from packing.core.db import transaction
    from packing.core.scanning import run_station_command

    with transaction(session):
        run_station_command(session, package.id, "package__prepare_package_command__waiting__preparing", {}, holder)
    auth.login(location=store)
    page = parse(client.get(f"/station/packages/{package.id}").text)
    assert f"{holder.username} is packing this package" in text_of(page.select_one('[role="alert"]:not([hidden])'))
    assert page.select('input[name="barcode"]') == [] and page.select(".command-bar") == []
    scan = _htmx_scan(client, package, product.barcode, "not-mine")
    assert scan.status_code == 422
    assert _scan_result(scan) == ("refused", f"✖ Not counted: {holder.username} is packing this package.")
    put_back = _post(client, package, f"/commands/{_transition_id(session, RELEASE)}", htmx=True)
    assert put_back.status_code == 406
    alerts = [text_of(alert) for alert in parse(put_back.text).select('[role="alert"]:not([hidden])')]
    assert f"⚠ {holder.username} is packing this package." in alerts
    session.expire_all()
    assert package.holder_id == holder.id and package.state.enum_value == PackageStatus.PREPARING.value
    assert session.scalar(select(func.count(Scan.id))) == 0


def test_the_screen_speaks_turkish_for_a_turkish_user(client, session, auth):
    """With locale tr the station shows Turkish UI text and the catalogue's Turkish state name."""
    _, package, _ = _picker_with_package(session, auth)
    _open(client, package)
    from packing.core.models import User

    for user in session.scalars(select(User)):
        user.locale = "tr"
    session.commit()
    page = client.get(f"/station/packages/{package.id}").text
    assert "Hazırlanıyor" in page and "Paketle" in page and "Okut" in page


def test_manual_count_and_undo_through_the_screen(client, session, auth):
    """The +1 button records a manual unit; Undo last scan takes it back; both answer the scan zone."""
    _, package, items = _picker_with_package(session, auth, products=1)
    _open(client, package)
    page = client.get(f"/station/packages/{package.id}").text
    assert f'+1<span class="visually-hidden">: Count one {items[0].name} · Size M by hand' in page
    counted = _post(client, package, "/scans/manual", {"product": str(items[0].id), "client_scan_id": "m-1"}, htmx=True)
    assert counted.status_code == 200 and "Counted by hand" in counted.text and "1 by hand" in counted.text
    assert session.scalar(select(Scan.is_manual)) is True
    undone = _post(client, package, "/scans/undo", htmx=True)
    assert undone.status_code == 200 and "Last scan taken back." in undone.text and "Scanned 0 of 1" in undone.text
    nothing = _post(client, package, "/scans/undo", htmx=True)
    assert nothing.status_code == 422 and "There is no scan to undo." in nothing.text


def test_after_pack_the_picker_can_print_the_label(client, session, auth):
    """The result after Pack offers Print label for the package just packed: it records the
    print and leads to the label's PDF."""
    _, package, items = _picker_with_package(session, auth, products=1)
    _open(client, package)
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "only"}, htmx=True)
    packed = _post(client, package, f"/commands/{_transition_id(session, PACK)}", htmx=True)
    print_url = f"/documents/packages/{package.id}/print/label"
    form = BeautifulSoup(packed.text, "html.parser").find("form", action=print_url)
    assert form is not None and "Print label" in form.get_text()
    printed = client.post(print_url, data={"csrf_token": form.find("input", {"name": "csrf_token"})["value"]})
    assert printed.status_code == 303
    assert session.scalar(select(func.count(PrintRecord.id)).where(PrintRecord.package_id == package.id)) == 1
    label = client.get(printed.headers["Location"])
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.data.startswith(b"%PDF")


def test_a_refusal_that_names_a_number_reaches_a_turkish_picker_in_turkish(client, session, auth):
    """Pack posted too early is refused with the domain's reason translated, its count filled in."""
    _, package, items = _picker_with_package(session, auth, products=3)
    _open(client, package)
    from packing.core.models import User

    for user in session.scalars(select(User)):
        user.locale = "tr"
    session.commit()
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "tr-1"}, htmx=True)
    refused = _post(client, package, f"/commands/{_transition_id(session, PACK)}", htmx=True)
    assert refused.status_code == 406
    assert "Paketlemeden önce tüm ürünleri okutun: 2 ürün daha okutulmalı." in refused.text


RELEASE = "package__release_package__preparing__waiting"


def _htmx_scan(client, package, code, scan_id, token=None):
    return client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": code, "client_scan_id": scan_id, "csrf_token": token or _token(client, package)},
        headers={"HX-Request": "true"},
    )


def test_a_package_reached_by_its_link_takes_no_scans_until_it_is_opened(client, session, auth):
    """The page of a waiting package nobody holds is read-only and refuses scans (422, not
    counted); Open claims it, and then it counts."""
    user, package, items = _picker_with_package(session, auth)
    page = client.get(f"/station/packages/{package.id}").text
    assert "Nobody holds this package" in page and 'name="barcode"' not in page
    assert f'action="/station/packages/{package.id}/open"' in page and 'id="find-field"' in page
    refused = _htmx_scan(client, package, items[0].barcode, "early")
    assert refused.status_code == 422
    assert _scan_result(refused) == (
        "refused",
        "✖ Not counted: nobody holds this package now (it is back in the queue). Open it to scan.",
    )
    assert session.scalar(select(func.count(Scan.id))) == 0
    _open(client, package)
    session.expire_all()
    assert package.holder_id == user.id and package.state.enum_value == PackageStatus.PREPARING.value
    assert _htmx_scan(client, package, items[0].barcode, "after").status_code == 200


def test_after_put_back_the_page_is_read_only_and_scans_are_refused(client, session, auth):
    """Put back answers with a read-only page (no item scan field, no commands); a late scan
    is refused with a clear message and writes nothing."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    _htmx_scan(client, package, items[0].barcode, "s0")
    token = _token(client, package)
    put_back = _post(client, package, f"/commands/{_transition_id(session, RELEASE)}", htmx=True)
    assert put_back.status_code == 200 and "Put back: done" in put_back.text
    assert 'name="barcode"' not in put_back.text and "command-bar" not in put_back.text
    assert "Nobody holds this package" in put_back.text
    late = _htmx_scan(client, package, items[1].barcode, "late", token)
    assert late.status_code == 422 and _scan_result(late)[1].startswith("✖ Not counted: nobody holds this package now")
    session.expire_all()
    assert package.holder_id is None and package.state.enum_value == PackageStatus.WAITING.value
    assert session.scalar(select(func.count(Scan.id)).where(Scan.undone_at.is_(None))) == 0


def test_an_item_scanned_on_a_result_screen_is_refused_there(client, session, auth):
    """The result screens' field opens packages: an item's barcode sent there is answered on
    the same screen as not counted, naming the code."""
    _, package, items = _picker_with_package(session, auth)
    token = _token(client, package)
    back = f"/station/packages/{package.id}"
    response = client.post("/queue/scan", data={"code": items[0].barcode, "back": back, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == back
    page = client.get(back).text
    assert f"{items[0].barcode} is an item, not a package: not counted." in page
    away = client.post("/queue/scan", data={"code": "x", "back": "https://evil.example/", "csrf_token": token})
    assert away.headers["Location"] == "/queue/"


def test_scan_answers_name_the_variant_and_the_outcome(client, session, auth):
    """Counted names size and colour; the scan completing the package says so; an over-scan and a
    wrong item name the product, not the barcode; each answer carries its outcome."""
    _, package, items = _picker_with_package(session, auth)
    items[0].attributes = {"size": "L", "color": "Black"}
    stranger = factories.product(session, name="Merino Wool Scarf")
    session.commit()
    _open(client, package)
    counted = _htmx_scan(client, package, items[0].barcode, "a")
    assert _scan_result(counted) == ("counted", "✔ Counted: Test T-Shirt · Size L · Color Black")
    over = _htmx_scan(client, package, items[0].barcode, "b")
    assert _scan_result(over) == (
        "over-scan",
        "✖ Too many, not counted: every Test T-Shirt · Size L · Color Black is already scanned.",
    )
    wrong = _htmx_scan(client, package, stranger.barcode, "c")
    assert _scan_result(wrong) == (
        "wrong-item",
        "✖ Wrong item, not counted: Merino Wool Scarf · Size M is not in this package.",
    )
    unknown = _htmx_scan(client, package, "NOPE-1", "d")
    assert _scan_result(unknown) == ("unknown-code", "✖ Unknown code, not counted: NOPE-1 is not a barcode we know.")
    complete = _htmx_scan(client, package, items[1].barcode, "e")
    outcome, words = _scan_result(complete)
    assert outcome == "complete" and words.endswith("Every item is scanned: ready to pack.")


def test_a_refused_scan_is_answered_from_what_the_scan_read(app, client, session, auth):
    """An over-scan shows the package's counts without reading the package again after its
    rollback: it runs fewer statements than the scan that counted (and wrote) the unit."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    token = _token(client, package)
    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as counted_statements:
        counted = _htmx_scan(client, package, items[0].barcode, "a", token)
    with counting_statements(engine) as refused_statements:
        over = _htmx_scan(client, package, items[0].barcode, "b", token)
    assert counted.status_code == 200 and over.status_code == 422
    assert "Scanned 1 of 2" in over.text and _scan_result(over)[0] == "over-scan"
    assert refused_statements[0] < counted_statements[0], (refused_statements[0], counted_statements[0])


def test_the_form_of_a_command_without_parameters_is_a_confirmation(client, session, auth):
    """GET of a plain command's form (Put back) answers 200 with a Confirm, page and partial alike."""
    _, package, _ = _picker_with_package(session, auth)
    _open(client, package)
    release = _transition_id(session, RELEASE)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"/station/packages/{package.id}/commands/{release}", headers=headers)
        assert response.status_code == 200 and "Confirm: Put back" in response.text
        assert "<dialog" in response.text and 'name="package_items"' not in response.text


def test_enter_in_a_panel_keeps_it_open_and_runs_nothing(client, session, auth):
    """A submit through the panel's hidden first button (Enter in a radio) shows the panel
    again, the reason still ticked, and the package is not refused."""
    _, package, _ = _picker_with_package(session, auth)
    _open(client, package)
    refuse = _transition_id(session, REFUSE)
    damaged = session.scalar(select(DenialReason).where(DenialReason.remote_id == "damaged"))
    kept = _post(
        client, package, f"/commands/{refuse}", {"denial_reason": str(damaged.id), "keep_panel": "1"}, htmx=True
    )
    assert kept.status_code == 200 and "Why is the package refused?" in kept.text
    kept_choice = parse(kept.text).select_one(f'input[name="denial_reason"][value="{damaged.id}"]')
    assert kept_choice is not None and kept_choice.has_attr("checked")
    session.expire_all()
    assert package.state.enum_value == PackageStatus.PREPARING.value
    # Unicode digits in a kept item choice pass str.isdigit() but not int(): ignored, not a 500.
    out_of_stock = _transition_id(session, OUT_OF_STOCK)
    odd = _post(client, package, f"/commands/{out_of_stock}", {"package_items": "²", "keep_panel": "1"}, htmx=True)
    assert odd.status_code == 200 and not parse(odd.text).select('input[name="package_items"][checked]')


def test_an_htmx_request_after_the_session_ended_gets_401_and_hx_redirect(client, session, auth):
    """Signed out, an htmx GET and an htmx scan POST (its CSRF token gone with the session) both
    answer 401 with HX-Redirect to sign-in, next naming the package page; nothing is counted."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    token = _token(client, package)
    auth.logout()
    page_url = f"http://localhost/station/packages/{package.id}"
    headers = {"HX-Request": "true", "HX-Current-URL": page_url}
    refresh = client.get(f"/station/packages/{package.id}/commands", headers=headers)
    scan = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": items[0].barcode, "client_scan_id": "x", "csrf_token": token},
        headers=headers,
    )
    for response in (refresh, scan):
        assert response.status_code == 401
        assert response.headers["HX-Redirect"] == f"/auth/login?next=/station/packages/{package.id}"
        assert "<html" not in response.text
    assert session.scalar(select(func.count(Scan.id))) == 0
    login = client.get("/auth/login").text
    assert "Your session has ended" in login


def test_htmx_errors_answer_as_partials_for_their_zone(client, session, auth, monkeypatch):
    """A 404 and a 500 under htmx are small alerts (no layout) that htmx puts at the top of the
    zone that asked (HX-Reswap afterbegin), carrying the error outcome."""
    _, package, _ = _picker_with_package(session, auth)
    _open(client, package)
    missing = client.get("/station/packages/999999/commands", headers={"HX-Request": "true"})
    assert missing.status_code == 404
    import packing.station.views as station

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(station, "_context", broken)
    failed = client.get(f"/station/packages/{package.id}/commands", headers={"HX-Request": "true"})
    assert failed.status_code == 500
    for response in (missing, failed):
        assert response.headers["HX-Reswap"] == "afterbegin"
        assert 'class="flash flash-error zone-error"' in response.text and 'data-outcome="error"' in response.text
        assert "<html" not in response.text and "Traceback" not in response.text
    full = client.get(f"/station/packages/{package.id}")
    assert full.status_code == 500 and 'class="topbar"' in full.text and ">← Back</a>" in full.text


def test_error_pages_carry_the_layout_and_a_way_back(client, session, auth):
    """403 and 404 pages have the header and navigation, and a Back link to the page the person
    came from on this site (home otherwise)."""
    _, package, _ = _picker_with_package(session, auth)
    forbidden = client.get("/tokens/", headers={"Referer": "http://localhost/queue/"})
    assert forbidden.status_code == 403
    assert 'class="topbar"' in forbidden.text and 'aria-label="Main"' in forbidden.text
    assert '<a class="button primary" href="/queue/">← Back</a>' in forbidden.text
    missing = client.get("/station/packages/999999", headers={"Referer": "https://elsewhere.example/x"})
    assert missing.status_code == 404 and '<a class="button primary" href="/">← Back</a>' in missing.text


def test_a_missing_icon_gets_a_bare_404_and_leaves_the_messages_for_the_page(client, session, auth):
    """A request that prefers images (say, the browser's apple-touch-icon fetch) gets a plain
    404, and the message flashed for the next page is still there for it."""
    _, package, items = _picker_with_package(session, auth)
    token = _token(client, package)
    client.post("/queue/scan", data={"code": "NOPE", "back": "/queue/", "csrf_token": token})
    icon = client.get("/apple-touch-icon.png", headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
    assert icon.status_code == 404 and icon.mimetype == "text/plain" and "<html" not in icon.text
    assert "No package or order NOPE at this store." in client.get("/queue/").text
