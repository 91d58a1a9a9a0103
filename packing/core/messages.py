"""Message templates the domain hands to people, and their translations, without Flask.

Core raises errors whose reason is an English template with named values
(``InvalidParameter("No user {username}.", username=name)``); a view translates the template,
then fills the values in, so the values stay as they were (a barcode is never translated).
``pybabel extract`` finds the templates: the error classes and ``N_`` are extraction keywords
(see ``EXTRACT_KEYWORDS`` and scripts/extract-messages.sh).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
DOMAIN = "messages"

# Calls whose first string argument is a message to translate: pybabel's -k options.
EXTRACT_KEYWORDS = (
    "_",
    "gettext",
    "ngettext:1,2",
    "pgettext:1c,2",
    "N_",
    "t",
    "pt:1c,2",
    "DomainError",
    "NotFound",
    "InvalidParameter",
    "CommandNotAllowed",
    "ConcurrentUpdate",
    "ScanRefused",
    "SignInRefused",
    "ApiError:2",
    "WeakPassword",
    "PasswordTooShort",
    "PasswordTooCommon",
    "PasswordIsUsername",
    "WrongCurrentPassword",
    "OwnAccountChange",
    "DuplicateCode",
    "PrinterUnreachable",
    "ImportFailed",
    # Form fields' labels, which templates/_forms.html translates.
    "BooleanField",
    "CheckboxesField",
    "DateTimeLocalField",
    "FileField",
    "PasswordField",
    "SelectField",
    "StringField",
    "TextAreaField",
    "WholeNumberField",
)


@dataclass(frozen=True)
class Message:
    """An English template and its values, kept (in a result, a stored row) until the language
    of the person who reads it is known."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return fill(self.template, self.values)

    def as_json(self) -> dict[str, Any]:
        return {"template": self.template, "values": self.values, "text": str(self)}


def N_(text: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Marks ``text`` for extraction where it is translated later (a label in a table)."""
    return text


def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compiles every ``.po`` under ``directory`` whose ``.mo`` is missing or older; returns those written."""
    written = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # Written aside and moved into place: another process starting at the same moment
        # reads the old catalogue or the new one, never half of one.
        partial = mo_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, mo_path)
        written.append(mo_path)
    if written:
        translations_for.cache_clear()
    return written


@cache
def translations_for(locale: str) -> NullTranslations:
    """The compiled catalogue for ``locale`` ("tr", "tr_TR"); English, the source language, has none."""
    return Translations.load(str(TRANSLATIONS_DIR), [locale.replace("-", "_")], DOMAIN)


def fill(text: str, values: dict) -> str:
    return text.format(**values) if values else text


def translate(translations: NullTranslations, template: str, **values) -> str:
    return fill(translations.gettext(template), values)


def translate_in_context(translations: NullTranslations, context: str, template: str, **values) -> str:
    """For an English word that reads two ways ("Count" a verb on the station, a noun on the dashboard)."""
    return fill(translations.pgettext(context, template), values)


def translate_plural(translations: NullTranslations, singular: str, plural: str, count: int, **values) -> str:
    return fill(translations.ngettext(singular, plural, count), {"count": count, **values})
