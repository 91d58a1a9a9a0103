"""Labels for thermal printers and the store's printers: ZPL downloads of one label or a
batch (the PDF stays the default; these sit beside it), Print sent to a registered
printer by the worker, and a small picture of each label to look at before printing."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from packing.core import printers, zpl
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.label_content import LABEL_DPIS
from packing.core.label_preview import label_preview as label_preview_png
from packing.core.models import Package, PrintBatch, Printer, PrintJob, Role
from packing.core.print_room import LABEL
from packing.documents import bp
from packing.documents.tasks import send_print_job
from packing.extensions import db
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.web import (
    current_location,
    package_at_my_location,
    render,
    require_location,
    roles_required,
    safe_next,
)


def _requested_dpi() -> int | None:
    """``?dpi=300`` asks for another resolution than the carrier's; anything else is a 404."""
    text = request.args.get("dpi")
    if text is None:
        return None
    if text not in {str(dpi) for dpi in LABEL_DPIS}:
        abort(404)
    return int(text)


def _zpl(text: str, filename: str) -> Response:
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response = Response(text.encode("utf-8"), mimetype="application/zpl")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private"
    return response


def carrier_wants_zpl(package: Package) -> bool:
    """A carrier set to ZPL gets its labels as ZPL wherever a PDF would be printed."""
    return package.shipment is not None and package.shipment.cargo_company.label_format == "zpl"


@bp.get("/packages/<int:package_id>/label.zpl")
@roles_required(Role.PICKER, Role.LEAD)
def label_zpl(package_id: int):
    package = package_at_my_location(package_id)
    if package.shipment is None:
        abort(404)
    return _zpl(zpl.package_zpl(package, _requested_dpi()), f"label-{package.number}.zpl")


@bp.get("/print-room/batches/<int:batch_id>/batch.zpl")
@roles_required(Role.LEAD)
def batch_zpl(batch_id: int):
    batch = db.session.get(PrintBatch, batch_id)
    if batch is None or batch.stock_location_id != require_location().id or batch.document_type != LABEL:
        abort(404)
    return _zpl(zpl.packages_zpl(db.session, batch.package_ids, _requested_dpi()), f"labels-batch-{batch.id}.zpl")


# --- Sending to the store's printer ---------------------------------------------------


@bp.app_template_global()
def store_printer(document_type: str) -> Printer | None:
    """The printer a Print button at the user's store sends ``document_type`` to, if any."""
    cache = g.setdefault("store_printers", {})
    if document_type not in cache:
        location = current_location() if current_user.is_authenticated else None
        cache[document_type] = location and printers.default_printer(db.session, location.id, document_type)
    return cache[document_type]


@bp.app_template_global()
def print_return_path() -> str:
    """Where a Print sent to a printer comes back to: the page the button is on (for a
    partial that htmx swapped in, the page around it)."""
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        return current.path + (f"?{current.query}" if current.query else "")
    return request.full_path.rstrip("?") if request.method == "GET" else ""


def send_to_printer(package: Package, document_type: str) -> Response:
    """Queue the document for the store's printer, hand it to the worker, and come back to
    the page the button was on saying how it went (or that it is on its way)."""
    referrer = urlsplit(request.referrer or "")
    fallback = (
        referrer.path + (f"?{referrer.query}" if referrer.query else "") if referrer.netloc == request.host else ""
    )
    back = safe_next(request.form.get("next") or fallback, url_for(".package_documents", package_id=package.id))
    printer = printers.default_printer(db.session, package.stock_location_id, document_type)
    if printer is None:
        flash(_("No active printer here prints this document."), "error")
        return redirect(back, code=303)
    try:
        with transaction(db.session):
            job = printers.queue_print_job(db.session, printer, package, document_type, current_user)
    except DomainError as error:
        flash(error_message(error), "error")
        return redirect(back, code=303)
    job_id = job.id
    send_print_job(job_id)
    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    if job.status == printers.SENT:
        flash(_("Sent to {printer}.", printer=printer.name), "info")
    elif job.status in (printers.RETRYING, printers.FAILED):
        flash(print_job_problem(job), "error")
    else:
        flash(_("On its way to {printer}.", printer=printer.name), "info")
    return redirect(back, code=303)


@bp.app_template_global()
def recent_print_jobs(package: Package) -> list[PrintJob]:
    return printers.recent_print_jobs(db.session, package.id)


@bp.get("/print-jobs/<int:job_id>")
@roles_required(Role.PICKER, Role.LEAD)
def print_job(job_id: int):
    """One print job's line (the package page polls it while the worker has the job)."""
    job = db.session.get(PrintJob, job_id)
    if job is None:
        abort(404)
    package_at_my_location(job.package_id)
    return render("documents/_print_job.html", job=job)


@bp.app_template_global()
def print_job_problem(job: PrintJob) -> str:
    if job.status == printers.RETRYING:
        return _(
            "{printer} did not answer ({error}). Trying again shortly; check that it is on and connected.",
            printer=job.printer.name,
            error=job.error or "",
        )
    if not job.attempts:
        return _("Nothing was sent to {printer}: {error}", printer=job.printer.name, error=job.error or "")
    return _(
        "{printer} did not answer ({error}), even after {attempts} tries. Check it, then print again.",
        printer=job.printer.name,
        error=job.error or "",
        attempts=job.attempts,
    )


# --- Seeing a label before printing ---------------------------------------------------


@bp.get("/packages/<int:package_id>/label.png")
@roles_required(Role.PICKER, Role.LEAD)
def label_preview(package_id: int):
    """A small picture of the package's stored label (the print room and documents page)."""
    package = package_at_my_location(package_id)
    if package.shipment is None:
        abort(404)
    cache_dir = Path(current_app.config.get("LABEL_PREVIEW_DIR") or Path(current_app.instance_path) / "label-previews")
    with transaction(db.session):
        png, key = label_preview_png(db.session, package, cache_dir)
    response = Response(png, mimetype="image/png")
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
