"""Contract tests for Seller Center Packages (/api/i2/packages/..., by package number) and
the integration lists (/api/i1/...): shapes, filters, and writes through domain commands."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.models import Package, TransitionLog
from tests import factories

BASE = "/api/i2/packages/"


def _item_number(package, index=0) -> str:
    return f"{package.number}-{package.items[index].id}"


def _fresh(session, package) -> Package:
    session.expire_all()
    return session.get(Package, package.id)


def test_package_list_shape_and_filters(integrator, session):
    """PKG101 lists packages in the Seller Center shape, filtered by number, order number,
    status and created_at lookups, ten per page by default."""
    waiting = factories.package(session, at=integrator.location, prices=["80.00"])
    shipped = factories.package(
        session, at=integrator.location, status=PackageStatus.SHIPPED, item_status=PackageItemStatus.SHIPPED
    )
    cancelled = factories.package(session, at=integrator.location, status=PackageStatus.PACKAGING_CANCELED)
    cancelled.created_date = datetime.now(UTC) - timedelta(days=10)
    session.commit()
    body = integrator.get(BASE).json
    assert body["count"] == 3
    row = next(r for r in body["results"] if r["number"] == waiting.number)
    assert row["order_number"] == waiting.order.number and row["status"] == 2
    assert row["amount"] == 80.0 and row["currency"] == "TRY"
    assert row["shipping_address"]["city"] == "İstanbul" and row["shipping_address"]["country_code"] == "TR"
    assert row["shipping_company"] == {"name": "Test Cargo", "slug": "test-cargo"}

    def numbers(query: str) -> set[str]:
        response = integrator.get(f"{BASE}?{query}")
        assert response.status_code == 200, response.json
        return {r["number"] for r in response.json["results"]}

    assert numbers(f"number={shipped.number}") == {shipped.number}
    assert numbers(f"order__number={waiting.order.number}") == {waiting.number}
    assert numbers("status=4") == {shipped.number}
    assert numbers("status=1") == {cancelled.number}
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(f"created_at__gte={since}") == {waiting.number, shipped.number}
    assert numbers(f"created_at__lt={since}") == {cancelled.number}
    assert integrator.get(f"{BASE}?status=9").status_code == 400


def test_items_by_package_number(integrator, session):
    """PKG102 lists a package's items by number; an unknown number is 404."""
    package = factories.package(
        session,
        at=integrator.location,
        products=[factories.product(session, sku="AKN-1")] * 2,
        tax_rates=["10.00", "10.00"],
    )
    session.commit()
    body = integrator.get(f"{BASE}{package.number}/items/").json
    assert body["count"] == 2
    assert body["results"][0] == {
        **body["results"][0],
        "number": _item_number(package),
        "product": "AKN-1",
        "status": 2,
        "tax_rate": 0.1,
        "has_reservation": True,
    }
    assert integrator.get(f"{BASE}NOPE/items/").status_code == 404


def test_update_moves_status_through_commands_and_sets_fields(integrator, session):
    """PKG103 moves a packed package to shipped through the ship command (one log) and sets
    waybill, tracking and invoice fields; an impossible status is 400 and changes nothing."""
    package = factories.package(
        session, at=integrator.location, status=PackageStatus.PACKED, item_status=PackageItemStatus.PACKED
    )
    session.commit()
    response = integrator.put(
        f"{BASE}{package.number}/",
        json={
            "status": 4,
            "waybill_number": "WB-1",
            "tracking_number": "TRK-1",
            "shipping_company": "test-cargo",
            "tracking_url": "https://track.test/TRK-1",
            "invoice_number": "IN-1",
            "delivery_date": "2026-01-02T12:00:00Z",
        },
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["waybill_number"], body["tracking_number"], body["invoice_number"]) == (
        4,
        "WB-1",
        "TRK-1",
        "IN-1",
    )
    assert body["tracking_url"] == "https://track.test/TRK-1" and body["delivery_date"].startswith(
        "2026-01-02T12:00:00"
    )
    assert _fresh(session, package).state.enum_value == PackageStatus.SHIPPED.value
    assert session.scalar(select(func.count(TransitionLog.id)).where(TransitionLog.object_id == package.id)) == 1

    back = integrator.put(f"{BASE}{package.number}/", json={"status": 2, "tracking_number": "CHANGED"})
    assert back.status_code == 400 and "status" in back.json
    assert _fresh(session, package).tracking_number == "TRK-1"
    assert integrator.put(f"{BASE}{package.number}/", json={"status": "shipped"}).status_code == 400


