"""Case barcodes set by an admin: the rules in core (packing/core/case_barcodes.py: a barcode
scanned as nothing else, 2 to 1000 units) and the admin screen that finds a product, adds
and removes its case barcodes, each change audited, admins only, CSRF checked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from packing.core import case_barcodes, scanning
from packing.core.db import transaction
from packing.core.errors import InvalidParameter, NotFound
from packing.core.models import AuditEntry, ProductBarcode, ProductPackaging
from packing.core.stores import DuplicateCode
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse, text_of

PREPARE = "package__prepare_package_command__waiting__preparing"


def _case_count(session) -> int:
    return session.scalar(select(func.count(ProductPackaging.id)))


def _audit(session) -> list[tuple[str, int, dict, dict]]:
    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith("product.")).order_by(AuditEntry.id)
    )
    return [(entry.action, entry.target_id, entry.before, entry.after) for entry in entries]


# --- Core rules ------------------------------------------------------------------------------


def test_an_added_case_counts_its_units_at_the_station(session):
    """A case barcode added through core is the one the station counts: one scan, 6 units."""
    shirt = factories.product(session)
    added = case_barcodes.add_case(session, shirt, "  CASE-6 ", 6)
    assert (added.product_id, added.barcode, added.quantity) == (shirt.id, "CASE-6", 6)
    picker = factories.user(session)
    package = factories.package(session, at=picker.stock_locations[0], products=[shirt] * 6)
    with transaction(session):
        scanning.run_station_command(session, package.id, PREPARE, {}, picker)
    with transaction(session):
        outcome = scanning.record_scan(session, package.id, "CASE-6", "case-1", picker)
    assert outcome.units == 6


@pytest.mark.parametrize(
    "taken_by", ["own barcode", "own sku, other case", "other product's barcode", "extra barcode", "other sku", "case"]
)
def test_a_barcode_already_scanned_as_something_else_is_refused(session, taken_by):
    """A product's barcode or SKU (any product's; the own SKU in any case), an extra barcode or
    another case's barcode is refused as DuplicateCode on the barcode field, and nothing is added."""
    shirt, other = factories.product(session), factories.product(session, sku="OTHER-1", barcode="8690000000099")
    other.extra_barcodes.append(ProductBarcode(barcode="SUPPLIER-7"))
    session.add(ProductPackaging(product_id=other.id, barcode="CASE-OTHER", quantity=12))
    session.flush()
    code = {
        "own barcode": shirt.barcode,
        "own sku, other case": shirt.sku.lower(),
        "other product's barcode": other.barcode,
        "extra barcode": "SUPPLIER-7",
        "other sku": "OTHER-1",
        "case": "CASE-OTHER",
    }[taken_by]
    with pytest.raises(DuplicateCode) as refused:
        case_barcodes.add_case(session, shirt, code, 6)
    assert refused.value.field == "barcode" and refused.value.values["barcode"] == code
    assert _case_count(session) == 1


def test_two_admins_adding_one_barcode_at_once_get_the_same_refusal(session, monkeypatch):
    """When the check passes but the barcode lands first from elsewhere, the unique column's
    refusal reads as DuplicateCode, not a server error."""
    shirt = factories.product(session)
    session.add(ProductPackaging(product_id=shirt.id, barcode="CASE-RACE", quantity=6))
    session.commit()
    monkeypatch.setattr(case_barcodes, "is_product_code", lambda _session, _code: False)
    with pytest.raises(DuplicateCode), transaction(session):
        case_barcodes.add_case(session, shirt, "CASE-RACE", 12)
    assert [case.quantity for case in session.scalars(select(ProductPackaging))] == [6]


@pytest.mark.parametrize(
    ("barcode", "quantity", "field"),
    [
        ("", 6, "barcode"),
        ("CASE 6", 6, "barcode"),
        ("C" * 129, 6, "barcode"),
        ("CASE-\t6", 6, "barcode"),
        ("CASE-6", None, "quantity"),
        ("CASE-6", 1, "quantity"),
        ("CASE-6", 0, "quantity"),
        ("CASE-6", 1001, "quantity"),
    ],
    ids=["blank", "space", "too-long", "tab", "no-units", "one-unit", "zero", "over-1000"],
)
def test_a_malformed_case_is_refused_naming_its_field(session, barcode, quantity, field):
    """A blank, spaced or over-long barcode, or units outside 2..1000, are refused naming the field."""
    shirt = factories.product(session)
    with pytest.raises(InvalidParameter) as refused:
        case_barcodes.add_case(session, shirt, barcode, quantity)
    assert refused.value.field == field
    assert _case_count(session) == 0


