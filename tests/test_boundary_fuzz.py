"""Property-based: every form and every API body and query, driven with hostile values (NUL,
huge and negative ints, Unicode digits, NaN and infinities, booleans, deep nesting, very long
strings), on each database. Whatever the value: no 5xx; a 400 names the field; a refused
request changes nothing. The inputs tried and the 5xx seen are printed at the end of the
module (run with ``-s``, or read the terminal summary) for the closing note.

One value is hostile per request; the other fields hold a valid value, so a 400 can only be
about the hostile one. Example counts are small and derandomized: a few hundred requests per
database."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from packing.api import oms, seller_center  # noqa: F401 - importing them registers the operations
from packing.api.framework import OPERATIONS
from packing.core import printers
from packing.core.invoicing import create_invoice
from packing.core.models import Base, Transition, Webhook
from packing.extensions import db
from tests import factories
from tests.api.conftest import Integrator
from tests.conftest import csrf_token_from


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- Hostile values ---------------------------------------------------------------------------

HOSTILE_TEXT = [
    "a\x00b",
    "\x00",
    "²",
    "٣",
    "１２",
    "-1",
    "0",
    "1_0",
    " 7",
    "0x10",
    str(2**31),
    str(2**63),
    str(10**30),
    "9" * 5000,
    "1e308",
    "-1e308",
    "NaN",
    "Infinity",
    "-Infinity",
    "true",
    "false",
    "null",
    "",
    " ",
    "x" * 5000,
    "<script>x</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "a\r\nX-Injected: 1",
    "😀" * 300,
    "İı" * 100,
    "{}",
    "[]",
]
_printable = st.characters(blacklist_categories=("Cs",))
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(_printable, max_size=30).map(lambda value: value + "\x00"),
    st.integers(min_value=2**31, max_value=10**40).map(str),
    st.integers(max_value=-1, min_value=-(10**40)).map(str),
)
HOSTILE_JSON = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "9" * 5000,
    "true",
    "false",
    "null",
    str(2**31),
    str(2**63),
    str(10**30),
    "-1",
    "0",
    "1.5",
    "1e308",
    '"²"',
    '"٣"',
    '"a\\u0000b"',
    '"\\u0000"',
    '""',
    '"' + "x" * 5000 + '"',
    "{}",
    "[]",
    '{"a\\u0000": 1}',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 200 + "1" + "}" * 200,
    "[1, NaN]",
]
hostile_json = st.one_of(
    st.sampled_from(HOSTILE_JSON),
    hostile_text.map(json.dumps),
    st.integers(min_value=2**31, max_value=10**40).map(str),
)

TRIED: Counter = Counter()
SERVER_ERRORS: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_the_figures(request):
    """Print the inputs tried and the 5xx seen, per database, once the module has run."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        for backend in sorted(TRIED):
            print(
                f"\nboundary fuzz on {backend}: {TRIED[backend]} hostile inputs tried, {SERVER_ERRORS[backend]} 5xx seen"
            )


# --- What the database holds ------------------------------------------------------------------

# A refused sign-in is recorded on purpose (throttling, and the admins' audit log); a token's
# use is stamped on purpose.
NOT_COMPARED = {"login_attempt", "audit_entry", "api_token"}


def fingerprint() -> tuple:
    """Every row of every table (they are small here), read fresh from the database."""
    db.session.rollback()
    rows = []
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_COMPARED:
            continue
        ordered = select(table).order_by(*table.primary_key.columns)
        rows.append((table.name, [tuple(map(repr, row)) for row in db.session.execute(ordered)]))
    db.session.rollback()
    return tuple(rows)


class Database:
    """The fingerprint before each request, read again only after one was accepted (a
    refused one has just been proven to leave it as it was)."""

    def __init__(self):
        self.known = fingerprint()

    def before(self) -> tuple:
        return self.known

    def after(self, backend: str, response, what: str) -> None:
        TRIED[backend] += 1
        if response.status_code >= 500:
            SERVER_ERRORS[backend] += 1
        assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:500])
        now = fingerprint()
        if response.status_code >= 400:
            assert now == self.known, f"a refused request ({response.status_code}) for {what} changed the database"
        self.known = now


# --- The world the requests act on ------------------------------------------------------------


