"""People: creating and editing users, the password rules, checking passwords, and ending
their sessions. Admins' changes are recorded by the caller (packing/core/audit.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from packing.core.errors import DomainError, InvalidParameter, NotFound
from packing.core.models import Role, StockLocation, User, user_stock_location

MIN_PASSWORD_LENGTH = 10
# Passwords of ten or more characters people pick most (scripts/generate-common-passwords.py).
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
# werkzeug's default (scrypt) in production; the test suite swaps in a cheap method, since
# every user its factories build would otherwise pay ~75 ms of deliberate slowness.
PASSWORD_HASH_METHOD = "scrypt"


class SignInRefused(DomainError):
    code = "sign_in_refused"
    http_status = 401


class WeakPassword(InvalidParameter):
    """A password the rules refuse; the subclass says which rule."""

    code = "weak_password"


class PasswordTooShort(WeakPassword):
    code = "password_too_short"


class PasswordTooCommon(WeakPassword):
    code = "password_too_common"


class PasswordIsUsername(WeakPassword):
    code = "password_is_username"


class WrongCurrentPassword(InvalidParameter):
    code = "wrong_current_password"


class OwnAccountChange(InvalidParameter):
    """An admin may not lock themselves out: no deactivating or demoting their own account."""

    code = "own_account_change"


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    location_codes: Iterable[str] = (),
    email: str = "",
    locale: str = "en",
    must_change_password: bool = False,
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
    user.must_change_password = must_change_password
    user.stock_locations = locations_by_code(session, location_codes)
    _check_locations(user)
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


def _check_locations(user: User) -> None:
    if user.role != Role.ADMIN and not user.stock_locations:
        raise InvalidParameter("A picker or lead needs at least one stock location.", field="location")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split())


def check_password(password: str, username: str) -> None:
    """The rules every new password meets: long enough, not a common one, not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(
            "A password needs at least {min_length} characters.", min_length=MIN_PASSWORD_LENGTH, field="password"
        )
    if password.strip().casefold() == username.strip().casefold():
        raise PasswordIsUsername("A password must not be the username.", field="password")
    if password.strip().lower() in common_passwords():
        raise PasswordTooCommon("That password is too common; choose another.", field="password")


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """A new password (the sessions signed in with the old one end); ``must_change`` makes
    the user choose their own at their next sign-in (a password an admin handed out)."""
    check_password(password, user.username or "")
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    user.must_change_password = must_change
    end_sessions(user)


def one_time_password() -> str:
    """A password an admin hands over once: four groups of letters and digits, read aloud
    or typed on a tablet without confusing 0/O or 1/l."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def issue_user(session: Session, username: str, role: str, location_ids: Iterable[int]) -> tuple[User, str]:
    """An admin creates a user: returns it and its one-time password, to be changed at first sign-in."""
    password = one_time_password()
    codes = [location.erp_code for location in locations_by_id(session, location_ids)]
    user = create_user(session, username, password, role, codes, must_change_password=True)
    return user, password


def reset_password(user: User) -> str:
    """A fresh one-time password; the user's sessions end and they choose a new one at sign-in."""
    password = one_time_password()
    set_password(user, password, must_change=True)
    return password


def change_own_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise WrongCurrentPassword("The current password is wrong.", field="current_password")
    if current == new:
        raise WeakPassword("Choose a password different from the current one.", field="password")
    set_password(user, new)


def update_user(session: Session, user: User, acting: User, role: str, location_ids: Iterable[int]) -> None:
    if role not in Role.ALL:
        raise InvalidParameter("Role must be one of {roles}.", roles=", ".join(Role.ALL), field="role")
    if user.id == acting.id and role != user.role:
        raise OwnAccountChange("You cannot change your own role.", field="role")
    locations = locations_by_id(session, location_ids)
    changed = role != user.role or {loc.id for loc in locations} != {loc.id for loc in user.stock_locations}
    user.role = role
    user.stock_locations = locations
    _check_locations(user)
    if changed:
        # What a session may see was decided at sign-in (its store); sign in again to the new one.
        end_sessions(user)


def locations_by_id(session: Session, ids: Iterable[int]) -> list[StockLocation]:
    ids = list(dict.fromkeys(ids))
    locations = list(session.scalars(select(StockLocation).where(StockLocation.id.in_(ids)))) if ids else []
    if len(locations) != len(ids):
        raise InvalidParameter("Unknown stock location.", field="location")
    return locations


def list_users(
    session: Session,
    search: str = "",
    role: Optional[str] = None,
    location_id: Optional[int] = None,
    active: Optional[bool] = None,
) -> list[User]:
    query = select(User).order_by(User.username)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.email).like(pattern)))
    if role in Role.ALL:
        query = query.where(User.role == role)
    if location_id is not None:
        query = query.where(
            User.id.in_(
                select(user_stock_location.c.user_id).where(user_stock_location.c.stock_location_id == location_id)
            )
        )
    if active is not None:
        query = query.where(User.is_active.is_(active))
    return list(session.scalars(query))


def snapshot(user: User) -> dict:
    """What the audit log keeps of a user before and after a change (never the password)."""
    return {
        "username": user.username,
        "role": user.role,
        "stock_locations": sorted(loc.erp_code for loc in user.stock_locations),
        "is_active": bool(user.is_active),
    }


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


def set_active(user: User, active: bool, acting: Optional[User] = None) -> None:
    if acting is not None and acting.id == user.id and not active:
        raise OwnAccountChange("You cannot deactivate your own account.", field="is_active")
    if user.is_active and not active:
        end_sessions(user)
    user.is_active = active
