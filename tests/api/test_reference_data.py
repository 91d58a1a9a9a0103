"""The references' fields survive an import and come back in the formats that document them;
shipping option and retail store filter; carriers by uuid or name; Turkish case-insensitive
filters alike on both databases (issue 13, points 3, 4, 6 and 10)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from packing.core.api_tokens import create_token
from packing.core.db import transaction
from packing.core.importer import import_packages
from packing.core.models import Role, fold_case
from tests import factories

GUIDE_PACKAGE = json.loads((Path(__file__).parent.parent / "data" / "reference_package_guide.json").read_text())
OMS = "/api/v1/oms/packages/"

# Keys whose values are the station's own, not the import's: its row ids (and references by
# id), its rows' bookkeeping times, what it derives (commands, id_encrypted), and the shipment
# and label it makes itself when it packs.
STATION_OWN = {"id", "pk", "order", "package", "order_id", "channel", "modified_date", "commands", "id_encrypted"}
STATION_OWN_TOP = {"shipment", "shipping_label"}
ID_REFERENCES = {"country", "city", "township", "product"}


def _lost(given: Any, answered: Any, path: str = "") -> list[str]:
    """Paths where ``answered`` lacks or changes what ``given`` carried."""
    if isinstance(given, dict):
        if not isinstance(answered, dict):
            return [f"{path}: {answered!r} is not an object"]
        lost = []
        for key, value in given.items():
            if key in STATION_OWN or (key in ID_REFERENCES and isinstance(value, int)):
                continue
            if key == "created_date" and path not in ("", "packageitem_set"):
                continue  # rows other than the package keep their own creation time
            if key not in answered:
                lost.append(f"{path}.{key}: missing")
                continue
            lost += _lost(value, answered[key], f"{path}.{key}" if path else key)
        return lost
    if isinstance(given, list):
        if not isinstance(answered, list) or len(answered) != len(given):
            return [f"{path}: {answered!r} has not the {len(given)} entries given"]
        return [loss for index, value in enumerate(given) for loss in _lost(value, answered[index], path)]
    return [] if given == answered else [f"{path}: {given!r} became {answered!r}"]


def _admin_headers(session) -> dict[str, str]:
    """An admin's token without locations: it sees every imported store."""
    key = create_token(session, factories.user(session, role=Role.ADMIN)).key
    session.commit()
    return {"Authorization": f"Token {key}"}


def test_the_guides_example_package_round_trips_without_loss(client, session):
    """Importing the guide's example package (with the OpenAPI text's scenario, rule, source and
    origin address) and reading it in full format gives back every field it carried."""
    with transaction(session):
        import_packages(session, GUIDE_PACKAGE, create_locations=True)
    headers = _admin_headers(session)
    listed = client.get(OMS, headers=headers).json["results"]
    assert len(listed) == 1
    given = {key: value for key, value in GUIDE_PACKAGE.items() if key not in STATION_OWN_TOP}
    assert _lost(given, listed[0]) == []
    detail = client.get(f"{OMS}{listed[0]['id']}/", headers=headers).json
    assert _lost(given, detail) == []
    simple = client.get(f"{OMS}list-simple/", headers=headers).json["results"][0]
    assert simple["plan_item"] is None
    short = client.get(f"{OMS}{listed[0]['id']}/short/", headers=headers).json
    assert short["scenario"] == GUIDE_PACKAGE["scenario"] and "source" not in short


def test_list_simple_returns_the_plan_item(client, session):
    """A plan_item given on import is answered by list-simple, as the guide's example shows."""
    package = copy.deepcopy(GUIDE_PACKAGE) | {"plan_item": 287568}
    with transaction(session):
        import_packages(session, package, create_locations=True)
    headers = _admin_headers(session)
    assert client.get(f"{OMS}list-simple/", headers=headers).json["results"][0]["plan_item"] == 287568


