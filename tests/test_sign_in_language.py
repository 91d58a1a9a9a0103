"""The sign-in page offers its language and starts from the browser's."""
from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import csrf_token_from


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_the_sign_in_page_offers_both_languages_with_the_browsers_pressed(client):
    """A Turkish browser sees Türkçe pressed and English offered, each a button of the language form."""
    page = _page(client.get("/auth/login", headers={"Accept-Language": "tr-TR,tr;q=0.9"}))
    choice = page.find("form", class_="language-choice")
    buttons = {button["value"]: button for button in choice.find_all("button", attrs={"name": "locale"})}
    assert set(buttons) == {"en", "tr"}
    assert buttons["tr"]["aria-pressed"] == "true" and buttons["en"]["aria-pressed"] == "false"


def test_choosing_a_language_turns_the_sign_in_page_into_it(client):
    """A Turkish browser that picks English gets the sign-in page in English, and can pick Turkish back."""
    turkish = {"Accept-Language": "tr-TR,tr;q=0.9"}
    page = client.get("/auth/login", headers=turkish)
    response = client.post("/auth/language", data={"locale": "en", "csrf_token": csrf_token_from(page.text)}, headers=turkish)
    assert response.status_code == 303
    english = _page(client.get(response.headers["Location"], headers=turkish))
    assert english.html["lang"] == "en" and english.h1.get_text(strip=True) == "Sign in"
    client.post("/auth/language", data={"locale": "tr", "csrf_token": csrf_token_from(page.text)}, headers=turkish)
    assert _page(client.get("/auth/login", headers=turkish)).h1.get_text(strip=True) == "Giriş yap"


def test_an_unknown_language_is_refused_and_changes_nothing(client):
    """Only the offered languages are taken: a crafted one is a 400 and the page keeps its language."""
    turkish = {"Accept-Language": "tr-TR,tr;q=0.9"}
    page = client.get("/auth/login", headers=turkish)
    response = client.post("/auth/language", data={"locale": "xx", "csrf_token": csrf_token_from(page.text)}, headers=turkish)
    assert response.status_code == 400
    assert _page(client.get("/auth/login", headers=turkish)).html["lang"] == "tr"


def test_choosing_a_language_needs_the_csrf_token(client):
    """Without the form's token the choice is refused."""
    assert client.post("/auth/language", data={"locale": "en"}).status_code == 400
