"""Boxes (parcels) end to end: started at the station by tap or shelf barcode, filled by
scans, weighed, gating Pack, one box by default, and each box's label (PDF and ZPL) with
its own tracking number, parcel k of N, weight and SSCC; the API, webhooks and packing
slip show them."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from packing.core import boxes, events, gs1, labels, packing_slips, print_batches, scanning, shipping, zpl
from packing.core.db import transaction
from packing.core.errors import CommandNotAllowed, InvalidParameter, NotFound
from packing.core.models import PackageBox, TransitionLog
from tests import factories
from tests.api.conftest import Integrator
from tests.test_documents import POINTS_PER_INCH
from tests.test_zpl import parse_zpl

PACK = "package__complete_packaging__preparing__packed-all-items"
RELEASE = "package__release_package__preparing__waiting"
SPLIT = "package__split_package__preparing__preparing"
GS1_PREFIX = "8690001"


@pytest.fixture
def picker(session):
    return factories.user(session)


def _start(session, package, box_type, user):
    with transaction(session):
        return scanning.start_box(session, package.id, box_type.id, user)


def _weigh(session, package, number, text, user):
    with transaction(session):
        return scanning.set_box_weight(session, package.id, number, text, user)


def _pack(session, package, user):
    with transaction(session):
        return scanning.run_station_command(session, package.id, PACK, {}, user)


def _three_boxes(session, picker):
    """A package of three products, each scanned into a box of its own (S, M, L), weighed."""
    store = picker.stock_locations[0]
    small, medium, large = (factories.box_type(session, store, name) for name in ("S", "M", "L"))
    products = [factories.product(session, name=name) for name in ("Mug", "Lamp", "Rug")]
    package = factories.claimed_package(session, picker, products)
    for index, (box_type, product, weight) in enumerate(
        zip((small, medium, large), products, ("0.8", "1,25", "3.5"), strict=True)
    ):
        _start(session, package, box_type, picker)
        factories.scan(session, package, product.barcode, f"scan-{index}", picker)
        _weigh(session, package, index + 1, weight, picker)
    _pack(session, package, picker)
    session.refresh(package)
    return package


def _page_codes(pdf: bytes, page_number: int) -> list[tuple[str, str]]:
    """Every barcode on one page as (symbology identifier, text): ``]C0`` Code 128, ``]C1`` GS1-128."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page_number].render(scale=300 / POINTS_PER_INCH).to_pil()
    finally:
        document.close()
    return [(code.symbology_identifier, code.text) for code in zxingcpp.read_barcodes(image)]


def _page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_three_box_package_prints_a_label_per_box_with_its_own_number_parcel_and_weight(session, picker):
    """A package packed in three boxes has three label pages; page k's Code 128 decodes box
    k's own tracking number (box 1 the shipment's) beside the package number, its QR that
    number's tracking link, and its text says "Parcel k of 3" and the box's weight."""
    package = _three_boxes(session, picker)
    numbers = [box.tracking_number for box in package.boxes]
    assert numbers[0] == package.tracking_number and len(set(numbers)) == 3
    assert all(shipping.is_valid_builtin_tracking_number(number) for number in numbers)
    pdf = labels.render_label_pdf(package)
    texts = _page_texts(pdf)
    assert len(texts) == 3
    for k, (text, number, weight) in enumerate(
        zip(texts, numbers, ("0.8 kg", "1.25 kg", "3.5 kg"), strict=True), start=1
    ):
        assert f"Parcel {k} of 3" in text and f"Weight: {weight}" in text and "Items: 1" in text
        codes = _page_codes(pdf, k - 1)
        assert sorted(value for symbology, value in codes if symbology.startswith("]C")) == sorted(
            [number, package.number]
        )
        assert [value for symbology, value in codes if symbology.startswith("]Q")] == [f"https://track.test/{number}"]


def test_cash_on_delivery_is_asked_for_on_the_first_parcel_only(session, picker):
    """A pay-on-delivery package in three boxes is collected once: parcel 1's label carries
    the amount, parcels 2 and 3 carry none."""
    package = _three_boxes(session, picker)
    package.shipment.pay_on_delivery_amount = Decimal("150.50")
    session.flush()
    texts = _page_texts(labels.render_label_pdf(package))
    assert ["CASH ON DELIVERY" in text for text in texts] == [True, False, False]
    assert "150.50" in texts[0]


def test_three_box_package_zpl_has_a_format_per_box_with_its_number(session, picker):
    """The ZPL file holds one format per box; each ^BC field is that box's tracking number."""
    package = _three_boxes(session, picker)
    formats = parse_zpl(zpl.package_zpl(package))
    assert len(formats) == 3
    for k, (fmt, box) in enumerate(zip(formats, package.boxes, strict=True), start=1):
        codes = [data for name, _params, data in fmt["barcodes"] if name == "BC"]
        assert codes == [box.tracking_number, package.number]
        assert f"Parcel {k} of 3" in "\n".join(fmt["texts"])


