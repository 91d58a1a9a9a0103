"""Case and packaging barcodes: one scan counts a case's N units, or none; one undo takes them back."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from packing.core import scanning
from packing.core.db import transaction
from packing.core.errors import ImportFailed, ScanRefused
from packing.core.importer import import_packages
from packing.core.messages import translate, translations_for
from packing.core.models import Product, ProductPackaging, Scan
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse, text_of

SPLIT = "package__split_package__preparing__preparing"
CASE = "CASE-0001"
REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_package_list.json").read_text())


@pytest.fixture
def picker(session):
    return factories.user(session)


def _shirts_with_case(session, quantity=6):
    shirt = factories.product(session)
    session.add(ProductPackaging(product_id=shirt.id, barcode=CASE, quantity=quantity))
    session.flush()
    return shirt


def _scanned(session, package) -> int:
    return sum(count.scanned for count in scanning.product_counts(session, package))


def test_a_case_barcode_counts_its_six_units_in_one_scan(session, picker):
    """Scanning a case of 6 counts 6 units of its product, and the pack gate opens when that completes the package."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 6)
    outcome = factories.scan(session, package, CASE, "case-1", picker)
    assert outcome.units == 6 and outcome.completes and outcome.may_change_pack_gate
    assert _scanned(session, package) == 6
    assert scanning.pack_gate_open(scanning.product_counts(session, package))


def test_a_case_is_refused_whole_when_only_five_units_remain(session, picker):
    """With 5 units left to scan, a case of 6 is refused as too big, names both numbers, and counts nothing."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 6)
    factories.scan(session, package, shirt.barcode, "unit-1")
    with pytest.raises(ScanRefused) as refusal, transaction(session):
        scanning.record_scan(session, package.id, CASE, "case-1", picker)
    assert refusal.value.kind == scanning.CASE_TOO_BIG
    assert refusal.value.values["quantity"] == 6 and refusal.value.values["remaining"] == 5
    assert refusal.value.product.id == shirt.id
    assert _scanned(session, package) == 1
    assert session.scalar(select(func.count(Scan.id))) == 1


def test_the_refusal_reads_in_turkish_with_both_numbers(session, picker):
    """The too-big refusal is a catalogue template: in Turkish it names the product and both numbers."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 5)
    with pytest.raises(ScanRefused) as refusal, transaction(session):
        scanning.record_scan(session, package.id, CASE, "case-1", picker)
    turkish = translate(translations_for("tr"), refusal.value.template, **refusal.value.values)
    assert turkish == f"Koli sayılmadı: içinde 6 × {shirt.name} var, okutulacak yalnızca 5 adet kaldı."


def test_one_undo_takes_back_the_whole_case(session, picker):
    """After a unit and then a case, one undo takes back the case's 6 units and leaves the unit counted."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 7)
    factories.scan(session, package, shirt.barcode, "unit-1")
    factories.scan(session, package, CASE, "case-1")
    assert _scanned(session, package) == 7
    with transaction(session):
        undone = scanning.undo_last_scan(session, package.id, picker)
    assert undone.undone and undone.units == 6 and undone.may_change_pack_gate
    assert _scanned(session, package) == 1
    with transaction(session):
        scanning.undo_last_scan(session, package.id, picker)
    assert _scanned(session, package) == 0


def test_a_repeated_case_scan_counts_nothing_more(session, picker):
    """A retried case scan (same client scan id) answers repeated with its 6 units and writes nothing."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 12)
    factories.scan(session, package, CASE, "case-1")
    again = factories.scan(session, package, CASE, "case-1")
    assert again.repeated and again.units == 6
    assert _scanned(session, package) == 6


def test_a_case_of_a_product_not_in_the_package_is_a_wrong_item(session, picker):
    """A case barcode of another product is refused as a wrong item naming that product."""
    _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(ScanRefused) as refusal, transaction(session):
        scanning.record_scan(session, package.id, CASE, "case-1", picker)
    assert refusal.value.kind == scanning.WRONG_ITEM


def test_units_split_off_stop_counting_and_undo_takes_back_the_rest_of_the_case(session, picker):
    """Splitting off two of a case's units retires their scans; the undo then takes back the other four."""
    shirt = _shirts_with_case(session)
    package = factories.claimed_package(session, picker, [shirt] * 6)
    factories.scan(session, package, CASE, "case-1")
    moved = [item.id for item in package.items[:2]]
    with transaction(session):
        scanning.run_station_command(session, package.id, SPLIT, {"package_items": moved}, picker)
    assert _scanned(session, package) == 4
    with transaction(session):
        undone = scanning.undo_last_scan(session, package.id, picker)
    assert undone.units == 4 and _scanned(session, package) == 0


