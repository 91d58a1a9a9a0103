"""Sign-in and sessions at the boundary: redirects stay on the site, unknown names cost the
same work as known ones, guessing is throttled per address and per name at an address (a
stranger cannot lock a picker out), and sessions end on sign-out, a new password,
deactivation and a shift's idleness."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

import itsdangerous.timed
import pytest
from sqlalchemy import select

from packing.app import create_app
from packing.core import users, webhooks
from packing.core.db import transaction
from packing.core.events import PACKED
from packing.core.models import User, WebhookEvent
from packing.web import safe_next
from tests import factories
from tests.conftest import csrf_token_from

STRANGER, TABLET = "203.0.113.66", "10.20.0.7"
# Failures are counted in the process, or in Redis when several app servers share the count.
ON_MEMORY_AND_REDIS = pytest.mark.parametrize("app_config", ["memory", "redis"], indirect=True)


def _login(client, username, password, next_url=None, address=TABLET):
    page = client.get("/auth/login", environ_base={"REMOTE_ADDR": address})
    url = "/auth/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(
        url,
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def _signed_in(client) -> bool:
    return client.get("/auth/account").status_code == 200


# --- Redirects ---------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example/",
    "/%09/evil.example",
    "/%0A/x",
    "/%0D/evil.example",
    "/%2F/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "%20/evil.example",
    "/%E2%80%A8/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("raw", HOSTILE_NEXT)
def test_sign_in_never_redirects_off_site(client, session, raw):
    """Each hostile ?next= (slashes, backslashes, tab, newline, schemes) signs the user in
    and lands on their home screen instead, never a 500 and never another host."""
    user = factories.user(session)
    session.commit()
    response = _login(client, user.username, factories.PASSWORD, next_url=raw)
    assert response.status_code == 303
    assert response.headers["Location"] == "/queue/"
    assert _signed_in(client)


def test_sign_in_follows_a_local_next(client, session):
    """A plain local path with its query is followed after sign-in."""
    user = factories.user(session)
    session.commit()
    response = _login(client, user.username, factories.PASSWORD, next_url=quote("/auth/account?tab=1", safe=""))
    assert response.headers["Location"] == "/auth/account?tab=1"


@pytest.mark.parametrize("target", ["/x\ty", "/a\nb", "/\x00", "/\u2028", "/ok\\..", "//h", "http:/x", ""])
def test_safe_next_refuses_what_a_browser_would_read_as_another_place(target):
    """The one helper refuses control characters, line separators, backslashes and
    scheme-relative paths, whatever view calls it."""
    assert safe_next(target, "/home") == "/home"


def test_language_switch_and_redeliver_use_the_same_guard(client, session, auth):
    """The language switch's and the delivery log's return addresses refuse another host."""
    auth.login(role="admin")
    token = csrf_token_from(client.get("/auth/account").text)
    locale = client.post(
        "/auth/locale", data={"locale": "en", "next": "/%09/evil.example".replace("%09", "\t"), "csrf_token": token}
    )
    assert locale.status_code == 303 and locale.headers["Location"] == "/auth/account"
    with transaction(session):
        webhooks.create_webhook(session, "https://erp.example.com/hooks", [PACKED], "k")
    factories.packed_package(session)
    session.commit()
    event = session.scalars(select(WebhookEvent)).first()
    redeliver = client.post(
        f"/webhooks/events/{event.id}/redeliver", data={"back": "//evil.example", "csrf_token": token}
    )
    assert redeliver.status_code == 303 and redeliver.headers["Location"] == "/webhooks/events"


# --- The same work for every name --------------------------------------------------------


def test_unknown_and_known_names_cost_one_password_check_each(client, session, monkeypatch):
    """A made-up name is checked against a throwaway hash made with the configured method
    (the cheap one in tests), exactly as often as a real name's hash is: timing tells nothing."""
    user = factories.user(session)
    session.commit()
    checked: list[str] = []
    real_check = users.check_password_hash

    def spy(stored, password):
        checked.append(stored)
        return real_check(stored, password)

    monkeypatch.setattr(users, "check_password_hash", spy)
    assert _login(client, "no-such-picker", "wrong-password").status_code == 401
    assert _login(client, user.username, "wrong-password").status_code == 401
    assert len(checked) == 2
    unknown, known = checked
    assert unknown != known
    assert unknown.split("$")[0] == known.split("$")[0] == users.PASSWORD_HASH_METHOD


