"""Background work for documents: rendering a label after its pack commits, and batches.

Labels are asked for inside a transaction (``packing.core.shipping.request_label``) and
queued here only once that transaction has committed, so the worker sees the shipment and
a rolled-back pack never renders anything.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from packing.core import documents
from packing.extensions import db
from packing.jobs import job
from packing.printers import tasks as printer_tasks


@job(retries=2, retry_delay=5)
def render_label(package_id: int) -> None:
    documents.render_pending_label(db.session, package_id)
    printer_tasks.print_label_on_pack(package_id)


@job()
def build_print_batch(batch_id: int) -> None:
    documents.build_print_batch(db.session, batch_id)


@event.listens_for(Session, "after_commit")
def _queue_requested_labels(session: Session) -> None:
    for package_id in sorted(documents.take_labels_to_render(session)):
        render_label(package_id)


@event.listens_for(Session, "after_rollback")
def _forget_requested_labels(session: Session) -> None:
    documents.take_labels_to_render(session)