def test_the_station_answers_counted_six_and_the_undo_takes_them_back(client, session, auth):
    """Over HTTP a case scan answers 'Counted 6 × <product>' and one undo returns the count to 0."""
    store = factories.location(session)
    shirt = _shirts_with_case(session)
    package = factories.package(session, at=store, products=[shirt] * 6)
    session.commit()
    auth.login(location=store)
    client.post(
        f"/station/packages/{package.id}/open", data={"csrf_token": csrf_token_from(client.get("/queue/").text)}
    )

    def post(path, data):
        token = csrf_token_from(client.get(f"/station/packages/{package.id}").text)
        return client.post(
            f"/station/packages/{package.id}{path}",
            data={"csrf_token": token, **data},
            headers={"HX-Request": "true"},
        )

    counted = post("/scans", {"barcode": CASE, "client_scan_id": "c-1"})
    result = text_of(parse(counted.text).select_one("#scan-result"))
    assert "Counted 6 × Test T-Shirt" in result and "Scanned 6 of 6" in counted.text
    undone = post("/scans/undo", {})
    assert "Scanned 0 of 6" in undone.text and undone.headers["HX-Trigger"] == "package-changed"


def test_the_station_refuses_a_case_too_big_with_both_numbers(client, session, auth):
    """A case of 6 with 5 units left answers 422 with the product and both numbers."""
    store = factories.location(session)
    shirt = _shirts_with_case(session)
    package = factories.package(session, at=store, products=[shirt] * 5)
    session.commit()
    auth.login(location=store)
    client.post(
        f"/station/packages/{package.id}/open", data={"csrf_token": csrf_token_from(client.get("/queue/").text)}
    )
    token = csrf_token_from(client.get(f"/station/packages/{package.id}").text)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"csrf_token": token, "barcode": CASE, "client_scan_id": "c-1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    result = parse(response.text).select_one("#scan-result")
    assert result["data-outcome"] == "over-scan"
    assert "6 × Test T-Shirt" in text_of(result) and "only 5" in text_of(result)


# --- Imported from the product's attributes ------------------------------------------------


def _product_node(doc) -> dict:
    return doc["results"][1]["packageitem_set"][0]["order_item"]["product"]


def test_the_importer_reads_case_barcodes_from_the_products_attributes(session):
    """attributes.packaging_barcodes creates the product's cases; a re-import updates the quantity."""
    document = copy.deepcopy(REFERENCE)
    _product_node(document)["attributes"]["packaging_barcodes"] = [{"barcode": "CASE-8", "quantity": 6}]
    with transaction(session):
        import_packages(session, document, create_locations=True)
    product = session.scalar(select(Product).where(Product.sku == _product_node(document)["sku"]))
    [case] = session.scalars(select(ProductPackaging))
    assert (case.product_id, case.barcode, case.quantity) == (product.id, "CASE-8", 6)
    _product_node(document)["attributes"]["packaging_barcodes"] = [{"barcode": "CASE-8", "quantity": 12}]
    with transaction(session):
        import_packages(session, document, create_locations=True)
    session.expire_all()
    assert [c.quantity for c in session.scalars(select(ProductPackaging))] == [12]


@pytest.mark.parametrize(
    ("entry", "field"),
    [({"barcode": "CASE-8", "quantity": 1}, "quantity"), ({"quantity": 6}, "barcode"), ({"barcode": "X"}, "quantity")],
    ids=["one-unit", "no-barcode", "no-quantity"],
)
def test_a_broken_case_entry_is_refused_by_path(session, entry, field):
    """A case of fewer than 2 units, or without barcode or quantity, is refused naming its path."""
    document = copy.deepcopy(REFERENCE)
    _product_node(document)["attributes"]["packaging_barcodes"] = [entry]
    with pytest.raises(ImportFailed) as failure, transaction(session):
        import_packages(session, document, create_locations=True)
    path = "results[1].packageitem_set[0].order_item.product.attributes.packaging_barcodes[0]"
    assert failure.value.path == f"{path}.{field}"
    assert session.scalar(select(func.count(ProductPackaging.id))) == 0


def test_a_case_scanned_on_the_queue_is_an_item_not_a_package(client, session, auth):
    """The queue's field tells a case barcode from a package number: it is an item, not counted."""
    store = factories.location(session)
    _shirts_with_case(session)
    session.commit()
    auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/scan", data={"code": CASE, "csrf_token": token})
    assert response.status_code == 303
    assert f"{CASE} is an item, not a package: not counted." in client.get("/queue/").text


@pytest.mark.parametrize("where", ["barcode", "barcodes"])
def test_an_imported_product_barcode_that_is_already_a_case_is_refused(session, where):
    """A product's barcode (or extra barcode) equal to another product's case barcode refuses the
    import by path and names the case's product, so a scan never has to guess unit or case."""
    _shirts_with_case(session)
    session.commit()
    document = copy.deepcopy(REFERENCE)
    node = _product_node(document)
    if where == "barcode":
        node["barcode"] = CASE
    else:
        node["barcodes"] = ["EXTRA-1", CASE]
    with pytest.raises(ImportFailed) as failure, transaction(session):
        import_packages(session, document, create_locations=True)
    path = "results[1].packageitem_set[0].order_item.product"
    assert failure.value.path == (f"{path}.barcode" if where == "barcode" else f"{path}.barcodes[1]")
    assert CASE in failure.value.reason
