"""What every request passes before a view sees it: ids in URLs read the one strict way,
and no NUL character in any query, form or path value (PostgreSQL cannot store one, and no
station, integrator or browser sends one for a good reason). Bodies larger than
MAX_CONTENT_LENGTH are refused by Werkzeug with 413 (packing.errors answers it)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import BaseConverter, ValidationError

from packing.core.errors import InvalidParameter
from packing.core.parsing import first_field_with_nul, parse_id


class IdConverter(BaseConverter):
    """ASCII digits naming a row (1 .. 2**31-1); anything else does not match the route, so
    ``/packages/²`` and ``/packages/9999999999`` are a 404 and never reach the database.
    Werkzeug's own ``int`` matches ``\\d``, which takes Unicode digits, and has no upper bound."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        try:
            return parse_id(value, "id")
        except InvalidParameter:
            raise ValidationError() from None

    def to_url(self, value: int) -> str:
        return str(int(value))


def refuse_nul() -> None:
    """400 naming the first query, form or path field that holds NUL. The API's own schemas
    check each field they read (unknown query parameters are ignored there, as in the
    reference), so its answers stay the documented ones."""
    if request.path.startswith("/api/"):
        return
    fields = [
        *request.args.items(multi=True),
        *request.form.items(multi=True),
        *((name, value) for name, value in (request.view_args or {}).items() if isinstance(value, str)),
    ]
    name = first_field_with_nul(fields)
    if name is not None:
        raise InvalidParameter("{name} contains a NUL character.", name, name=name)


def register(app: Flask) -> None:
    """Before any blueprint adds its rules: ``int`` is the id converter in every route."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
