"""Documents: label, invoice and packing-slip downloads, and the shift lead's print room."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, request, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import select

from packing.core import invoicing, print_batches, shipping
from packing.core.db import transaction
from packing.core.errors import DomainError, NotFound
from packing.core.labels import label_pdf
from packing.core.models import BatchStatus, CargoCompany, Package, PrintBatch, PrintRecord, Role, User
from packing.core.packing_slips import render_packing_slip_pdf
from packing.core.parsing import parse_ids
from packing.core.print_room import (
    DOCUMENT_TYPES,
    INVOICE,
    LABEL,
    PACKING_SLIP,
    find_packages,
    packages_awaiting_labels,
    packed_today,
    print_counts,
    record_print,
)
from packing.core.rendering import TEMPLATES_DIR
from packing.documents import bp, printing, tasks
from packing.documents.forms import BatchForm, CargoCompanyForm, InvoiceNumberForm, PlainForm, ShipmentForm
from packing.extensions import db
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.web import package_at_my_location, register_nav, render, require_location, roles_required, safe_next

register_nav("Print room", "documents.print_room", (Role.LEAD,), order=20)


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    """A document the domain cannot make (a package number too long for a barcode, ...)."""
    return render("error.html", status=422, code=422, message=error_message(error))


def _cargo_companies() -> list[CargoCompany]:
    active = select(CargoCompany).where(CargoCompany.is_active.is_(True)).order_by(CargoCompany.name)
    return list(db.session.scalars(active))


def _pdf(pdf: bytes, filename: str) -> Response:
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private"
    return response


# --- Looking at documents -------------------------------------------------------------
# Opening a PDF shows it and records nothing: a lead may look at a label many times before
# printing it. Printing is its own action (print_document, below) that writes the print log.


@bp.get("/packages/<int:package_id>/label.pdf")
@roles_required(Role.PICKER, Role.LEAD)
def label(package_id: int):
    package = package_at_my_location(package_id)
    if package.shipment is None:
        abort(404)
    with transaction(db.session):  # the label is rendered and stored if the queue has not yet
        pdf = label_pdf(db.session, package)
    return _pdf(pdf, f"label-{package.number}.pdf")


@bp.get("/packages/<int:package_id>/packing-slip.pdf")
@roles_required(Role.PICKER, Role.LEAD)
def packing_slip(package_id: int):
    package = package_at_my_location(package_id)
    return _pdf(render_packing_slip_pdf(package), f"packing-slip-{package.number}.pdf")


def _invoice_of(package_id: int):
    package = package_at_my_location(package_id)
    if package.invoice is None:
        abort(404)
    return package, package.invoice


@bp.get("/packages/<int:package_id>/invoice.pdf")
@roles_required(Role.LEAD)
def invoice(package_id: int):
    package, invoice = _invoice_of(package_id)
    return _pdf(invoicing.render_invoice_pdf(invoice), f"invoice-{invoice.number or package.number}.pdf")


# --- Printing -------------------------------------------------------------------------

# The URL's name of each printable document: its type in the print log, and the view that
# shows it.
PRINTABLE = {
    "label": (LABEL, ".label"),
    "packing-slip": (PACKING_SLIP, ".packing_slip"),
    "invoice": (INVOICE, ".invoice"),
}


@bp.post("/packages/<int:package_id>/print/<document>")
@roles_required(Role.PICKER, Role.LEAD)
def print_document(package_id: int, document: str):
    """Record that the document is printed, then show it to print (303 to its PDF); or,
    asked ``to_printer``, send it to the store's printer from the worker."""
    if document not in PRINTABLE:
        abort(404)
    document_type, view = PRINTABLE[document]
    if document_type == INVOICE and current_user.role == Role.PICKER:
        abort(403)
    if not PlainForm().validate_on_submit():
        abort(400)
    package = package_at_my_location(package_id)
    if (document_type == LABEL and package.shipment is None) or (document_type == INVOICE and package.invoice is None):
        abort(404)
    if request.form.get("to_printer"):
        return printing.send_to_printer(package, document_type)
    with transaction(db.session):
        if document_type == LABEL:
            label_pdf(db.session, package)  # a label that cannot be made is not printed
        record_print(db.session, [package.id], document_type, current_user)
    if document_type == LABEL and printing.carrier_wants_zpl(package):
        view = ".label_zpl"
    return redirect(url_for(view, package_id=package.id), code=303)


