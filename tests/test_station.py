"""The package screen over HTTP: opening claims, scans count, commands run, refusals show."""
from __future__ import annotations

from sqlalchemy import func, select

from packing.core.catalogue import PackageStatus
from packing.core.models import DenialReason, Package, Scan, Transition, TransitionLog
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
    assert "Wrong item" in response.text and "scan-wrong_item" in response.text
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
    log = session.scalars(select(TransitionLog).where(TransitionLog.object_id == package.id).order_by(TransitionLog.id.desc())).first()
    assert log.attributes["denial_reason"] == damaged.id


def test_out_of_stock_offers_the_unscanned_items_first(client, session, auth):
    """The out-of-stock panel pre-selects the units not scanned; confirming marks them out of stock."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "s0"}, htmx=True)
    session.expire_all()
    scanned_item, missing_item = sorted(package.items, key=lambda i: i.order_item.product_id != items[0].id)
    oos = _transition_id(session, OUT_OF_STOCK)
    panel = parse(client.get(f"/station/packages/{package.id}?command={oos}").text)
    checked = {int(box["value"]) for box in panel.select('input[name="package_items"][checked]')}
    assert checked == {missing_item.id}
    assert panel.select_one(f'input[name="package_items"][value="{scanned_item.id}"]') is not None
    done = _post(client, package, f"/commands/{oos}", {"package_items": [str(missing_item.id)]}, htmx=True)
    assert done.status_code == 200
    session.expire_all()
    assert package.state.enum_value == PackageStatus.CONTAINS_OUT_OF_STOCK.value
    assert "Scanned 1 of 1" in done.text


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
    new_package = session.scalars(select(Package).where(Package.order_id == package.order_id, Package.id != package.id)).one()
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
    """A second picker sees who holds the package and gets no scan field or commands."""
    store = factories.location(session)
    holder = factories.user(session, locations=[store])
    package = factories.package(session, at=store)
    session.commit()
    from packing.core.db import transaction
    from packing.core.scanning import run_station_command

    with transaction(session):
        run_station_command(session, package.id, "package__prepare_package_command__waiting__preparing", {}, holder)
    auth.login(location=store)
    page = parse(client.get(f"/station/packages/{package.id}").text)
    assert f"{holder.username} is packing this package" in text_of(page.select_one('[role="alert"]:not([hidden])'))
    assert page.select('input[name="barcode"]') == [] and page.select(".command-bar") == []


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
    assert f"Count one {items[0].name} by hand" in page
    counted = _post(client, package, "/scans/manual", {"product": str(items[0].id), "client_scan_id": "m-1"}, htmx=True)
    assert counted.status_code == 200 and "Counted by hand" in counted.text and "1 by hand" in counted.text
    assert session.scalar(select(Scan.is_manual)) is True
    undone = _post(client, package, "/scans/undo", htmx=True)
    assert undone.status_code == 200 and "Last scan taken back." in undone.text and "Scanned 0 of 1" in undone.text
    nothing = _post(client, package, "/scans/undo", htmx=True)
    assert nothing.status_code == 422 and "There is no scan to undo." in nothing.text


def test_after_pack_the_picker_can_print_the_label(client, session, auth):
    """The result after Pack offers the label of the package just packed, and it downloads as a PDF."""
    _, package, items = _picker_with_package(session, auth, products=1)
    _open(client, package)
    _post(client, package, "/scans", {"barcode": items[0].barcode, "client_scan_id": "only"}, htmx=True)
    packed = _post(client, package, f"/commands/{_transition_id(session, PACK)}", htmx=True)
    label_url = f"/documents/packages/{package.id}/label.pdf"
    assert label_url in packed.text and "Print label" in packed.text
    label = client.get(label_url)
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
