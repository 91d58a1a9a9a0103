"""Importing reference-shaped package documents: faithful, all-or-nothing, idempotent."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import ImportFailed
from packing.core.importer import import_packages
from packing.core.messages import translate, translations_for
from packing.core.models import (
    DenialReason,
    Order,
    OrderItem,
    Package,
    PackageItem,
    Product,
    StockLocation,
    TransitionLog,
    WebhookEvent,
)
from tests import factories

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_package_list.json").read_text())


def _counts(session) -> dict:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Package, PackageItem, Order, OrderItem, Product, StockLocation)
    }


def test_reference_list_imports_with_its_numbers_skus_and_states(session):
    """The reference's Package List example creates its location, orders, products, packages and items."""
    with transaction(session):
        result = import_packages(session, REFERENCE, create_locations=True)
    assert result.created == ["2236607691411584P1", "2236635981212192P1"]

    waiting = session.scalar(select(Package).where(Package.number == "2236635981212192P1"))
    assert waiting.state.enum_class == "PackageStatus" and waiting.state.enum_value == "100"
    assert waiting.order.number == "2236635981212192"
    assert waiting.stock_location.erp_code == "1"
    assert waiting.stock_location.name == "PZ Store 1"
    assert waiting.stock_location.target_packing_interval == 5 * 86400
    assert waiting.order.shipping_address.city.name == "MILANO"
    assert waiting.order.shipping_address.postcode == "34000"
    assert waiting.extra_information == {"distance_to_shipping_address": 5}
    [item] = waiting.items
    assert item.state.enum_class == "PackageItemStatus" and item.state.enum_value == "100"
    assert item.order_item.product.sku == "8"
    assert item.order_item.product.attributes["beden"] == "L"
    assert str(item.order_item.price) == "599.99"
    assert item.order_item.tax_rate == 8

    delivered = session.scalar(select(Package).where(Package.number == "2236607691411584P1"))
    assert delivered.state.enum_value == "800"
    assert delivered.tracking_number == "68993"
    assert delivered.items[0].order_item.product.sku == "AKN-009"


def test_reimporting_updates_instead_of_duplicating(session):
    """Importing the same package twice updates it: no second package, item, order or product."""
    with transaction(session):
        import_packages(session, REFERENCE, create_locations=True)
    before = _counts(session)
    changed = copy.deepcopy(REFERENCE)
    changed["results"][1]["remote_id"] = "ERP-42"
    changed["results"][1]["state"]["enum_value"] = "200"
    with transaction(session):
        result = import_packages(session, changed, create_locations=True)
    assert result.updated == ["2236607691411584P1", "2236635981212192P1"] and not result.created
    assert _counts(session) == before
    package = session.scalar(select(Package).where(Package.number == "2236635981212192P1"))
    assert package.remote_id == "ERP-42"
    assert package.state.enum_value == "200"


def test_a_refusal_reads_in_turkish_naming_the_same_path_and_value(session):
    """An import refusal is a catalogue template: in Turkish it names the same path and value."""
    broken = copy.deepcopy(REFERENCE)
    broken["results"][1].update(date_placed="yesterday")
    with pytest.raises(ImportFailed) as failure:
        import_packages(session, broken, create_locations=True)
    turkish = translate(translations_for("tr"), failure.value.template, **failure.value.values)
    assert turkish == "results[1].date_placed: 'yesterday' bir ISO 8601 tarih-saati değil."


def test_a_single_package_object_imports_too(session):
    """A Package Detail document (one object, no results list) imports as one package."""
    with transaction(session):
        result = import_packages(session, REFERENCE["results"][1], create_locations=True)
    assert result.created == ["2236635981212192P1"]


def test_the_same_number_twice_in_one_document_is_refused(session):
    """Two packages with one number in a document are a mistake, reported at the second."""
    doubled = {"results": [REFERENCE["results"][1], REFERENCE["results"][1]]}
    with pytest.raises(ImportFailed) as failure:
        import_packages(session, doubled, create_locations=True)
    assert failure.value.path == "results[1].number"


