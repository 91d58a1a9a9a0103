"""Who works on a package: whether it is still open, who holds it, who may act on it, and
taking it. The station, the queue and the scan domain all ask here, so the rule is
written once."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core.catalogue import OPEN_PACKAGE_STATES, CommandType, PackageStatus
from packing.core.commands import execute_command
from packing.core.db import lock_package
from packing.core.errors import CommandNotAllowed
from packing.core.messages import N_
from packing.core.models import Package, Role, State, Transition, User

# Why someone may not act on a package (also the kinds of the scans refused for it).
NOT_HELD = "not_held"
HELD_BY_OTHER = "held_by_other"

OPEN_STATE_VALUES = frozenset(status.value for status in OPEN_PACKAGE_STATES)
# Leads and admins may step in for a package's holder.
STEPS_IN = (Role.LEAD, Role.ADMIN)


def is_open_state(state: State) -> bool:
    """Whether a package in ``state`` still has work for a picker (scans, commands)."""
    return state.enum_value in OPEN_STATE_VALUES


def is_open(package: Package) -> bool:
    return is_open_state(package.state)


def holder_name(package: Package) -> str:
    """The holder as other pickers know them."""
    return package.holder.username if package.holder else "another picker"


def refusal_to_act(user: Optional[User], package: Package) -> Optional[str]:
    """Why ``user`` may not act on the package, or None when they may: the holder acts, a
    lead or admin steps in for a holder, and nobody acts on a package nobody holds (it is
    opened, so taken, first). No user is the system (an import, a job): it always may."""
    if user is None or package.holder_id == user.id:
        return None
    if package.holder_id is None:
        return NOT_HELD
    if user.role in STEPS_IN:
        return None
    return HELD_BY_OTHER


def may_act(user: Optional[User], package: Package) -> bool:
    """Whether ``user`` may scan the package and run its commands (see ``refusal_to_act``)."""
    return refusal_to_act(user, package) is None


def check_may_act(user: Optional[User], package: Package) -> None:
    """Refuse a command from someone who may not act on the package."""
    refusal = refusal_to_act(user, package)
    if refusal == NOT_HELD:
        raise CommandNotAllowed(N_("Nobody holds this package: open it first."), field="package")
    if refusal == HELD_BY_OTHER:
        raise CommandNotAllowed("{holder} is packing this package.", field="package", holder=holder_name(package))


def take_package(session: Session, package_id: int, user: User) -> Package:
    """Make ``user`` the package's holder, so that they may scan it and run its commands: a
    waiting package is prepared (the claim, with its transition log); an open package nobody
    holds is simply taken. A package someone else holds stays theirs (a lead may still act
    on it); a finished one is left as it is."""
    package = lock_package(session, package_id)
    if package.holder_id == user.id or not is_open(package):
        return package
    if package.holder_id is not None:
        check_may_act(user, package)
        return package
    if package.state.enum_value == PackageStatus.WAITING.value:
        prepare = session.scalar(
            select(Transition)
            .where(Transition.command == CommandType.PREPARE, Transition.source_state_id == package.state_id)
            .order_by(Transition.id)
        )
        if prepare is not None:
            return execute_command(session, package, prepare, {}, user).package
    package.holder_id = user.id
    session.flush()
    return package
