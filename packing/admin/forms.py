"""The admin screens' forms: the form checks shapes, the domain (packing/core) the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.validators import Optional as Blank
from wtforms.widgets import CheckboxInput, ListWidget

from packing.core.case_barcodes import MAX_CASE_UNITS, MIN_CASE_UNITS
from packing.core.errors import DomainError
from packing.core.label_content import LABEL_DPIS, LABEL_FORMATS, LABEL_SIZES
from packing.core.messages import N_
from packing.core.models import Role
from packing.core.scanning import MAX_CODE_LENGTH
from packing.core.shipping import OWN_NUMBERS, PARCEL_TRACKING_CHOICES
from packing.core.stores import LOCATION_TYPES
from packing.forms import WholeNumberField
from packing.i18n import error_message

ROLE_CHOICES = [(Role.PICKER, N_("Picker")), (Role.LEAD, N_("Lead")), (Role.ADMIN, N_("Admin"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DomainErrorsForm(FlaskForm):
    def show_error(self, error: DomainError) -> None:
        """The error beside the field it names, else above the form."""
        field = getattr(self, error.field or "", None)
        if field is None and error.field == "location":
            field = getattr(self, "locations", None)
        (field.errors if field is not None else self.form_errors).append(error_message(error))


class ActionForm(FlaskForm):
    """A button's form: the CSRF token and nothing else."""


class UserForm(DomainErrorsForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    locations = CheckboxesField("Stock locations", coerce=int)


class EditUserForm(DomainErrorsForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    locations = CheckboxesField("Stock locations", coerce=int)


class PasswordForm(DomainErrorsForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )


class LocationForm(DomainErrorsForm):
    name = StringField("Name", validators=[Length(max=200)])
    erp_code = StringField("ERP code", validators=[Length(max=64)])
    stock_location_type = SelectField("Location type", choices=[(kind, kind) for kind in LOCATION_TYPES])
    address_line = StringField("Address", validators=[Length(max=512)])
    postcode = StringField("Postcode", validators=[Length(max=16)])
    daytime_phone = StringField("Phone", validators=[Length(max=32)])
    email = StringField("Email", validators=[Length(max=254)])
    time_zone = StringField("Time zone", validators=[Length(max=64)])
    default_cargo_company_id = SelectField("Default carrier")
    priority = WholeNumberField("Priority", validators=[Blank()])
    use_as_shipper_location = BooleanField("Ships from here (shipper address)")


class CarrierForm(DomainErrorsForm):
    name = StringField("Name", validators=[Length(max=100)])
    erp_code = StringField("ERP code", validators=[Length(max=64)])
    uuid = StringField("UUID", validators=[Length(max=36)])
    tracking_url_template = StringField("Tracking link", validators=[Length(max=300)])
    label_format = SelectField("Label format", choices=[(value, value.upper()) for value in LABEL_FORMATS])
    label_size = SelectField("Label size", choices=[(value, value) for value in LABEL_SIZES])
    label_dpi = SelectField("Print resolution (ZPL)", choices=[(dpi, f"{dpi} dpi") for dpi in LABEL_DPIS], coerce=int)
    # Choices are given in the reader's language by the view.
    parcel_tracking = SelectField("A package in several boxes", choices=PARCEL_TRACKING_CHOICES, default=OWN_NUMBERS)
    uses_sscc = BooleanField("An SSCC (GS1-128) on every box's label")


class CaseBarcodeForm(DomainErrorsForm):
    """The rules (unique barcode, units bounded) are packing/core/case_barcodes.py's."""

    barcode = StringField(
        "Case barcode", render_kw={"maxlength": MAX_CODE_LENGTH, "autocomplete": "off", "spellcheck": "false"}
    )
    quantity = WholeNumberField(
        "Units in the case", render_kw={"min": MIN_CASE_UNITS, "max": MAX_CASE_UNITS, "inputmode": "numeric"}
    )


class ImportForm(FlaskForm):
    document = FileField("OMS export (JSON)", validators=[FileRequired()])
