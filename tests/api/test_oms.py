"""Contract tests for OMS Package Services (/api/v1/oms/packages/...): shapes, filters,
pagination, status codes and token scope, through real requests on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from packing.core import events as events_core
from packing.core.api_tokens import create_token, revoke_token
from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.db import transaction
from packing.core.models import Package, Role, Transition, TransitionLog, Webhook, WebhookEvent
from packing.core.queries import counting_statements
from packing.core.serializers import id_encrypted
from packing.extensions import db
from tests import factories

BASE = "/api/v1/oms/packages/"
PACK = "package__complete_packaging__waiting__packed-all-items"


def _packed(session, integrator, **fields):
    return factories.package(
        session, at=integrator.location, status=PackageStatus.PACKED, item_status=PackageItemStatus.PACKED, **fields
    )


# --- Authentication and scope ---------------------------------------------------------


def test_requests_without_a_valid_token_are_refused_with_401(client, integrator, session):
    """No header, an unknown key, another scheme or a revoked key all get 401 with a JSON detail."""
    assert client.get(BASE).status_code == 401
    assert client.get(BASE, headers={"Authorization": "Token not-a-key"}).status_code == 401
    assert client.get(BASE, headers={"Authorization": f"Basic {integrator.key}"}).status_code == 401
    assert client.get(BASE, headers={"Authorization": f"Bearer {integrator.key}"}).status_code == 200
    revoke_token(session, integrator.token.id)
    session.commit()
    refused = integrator.get(BASE)
    assert refused.status_code == 401 and refused.json["code"] == "authentication_failed"


def test_token_sees_only_its_stock_locations(integrator, session):
    """Lists leave out other stores' packages; their details answer 403."""
    mine = factories.package(session, at=integrator.location)
    elsewhere = factories.package(session, at=factories.location(session))
    session.commit()
    listed = integrator.get(BASE).json
    assert [p["id"] for p in listed["results"]] == [mine.id]
    assert integrator.get(f"{BASE}{elsewhere.id}/").status_code == 403
    assert integrator.post(f"{BASE}{elsewhere.id}/command/", json={"slug": PACK}).status_code == 403
    assert integrator.get(f"{BASE}{elsewhere.id + 1000}/").status_code == 404


def test_admin_token_without_scope_sees_every_location(client, session):
    """An admin's token issued with no location covers all stores."""
    admin = factories.user(session, role=Role.ADMIN)
    key = create_token(session, admin).key
    first, second = factories.package(session), factories.package(session)
    session.commit()
    listed = client.get(BASE, headers={"Authorization": f"Token {key}"}).json
    assert {p["id"] for p in listed["results"]} == {first.id, second.id} and listed["count"] == 2


def test_token_stores_only_a_hash_of_the_key(integrator):
    """The database holds the sha256 of the key and its prefix, never the key itself."""
    import hashlib

    assert integrator.token.key_hash == hashlib.sha256(integrator.key.encode()).hexdigest()
    assert integrator.key.startswith(integrator.token.key_prefix) and integrator.key != integrator.token.key_hash


# --- Shapes ---------------------------------------------------------------------------


