"""English and Turkish UI text through Flask-Babel.

Templates and views wrap English text in ``_()`` with str.format-style named values
(``_("Select package {number}", number=n)``, ``ngettext("{count} package", "{count} packages", n)``);
the translations are gettext catalogues in ``packing/translations/`` (``pybabel extract`` with
babel.cfg and scripts/extract-messages.sh, compiled by scripts/setup.sh). States, commands and
denial reasons carry their own translations in the catalogue (``translations["tr-tr"]``).
"""

from __future__ import annotations

from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, get_translations
from flask_login import current_user

from packing.core.messages import (
    N_,
    TRANSLATIONS_DIR,
    compile_catalogues,
    translate,
    translate_in_context,
    translate_plural,
)

LOCALES = {"en": "English", "tr": "Türkçe"}
CATALOGUE_LOCALES = {"en": "en-us", "tr": "tr-tr"}

babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    # A checkout that has not run scripts/setup.sh still speaks Turkish.
    compile_catalogues()
    from packing.web import store_zone

    babel.init_app(app, locale_selector=current_locale, timezone_selector=lambda: store_zone().key)


def current_locale() -> str:
    """The user's language, else the one chosen on the sign-in page, else the browser's."""
    if "locale" not in g:
        if current_user and current_user.is_authenticated:
            g.locale = current_user.locale if current_user.locale in LOCALES else "en"
        else:
            # Before sign-in, the tablet's browser language: a Turkish store's sign-in page is Turkish.
            browser = request.accept_languages.best_match(LOCALES) if has_request_context() else None
            chosen = session.get("locale") if has_request_context() else None
            g.locale = chosen if chosen in LOCALES else browser or "en"
    return g.locale


def catalogue_locale() -> str:
    """The locale key the catalogue's ``translations`` use ("en-us", "tr-tr")."""
    return CATALOGUE_LOCALES[current_locale()]


def _translations():
    """Flask-Babel's catalogue for the request's language, kept on ``g`` for that language:
    its own lookup walks the context stack three times a call, and a queue page translates
    a few hundred strings (a fifth of the page's CPU time, bench/throughput.py). ``g`` is
    resolved once here: each access through its proxy costs about as much as the lookup."""
    if not has_app_context():
        return get_translations()
    request_globals = g._get_current_object()
    locale = getattr(request_globals, "locale", None) or current_locale()
    kept = getattr(request_globals, "translations_for_locale", None)
    if kept is None or kept[0] != locale:
        kept = request_globals.translations_for_locale = (locale, get_translations())
    return kept[1]


def gettext(text: str, **values) -> str:
    """``text`` in the user's language, then ``values`` filled in (str.format style)."""
    return translate(_translations(), text, **values)


def pgettext(context: str, text: str, **values) -> str:
    """``text`` in the user's language as it reads in ``context``, ``values`` filled in."""
    return translate_in_context(_translations(), context, text, **values)


def ngettext(singular: str, plural: str, count: int, **values) -> str:
    """``singular`` or ``plural`` as ``count`` and the user's language ask, ``{count}`` and
    ``values`` filled in."""
    return translate_plural(_translations(), singular, plural, count, **values)


# Codes that templates show as words through ``_()``: print batch and webhook event statuses
# (``_(batch.status)``), and a print record's document type.
CODE_WORDS = (
    N_("pending"),
    N_("running"),
    N_("done"),
    N_("failed"),
    N_("delivered"),
    N_("label"),
    N_("invoice"),
    N_("packing slip"),
)

# Delivery types arrive as codes ("same_day"); people read them as words.
DELIVERY_LABELS = {"standard": N_("Standard"), "same_day": N_("Same day"), "click_and_collect": N_("Click & collect")}


def delivery_label(code: str) -> str:
    return gettext(DELIVERY_LABELS.get(code, code.replace("_", " ").capitalize()))


def error_message(error) -> str:
    """A domain error's reason in the user's language, its values filled in after translating."""
    return gettext(error.template, **error.values)