def test_cargo_label_is_a_base64_pdf(integrator, session):
    """PKG104 answers a PDF in base64 for a packed package and 400 before packing."""
    packed = factories.package(
        session, at=integrator.location, status=PackageStatus.PACKED, item_status=PackageItemStatus.PACKED
    )
    waiting = factories.package(session, at=integrator.location)
    session.commit()
    response = integrator.get(f"{BASE}{packed.number}/label/")
    assert response.status_code == 200
    pdf = base64.b64decode(response.json["data"])
    assert pdf.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    assert packed.number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert integrator.get(f"{BASE}{waiting.number}/label/").status_code == 400
    label_url = integrator.get(f"/api/v1/oms/packages/{packed.id}/").json["shipping_label"]["preview_url"]
    preview = integrator.get(label_url)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf" and preview.data == pdf


def test_change_shipping_method(integrator, session):
    """PKG105 sets the carrier by its ERP code; an unknown one is 400."""
    factories.cargo_company(session, erp_code="fast-cargo")
    package = factories.package(session, at=integrator.location)
    session.commit()
    assert (
        integrator.post(
            f"{BASE}{package.number}/change-shipping-method/", json={"shipping_method": "fast-cargo"}
        ).status_code
        == 204
    )
    assert (
        integrator.get(f"{BASE}?number={package.number}").json["results"][0]["shipping_company"]["slug"] == "fast-cargo"
    )
    refused = integrator.post(f"{BASE}{package.number}/change-shipping-method/", json={"shipping_method": "nope"})
    assert refused.status_code == 400 and "shipping_method" in refused.json


def test_split_moves_items_to_a_new_package(integrator, session):
    """PKG106 splits the named items into a new package through the split command."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 3)
    session.commit()
    kept, moved_id = [item.id for item in package.items[:2]], package.items[2].id
    moved = _item_number(package, 2)
    response = integrator.post(f"{BASE}{package.number}/split/", json=[{"items": [moved]}])
    assert response.status_code == 204, response.json
    session.expire_all()
    original, new_package = session.scalars(
        select(Package).where(Package.order_id == package.order_id).order_by(Package.id)
    ).all()
    assert [item.id for item in original.items] == kept
    assert [item.id for item in new_package.items] == [moved_id]
    assert new_package.number == f"{package.order.number}P2" and new_package.stock_location_id == integrator.location.id
    assert new_package.state.enum_value == PackageStatus.WAITING.value
    unknown = integrator.post(f"{BASE}{package.number}/split/", json=[{"items": ["nope-1"]}])
    assert unknown.status_code == 400 and "items" in unknown.json
    assert integrator.post(f"{BASE}{package.number}/split/", json={"items": [moved]}).status_code == 400


def test_reject_some_items_or_the_whole_package(integrator, session):
    """PKG107 marks some items out of stock with the reason, or refuses the whole package."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    whole = factories.package(session, at=integrator.location)
    session.commit()
    some = integrator.post(
        f"{BASE}{package.number}/reject/", json={"items": [_item_number(package)], "reason": "Unsupplied"}
    )
    assert some.status_code == 204, some.json
    fresh = _fresh(session, package)
    assert fresh.state.enum_value == PackageStatus.CONTAINS_OUT_OF_STOCK.value
    assert fresh.items[0].discrepancy_reason == "Unsupplied"
    refused = integrator.post(
        f"{BASE}{whole.number}/reject/", json={"items": [_item_number(whole)], "reason": "damaged"}
    )
    assert refused.status_code == 204
    fresh_whole = _fresh(session, whole)
    assert fresh_whole.state.enum_value == PackageStatus.REQUIRES_REPLAN.value
    assert fresh_whole.items[0].denial_reason.remote_id == "damaged"
    assert integrator.post(f"{BASE}{whole.number}/reject/", json={"items": [], "reason": "x"}).status_code == 400


