"""The Server-Timing header that tells the app's share of a response's time."""

from __future__ import annotations

import re

import pytest

from packing.app import create_app

pytestmark = pytest.mark.sqlite_only


def test_every_response_says_how_long_the_app_took(client):
    """A page, a redirect and a 404 each carry Server-Timing with the app's duration in ms."""
    for path in ("/auth/login", "/queue/", "/no-such-page"):
        header = client.get(path).headers.get("Server-Timing", "")
        assert re.fullmatch(r"app;dur=\d+\.\d", header), (path, header)


def test_server_timing_can_be_turned_off():
    """SERVER_TIMING=False leaves the header out."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_TIMING": False})
    assert "Server-Timing" not in app.test_client().get("/auth/login").headers
