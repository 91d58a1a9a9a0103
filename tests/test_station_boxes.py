"""The station's boxes over HTTP: a box type tapped or scanned starts a box, the weight is
saved or refused on its field, units in no box hold Pack back until one tap boxes them."""

from __future__ import annotations

from packing.core.models import PackageBox
from tests import factories
from tests.html import parse, text_of
from tests.test_station import _open, _picker_with_package, _scan_result, _token

HTMX = {"HX-Request": "true"}


def _post(client, package, path, **data):
    return client.post(
        f"/station/packages/{package.id}{path}", data={**data, "csrf_token": _token(client, package)}, headers=HTMX
    )


def _scan(client, package, code, scan_id):
    return _post(client, package, "/scans", barcode=code, client_scan_id=scan_id)


def test_a_tapped_box_type_starts_a_box_shown_with_its_size(client, session, auth):
    """Tapping "New box: M" starts box 1 of type M: the scan zone shows it with its inside
    dimensions, and the command bar is told to refresh."""
    _, package, items = _picker_with_package(session, auth)
    medium = factories.box_type(session, package.stock_location, "M", size=("40", "30", "20"))
    session.commit()
    _open(client, package)
    response = _post(client, package, "/boxes", box_type=str(medium.id))
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "package-changed"
    assert _scan_result(response) == ("counted", "✔ Box 1 (M) started: scan its items.")
    zone = parse(response.text)
    assert "Box 1 of 1 · M · 40 × 30 × 20 cm" in " ".join(text_of(zone.select_one("[data-current-box]")).split())


def test_a_scanned_box_barcode_starts_the_next_box_and_units_go_in_it(client, session, auth):
    """A box type's shelf barcode at the scan field starts a box; the next scan goes into it."""
    _, package, items = _picker_with_package(session, auth)
    factories.box_type(session, package.stock_location, "S", code="BOX-S")
    session.commit()
    _open(client, package)
    response = _scan(client, package, "BOX-S", "box-1")
    assert _scan_result(response)[1] == "✔ Box 1 (S) started: scan its items."
    response = _scan(client, package, items[0].barcode, "s-1")
    chip = parse(response.text).select_one('[data-box="1"]')
    assert "1 unit" in text_of(chip)


def test_a_weight_is_saved_in_the_pickers_words_or_refused_by_name(client, session, auth):
    """A Turkish-comma weight is saved on the current box; zero is refused with its reason
    and changes nothing."""
    _, package, items = _picker_with_package(session, auth)
    medium = factories.box_type(session, package.stock_location, "M")
    session.commit()
    _open(client, package)
    _post(client, package, "/boxes", box_type=str(medium.id))
    saved = _post(client, package, "/boxes/1/weight", weight="1,25")
    assert _scan_result(saved) == ("counted", "✔ Box 1 weighs 1.25 kg.")
    assert parse(saved.text).select_one("[data-weight-field]")["value"] == "1.25"
    refused = _post(client, package, "/boxes/1/weight", weight="0")
    assert refused.status_code == 400
    assert _scan_result(refused) == ("refused", "✖ A box weighs more than 0 kg.")
    session.expire_all()
    assert session.query(PackageBox).filter_by(package_id=package.id).one().weight_kg == 1.25


def test_pack_waits_for_units_in_no_box_and_one_tap_boxes_them(client, session, auth):
    """A unit counted before the first box keeps Pack locked and is named; "Put them in box
    1" boxes it and Pack unlocks."""
    _, package, items = _picker_with_package(session, auth)
    medium = factories.box_type(session, package.stock_location, "M")
    session.commit()
    _open(client, package)
    _scan(client, package, items[0].barcode, "s-1")
    _post(client, package, "/boxes", box_type=str(medium.id))
    response = _scan(client, package, items[1].barcode, "s-2")
    assert "1 counted unit is in no box: Pack waits for it." in text_of(parse(response.text))
    bar = parse(client.get(f"/station/packages/{package.id}/commands", headers=HTMX).text)
    assert bar.select_one("button.primary").has_attr("disabled")
    boxed = _post(client, package, "/boxes/unboxed")
    assert _scan_result(boxed)[1] == "✔ The units in no box are now in box 1."
    bar = parse(client.get(f"/station/packages/{package.id}/commands", headers=HTMX).text)
    assert not bar.select_one("button.primary").has_attr("disabled")


def test_a_store_without_box_types_shows_no_box_strip(client, session, auth):
    """With no box types the station looks as before: one box, no strip."""
    _, package, _items = _picker_with_package(session, auth)
    _open(client, package)
    assert parse(client.get(f"/station/packages/{package.id}").text).select_one("[data-boxes]") is None


def test_after_pack_the_result_names_each_boxs_tracking_number(client, session, auth):
    """Packed in two boxes, the result screen lists box 1 and box 2 with their own numbers."""
    _, package, items = _picker_with_package(session, auth)
    small = factories.box_type(session, package.stock_location, "S")
    session.commit()
    _open(client, package)
    for index, item in enumerate(items):
        _post(client, package, "/boxes", box_type=str(small.id))
        _scan(client, package, item.barcode, f"s-{index}")
    bar = parse(client.get(f"/station/packages/{package.id}/commands", headers=HTMX).text)
    pack_form = bar.select_one("button.primary").find_parent("form")
    packed = client.post(
        pack_form["action"],
        data={"csrf_token": _token(client, package), "version": pack_form.select_one("[name=version]")["value"]},
    )
    assert packed.status_code == 303
    lines = [
        text_of(line) for line in parse(client.get(f"/station/packages/{package.id}").text).select(".box-numbers li")
    ]
    session.expire_all()
    numbers = [
        box.tracking_number
        for box in session.query(PackageBox).filter_by(package_id=package.id).order_by(PackageBox.number)
    ]
    assert lines == [f"Box 1 of 2 (S): {numbers[0]}", f"Box 2 of 2 (S): {numbers[1]}"]
