"""Webhook delivery on the task queue.

New events are handed to the queue right after the transaction that wrote them commits
(a session ``after_commit`` hook), so a picker's request only pays for one enqueue. A
failed attempt schedules its retry for ``next_retry_date``. A sweep, every minute and when a
worker starts, sends whatever is due and schedules what falls due before the next sweep:
events whose task was lost (a worker killed mid-delivery, a queue that was down at commit)
are still delivered.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Optional

from huey import crontab
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from packing.core import webhooks
from packing.core.db import transaction
from packing.core.models import WebhookEvent, utcnow
from packing.extensions import db
from packing.jobs import huey, job

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = timedelta(minutes=1)
_NEW_EVENT_IDS = "packing.webhooks.new_event_ids"



def now() -> datetime:
    """The delivery clock (tests replace it to walk through a retry schedule)."""
    return utcnow()


def attempt(event_id: int) -> Optional[str]:
    """One delivery attempt, if the event is due and first in its package's line; returns
    the event's status afterwards, or None when it was not sent."""
    with transaction(db.session):
        claimed = webhooks.claim(db.session, event_id, now())
    if claimed is None:
        return None
    outcome = webhooks.send(claimed)
    with transaction(db.session):
        event = webhooks.record(db.session, claimed, outcome, now())
        status, retry_at = event.status, webhooks.next_retry_at(event)
    if status == webhooks.PENDING:
        _schedule(event_id, retry_at)
    return status


def deliver_line(event_id: int) -> None:
    """Deliver an event, then the events of the same package queued behind it."""
    next_id: Optional[int] = event_id
    while next_id is not None:
        if attempt(next_id) not in (webhooks.DELIVERED, webhooks.FAILED):
            return
        with transaction(db.session):
            next_id = webhooks.next_in_line(db.session, next_id)


def sweep_due() -> list[int]:
    """Queue every due event and schedule those due before the next sweep; returns the due ids."""
    started = now()
    with transaction(db.session):
        due = webhooks.due_event_ids(db.session, started)
        soon = webhooks.upcoming(db.session, started, SWEEP_INTERVAL)
    for event_id in due:
        deliver_events([event_id])
    for event_id, when in soon:
        _schedule(event_id, when)
    return due


def _schedule(event_id: int, when: Optional[datetime]) -> None:
    delay = max(0.0, (when - now()).total_seconds()) if when else 0.0
    deliver_events.schedule(args=([event_id],), delay=delay)


@job()
def deliver_events(event_ids: list[int]) -> None:
    """Deliver these events (oldest first) and whatever each was holding back."""
    for event_id in sorted(event_ids):
        deliver_line(event_id)


@job()
def sweep() -> None:
    sweep_due()


sweep_every_minute = huey.periodic_task(crontab(minute="*"), name="webhooks.sweep_every_minute")(sweep)


@huey.on_startup("webhooks.sweep_on_start")
def _sweep_on_start() -> None:
    sweep()


# --- Handing new events to the queue once their transaction has committed ---------------


@orm_event.listens_for(Session, "after_flush")
def _note_new_events(session: Session, flush_context) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    new_ids = [obj.id for obj in session.new if isinstance(obj, WebhookEvent)]
    if new_ids:
        session.info.setdefault(_NEW_EVENT_IDS, []).extend(new_ids)


@orm_event.listens_for(Session, "after_commit")
def _deliver_committed_events(session: Session) -> None:
    event_ids = session.info.pop(_NEW_EVENT_IDS, None)
    if not event_ids:
        return
    try:
        deliver_events(event_ids)
    except Exception:  # the queue being down must not fail a committed request
        logger.exception("Could not queue webhook events %s; the sweep will deliver them.", event_ids)


@orm_event.listens_for(Session, "after_rollback")
def _forget_rolled_back_events(session: Session) -> None:
    session.info.pop(_NEW_EVENT_IDS, None)
