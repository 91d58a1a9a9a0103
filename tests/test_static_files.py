"""Static files carry their content hash and are cached by tablets until it changes."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import url_for

pytestmark = pytest.mark.sqlite_only


def test_static_urls_carry_the_files_content_hash(app):
    """url_for('static') adds v=<hash>; the hash follows the file's bytes."""
    with app.test_request_context():
        script = url_for("static", filename="js/station.js")
        style = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/js/station\.js\?v=[0-9a-f]{12}", script)
    assert script.split("v=")[1] != style.split("v=")[1]


def test_a_versioned_file_is_cached_for_a_year_and_an_unversioned_one_is_revalidated(client, app):
    """A request naming a version gets max-age one year; without one the browser must revalidate."""
    with app.test_request_context():
        versioned = url_for("static", filename="js/station.js")
    cached = client.get(versioned)
    assert cached.status_code == 200 and cached.cache_control.max_age == 365 * 24 * 3600
    plain = client.get("/static/js/station.js")
    assert plain.status_code == 200 and plain.cache_control.max_age is None


def test_pages_link_their_scripts_and_styles_versioned(client):
    """The sign-in page's stylesheet and scripts are linked with their version."""
    page = client.get("/auth/login").text
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)
    assert re.search(r'src="/static/vendor/htmx-[\d.]+\.min\.js\?v=[0-9a-f]{12}"', page)


def test_every_page_links_the_favicon_and_favicon_ico_answers_with_it(client, app):
    """The layout links the SVG icon (versioned); /favicon.ico, which browsers ask for
    anyway, answers 200 with the same SVG instead of a 404."""
    page = BeautifulSoup(client.get("/auth/login").text, "html.parser")
    icon = page.find("link", rel="icon")
    assert icon["type"] == "image/svg+xml"
    assert re.fullmatch(r"/static/favicon\.svg\?v=[0-9a-f]{12}", icon["href"])
    linked = client.get(icon["href"])
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 200 and legacy.mimetype == "image/svg+xml"
    assert legacy.data == linked.data and b"<svg" in legacy.data
