"""English and Turkish UI text.

Templates and views wrap English text in ``_()``; each surface keeps its Turkish strings in
``packing/translations/tr/<surface>.json``. States, commands and denial reasons carry their
own translations in the catalogue (``translations["tr-tr"]``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import g, has_request_context, request, session
from flask_login import current_user

LOCALES = {"en": "English", "tr": "Türkçe"}
CATALOGUE_LOCALES = {"en": "en-us", "tr": "tr-tr"}
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=None)
def _messages(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((TRANSLATIONS_DIR / locale).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def current_locale() -> str:
    if "locale" not in g:
        if current_user and current_user.is_authenticated:
            g.locale = current_user.locale if current_user.locale in LOCALES else "en"
        else:
            # Before sign-in, the tablet's browser language: a Turkish store's sign-in page is Turkish.
            browser = request.accept_languages.best_match(LOCALES) if has_request_context() else None
            g.locale = session.get("locale") or browser or "en"
    return g.locale


def catalogue_locale() -> str:
    """The locale key the catalogue's ``translations`` use ("en-us", "tr-tr")."""
    return CATALOGUE_LOCALES[current_locale()]


def gettext(text: str, **values) -> str:
    locale = current_locale()
    translated = text if locale == "en" else _messages(locale).get(text, text)
    if not isinstance(translated, str):  # a plural entry: ngettext's, not ours
        translated = text
    return translated.format(**values) if values else translated


def _one_or_other(count: int) -> str:
    return "one" if count == 1 else "other"


# CLDR's cardinal plural categories: English and Turkish both tell exactly one from the rest.
PLURAL_CATEGORY = {"en": _one_or_other, "tr": _one_or_other}


def ngettext(singular: str, plural: str, count: int, **values) -> str:
    """``singular`` or ``plural`` as ``count`` asks, in the user's language, with ``{count}``
    and ``values`` filled in. A catalogue keys a plural entry by the English singular and
    gives a text per plural category: ``"printed once": {"one": "bir kez", "other": "{count} kez"}``."""
    locale = current_locale()
    category = PLURAL_CATEGORY.get(locale, _one_or_other)(count)
    text = singular if category == "one" else plural
    if locale != "en":
        forms = _messages(locale).get(singular)
        if isinstance(forms, dict):
            text = forms.get(category, forms.get("other", text))
    return text.format(count=count, **values)


# Delivery types arrive as codes ("same_day"); people read them as words.
DELIVERY_LABELS = {"standard": "Standard", "same_day": "Same day", "click_and_collect": "Click & collect"}


def delivery_label(code: str) -> str:
    return gettext(DELIVERY_LABELS.get(code, code.replace("_", " ").capitalize()))


def error_message(error) -> str:
    """A domain error's reason in the user's language, its values filled in after translating."""
    return gettext(error.template, **error.values)
