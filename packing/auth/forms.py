"""The sign-in form and the account page's choices of stock location and language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from packing.i18n import LOCALES


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class LocationForm(FlaskForm):
    location = SelectField("Stock location", coerce=int)


class LocaleForm(FlaskForm):
    locale = SelectField("Language", choices=list(LOCALES.items()))
