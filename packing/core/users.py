"""People: creating users, checking passwords, and ending their sessions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from packing.core.errors import DomainError, InvalidParameter, NotFound
from packing.core.models import Role, StockLocation, User

MIN_PASSWORD_LENGTH = 8
# werkzeug's default (scrypt) in production; the test suite swaps in a cheap method, since
# every user its factories build would otherwise pay ~75 ms of deliberate slowness.
PASSWORD_HASH_METHOD = "scrypt"


class SignInRefused(DomainError):
    code = "sign_in_refused"
    http_status = 401


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    location_codes: Iterable[str] = (),
    email: str = "",
    locale: str = "en",
) -> User:
    username = username.strip()
    if not username:
        raise InvalidParameter("A username is required.", field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidParameter("User {username} already exists.", username=username, field="username")
    if role not in Role.ALL:
        raise InvalidParameter("Role must be one of {roles}.", roles=", ".join(Role.ALL), field="role")
    user = User(username=username, role=role, email=email, locale=locale)
    set_password(user, password)
    user.stock_locations = locations_by_code(session, location_codes)
    if role != Role.ADMIN and not user.stock_locations:
        raise InvalidParameter("A picker or lead needs at least one stock location.", field="location")
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound("No user {username}.", username=username.strip())
    return user


def locations_by_code(session: Session, codes: Iterable[str]) -> list[StockLocation]:
    codes = list(dict.fromkeys(codes))
    locations = list(session.scalars(select(StockLocation).where(StockLocation.erp_code.in_(codes))))
    unknown = sorted(set(codes) - {loc.erp_code for loc in locations})
    if unknown:
        raise InvalidParameter("Unknown stock location {location}.", location=", ".join(unknown), field="location")
    return locations


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(
            "A password needs at least {min_length} characters.", min_length=MIN_PASSWORD_LENGTH, field="password"
        )
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    end_sessions(user)


@dataclass
class SignIn:
    """The outcome of a sign-in attempt: the user, or why not."""

    user: Optional[User] = None
    refusal: Optional[DomainError] = None


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(session: Session, username: str, password: str) -> SignIn:
    """Check a username and password. An unknown or inactive name costs the same password
    check as a known one (against a throwaway hash made with the same method), so the time
    an answer takes does not tell which names exist. Throttling guesses is the caller's."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _dummy_hash(PASSWORD_HASH_METHOD)
    matches = check_password_hash(stored, password)
    if user is None or not user.is_active or not matches:
        return SignIn(refusal=SignInRefused("Wrong username or password.", field="password"))
    return SignIn(user=user)


def end_sessions(user: User) -> None:
    """Every session signed in as ``user`` so far is over (each carries the old version)."""
    user.session_version = (user.session_version or 0) + 1


def set_active(user: User, active: bool) -> None:
    if user.is_active and not active:
        end_sessions(user)
    user.is_active = active
