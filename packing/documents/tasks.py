"""Background work for documents: rendering a label after its pack commits, batches, and
sending documents to the store's printers.

Labels are asked for inside a transaction (``packing.core.shipping.request_label``) and
queued here only once that transaction has committed, so the worker sees the shipment and
a rolled-back pack never renders anything.
"""

from __future__ import annotations

from typing import Optional

from flask import current_app
from huey.api import Task
from sqlalchemy import event
from sqlalchemy.orm import Session

from packing.core import labels, print_batches, printers
from packing.core.db import transaction
from packing.core.errors import DomainError, PrinterUnreachable
from packing.core.models import PrintBatch, PrintJob
from packing.core.shipping import take_labels_to_render
from packing.extensions import db
from packing.jobs import job

# The print room's progress bar moves once per this many documents.
PROGRESS_EVERY = 20
# Tries at sending a print job before it is marked failed.
PRINT_ATTEMPTS = 3


@job(retries=2, retry_delay=5)
def render_label(package_id: int) -> None:
    with transaction(db.session):
        labels.render_pending_label(db.session, package_id)
    print_label_on_pack(package_id)


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


@job(retries=PRINT_ATTEMPTS - 1, retry_delay=15, context=True)
def send_print_job(job_id: int, task: Optional[Task] = None) -> None:
    deliver_print_job(db.session, job_id, final_attempt=task is None or not task.retries)


def deliver_print_job(
    session: Session, job_id: int, *, final_attempt: bool, timeout: float = printers.SEND_TIMEOUT_SECONDS
) -> Optional[PrintJob]:
    """Send the job to its printer once and commit how it went. Unless this was the last
    attempt, a printer that does not answer raises PrinterUnreachable again, so that the
    worker tries later."""
    job = printers.job_to_send(session, job_id)
    if job is None:
        return None
    try:
        with transaction(session):
            printers.check_printer(job.printer, current_app.config["PRINTER_ALLOWED_HOSTS"])
            data, media_type = printers.job_document(session, job)
    except DomainError as error:
        with transaction(session):
            printers.record_failure(session, job, error, final_attempt=True, sent=False)
        return job
    try:
        printers.send(
            job.printer,
            data,
            media_type,
            job_name=f"{job.document_type}-{job.package_id}",
            timeout=timeout,
            allowed_hosts=current_app.config["PRINTER_ALLOWED_HOSTS"],
        )
    except PrinterUnreachable as error:
        with transaction(session):
            printers.record_failure(session, job, error, final_attempt=final_attempt, sent=True)
        if not final_attempt:
            raise
        return job
    with transaction(session):
        printers.record_sent(session, job)
    return job


def print_label_on_pack(package_id: int) -> None:
    """Send a freshly packed package's label to the store's print-on-pack printer, if any."""
    with transaction(db.session):
        queued = printers.queue_label_on_pack(db.session, package_id)
    if queued is not None:
        send_print_job(queued.id)


@event.listens_for(Session, "after_commit")
def _queue_requested_labels(session: Session) -> None:
    for package_id in sorted(take_labels_to_render(session)):
        render_label(package_id)


@event.listens_for(Session, "after_rollback")
def _forget_requested_labels(session: Session) -> None:
    take_labels_to_render(session)
