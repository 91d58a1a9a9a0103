"""The boundary holds: hostile ids, numbers, text and bodies are refused with 400/404/413
naming the field and change nothing; a database that is away is a 503, not a traceback."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from packing.app import create_app
from packing.core.errors import InvalidParameter
from packing.core.models import DenialReason, Package, Transition, TransitionLog, Webhook
from packing.core.parsing import loads_strict
from packing.extensions import db
from tests import factories
from tests.api.conftest import Integrator
from tests.conftest import csrf_token_from


def _state(session, package_id: int) -> tuple:
    session.expire_all()
    package = session.get(Package, package_id)
    logs = session.scalar(select(func.count()).select_from(TransitionLog).where(TransitionLog.object_id == package_id))
    return package.state.enum_value, package.version, dict(package.extra_information or {}), logs


# --- The one parser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"a": NaN}', "a"),
        ('{"a": {"b": [1, Infinity]}}', "a.b.1"),
        ('{"a": 1e400}', "a"),
        ('{"a": ' + "9" * 5000 + "}", "a"),
        ('{"a": "x\\u0000y"}', "a"),
        ('{"a": {"k\\u0000": 1}}', "a"),
        ('{"deep": ' + "[" * 100_000 + "]" * 100_000 + "}", "deep"),
    ],
)
def test_strict_json_names_the_field_of_every_unusable_value(body, field):
    """NaN, infinities, 5000-digit numbers, NUL and 100k-deep nesting are refused naming their path."""
    with pytest.raises(InvalidParameter) as refused:
        loads_strict(body)
    assert refused.value.field == field


# --- The UI -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/station/packages/2147483648",
        "/station/packages/99999999999999999999",
        "/station/packages/²",
        "/station/packages/%D9%A3",
    ],
)
def test_ids_out_of_range_or_in_unicode_digits_are_not_found(client, auth, session, path):
    """An id the column cannot hold, or written in non-ASCII digits, is a 404; the next request still works."""
    auth.login(role="picker")
    assert client.get(path).status_code == 404
    assert client.get("/queue/").status_code == 200


@pytest.mark.parametrize(
    ("url", "field"),
    [("/queue/?q=a%00b", "q"), ("/queue/?page=%C2%B2", "page"), ("/queue/?page=99999999999999999999", "page")],
)
def test_queue_query_values_are_refused_naming_the_field(client, auth, url, field):
    """NUL, a Unicode digit or an overflowing page in the queue's query: 400 naming it."""
    auth.login(role="picker")
    response = client.get(url)
    assert response.status_code == 400
    assert field in response.text


def test_station_command_parameter_in_unicode_digits_is_refused(client, auth, session):
    """``?command=²`` on the station page is a 400 naming ``command``, not a 500."""
    user = auth.login(role="picker")
    package = factories.package(session, at=user.stock_locations[0])
    session.commit()
    response = client.get(f"/station/packages/{package.id}?command=%C2%B2")
    assert response.status_code == 400 and "command" in response.text