@pytest.fixture
def world(app, client, auth, session):
    """A store with an admin signed in (who may use every screen), a waiting package with
    two items, a packed one, a webhook, a carrier; and an integrator with a token for the store."""
    location = factories.location(session)
    admin = factories.user(session, role="admin", locations=[location])
    products = [factories.product(session), factories.product(session)]
    waiting = factories.package(session, at=location, products=products)
    packed = factories.packed_package(session, at=location)
    create_invoice(session, packed, admin)  # the invoice number form shows once there is one
    cargo = factories.cargo_company(session)
    colleague = factories.user(session, role="picker", locations=[location])
    printer = printers.save_printer(session, location.id, name="Zebra", kind=printers.RAW, host="10.0.0.5")
    session.add(
        Webhook(
            target_url="https://hooks.example.com/packing",
            event_type="package.packed",
            event_types=["package.packed"],
            secret_key="s",
        )
    )
    session.commit()
    auth.login(admin)
    integrator = Integrator(app.test_client(), session, location=location)
    slugs = {t.slug: t.id for t in session.scalars(select(Transition))}
    world = {
        "location": location,
        "admin": admin,
        "waiting": waiting,
        "packed": packed,
        "products": products,
        "cargo": cargo,
        "colleague": colleague,
        "printer": printer,
        "integrator": integrator,
        "slugs": slugs,
        "token": csrf_token_from(client.get("/auth/account").text),
        "webhook": session.scalar(select(Webhook.id)),
    }
    world["database"] = Database()
    return world


def _form_targets(w) -> list[tuple[str, str, dict, list[str]]]:
    """(method, url, a valid form, the fields to make hostile) for every screen's input."""
    waiting, packed = w["waiting"], w["packed"]
    refuse = w["slugs"]["package__refuse_package__waiting__requires-replan"]
    split = w["slugs"]["package__split_package__waiting__waiting"]
    item = str(waiting.items[0].id)
    return [
        (
            "GET",
            "/queue/",
            {"q": "", "page": "1", "state": "open", "delivery": "", "overdue": "", "today": ""},
            ["q", "page", "state", "delivery", "overdue", "today"],
        ),
        ("POST", "/queue/scan", {"code": "NOPE"}, ["code"]),
        ("GET", f"/station/packages/{waiting.id}", {"command": str(refuse)}, ["command"]),
        (
            "POST",
            f"/station/packages/{waiting.id}/scans",
            {"barcode": "NOPE", "client_scan_id": "c1"},
            ["barcode", "client_scan_id"],
        ),
        (
            "POST",
            f"/station/packages/{waiting.id}/scans/manual",
            {"product": str(w["products"][0].id), "client_scan_id": "c2"},
            ["product", "client_scan_id"],
        ),
        (
            "POST",
            f"/station/packages/{waiting.id}/commands/{refuse}",
            {"denial_reason": "damaged", "version": str(waiting.version)},
            ["denial_reason", "version"],
        ),
        (
            "POST",
            f"/station/packages/{waiting.id}/commands/{split}",
            {"package_items": item, "version": str(waiting.version)},
            ["package_items", "version"],
        ),
        ("POST", f"/documents/packages/{packed.id}/invoice-number", {"invoice_number": "INV-1"}, ["invoice_number"]),
        (
            "POST",
            f"/documents/packages/{packed.id}/shipment",
            {"shipping_company": w["cargo"].erp_code, "tracking_number": "", "shipment_date": ""},
            ["shipping_company", "tracking_number", "shipment_date"],
        ),
        ("GET", "/documents/print-room", {"q": ""}, ["q"]),
        (
            "POST",
            "/documents/print-room/batches",
            {"document_type": "label", "package_ids": str(packed.id)},
            ["document_type", "package_ids"],
        ),
        (
            "POST",
            "/documents/print-room/cargo-company",
            {"cargo_company": str(w["cargo"].id), "next": "/documents/print-room"},
            ["cargo_company", "next"],
        ),
        (
            "POST",
            "/tokens/",
            {"user": str(w["admin"].id), "name": "erp", "locations": str(w["location"].id)},
            ["user", "name", "locations"],
        ),
        ("POST", "/webhooks/new", _webhook_form(), list(_webhook_form())),
        ("POST", f"/webhooks/{w['webhook']}/edit", _webhook_form(), list(_webhook_form())),
        ("POST", f"/webhooks/{w['webhook']}/active", {"active": "0"}, ["active"]),
        (
            "GET",
            "/webhooks/events",
            {"status": "", "webhook": "", "package": "", "before": ""},
            ["status", "webhook", "package", "before"],
        ),
        ("GET", "/admin/products", {"q": "SKU"}, ["q"]),
        (
            "POST",
            f"/admin/products/{w['products'][0].id}/cases",
            {"barcode": "CASE-FUZZ", "quantity": "6"},
            ["barcode", "quantity"],
        ),
        ("POST", "/auth/location", {"location": str(w["location"].id)}, ["location"]),
        ("POST", "/auth/locale", {"locale": "en", "next": "/auth/account"}, ["locale", "next"]),
        ("GET", f"/documents/packages/{packed.id}/label.png", {"dpi": "203"}, ["dpi"]),
        (
            "POST",
            f"/documents/packages/{packed.id}/print/label",
            {"next": f"/documents/packages/{packed.id}"},
            ["next"],
        ),
        ("GET", "/dashboard/", {"location": str(w["location"].id)}, ["location"]),
        *(
            (
                "GET",
                url,
                {"from": "", "to": "", "picker": "", "page": "1", "location": ""},
                ["from", "to", "picker", "page", "location"],
            )
            for url in ("/dashboard/report", "/dashboard/report.csv")
        ),
        ("POST", "/printers/", _printer_form(), list(_printer_form())),
        ("POST", f"/printers/{w['printer'].id}", _printer_form(), list(_printer_form())),
        (
            "GET",
            "/admin/users",
            {"q": "", "role": "", "location": "", "active": ""},
            ["q", "role", "location", "active"],
        ),
        (
            "GET",
            "/admin/audit",
            {"action": "", "actor": "", "target": "", "before": ""},
            ["action", "actor", "target", "before"],
        ),
        (
            "POST",
            "/admin/users/new",
            {"username": "newcomer", "role": "picker", "locations": str(w["location"].id)},
            ["username", "role", "locations"],
        ),
        (
            "POST",
            f"/admin/users/{w['colleague'].id}/edit",
            {"role": "picker", "locations": str(w["location"].id)},
            ["role", "locations"],
        ),
        ("POST", f"/admin/users/{w['colleague'].id}/active", {"active": "1"}, ["active"]),
        (
            "POST",
            "/account/password",
            {"current_password": "not-the-password", "password": "a-new-password-1", "confirm": "a-new-password-1"},
            ["current_password", "password", "confirm"],
        ),
        ("POST", "/admin/locations/new", _location_form(), list(_location_form())),
        ("POST", f"/admin/locations/{w['location'].id}/edit", _location_form(), list(_location_form())),
        ("POST", "/admin/carriers/new", _carrier_form(), list(_carrier_form())),
        ("POST", f"/admin/carriers/{w['cargo'].id}/edit", _carrier_form(), list(_carrier_form())),
    ]


