"""Static files carry their content hash and are cached by tablets until it changes."""
from __future__ import annotations

import re

from flask import url_for


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
