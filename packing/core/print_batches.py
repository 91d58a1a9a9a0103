"""Print batches: many packages' labels or packing slips joined into one PDF by a
background job, which builds a batch in steps and commits between them (started, progress
every few documents, done or failed): the functions here only flush."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Optional

import pypdfium2 as pdfium
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from packing.core.errors import InvalidParameter, NotFound
from packing.core.labels import label_pdf
from packing.core.models import BatchStatus, Package, PrintBatch, ShippingLabel, User
from packing.core.packing_slips import render_packing_slip_pdf
from packing.core.print_room import LABEL, PACKING_SLIP, record_print

BATCH_DOCUMENT_TYPES = (LABEL, PACKING_SLIP)
ERROR_MAX_LENGTH = 1000


def create_print_batch(
    session: Session, location_id: int, package_ids: list[int], document_type: str, user: Optional[User]
) -> PrintBatch:
    """A pending batch of the location's packages, in the order given (flushes)."""
    if document_type not in BATCH_DOCUMENT_TYPES:
        raise InvalidParameter("Choose labels or packing slips.", field="document_type")
    unique_ids = list(dict.fromkeys(package_ids))
    if not unique_ids:
        raise InvalidParameter("Choose at least one package.", field="package_ids")
    found = set(
        session.scalars(select(Package.id).where(Package.id.in_(unique_ids), Package.stock_location_id == location_id))
    )
    if len(found) != len(unique_ids):
        raise InvalidParameter("Some chosen packages are not at this stock location.", field="package_ids")
    if document_type == LABEL:
        without = session.scalars(
            select(Package.number).where(Package.id.in_(unique_ids), Package.shipment == None)  # noqa: E711
        ).all()
        if without:
            raise InvalidParameter(
                "Packed without shipment, so no label: {packages}.",
                packages=", ".join(sorted(without)[:5]),
                field="package_ids",
            )
    batch = PrintBatch(
        stock_location_id=location_id,
        user_id=user.id if user else None,
        document_type=document_type,
        package_ids=unique_ids,
        status=BatchStatus.PENDING,
        done=0,
    )
    session.add(batch)
    session.flush()
    return batch


def retry_print_batch(session: Session, location_id: int, batch_id: int) -> PrintBatch:
    """Put a failed batch of the location back in line, from its first document (the
    caller commits, then queues its build). One conditional update, so of two leads who
    press Try again at once only one restarts it."""
    restarted = session.execute(
        update(PrintBatch)
        .where(
            PrintBatch.id == batch_id,
            PrintBatch.stock_location_id == location_id,
            PrintBatch.status == BatchStatus.FAILED,
        )
        .values(status=BatchStatus.PENDING, done=0, error=None, finished_date=None)
    ).rowcount
    batch = session.get(PrintBatch, batch_id, populate_existing=True)
    if batch is None or batch.stock_location_id != location_id:
        raise NotFound("No such print batch.")
    if not restarted:
        raise InvalidParameter("Only a failed batch can be started again.", field="batch")
    return batch


# PDFium is not thread-safe, and the worker runs tasks on threads.
PDFIUM_LOCK = threading.Lock()


def join_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One PDF of all the pages of ``pdfs``, in order. PDFium copies pages without
    re-parsing them in Python: a tenth of pypdf's time for a batch of labels."""
    with PDFIUM_LOCK:
        joined = pdfium.PdfDocument.new()
        try:
            for pdf in pdfs:
                source = pdfium.PdfDocument(pdf)
                try:
                    joined.import_pages(source)
                finally:
                    source.close()
            out = io.BytesIO()
            joined.save(out)
        finally:
            joined.close()
    return out.getvalue()


# --- Building a batch, step by step ---------------------------------------------------


def start_build(session: Session, batch_id: int) -> PrintBatch:
    batch = session.get(PrintBatch, batch_id)
    if batch is None:
        raise NotFound("No such print batch.")
    batch.status, batch.done, batch.error = BatchStatus.RUNNING, 0, None
    session.flush()
    return batch


def batch_documents(session: Session, batch: PrintBatch) -> Iterator[bytes]:
    """Each of the batch's documents, in order. Stored labels are read in one query and
    copied; a label the queue has not rendered yet is rendered and stored on the way
    (flushes)."""
    stored: dict[int, bytes] = {}
    if batch.document_type == LABEL:
        labels = select(ShippingLabel.package_id, ShippingLabel.pdf).where(
            ShippingLabel.package_id.in_(batch.package_ids)
        )
        stored = dict(session.execute(labels).all())
    for package_id in batch.package_ids:
        pdf = stored.get(package_id)
        if pdf is None:
            package = session.get(Package, package_id)
            pdf = label_pdf(session, package) if batch.document_type == LABEL else render_packing_slip_pdf(package)
        yield pdf


def finish_build(session: Session, batch: PrintBatch, pdfs: list[bytes]) -> None:
    """The batch's PDF is ``pdfs`` joined; each package's print is recorded with the batch."""
    batch.pdf = join_pdfs(pdfs)
    batch.done = len(batch.package_ids)
    batch.status = BatchStatus.DONE
    batch.finished_date = datetime.now(UTC)
    record_print(session, batch.package_ids, batch.document_type, None, batch)


def fail_build(session: Session, batch: PrintBatch, error: Exception) -> None:
    batch.status, batch.error = BatchStatus.FAILED, str(error)[:ERROR_MAX_LENGTH]
    session.flush()
