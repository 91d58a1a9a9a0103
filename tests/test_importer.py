"""Importing reference-shaped package documents: faithful, all-or-nothing, idempotent."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from packing.core.db import transaction
from packing.core.errors import ImportFailed
from packing.core.importer import import_packages
from packing.core.models import Order, OrderItem, Package, PackageItem, Product, StockLocation

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_package_list.json").read_text())


def _counts(session) -> dict:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Package, PackageItem, Order, OrderItem, Product, StockLocation)
    }


def test_reference_list_imports_with_its_numbers_skus_and_states(session):
    """The reference's Package List example creates its location, orders, products, packages and items."""
    with transaction(session):
        result = import_packages(session, REFERENCE)
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
        import_packages(session, REFERENCE)
    before = _counts(session)
    changed = copy.deepcopy(REFERENCE)
    changed["results"][1]["remote_id"] = "ERP-42"
    changed["results"][1]["state"]["enum_value"] = "200"
    with transaction(session):
        result = import_packages(session, changed)
    assert result.updated == ["2236607691411584P1", "2236635981212192P1"] and not result.created
    assert _counts(session) == before
    package = session.scalar(select(Package).where(Package.number == "2236635981212192P1"))
    assert package.remote_id == "ERP-42"
    assert package.state.enum_value == "200"


@pytest.mark.parametrize(
    "breakage, path",
    [
        (lambda doc: doc["results"][1]["packageitem_set"][0].pop("order_item"), "results[1].packageitem_set[0].order_item"),
        (lambda doc: doc["results"][1].pop("number"), "results[1].number"),
        (lambda doc: doc["results"][1]["stock_location"].pop("erp_code"), "results[1].stock_location.erp_code"),
        (
            lambda doc: doc["results"][1]["packageitem_set"][0]["state"].update(enum_value="123"),
            "results[1].packageitem_set[0].state.enum_value",
        ),
        (
            lambda doc: doc["results"][1]["packageitem_set"][0]["order_item"]["product"].pop("sku"),
            "results[1].packageitem_set[0].order_item.product.sku",
        ),
        (
            lambda doc: doc["results"][1]["packageitem_set"][0]["order_item"].update(price="lots"),
            "results[1].packageitem_set[0].order_item.price",
        ),
        (lambda doc: doc["results"][1].update(date_placed="yesterday"), "results[1].date_placed"),
        (lambda doc: doc["results"][1].update(packageitem_set={}), "results[1].packageitem_set"),
    ],
)
def test_one_broken_package_changes_nothing_and_names_the_field(session, breakage, path):
    """A document with one broken package writes nothing and the error names the field's path."""
    broken = copy.deepcopy(REFERENCE)
    breakage(broken)
    before = _counts(session)
    with pytest.raises(ImportFailed) as failure:
        with transaction(session):
            import_packages(session, broken)
    assert failure.value.path == path
    assert path in failure.value.reason
    assert _counts(session) == before


def test_a_single_package_object_imports_too(session):
    """A Package Detail document (one object, no results list) imports as one package."""
    with transaction(session):
        result = import_packages(session, REFERENCE["results"][1])
    assert result.created == ["2236635981212192P1"]


def test_the_same_number_twice_in_one_document_is_refused(session):
    """Two packages with one number in a document are a mistake, reported at the second."""
    doubled = {"results": [REFERENCE["results"][1], REFERENCE["results"][1]]}
    with pytest.raises(ImportFailed) as failure:
        import_packages(session, doubled)
    assert failure.value.path == "results[1].number"
