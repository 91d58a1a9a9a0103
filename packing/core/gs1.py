"""GS1 element strings, as a GS1-128 or GS1 DataMatrix code carries them: (01) a trade
item's GTIN, (00) a logistic unit's SSCC, and the other application identifiers (AIs) a
label may add beside them (batch, expiry, serial...), which are read past but not used.

A code arrives in one of three shapes: with its symbology identifier (``]C1`` GS1-128,
``]d2`` DataMatrix, ``]Q3`` QR) or a leading FNC1 as a wedge scanner sends it; in the
printed form ``(01)09506000134352``; or bare (``0109506000134352``), which is what a
browser's BarcodeDetector gives. Variable-length fields end at a GS (FNC1) character.
A bare code is read as GS1 only when it starts with a well-formed (00) or (01): any other
code (a store's own EAN, a SKU) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from packing.core.errors import ScanRefused

GROUP_SEPARATOR = "\x1d"
SYMBOLOGY_IDENTIFIERS = ("]C1", "]d2", "]Q3", "]e0", "]J1")
UNKNOWN_AI = "unknown_gs1_ai"
MALFORMED = "malformed_gs1"
NO_GTIN = "gs1_without_gtin"

# AI -> (data length, fixed?). Variable-length data runs to a GS or the end, at most the length.
_KNOWN = {
    "00": (18, True),
    "01": (14, True),
    "02": (14, True),
    "10": (20, False),
    "11": (6, True),
    "12": (6, True),
    "13": (6, True),
    "15": (6, True),
    "16": (6, True),
    "17": (6, True),
    "20": (2, True),
    "21": (20, False),
    "22": (20, False),
    "30": (8, False),
    "37": (8, False),
    "240": (30, False),
    "241": (30, False),
    "250": (30, False),
    "251": (30, False),
    "400": (30, False),
    "401": (30, False),
    "402": (17, True),
    "403": (30, False),
    "410": (13, True),
    "411": (13, True),
    "412": (13, True),
    "413": (13, True),
    "414": (13, True),
    "415": (13, True),
    "420": (20, False),
    "421": (12, False),
    "422": (3, True),
    "7003": (10, True),
    "8003": (30, False),
    "8004": (30, False),
}
# Trade measures (310n-369n: weight, length, volume with n decimals) are six digits each.
_KNOWN.update({f"{base}{decimals}": (6, True) for base in range(310, 370) for decimals in range(10)})
# 90-99: data agreed between trading partners or internal to a company.
_KNOWN.update({str(ai): (30, False) for ai in range(91, 100)})
_KNOWN["90"] = (30, False)
_CHECKED = ("00", "01", "02")
_PRINTED_FIELD = re.compile(r"\((\d{2,4})\)([^()]*)")


@dataclass(frozen=True)
class Gs1Code:
    """A GS1 code's fields, in the order the code gives them."""

    elements: tuple[tuple[str, str], ...]

    def get(self, ai: str) -> Optional[str]:
        return next((value for key, value in self.elements if key == ai), None)

    @property
    def gtin(self) -> Optional[str]:
        return self.get("01")

    @property
    def sscc(self) -> Optional[str]:
        return self.get("00")


def parse(code: str) -> Optional[Gs1Code]:
    """The GS1 fields of ``code``, or None when it is not a GS1 code. A code that is GS1 but
    carries an application identifier this app does not know, or a field of the wrong
    length or check digit, is refused (``ScanRefused``): it is never counted as something else."""
    if code.startswith("("):
        return _parse_printed(code)
    for identifier in SYMBOLOGY_IDENTIFIERS:
        if code.startswith(identifier):
            return _parse_elements(code[len(identifier) :].lstrip(GROUP_SEPARATOR), code)
    if code.startswith(GROUP_SEPARATOR):
        return _parse_elements(code.lstrip(GROUP_SEPARATOR), code)
    return _parse_bare(code)


def gtin_forms(gtin: str) -> list[str]:
    """The ways a product's barcode may hold a GTIN-14: as it is, and as the EAN-13, UPC-A
    and EAN-8 it pads with leading zeros."""
    forms = [gtin]
    for length in (13, 12, 8):
        padding = gtin[: len(gtin) - length]
        if padding and set(padding) == {"0"}:
            forms.append(gtin[-length:])
    return forms


def check_digit_ok(digits: str) -> bool:
    """The GS1 mod-10 check: weights 3 and 1 from the right, the last digit included."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(reversed(digits)))
    return total % 10 == 0


def _parse_bare(code: str) -> Optional[Gs1Code]:
    ai = code[:2]
    if ai not in ("00", "01"):
        return None
    length, _fixed = _KNOWN[ai]
    value = code[2 : 2 + length]
    if len(value) != length or not check_digit_ok(value):
        return None
    return _parse_elements(code, code)


def _parse_printed(code: str) -> Optional[Gs1Code]:
    fields = _PRINTED_FIELD.findall(code)
    if not fields or "".join(f"({ai}){value}" for ai, value in fields) != code:
        return None
    elements = []
    for ai, value in fields:
        _check_field(ai, value, code)
        elements.append((ai, value))
    return Gs1Code(tuple(elements))


def _parse_elements(data: str, code: str) -> Gs1Code:
    elements = []
    position = 0
    while position < len(data):
        candidates = (data[position : position + size] for size in (2, 3, 4))
        ai = next((candidate for candidate in candidates if candidate in _KNOWN), None)
        if ai is None:
            _refuse_unknown(data[position : position + 4], code)
        position += len(ai)
        length, fixed = _KNOWN[ai]
        if fixed:
            value = data[position : position + length]
            position += length
        else:
            end = data.find(GROUP_SEPARATOR, position)
            end = len(data) if end == -1 else end
            value = data[position:end]
            position = end
        _check_field(ai, value, code)
        elements.append((ai, value))
        while data.startswith(GROUP_SEPARATOR, position):
            position += 1
    return Gs1Code(tuple(elements))


def _check_field(ai: str, value: str, code: str) -> None:
    if ai not in _KNOWN:
        _refuse_unknown(ai, code)
    length, fixed = _KNOWN[ai]
    well_formed = (len(value) == length) if fixed else (0 < len(value) <= length)
    if ai in _CHECKED:
        well_formed = well_formed and check_digit_ok(value)
    if not well_formed:
        raise ScanRefused(
            "{code} is a GS1 code whose ({ai}) field is damaged: not counted.", kind=MALFORMED, code=code, ai=ai
        )


def _refuse_unknown(ai: str, code: str) -> None:
    raise ScanRefused(
        "{code} is a GS1 code with an application identifier we do not read ({ai}): not counted.",
        kind=UNKNOWN_AI,
        code=code,
        ai=ai,
    )


def check_digit(digits: str) -> str:
    """The GS1 mod-10 digit that ends ``digits`` (weights 3 and 1 from the right)."""
    total = sum(int(digit) * (1 if index % 2 else 3) for index, digit in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def sscc(company_prefix: str, serial: int, extension: int = 0) -> str:
    """An 18-digit SSCC: the extension digit, the GS1 company prefix, ``serial`` as the serial
    reference filling the rest of 17 digits, and the check digit."""
    if not (company_prefix.isascii() and company_prefix.isdigit() and 6 <= len(company_prefix) <= 12):
        raise ValueError("A GS1 company prefix is 6 to 12 digits.")
    width = 16 - len(company_prefix)
    if not 0 <= serial < 10**width:
        raise ValueError(f"SSCC serial {serial} does not fit in {width} digits.")
    body = f"{extension}{company_prefix}{serial:0{width}d}"
    return body + check_digit(body)