def test_manual_scan_and_version_in_unicode_digits_change_nothing(client, auth, session):
    """A manual scan of product ``²`` and a command with version ``²`` are refused; no scan, no log."""
    user = auth.login(role="picker")
    package = factories.package(session, at=user.stock_locations[0])
    session.commit()
    page = client.get(f"/station/packages/{package.id}")
    token = csrf_token_from(page.text)
    before = _state(session, package.id)
    scan = client.post(
        f"/station/packages/{package.id}/scans/manual",
        data={"product": "²", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert scan.status_code == 400 and "product" in scan.text
    refuse = session.scalar(
        select(Transition.id).where(Transition.slug == "package__refuse_package__waiting__requires-replan")
    )
    reason = session.scalar(select(DenialReason.id).where(DenialReason.remote_id == "damaged"))
    command = client.post(
        f"/station/packages/{package.id}/commands/{refuse}",
        data={"denial_reason": str(reason), "version": "²", "csrf_token": token},
    )
    assert command.status_code == 400 and "version must be a whole number" in command.text
    assert _state(session, package.id) == before


def test_login_username_with_nul_is_refused_naming_it(client):
    """A NUL in the sign-in username is a 400 naming ``username`` (PostgreSQL would raise DataError)."""
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login", data={"username": "pick\x00er", "password": "x", "csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 400 and "username" in response.text


def test_error_page_renders_after_a_failed_statement(app, client, auth):
    """A statement that fails inside a view leaves a 500 page that still reads the database
    (the session is rolled back first, so PostgreSQL does not answer InFailedSqlTransaction)."""

    @app.get("/_broken")
    def broken():
        db.session.execute(text("INSERT INTO country (id, name, code) VALUES (900, 'a', 'a'), (900, 'b', 'b')"))

    user = auth.login(role="picker")
    response = client.get("/_broken")
    assert response.status_code == 500
    assert user.username in response.text


def test_webhook_form_without_headers_and_with_an_overflowing_retry(client, auth, session):
    """The webhook form posted without additional_headers saves; retry base 1e308 or NaN is the field's error."""
    auth.login(role="admin")
    token = csrf_token_from(client.get("/webhooks/new").text)
    form = {
        "target_url": "https://erp.example.com/hooks",
        "event_types": ["package.packed"],
        "secret_key": "s3cret",
        "retry_choice": "linear",
        "retry_base": "30",
        "max_retries": "5",
        "timeout_seconds": "4",
        "csrf_token": token,
    }
    for bad in ("1e308", "nan", "²", "1" * 5000):
        refused = client.post("/webhooks/new", data={**form, "retry_base": bad})
        assert refused.status_code == 400, bad
    overflow = client.post("/webhooks/new", data={**form, "max_retries": "9" * 30})
    assert overflow.status_code == 400
    assert session.scalar(select(func.count()).select_from(Webhook)) == 0
    saved = client.post("/webhooks/new", data=form)
    assert saved.status_code == 303
    assert session.scalar(select(Webhook.additional_headers)) == {}


def test_oversized_form_is_413(app, client, auth):
    """A form body over MAX_CONTENT_LENGTH is answered 413 with a page, before it is read."""
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    auth.login(role="picker")
    response = client.post("/queue/scan", data={"code": "x" * 20_000})
    assert response.status_code == 413
    assert "10000" in response.text


# --- The API --------------------------------------------------------------------------------


@pytest.fixture
def integrator(client, session):
    return Integrator(client, session)


def test_boolean_transition_is_not_transition_one(integrator, session):
    """``{"transition": true}`` is refused naming ``transition``; the package does not move."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    before = _state(session, package.id)
    response = integrator.post(f"/api/v1/oms/packages/{package.id}/command/", json={"transition": True})
    assert response.status_code == 400
    assert "transition" in response.json
    assert _state(session, package.id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"extra_information": {"x": NaN}}', "extra_information.x"),
        ('{"extra_information": {"x": -Infinity}}', "extra_information.x"),
        ('{"extra_information": {"x": "a\\u0000"}}', "extra_information.x"),
        ('{"extra_information": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}", "extra_information"),
    ],
)
def test_unusable_extra_information_changes_nothing(integrator, session, body, field):
    """NaN, -Infinity, NUL and 100k-deep nesting in a PATCH: 400 naming the field, nothing stored."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    before = _state(session, package.id)
    response = integrator.client.patch(
        f"/api/v1/oms/packages/{package.id}/extra_information/",
        data=body,
        headers={**integrator.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert field in response.json
    assert _state(session, package.id) == before


@pytest.mark.parametrize(
    "parameters",
    [{"package_items": ["²"]}, {"package_items": [2**31]}, {"package_items": [True]}, {"denial_reason": "٣"}],
)
def test_input_parameters_in_unicode_digits_or_overflowing(integrator, session, parameters):
    """Unicode digits, ids past 2**31-1 and booleans in input_parameters are a 400, not a 500."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    before = _state(session, package.id)
    slug = (
        "package__refuse_package__waiting__requires-replan"
        if "denial_reason" in parameters
        else "package__split_package__waiting__waiting"
    )
    response = integrator.post(
        f"/api/v1/oms/packages/{package.id}/command/", json={"slug": slug, "input_parameters": parameters}
    )
    assert response.status_code == 400, response.json
    assert _state(session, package.id) == before


def test_oversized_api_body_is_413_json(app, integrator, session):
    """A 2 MB PATCH is answered 413 with a JSON body and not stored."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    response = integrator.patch(
        f"/api/v1/oms/packages/{package.id}/extra_information/", json={"extra_information": {"x": "y" * 2_000_000}}
    )
    assert response.status_code == 413
    assert response.json["code"] == "request_too_large"
    assert _state(session, package.id)[2] == {}


def test_extra_information_cannot_grow_without_bound(integrator, session):
    """PATCHes under the body limit that would merge into more than 64 KiB are refused, naming the field."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    url = f"/api/v1/oms/packages/{package.id}/extra_information/"
    assert integrator.patch(url, json={"extra_information": {"a": "x" * 40_000}}).status_code == 200
    refused = integrator.patch(url, json={"extra_information": {"b": "x" * 40_000}})
    assert refused.status_code == 400 and "extra_information" in refused.json
    assert set(_state(session, package.id)[2]) == {"a"}


def test_query_numbers_are_ascii_digits_only(integrator):
    """``?page=²``, ``?page=1_0`` and ``?limit=true`` in the API are 400 naming the parameter."""
    for query, field in (("page=%C2%B2", "page"), ("page=1_0", "page"), ("limit=true", "limit")):
        response = integrator.get(f"/api/v1/oms/packages/?{query}")
        assert response.status_code == 400 and field in response.json, query


# --- The database away ------------------------------------------------------------------------


@pytest.fixture
def app_without_database(tmp_path) -> Flask:
    """An app whose database server does not answer (nothing listens on port 1)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
            "DATABASE_RETRY_AFTER_SECONDS": 15,
        }
    )


def test_database_down_is_a_503_page_for_people(app_without_database):
    """A signed-in page while the database is away: 503, Retry-After, a page that says so."""
    client = app_without_database.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "1:1"  # user 1 at session version 1, as sign-in writes it
    response = client.get("/queue/", headers={"Accept-Language": "tr"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "15"
    assert "Veritabanına şu anda ulaşılamıyor" in response.text


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/auth/logout", {}),  # no CSRF token
        ("GET", "/queue/?q=a%00b", None),  # a NUL, refused before the view
        ("GET", "/no-such-page", None),
        ("GET", "/static/no-such-file.css", None),
        ("POST", "/queue/scan", {"code": "x" * 2_000_000}),  # over MAX_CONTENT_LENGTH
    ],
)
def test_an_error_page_while_the_database_is_down_is_the_503_page(app_without_database, method, path, body):
    """A refusal for a signed-in person (CSRF, NUL, 404, 413) while the database is away: the
    error page cannot read who they are, so the answer is the 503 page, never a bare 500."""
    client = app_without_database.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "1:1"
    response = client.open(path, method=method, data=body)
    assert response.status_code == 503, (path, response.status_code)
    assert response.headers["Retry-After"] == "15"
    assert "The database is not reachable right now" in response.text


def test_database_down_is_a_503_json_for_integrators(app_without_database):
    """An API call while the database is away: 503, Retry-After and a JSON body."""
    response = app_without_database.test_client().get("/api/v1/oms/packages/", headers={"Authorization": "Token abc"})
    assert response.status_code == 503
    # The API's rate limiter restates Retry-After as whole seconds from now: 15 or, a moment later, 14.
    assert 14 <= int(response.headers["Retry-After"]) <= 15
    assert response.json["code"] == "service_unavailable"
