"""The subscription form, and how a subscription's headers and retry strategy are read and
written (the screen's and the CLI's)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional as Blank
from wtforms.widgets import CheckboxInput, ListWidget

from packing.core import webhooks
from packing.core.errors import DomainError
from packing.core.events import EVENT_TYPES
from packing.core.messages import N_
from packing.forms import Seconds, WholeNumberField
from packing.i18n import error_message
from packing.i18n import gettext as _

# No retry number a form may carry is larger (a year of seconds).
MAX_RETRY_NUMBER = 366 * 86400
RETRY_CHOICES = [("exponential", N_("Exponential")), ("linear", N_("Linear")), ("fixed", N_("Fixed"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    target_url = StringField("Target URL")
    event_types = CheckboxesField("Event types", choices=[(name, name) for name in EVENT_TYPES])
    secret_key = StringField("Secret key")
    additional_headers = TextAreaField("Additional headers")
    # A callable: WTForms calls it as each form is made, so the labels are in the user's language.
    retry_choice = SelectField("Retry strategy", choices=lambda: [(value, _(label)) for value, label in RETRY_CHOICES])
    # Malformed numbers (text, NaN, 1e308) are the form's own error; what the numbers may be
    # is the domain's rule.
    retry_base = StringField("Base", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_factor = StringField("Factor", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_seconds = StringField("Seconds", validators=[Seconds(MAX_RETRY_NUMBER)])
    retry_limit = StringField("Longest wait (seconds)", validators=[Seconds(MAX_RETRY_NUMBER)])
    max_retries = WholeNumberField("Retries before giving up", validators=[Blank()])
    timeout_seconds = WholeNumberField("Timeout (seconds)", validators=[Blank()])
    is_active = BooleanField("Active")

    def fill_from(self, hook) -> None:
        config = hook.retry_countdown_config
        kwargs = config.get("kwargs", {})
        self.target_url.data = hook.target_url
        self.event_types.data = list(hook.event_types or [hook.event_type])
        self.additional_headers.data = "\n".join(f"{name}: {value}" for name, value in hook.additional_headers.items())
        self.retry_choice.data = config.get("choice")
        for name in ("base", "factor", "seconds", "limit"):
            value = kwargs.get(name)
            getattr(self, f"retry_{name}").data = "" if value is None else str(value)
        self.max_retries.data = hook.max_retries
        self.timeout_seconds.data = hook.timeout_seconds
        self.is_active.data = hook.is_active

    def fields_for_domain(self) -> dict[str, Any]:
        """What the domain validates; headers that cannot be read are the form's own error."""
        choice = self.retry_choice.data
        required, optional = webhooks.RETRY_KWARGS.get(choice, ((), ()))
        kwargs = {name: getattr(self, f"retry_{name}").data for name in (*required, *optional)}
        return {
            "target_url": self.target_url.data,
            "event_types": self.event_types.data,
            "secret_key": self.secret_key.data,
            "additional_headers": parse_headers((self.additional_headers.data or "").splitlines()),
            "retry_countdown_config": {"choice": choice, "kwargs": kwargs},
            "max_retries": self.max_retries.data,
            "timeout_seconds": self.timeout_seconds.data,
            "is_active": self.is_active.data,
        }

    def show_error(self, error: DomainError) -> None:
        field = getattr(self, error.field or "", None)
        if field is None and (error.field or "").startswith("retry_"):
            field = self.retry_choice
        (field.errors if field is not None else self.form_errors).append(error_message(error))


def allowed_hosts() -> list[str]:
    """Hosts an operator allows webhooks to reach on private addresses (the config's)."""
    return current_app.config["WEBHOOK_ALLOWED_HOSTS"]


def parse_headers(lines) -> dict[str, str]:
    """``Name: value`` (screen) or ``Name=value`` (CLI) lines to a dict."""
    headers = {}
    for line in lines:
        if not line.strip():
            continue
        separator = ":" if ":" in line else "="
        name, found, value = line.partition(separator)
        if not found or not name.strip():
            raise webhooks.InvalidParameter(
                "Header line '{line}' needs a name and a value.", line=line.strip(), field="additional_headers"
            )
        headers[name.strip()] = value.strip()
    return headers


def retry_summary(config: dict) -> str:
    """A retry strategy as one line: ``linear(base=30, limit=600)``."""
    kwargs = ", ".join(f"{name}={value}" for name, value in config.get("kwargs", {}).items())
    return f"{config.get('choice')}({kwargs})"
