"""The scan domain: counting units, refusing what does not count, idempotent retries, the pack gate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from packing.core import claims, scanning
from packing.core.catalogue import PackageItemStatus, PackageStatus
from packing.core.db import transaction
from packing.core.errors import CommandNotAllowed, ConcurrentUpdate, InvalidParameter, ScanRefused
from packing.core.models import DenialReason, Package, ProductBarcode, Scan, TransitionLog
from tests import factories

PREPARE = "package__prepare_package_command__waiting__preparing"
PACK = "package__complete_packaging__preparing__packed-all-items"
OUT_OF_STOCK = "package__detected_out_of_stock_item__preparing__contains-out-of-stock-products"
SPLIT = "package__split_package__preparing__preparing"


@pytest.fixture
def picker(session):
    return factories.user(session)


def _scan_count(session) -> int:
    return session.scalar(select(func.count(Scan.id)))


def test_a_scan_by_barcode_counts_one_unit(session, picker):
    """Scanning a product's barcode counts one of its units and records who scanned."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    outcome = factories.scan(session, package, shirt.barcode, "a", picker)
    assert not outcome.repeated and outcome.scan.user_id == picker.id and not outcome.scan.is_manual
    [count] = scanning.product_counts(session, package)
    assert (count.expected, count.scanned) == (2, 1)


def test_a_scan_by_sku_or_an_extra_barcode_counts_too(session, picker):
    """A product is found by its SKU (any case) and by a supplier's extra barcode."""
    shirt = factories.product(session, sku="TSH-RED-M")
    session.add(ProductBarcode(product=shirt, barcode="4006381333931"))
    package = factories.claimed_package(session, picker, [shirt, shirt])
    factories.scan(session, package, "tsh-red-m", "a")
    factories.scan(session, package, "4006381333931", "b")
    assert scanning.pack_gate_open(scanning.product_counts(session, package))


def test_a_repeated_client_scan_id_is_ignored(session, picker):
    """A retry with the same client scan id answers 'repeated' and counts nothing more."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    first = factories.scan(session, package, shirt.barcode, "same-id")
    again = factories.scan(session, package, shirt.barcode, "same-id")
    assert again.repeated and again.scan.id == first.scan.id
    assert _scan_count(session) == 1


@pytest.mark.parametrize(
    "code, kind",
    [("known-elsewhere", scanning.WRONG_ITEM), ("0000000000000", scanning.UNKNOWN_CODE), ("", scanning.UNKNOWN_CODE)],
)
def test_wrong_and_unknown_codes_are_refused_and_change_nothing(session, picker, code, kind):
    """A product not in the package is a wrong item; a code no product has is unknown; neither is written."""
    factories.product(session, barcode="known-elsewhere")
    package = factories.claimed_package(session, picker, [factories.product(session)])
    version = package.version
    with pytest.raises(ScanRefused) as refused:
        factories.scan(session, package, code, "x")
    assert refused.value.kind == kind
    assert _scan_count(session) == 0
    session.expire_all()
    assert package.version == version
    assert [item.state.enum_value for item in package.items] == [PackageItemStatus.PREPARING.value]


def test_an_over_scan_is_refused(session, picker):
    """Scanning a product more often than ordered is refused as an over-scan."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    factories.scan(session, package, shirt.barcode, "a")
    with pytest.raises(ScanRefused) as refused:
        factories.scan(session, package, shirt.barcode, "b")
    assert refused.value.kind == scanning.OVER_SCAN
    assert _scan_count(session) == 1


