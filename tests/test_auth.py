"""Signing in and out: passwords, throttled guessing, CSRF, safe redirects, cookies."""

from __future__ import annotations

from tests import factories
from tests.conftest import csrf_token_from


def _login(client, username, password, next_url=None):
    page = client.get("/auth/login")
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": csrf_token_from(page.text)})


def test_sign_in_and_out(client, session, auth):
    """A user signs in with the right password, reaches their account, and signs out with a POST."""
    user = auth.login()
    account = client.get("/auth/account")
    assert account.status_code == 200 and user.username in account.text
    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/auth/account").status_code == 302


def test_wrong_password_is_a_form_error(client, session):
    """A wrong password re-renders the form with a message and signs nobody in."""
    user = factories.user(session)
    session.commit()
    response = _login(client, user.username, "wrong-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert client.get("/auth/account").status_code == 302


def test_repeated_failures_pause_the_username(client, session):
    """After five failures from this address even the right password is refused for a while
    (429; tests/test_security_sign_in.py shows other addresses are not affected)."""
    user = factories.user(session)
    session.commit()
    for _ in range(5):
        _login(client, user.username, "wrong-password")
    response = _login(client, user.username, factories.PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_login_without_csrf_token_is_refused(client, session):
    """A sign-in POST without its CSRF token is refused, with a readable message."""
    user = factories.user(session)
    session.commit()
    response = client.post("/auth/login", data={"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.text


def test_next_only_follows_local_paths(client, session):
    """After sign-in, ?next= is followed for local paths and ignored for other hosts."""
    user = factories.user(session)
    session.commit()
    response = _login(client, user.username, factories.PASSWORD, next_url="//evil.example.com/")
    assert "evil.example.com" not in response.headers["Location"]


def test_session_cookie_is_httponly_and_samesite(client, session):
    """The session cookie is HttpOnly and SameSite=Lax."""
    user = factories.user(session)
    session.commit()
    response = _login(client, user.username, factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch_translates_the_ui(client, session, auth):
    """Switching to Turkish stores the choice on the user and the UI follows it."""
    user = auth.login()
    page = client.get("/auth/account")
    response = client.post("/auth/locale", data={"locale": "tr", "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 303
    assert "Çıkış yap" in client.get("/auth/account").text
    session.refresh(user)
    assert user.locale == "tr"
