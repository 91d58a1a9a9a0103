"""The users admin screen and the own-password page: who may reach them, a one-time password
shown once and changed at first sign-in, deactivation ending sessions, resets, unlocking a
throttled name, and the audit log recording each change and refused sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from packing.core.models import AuditEntry, Role, User
from tests import factories
from tests.conftest import csrf_token_from

ONE_TIME = re.compile(r'id="one-time-password"[^>]*value="([^"]+)"')


def _sign_in(client, username, password, address="10.0.0.5"):
    page = client.get("/auth/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def _token(client) -> str:
    return csrf_token_from(client.get("/auth/account").text)


def _actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("role", ["picker", "lead"])
def test_only_admins_reach_the_admin_screens(client, auth, role):
    """Pickers and leads get 403 on every admin URL and see no "Admin" nav entry."""
    auth.login(role=role)
    account = client.get("/auth/account").text
    assert "/admin/users" not in account
    for url in (
        "/admin/users",
        "/admin/users/new",
        "/admin/locations",
        "/admin/carriers",
        "/admin/products",
        "/admin/commands",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/admin/audit").status_code == 403
    assert client.post("/admin/users/1/active", data={"csrf_token": _token(client), "active": "0"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    """An anonymous request to an admin screen redirects to the sign-in page."""
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_an_unknown_user_is_a_404(client, auth):
    """Editing a user id that does not exist is a 404."""
    auth.login(role="admin")
    assert client.get("/admin/users/9999/edit").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, auth, session):
    """Deactivating without the form's token changes nothing."""
    auth.login(role="admin")
    picker = factories.user(session)
    session.commit()
    assert client.post(f"/admin/users/{picker.id}/active", data={"active": "0"}).status_code == 400
    session.expire_all()
    assert session.get(User, picker.id).is_active