def test_api_detail_and_webhook_payload_show_the_boxes(session, picker, client):
    """The package's full format lists its boxes with type, dimensions, weight, tracking
    number and items, in the API's answer and in a webhook's snapshot."""
    package = _three_boxes(session, picker)
    integrator = Integrator(client, session, location=picker.stock_locations[0])
    body = integrator.get(f"/api/v1/oms/packages/{package.id}/").json
    assert [box["number"] for box in body["boxes"]] == [1, 2, 3]
    first = body["boxes"][0]
    assert first["box_type"]["name"] == "S" and first["weight_kg"] == "0.800"
    assert first["dimensions_cm"] == {"length": "40.0", "width": "30.0", "height": "20.0"}
    assert first["tracking_number"] == package.tracking_number and first["sscc"] is None
    assert sorted(item for box in body["boxes"] for item in box["package_items"]) == sorted(
        item["id"] for item in body["packageitem_set"]
    )
    assert events.snapshot(session, package)["boxes"] == body["boxes"]


def test_pack_is_refused_while_a_counted_unit_is_in_no_box(session, picker):
    """A unit counted before the first box was started is in no box: Pack is refused and
    says how many; one tap puts it in the current box and Pack goes through."""
    mug, lamp = factories.product(session, name="Mug"), factories.product(session, name="Lamp")
    package = factories.claimed_package(session, picker, [mug, lamp])
    factories.scan(session, package, mug.barcode, "a", picker)
    _start(session, package, factories.box_type(session, picker.stock_locations[0]), picker)
    factories.scan(session, package, lamp.barcode, "b", picker)
    assert scanning.unboxed_units(session, package) == 1
    with pytest.raises(CommandNotAllowed) as refused:
        _pack(session, package, picker)
    assert refused.value.field == "boxes" and refused.value.values == {"count": 1}
    with transaction(session):
        scanning.box_unboxed_units(session, package.id, picker)
    _pack(session, package, picker)
    session.refresh(package)
    [box] = package.boxes
    assert {item.box_id for item in package.items} == {box.id}


def test_a_package_whose_picker_starts_no_box_is_packed_in_one(session, picker):
    """Without a box started, Pack needs no extra step: one box holds every unit and carries
    the shipment's tracking number; the log says one box."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    factories.scan(session, package, shirt.barcode, "a", picker)
    factories.scan(session, package, shirt.barcode, "b", picker)
    _pack(session, package, picker)
    session.refresh(package)
    [box] = package.boxes
    assert (box.number, box.box_type, box.tracking_number) == (1, None, package.tracking_number)
    assert {item.box_id for item in package.items} == {box.id}
    log = session.query(TransitionLog).filter_by(object_id=package.id).order_by(TransitionLog.id.desc()).first()
    assert log.attributes["boxes"] == 1
    assert "Parcel 1 of 1" in _page_texts(labels.render_label_pdf(package))[0]


def test_a_box_types_shelf_barcode_starts_a_box_once(session, picker):
    """Scanning a box type's barcode starts a box of that type (a retry of the same scan
    starts no second one); the units scanned next go into it."""
    store = picker.stock_locations[0]
    medium = factories.box_type(session, store, "M", code="BOX-M")
    large = factories.box_type(session, store, "L", code="BOX-L")
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    started = factories.scan(session, package, "BOX-M", "box-1", picker)
    again = factories.scan(session, package, "BOX-M", "box-1", picker)
    assert isinstance(started, boxes.BoxStarted) and again.repeated and again.box.id == started.box.id
    factories.scan(session, package, shirt.barcode, "a", picker)
    factories.scan(session, package, "BOX-L", "box-2", picker)
    factories.scan(session, package, shirt.barcode, "b", picker)
    session.refresh(package)
    assert [(box.number, box.box_type_id) for box in package.boxes] == [(1, medium.id), (2, large.id)]
    assert sorted(item.box_id for item in package.items) == [box.id for box in package.boxes]


def test_another_stores_box_barcode_is_an_unknown_code(session, picker):
    """A box type of another store is not this station's: its barcode is refused as unknown."""
    factories.box_type(session, factories.location(session), code="BOX-ELSEWHERE")
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(Exception) as refused:
        factories.scan(session, package, "BOX-ELSEWHERE", "a", picker)
    assert refused.value.kind == scanning.UNKNOWN_CODE