def test_package_list_has_the_reference_shape(integrator, session):
    """The full list carries the reference's keys and nesting: packageitem_set, commands,
    nested states with enum_class/enum_value/translations, stock_location, id_encrypted."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    session.commit()
    body = integrator.get(BASE).json
    assert set(body) == {"count", "next", "previous", "results"}
    result = body["results"][0]
    for key in (
        "packageitem_set",
        "order_number",
        "channel_name",
        "state",
        "number",
        "shipping_address",
        "order_id",
        "stock_location",
        "commands",
        "shipment",
        "shipping_label",
        "is_click_and_collect",
        "extra_information",
        "id_encrypted",
        "target_packing_date",
        "delivery_range",
        "omnitron_order_id",
    ):
        assert key in result, key
    assert result["state"]["enum_class"] == "PackageStatus" and result["state"]["enum_value"] == "100"
    assert result["state"]["translations"]["tr-tr"]["name"] == "Bekliyor"
    assert len(result["packageitem_set"]) == 2
    item = result["packageitem_set"][0]
    assert item["state"]["enum_class"] == "PackageItemStatus" and item["package"] == package.id
    assert item["order_item"]["product"]["sku"]
    assert result["stock_location"]["erp_code"] == integrator.location.erp_code
    assert result["stock_location"]["target_packing_interval"] == "1 00:00:00"
    assert PACK in {command["slug"] for command in result["commands"]}
    assert result["id_encrypted"] == id_encrypted(package.id, "test-secret")


def test_short_simple_and_detail_shapes(integrator, session):
    """Short list counts items; list-simple keys by ids; short detail drops order bookkeeping."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 3)
    session.commit()
    short = integrator.get(f"{BASE}short/").json["results"][0]
    assert short["packageitem_count"] == 3 and "packageitem_set" not in short
    assert set(short["stock_location"]) == {"id", "name", "erp_code", "address"}
    simple = integrator.get(f"{BASE}list-simple/").json["results"][0]
    assert simple["state"] == package.state_id and simple["order"] == package.order_id
    detail = integrator.get(f"{BASE}{package.id}/").json
    short_detail = integrator.get(f"{BASE}{package.id}/short/").json
    assert detail["number"] == short_detail["number"] == package.number
    assert "date_placed" in detail and "date_placed" not in short_detail
    assert len(short_detail["packageitem_set"]) == 3


def test_package_items_list(integrator, session):
    """package-items pages the package's items, each with its product SKU."""
    sku = factories.product(session, sku="SKU-ITEMS")
    package = factories.package(session, at=integrator.location, products=[sku, sku, sku])
    session.commit()
    body = integrator.get(f"{BASE}{package.id}/package-items/?limit=2").json
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert {row["product_sku"] for row in body["results"]} == {"SKU-ITEMS"}


# --- Pagination -----------------------------------------------------------------------


def test_pagination_links_and_limits(integrator, session):
    """page/limit give count, next and previous links that keep the filters."""
    for _ in range(5):
        factories.package(session, at=integrator.location)
    session.commit()
    first = integrator.get(f"{BASE}?limit=2&state__enum_value=100").json
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert "state__enum_value=100" in first["next"] and "page=2" in first["next"]
    second = integrator.get(first["next"].replace("http://localhost", "")).json
    assert "page=1" in second["previous"]
    last = integrator.get(f"{BASE}?limit=2&page=3").json
    assert len(last["results"]) == 1 and last["next"] is None
    assert {p["id"] for p in first["results"]}.isdisjoint({p["id"] for p in second["results"]})


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("page=x", "page"),
        ("sort=nonsense", "sort"),
        ("pk__in=1,x", "pk__in.1"),
        ("start_date=yesterday", "start_date"),
        ("state__enum_value=%00", "state__enum_value"),
    ],
)
def test_bad_query_parameters_answer_400_naming_the_field(integrator, query, field):
    """A parameter that does not validate answers 400 with the field's message."""
    response = integrator.get(f"{BASE}?{query}")
    assert response.status_code == 400
    assert field in response.json, response.json


# --- Filters --------------------------------------------------------------------------