def test_the_throwaway_hash_follows_the_hash_method_setting(monkeypatch):
    """Changing PASSWORD_HASH_METHOD changes the method of the throwaway hash too."""
    monkeypatch.setattr(users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:2")
    checked: list[str] = []
    monkeypatch.setattr(users, "check_password_hash", lambda stored, password: checked.append(stored) or False)

    class NoUsers:
        def scalar(self, query):
            return None

    assert users.authenticate(NoUsers(), "ghost", "x").refusal is not None
    assert checked[0].startswith("pbkdf2:sha256:2$")


# --- Throttling --------------------------------------------------------------------------


@ON_MEMORY_AND_REDIS
def test_five_failures_for_a_name_at_one_address_pause_that_name_there(client, session, caplog):
    """After five wrong passwords for one name from one address, even the right one is
    answered 429 with Retry-After; every failure is logged with name and address."""
    user = factories.user(session)
    session.commit()
    with caplog.at_level(logging.WARNING, logger="packing.auth"):
        for _ in range(5):
            assert _login(client, user.username, "wrong-password").status_code == 401
        throttled = _login(client, user.username, factories.PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in throttled.text
    assert not _signed_in(client)
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Sign-in refused")]
    assert len(refused) == 5 and all(user.username in m and TABLET in m for m in refused)
    assert any(r.getMessage().startswith("Sign-in throttled") for r in caplog.records)


@ON_MEMORY_AND_REDIS
def test_a_stranger_cannot_lock_a_picker_out_of_their_own_tablet(client, session):
    """Twenty wrong guesses for a picker's name from another address leave the picker free
    to sign in from their tablet."""
    user = factories.user(session)
    session.commit()
    answers = {_login(client, user.username, "guess", address=STRANGER).status_code for _ in range(20)}
    assert answers == {401, 429}
    response = _login(client, user.username, factories.PASSWORD, address=TABLET)
    assert response.status_code == 303 and _signed_in(client)


@ON_MEMORY_AND_REDIS
def test_one_address_cannot_try_name_after_name(app, client, session):
    """Failures from one address are counted whatever the name (configured here to 3): the
    next try from there is refused, while another address still signs in."""
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    user = factories.user(session)
    session.commit()
    for name in ("ali", "veli", "ayse"):
        assert _login(client, name, "guess", address=STRANGER).status_code == 401
    assert _login(client, "fatma", "guess", address=STRANGER).status_code == 429
    assert _login(client, user.username, factories.PASSWORD, address=STRANGER).status_code == 429
    assert _login(client, user.username, factories.PASSWORD, address=TABLET).status_code == 303


@ON_MEMORY_AND_REDIS
def test_successful_sign_ins_are_never_throttled(client, session, auth):
    """Signing in and out all shift long counts nothing: only refusals are counted."""
    user = factories.user(session)
    session.commit()
    for _ in range(8):
        assert _login(client, user.username, factories.PASSWORD).status_code == 303
        auth.logout()
    assert _login(client, user.username, "wrong-password").status_code == 401


# --- Sessions ----------------------------------------------------------------------------


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _restore(client, value: str) -> None:
    client.set_cookie("session", value)


def test_a_cookie_copied_before_sign_out_opens_nothing_after(client, session, auth):
    """Sign-out ends the session on the server: replaying the old cookie lands on sign-in."""
    auth.login()
    captured = _cookie(client)
    assert client.get("/queue/").status_code == 200
    auth.logout()
    _restore(client, captured)
    response = client.get("/queue/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_new_password_ends_every_session_of_the_user(app, client, session, auth):
    """Setting a new password (flask users password) signs the user out everywhere."""
    user = auth.login()
    other_tablet = app.test_client()
    auth_other = type(auth)(other_tablet, session)
    auth_other.login(user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "password", user.username, "--password", "new-password-1"])
    assert result.exit_code == 0, result.output
    assert client.get("/queue/").status_code == 302
    assert other_tablet.get("/queue/").status_code == 302


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, client, session, auth):
    """A deactivated user's open session stops working and stays dead after reactivation."""
    user = auth.login()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "deactivate", user.username]).exit_code == 0
    assert client.get("/queue/").status_code == 302
    assert runner.invoke(args=["users", "activate", user.username]).exit_code == 0
    assert client.get("/queue/").status_code == 302
    session.expire_all()
    assert session.get(User, user.id).is_active


def test_a_session_unused_for_a_shift_is_over(client, session, auth, monkeypatch):
    """Each request renews the session; twelve hours without one end it (checked against
    the signed timestamp in the cookie, so a copied cookie expires as well)."""
    auth.login()
    start = int(time.time())
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: start + 11 * 3600)
    assert client.get("/queue/").status_code == 200
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: start + 22 * 3600)
    assert client.get("/queue/").status_code == 200
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: start + 34 * 3600 + 60)
    response = client.get("/queue/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_burst_of_requests_does_not_re_sign_the_cookie(client, session, auth, monkeypatch):
    """Requests within a minute of the cookie's signature send no Set-Cookie (a scan costs
    no re-signing); a request a minute later renews the session."""
    auth.login()
    client.get("/queue/")  # the first page after sign-in adds the CSRF secret to the session
    assert "Set-Cookie" not in client.get("/queue/").headers
    assert "Set-Cookie" not in client.get("/auth/account").headers
    later = int(time.time()) + 61
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    assert "session=" in client.get("/queue/").headers["Set-Cookie"]


def test_the_idle_timeout_is_configurable(app):
    """SESSION_IDLE_MINUTES sets how long an unused session lives (default 12 hours)."""
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
    short = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SESSION_IDLE_MINUTES": 30})
    assert short.permanent_session_lifetime.total_seconds() == 30 * 60
