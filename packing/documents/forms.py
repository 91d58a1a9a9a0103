"""The documents screens' forms: print batches, invoice numbers, shipments, the store's carrier."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from packing.core import invoicing
from packing.core.print_room import LABEL, PACKING_SLIP

DOCUMENT_TYPE_CHOICES = [(LABEL, "Shipping labels"), (PACKING_SLIP, "Packing slips")]


class BatchForm(FlaskForm):
    document_type = SelectField("Print", choices=DOCUMENT_TYPE_CHOICES, default=LABEL)


class InvoiceNumberForm(FlaskForm):
    invoice_number = StringField(
        "Invoice number",
        validators=[
            DataRequired(),
            Length(
                max=invoicing.INVOICE_NUMBER_MAX_LENGTH,
                message=f"At most {invoicing.INVOICE_NUMBER_MAX_LENGTH} characters.",
            ),
        ],
    )


class ShipmentForm(FlaskForm):
    shipping_company = SelectField("Cargo company", validators=[Optional()])
    tracking_number = StringField("Tracking number", validators=[Optional(), Length(max=64)])
    shipment_date = DateTimeLocalField("Shipment date", validators=[Optional()])


class CargoCompanyForm(FlaskForm):
    cargo_company = SelectField("Default cargo company", coerce=int)


class PlainForm(FlaskForm):
    """A button that only needs its CSRF token."""