def test_filters_select_the_matching_packages(app, integrator, session):
    """Each reference filter narrows the list to the packages that match it."""
    # Two dozen requests from one token: on an idle machine they come faster than the
    # default 20 a second, and a 429 is not what this test is about.
    app.config["API_RATE_LIMIT"] = "600 per minute"
    shirt = factories.product(session, sku="SHIRT-1", barcode="8690000000001")
    cap = factories.product(session, sku="CAP-1", barcode="8690000000002")
    other_store = factories.location(session)
    integrator.token.stock_locations.append(other_store)
    early = datetime.now(UTC) - timedelta(days=3)
    waiting = factories.package(session, at=integrator.location, products=[shirt], is_click_and_collect=True)
    waiting.order.number = "5550001"
    waiting.created_date = early
    preparing = factories.package(session, at=other_store, products=[cap], status=PackageStatus.PREPARING)
    preparing.order.customer.first_name = "Mehmet"
    preparing.order.shipping_option_slug = "express"
    packed = _packed(session, integrator, products=[shirt, cap])
    packed.order.delivery_range_lower = datetime(2026, 5, 1, 6, tzinfo=UTC)
    packed.order.delivery_range_upper = datetime(2026, 5, 1, 15, tzinfo=UTC)
    session.commit()

    def ids(query: str) -> set[int]:
        response = integrator.get(f"{BASE}?{query}")
        assert response.status_code == 200, response.json
        return {p["id"] for p in response.json["results"]}

    assert ids("state__enum_value=100") == {waiting.id}
    assert ids("state__enum_value__neq=100") == {preparing.id, packed.id}
    assert ids(f"state={packed.state_id}") == {packed.id}
    assert ids("order_number=555") == {waiting.id}
    assert ids("product__sku=CAP-1") == {preparing.id, packed.id}
    assert ids("product__barcode=8690000000001") == {waiting.id, packed.id}
    assert ids(f"pk__in={waiting.id},{packed.id}") == {waiting.id, packed.id}
    assert ids(f"id__gt={waiting.id}") == {preparing.id, packed.id}
    assert ids(f"id__lte={waiting.id}") == {waiting.id}
    assert ids("is_click_and_collect=true") == {waiting.id}
    assert ids(f"stock_location={other_store.id}") == {preparing.id}
    assert ids(f"stock_location__erp_code__in={other_store.erp_code},NOPE") == {preparing.id}
    assert ids("customer__first_name=mehmet") == {preparing.id}
    assert ids("city__name=İstanbul") == {waiting.id, preparing.id, packed.id}
    assert ids("shipping_option_slug__in=express") == {preparing.id}
    assert ids("shipping_option_slug__exclude=express") == {waiting.id, packed.id}
    assert ids(f"end_date={(early + timedelta(days=1)).date().isoformat()}") == {waiting.id}
    assert ids("delivery_range_date=2026-05-01") == {packed.id}
    assert ids(f"channel={waiting.order.channel_id}") == {waiting.id, preparing.id, packed.id}
    assert ids("has_cancellation_failure=true") == set()
    assert [p["id"] for p in integrator.get(f"{BASE}?sort=id").json["results"]] == [waiting.id, preparing.id, packed.id]
    assert [p["id"] for p in integrator.get(f"{BASE}?sort=-id").json["results"]] == [
        packed.id,
        preparing.id,
        waiting.id,
    ]


def test_delivery_ranges_are_distinct(integrator, session):
    """delivery-ranges lists each (lower, upper) once with the reference's bounds."""
    lower, upper = datetime(2026, 5, 1, 6, tzinfo=UTC), datetime(2026, 5, 1, 15, tzinfo=UTC)
    for _ in range(2):
        factories.package(session, at=integrator.location, delivery_range_lower=lower, delivery_range_upper=upper)
    session.commit()
    body = integrator.get(f"{BASE}delivery-ranges/").json
    assert body["count"] == 1
    assert body["results"] == [
        {"lower": "2026-05-01T06:00:00+0000", "upper": "2026-05-01T15:00:00+0000", "bounds": "[)"}
    ]


# --- Commands -------------------------------------------------------------------------


def test_command_by_transition_id_writes_one_log(integrator, session):
    """Running a command by transition id answers 204 and writes one transition log by the token's user."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    transition = session.scalar(
        select(Transition).where(Transition.slug == "package__prepare_package_command__waiting__preparing")
    )
    response = integrator.post(
        f"{BASE}{package.id}/command/", json={"transition": transition.id, "input_parameters": {}}
    )
    assert response.status_code == 204
    session.expire_all()
    assert session.get(Package, package.id).state.enum_value == "200"
    log = session.scalar(select(TransitionLog).where(TransitionLog.object_id == package.id))
    assert log.user_id == integrator.user.id


def test_command_not_allowed_from_the_current_state_is_406_and_changes_nothing(integrator, session):
    """Packing a packed package answers 406 and leaves it and its log untouched."""
    package = _packed(session, integrator)
    session.commit()
    response = integrator.post(f"{BASE}{package.id}/command/", json={"slug": PACK})
    assert response.status_code == 406 and response.json["code"] == "command_not_allowed"
    assert session.scalar(select(func.count(TransitionLog.id))) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"slug": "package__refuse_package__waiting__requires-replan", "input_parameters": {}}, "denial_reason"),
        ({"slug": "package__nope"}, "slug"),
        ({"input_parameters": {}}, "transition"),
        ({"slug": PACK, "input_parameters": []}, "input_parameters"),
        ({"slug": PACK, "surprise": 1}, "surprise"),
    ],
)
def test_bad_command_parameters_are_400_naming_the_field(integrator, session, body, field):
    """A missing or wrong parameter answers 400 with the field, and the package stays waiting."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    response = integrator.post(f"{BASE}{package.id}/command/", json=body)
    assert response.status_code == 400
    assert field in response.json, response.json
    session.expire_all()
    assert session.get(Package, package.id).state.enum_value == "100"


