"""Form fields that read numbers the one strict way (packing.core.parsing): a bad value is
the field's own error, never a 500 and never a value the column cannot hold."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import ValidationError

from packing.core.errors import InvalidParameter
from packing.core.parsing import INT32_MAX, parse_int, parse_seconds
from packing.i18n import error_message


class WholeNumberField(IntegerField):
    """An integer written with the digits 0-9, between ``minimum`` and ``maximum``; blank is None."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_int(valuelist[0].strip(), self.name, minimum=self.minimum, maximum=self.maximum)
        except InvalidParameter as error:
            self.data = None
            raise ValueError(error_message(error)) from None


class Seconds:
    """A text field that must hold a finite number of seconds (``1e308`` is refused)."""

    def __init__(self, maximum: float):
        self.maximum = maximum

    def __call__(self, form, field) -> None:
        if field.data is None or not str(field.data).strip():
            return
        try:
            parse_seconds(str(field.data).strip(), field.name, maximum=self.maximum)
        except InvalidParameter as error:
            raise ValidationError(error_message(error)) from None
