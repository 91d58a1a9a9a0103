"""Commands are configuration: an administrator adds a transition (slug, command type, source
and destination states, labels in each language) and the API, the station and the Seller
Center status updates run it like the built-in ones, since they all go through
``execute_command`` and read the ``transition`` table.

A command type names what the command does (``COMPLETE_PACKAGING``...); only the types that
have a handler can be configured, so a new command is a new path through the states with
known behaviour, never new code.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packing.core import commands
from packing.core.errors import InvalidParameter
from packing.core.models import State, Transition, fold_case
from packing.core.parsing import has_nul

PACKAGE_STATES = "PackageStatus"


def package_state(session: Session, reference: str, field: str) -> State:
    """A package state by its enum value ("200") or its name in any language ("Hazırlanıyor")."""
    states = session.scalars(select(State).where(State.enum_class == PACKAGE_STATES).order_by(State.id)).all()
    wanted = fold_case(reference.strip())
    for state in states:
        names = [
            state.enum_value,
            state.name,
            *((text or {}).get("name") for text in (state.translations or {}).values()),
        ]
        if wanted in {fold_case(name) for name in names if name}:
            return state
    raise InvalidParameter("No package state '{state}'.", state=reference, field=field)


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or has_nul(value):
        raise InvalidParameter("{name} must be 1 to {limit} characters.", name=field, limit=limit, field=field)
    return value


def add_transition(
    session: Session,
    *,
    slug: str,
    command_type: str,
    source: str,
    destination: str,
    label: str,
    translations: Optional[dict[str, str]] = None,
    packageitem_parameter_required: bool = False,
    position: Optional[int] = None,
) -> Transition:
    """Add an active command; ``translations`` maps a catalogue language ("tr-tr") to its label."""
    slug = _text(slug, "slug", 200)
    if any(character.isspace() for character in slug):
        raise InvalidParameter("A slug has no spaces.", field="slug")
    if session.scalar(select(Transition.id).where(Transition.slug == slug)) is not None:
        raise InvalidParameter("There is already a command '{slug}'.", slug=slug, field="slug")
    if command_type not in commands.command_types():
        raise InvalidParameter(
            "Command type {command} is not supported; choose one of {types}.",
            command=command_type,
            types=", ".join(commands.command_types()),
            field="command",
        )
    label = _text(label, "label", 200)
    labels = {"en-us": {"label": label}}
    for language, text in (translations or {}).items():
        labels[_text(language, "language", 16).lower()] = {"label": _text(text, "label", 200)}
    if position is None:
        position = (session.scalar(select(func.max(Transition.position))) or 0) + 1
    transition = Transition(
        command=command_type,
        slug=slug,
        label=label,
        translations=labels,
        source_state=package_state(session, source, "source"),
        destination_state=package_state(session, destination, "destination"),
        is_packageitem_parameter_required=packageitem_parameter_required,
        position=position,
        is_active=True,
    )
    session.add(transition)
    session.flush()
    return transition


def set_transition_active(session: Session, slug: str, active: bool) -> Transition:
    transition = session.scalar(select(Transition).where(Transition.slug == slug))
    if transition is None:
        raise InvalidParameter("Unknown command '{command}'.", command=slug, field="slug")
    transition.is_active = active
    session.flush()
    return transition


def list_transitions(session: Session) -> list[Transition]:
    return list(session.scalars(select(Transition).order_by(Transition.position, Transition.id)))