def test_tapping_a_type_on_an_empty_box_changes_its_type(session, picker):
    """A mis-tap costs nothing: a box type tapped while the current box is empty retypes it."""
    store = picker.stock_locations[0]
    small, large = (
        factories.box_type(session, store, "S", size=("20", "15", "10")),
        factories.box_type(session, store, "L"),
    )
    package = factories.claimed_package(session, picker, [factories.product(session)])
    _start(session, package, small, picker)
    retyped = _start(session, package, large, picker)
    assert retyped.retyped and retyped.box.number == 1 and retyped.box.box_type_id == large.id
    assert retyped.box.length_cm == Decimal("40.0")
    assert len(boxes.package_boxes(session, package.id)) == 1


def test_undo_takes_the_unit_out_of_its_box_and_put_back_unpacks_the_boxes(session, picker):
    """An undone scan's unit leaves its box; a package put back loses its boxes."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    _start(session, package, factories.box_type(session, picker.stock_locations[0]), picker)
    factories.scan(session, package, shirt.barcode, "a", picker)
    with transaction(session):
        scanning.undo_last_scan(session, package.id, picker)
    session.refresh(package)
    assert all(item.box_id is None for item in package.items)
    with transaction(session):
        scanning.run_station_command(session, package.id, RELEASE, {}, picker)
    assert boxes.package_boxes(session, package.id) == []


@pytest.mark.parametrize(
    ("typed", "kilograms"), [("1.25", "1.250"), ("1,25", "1.250"), ("0001.250 kg", "1.250"), ("2KG", "2.000")]
)
def test_a_weight_is_read_as_people_and_scales_type_it(typed, kilograms):
    """Dot or comma, leading zeros and a "kg" are all read as kilograms, to the gram."""
    assert boxes.parse_weight(typed) == Decimal(kilograms)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Type the weight in kilograms, like 1.25."),
        ("heavy", "Type the weight in kilograms, like 1.25."),
        ("0", "A box weighs more than 0 kg."),
        ("0.0004", "A box weighs more than 0 kg."),
        ("-2", "A box weighs more than 0 kg."),
        ("100.001", "A box weighs at most 100 kg."),
    ],
)
def test_a_weight_out_of_bounds_is_refused_by_name(typed, reason):
    """A weight that is not a number, not more than 0 or over 100 kg is refused on its field."""
    with pytest.raises(InvalidParameter) as refused:
        boxes.parse_weight(typed)
    assert refused.value.reason == reason and refused.value.field == "weight"


def test_weighing_a_box_the_package_lacks_is_not_found(session, picker):
    """Only a box the package has can be weighed."""
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(NotFound):
        _weigh(session, package, 1, "1.0", picker)


def test_suffix_carrier_numbers_boxes_from_the_master_and_prints_sscc(session, picker, monkeypatch):
    """A carrier set to "suffix" with SSCCs gives box k the shipment's number plus "-0k" and
    an SSCC from the company prefix; each page's GS1-128 decodes "(00)" and that SSCC."""
    monkeypatch.setattr(shipping, "_gs1_company_prefix", GS1_PREFIX)
    carrier = factories.cargo_company(session)
    carrier.parcel_tracking, carrier.uses_sscc = shipping.MASTER_SUFFIX, True
    package = _three_boxes(session, picker)
    master = package.tracking_number
    assert [box.tracking_number for box in package.boxes] == [f"{master}-01", f"{master}-02", f"{master}-03"]
    ssccs = [box.sscc for box in package.boxes]
    assert all(len(code) == 18 and code[1:8] == GS1_PREFIX and gs1.check_digit_ok(code) for code in ssccs)
    pdf = labels.render_label_pdf(package)
    for page, (box, sscc) in enumerate(zip(package.boxes, ssccs, strict=True)):
        codes = _page_codes(pdf, page)
        assert ("]C1", f"(00){sscc}") in codes
        assert ("]C0", box.tracking_number) in codes
    [fmt, *_rest] = parse_zpl(zpl.package_zpl(package))
    assert [data for name, params, data in fmt["barcodes"] if name == "BC" and params.endswith(",D")] == [
        f"(00){ssccs[0]}"
    ]


def test_a_carrier_asking_for_sscc_without_a_company_prefix_refuses_the_pack(session, picker, monkeypatch):
    """Without GS1_COMPANY_PREFIX a carrier that wants SSCCs cannot ship: Pack says why."""
    monkeypatch.setattr(shipping, "_gs1_company_prefix", "")
    factories.cargo_company(session).uses_sscc = True
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    factories.scan(session, package, shirt.barcode, "a", picker)
    with pytest.raises(InvalidParameter) as refused:
        _pack(session, package, picker)
    assert "GS1_COMPANY_PREFIX" in refused.value.reason
    assert session.query(PackageBox).filter_by(package_id=package.id).count() == 0


def test_sscc_check_digit_follows_gs1():
    """The SSCC's 18th digit is the GS1 mod-10 check digit (GS1's own example)."""
    assert gs1.sscc("0614141", 123456789, extension=1) == "106141411234567897"
    assert gs1.sscc("8690001", 42) == "086900010000000420"[:17] + gs1.check_digit("08690001000000042")
    assert gs1.check_digit_ok(gs1.sscc("8690001", 42))