def test_manual_count_is_recorded_as_manual(session, picker):
    """A manual +1 counts a unit and is marked is_manual."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    with transaction(session):
        outcome = scanning.record_manual(session, package.id, shirt.id, "m1", picker)
    assert outcome.scan.is_manual
    assert scanning.product_counts(session, package)[0].manual == 1


def test_undo_takes_back_the_last_scan_only(session, picker):
    """Undo marks the most recent live scan undone; the unit can be scanned again."""
    shirt, jeans = factories.product(session), factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, jeans])
    factories.scan(session, package, shirt.barcode, "a")
    factories.scan(session, package, jeans.barcode, "b")
    with transaction(session):
        undone = scanning.undo_last_scan(session, package.id, picker)
    assert undone.scan.barcode == jeans.barcode and undone.undone
    assert [c.scanned for c in scanning.product_counts(session, package)] == [1, 0]
    factories.scan(session, package, jeans.barcode, "c")
    assert scanning.pack_gate_open(scanning.product_counts(session, package))


def test_undo_with_nothing_scanned_is_refused(session, picker):
    """Undo on a package with no live scan raises nothing_to_undo."""
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(ScanRefused) as refused, transaction(session):
        scanning.undo_last_scan(session, package.id, picker)
    assert refused.value.kind == scanning.NOTHING_TO_UNDO


def test_the_pack_gate_refuses_until_every_item_is_scanned(session, picker):
    """Packing with an unscanned unit is refused without a log; once all are scanned it packs."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    factories.scan(session, package, shirt.barcode, "a")
    logs_before = session.scalar(select(func.count(TransitionLog.id)))
    with pytest.raises(CommandNotAllowed, match="1 still to scan"), transaction(session):
        scanning.run_station_command(session, package.id, PACK, {}, picker)
    assert session.scalar(select(func.count(TransitionLog.id))) == logs_before
    factories.scan(session, package, shirt.barcode, "b")
    with transaction(session):
        scanning.run_station_command(session, package.id, PACK, {}, picker)
    assert package.state.enum_value == PackageStatus.PACKED.value
    assert {item.state.enum_value for item in package.items} == {PackageItemStatus.PACKED.value}


def test_out_of_stock_items_leave_the_gate(session, picker):
    """After marking the unscanned unit out of stock, the scanned rest passes the gate and packs."""
    shirt, jeans = factories.product(session), factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, jeans])
    factories.scan(session, package, shirt.barcode, "a")
    missing = scanning.unscanned_items(session, package)
    with transaction(session):
        scanning.run_station_command(session, package.id, OUT_OF_STOCK, {"package_items": [missing[0].id]}, picker)
    assert scanning.pack_gate_open(scanning.product_counts(session, package))
    with transaction(session):
        scanning.run_station_command(
            session,
            package.id,
            "package__complete_packaging__contains-out-of-stock-products__packed-all-items",
            {},
            picker,
        )
    assert package.state.enum_value == PackageStatus.PACKED.value


def test_a_split_off_unit_can_be_scanned_in_its_new_package(session, picker):
    """Scans of units moved by a split stop counting, so the new package can scan them afresh."""
    shirt, jeans = factories.product(session), factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, jeans])
    factories.scan(session, package, jeans.barcode, "a")
    jeans_item = next(i for i in package.items if i.order_item.product_id == jeans.id)
    with transaction(session):
        result = scanning.run_station_command(session, package.id, SPLIT, {"package_items": [jeans_item.id]}, picker)
    new_package = session.get(Package, result.response["package__id"])
    with transaction(session):
        scanning.run_station_command(session, new_package.id, PREPARE, {}, picker)
    outcome = factories.scan(session, new_package, jeans.barcode, "b", picker)
    assert outcome.scan.package_item_id == jeans_item.id
    assert scanning.product_counts(session, package)[0].scanned == 0


def test_another_pickers_package_takes_no_scans_or_commands(session, picker):
    """A package held by one picker refuses a second picker's scans and commands."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    other = factories.user(session, locations=picker.stock_locations)
    with pytest.raises(ScanRefused) as refused:
        factories.scan(session, package, shirt.barcode, "a", other)
    assert refused.value.kind == claims.HELD_BY_OTHER
    reason = session.scalar(select(DenialReason.id).limit(1))
    with pytest.raises(CommandNotAllowed), transaction(session):
        scanning.run_station_command(
            session, package.id, "package__refuse_package__preparing__requires-replan", {"denial_reason": reason}, other
        )


def test_a_finished_package_takes_no_more_scans(session, picker):
    """Once packed, scans are refused as not_open."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    factories.scan(session, package, shirt.barcode, "a")
    with transaction(session):
        scanning.run_station_command(session, package.id, PACK, {}, picker)
    with pytest.raises(ScanRefused) as refused:
        factories.scan(session, package, shirt.barcode, "b")
    assert refused.value.kind == scanning.NOT_OPEN


def test_a_stale_version_is_refused_as_a_concurrent_update(session, picker):
    """A command sent from a screen showing an older version raises ConcurrentUpdate."""
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(ConcurrentUpdate), transaction(session):
        scanning.run_station_command(session, package.id, PACK, {}, picker, expected_version=package.version - 1)