def test_the_bounds_themselves_are_accepted(session):
    """2 and 1000 units are both a case."""
    shirt = factories.product(session)
    case_barcodes.add_case(session, shirt, "CASE-2", 2)
    case_barcodes.add_case(session, shirt, "CASE-1000", 1000)
    assert [case.quantity for case in case_barcodes.product_cases(session, shirt)] == [2, 1000]


def test_products_are_found_by_code_first_then_by_name(session):
    """An exact SKU, barcode, extra or case barcode finds its product first; a part of a name
    finds by name; a LIKE wildcard is only a character."""
    shirt = factories.product(session, sku="SHIRT-1", name="Oxford shirt")
    named = factories.product(session, sku="SHIRT-10", name="Linen shirt")
    session.add(ProductPackaging(product_id=shirt.id, barcode="CASE-S", quantity=6))
    shirt.extra_barcodes.append(ProductBarcode(barcode="SUP-1"))
    session.flush()
    assert [p.id for p in case_barcodes.find_products(session, "SHIRT-1")] == [shirt.id, named.id]
    for code in (shirt.barcode, "SUP-1", "CASE-S"):
        assert [p.id for p in case_barcodes.find_products(session, code)] == [shirt.id], code
    assert [p.id for p in case_barcodes.find_products(session, "LINEN")] == [named.id]
    assert case_barcodes.find_products(session, "%") == []
    assert case_barcodes.find_products(session, "  ") == []


def test_another_products_case_is_not_found_under_this_one(session):
    """A case id reached through the wrong product is NotFound, so a URL cannot remove it."""
    shirt, other = factories.product(session), factories.product(session)
    theirs = case_barcodes.add_case(session, other, "CASE-O", 6)
    with pytest.raises(NotFound):
        case_barcodes.get_case(session, shirt, theirs.id)


# --- The screen ------------------------------------------------------------------------------


def _cases_path(product) -> str:
    return f"/admin/products/{product.id}/cases"


def _post_case(client, product, **data):
    token = csrf_token_from(client.get(_cases_path(product)).text)
    return client.post(_cases_path(product), data={"csrf_token": token, **data})


def test_an_admin_finds_a_product_and_adds_a_case_with_its_audit_entry(client, auth, session):
    """Search by barcode lists the product with a link to its cases; adding one answers 303,
    the page lists it with its units, and the audit log holds who added what."""
    shirt = factories.product(session, name="Oxford shirt")
    session.commit()
    admin = auth.login(role="admin")
    found = client.get("/admin/products", query_string={"q": shirt.barcode})
    assert found.status_code == 200 and f'href="{_cases_path(shirt)}"' in found.text

    added = _post_case(client, shirt, barcode="CASE-6", quantity="6")
    assert added.status_code == 303 and added.headers["Location"].endswith(_cases_path(shirt))
    page = parse(client.get(_cases_path(shirt)).text)
    rows = [text_of(row) for row in page.select("tbody tr")]
    assert len(rows) == 1 and "CASE-6" in rows[0] and "6" in rows[0]
    assert _audit(session) == [
        ("product.case_added", shirt.id, {"case_barcode": None, "units": None}, {"case_barcode": "CASE-6", "units": 6})
    ]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "product.case_added")).one()
    assert (entry.actor_id, entry.target_type, entry.target_label) == (admin.id, "product", shirt.sku)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"barcode": "CASE-O", "quantity": "6"}, "barcode", "Barcode CASE-O is taken"),
        ({"barcode": "CASE-6", "quantity": "1"}, "quantity", "A case holds 2 to 1000 units."),
        ({"barcode": "CASE-6", "quantity": "six"}, "quantity", "quantity must be a whole number."),
        ({"barcode": "", "quantity": "6"}, "barcode", "Scan or type the case's barcode."),
    ],
    ids=["duplicate", "one-unit", "not-a-number", "blank"],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, auth, session, data, field, message):
    """A taken barcode or bad units answer 400 with the reason beside its field; no case, no audit entry."""
    shirt, other = factories.product(session), factories.product(session)
    session.add(ProductPackaging(product_id=other.id, barcode="CASE-O", quantity=12))
    session.commit()
    auth.login(role="admin")
    refused = _post_case(client, shirt, **data)
    assert refused.status_code == 400
    assert message in text_of(parse(refused.text).select_one(f"#{field}-error"))
    assert _case_count(session) == 1 and _audit(session) == []


