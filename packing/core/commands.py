"""Running a package's commands: configured state transitions with effects and a log.

``execute_command`` is the only way a package changes state. It locks the package row,
checks the command starts from the current state and has its parameters, applies the
command type's effects, moves the package, and writes exactly one transition log. It
never commits: the caller wraps it in ``packing.core.db.transaction`` so the change and
its log land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core import boxes, events, shipping
from packing.core.catalogue import (
    CommandType,
    PackageItemStatus,
    PackageStatus,
    active_items,
    item_state,
    package_state,
)
from packing.core.db import lock_package
from packing.core.errors import CommandNotAllowed, InvalidParameter, NotFound
from packing.core.models import (
    DenialReason,
    Package,
    PackageItem,
    Transition,
    TransitionLog,
    User,
)
from packing.core.observers import observe_commands
from packing.core.parsing import is_ascii_int, parse_id, parse_text


@dataclass
class CommandContext:
    session: Session
    package: Package
    transition: Transition
    input_parameters: dict[str, Any]
    user: Optional[User]
    # What the log records beside the states: the parameters as the command understood them.
    log_attributes: dict[str, Any] = field(default_factory=dict)
    # A body for the caller (the API answers 200 with it, or 204 when it stays None).
    response: Optional[dict[str, Any]] = None


@dataclass
class CommandResult:
    package: Package
    transition: Transition
    log: TransitionLog
    response: Optional[dict[str, Any]]


Handler = Callable[[CommandContext], None]
_HANDLERS: dict[str, Handler] = {}


def handles(*command_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for command_type in command_types:
            _HANDLERS[command_type] = handler
        return handler

    return register


def command_types() -> list[str]:
    """The command types a configured transition may name: those with a handler."""
    return sorted(_HANDLERS)


def resolve_transition(session: Session, transition_or_slug: Transition | int | str) -> Transition:
    if isinstance(transition_or_slug, Transition):
        return transition_or_slug
    if isinstance(transition_or_slug, int):
        transition = session.get(Transition, transition_or_slug)
        field_name = "transition"
    else:
        transition = session.scalar(select(Transition).where(Transition.slug == transition_or_slug))
        field_name = "slug"
    if transition is None or not transition.is_active:
        raise InvalidParameter("Unknown command '{command}'.", command=transition_or_slug, field=field_name)
    return transition


@observe_commands
def execute_command(
    session: Session,
    package: Package | int,
    transition_or_slug: Transition | int | str,
    input_parameters: Optional[dict[str, Any]] = None,
    user: Optional[User] = None,
) -> CommandResult:
    """Run one command on one package; raise a ``DomainError`` and change nothing otherwise."""
    if input_parameters is not None and not isinstance(input_parameters, dict):
        raise InvalidParameter("input_parameters must be an object.", field="input_parameters")
    transition = resolve_transition(session, transition_or_slug)
    package = lock_package(session, package if isinstance(package, int) else package.id)
    events.complete_snapshots(session, package)

    if transition.source_state_id != package.state_id:
        raise CommandNotAllowed(
            "“{command}” cannot run on a package that is {state}.",
            command=transition.label,
            state=package.state.name,
            field="transition",
        )
    params = dict(input_parameters or {})
    if transition.is_packageitem_parameter_required and not params.get("package_items"):
        raise InvalidParameter("Choose at least one package item.", field="package_items")

    handler = _HANDLERS.get(transition.command)
    if handler is None:
        raise InvalidParameter(
            "Command type {command} is not supported.", command=transition.command, field="transition"
        )

    old_state = package.state
    context = CommandContext(session, package, transition, params, user)
    handler(context)

    package.state = transition.destination_state
    package.version += 1
    package.modified_date = datetime.now(UTC)
    log = TransitionLog(
        object_id=package.id,
        old_state=old_state,
        new_state=transition.destination_state,
        transition=transition,
        user_id=user.id if user else None,
        stock_location_id=package.stock_location_id,
        attributes=context.log_attributes,
    )
    session.add(log)
    session.flush()
    events.state_changed(session, package, transition, old_state, log)
    return CommandResult(package, transition, log, context.response)


# --- Helpers for handlers -------------------------------------------------------------


def _set_items_state(session: Session, items: Iterable[PackageItem], status: PackageItemStatus, **values: Any) -> None:
    state = item_state(session, status)
    for item in items:
        item.state = state
        for name, value in values.items():
            setattr(item, name, value)


def _chosen_items(ctx: CommandContext) -> list[PackageItem]:
    """The active items of this package named by ``input_parameters["package_items"]``."""
    raw = ctx.input_parameters.get("package_items")
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter("package_items must be a non-empty list of package item ids.", field="package_items")
    ids = [parse_id(entry.get("id") if isinstance(entry, dict) else entry, "package_items") for entry in raw]
    by_id = {item.id: item for item in active_items(ctx.package)}
    missing = sorted(set(ids) - set(by_id))
    if missing:
        raise InvalidParameter(
            "Package items {items} are not open items of package {number}.",
            items=missing,
            number=ctx.package.number,
            field="package_items",
        )
    ctx.log_attributes["package_items"] = sorted(set(ids))
    return [by_id[i] for i in sorted(set(ids))]


# --- Handlers -------------------------------------------------------------------------


@handles(CommandType.PREPARE, CommandType.STATE_TRANSITION)
def _prepare(ctx: CommandContext) -> None:
    _set_items_state(
        ctx.session,
        [i for i in active_items(ctx.package) if i.state.enum_value == PackageItemStatus.WAITING.value],
        PackageItemStatus.PREPARING,
    )
    ctx.package.holder_id = ctx.user.id if ctx.user else None


@handles(CommandType.RELEASE)
def _release(ctx: CommandContext) -> None:
    _set_items_state(ctx.session, active_items(ctx.package), PackageItemStatus.WAITING)
    ctx.package.holder_id = None


@handles(
    CommandType.COMPLETE_PACKAGING,
    CommandType.COMPLETE_PACKAGING_WITHOUT_SHIPMENT,
    CommandType.CHANNEL_BASED_COMPLETE_PACKAGING,
)
def _complete_packaging(ctx: CommandContext) -> None:
    items = active_items(ctx.package)
    if not items:
        raise InvalidParameter("The package has no items left to pack.", field="package_items")
    packed_in = boxes.close_boxes(ctx.session, ctx.package)
    _set_items_state(ctx.session, items, PackageItemStatus.PACKED)
    ctx.package.holder_id = None
    ctx.log_attributes["boxes"] = len(packed_in)
    if ctx.transition.command != CommandType.COMPLETE_PACKAGING_WITHOUT_SHIPMENT:
        shipment = shipping.create_shipment(ctx.session, ctx.package)
        ctx.log_attributes["tracking_number"] = shipment.awb_number


@handles(CommandType.REFUSE)
def _refuse(ctx: CommandContext) -> None:
    raw = ctx.input_parameters.get("denial_reason")
    if raw in (None, ""):
        raise InvalidParameter("Choose a denial reason.", field="denial_reason")
    reason = None
    if isinstance(raw, int) or (isinstance(raw, str) and is_ascii_int(raw)):
        reason = ctx.session.get(DenialReason, parse_id(raw, "denial_reason"))
    elif isinstance(raw, str):
        reason = ctx.session.scalar(
            select(DenialReason).where(DenialReason.remote_id == parse_text(raw, "denial_reason", max_length=64))
        )
    if reason is None or not reason.is_active:
        raise InvalidParameter(
            "'{denial_reason}' is not an active denial reason.", denial_reason=raw, field="denial_reason"
        )
    _set_items_state(ctx.session, active_items(ctx.package), PackageItemStatus.REFUSED, denial_reason_id=reason.id)
    ctx.package.holder_id = None
    ctx.log_attributes["denial_reason"] = reason.id


@handles(CommandType.OUT_OF_STOCK)
def _out_of_stock(ctx: CommandContext) -> None:
    chosen = _chosen_items(ctx)
    discrepancy = ctx.input_parameters.get("discrepancy_reason")
    if discrepancy is not None and (not isinstance(discrepancy, str) or len(discrepancy) > 200):
        raise InvalidParameter("discrepancy_reason must be text of at most 200 characters.", "discrepancy_reason")
    _set_items_state(
        ctx.session, chosen, PackageItemStatus.OUT_OF_STOCK, discrepancy_reason=discrepancy or "out_of_stock"
    )


@handles(CommandType.SPLIT)
def _split(ctx: CommandContext) -> None:
    chosen = _chosen_items(ctx)
    if len(chosen) == len(active_items(ctx.package)):
        raise InvalidParameter("Leave at least one item in the original package.", field="package_items")
    source = ctx.package
    new_package = Package(
        number=_next_package_number(ctx.session, source),
        order_id=source.order_id,
        stock_location_id=source.stock_location_id,
        state=package_state(ctx.session, PackageStatus.WAITING),
        target_packing_date=source.target_packing_date,
        extra_information={"parent_package": {"id": source.id, "number": source.number}},
        parent_id=source.id,
    )
    ctx.session.add(new_package)
    ctx.session.flush()
    # The split-off units leave this package's boxes with it.
    _set_items_state(ctx.session, chosen, PackageItemStatus.WAITING, package=new_package, box_id=None)
    ctx.session.flush()
    ctx.log_attributes["new_package"] = {"id": new_package.id, "number": new_package.number}
    ctx.response = {
        "package__id": new_package.id,
        "package__number": new_package.number,
        "package__stock_location__id": source.stock_location_id,
        "package__stock_location__name": source.stock_location.name,
        "is_same_location": True,
    }
    events.package_created(ctx.session, new_package)


@handles(CommandType.CANCEL)
def _cancel(ctx: CommandContext) -> None:
    _set_items_state(ctx.session, active_items(ctx.package), PackageItemStatus.CANCELLED)
    ctx.package.holder_id = None


@handles(CommandType.READY_TO_SHIP, CommandType.DELIVERY_FAILED)
def _no_item_change(ctx: CommandContext) -> None:
    """These move the package only; its items keep their state."""


@handles(CommandType.SHIP)
def _ship(ctx: CommandContext) -> None:
    _set_items_state(ctx.session, active_items(ctx.package), PackageItemStatus.SHIPPED)
    ctx.package.shipment_date = ctx.package.shipment_date or datetime.now(UTC)


@handles(CommandType.DELIVER)
def _deliver(ctx: CommandContext) -> None:
    shipped = [i for i in ctx.package.items if i.state.enum_value == PackageItemStatus.SHIPPED.value]
    _set_items_state(ctx.session, shipped, PackageItemStatus.DELIVERED)


def _next_package_number(session: Session, package: Package) -> str:
    """Packages of an order are numbered <order number>P1, P2, ...; a split takes the next."""
    count = session.scalar(select(func.count(Package.id)).where(Package.order_id == package.order_id)) or 0
    prefix = f"{package.order.number}P"
    number = count + 1
    while session.scalar(select(Package.id).where(Package.number == f"{prefix}{number}")) is not None:
        number += 1
    return f"{prefix}{number}"


def get_package(session: Session, package_id: int) -> Package:
    package = session.get(Package, package_id)
    if package is None:
        raise NotFound("No such package.")
    return package
