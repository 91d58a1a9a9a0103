"""The worker's side of printing: send a print job to its printer, trying again a little
later when the printer does not answer."""

from __future__ import annotations

from typing import Optional

from huey.api import Task

from packing.core import printers
from packing.core.db import transaction
from packing.extensions import db
from packing.jobs import job

ATTEMPTS = 3


@job(retries=ATTEMPTS - 1, retry_delay=15, context=True)
def send_print_job(job_id: int, task: Optional[Task] = None) -> None:
    printers.deliver_print_job(db.session, job_id, final_attempt=task is None or not task.retries)


def print_label_on_pack(package_id: int) -> None:
    """Send a freshly packed package's label to the store's print-on-pack printer, if any."""
    with transaction(db.session):
        queued = printers.queue_label_on_pack(db.session, package_id)
    if queued is not None:
        send_print_job(queued.id)
