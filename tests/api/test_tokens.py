"""API tokens from the command line and the admin screen: the key is shown once, only its
hash is kept, the scope is checked, and a revoked key stops working."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from packing.core.models import ApiToken, Role
from tests import factories
from tests.conftest import csrf_token_from

PACKAGES = "/api/v1/oms/packages/"


def test_cli_creates_a_scoped_token_and_prints_the_key_once(app, client, session):
    """`flask tokens create USER --location CODE --name N` prints a working key stored only as a hash."""
    store = factories.location(session, erp_code="IST-1")
    lead = factories.user(session, role=Role.LEAD, locations=[store], username="erp-user")
    session.commit()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "erp-user", "--location", "IST-1", "--name", "SAP"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == lead.id))
    assert token.name == "SAP" and [loc.erp_code for loc in token.stock_locations] == ["IST-1"]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert client.get(PACKAGES, headers={"Authorization": f"Token {key}"}).status_code == 200
    listed = app.test_cli_runner().invoke(args=["tokens", "list"])
    assert token.key_prefix in listed.output and key not in listed.output


def test_cli_refuses_a_location_the_user_does_not_work_at(app, session):
    """A lead's token cannot reach a store the lead is not bound to; nothing is created."""
    factories.location(session, erp_code="ANK-1")
    factories.user(session, role=Role.LEAD, username="ist-lead")
    session.commit()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "ist-lead", "--location", "ANK-1"])
    assert result.exit_code != 0 and "ANK-1" in result.output
    assert session.scalar(select(ApiToken)) is None
    unknown = app.test_cli_runner().invoke(args=["tokens", "create", "nobody"])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


def test_cli_revoke_stops_the_key(app, client, session):
    """`flask tokens revoke ID` makes the key answer 401."""
    factories.user(session, role=Role.LEAD, username="revoke-me")
    session.commit()
    key = app.test_cli_runner().invoke(args=["tokens", "create", "revoke-me"]).output.strip().splitlines()[-1]
    token_id = session.scalar(select(ApiToken.id))
    assert app.test_cli_runner().invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert client.get(PACKAGES, headers={"Authorization": f"Token {key}"}).status_code == 401


def test_admin_screen_creates_shows_key_once_and_revokes(auth, client, session):
    """An admin creates a token on the screen (key shown once, not stored), then revokes it."""
    store = factories.location(session, erp_code="IZM-1")
    integrator = factories.user(session, role=Role.LEAD, locations=[store], username="izmir-erp")
    session.commit()
    auth.login(role=Role.ADMIN)
    page = client.get("/tokens/")
    assert page.status_code == 200 and "API tokens" in page.text
    created = client.post(
        "/tokens/",
        data={
            "csrf_token": csrf_token_from(page.text),
            "user": integrator.id,
            "name": "Izmir ERP",
            "locations": [store.id],
        },
    )
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    key = re.search(r'id="issued-key"[^>]*value="([^"]+)"', created.text).group(1)
    assert client.get(PACKAGES, headers={"Authorization": f"Token {key}"}).status_code == 200
    again = client.get("/tokens/")
    assert key not in again.text
    token = session.scalar(select(ApiToken))
    revoked = client.post(f"/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(again.text)})
    assert revoked.status_code == 303
    assert client.get(PACKAGES, headers={"Authorization": f"Token {key}"}).status_code == 401


def test_admin_screen_needs_csrf_and_the_admin_role(auth, client, session):
    """A lead gets 403 on the screen; a form post without its CSRF token creates nothing."""
    auth.login(role=Role.LEAD)
    assert client.get("/tokens/").status_code == 403
    auth.logout()
    auth.login(role=Role.ADMIN)
    lead = factories.user(session, role=Role.LEAD)
    session.commit()
    assert client.post("/tokens/", data={"user": lead.id}).status_code == 400
    assert session.scalar(select(ApiToken)) is None


def test_revoking_from_the_list_with_htmx_returns_the_list_partial(auth, client, session):
    """The htmx revoke answers the token list fragment only, showing the token revoked."""
    from packing.core.api_tokens import create_token

    auth.login(role=Role.ADMIN)
    token = create_token(session, factories.user(session, role=Role.LEAD), name="old").token
    session.commit()
    page = client.get("/tokens/")
    response = client.post(
        f"/tokens/{token.id}/revoke", headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(page.text)}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="token-list">') and "Revoked" in response.text
    assert "HX-Request" in response.headers["Vary"]
