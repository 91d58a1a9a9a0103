"""The Turkish catalogue is complete and current: CI fails when a string lacks its Turkish."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import g

from packing.core.errors import InvalidParameter, ScanRefused
from packing.core.messages import TRANSLATIONS_DIR
from packing.i18n import error_message

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parent.parent
POT = TRANSLATIONS_DIR / "messages.pot"
TURKISH_PO = TRANSLATIONS_DIR / "tr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _catalogue(path: Path):
    with path.open("rb") as po_file:
        return read_po(po_file)


def _msgids(catalogue) -> set:
    return {message.id for message in catalogue if message.id}


def _forms(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def test_every_turkish_entry_is_translated_and_not_fuzzy():
    """No Turkish entry is empty or fuzzy, and the file's header is not fuzzy either."""
    catalogue = _catalogue(TURKISH_PO)
    assert not catalogue.fuzzy
    untranslated = [message.id for message in catalogue if message.id and not all(_forms(message.string))]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_turkish_entries_keep_the_englishs_placeholders():
    """Each Turkish text names the same {values} as its English, so filling it in never fails."""
    wrong = []
    for message in _catalogue(TURKISH_PO):
        if not message.id:
            continue
        english = set().union(*(PLACEHOLDER.findall(text) for text in _forms(message.id)))
        for turkish in _forms(message.string):
            # The singular may say "once" instead of "{count}": it needs no more names than the English.
            if not set(PLACEHOLDER.findall(turkish)) <= english:
                wrong.append((message.id, turkish))
    assert wrong == []


def test_turkish_plural_forms_follow_cldr():
    """Turkish counts like CLDR's tr: one form for 1, another for the rest, and plurals have both."""
    catalogue = _catalogue(TURKISH_PO)
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    plurals = [message for message in catalogue if message.pluralizable]
    assert plurals and all(len(message.string) == 2 for message in plurals)


def test_the_template_is_up_to_date_with_the_sources(tmp_path):
    """Extracting the sources again finds exactly the committed .pot's strings, and the
    Turkish catalogue has exactly those."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [str(ROOT / "scripts" / "extract-messages.sh"), str(fresh)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    extracted = _msgids(_catalogue(fresh))
    assert extracted - _msgids(_catalogue(POT)) == set(), "run scripts/extract-messages.sh"
    assert _msgids(_catalogue(POT)) - extracted == set(), "run scripts/extract-messages.sh"
    assert _msgids(_catalogue(TURKISH_PO)) == extracted


def test_extraction_finds_domain_errors_and_the_scripts_messages():
    """The domain's error templates, marked labels and the JavaScript's messages are in the template."""
    ids = _msgids(_catalogue(POT))
    assert "Unknown code, not counted: {code} is not a barcode we know." in ids  # ScanRefused's first argument
    assert "No user {username}." in ids  # NotFound's
    assert "Wednesday" in ids  # N_()
    assert "No connection to the server. Check the network and try again." in ids  # app.js, via base.html
    assert ("{count} package", "{count} packages") in ids  # ngettext in a template


def test_a_domain_error_reaches_a_turkish_picker_in_turkish_with_its_values(app):
    """A core error raised as a template with values is translated, then filled in."""
    with app.test_request_context():
        g.locale = "tr"
        refusal = ScanRefused(
            "Unknown code, not counted: {code} is not a barcode we know.", kind="unknown_code", code="8690000000017"
        )
        invalid = InvalidParameter("Package {number} is already refunded.", field="number", number="P-42")
        assert error_message(refusal) == "Bilinmeyen kod, sayılmadı: 8690000000017 tanıdığımız bir barkod değil."
        assert error_message(invalid) == "P-42 paketi zaten iade edildi."
    assert refusal.reason == "Unknown code, not counted: 8690000000017 is not a barcode we know."


def test_the_page_hands_its_scripts_their_messages_in_the_users_language(client):
    """base.html carries app.js's messages as a JSON data block, Turkish for a Turkish browser."""
    page = BeautifulSoup(client.get("/auth/login", headers={"Accept-Language": "tr-TR"}).text, "html.parser")
    block = page.find("script", id="app-messages")
    assert block["type"] == "application/json"
    messages = json.loads(block.string)
    assert messages["offline"] == "Sunucuya bağlantı yok. Ağı kontrol edip tekrar deneyin."
    assert messages["serverError"] == "Sunucu hatası {status}. Tekrar deneyin."