def _printer_form() -> dict:
    return {
        "name": "Zebra 2",
        "kind": "raw",
        "host": "10.0.0.6",
        "port": "9100",
        "dpi": "203",
        "ipp_path": "/ipp/print",
    }


def _location_form() -> dict:
    return {
        "name": "Depot",
        "erp_code": "DEPOT-1",
        "stock_location_type": "warehouse",
        "address_line": "Depo Sk. 1",
        "postcode": "34000",
        "daytime_phone": "+90 212 000 00 00",
        "email": "depot@example.com",
        "time_zone": "Europe/Istanbul",
        "default_cargo_company_id": "",
        "priority": "10",
        "use_as_shipper_location": "y",
    }


def _carrier_form() -> dict:
    return {
        "name": "Cargo 2",
        "erp_code": "cargo-2",
        "uuid": "",
        "tracking_url_template": "https://track.example.com/{tracking_number}",
        "label_format": "pdf",
        "label_size": "4x6in",
        "label_dpi": "203",
    }


def _webhook_form(**changes) -> dict:
    form = {
        "target_url": "https://erp.example.com/hooks",
        "event_types": "package.packed",
        "secret_key": "s3cret",
        "additional_headers": "X-Tenant: 42",
        "retry_choice": "linear",
        "retry_base": "30",
        "retry_factor": "",
        "retry_seconds": "",
        "retry_limit": "600",
        "max_retries": "5",
        "timeout_seconds": "4",
        "is_active": "y",
    }
    form.update(changes)
    return form


def _form_fields(w) -> list[tuple[int, str]]:
    return [(index, name) for index, (_m, _u, _b, fields) in enumerate(_form_targets(w)) for name in fields]


