"""Package events, written to the webhook outbox in the transaction that caused them.

A subscriber (``Webhook``) gets one ``WebhookEvent`` row per matching event; delivery
happens later, on the task queue, so no request ever waits on a subscriber.

The row is written in the change's transaction, but the package snapshot in its payload
(the package in full API shape, several milliseconds of lazy loads and serialising) is
taken just after: by the worker's poll, or by the next command on the same package before
it changes anything (``complete_snapshots``, under the package's row lock). Either way the
snapshot shows the package exactly as the event left it.
"""

from __future__ import annotations

import uuid
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import serializers
from packing.core.catalogue import CommandType, available_commands
from packing.core.models import Package, State, Transition, TransitionLog, Webhook, WebhookEvent, utcnow

PACKAGE_CREATED = "package.created"
STATE_CHANGED = "package.state_changed"
PACKED = "package.packed"
REFUSED = "package.refused"
OUT_OF_STOCK = "package.out_of_stock"
INVOICE_CREATED = "package.invoice_created"
LABEL_READY = "package.label_ready"

EVENT_TYPES = (PACKAGE_CREATED, STATE_CHANGED, PACKED, REFUSED, OUT_OF_STOCK, INVOICE_CREATED, LABEL_READY)

# The specific event a command type raises beside package.state_changed.
_COMMAND_EVENTS = {
    CommandType.COMPLETE_PACKAGING: PACKED,
    CommandType.COMPLETE_PACKAGING_WITHOUT_SHIPMENT: PACKED,
    CommandType.CHANNEL_BASED_COMPLETE_PACKAGING: PACKED,
    CommandType.REFUSE: REFUSED,
    CommandType.OUT_OF_STOCK: OUT_OF_STOCK,
}


def emit(session: Session, event_type: str, package: Package, extra: Optional[dict] = None) -> int:
    """Queue ``event_type`` for every active subscriber; returns how many rows were written
    (none without a subscriber)."""
    return _emit_many(session, (event_type,), package, extra)


def _emit_many(session: Session, event_types: tuple[str, ...], package: Package, extra: Optional[dict]) -> int:
    """One subscriber lookup and one multi-row INSERT for all ``event_types`` (a command
    raises two): this runs inside a picker's request, so it stays as cheap as an outbox can."""
    active = session.execute(
        select(Webhook.id, Webhook.event_type, Webhook.event_types)
        .where(Webhook.is_active.is_(True))
        .order_by(Webhook.id)
    ).all()
    deliveries = [
        (event_type, hook_id)
        for event_type in event_types
        for hook_id, primary, subscribed in active
        # a row made with only ``event_type`` (as the reference stores it) receives that one
        if event_type in (subscribed or [primary])
    ]
    if not deliveries:
        return 0
    session.flush()
    now = utcnow()
    rows = []
    for event_type, hook_id in deliveries:
        event_uuid = uuid.uuid4()
        rows.append(
            {
                "uuid": str(event_uuid),
                "webhook_id": hook_id,
                "event_type": event_type,
                "content_type": "package",
                "object_id": package.id,
                "request_payload": {
                    "event": {"type": event_type, "uuid": event_uuid.hex},
                    "payload": dict(extra or {}),
                },
                "payload_ready": False,
                "status": "pending",
                "retryable": True,
                "retry_count": 0,
                "request_datetimes": [],
                "next_retry_date": now,
                "created_date": now,
                "modified_date": now,
            }
        )
    session.connection().execute(WebhookEvent.__table__.insert(), rows)
    return len(rows)


def complete_snapshots(session: Session, package: Package) -> int:
    """Put the package, as it is now, into its events still waiting for a snapshot.

    Call it holding the package's row lock and before changing the package: then the
    waiting events all come from the last change, and ``now`` is the state they left."""
    if not _awaiting_snapshot(session, package.id):
        return 0
    return fill_snapshots(session, package.id, snapshot(session, package))


def snapshot(session: Session, package: Package) -> dict:
    """The package in full API shape, as an event's payload carries it (in English, whatever
    language the request that changed it reads)."""
    with serializers.catalogue_language("en-us"):
        return serializers.package_full(package, available_commands(session, package))


def fill_snapshots(session: Session, package_id: int, body: dict) -> int:
    """Complete the package's waiting events with ``body``; the caller vouches that it is
    the package as their change left it (it holds the row lock, or checked the version)."""
    waiting = _awaiting_snapshot(session, package_id)
    for event in waiting:
        extra = dict(event.request_payload["payload"])
        if "state_change" in extra:
            extra["state_change"] = _state_change(session.get(TransitionLog, extra["state_change"]["transition_log"]))
        event.request_payload = {**event.request_payload, "payload": {**body, **extra}}
        event.payload_ready = True
    session.flush()
    return len(waiting)


def _awaiting_snapshot(session: Session, package_id: int) -> list[WebhookEvent]:
    return list(
        session.scalars(
            select(WebhookEvent).where(WebhookEvent.object_id == package_id, WebhookEvent.payload_ready.is_(False))
        )
    )


def _state_change(log: TransitionLog) -> dict:
    with serializers.catalogue_language("en-us"):
        return {
            "transition": serializers.command(log.transition),
            "old_state": serializers.state_brief(log.old_state),
            "new_state": serializers.state_brief(log.new_state),
            "transition_log": log.id,
        }


def state_changed(
    session: Session, package: Package, transition: Transition, old_state: State, log: TransitionLog
) -> None:
    """``package.state_changed`` and the command's own event; the row keeps only the log's
    id, from which the snapshot spells out the transition and the old and new states."""
    specific = _COMMAND_EVENTS.get(transition.command)
    event_types = (STATE_CHANGED, specific) if specific else (STATE_CHANGED,)
    _emit_many(session, event_types, package, {"state_change": {"transition_log": log.id}})


def package_created(session: Session, package: Package) -> None:
    emit(session, PACKAGE_CREATED, package)
