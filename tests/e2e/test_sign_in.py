"""Signing in through a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_picker_signs_in_and_out(page, live_server, sign_in):
    """A picker signs in with the form and signs out with the button in the top bar."""
    user = sign_in()
    expect(page.get_by_role("link", name=user.username)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_password_shows_a_message(page, live_server, session):
    """A wrong password is shown next to the field, and the user stays on the sign-in page."""
    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
