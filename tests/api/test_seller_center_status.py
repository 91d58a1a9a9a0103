"""Seller Center status updates run the configured commands that lead to the status, each
logged with the API client; cargo companies are named by uuid, ERP code or name (issue 13,
points 5 and 6)."""

from __future__ import annotations

from sqlalchemy import select

from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.models import Package, Transition, TransitionLog
from tests import factories

BASE = "/api/i2/packages/"


def _logs(session, package) -> list[tuple[str, str, dict]]:
    session.expire_all()
    logs = session.scalars(
        select(TransitionLog).where(TransitionLog.object_id == package.id).order_by(TransitionLog.id)
    ).all()
    return [(log.old_state.enum_value, log.new_state.enum_value, log.attributes or {}) for log in logs]


def _state(session, package) -> str:
    session.expire_all()
    return session.get(Package, package.id).state.enum_value


def test_ready_to_ship_from_waiting_runs_pack_then_ready_to_ship(integrator, session):
    """status 3 on a waiting package packs it and makes it ready to ship: two logs naming the token."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    answer = integrator.put(f"{BASE}{package.number}/", json={"status": 3})
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == 3 and _state(session, package) == PackageStatus.READY_TO_SHIP.value
    logs = _logs(session, package)
    assert [(old, new) for old, new, _ in logs] == [("100", "500"), ("500", "550")]
    assert {attributes["api_client"] for _, _, attributes in logs} == {"ERP"}
    user_ids = set(session.scalars(select(TransitionLog.user_id).where(TransitionLog.object_id == package.id)))
    assert user_ids == {integrator.user.id}


def test_preparing_from_waiting_starts_preparing(integrator, session):
    """status 2 on a waiting package (already "preparing" to Seller Center) runs the prepare command."""
    package = factories.package(session, at=integrator.location)
    session.commit()
    assert integrator.put(f"{BASE}{package.number}/", json={"status": 2}).status_code == 200
    assert _state(session, package) == PackageStatus.PREPARING.value
    assert [(old, new) for old, new, _ in _logs(session, package)] == [("100", "200")]
    again = integrator.put(f"{BASE}{package.number}/", json={"status": 2})
    assert again.status_code == 200 and len(_logs(session, package)) == 1


def test_a_status_no_command_leads_to_is_refused_with_the_reason(integrator, session):
    """A cancelled package has no command leading to ready to ship: 400 with the reason, nothing changed."""
    cancelled = factories.package(session, at=integrator.location, status=PackageStatus.PACKAGING_CANCELED)
    session.commit()
    refused = integrator.put(f"{BASE}{cancelled.number}/", json={"status": 3, "tracking_number": "T-1"})
    assert refused.status_code == 400 and "status" in refused.json
    assert "no configured command leads there" in refused.json["detail"]
    assert _logs(session, cancelled) == [] and session.get(Package, cancelled.id).tracking_number is None


def test_a_failing_command_on_the_way_changes_nothing(integrator, session):
    """When a command on the path refuses (no items left to pack), the earlier steps roll back too."""
    package = factories.package(
        session, at=integrator.location, item_status=PackageItemStatus.CANCELLED, status=PackageStatus.WAITING
    )
    session.commit()
    refused = integrator.put(f"{BASE}{package.number}/", json={"status": 4})
    assert refused.status_code == 400
    assert _state(session, package) == PackageStatus.WAITING.value and _logs(session, package) == []


def test_the_path_follows_the_configuration(integrator, session):
    """Deactivating the ready-to-ship command leaves status 3 reachable only as Packed (status 3 already)."""
    for transition in session.scalars(select(Transition).where(Transition.command == "READY_TO_SHIP")):
        transition.is_active = False
    package = factories.package(session, at=integrator.location)
    session.commit()
    assert integrator.put(f"{BASE}{package.number}/", json={"status": 3}).status_code == 400
    packed = factories.package(
        session, at=integrator.location, status=PackageStatus.PACKED, item_status=PackageItemStatus.PACKED
    )
    session.commit()
    assert integrator.put(f"{BASE}{packed.number}/", json={"status": 3}).status_code == 200
    assert _logs(session, packed) == []
