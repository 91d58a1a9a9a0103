"""Labels for thermal printers: ZPL downloads of one label or a batch (the PDF stays the
default; these sit beside it)."""

from __future__ import annotations

import re

from flask import Response, abort, request

from packing.core import documents, zpl
from packing.core.label_content import LABEL_DPIS
from packing.core.models import PrintBatch, Role
from packing.documents import bp
from packing.extensions import db
from packing.web import package_at_my_location, require_location, roles_required


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
    if batch is None or batch.stock_location_id != require_location().id or batch.document_type != documents.LABEL:
        abort(404)
    return _zpl(zpl.packages_zpl(db.session, batch.package_ids, _requested_dpi()), f"labels-batch-{batch.id}.zpl")
