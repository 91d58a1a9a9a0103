"""Amounts and tax rates as printed documents write them, in the document's language.

Babel's number data gives each language its separators, minus sign and percent pattern.
The currency symbol is our own: a Turkish lira reads ``₺`` in English documents too, and a
currency without a symbol here is written by its code after the number.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent, get_minus_sign_symbol

CURRENCY_SYMBOLS = {"try": "₺", "usd": "$", "eur": "€", "gbp": "£"}
# The documents' languages; a document in any other is written as an English one.
NUMBER_LOCALES = ("en", "tr")
AMOUNT_PATTERN = "#,##0.00"


def number_locale(locale: str) -> str:
    language = locale[:2]
    return language if language in NUMBER_LOCALES else NUMBER_LOCALES[0]


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    language = number_locale(locale)
    sign = get_minus_sign_symbol(language) if amount < 0 else ""
    number = format_decimal(abs(amount), AMOUNT_PATTERN, locale=language)
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    if symbol is None:
        return f"{sign}{number} {currency.upper()}"
    return f"{sign}{symbol}{number}"


def format_rate(rate: Decimal, locale: str = "en") -> str:
    """A tax rate in percent (``18`` is 18 %), with as many decimals as it has."""
    return format_percent(rate / 100, locale=number_locale(locale), decimal_quantization=False)