# --- Imports never undo newer work ---------------------------------------------------------

WAITING_NUMBER = "2236635981212192P1"
PACK = "package__complete_packaging__waiting__packed-all-items"
REFUSE = "package__refuse_package__waiting__requires-replan"


def _snapshot(session, number: str) -> tuple:
    session.expire_all()
    package = session.scalar(select(Package).where(Package.number == number))
    logs = session.scalar(select(func.count()).select_from(TransitionLog).where(TransitionLog.object_id == package.id))
    events = session.scalar(select(func.count()).select_from(WebhookEvent))
    return package.state.enum_value, sorted(i.state.enum_value for i in package.items), package.version, logs, events


@pytest.mark.parametrize(
    ("slug", "parameters", "state"),
    [(PACK, {}, "500"), (REFUSE, {"denial_reason": "damaged"}, "350")],
    ids=["packed", "refused"],
)
def test_reimporting_an_old_export_leaves_a_moved_package_as_it_is(session, slug, parameters, state):
    """A package packed (or refused) after its import keeps its state, items, version, logs
    and events when the original export is imported again; it is reported with the reason."""
    factories.webhook(session, "package.state_changed")
    with transaction(session):
        import_packages(session, REFERENCE, create_locations=True)
    with transaction(session):
        package = session.scalar(select(Package).where(Package.number == WAITING_NUMBER))
        execute_command(session, package.id, slug, parameters)
    moved = _snapshot(session, WAITING_NUMBER)
    assert moved[0] == state

    with transaction(session):
        result = import_packages(session, REFERENCE, create_locations=True)

    assert [number for number, _reason in result.skipped] == [WAITING_NUMBER]
    assert "moved since its last import" in str(result.skipped[0][1])
    assert WAITING_NUMBER not in result.updated
    assert _snapshot(session, WAITING_NUMBER) == moved


def test_reimporting_an_unmoved_package_updates_it_and_bumps_its_version(session):
    """A package nobody touched since its import takes the new export, with a new version."""
    with transaction(session):
        import_packages(session, REFERENCE, create_locations=True)
    version = _snapshot(session, WAITING_NUMBER)[2]
    with transaction(session):
        result = import_packages(session, REFERENCE, create_locations=True)
    assert WAITING_NUMBER in result.updated and not result.skipped
    again = _snapshot(session, WAITING_NUMBER)
    assert again[2] == version + 1
    with transaction(session):
        assert not import_packages(session, REFERENCE, create_locations=True).skipped


def _order_item(doc) -> dict:
    return doc["results"][1]["packageitem_set"][0]["order_item"]


ITEM = "results[1].packageitem_set[0]"


@pytest.mark.parametrize(
    ("breakage", "path"),
    [
        (lambda doc: doc["results"][1]["packageitem_set"][0].pop("order_item"), f"{ITEM}.order_item"),
        (lambda doc: doc["results"][1].pop("number"), "results[1].number"),
        (lambda doc: doc["results"][1]["stock_location"].pop("erp_code"), "results[1].stock_location.erp_code"),
        (
            lambda doc: doc["results"][1]["packageitem_set"][0]["state"].update(enum_value="123"),
            f"{ITEM}.state.enum_value",
        ),
        (lambda doc: _order_item(doc)["product"].pop("sku"), f"{ITEM}.order_item.product.sku"),
        (lambda doc: _order_item(doc).update(price="lots"), f"{ITEM}.order_item.price"),
        (lambda doc: doc["results"][1].update(date_placed="yesterday"), "results[1].date_placed"),
        (lambda doc: doc["results"][1].update(packageitem_set={}), "results[1].packageitem_set"),
        (lambda doc: _order_item(doc).update(price="-1.00"), f"{ITEM}.order_item.price"),
        (lambda doc: _order_item(doc).update(price="1" * 5000), f"{ITEM}.order_item.price"),
        (lambda doc: _order_item(doc).update(price="12\x00"), f"{ITEM}.order_item.price"),
        (lambda doc: _order_item(doc).update(omnitron_id=10**30), f"{ITEM}.order_item.omnitron_id"),
        (lambda doc: doc["results"][1].update(number="P" * 5000), "results[1].number"),
        (lambda doc: doc["results"][1].update(remote_id="a\x00b"), "results[1].remote_id"),
    ],
    ids=[
        "no-order-item",
        "no-number",
        "no-erp-code",
        "unknown-state",
        "no-sku",
        "price-not-a-number",
        "date-not-a-date",
        "items-not-a-list",
        "negative-price",
        "5000-digit-price",
        "nul-in-price",
        "omnitron-id-10**30",
        "5000-char-number",
        "nul-in-text",
    ],
)
def test_one_broken_package_changes_nothing_and_names_the_field(session, breakage, path):
    """A missing field, a wrong type or state, a value its column cannot hold (negative or
    oversized price, NUL, an id past 32 bits, overlong text): nothing is written and the
    error names the field's path."""
    broken = copy.deepcopy(REFERENCE)
    breakage(broken)
    before = _counts(session)
    with pytest.raises(ImportFailed) as failure, transaction(session):
        import_packages(session, broken, create_locations=True)
    assert failure.value.path == path
    assert failure.value.reason.startswith(path)
    assert _counts(session) == before


