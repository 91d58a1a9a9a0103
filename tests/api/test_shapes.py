"""Each response shape is declared once (packing/core/shapes.py): the answers are written
through it and the OpenAPI document's schemas are generated from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema_rs import Draft202012Validator
from pydantic import ValidationError

from packing.api.framework import OPERATIONS
from packing.core import serializers, shapes
from packing.core.models import Webhook
from tests import factories

OMS = "/api/v1/oms/packages/"
SC = "/api/i2/packages/"
SPLIT = "package__split_package__waiting__waiting"
JSON_BODY = {"Content-Type": "application/json"}


def _answered_operations() -> set[tuple[str, str]]:
    """Every operation that answers success with a JSON body."""
    return {
        (operation.method, operation.path)
        for operation in OPERATIONS
        if any(shape is not None for status, (_, shape, *_) in operation.responses.items() if 200 <= status < 300)
    }


def _validator(document: dict, method: str, path: str, status: int) -> Draft202012Validator:
    schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    # The document is the root its "#/components/schemas/..." references resolve against.
    return Draft202012Validator({**schema, "components": document["components"]})


@pytest.fixture
def answers(client, integrator, session):
    """One real answer from every operation with a JSON body, over packages that carry every
    optional part: shipment, label, invoice, delivery range, kept reference fields, a
    transition log and a webhook event."""
    session.add(Webhook(target_url="https://erp.example/hook", event_type="package.state_changed"))
    lower = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    packed = factories.package(
        session,
        at=integrator.location,
        products=[factories.product(session), factories.product(session)],
        delivery_range_lower=lower,
        delivery_range_upper=lower + timedelta(hours=4),
        gift_box_note="İyi bayramlar",
        has_gift_box=True,
    )
    packed.reference_fields = {"scenario": {"name": "standard"}, "plan_item": 7, "source": "web"}
    waiting = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    session.commit()
    assert integrator.post(f"{OMS}{packed.id}/command/", json={"slug": factories.PACK}).status_code == 204

    def log_id() -> int:
        return integrator.get(f"{OMS}{packed.id}/transition_logs/").json["results"][0]["id"]

    def event_id() -> int:
        return integrator.get(f"{OMS}{packed.id}/webhook_events/").json["results"][0]["id"]

    one = f"{OMS}{packed.id}/"
    requests = [
        ("post", "/api/v1/oms/packages/{package_id}/invoice/", lambda: integrator.post(f"{one}invoice/")),
        ("get", "/api/v1/oms/packages/", lambda: integrator.get(OMS)),
        ("get", "/api/v1/oms/packages/short/", lambda: integrator.get(f"{OMS}short/")),
        ("get", "/api/v1/oms/packages/list-simple/", lambda: integrator.get(f"{OMS}list-simple/")),
        ("get", "/api/v1/oms/packages/delivery-ranges/", lambda: integrator.get(f"{OMS}delivery-ranges/")),
        ("get", "/api/v1/oms/packages/{package_id}/", lambda: integrator.get(one)),
        ("get", "/api/v1/oms/packages/{package_id}/short/", lambda: integrator.get(f"{one}short/")),
        (
            "post",
            "/api/v1/oms/packages/{package_id}/command/",
            lambda: integrator.post(
                f"{OMS}{waiting.id}/command/",
                json={"slug": SPLIT, "input_parameters": {"package_items": [waiting.items[0].id]}},
            ),
        ),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/invoice_document/",
            lambda: integrator.get(f"{one}invoice_document/"),
        ),
        (
            "patch",
            "/api/v1/oms/packages/{package_id}/extra_information/",
            lambda: integrator.patch(f"{one}extra_information/", json={"extra_information": {"gate": "B"}}),
        ),
        ("get", "/api/v1/oms/packages/{package_id}/package-items/", lambda: integrator.get(f"{one}package-items/")),
        ("get", "/api/v1/oms/packages/{package_id}/transition_logs/", lambda: integrator.get(f"{one}transition_logs/")),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/transition_logs/short/",
            lambda: integrator.get(f"{one}transition_logs/short/"),
        ),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/transition_logs/{log_id}/",
            lambda: integrator.get(f"{one}transition_logs/{log_id()}/"),
        ),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/transition_logs/short/{log_id}/",
            lambda: integrator.get(f"{one}transition_logs/short/{log_id()}/"),
        ),
        ("get", "/api/v1/oms/packages/{package_id}/webhook_events/", lambda: integrator.get(f"{one}webhook_events/")),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/webhook_events/short/",
            lambda: integrator.get(f"{one}webhook_events/short/"),
        ),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/webhook_events/{event_id}/",
            lambda: integrator.get(f"{one}webhook_events/{event_id()}/"),
        ),
        (
            "get",
            "/api/v1/oms/packages/{package_id}/webhook_events/short/{event_id}/",
            lambda: integrator.get(f"{one}webhook_events/short/{event_id()}/"),
        ),
        ("get", "/api/i2/packages/", lambda: integrator.get(SC)),
        ("get", "/api/i2/packages/{number}/items/", lambda: integrator.get(f"{SC}{packed.number}/items/")),
        (
            "put",
            "/api/i2/packages/{number}/",
            lambda: integrator.put(f"{SC}{packed.number}/", json={"tracking_url": "https://track.example/1"}),
        ),
        ("get", "/api/i2/packages/{number}/label/", lambda: integrator.get(f"{SC}{packed.number}/label/")),
        ("get", "/api/i1/packages/", lambda: integrator.get("/api/i1/packages/", headers=JSON_BODY)),
        ("get", "/api/i1/package-items/", lambda: integrator.get("/api/i1/package-items/", headers=JSON_BODY)),
    ]
    document = client.get("/api/v1/openapi.json").json
    return document, [(method, path, request()) for method, path, request in requests]


def test_every_documented_answer_validates_against_its_generated_schema(answers):
    """A real answer of every operation with a JSON body matches its schema in the served
    document: every declared key present, no undeclared one, each value of its type."""
    document, answered = answers
    assert {(method, path) for method, path, _ in answered} == _answered_operations()
    for method, path, response in answered:
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.text[:300])
        errors = [
            error.message
            for error in _validator(document, method, path, response.status_code).iter_errors(response.json)
        ]
        assert errors == [], (method, path, errors[:3])
    detail = next(response.json for method, path, response in answered if path.endswith("{package_id}/"))
    assert detail["delivery_range"]["bounds"] == "[)" and detail["shipment"] is not None
    assert detail["shipping_label"] is not None and detail["scenario"] == {"name": "standard"}


def test_refusals_validate_against_the_error_shape(client, integrator):
    """A 404, a 400 naming its field and a 401 match the Error schema the document declares."""
    document = client.get("/api/v1/openapi.json").json
    refusals = [
        ("get", "/api/v1/oms/packages/{package_id}/", integrator.get(f"{OMS}999999/"), 404),
        ("get", "/api/v1/oms/packages/", integrator.get(f"{OMS}?limit=0"), 400),
        ("get", "/api/v1/oms/packages/", client.get(OMS), 401),
    ]
    for method, path, response, status in refusals:
        assert response.status_code == status
        assert list(_validator(document, method, path, status).iter_errors(response.json)) == []
    assert refusals[1][2].json["limit"]


def test_the_document_schemas_are_the_declared_shapes(client):
    """The served document's component of a shape has exactly the shape's keys, all required."""
    components = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for shape in (shapes.PackageFull, shapes.PackageShortDetail, shapes.PackageSimple, shapes.SellerCenterPackage):
        component = components[shape.__name__]
        assert set(component["properties"]) == shape.__required_keys__
        assert set(component["required"]) == shape.__required_keys__
        assert component["additionalProperties"] is False
    page = components["Page_PackageFull_"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/PackageFull"}


def test_a_field_declared_on_a_shape_is_in_both_the_document_and_the_json():
    """A key added to a shape appears in its generated schema and in the JSON written through
    it; a key a serializer adds without declaring it is not written, and the check refuses it,
    as it refuses a declared key left out."""

    class AuditedRange(shapes.DeliveryRange):
        audited_by: str

    declared = {**serializers.bounds(None, None), "audited_by": "ops"}
    schema = shapes.adapter(AuditedRange).json_schema()
    assert schema["properties"]["audited_by"] == {"title": "Audited By", "type": "string"}
    assert "audited_by" in schema["required"]
    assert json.loads(shapes.to_json(AuditedRange, declared, check=True))["audited_by"] == "ops"

    assert "audited_by" not in json.loads(shapes.to_json(shapes.DeliveryRange, declared))
    with pytest.raises(ValidationError, match="audited_by"):
        shapes.to_json(shapes.DeliveryRange, declared, check=True)
    with pytest.raises(ValidationError, match="audited_by"):
        shapes.to_json(AuditedRange, serializers.bounds(None, None), check=True)


def test_values_keep_their_written_form():
    """Times, money and delivery-range bounds are written exactly as the serializers format
    them (the shape writes strings, it does not reformat them); non-ASCII stays readable."""
    lower = datetime(2026, 12, 24, 9, 0, 0, 5, tzinfo=UTC)
    written = shapes.to_json(shapes.DeliveryRange, serializers.bounds(lower, None), check=True)
    assert written == b'{"lower":"2026-12-24T09:00:00+0000","upper":null,"bounds":"[)"}'
    assert serializers.iso(lower) == "2026-12-24T09:00:00.000005Z"
    assert serializers.iso(lower.replace(tzinfo=None), serializers.SELLER_CENTER_TIME) == "2026-12-24T09:00:00.000Z"
    error = shapes.to_json(shapes.Error, {"detail": "Paket bulunamadı.", "code": "not_found"}, check=True)
    assert error == '{"detail":"Paket bulunamadı.","code":"not_found"}'.encode()