def test_packing_slip_lists_each_boxs_contents(session, picker):
    """The packing slip lists each box, with its type, and under it the products it holds."""
    package = _three_boxes(session, picker)
    text = PdfReader(io.BytesIO(packing_slips.render_packing_slip_pdf(package))).pages[0].extract_text().upper()
    headings = [text.index(f"BOX {k} OF 3 · {name}") for k, name in ((1, "S"), (2, "M"), (3, "L"))]
    products = [text.index(name) for name in ("MUG", "LAMP", "RUG")]
    assert headings[0] < products[0] < headings[1] < products[1] < headings[2] < products[2]


def test_a_label_batch_prints_every_box_of_every_package(session, picker):
    """A batch of a 3-box package and a one-box package is one PDF of four labels, the boxes
    in order."""
    boxed = _three_boxes(session, picker)
    single = factories.packed_package(session, at=picker.stock_locations[0])
    batch = print_batches.create_print_batch(session, boxed.stock_location_id, [boxed.id, single.id], "label", picker)
    pdf = print_batches.join_pdfs(print_batches.batch_documents(session, batch))
    texts = _page_texts(pdf)
    assert [text.split("Parcel ")[1][:6] for text in texts] == ["1 of 3", "2 of 3", "3 of 3", "1 of 1"]


def test_an_admin_sets_how_a_carrier_tracks_boxes_and_asks_for_sscc(client, auth, session, monkeypatch):
    """The carrier form keeps "suffix" numbering and SSCCs, audited; SSCCs without a GS1
    company prefix are refused on their field."""
    from packing.core.models import AuditEntry, CargoCompany
    from tests.conftest import csrf_token_from
    from tests.test_admin_stores import _carrier_form

    auth.login(role="admin")
    token = csrf_token_from(client.get("/admin/carriers/new").text)
    monkeypatch.setattr(shipping, "_gs1_company_prefix", "")
    form = {**_carrier_form(parcel_tracking="suffix", uses_sscc="y"), "csrf_token": token}
    refused = client.post("/admin/carriers/new", data=form)
    assert refused.status_code == 400 and "GS1_COMPANY_PREFIX" in refused.text
    monkeypatch.setattr(shipping, "_gs1_company_prefix", GS1_PREFIX)
    assert client.post("/admin/carriers/new", data=form).status_code == 303
    carrier = session.query(CargoCompany).filter_by(erp_code="yurtici").one()
    assert (carrier.parcel_tracking, carrier.uses_sscc) == ("suffix", True)
    entry = session.query(AuditEntry).filter_by(action="carrier.created").one()
    assert (entry.after["parcel_tracking"], entry.after["uses_sscc"]) == ("suffix", True)


def test_who_packed_what_counts_each_packages_boxes(session, picker):
    """The report's boxes column is the number of boxes each package was packed in."""
    from datetime import UTC, datetime

    from packing.core import dashboard

    boxed = _three_boxes(session, picker)
    single = factories.claimed_package(session, picker, [factories.product(session)])
    factories.scan(session, single, single.items[0].order_item.product.barcode, "one", picker)
    _pack(session, single, picker)
    clock = dashboard.StoreClock(dashboard.time_zone(None, "UTC"), datetime.now(UTC))
    report = dashboard.packed_report(session, boxed.stock_location_id, clock, clock.today, clock.today)
    assert {row.package_number: row.boxes for row in report.rows} == {boxed.number: 3, single.number: 1}


def test_units_split_off_leave_their_box(session, picker):
    """A boxed unit split into a new package (here by the API's command, which keeps scans
    as they are) is in none of the old package's boxes; the new package packs in its own."""
    from packing.core.commands import execute_command

    mug, lamp = factories.product(session, name="Mug"), factories.product(session, name="Lamp")
    package = factories.claimed_package(session, picker, [mug, lamp])
    _start(session, package, factories.box_type(session, picker.stock_locations[0]), picker)
    factories.scan(session, package, mug.barcode, "a", picker)
    factories.scan(session, package, lamp.barcode, "b", picker)
    lamp_item = next(item for item in package.items if item.order_item.product_id == lamp.id)
    assert lamp_item.box_id is not None
    with transaction(session):
        result = execute_command(session, package.id, SPLIT, {"package_items": [lamp_item.id]}, picker)
    assert lamp_item.box_id is None
    new_package = session.get(type(package), result.response["package__id"])
    with transaction(session):
        execute_command(session, new_package.id, "package__complete_packaging__waiting__packed-all-items", {}, picker)
    session.refresh(new_package)
    assert [item.box_id for item in new_package.items] == [new_package.boxes[0].id]
