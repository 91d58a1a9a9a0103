"""The print log and the shift lead's lists of what to print: who printed which document of
which package, the labels nobody has printed yet, and the packages found by a number."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from packing.core.catalogue import PackageStatus, package_state
from packing.core.models import (
    Address,
    Order,
    Package,
    PrintBatch,
    PrintRecord,
    Shipment,
    TransitionLog,
    User,
    utcnow,
)

# A print record's document type.
LABEL = "label"
INVOICE = "invoice"
PACKING_SLIP = "packing_slip"
DOCUMENT_TYPES = (LABEL, INVOICE, PACKING_SLIP)


def record_print(
    session: Session,
    package_ids: Iterable[int],
    document_type: str,
    user: Optional[User],
    batch: Optional[PrintBatch] = None,
) -> None:
    session.add_all(
        PrintRecord(
            package_id=package_id,
            document_type=document_type,
            user_id=user.id if user else (batch.user_id if batch else None),
            batch_id=batch.id if batch else None,
        )
        for package_id in package_ids
    )
    session.flush()


def print_counts(session: Session, package_ids: Iterable[int], document_type: str) -> dict[int, int]:
    ids = list(package_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(PrintRecord.package_id, func.count(PrintRecord.id))
        .where(PrintRecord.package_id.in_(ids), PrintRecord.document_type == document_type)
        .group_by(PrintRecord.package_id)
    )
    return dict(rows.all())


def packages_awaiting_labels(session: Session, location_id: int, limit: int = 500) -> list[Package]:
    """The location's packed packages with a shipment whose label nobody has printed yet."""
    printed = select(PrintRecord.id).where(PrintRecord.package_id == Package.id, PrintRecord.document_type == LABEL)
    return list(
        session.scalars(
            select(Package)
            .where(
                Package.stock_location_id == location_id,
                Package.state_id == package_state(session, PackageStatus.PACKED).id,
                Package.shipment.has(),
                ~printed.exists(),
            )
            .order_by(Package.modified_date, Package.id)
            .limit(limit)
            # The print room shows each package's customer, destination city and carrier.
            .options(
                selectinload(Package.order).options(
                    selectinload(Order.customer), selectinload(Order.shipping_address).selectinload(Address.city)
                ),
                selectinload(Package.shipment).selectinload(Shipment.cargo_company),
            )
        )
    )


def packed_today(session: Session, location_id: int, now: Optional[datetime] = None) -> list[int]:
    """Ids of the location's packages packed since midnight (UTC) that are still packed."""
    packed = package_state(session, PackageStatus.PACKED)
    midnight = datetime.combine((now or utcnow()).date(), time.min, tzinfo=UTC)
    packed_since = select(TransitionLog.id).where(
        TransitionLog.object_id == Package.id,
        TransitionLog.new_state_id == packed.id,
        TransitionLog.created_date >= midnight,
    )
    return list(
        session.scalars(
            select(Package.id)
            .where(
                Package.stock_location_id == location_id,
                Package.state_id == packed.id,
                Package.shipment.has(),
                packed_since.exists(),
            )
            .order_by(Package.modified_date, Package.id)
        )
    )


def find_packages(session: Session, location_id: int, text: str, limit: int = 20) -> list[Package]:
    """The location's packages whose package, order or tracking number is ``text``."""
    text = text.strip()
    if not text:
        return []
    return list(
        session.scalars(
            select(Package)
            .join(Package.order)
            .where(
                Package.stock_location_id == location_id,
                (Package.number == text) | (Order.number == text) | (Package.tracking_number == text),
            )
            .order_by(Package.id)
            .limit(limit)
        )
    )
