"""The token screen's forms: issuing a key for a user and stock locations, revoking one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from packing.core.api_tokens import all_locations
from packing.core.models import User
from packing.extensions import db


class TokenForm(FlaskForm):
    user = SelectField("User", coerce=int, validators=[DataRequired()])
    name = StringField("Name", validators=[Length(max=100)])
    locations = SelectMultipleField(
        "Stock locations",
        coerce=int,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )


class RevokeForm(FlaskForm):
    pass


def token_form() -> TokenForm:
    """The issuing form, offering the active users and every stock location."""
    form = TokenForm()
    users = db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.username))
    form.user.choices = [(user.id, f"{user.username} ({user.role})") for user in users]
    form.locations.choices = [(loc.id, f"{loc.name} ({loc.erp_code})") for loc in all_locations(db.session)]
    return form
