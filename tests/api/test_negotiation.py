"""Content negotiation, the documented authentication header forms and Accept-Language, on
every API surface (issue 13, points 1, 2 and 7)."""

from __future__ import annotations

import pytest

from packing.api.openapi import openapi_document
from packing.core.catalogue import PackageStatus
from tests import factories

OMS = "/api/v1/oms/packages/"


@pytest.fixture
def waiting(integrator, session):
    package = factories.package(session, at=integrator.location, status=PackageStatus.WAITING)
    session.commit()
    return package


def _urls(package) -> list[str]:
    return [
        OMS,
        f"{OMS}short/",
        f"{OMS}list-simple/",
        f"{OMS}delivery-ranges/",
        f"{OMS}{package.id}/",
        f"{OMS}{package.id}/short/",
        f"{OMS}{package.id}/transition_logs/",
        "/api/i2/packages/",
        f"/api/i2/packages/{package.number}/items/",
    ]


def test_an_accept_the_api_cannot_write_is_406_everywhere(integrator, waiting):
    """Accept: application/xml answers 406 with a JSON reason on lists, details and every surface."""
    for url in [*_urls(waiting), "/api/i1/packages/"]:
        answer = integrator.get(url, headers={"Accept": "application/xml", "Content-Type": "application/json"})
        assert answer.status_code == 406, url
        assert answer.mimetype == "application/json" and answer.json["code"] == "not_acceptable"


def test_json_wildcards_and_no_accept_are_answered(integrator, waiting):
    """JSON, */*, application/* and a missing Accept header are all answered with JSON."""
    for accept in ("application/json", "*/*", "application/*", "text/html;q=0.9, application/json;q=0.5"):
        assert integrator.get(OMS, headers={"Accept": accept}).status_code == 200, accept
    assert integrator.get(f"{OMS}{waiting.id}/").status_code == 200


def test_format_is_handled_alike_on_lists_and_details(integrator, waiting):
    """format=json and format=api answer JSON; format=xml is a 406 on a list and on a detail alike."""
    for url in _urls(waiting):
        assert integrator.get(url, query_string={"format": "json"}).status_code == 200, url
        assert integrator.get(url, query_string={"format": "api"}).status_code == 200, url
        refused = integrator.get(url, query_string={"format": "xml"})
        assert refused.status_code == 406 and refused.json["code"] == "not_acceptable", url


def test_the_label_preview_answers_pdf_and_refuses_json_only(integrator, session, client):
    """The PDF endpoint negotiates its own type: Accept: application/json alone is a 406 there."""
    answer = integrator.get("/api/v1/oms/shipping-label/1/preview/", headers={"Accept": "application/json"})
    assert answer.status_code == 406
    assert (
        integrator.get("/api/v1/oms/shipping-label/1/preview/", headers={"Accept": "application/pdf"}).status_code
        == 404
    )


def test_the_docs_page_negotiates_html(client):
    """The browsable docs answer text/html and refuse a client that takes only JSON."""
    assert client.get("/api/v1/docs/", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/api/v1/docs/", headers={"Accept": "application/json"}).status_code == 406


def test_every_documented_header_form_authenticates(client, integrator, waiting):
    """Token, Bearer, the bare key (Seller Center) and Authentication: Bearer (i1) are accepted on each surface."""
    forms = [
        {"Authorization": f"Token {integrator.key}"},
        {"Authorization": f"Bearer {integrator.key}"},
        {"Authorization": integrator.key},
        {"Authentication": f"Bearer {integrator.key}"},
    ]
    for headers in forms:
        for url in (OMS, "/api/i2/packages/", "/api/i1/packages/"):
            answer = client.get(url, headers={**headers, "Content-Type": "application/json"})
            assert answer.status_code == 200, (headers, url)


def test_other_header_forms_are_still_refused(client, integrator):
    """Basic, a scheme without a key, a wrong bare key and Authentication: Token-less garbage are 401."""
    for headers in (
        {"Authorization": f"Basic {integrator.key}"},
        {"Authorization": "Token "},
        {"Authorization": "not-a-key"},
        {"Authentication": "Bearer not-a-key"},
        {"Authentication": f"Basic {integrator.key}"},
    ):
        assert client.get(OMS, headers=headers).status_code == 401, headers


def test_the_openapi_document_declares_each_header_form_and_406():
    """The spec names the four header forms as security schemes, offers them on every operation,
    documents format and Accept-Language, and lists 406 for every operation."""
    document = openapi_document()
    schemes = document["components"]["securitySchemes"]
    assert schemes["Bearer"] == {**schemes["Bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["Authentication"]["name"] == "Authentication"
    assert schemes["ApiKey"]["name"] == schemes["Token"]["name"] == "Authorization"
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            assert {name for option in spec["security"] for name in option} == set(schemes), (path, method)
            assert "406" in spec["responses"], (path, method)
            names = {parameter["name"] for parameter in spec["parameters"]}
            assert {"format", "Accept-Language"} <= names, (path, method)
    assert next(iter(document["paths"]["/api/i2/packages/"]["get"]["security"][0])) == "ApiKey"
    assert next(iter(document["paths"]["/api/i1/packages/"]["get"]["security"][0])) == "Authentication"


def test_accept_language_chooses_the_language_of_errors_and_state_names(integrator, waiting):
    """tr answers Turkish state names, command labels and error reasons; en (and none) English."""
    turkish = integrator.get(f"{OMS}{waiting.id}/", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).json
    english = integrator.get(f"{OMS}{waiting.id}/", headers={"Accept-Language": "en"}).json
    assert english["state"]["name"] == "Waiting"
    assert turkish["state"]["name"] == waiting.state.translations["tr-tr"]["name"] != "Waiting"
    labels = {command["slug"]: command["label"] for command in turkish["commands"]}
    assert any(
        label != english_label
        for label, english_label in zip(
            labels.values(), [command["label"] for command in english["commands"]], strict=True
        )
    )
    missing = integrator.get(f"{OMS}{waiting.id + 999}/", headers={"Accept-Language": "tr"})
    assert missing.status_code == 404 and missing.json["detail"] == "Böyle bir paket yok."
    unauthenticated = integrator.client.get(OMS, headers={"Accept-Language": "tr"})
    assert unauthenticated.json["detail"] != "Authentication credentials were not provided."
    assert integrator.get(f"{OMS}{waiting.id + 999}/").json["detail"] == "No such package."


def test_webhook_payloads_stay_english_under_a_turkish_request(integrator, waiting, session):
    """A command run with Accept-Language: tr, its snapshot completed in Turkish context, still
    carries English state names."""
    from sqlalchemy import select

    from packing.core import events, serializers
    from packing.core.models import Package, WebhookEvent

    factories.webhook(session, "package.state_changed")
    session.commit()
    ran = integrator.post(
        f"{OMS}{waiting.id}/command/",
        json={"slug": "package__complete_packaging__waiting__packed-all-items"},
        headers={"Accept-Language": "tr"},
    )
    assert ran.status_code == 204, ran.json
    session.expire_all()
    with serializers.catalogue_language("tr-tr"):
        events.complete_snapshots(session, session.get(Package, waiting.id))
    session.commit()
    event = session.scalars(select(WebhookEvent).where(WebhookEvent.object_id == waiting.id)).first()
    payload = event.request_payload["payload"]
    assert payload["state"]["name"] == "Packed" and payload["state_change"]["new_state"]["name"] == "Packed"
