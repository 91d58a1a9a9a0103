"""The sign-in page offers its language and starts from the browser's."""

from __future__ import annotations

from bs4 import BeautifulSoup

TURKISH_BROWSER = {"Accept-Language": "tr-TR,tr;q=0.9"}


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_the_sign_in_page_offers_both_languages_with_the_browsers_current(client):
    """A Turkish browser sees Türkçe marked current and English offered as a link."""
    page = _page(client.get("/auth/login", headers=TURKISH_BROWSER))
    links = {link["lang"]: link for link in page.find("nav", class_="language-choice").find_all("a")}
    assert set(links) == {"en", "tr"}
    assert links["tr"].get("aria-current") == "true" and links["en"].get("aria-current") is None
    assert links["en"]["href"] == "/auth/language/en"


def test_choosing_a_language_turns_the_sign_in_page_into_it(client):
    """A Turkish browser that picks English gets the sign-in page in English, and can pick Turkish back."""
    response = client.get("/auth/language/en", headers=TURKISH_BROWSER)
    assert response.status_code == 303
    english = _page(client.get(response.headers["Location"], headers=TURKISH_BROWSER))
    assert english.html["lang"] == "en" and english.h1.get_text(strip=True) == "Sign in"
    client.get("/auth/language/tr", headers=TURKISH_BROWSER)
    assert _page(client.get("/auth/login", headers=TURKISH_BROWSER)).h1.get_text(strip=True) == "Giriş yap"


def test_an_unknown_language_is_not_found_and_changes_nothing(client):
    """Only the offered languages exist: another is a 404 and the page keeps its language."""
    assert client.get("/auth/language/xx", headers=TURKISH_BROWSER).status_code == 404
    assert _page(client.get("/auth/login", headers=TURKISH_BROWSER)).html["lang"] == "tr"


def test_the_choice_keeps_where_the_person_was_going(client):
    """Choosing a language on a sign-in page reached from a deep link keeps its next."""
    response = client.get("/auth/language/tr?next=/queue/")
    assert response.headers["Location"] == "/auth/login?next=/queue/"