def test_admin_creates_a_picker_who_changes_the_password_at_first_sign_in(app, client, auth, session):
    """The new user's one-time password is shown once (no-store); signing in with it leads to the
    password page whatever is asked for, and after the change the picker reaches the queue."""
    auth.login(role="admin")
    store = factories.location(session)
    session.commit()
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "yeni.picker",
            "role": "picker",
            "locations": [store.id],
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = ONE_TIME.search(response.text).group(1)
    assert "user.created" in _actions(session)

    picker = app.test_client()
    assert _sign_in(picker, "yeni.picker", password).status_code == 303
    assert picker.get("/queue/").headers["Location"].endswith("/account/password")
    page = picker.get("/account/password")
    changed = picker.post(
        "/account/password",
        data={
            "current_password": password,
            "password": "kargo-masasi-7",
            "confirm": "kargo-masasi-7",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert changed.status_code == 303
    assert _sign_in(picker, "yeni.picker", "kargo-masasi-7").status_code == 303
    assert picker.get("/queue/").status_code == 200


def test_a_common_new_password_is_refused_on_the_page(client, auth, session):
    """The own-password page shows the rule's reason and keeps the old password."""
    user = auth.login(role="picker")
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "password": "Password123",
            "confirm": "Password123",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 400
    assert "too common" in response.text
    assert _sign_in(client.application.test_client(), user.username, factories.PASSWORD).status_code == 303


def test_the_picker_form_needs_a_store(client, auth, session):
    """A picker without a stock location is a form error and no user is created."""
    auth.login(role="admin")
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new", data={"username": "lost", "role": "picker", "csrf_token": csrf_token_from(form.text)}
    )
    assert response.status_code == 400
    assert "at least one stock location" in response.text
    assert session.scalar(select(User).where(User.username == "lost")) is None


def test_deactivating_ends_the_users_open_session(app, client, auth, session):
    """The deactivated picker's next request goes to sign-in; reactivation lets them sign in again."""
    auth.login(role="admin")
    picker_user = factories.user(session)
    session.commit()
    picker = app.test_client()
    _sign_in(picker, picker_user.username, factories.PASSWORD)
    assert picker.get("/queue/").status_code == 200
    token = _token(client)
    assert (
        client.post(f"/admin/users/{picker_user.id}/active", data={"csrf_token": token, "active": "0"}).status_code
        == 303
    )
    assert picker.get("/queue/").status_code == 302
    assert _sign_in(picker, picker_user.username, factories.PASSWORD).status_code == 401
    client.post(f"/admin/users/{picker_user.id}/active", data={"csrf_token": token, "active": "1"})
    assert _sign_in(picker, picker_user.username, factories.PASSWORD).status_code == 303
    assert _actions(session)[-3:] == ["user.deactivated", "sign_in.failed", "user.reactivated"]


def test_an_admin_cannot_deactivate_themselves_from_the_screen(client, auth, session):
    """The refusal is shown and the admin stays active."""
    admin = auth.login(role="admin")
    response = client.post(
        f"/admin/users/{admin.id}/active", data={"csrf_token": _token(client), "active": "0"}, follow_redirects=True
    )
    assert "cannot deactivate your own account" in response.text
    session.expire_all()
    assert session.get(User, admin.id).is_active


def test_editing_role_and_stores_is_audited_before_and_after(client, auth, session):
    """Saving a new role and store records only what changed, before and after."""
    auth.login(role="admin")
    picker = factories.user(session)
    other = factories.location(session, erp_code="OTHER-1")
    session.commit()
    page = client.get(f"/admin/users/{picker.id}/edit")
    response = client.post(
        f"/admin/users/{picker.id}/edit",
        data={"role": "lead", "locations": [other.id], "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 303
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
    assert entry.before["role"] == "picker" and entry.after["role"] == "lead"
    assert entry.after["stock_locations"] == ["OTHER-1"]
    assert "is_active" not in entry.after


def test_a_reset_password_replaces_the_old_one(app, client, auth, session):
    """Reset shows a fresh one-time password; the old password stops working and the picker must change it."""
    auth.login(role="admin")
    picker = factories.user(session)
    session.commit()
    response = client.post(f"/admin/users/{picker.id}/password", data={"csrf_token": _token(client)})
    password = ONE_TIME.search(response.text).group(1)
    other = app.test_client()
    assert _sign_in(other, picker.username, factories.PASSWORD).status_code == 401
    assert _sign_in(other, picker.username, password).status_code == 303
    assert other.get("/queue/").status_code == 303
    assert "user.password_reset" in _actions(session)


def test_unlock_lifts_the_pause_on_a_throttled_name(app, client, auth, session):
    """Five refusals pause the name at that address (logged as refused, then throttled); the
    admin's unlock lets the right password in again at once."""
    picker_user = factories.user(session)
    session.commit()
    tablet = app.test_client()
    for _ in range(5):
        assert _sign_in(tablet, picker_user.username, "wrong-password-x").status_code == 401
    assert _sign_in(tablet, picker_user.username, factories.PASSWORD).status_code == 429
    actions = _actions(session)
    assert actions.count("sign_in.failed") == 5 and actions.count("sign_in.locked") == 1

    auth.login(role="admin")
    assert client.post(f"/admin/users/{picker_user.id}/unlock", data={"csrf_token": _token(client)}).status_code == 303
    assert _sign_in(tablet, picker_user.username, factories.PASSWORD).status_code == 303
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.unlocked")).one()
    assert entry.after == {"addresses": ["10.0.0.5"]}


def test_a_throttled_address_hammering_away_is_written_once_a_minute(app, session):
    """Every 429 is answered, but an address that keeps trying while throttled adds one
    audit row a minute, not one per attempt, whatever names it tries."""
    picker_user = factories.user(session)
    session.commit()
    tablet = app.test_client()
    for _ in range(5):
        assert _sign_in(tablet, picker_user.username, "wrong-password-x").status_code == 401
    for name in [picker_user.username] * 20 + ["someone-else"] * 20:
        assert _sign_in(tablet, name, "wrong-password-x").status_code in (401, 429)
    actions = _actions(session)
    assert actions.count("sign_in.locked") == 1
    locked = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.locked")).one()
    locked.created_date -= timedelta(minutes=2)
    session.commit()
    assert _sign_in(tablet, picker_user.username, "wrong-password-x").status_code == 429
    assert _actions(session).count("sign_in.locked") == 2


def test_the_users_list_filters_and_answers_htmx_with_the_table(client, auth, session):
    """Filters narrow the list; an htmx request gets only the table, and varies on HX-Request."""
    auth.login(role="admin")
    store = factories.location(session)
    factories.user(session, username="zeynep.picker", locations=[store])
    factories.user(session, username="zeynep.lead", role=Role.LEAD, locations=[store])
    session.commit()
    page = client.get("/admin/users?q=zeynep&role=lead")
    assert "zeynep.lead" in page.text and "zeynep.picker" not in page.text
    partial = client.get(f"/admin/users?location={store.id}", headers={"HX-Request": "true"})
    assert "zeynep.picker" in partial.text and "<html" not in partial.text
    assert "HX-Request" in partial.headers["Vary"]


def test_the_audit_log_filters_by_action(client, auth, session):
    """The audit screen lists entries and narrows them to one action or one family."""
    auth.login(role="admin")
    picker = factories.user(session)
    session.commit()
    client.post(f"/admin/users/{picker.id}/password", data={"csrf_token": _token(client)})
    _sign_in(client.application.test_client(), "nobody-here", "wrong-password-x")
    everything = client.get("/admin/audit").text
    assert picker.username in everything and "nobody-here" in everything
    only_users = client.get("/admin/audit?action=user").text
    assert "nobody-here" not in only_users and picker.username in only_users
    refused = client.get("/admin/audit?action=sign_in.failed").text
    assert "nobody-here" in refused
