"""Printers screen (leads for their store, admins): register the store's label and document
printers, the only addresses the worker ever sends print jobs to."""

from __future__ import annotations

import click
from flask import Blueprint, abort, flash, redirect, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from packing.core import printers
from packing.core.db import transaction
from packing.core.errors import DomainError, NotFound
from packing.core.label_content import DEFAULT_LABEL_SIZE, LABEL_DPIS, LABEL_FORMATS, LABEL_SIZES
from packing.core.messages import N_
from packing.core.models import CargoCompany, Printer, Role
from packing.extensions import db
from packing.forms import WholeNumberField
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.web import register_nav, render, require_location, roles_required

bp = Blueprint("printers", __name__, url_prefix="/printers")
register_nav("Printers", "printers.index", (Role.LEAD,), order=25)

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


def _page(form: PrinterForm, status: int = 200):
    location = require_location()
    return render(
        "printers/index.html",
        status=status,
        location=location,
        form=form,
        printers=printers.printers_at(db.session, location.id),
    )


def _save(form: PrinterForm, printer: Printer | None) -> bool:
    try:
        with transaction(db.session):
            printers.save_printer(
                db.session,
                require_location().id,
                name=form.name.data or "",
                kind=form.kind.data,
                host=form.host.data or "",
                port=form.port.data,
                dpi=form.dpi.data,
                ipp_path=form.ipp_path.data or "/ipp/print",
                print_on_pack=form.print_on_pack.data,
                is_active=form.is_active.data,
                printer=printer,
            )
    except DomainError as error:
        target = getattr(form, error.field, None) if error.field else None
        (target.errors if target is not None else form.name.errors).append(error_message(error))
        return False
    return True


def _printer(printer_id: int) -> Printer:
    try:
        return printers.printer_at(db.session, require_location().id, printer_id)
    except NotFound:
        abort(404)


@bp.cli.command("carrier-label")
@click.argument("erp_code")
@click.option("--format", "label_format", type=click.Choice(LABEL_FORMATS), required=True)
@click.option("--dpi", type=click.Choice([str(dpi) for dpi in LABEL_DPIS]), default="203", show_default=True)
@click.option("--size", type=click.Choice(list(LABEL_SIZES)), default=DEFAULT_LABEL_SIZE, show_default=True)
def carrier_label_command(erp_code: str, label_format: str, dpi: str, size: str) -> None:
    """Set how the cargo company ERP_CODE wants its labels (flask printers carrier-label ...)."""
    company = db.session.scalar(select(CargoCompany).where(CargoCompany.erp_code == erp_code))
    if company is None:
        raise click.ClickException(f"No cargo company {erp_code}.")
    with transaction(db.session):
        company.label_format, company.label_dpi, company.label_size = label_format, int(dpi), size
    click.echo(f"{company.name} labels: {label_format.upper()}, {dpi} dpi, {size}.")


@bp.get("/")
@roles_required(Role.LEAD)
def index():
    return _page(PrinterForm())


@bp.post("/")
@roles_required(Role.LEAD)
def create():
    form = PrinterForm()
    if not form.validate_on_submit() or not _save(form, None):
        return _page(form, status=400)
    flash(_("Printer saved."), "info")
    return redirect(url_for(".index"), code=303)


@bp.get("/<int:printer_id>")
@roles_required(Role.LEAD)
def edit(printer_id: int):
    printer = _printer(printer_id)
    return render("printers/edit.html", printer=printer, form=PrinterForm(obj=printer))


@bp.post("/<int:printer_id>")
@roles_required(Role.LEAD)
def update(printer_id: int):
    printer = _printer(printer_id)
    form = PrinterForm()
    if not form.validate_on_submit() or not _save(form, printer):
        return render("printers/edit.html", status=400, printer=printer, form=form)
    flash(_("Printer saved."), "info")
    return redirect(url_for(".index"), code=303)