def test_unknown_stock_location_is_refused_without_create_locations(session):
    """An erp_code the station does not know is refused naming it, unless locations may be created."""
    with pytest.raises(ImportFailed) as failure, transaction(session):
        import_packages(session, REFERENCE)
    assert failure.value.path == "results[0].stock_location.erp_code"
    assert session.scalar(select(func.count()).select_from(StockLocation)) == 0


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"results": [{"extra_information": ' + "[" * 50_000 + "]" * 50_000 + "}]}", "results"),
        ('{"results": [{"number": "1", "price": ' + "7" * 5000 + "}]}", "results[0].price"),
        ('{"results": [{"number": NaN}]}', "results[0].number"),
        ('{"results": [{"number": "1\\u0000"}]}', "results[0].number"),
    ],
    ids=["50k-deep", "5000-digit-number", "nan", "nul"],
)
def test_broken_files_are_refused_by_path_without_a_traceback(app, session, tmp_path, text, path):
    """The CLI refuses 50k-deep nesting, a 5000-digit number, NaN and NUL naming the path; no traceback."""
    broken = tmp_path / "broken.json"
    broken.write_text(text)
    result = app.test_cli_runner().invoke(args=["packages", "import", "--create-locations", str(broken)])
    assert result.exit_code == 1
    assert f"Error: {path}" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # click's clean exit, not an uncaught error
    assert session.scalar(select(func.count()).select_from(Package)) == 0


def test_cli_reports_the_packages_it_left_alone(app, session, tmp_path):
    """``flask packages import`` lists each package left as it is, by number and reason."""
    runner = app.test_cli_runner()
    source = Path(__file__).parent / "data" / "reference_package_list.json"
    assert runner.invoke(args=["packages", "import", str(source)]).exit_code == 1
    assert runner.invoke(args=["packages", "import", "--create-locations", str(source)]).exit_code == 0
    with transaction(session):
        package = session.scalar(select(Package).where(Package.number == WAITING_NUMBER))
        execute_command(session, package.id, PACK)
    again = runner.invoke(args=["packages", "import", str(source)])
    assert again.exit_code == 0, again.output
    assert "1 updated, 1 left as they are" in again.output
    assert f"{WAITING_NUMBER}: left as it is, it moved since its last import" in again.output


def test_seed_catalogue_says_what_it_did(app, session):
    """seed-catalogue reports what it added, and "already up to date" only when it added nothing."""
    runner = app.test_cli_runner()
    assert "Catalogue is already up to date." in runner.invoke(args=["seed-catalogue"]).output
    with transaction(session):
        session.delete(session.scalar(select(DenialReason).where(DenialReason.remote_id == "other")))
    added = runner.invoke(args=["seed-catalogue"]).output
    assert "Added 0 states, 0 commands, 1 denial reasons and 0 carriers." in added
