"""Background work for documents: rendering a label after its pack commits, and batches.

Labels are asked for inside a transaction (``packing.core.shipping.request_label``) and
queued here only once that transaction has committed, so the worker sees the shipment and
a rolled-back pack never renders anything.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from packing.core import labels, print_batches
from packing.core.db import transaction
from packing.core.models import PrintBatch
from packing.core.shipping import take_labels_to_render
from packing.extensions import db
from packing.jobs import job

# The print room's progress bar moves once per this many documents.
PROGRESS_EVERY = 20


@job(retries=2, retry_delay=5)
def render_label(package_id: int) -> None:
    with transaction(db.session):
        labels.render_pending_label(db.session, package_id)


@job()
def build_print_batch(batch_id: int) -> None:
    build_batch(db.session, batch_id)


def build_batch(session: Session, batch_id: int, progress_every: int = PROGRESS_EVERY) -> PrintBatch:
    """Join the batch's documents into one PDF, committing its progress as it goes; a batch
    that fails is committed as failed, with the reason, and the error raised again."""
    with transaction(session):
        batch = print_batches.start_build(session, batch_id)
    try:
        pdfs = []
        for position, pdf in enumerate(print_batches.batch_documents(session, batch), start=1):
            pdfs.append(pdf)
            if position % progress_every == 0:
                with transaction(session):
                    batch.done = position
        with transaction(session):
            print_batches.finish_build(session, batch, pdfs)
    except Exception as error:
        session.rollback()
        with transaction(session):
            print_batches.fail_build(session, batch, error)
        raise
    return batch


@event.listens_for(Session, "after_commit")
def _queue_requested_labels(session: Session) -> None:
    for package_id in sorted(take_labels_to_render(session)):
        render_label(package_id)


@event.listens_for(Session, "after_rollback")
def _forget_requested_labels(session: Session) -> None:
    take_labels_to_render(session)