def test_shipping_option_and_retail_store_are_imported_and_filter(client, session):
    """order_retail_store_id (the OMS id of a stock location) and shipping_option_slug are stored
    by the importer; their filters find the package, and the full format names the store."""
    with transaction(session):
        store = factories.location(session, erp_code="RS-9")
        store.omnitron_id = 901
        import_packages(session, GUIDE_PACKAGE, create_locations=True)
        other = copy.deepcopy(GUIDE_PACKAGE)
        other |= {
            "number": "2236607691411584P2",
            "order_number": "2236607691411585",
            "order_retail_store_id": 901,
            "shipping_option_slug": "express",
        }
        other["packageitem_set"][0]["order_item"]["omnitron_id"] = 53333
        import_packages(session, other, create_locations=True)
    headers = _admin_headers(session)

    def numbers(query: str) -> set[str]:
        answer = client.get(f"{OMS}?{query}", headers=headers)
        assert answer.status_code == 200, answer.json
        return {package["number"] for package in answer.json["results"]}

    assert numbers("order__retail_store__erp_code=RS-9") == {"2236607691411584P2"}
    assert numbers("sl_rs__erp_code=RS-9") == {"2236607691411584P2"}
    assert numbers("shipping_option_slug__in=express,same-day") == {"2236607691411584P2"}
    assert numbers("shipping_option_slug__exclude=express") == {"2236607691411584P1"}
    listed = client.get(f"{OMS}?order__retail_store__erp_code=RS-9", headers=headers).json["results"][0]
    assert listed["order_retail_store_id"] == 901


def test_an_unknown_retail_store_refuses_the_import(session):
    """A retail store id no stock location carries names the field, and nothing is imported."""
    import pytest

    from packing.core.errors import ImportFailed

    with pytest.raises(ImportFailed) as refused:
        import_packages(session, GUIDE_PACKAGE | {"order_retail_store_id": 77}, create_locations=True)
    assert refused.value.path == "order_retail_store_id"
    session.rollback()


def test_cargo_companies_are_named_by_uuid_code_or_name(integrator, session):
    """change-shipping-method takes the reference's uuid; PUT's shipping_company takes a name ("DHL")."""
    dhl = factories.cargo_company(session, erp_code="dhl-tr")
    dhl.name = "DHL"
    package = factories.package(session, at=integrator.location)
    packed = factories.package(session, at=integrator.location)
    session.commit()
    by_uuid = integrator.post(
        f"/api/i2/packages/{package.number}/change-shipping-method/", json={"shipping_method": dhl.uuid.upper()}
    )
    assert by_uuid.status_code == 204, by_uuid.json
    row = integrator.get(f"/api/i2/packages/?number={package.number}").json["results"][0]
    assert row["shipping_company"] == {"name": "DHL", "slug": "dhl-tr"}
    named = integrator.put(
        f"/api/i2/packages/{packed.number}/", json={"status": 4, "waybill_number": "W-7", "shipping_company": "dhl"}
    )
    assert named.status_code == 200, named.json
    assert named.json["shipping_company"] == {"name": "DHL", "slug": "dhl-tr"}
    unknown = integrator.post(
        f"/api/i2/packages/{package.number}/change-shipping-method/",
        json={"shipping_method": "847b006e-000a-432e-b500-e3f49fa9ddcc"},
    )
    assert unknown.status_code == 400 and "shipping_method" in unknown.json


def test_turkish_names_filter_case_insensitively_on_either_database(integrator, session):
    """şahin finds Şahin, IŞIK and ışık find Işık, istanbul finds İSTANBUL: the folded columns agree."""
    first = factories.package(session, at=integrator.location)
    first.order.customer.first_name, first.order.customer.last_name = "Şahin", "Işık"
    second = factories.package(session, at=integrator.location)
    second.order.customer.first_name = "Mehmet"
    city = factories.city(session, name="İSTANBUL")
    second.order.shipping_address.city = city
    session.commit()

    def ids(query: str) -> set[int]:
        return {package["id"] for package in integrator.get(f"{OMS}?{query}").json["results"]}

    assert ids("customer__first_name=şahin") == ids("customer__first_name=ŞAHİN") == {first.id}
    assert ids("customer__last_name=IŞIK") == ids("customer__last_name=ışık") == {first.id}
    assert ids("city__name=istanbul") == ids("city__name=ISTANBUL") == {first.id, second.id}
    assert ids("customer__first_name=ahin") == set()


def test_fold_case_merges_the_turkish_is():
    """The fold is the same for İ, I, ı and i, composed or not, and otherwise casefold."""
    assert fold_case("İSTANBUL") == fold_case("istanbul") == fold_case("I\u0307stanbul") == "istanbul"
    assert fold_case("Işık") == fold_case("IŞIK") == "işik"
    assert fold_case("Straße") == "strasse"