def test_release_reservations_per_item_and_per_package(integrator, session):
    """PKG108 releases one item's reservation, PKG110 the rest; both are idempotent."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    session.commit()
    assert integrator.delete(f"{BASE}{package.number}/reservations/{_item_number(package)}").status_code == 204
    flags = [row["has_reservation"] for row in integrator.get(f"{BASE}{package.number}/items/").json["results"]]
    assert flags == [False, True]
    assert integrator.delete(f"{BASE}{package.number}/reservations/").status_code == 204
    assert integrator.delete(f"{BASE}{package.number}/reservations/").status_code == 204
    flags = [row["has_reservation"] for row in integrator.get(f"{BASE}{package.number}/items/").json["results"]]
    assert flags == [False, False]
    assert integrator.delete(f"{BASE}{package.number}/reservations/{package.number}-999999").status_code == 400


def test_refund_only_after_shipping_and_once(integrator, session):
    """PKG109 records a refund of a shipped package once; a waiting package is 400."""
    shipped = factories.package(
        session, at=integrator.location, status=PackageStatus.SHIPPED, item_status=PackageItemStatus.SHIPPED
    )
    waiting = factories.package(session, at=integrator.location)
    session.commit()
    body = {"reason": "Unsupplied", "refund_invoice_number": "AKINON123456"}
    assert integrator.post(f"{BASE}{shipped.number}/refund/", json=body).status_code == 204
    assert (
        _fresh(session, shipped).extra_information["seller_center"]["refund"]["refund_invoice_number"] == "AKINON123456"
    )
    assert integrator.post(f"{BASE}{shipped.number}/refund/", json=body).status_code == 400
    assert integrator.post(f"{BASE}{waiting.number}/refund/", json=body).status_code == 400
    assert integrator.post(f"{BASE}{waiting.number}/refund/", json={"reason": "x"}).status_code == 400


def test_other_stores_packages_are_403_by_number(integrator, session):
    """A package number at a store outside the token's scope answers 403."""
    elsewhere = factories.package(session, at=factories.location(session))
    session.commit()
    assert integrator.get(f"{BASE}{elsewhere.number}/items/").status_code == 403
    assert integrator.get(BASE).json["count"] == 0


@pytest.mark.parametrize("path", ["/api/i1/packages/", "/api/i1/package-items/"])
def test_integration_lists_require_json_and_filter_by_timestamps(integrator, session, path):
    """i1 lists answer 415 without Content-Type: application/json, and filter on updated_at."""
    package = factories.package(session, at=integrator.location, products=[factories.product(session)] * 2)
    session.commit()
    assert integrator.get(path).status_code == 415
    json_headers = {"Content-Type": "application/json"}
    body = integrator.get(path, headers=json_headers).json
    assert body["count"] == (1 if path.endswith("packages/") else 2)
    row = body["results"][0]
    assert row["id"] in ({package.id} | {item.id for item in package.items})
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert integrator.get(f"{path}?updated_at__gt={future}", headers=json_headers).json["count"] == 0
    assert integrator.get(f"{path}?updated_at__lte={future}", headers=json_headers).json["count"] == body["count"]
    assert integrator.get(f"{path}?created_at__gte=not-a-date", headers=json_headers).status_code == 400
