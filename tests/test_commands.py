"""The state machine: which commands run from which states, their checks and effects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from packing.core import events
from packing.core.catalogue import (
    DEFAULT_TRANSITIONS,
    CommandType,
    PackageItemStatus,
    PackageStatus,
    available_commands,
)
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import CommandNotAllowed, InvalidParameter
from packing.core.models import DenialReason, Package, TransitionLog
from tests import factories

ALL_STATUSES = list(PackageStatus)


def _log_count(session, package: Package) -> int:
    return session.scalar(select(func.count(TransitionLog.id)).where(TransitionLog.object_id == package.id))


def _parameters_for(session, spec, package: Package) -> dict:
    if spec.command == CommandType.REFUSE:
        return {"denial_reason": session.scalar(select(DenialReason.id).limit(1))}
    if spec.packageitem_parameter_required:
        return {"package_items": [package.items[0].id]}
    return {}


@pytest.mark.parametrize("spec", DEFAULT_TRANSITIONS, ids=lambda spec: spec.slug)
def test_each_default_command_runs_from_its_source_state_and_logs_once(session, spec):
    """Every default command runs from its source state, lands in its destination and writes one log."""
    picker = factories.user(session)
    package = factories.package(
        session, products=[factories.product(session), factories.product(session)], status=spec.source
    )
    with transaction(session):
        result = execute_command(session, package, spec.slug, _parameters_for(session, spec, package), picker)
    assert package.state.enum_value == spec.destination.value
    assert _log_count(session, package) == 1
    assert result.log.old_state.enum_value == spec.source.value
    assert result.log.new_state.enum_value == spec.destination.value
    assert result.log.user_id == picker.id
    assert result.log.transition.slug == spec.slug


@pytest.mark.parametrize("spec", DEFAULT_TRANSITIONS, ids=lambda spec: spec.slug)
def test_each_default_command_is_refused_from_every_other_state(session, spec):
    """From any state but its source a command raises CommandNotAllowed and changes nothing."""
    for status in ALL_STATUSES:
        if status == spec.source:
            continue
        package = factories.package(session, products=[factories.product(session)] * 2, status=status)
        session.commit()
        with pytest.raises(CommandNotAllowed), transaction(session):
            execute_command(session, package, spec.slug, _parameters_for(session, spec, package))
        session.refresh(package)
        assert package.state.enum_value == status.value
        assert _log_count(session, package) == 0


def test_available_commands_start_from_the_current_state(session):
    """The commands offered for a package are exactly those whose source is its state."""
    package = factories.package(session)
    slugs = {t.slug for t in available_commands(session, package)}
    assert "package__complete_packaging__waiting__packed-all-items" in slugs
    assert "package__prepare_package_command__waiting__preparing" in slugs
    assert all("__waiting__" in slug for slug in slugs)


def test_prepare_claims_the_package_and_release_gives_it_back(session):
    """Prepare records the picker as holder and moves items to Preparing; release undoes both."""
    picker = factories.user(session)
    package = factories.package(session)
    with transaction(session):
        execute_command(session, package, "package__prepare_package_command__waiting__preparing", {}, picker)
    assert package.holder_id == picker.id
    assert package.items[0].state.enum_value == PackageItemStatus.PREPARING.value
    with transaction(session):
        execute_command(session, package, "package__release_package__preparing__waiting", {}, picker)
    assert package.holder_id is None
    assert package.state.enum_value == PackageStatus.WAITING.value


def test_refuse_requires_a_denial_reason(session):
    """Refusing without a denial reason, or with an unknown one, is refused and changes nothing."""
    package = factories.package(session)
    session.commit()
    slug = "package__refuse_package__waiting__requires-replan"
    for parameters in ({}, {"denial_reason": 99999}, {"denial_reason": "no-such-reason"}):
        with pytest.raises(InvalidParameter) as refused, transaction(session):
            execute_command(session, package, slug, parameters)
        assert refused.value.field == "denial_reason"
    session.refresh(package)
    assert package.state.enum_value == PackageStatus.WAITING.value
    assert _log_count(session, package) == 0


def test_refuse_records_the_reason_on_every_item(session):
    """A refusal stores the denial reason on the items and in the transition log."""
    package = factories.package(session, products=[factories.product(session)] * 2)
    reason = session.scalar(select(DenialReason).where(DenialReason.remote_id == "damaged"))
    with transaction(session):
        result = execute_command(
            session, package, "package__refuse_package__waiting__requires-replan", {"denial_reason": "damaged"}
        )
    assert {item.denial_reason_id for item in package.items} == {reason.id}
    assert {item.state.enum_value for item in package.items} == {PackageItemStatus.REFUSED.value}
    assert result.log.attributes == {"denial_reason": reason.id}


def test_out_of_stock_needs_items_of_this_package(session):
    """The out-of-stock command refuses a missing, empty or foreign package_items parameter."""
    package = factories.package(session)
    other = factories.package(session)
    session.commit()
    slug = "package__detected_out_of_stock_item__waiting__contains-out-of-stock-products"
    for parameters in ({}, {"package_items": []}, {"package_items": [other.items[0].id]}, {"package_items": ["x"]}):
        with pytest.raises(InvalidParameter) as refused, transaction(session):
            execute_command(session, package, slug, parameters)
        assert refused.value.field == "package_items"
    assert _log_count(session, package) == 0


def test_out_of_stock_items_leave_and_the_rest_can_be_packed(session):
    """Marked items leave the package; packing then packs only the remaining ones."""
    first, second = factories.product(session), factories.product(session)
    package = factories.package(session, products=[first, second])
    missing = package.items[0]
    with transaction(session):
        execute_command(
            session,
            package,
            "package__detected_out_of_stock_item__waiting__contains-out-of-stock-products",
            {"package_items": [missing.id]},
        )
    assert package.state.enum_value == PackageStatus.CONTAINS_OUT_OF_STOCK.value
    assert missing.state.enum_value == PackageItemStatus.OUT_OF_STOCK.value
    with transaction(session):
        execute_command(
            session, package, "package__complete_packaging__contains-out-of-stock-products__packed-all-items"
        )
    assert missing.state.enum_value == PackageItemStatus.OUT_OF_STOCK.value
    assert package.items[1].state.enum_value == PackageItemStatus.PACKED.value
    assert package.state.enum_value == PackageStatus.PACKED.value


def test_packing_a_package_with_no_items_left_is_refused(session):
    """When every item is out of stock there is nothing to pack, and pack says so."""
    package = factories.package(session)
    with transaction(session):
        execute_command(
            session,
            package,
            "package__detected_out_of_stock_item__waiting__contains-out-of-stock-products",
            {"package_items": [package.items[0].id]},
        )
    with pytest.raises(InvalidParameter, match="no items left"), transaction(session):
        execute_command(
            session, package, "package__complete_packaging__contains-out-of-stock-products__packed-all-items"
        )
    assert _log_count(session, package) == 1


def test_split_moves_chosen_items_into_a_new_waiting_package(session):
    """Split moves the chosen items to <order>P2 and answers with the reference's body."""
    package = factories.package(session, products=[factories.product(session), factories.product(session)])
    moved = package.items[1]
    with transaction(session):
        result = execute_command(
            session, package, "package__split_package__waiting__waiting", {"package_items": [{"id": moved.id}]}
        )
    new_package = session.get(Package, result.response["package__id"])
    assert new_package.number == f"{package.order.number}P2"
    assert [item.id for item in new_package.items] == [moved.id]
    assert len(package.items) == 1
    assert new_package.state.enum_value == PackageStatus.WAITING.value
    assert new_package.extra_information["parent_package"]["number"] == package.number
    assert result.response["is_same_location"] is True


