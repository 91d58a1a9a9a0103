"""People: creating users, checking passwords, and slowing down guessing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from packing.core.errors import DomainError, InvalidParameter
from packing.core.models import LoginAttempt, Role, StockLocation, User

MIN_PASSWORD_LENGTH = 8
# werkzeug's default (scrypt) in production; the test suite swaps in a cheap method, since
# every user its factories build would otherwise pay ~75 ms of deliberate slowness.
PASSWORD_HASH_METHOD = "scrypt"


class SignInRefused(DomainError):
    code = "sign_in_refused"
    http_status = 401


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429


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
        raise InvalidParameter(f"User {username} already exists.", field="username")
    if role not in Role.ALL:
        raise InvalidParameter(f"Role must be one of {', '.join(Role.ALL)}.", field="role")
    user = User(username=username, role=role, email=email, locale=locale)
    set_password(user, password)
    user.stock_locations = locations_by_code(session, location_codes)
    if role != Role.ADMIN and not user.stock_locations:
        raise InvalidParameter("A picker or lead needs at least one stock location.", field="location")
    session.add(user)
    session.flush()
    return user


def locations_by_code(session: Session, codes: Iterable[str]) -> list[StockLocation]:
    codes = list(dict.fromkeys(codes))
    locations = list(session.scalars(select(StockLocation).where(StockLocation.erp_code.in_(codes))))
    unknown = sorted(set(codes) - {loc.erp_code for loc in locations})
    if unknown:
        raise InvalidParameter(f"Unknown stock location {', '.join(unknown)}.", field="location")
    return locations


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)


@dataclass
class SignIn:
    """The outcome of a sign-in attempt: the user, or why not."""

    user: Optional[User] = None
    refusal: Optional[DomainError] = None


def authenticate(
    session: Session,
    username: str,
    password: str,
    remote_addr: str = "",
    *,
    max_failures: int = 5,
    lockout: timedelta = timedelta(minutes=5),
    now: Optional[datetime] = None,
) -> SignIn:
    """Check a username and password; after ``max_failures`` recent failures the name is
    locked for ``lockout``. A failure is recorded in the session, so the caller commits
    the outcome either way: the record of guessing is what the lockout counts."""
    now = now or datetime.now(timezone.utc)
    recent = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username, LoginAttempt.created_date > now - lockout
        )
    )
    if recent >= max_failures:
        return SignIn(refusal=TooManyAttempts("Too many failed sign-ins. Wait a few minutes and try again.", "username"))
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not check_password_hash(user.password_hash, password):
        session.add(LoginAttempt(username=username, remote_addr=remote_addr, created_date=now))
        session.flush()
        return SignIn(refusal=SignInRefused("Wrong username or password.", field="password"))
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    return SignIn(user=user)
