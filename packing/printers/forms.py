"""The printers screen's form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from packing.core import printers
from packing.core.messages import N_
from packing.forms import WholeNumberField

KIND_CHOICES = [
    (printers.RAW, N_("ZPL labels, raw TCP (port 9100)")),
    (printers.IPP, N_("PDF documents, IPP (port 631)")),
]


class PrinterForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    kind = SelectField("Connection", choices=KIND_CHOICES, default=printers.RAW)
    host = StringField("Host name or IP address", validators=[DataRequired(), Length(max=253)])
    port = WholeNumberField("Port", minimum=1, maximum=65535)
    dpi = SelectField("ZPL resolution", coerce=int, choices=[(203, "203 dpi"), (300, "300 dpi")], default=203)
    ipp_path = StringField("IPP path", default="/ipp/print", validators=[Length(max=200)])
    print_on_pack = BooleanField("Print every packed package's label here")
    is_active = BooleanField("Active", default=True)
