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


def emit(session: Session, event_type: str, package: Package, extra: Optional[dict] = None) -> list[WebhookEvent]:
    """Queue ``event_type`` for every active subscriber; nothing is written without one."""
    return _emit_many(session, (event_type,), package, extra)


def _emit_many(
    session: Session, event_types: tuple[str, ...], package: Package, extra: Optional[dict]
) -> list[WebhookEvent]:
    """One subscriber lookup for all ``event_types`` (a command raises two)."""
    active = list(session.scalars(select(Webhook).where(Webhook.is_active.is_(True)).order_by(Webhook.id)))
    deliveries = [(event_type, hook) for event_type in event_types for hook in active if hook.receives(event_type)]
    if not deliveries:
        return []
    session.flush()
    queued = []
    for event_type, hook in deliveries:
        event_uuid = uuid.uuid4()
        event = WebhookEvent(
            uuid=str(event_uuid),
            webhook_id=hook.id,
            event_type=event_type,
            object_id=package.id,
            request_payload={"event": {"type": event_type, "uuid": event_uuid.hex}, "payload": dict(extra or {})},
            payload_ready=False,
            status="pending",
            next_retry_date=utcnow(),
        )
        session.add(event)
        queued.append(event)
    session.flush()
    return queued


def complete_snapshots(session: Session, package: Package) -> int:
    """Put the package, as it is now, into its events still waiting for a snapshot.

    Call it holding the package's row lock and before changing the package: then the
    waiting events all come from the last change, and ``now`` is the state they left."""
    waiting = list(
        session.scalars(
            select(WebhookEvent).where(WebhookEvent.object_id == package.id, WebhookEvent.payload_ready.is_(False))
        )
    )
    if not waiting:
        return 0
    body = serializers.package_full(package, available_commands(session, package))
    for event in waiting:
        event.request_payload = {**event.request_payload, "payload": {**body, **event.request_payload["payload"]}}
        event.payload_ready = True
    session.flush()
    return len(waiting)


def state_changed(
    session: Session, package: Package, transition: Transition, old_state: State, log: TransitionLog
) -> None:
    change = {
        "transition": serializers.command(transition),
        "old_state": serializers.state_brief(old_state),
        "new_state": serializers.state_brief(package.state),
        "transition_log": log.id,
    }
    specific = _COMMAND_EVENTS.get(transition.command)
    event_types = (STATE_CHANGED, specific) if specific else (STATE_CHANGED,)
    _emit_many(session, event_types, package, {"state_change": change})


def package_created(session: Session, package: Package) -> None:
    emit(session, PACKAGE_CREATED, package)
