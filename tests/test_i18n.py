"""The UI's i18n: plural forms, and the sign-in page in the browser's language."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import g

from packing.i18n import ngettext

pytestmark = pytest.mark.sqlite_only


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("en", 1, "printed once"),
        ("en", 2, "printed 2 times"),
        ("en", 0, "printed 0 times"),
        ("tr", 1, "bir kez basıldı"),
        ("tr", 7, "7 kez basıldı"),
    ],
)
def test_ngettext_picks_the_plural_form_of_the_users_language(app, locale, count, expected):
    """English says "once" for one and "{count} times" otherwise; Turkish has its own forms."""
    with app.test_request_context():
        g.locale = locale
        assert ngettext("printed once", "printed {count} times", count) == expected


def test_ngettext_falls_back_to_english_for_an_untranslated_plural(app):
    """A plural with no Turkish entry shows the English form for the count, not a key."""
    with app.test_request_context():
        g.locale = "tr"
        assert ngettext("{count} widget", "{count} widgets", 3) == "3 widgets"


def test_the_sign_in_page_speaks_the_browsers_language(client):
    """Before anyone signs in, a Turkish tablet's browser gets the sign-in page in Turkish."""
    turkish = BeautifulSoup(
        client.get("/auth/login", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).text, "html.parser"
    )
    english = BeautifulSoup(
        client.get("/auth/login", headers={"Accept-Language": "de-DE,en;q=0.5"}).text, "html.parser"
    )
    assert turkish.html["lang"] == "tr" and turkish.h1.get_text(strip=True) == "Giriş yap"
    assert english.html["lang"] == "en" and english.h1.get_text(strip=True) == "Sign in"
