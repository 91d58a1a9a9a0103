"""The package screen over HTTP: opening claims, scans count, commands run, refusals show."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from packing.core.catalogue import PackageStatus
from packing.core.models import Package, Scan, Transition, TransitionLog
from tests import factories
from tests.conftest import csrf_token_from


def _picker_with_package(session, auth, products=2):
    store = factories.location(session)
    items = [factories.product(session) for _ in range(products)]
    package = factories.package(session, at=store, products=items)
    session.commit()
    user = auth.login(location=store)
    return user, package, items


def _open(client, package):
    page = client.get("/queue/")
    return client.post(f"/station/packages/{package.id}/open", data={"csrf_token": csrf_token_from(page.text)})


def _token(client, package):
    return csrf_token_from(client.get(f"/station/packages/{package.id}").text)


def test_opening_a_waiting_package_claims_it_for_the_picker(client, session, auth):
    """POST open runs the prepare command: the package is Preparing and held by the picker."""
    user, package, _ = _picker_with_package(session, auth)
    response = _open(client, package)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/station/packages/{package.id}")
    session.expire_all()
    assert package.state.enum_value == PackageStatus.PREPARING.value
    assert package.holder_id == user.id
    page = client.get(f"/station/packages/{package.id}")
    assert 'inputmode="none"' in page.text and "Scanned 0 of 2" in page.text


def test_an_htmx_scan_answers_with_the_scan_zone_and_a_refresh_event(client, session, auth):
    """An htmx scan returns only the scan zone, counted, with an HX-Trigger for the command bar."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": items[0].barcode, "client_scan_id": "c-1", "csrf_token": _token(client, package)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "package-changed"
    assert "HX-Request" in response.headers["Vary"]
    assert response.text.lstrip().startswith("{#") is False and 'id="scan-zone"' in response.text
    assert "<html" not in response.text
    assert "Scanned 1 of 2" in response.text


def test_a_wrong_item_is_refused_with_its_own_message_and_counts_nothing(client, session, auth):
    """A product not in the package answers 422 'Wrong item' and writes no scan."""
    _, package, _ = _picker_with_package(session, auth)
    stranger = factories.product(session)
    session.commit()
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": stranger.barcode, "client_scan_id": "c-1", "csrf_token": _token(client, package)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Wrong item" in response.text and "scan-wrong_item" in response.text
    assert session.scalar(select(func.count(Scan.id))) == 0


def test_a_scan_without_javascript_redirects_back_with_the_outcome(client, session, auth):
    """A plain form POST counts the unit and answers 303 to the package page, which shows it."""
    _, package, items = _picker_with_package(session, auth)
    _open(client, package)
    response = client.post(
        f"/station/packages/{package.id}/scans",
        data={"barcode": items[1].barcode, "client_scan_id": "plain-1", "csrf_token": _token(client, package)},
    )
    assert response.status_code == 303
    page = client.get(f"/station/packages/{package.id}")
    assert "Counted: Test T-Shirt" in page.text and "Scanned 1 of 2" in page.text


def _run(client, package, slug, data=None, htmx=False):
    session_transition = None
    return client.post(
        f"/station/packages/{package.id}/commands/{slug}",
        data={"csrf_token": _token(client, package), **(data or {})},
        headers={"HX-Request": "true"} if htmx else {},
    )


def _transition_id(session, command, source):
    return session.scalar(
        select(Transition.id).join(Transition.source_state).where(
            Transition.command == command, Transition.source_state.has(enum_value=source.value)
        )
    )
