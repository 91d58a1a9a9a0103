"""Webhook delivery on the task queue, driven by a poll of the outbox in the worker.

A request that changes a package only writes outbox rows; it neither serialises the package
for them nor talks to the queue (an enqueue on the default SQLite queue costs a disk sync,
about a third of a pack: see docs/webhooks.md). Instead every worker process polls the
outbox once a second (``POLL_SECONDS``): it takes the waiting package snapshots, then hands
each due event to a delivery task. The poll is also what makes retries happen on schedule
and what recovers events whose delivery was cut short by a killed worker: nothing needs to
be remembered outside the database.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Optional

from flask import current_app

from packing.core import events, webhooks
from packing.core.db import is_database_unavailable, lock_package, transaction
from packing.core.models import Package, WebhookEvent, utcnow
from packing.extensions import db
from packing.jobs import job, worker_service

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# After failed polls (the database is away) the wait doubles up to this, so a long outage
# costs one log line a minute, not sixty with a traceback each.
MAX_BACKOFF_SECONDS = 60.0
# A due event handed to the queue is not handed over again by the same process for this
# long, unless it becomes due anew (a retry time or an expired lease moves next_retry_date).
REQUEUE_AFTER_SECONDS = 300.0

_handed_over: dict[tuple[int, Optional[datetime]], float] = {}
_handed_over_lock = threading.Lock()


def now() -> datetime:
    """The delivery clock (tests replace it to walk through a retry schedule)."""
    return utcnow()


def attempt(event_id: int) -> Optional[str]:
    """One delivery attempt, if the event is due and first in its package's line; returns
    the event's status afterwards, or None when it was not sent."""
    with transaction(db.session):
        claimed = webhooks.claim(
            db.session, event_id, now(), lease_margin_seconds=current_app.config["WEBHOOK_LEASE_MARGIN_SECONDS"]
        )
    if claimed is None:
        return None
    outcome = webhooks.send(claimed, allowed_hosts=current_app.config["WEBHOOK_ALLOWED_HOSTS"])
    with transaction(db.session):
        return webhooks.record(db.session, claimed, outcome, now()).status


def deliver_line(event_id: int) -> None:
    """Deliver an event, then the events of the same package queued behind it."""
    _snapshot_if_waiting(event_id)
    next_id: Optional[int] = event_id
    while next_id is not None:
        if attempt(next_id) not in (webhooks.DELIVERED, webhooks.FAILED):
            return
        with transaction(db.session):
            next_id = webhooks.next_in_line(db.session, next_id)


def _snapshot_if_waiting(event_id: int) -> None:
    with transaction(db.session):
        event = db.session.get(WebhookEvent, event_id)
        if event is not None and not event.payload_ready:
            events.complete_snapshots(db.session, lock_package(db.session, event.object_id))


def take_snapshots() -> int:
    """Fill the payload of every event still waiting for its package snapshot.

    The packages are serialised outside any write (the slow part), then their events are
    filled in one short write transaction, for each package still at the version it was
    serialised at; one that a command changed meanwhile had its events completed by that
    command, or is taken again at the next poll."""
    taken = 0
    while True:
        serialised = []
        with transaction(db.session):
            for package_id in webhooks.packages_awaiting_snapshot(db.session):
                package = db.session.get(Package, package_id)
                serialised.append((package_id, package.version, events.snapshot(db.session, package)))
        filled = 0
        with transaction(db.session):
            for package_id, version, body in serialised:
                if webhooks.lock_if_unchanged(db.session, package_id, version):
                    filled += events.fill_snapshots(db.session, package_id, body)
        taken += filled
        if len(serialised) < webhooks.SNAPSHOT_BATCH or not filled:
            return taken


def sweep_due() -> list[int]:
    """One poll: take waiting snapshots, then queue every due event (each once per time it
    falls due); returns the ids handed to the queue."""
    take_snapshots()
    polled_at = now()
    with transaction(db.session):
        due = webhooks.due_events(db.session, polled_at)
    handed = [event_id for event_id, due_at in due if _hand_over_once(event_id, due_at)]
    for event_id in handed:
        deliver_events([event_id])
    return handed


def _hand_over_once(event_id: int, due_at: Optional[datetime]) -> bool:
    key, moment = (event_id, due_at), time.monotonic()
    with _handed_over_lock:
        for old_key, handed_at in list(_handed_over.items()):
            if moment - handed_at > REQUEUE_AFTER_SECONDS:
                del _handed_over[old_key]
        if key in _handed_over:
            return False
        _handed_over[key] = moment
        return True


@job()
def deliver_events(event_ids: list[int]) -> None:
    """Deliver these events (oldest first) and whatever each was holding back."""
    for event_id in sorted(event_ids):
        deliver_line(event_id)


@job()
def sweep() -> None:
    """One poll of the outbox: the worker runs it every second; enqueue it to poll at once."""
    sweep_due()


def wait_after(failures: int) -> float:
    """Seconds until the next poll after ``failures`` failed polls in a row."""
    return min(POLL_SECONDS * 2**failures, MAX_BACKOFF_SECONDS) if failures else POLL_SECONDS


def poll_once(failures: int) -> int:
    """One poll of the outbox; returns how many polls in a row have failed after it. A
    database that is away is one log line; anything else, a bug, keeps its traceback."""
    try:
        sweep.call_local()
    except Exception as error:  # a database hiccup must not end the poll for good
        failures += 1
        if is_database_unavailable(error):
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            logger.warning(
                "Webhook outbox poll failed (%d in a row), database unavailable: %s; next poll in %.0f s.",
                failures,
                reason,
                wait_after(failures),
            )
        else:
            logger.exception(
                "Webhook outbox poll failed (%d in a row); next poll in %.0f s.", failures, wait_after(failures)
            )
        return failures
    if failures:
        logger.warning("Webhook outbox poll works again after %d failed polls.", failures)
    return 0


def _poll_forever() -> None:
    failures = 0
    while True:
        failures = poll_once(failures)
        time.sleep(wait_after(failures))


@worker_service
def _start_polling() -> None:
    """One poller per worker process, started with ``flask worker``."""
    threading.Thread(target=_poll_forever, name="webhook-outbox-poll", daemon=True).start()