def test_command_with_a_response_body_answers_200(integrator, session):
    """Splitting answers 200 with the new package, as the reference shows."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    session.commit()
    item = package.items[0].id
    response = integrator.post(
        f"{BASE}{package.id}/command/",
        json={"slug": "package__split_package__waiting__waiting", "input_parameters": {"package_items": [item]}},
    )
    assert response.status_code == 200, response.json
    assert response.json["package__number"] == f"{package.order.number}P2"
    assert response.json["package__stock_location__id"] == integrator.location.id
    session.expire_all()
    new_package = session.get(Package, response.json["package__id"])
    assert new_package.number == response.json["package__number"]
    assert [package_item.id for package_item in new_package.items] == [item]
    assert item not in [package_item.id for package_item in session.get(Package, package.id).items]


def test_a_body_that_is_not_json_is_415(integrator, session):
    """A command sent as a form answers 415 Unsupported Media Type."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    response = integrator.client.post(f"{BASE}{package.id}/command/", data={"slug": PACK}, headers=integrator.headers)
    assert response.status_code == 415


# --- Invoices, numbers and extra information ------------------------------------------


def test_invoice_lifecycle(integrator, session):
    """An invoice needs a packed package (400 otherwise), is created once (a repeated POST
    answers the same invoice, so a retry never bills twice), renders as HTML, and takes its
    number from set_invoice_number."""
    waiting = factories.package(session, at=integrator.location)
    packed = _packed(session, integrator, products=[factories.product(session)] * 2)
    session.commit()
    refused = integrator.post(f"{BASE}{waiting.id}/invoice/")
    assert refused.status_code == 400 and refused.json["field"] == "package"
    created = integrator.post(f"{BASE}{packed.id}/invoice/")
    assert created.status_code == 201, created.json
    assert created.json["package_number"] == packed.number and len(created.json["invoiceitem_set"]) == 2
    assert created.json["invoiceitem_set"][0]["total_amount"] == "100.00"
    again = integrator.post(f"{BASE}{packed.id}/invoice/")
    assert again.status_code == 201 and again.json["id"] == created.json["id"]
    assert (
        integrator.post(f"{BASE}{packed.id}/set_invoice_number/", json={"invoice_number": "INV-0001"}).status_code
        == 204
    )
    document = integrator.get(f"{BASE}{packed.id}/invoice_document/")
    assert document.status_code == 200 and "INV-0001" in document.json["html_content"]
    assert integrator.get(f"{BASE}{packed.id}/").json["invoice_number"] == "INV-0001"
    too_long = integrator.post(f"{BASE}{packed.id}/set_invoice_number/", json={"invoice_number": "X" * 33})
    assert too_long.status_code == 400 and "invoice_number" in too_long.json


def test_remote_id_and_extra_information(integrator, session):
    """set_remote_id answers 204; PATCH extra_information merges keys and answers 200."""
    package = factories.package(session, at=integrator.location)
    package.extra_information = {"distance_to_shipping_address": 5}
    session.commit()
    assert integrator.post(f"{BASE}{package.id}/set_remote_id/", json={"remote_id": "ERP-99"}).status_code == 204
    patched = integrator.patch(f"{BASE}{package.id}/extra_information/", json={"extra_information": {"gate": "B"}})
    assert patched.status_code == 200
    assert patched.json["extra_information"] == {"distance_to_shipping_address": 5, "gate": "B"}
    detail = integrator.get(f"{BASE}{package.id}/").json
    assert detail["remote_id"] == "ERP-99" and detail["extra_information"]["gate"] == "B"
    assert (
        integrator.patch(f"{BASE}{package.id}/extra_information/", json={"extra_information": "no"}).status_code == 400
    )


