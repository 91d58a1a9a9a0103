"""Printed documents to PDF: the ``labels/`` templates rendered by Jinja, then WeasyPrint,
with the words, amounts and dates written in the document's language."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from packing.core.messages import translate, translate_in_context, translations_for
from packing.core.models import Address
from packing.core.money import format_money, format_rate

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "labels"

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
)
# Font discovery is the slowest part of a first render; one configuration serves them all.
fonts = FontConfiguration()


def html_to_pdf(html: str, stylesheets: tuple[CSS, ...] = ()) -> bytes:
    return HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf(font_config=fonts, stylesheets=list(stylesheets))


def stylesheet(name: str) -> CSS:
    return CSS(filename=str(TEMPLATES_DIR / name), font_config=fonts)


def address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    place = ", ".join(
        part
        for part in (
            address.district and address.district.name,
            address.township and address.township.name,
            " ".join(p for p in (address.postcode, address.city and address.city.name) if p),
        )
        if part
    )
    country = address.country and address.country.name
    return [line for line in (address.company_name, address.line, place, country) if line]


def format_date(value: datetime | date, locale: str = "en") -> str:
    return value.strftime("%d.%m.%Y" if locale[:2] == "tr" else "%Y-%m-%d")


def language_helpers(locale: str, currency: str) -> dict:
    """What a template writes words, amounts and dates with: ``t()`` and ``pt()`` read the
    UI's catalogue (packing/translations) without Flask."""
    translations = translations_for(locale[:2])
    return {
        "locale": locale,
        "t": partial(translate, translations),
        "pt": partial(translate_in_context, translations),
        "money": lambda amount: format_money(amount, currency, locale),
        "rate": lambda rate: format_rate(rate, locale),
        "day": lambda value: format_date(value, locale),
    }