def test_every_form_field_takes_any_value_without_a_server_error(backend, client, world):
    """Every screen's form or query, one hostile field at a time: no 5xx, a 400 names the
    field, and a refused request leaves every table as it was."""
    targets, database = _form_targets(world), world["database"]

    @budget(400)
    @given(target=st.sampled_from(_form_fields(world)), value=hostile_text)
    def run(target: tuple[int, str], value: str) -> None:
        index, field = target
        method, url, base, _fields = targets[index]
        data = {**base, field: value}
        if method == "GET":
            response = client.get(url, query_string=data)
        else:
            response = client.post(url, data={**data, "csrf_token": world["token"]})
        database.after(backend, response, f"{url} {field}")
        if response.status_code == 400:
            assert field in response.get_data(as_text=True), (url, field)

    run()


def test_an_uploaded_export_takes_any_bytes_and_name_without_a_server_error(backend, client, world):
    """The imports screen's upload: hostile JSON, bytes that are not UTF-8 and hostile file
    names; no 5xx, a 400 names the document, and a refused upload changes nothing."""
    database = world["database"]

    @budget(40)
    @given(
        content=st.one_of(st.just(b'{"results": []}'), hostile_json.map(str.encode), st.binary(max_size=64)),
        filename=st.one_of(st.just("export.json"), hostile_text),
    )
    def run(content: bytes, filename: str) -> None:
        response = client.post(
            "/imports/",
            data={"csrf_token": world["token"], "document": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )
        database.after(backend, response, f"import {filename[:20]!r} {content[:20]!r}")
        if response.status_code == 400:
            assert "document" in response.get_data(as_text=True)

    run()


def test_sign_in_takes_any_username_without_a_server_error(backend, app, world):
    """The sign-in form (signed out): any username or password, no 5xx, NUL named."""
    client, database = app.test_client(), world["database"]
    token = csrf_token_from(client.get("/auth/login").text)

    @budget(20)
    @given(field=st.sampled_from(["username", "password"]), value=hostile_text)
    def run(field: str, value: str) -> None:
        data = {"username": "nobody", "password": "wrong-password", field: value, "csrf_token": token}
        response = client.post("/auth/login", data=data)
        database.after(backend, response, f"login {field}")
        if response.status_code == 400:
            assert field in response.get_data(as_text=True)

    run()


# --- The API -----------------------------------------------------------------------------------

BODY_OPERATIONS = {op.endpoint: op for op in OPERATIONS if op.body is not None}
QUERY_OPERATIONS = [op for op in OPERATIONS if op.query is not None]
REFUSE = "package__refuse_package__waiting__requires-replan"
SPLIT = "package__split_package__waiting__waiting"


def _valid_bodies(w) -> list[tuple[str, Any]]:
    """(endpoint, a body it accepts as well-formed); a hostile value then replaces one part."""
    item = w["waiting"].items[0].id
    item_number = f"{w['waiting'].number}-{item}"  # the Seller Center's item numbers
    return [
        ("oms.package_command", {"slug": SPLIT, "input_parameters": {"package_items": [item]}}),
        ("oms.package_command", {"transition": w["slugs"][REFUSE], "input_parameters": {"denial_reason": "damaged"}}),
        ("oms.package_set_invoice_number", {"invoice_number": "INV-1"}),
        ("oms.package_set_remote_id", {"remote_id": "R-1"}),
        ("oms.package_extra_information", {"extra_information": {"key": "value", "nested": {"list": [1, 2]}}}),
        (
            "seller_center.package_update",
            {"tracking_number": "T-1", "status": 2, "shipment_date": "2026-01-01T10:00:00Z"},
        ),
        ("seller_center.package_change_shipping_method", {"shipping_method": w["cargo"].erp_code}),
        ("seller_center.package_split", [{"items": [item_number], "shipping_method": w["cargo"].erp_code}]),
        ("seller_center.package_reject", {"items": [item_number], "reason": "damaged"}),
        ("seller_center.package_refund", {"reason": "r", "refund_invoice_number": "R-1"}),
    ]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key and leaf position in a JSON value, outermost first."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


PLACEHOLDER = "__HOSTILE__"


def _with_hostile(body: Any, path: tuple, raw: str) -> str:
    """The body as JSON text with the value at ``path`` replaced by the raw JSON ``raw``."""
    body = json.loads(json.dumps(body))
    holder = body
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = PLACEHOLDER
    return json.dumps(body).replace(f'"{PLACEHOLDER}"', raw)


def _url(path: str, w) -> str:
    for name, value in (
        ("package_id", w["waiting"].id),
        ("number", w["waiting"].number),
        ("log_id", 1),
        ("event_id", 1),
        ("label_id", 1),
        ("item_number", w["waiting"].items[0].id),
    ):
        path = path.replace("{" + name + "}", str(value))
    return path


def _names_the_field(response, path: tuple, raw: str) -> bool:
    """A 400 names a field. When the request's shape was refused (``invalid``, ``parse_error``:
    checked before any state matters), it is one on the hostile value's path or one inside the
    object or array the hostile value replaced; a domain refusal (``invalid_parameter``) may
    be about the package's state after earlier accepted examples, and names its own field."""
    body = response.get_json(silent=True) or {}
    named = set(body) - {"detail", "code"}
    if body.get("code") not in ("invalid", "parse_error"):
        return bool(named)
    text = json.dumps(body)
    on_path = any(
        (isinstance(part, str) and part in text) or any(str(part) in key.split(".") for key in named) for part in path
    )
    return bool(named) and (on_path or raw.lstrip().startswith(("{", "[")))


def test_every_api_body_field_takes_any_json_without_a_server_error(backend, world):
    """Each API body, one field or nested value made hostile at a time, sent as raw JSON:
    no 5xx, a 400 names the field, a refused request changes nothing."""
    integrator, database = world["integrator"], world["database"]
    cases = [(endpoint, body, path) for endpoint, body in _valid_bodies(world) for path in _paths(body)]

    @budget(140)
    @given(case=st.sampled_from(cases), raw=hostile_json)
    def run(case: tuple, raw: str) -> None:
        endpoint, body, path = case
        op = BODY_OPERATIONS[endpoint]
        response = integrator.client.open(
            _url(op.path, world),
            method=op.method.upper(),
            data=_with_hostile(body, path, raw),
            headers={**integrator.headers, "Content-Type": "application/json"},
        )
        database.after(backend, response, f"{endpoint} {path}")
        if response.status_code == 400:
            assert _names_the_field(response, path, raw), (endpoint, path, raw[:80], response.get_json())

    run()


def test_whole_api_bodies_that_are_not_objects_are_refused(backend, world):
    """A hostile value as the whole body (NaN, 5000-deep arrays, a bare string ...) of every
    API operation with a body: no 5xx, nothing changed."""
    integrator, database = world["integrator"], world["database"]

    @budget(30)
    @given(endpoint=st.sampled_from(sorted(BODY_OPERATIONS)), raw=hostile_json)
    def run(endpoint: str, raw: str) -> None:
        op = BODY_OPERATIONS[endpoint]
        response = integrator.client.open(
            _url(op.path, world),
            method=op.method.upper(),
            data=raw,
            headers={**integrator.headers, "Content-Type": "application/json"},
        )
        database.after(backend, response, f"{endpoint} body")
        if response.status_code == 400:
            assert set(response.get_json()) - {"detail", "code"}, response.get_json()

    run()


def test_every_api_query_parameter_takes_any_value_without_a_server_error(backend, world):
    """Each API query parameter made hostile: no 5xx, a 400 names the parameter."""
    integrator, database = world["integrator"], world["database"]
    cases = [(op.path, info.alias or name) for op in QUERY_OPERATIONS for name, info in op.query.model_fields.items()]

    @budget(140)
    @given(case=st.sampled_from(cases), value=hostile_text)
    def run(case: tuple[str, str], value: str) -> None:
        path, name = case
        response = integrator.get(_url(path, world), query_string={name: value})
        database.after(backend, response, f"{path}?{name}")
        if response.status_code == 400:
            named = {key.split(".")[0] for key in response.get_json()}  # a list's entry: "name.0"
            assert name in named, (path, name, response.get_json())

    run()


def test_api_path_segments_take_any_value_without_a_server_error(backend, world):
    """Hostile ids and package numbers in API paths: 404 or 400, never 5xx, nothing changed."""
    integrator, database = world["integrator"], world["database"]
    with_parameters = [op for op in OPERATIONS if "{" in op.path]

    @budget(40)
    @given(op=st.sampled_from(with_parameters), value=hostile_text)
    def run(op, value: str) -> None:
        segment = quote(value, safe="") or "x"
        url = re.sub(r"\{[a-z_]+\}", lambda _match: segment, op.path)
        response = integrator.client.open(
            url,
            method=op.method.upper(),
            data="{}",
            headers={**integrator.headers, "Content-Type": "application/json"},
        )
        database.after(backend, response, f"{op.method} {url[:80]}")

    run()