@bp.get("/packages/<int:package_id>/invoice.html")
@roles_required(Role.LEAD)
def invoice_html(package_id: int):
    _, invoice = _invoice_of(package_id)
    html = invoicing.render_invoice_html(invoice, stylesheet_href=url_for("documents.document_css"), paged=False)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private"
    return response


@bp.get("/document.css")
def document_css():
    """The A4 documents' stylesheet, for the invoice shown in a browser."""
    return send_from_directory(TEMPLATES_DIR, "document.css", mimetype="text/css")


# --- One package's documents ----------------------------------------------------------


def _package_page(package: Package, status: int = 200, **forms):
    counts = {kind: print_counts(db.session, [package.id], kind).get(package.id, 0) for kind in DOCUMENT_TYPES}
    history = db.session.execute(
        select(PrintRecord, User.username)
        .outerjoin(User, User.id == PrintRecord.user_id)
        .where(PrintRecord.package_id == package.id)
        .order_by(PrintRecord.created_date.desc(), PrintRecord.id.desc())
        .limit(50)
    ).all()
    shipment_form = forms.get("shipment_form") or ShipmentForm(
        shipping_company=package.shipment.cargo_company.erp_code if package.shipment else None,
        tracking_number=package.tracking_number,
        shipment_date=package.shipment_date,
    )
    shipment_form.shipping_company.choices = [(c.erp_code, c.name) for c in _cargo_companies()]
    return render(
        "documents/package.html",
        package=package,
        counts=counts,
        history=history,
        invoice_form=forms.get("invoice_form") or PlainForm(),
        number_form=forms.get("number_form") or InvoiceNumberForm(invoice_number=package.invoice_number),
        shipment_form=shipment_form,
        status=status,
    )


@bp.get("/packages/<int:package_id>")
@roles_required(Role.LEAD)
def package_documents(package_id: int):
    return _package_page(package_at_my_location(package_id))


@bp.post("/packages/<int:package_id>/invoice")
@roles_required(Role.LEAD)
def create_invoice(package_id: int):
    package = package_at_my_location(package_id)
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction(db.session):
            invoicing.create_invoice(db.session, package, current_user)
    except DomainError as error:
        flash(error_message(error), "error")
        return _package_page(package, status=400)
    flash(_("Invoice created."), "info")
    return redirect(url_for(".package_documents", package_id=package.id), code=303)


@bp.post("/packages/<int:package_id>/invoice-number")
@roles_required(Role.LEAD)
def set_invoice_number(package_id: int):
    package = package_at_my_location(package_id)
    form = InvoiceNumberForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                invoicing.set_invoice_number(db.session, package, form.invoice_number.data)
        except DomainError as error:
            form.invoice_number.errors.append(error_message(error))
        else:
            flash(_("Invoice number saved."), "info")
            return redirect(url_for(".package_documents", package_id=package.id), code=303)
    return _package_page(db.session.get(Package, package.id), status=400, number_form=form)


@bp.post("/packages/<int:package_id>/shipment")
@roles_required(Role.LEAD)
def update_shipment(package_id: int):
    package = package_at_my_location(package_id)
    form = ShipmentForm()
    form.shipping_company.choices = [(c.erp_code, c.name) for c in _cargo_companies()]
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                shipping.update_shipment_info(
                    db.session,
                    package,
                    tracking_number=form.tracking_number.data or None,
                    shipping_company=form.shipping_company.data or None,
                    shipment_date=form.shipment_date.data,
                )
        except DomainError as error:
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None else form.tracking_number.errors).append(error_message(error))
        else:
            flash(_("Shipment updated; the label is being printed anew."), "info")
            return redirect(url_for(".package_documents", package_id=package.id), code=303)
    return _package_page(db.session.get(Package, package.id), status=400, shipment_form=form)


