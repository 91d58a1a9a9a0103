"""The one way values from outside (URLs, query strings, forms, JSON bodies, import files)
become numbers and text. Every refusal is an ``InvalidParameter`` naming the field, so a
view answers 400 with that name instead of letting the database fail on the value.

Why not ``str.isdigit()`` and ``int()``: ``'²'.isdigit()`` is true and ``int('²')`` fails,
``int('٣')`` is 3, ``int(True)`` is 1, and a column of 32-bit integers cannot hold 2**31.
Why not ``json.loads``: it accepts ``NaN`` and ``Infinity`` (which no JSON column stores),
turns ``1e400`` into infinity, recurses once per nesting level and raises a bare
``ValueError`` on a 5000-digit number. PostgreSQL text and JSON cannot hold NUL at all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from packing.core.errors import InvalidParameter
from packing.core.messages import N_

INT32_MAX = 2**31 - 1
# Ids are 32-bit integer columns; a larger one cannot name a row.
MAX_ID = INT32_MAX
# Deeper documents are refused before they are parsed (the reference's are at most ~6 deep).
MAX_JSON_DEPTH = 32
# Longer numbers are refused before Python turns them into ints (its own limit is 4300 digits).
MAX_NUMBER_CHARACTERS = 40

_ASCII_INT = re.compile(r"[+-]?[0-9]+")
_ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{}]', re.DOTALL)


# --- Numbers ------------------------------------------------------------------------------


def is_ascii_int(text: str) -> bool:
    return len(text) <= MAX_NUMBER_CHARACTERS and _ASCII_INT.fullmatch(text) is not None


def parse_int(raw: Any, field: str, *, minimum: int = -INT32_MAX - 1, maximum: int = INT32_MAX) -> int:
    """An integer given as a JSON number or as ASCII digits; never a boolean, a float or a
    Unicode digit. Out of ``minimum``..``maximum`` is refused too (the column's range)."""
    if isinstance(raw, bool):
        raise InvalidParameter("{name} must be a whole number, not true or false.", field, name=field)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and is_ascii_int(raw):
        value = int(raw)
    else:
        raise InvalidParameter("{name} must be a whole number.", field, name=field)
    if not minimum <= value <= maximum:
        raise InvalidParameter(
            "{name} must be between {minimum} and {maximum}.", field, name=field, minimum=minimum, maximum=maximum
        )
    return value


def parse_id(raw: Any, field: str) -> int:
    """A row id: 1 .. 2**31-1."""
    return parse_int(raw, field, minimum=1, maximum=MAX_ID)


def optional_id(raw: Any, field: str) -> Optional[int]:
    """An id, or None when the value is missing or blank."""
    return None if raw is None or raw == "" else parse_id(raw, field)


def parse_ids(values: Iterable[Any], field: str) -> list[int]:
    return [parse_id(value, field) for value in values]


def parse_decimal(
    raw: Any, field: str, *, digits: int = 14, places: int = 2, minimum: Optional[Decimal] = None
) -> Decimal:
    """A decimal that fits ``Numeric(digits, places)``: a JSON number or an ASCII decimal string."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise InvalidParameter("{name} must be a number.", field, name=field)
    text = raw if isinstance(raw, str) else str(raw)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidParameter("{name} must be a finite number.", field, name=field)
    if isinstance(raw, str) and (len(text) > MAX_NUMBER_CHARACTERS or not _ASCII_DECIMAL.fullmatch(text.strip())):
        raise InvalidParameter("{name} must be a number.", field, name=field)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidParameter("{name} must be a number.", field, name=field) from None
    limit = Decimal(10) ** (digits - places)
    if not value.is_finite() or abs(value) >= limit:
        raise InvalidParameter("{name} must be less than {limit} in size.", field, name=field, limit=limit)
    if minimum is not None and value < minimum:
        raise InvalidParameter("{name} must be at least {minimum}.", field, name=field, minimum=minimum)
    return value


def parse_seconds(raw: Any, field: str, *, maximum: float) -> float:
    """A non-negative, finite number of seconds no larger than ``maximum`` (``1e308`` is refused)."""
    if isinstance(raw, bool):
        raise InvalidParameter("{name} must be a number of seconds.", field, name=field)
    if isinstance(raw, str):
        if len(raw) > MAX_NUMBER_CHARACTERS or not _ASCII_DECIMAL.fullmatch(raw.strip()):
            raise InvalidParameter("{name} must be a number of seconds.", field, name=field)
        raw = float(raw)
    if not isinstance(raw, (int, float)) or not math.isfinite(raw) or not 0 <= raw <= maximum:
        raise InvalidParameter("{name} must be between 0 and {maximum} seconds.", field, name=field, maximum=maximum)
    return raw


# --- Text ---------------------------------------------------------------------------------


def has_nul(value: str) -> bool:
    return "\x00" in value


def parse_text(raw: Any, field: str, *, max_length: Optional[int] = None) -> str:
    """Text without NUL (PostgreSQL cannot store it), at most ``max_length`` characters."""
    if not isinstance(raw, str):
        raise InvalidParameter("{name} must be text.", field, name=field)
    if has_nul(raw):
        raise InvalidParameter("{name} contains a NUL character.", field, name=field)
    if max_length is not None and len(raw) > max_length:
        raise InvalidParameter(
            "{name} must be at most {max_length} characters.", field, name=field, max_length=max_length
        )
    return raw


def first_field_with_nul(fields: Iterable[tuple[str, str]]) -> Optional[str]:
    """The name of the first (name, value) pair whose name or value holds NUL."""
    for name, value in fields:
        if has_nul(name) or has_nul(value):
            return name.replace("\x00", "") or "?"
    return None


# --- JSON ---------------------------------------------------------------------------------


class _Refused:
    """A JSON token that parsed but may not be used (NaN, 1e400, a 5000-digit number); the
    walk after parsing finds it and names where it sits."""

    def __init__(self, token: str, template: str):
        self.token, self.template = token, template


NOT_FINITE = N_("{name}: {token} is not a finite number.")
TOO_LONG = N_("{name}: {token} is too long to be a number.")


def _number(text: str, convert) -> Any:
    if len(text) > MAX_NUMBER_CHARACTERS:
        return _Refused(text[:12] + "…", TOO_LONG)
    value = convert(text)
    if isinstance(value, float) and not math.isfinite(value):
        return _Refused(text, NOT_FINITE)
    return value


def dotted(path: Sequence[str | int]) -> str:
    """``input_parameters.package_items.0``: the API's field names (as pydantic's)."""
    return ".".join(str(part) for part in path) or "body"


def bracketed(path: Sequence[str | int]) -> str:
    """``results[3].packageitem_set[0].order_item``: the importer's field paths."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def loads_strict(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, name=dotted) -> Any:
    """Parse JSON refusing NaN and infinities, numbers too long to be real, NUL in any key or
    string, and nesting deeper than ``max_depth`` (checked before parsing, so no recursion
    error). ``name`` turns a path into the field named in the error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameter("The body is not UTF-8 text.", name(())) from None
    _check_depth(text, max_depth, name)
    try:
        value = json.loads(
            text,
            parse_constant=lambda token: _Refused(token, NOT_FINITE),
            parse_float=lambda token: _number(token, float),
            parse_int=lambda token: _number(token, int),
        )
    except (json.JSONDecodeError, RecursionError) as error:
        raise InvalidParameter(
            "Not valid JSON: {problem} at line {line}, column {column}.",
            name(()),
            problem=getattr(error, "msg", "too deeply nested"),
            line=getattr(error, "lineno", 1),
            column=getattr(error, "colno", 1),
        ) from None
    _check_values(value, [], name)
    return value


def _check_depth(text: str, max_depth: int, name) -> None:
    depth, path = 0, []
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise InvalidParameter(
                    "{name} is nested more than {max_depth} levels deep.",
                    name(path[:1]),
                    name=name(path[:1]),
                    max_depth=max_depth,
                )
        elif token in "]}":
            depth -= 1
        elif depth == 1 and token.endswith(":"):
            key = token.rstrip(": \t\r\n")
            try:
                path = [json.loads(key)]
            except ValueError:
                path = []


def _check_values(value: Any, path: list, name) -> None:
    if isinstance(value, _Refused):
        raise InvalidParameter(value.template, name(path), name=name(path), token=value.token)
    if isinstance(value, str):
        if has_nul(value):
            raise InvalidParameter("{name} contains a NUL character.", name(path), name=name(path))
    elif isinstance(value, dict):
        for key, child in value.items():
            if has_nul(key):
                raise InvalidParameter("{name} has a key with a NUL character.", name(path), name=name(path))
            _check_values(child, [*path, key], name)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_values(child, [*path, index], name)
