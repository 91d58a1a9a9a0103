"""The audit log: every change an admin makes (who, when, what, before and after) and every
refused or throttled sign-in, kept in the database for admins to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.messages import N_
from packing.core.models import AuditEntry, User

SIGN_IN_FAILED = "sign_in.failed"
SIGN_IN_LOCKED = "sign_in.locked"

# What each action reads as in the log; the keys are what is stored.
ACTIONS = {
    "user.created": N_("User created"),
    "user.updated": N_("User changed"),
    "user.deactivated": N_("User deactivated"),
    "user.reactivated": N_("User reactivated"),
    "user.password_reset": N_("Password reset"),
    "user.password_changed": N_("Own password changed"),
    "user.unlocked": N_("Sign-in unlocked"),
    "location.created": N_("Stock location created"),
    "location.updated": N_("Stock location changed"),
    "location.deactivated": N_("Stock location deactivated"),
    "location.reactivated": N_("Stock location reactivated"),
    "carrier.created": N_("Carrier created"),
    "carrier.updated": N_("Carrier changed"),
    "carrier.deactivated": N_("Carrier deactivated"),
    "carrier.reactivated": N_("Carrier reactivated"),
    "product.case_added": N_("Case barcode added"),
    "product.case_removed": N_("Case barcode removed"),
    SIGN_IN_FAILED: N_("Sign-in refused"),
    SIGN_IN_LOCKED: N_("Sign-in throttled"),
}


def record(
    session: Session,
    actor: Optional[User],
    action: str,
    *,
    target_type: str = "",
    target_id: Optional[int] = None,
    target_label: str = "",
    before: Optional[dict[str, Any]] = None,
    after: Optional[dict[str, Any]] = None,
    remote_addr: str = "",
    actor_name: str = "",
) -> AuditEntry:
    """Adds an entry to the caller's transaction: the change and its record land together."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else actor_name[:64],
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        before=before or {},
        after=after or {},
        remote_addr=remote_addr[:64],
    )
    session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs, so the log reads ``role: picker -> lead`` rather than the whole row."""
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


@dataclass
class AuditFilter:
    action: Optional[str] = None
    actor: str = ""
    target: str = ""
    since: Optional[datetime] = None
    before_id: Optional[int] = None


def entries(session: Session, filters: AuditFilter, limit: int = 50) -> list[AuditEntry]:
    """Newest first; ``before_id`` pages back."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if filters.action in ACTIONS:
        query = query.where(AuditEntry.action == filters.action)
    elif filters.action:
        # A family: "user" covers every user.* action.
        query = query.where(AuditEntry.action.startswith(f"{filters.action}."))
    if filters.actor.strip():
        query = query.where(AuditEntry.actor_name == filters.actor.strip())
    if filters.target.strip():
        query = query.where(AuditEntry.target_label.contains(filters.target.strip(), autoescape=True))
    if filters.since is not None:
        query = query.where(AuditEntry.created_date >= filters.since)
    if filters.before_id is not None:
        query = query.where(AuditEntry.id < filters.before_id)
    return list(session.scalars(query))


def throttled_since(session: Session, remote_addr: str, since: datetime) -> bool:
    """Whether a throttled sign-in from ``remote_addr`` is already on record since ``since``."""
    return (
        session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.created_date >= since,
                AuditEntry.action == SIGN_IN_LOCKED,
                AuditEntry.remote_addr == remote_addr[:64],
            )
            .limit(1)
        )
        is not None
    )


def sign_in_addresses(session: Session, username: str, since: datetime) -> list[str]:
    """The addresses a name was refused or throttled from since ``since`` (to unlock them)."""
    rows = session.scalars(
        select(AuditEntry.remote_addr)
        .where(
            AuditEntry.action.in_((SIGN_IN_FAILED, SIGN_IN_LOCKED)),
            AuditEntry.target_label == username,
            AuditEntry.created_date >= since,
        )
        .distinct()
    )
    return [address for address in rows if address]
