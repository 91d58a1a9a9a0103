"""Reading the app's HTML as a browser would: parsed into elements, not matched as text."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def top_level_elements(html: str) -> list[Tag]:
    """The elements an htmx swap receives: a partial has exactly the one it replaces."""
    return [node for node in parse(html).contents if isinstance(node, Tag)]


def text_of(element: Tag) -> str:
    """The element's visible text with whitespace collapsed, as a reader hears it."""
    return " ".join(element.get_text(" ").split())