def test_a_missing_client_scan_id_is_an_invalid_parameter(session, picker):
    """A scan without a client scan id is refused, naming the field."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt])
    with pytest.raises(InvalidParameter) as refused:
        factories.scan(session, package, shirt.barcode, "")
    assert refused.value.field == "client_scan_id"


def test_putting_a_package_back_clears_its_scans(session, picker):
    """Release (put back) returns the package to Waiting and whoever takes it next scans from zero."""
    shirt = factories.product(session)
    package = factories.claimed_package(session, picker, [shirt, shirt])
    factories.scan(session, package, shirt.barcode, "a")
    with transaction(session):
        scanning.run_station_command(session, package.id, "package__release_package__preparing__waiting", {}, picker)
    assert package.state.enum_value == PackageStatus.WAITING.value and package.holder_id is None
    assert scanning.live_scans(session, package) == []


def test_taking_a_package_claims_it_in_any_open_state_and_never_from_another_picker(session, picker):
    """take_package prepares a waiting package, takes an open one nobody holds, leaves the
    picker's own alone, refuses another picker's, and lets a lead act without taking it."""
    shirt = factories.product(session)
    waiting = factories.package(session, at=picker.stock_locations[0], products=[shirt])
    unheld = factories.package(session, at=picker.stock_locations[0], products=[shirt], status=PackageStatus.PREPARING)
    with transaction(session):
        claims.take_package(session, waiting.id, picker)
        claims.take_package(session, unheld.id, picker)
        claims.take_package(session, waiting.id, picker)
    assert waiting.state.enum_value == PackageStatus.PREPARING.value and waiting.holder_id == picker.id
    assert unheld.holder_id == picker.id
    assert session.scalar(select(func.count(TransitionLog.id)).where(TransitionLog.object_id == waiting.id)) == 1
    other = factories.user(session, locations=picker.stock_locations)
    lead = factories.user(session, role="lead", locations=picker.stock_locations)
    session.commit()
    with pytest.raises(CommandNotAllowed), transaction(session):
        claims.take_package(session, waiting.id, other)
    with transaction(session):
        claims.take_package(session, waiting.id, lead)
    assert waiting.holder_id == picker.id


def test_who_may_act_is_the_holder_or_a_lead_stepping_in_for_one(session, picker):
    """may_act: the holder and a lead or admin may act on a held package, another picker may
    not; nobody may act on a package nobody holds; no user (the system) always may."""
    package = factories.claimed_package(session, picker, [factories.product(session)])
    unheld = factories.package(session, at=picker.stock_locations[0])
    other = factories.user(session, locations=picker.stock_locations)
    lead = factories.user(session, role="lead", locations=picker.stock_locations)
    admin = factories.user(session, role="admin", locations=picker.stock_locations)
    session.flush()
    assert [claims.may_act(user, package) for user in (picker, other, lead, admin, None)] == [
        True,
        False,
        True,
        True,
        True,
    ]
    assert [claims.refusal_to_act(user, unheld) for user in (picker, lead, None)] == [
        claims.NOT_HELD,
        claims.NOT_HELD,
        None,
    ]


def test_a_package_is_open_while_a_picker_still_has_work_on_it(session):
    """is_open holds for waiting, preparing and contains-out-of-stock packages and no other state."""
    found = {status: claims.is_open(factories.package(session, status=status)) for status in PackageStatus}
    assert {status for status, is_open in found.items() if is_open} == {
        PackageStatus.WAITING,
        PackageStatus.PREPARING,
        PackageStatus.CONTAINS_OUT_OF_STOCK,
    }


def test_a_package_nobody_holds_takes_no_scans_or_commands_until_taken(session, picker):
    """Scans and commands (other than the claim) on a package nobody holds are refused as
    not_held; a lead must open it too."""
    shirt = factories.product(session)
    package = factories.package(session, at=picker.stock_locations[0], products=[shirt])
    lead = factories.user(session, role="lead", locations=picker.stock_locations)
    session.commit()
    for user in (picker, lead):
        with pytest.raises(ScanRefused) as refused:
            factories.scan(session, package, shirt.barcode, f"a-{user.id}", user)
        assert refused.value.kind == claims.NOT_HELD
    reason = session.scalar(select(DenialReason.id).limit(1))
    with pytest.raises(CommandNotAllowed), transaction(session):
        scanning.run_station_command(
            session, package.id, "package__refuse_package__waiting__requires-replan", {"denial_reason": reason}, picker
        )
    assert _scan_count(session) == 0
