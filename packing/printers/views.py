"""The printers screen: a store's printers, listed, added and changed by its leads."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for

from packing.core import printers
from packing.core.db import transaction
from packing.core.errors import DomainError, NotFound
from packing.core.models import Printer, Role
from packing.extensions import db
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.printers import bp
from packing.printers.forms import PrinterForm
from packing.web import render, require_location, roles_required


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
                allowed_hosts=current_app.config["PRINTER_ALLOWED_HOSTS"],
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