# --- The print room -------------------------------------------------------------------


def _print_room_page(status: int = 200, **forms):
    location = require_location()
    waiting = packages_awaiting_labels(db.session, location.id)
    query = request.args.get("q", "")
    cargo_form = forms.get("cargo_form") or CargoCompanyForm(cargo_company=location.default_cargo_company_id)
    cargo_form.cargo_company.choices = [(c.id, c.name) for c in _cargo_companies()]
    batches = db.session.scalars(
        select(PrintBatch).where(PrintBatch.stock_location_id == location.id).order_by(PrintBatch.id.desc()).limit(10)
    ).all()
    return render(
        "documents/print_room.html",
        location=location,
        waiting=waiting,
        query=query,
        found=find_packages(db.session, location.id, query),
        batch_form=forms.get("batch_form") or BatchForm(),
        cargo_form=cargo_form,
        batches=batches,
        status=status,
    )


@bp.get("/print-room")
@roles_required(Role.LEAD)
def print_room():
    return _print_room_page()


@bp.post("/print-room/batches")
@roles_required(Role.LEAD)
def start_batch():
    location = require_location()
    form = BatchForm()
    if not form.validate_on_submit():
        return _print_room_page(status=400, batch_form=form)
    scope = request.form.get("scope")
    try:
        if scope == "today":
            package_ids = packed_today(db.session, location.id)
        elif scope == "waiting":
            package_ids = [package.id for package in packages_awaiting_labels(db.session, location.id)]
        else:
            package_ids = parse_ids(request.form.getlist("package_ids"), "package_ids")
        with transaction(db.session):
            batch = print_batches.create_print_batch(
                db.session, location.id, package_ids, form.document_type.data, current_user
            )
    except DomainError as error:
        form.document_type.errors.append(error_message(error))
        return _print_room_page(status=400, batch_form=form)
    tasks.build_print_batch(batch.id)
    return redirect(url_for(".batch", batch_id=batch.id), code=303)


def _batch_at_my_location(batch_id: int) -> PrintBatch:
    batch = db.session.get(PrintBatch, batch_id)
    if batch is None or batch.stock_location_id != require_location().id:
        abort(404)
    return batch


@bp.get("/print-room/batches/<int:batch_id>")
@roles_required(Role.LEAD)
def batch(batch_id: int):
    return render("documents/batch.html", partial="documents/_batch.html", batch=_batch_at_my_location(batch_id))


@bp.post("/print-room/batches/<int:batch_id>/retry")
@roles_required(Role.LEAD)
def retry_batch(batch_id: int):
    try:
        with transaction(db.session):
            print_batches.retry_print_batch(db.session, require_location().id, batch_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error_message(error), "error")
        return redirect(url_for(".batch", batch_id=batch_id), code=303)
    tasks.build_print_batch(batch_id)
    return redirect(url_for(".batch", batch_id=batch_id), code=303)


@bp.get("/print-room/batches/<int:batch_id>/batch.pdf")
@roles_required(Role.LEAD)
def batch_download(batch_id: int):
    batch = _batch_at_my_location(batch_id)
    if batch.status != BatchStatus.DONE or batch.pdf is None:
        abort(404)
    return _pdf(batch.pdf, f"{batch.document_type.replace('_', '-')}s-batch-{batch.id}.pdf")


@bp.post("/print-room/cargo-company")
@roles_required(Role.LEAD)
def set_default_cargo_company():
    location = require_location()
    form = CargoCompanyForm()
    form.cargo_company.choices = [(c.id, c.name) for c in _cargo_companies()]
    if not form.validate_on_submit():
        return _print_room_page(status=400, cargo_form=form)
    with transaction(db.session):
        location.default_cargo_company_id = form.cargo_company.data
    flash(_("Default cargo company saved."), "info")
    return redirect(safe_next(request.form.get("next"), url_for(".print_room")), code=303)