def test_split_must_leave_an_item_behind(session):
    """Splitting every item out is refused."""
    package = factories.package(session)
    with pytest.raises(InvalidParameter, match="at least one item"):
        execute_command(
            session, package, "package__split_package__waiting__waiting", {"package_items": [package.items[0].id]}
        )


def test_unknown_command_and_bad_parameters_name_the_field(session):
    """An unknown slug or id, or non-object parameters, are refused with the field to blame."""
    package = factories.package(session)
    with pytest.raises(InvalidParameter) as by_slug:
        execute_command(session, package, "package__nonsense")
    assert by_slug.value.field == "slug"
    with pytest.raises(InvalidParameter) as by_id:
        execute_command(session, package, 987654)
    assert by_id.value.field == "transition"
    with pytest.raises(InvalidParameter) as by_params:
        execute_command(session, package, "package__complete_packaging__waiting__packed-all-items", ["x"])
    assert by_params.value.field == "input_parameters"


def test_a_failure_after_the_effects_rolls_back_everything(session, monkeypatch):
    """If anything fails after a command's effects were applied, state, items and log all roll back."""
    package = factories.package(session, products=[factories.product(session)] * 2)
    session.commit()

    def outbox_down(*args, **kwargs):
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(events, "state_changed", outbox_down)
    with pytest.raises(RuntimeError), transaction(session):
        execute_command(session, package, "package__complete_packaging__waiting__packed-all-items")
    session.refresh(package)
    assert package.state.enum_value == PackageStatus.WAITING.value
    assert {item.state.enum_value for item in package.items} == {PackageItemStatus.WAITING.value}
    assert package.version == 1
    assert _log_count(session, package) == 0