def test_the_duplicate_refusal_reads_in_turkish(client, auth, session):
    """A Turkish admin reads the taken-barcode refusal in Turkish, the barcode as typed."""
    shirt = factories.product(session)
    admin = factories.user(session, role="admin")
    admin.locale = "tr"
    session.commit()
    auth.login(admin)
    refused = _post_case(client, shirt, barcode=shirt.barcode, quantity="6")
    error = text_of(parse(refused.text).select_one("#barcode-error"))
    assert shirt.barcode in error and "kullanımda" in error


def test_an_admin_removes_a_case_with_its_audit_entry(client, auth, session):
    """Remove answers 303, the case is gone, and the audit entry keeps what it was."""
    shirt = factories.product(session)
    case = case_barcodes.add_case(session, shirt, "CASE-6", 6)
    session.commit()
    auth.login(role="admin")
    token = csrf_token_from(client.get(_cases_path(shirt)).text)
    removed = client.post(f"{_cases_path(shirt)}/{case.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert _case_count(session) == 0
    assert _audit(session) == [
        (
            "product.case_removed",
            shirt.id,
            {"case_barcode": "CASE-6", "units": 6},
            {"case_barcode": None, "units": None},
        )
    ]
    assert "No case barcodes yet" in client.get(_cases_path(shirt)).text


def test_a_case_imported_from_the_attributes_is_marked_as_such(client, auth, session):
    """A case the product's attributes name shows as from the OMS import, with the hint that it comes back."""
    shirt = factories.product(session)
    shirt.attributes = {"packaging_barcodes": [{"barcode": "CASE-IMP", "quantity": 6}]}
    case_barcodes.add_case(session, shirt, "CASE-IMP", 6)
    case_barcodes.add_case(session, shirt, "CASE-MINE", 12)
    session.commit()
    auth.login(role="admin")
    page = parse(client.get(_cases_path(shirt)).text)
    sources = {text_of(row.select_one("code")): text_of(row) for row in page.select("tbody tr")}
    assert "OMS import" in sources["CASE-IMP"] and "Set here" in sources["CASE-MINE"]
    assert "comes back with the product's next import" in text_of(page)


def test_unknown_or_mismatched_ids_are_404(client, auth, session):
    """An unknown product, or a case reached through another product, is a 404 and removes nothing."""
    shirt, other = factories.product(session), factories.product(session)
    theirs = case_barcodes.add_case(session, other, "CASE-O", 6)
    session.commit()
    auth.login(role="admin")
    assert client.get("/admin/products/999999/cases").status_code == 404
    token = csrf_token_from(client.get(_cases_path(shirt)).text)
    assert client.post(f"{_cases_path(shirt)}/{theirs.id}/remove", data={"csrf_token": token}).status_code == 404
    assert _case_count(session) == 1


def test_a_post_without_its_csrf_token_is_refused(client, auth, session):
    """Add and remove without the CSRF token answer 400 and change nothing."""
    shirt = factories.product(session)
    case = case_barcodes.add_case(session, shirt, "CASE-6", 6)
    session.commit()
    auth.login(role="admin")
    assert client.post(_cases_path(shirt), data={"barcode": "CASE-7", "quantity": "6"}).status_code == 400
    assert client.post(f"{_cases_path(shirt)}/{case.id}/remove").status_code == 400
    assert _case_count(session) == 1 and _audit(session) == []


@pytest.mark.parametrize("role", ["picker", "lead"])
def test_only_admins_reach_the_case_barcodes(client, auth, session, role):
    """Pickers and leads get 403 on the search, the product's page, adding and removing."""
    shirt = factories.product(session)
    case = case_barcodes.add_case(session, shirt, "CASE-6", 6)
    session.commit()
    auth.login(role=role)
    token = csrf_token_from(client.get("/auth/account").text)
    assert client.get("/admin/products", query_string={"q": shirt.sku}).status_code == 403
    assert client.get(_cases_path(shirt)).status_code == 403
    add = client.post(_cases_path(shirt), data={"csrf_token": token, "barcode": "CASE-7", "quantity": "6"})
    remove = client.post(f"{_cases_path(shirt)}/{case.id}/remove", data={"csrf_token": token})
    assert (add.status_code, remove.status_code) == (403, 403)
    assert _case_count(session) == 1