# --- Logs and webhook events ------------------------------------------------------------


def test_transition_log_and_webhook_event_routes(integrator, session):
    """Logs and events list and show per package; another package's log is 404 here."""
    session.add(Webhook(target_url="https://erp.example/hook", event_type="package.state_changed"))
    package = factories.package(session, at=integrator.location)
    other = factories.package(session, at=integrator.location)
    session.commit()
    assert integrator.post(f"{BASE}{package.id}/command/", json={"slug": PACK}).status_code == 204
    log_id = integrator.get(f"{BASE}{package.id}/transition_logs/").json["results"][0]["id"]
    assert integrator.get(f"{BASE}{package.id}/transition_logs/{log_id}/").json["object_id"] == package.id
    assert integrator.get(f"{BASE}{other.id}/transition_logs/{log_id}/").status_code == 404
    events = integrator.get(f"{BASE}{package.id}/webhook_events/").json
    assert events["count"] == 1 and events["results"][0]["event_type"] == "package.state_changed"
    event_id = events["results"][0]["id"]
    assert events["results"][0]["webhook"]["secret_key"] == ""
    short = integrator.get(f"{BASE}{package.id}/webhook_events/short/{event_id}/").json
    assert short["webhook"]["target_url"] == "https://erp.example/hook" and short["delivered"] is False
    assert "request_payload" not in short
    with transaction(session):  # what the worker's outbox poll does before delivering
        events_core.complete_snapshots(session, session.get(Package, package.id))
    assert (
        integrator.get(f"{BASE}{package.id}/webhook_events/{event_id}/").json["request_payload"]["payload"]["id"]
        == package.id
    )
    assert integrator.get(f"{BASE}{other.id}/webhook_events/{event_id}/").status_code == 404
    assert session.scalar(select(func.count(WebhookEvent.id))) == 1


# --- Queries per request ----------------------------------------------------------------


def _statements(app, call) -> int:
    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as counter:
        call()
    return counter[0]


def test_list_query_count_does_not_grow_with_page_size(app, integrator, session):
    """The full list of 3 or of 30 packages costs the same number of statements (no N+1)."""
    for index in range(30):
        factories.package(session, at=integrator.location, products=[factories.product(session)] * (1 + index % 3))
    session.commit()
    integrator.get(f"{BASE}?limit=1")  # the token's first use records last_used_date; measure the steady state
    small = _statements(app, lambda: integrator.get(f"{BASE}?limit=3"))
    large = _statements(app, lambda: integrator.get(f"{BASE}?limit=30"))
    assert small == large, (small, large)
    short_small = _statements(app, lambda: integrator.get(f"{BASE}short/?limit=3"))
    short_large = _statements(app, lambda: integrator.get(f"{BASE}short/?limit=30"))
    assert short_small == short_large


# --- The document ---------------------------------------------------------------------


def test_openapi_document_lists_every_route_and_the_docs_page_renders(client, app):
    """Every API route is in /api/v1/openapi.json (none drifts), and /api/v1/docs/ shows them."""
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/oms", "/api/i1", "/api/i2")):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    list_parameters = {p["name"] for p in spec["paths"]["/api/v1/oms/packages/"]["get"]["parameters"]}
    assert {"state__enum_value", "stock_location__erp_code__in", "pk__in", "sort", "page", "limit"} <= list_parameters
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and "/api/v1/oms/packages/{package_id}/command/" in docs.text


def test_the_docs_page_reads_in_the_browsers_language(client):
    """A Turkish browser reads the docs page's title, sections, summaries, parameters and answers in Turkish."""
    docs = client.get("/api/v1/docs/", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).text
    for turkish in (
        "Paketleme istasyonu entegrasyon API",
        "OMS Paket Servisleri",
        "Paketleri listele",
        "Sayfa numarası",
    ):
        assert turkish in docs
    assert "Çok fazla istek" in docs and "List packages" not in docs
