"""API tokens for integrators: created once (the key is shown once), stored as a SHA-256
hash with a short prefix to tell keys apart, scoped to stock locations, revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from packing.core.errors import InvalidParameter, NotFound
from packing.core.models import ApiToken, Role, StockLocation, User
from packing.core.users import locations_by_code

PREFIX_LENGTH = 8
# Writing last_used_date on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass
class IssuedToken:
    """A new token and its key; the key exists only here, never in the database."""

    token: ApiToken
    key: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(session: Session, user: User, location_codes: Iterable[str] = (), name: str = "") -> IssuedToken:
    """Issue a key for ``user``, limited to ``location_codes`` (default: all of the user's
    locations). A non-admin may only be given locations the user works at."""
    if not user.is_active:
        raise InvalidParameter("User {username} is not active.", username=user.username, field="username")
    name = name.strip()
    if len(name) > 100:
        raise InvalidParameter("A token name has at most 100 characters.", field="name")
    locations = locations_by_code(session, location_codes)
    if user.role != Role.ADMIN:
        allowed = {location.id for location in user.stock_locations}
        outside = sorted(location.erp_code for location in locations if location.id not in allowed)
        if outside:
            raise InvalidParameter(
                "{username} does not work at {locations}.",
                username=user.username,
                locations=", ".join(outside),
                field="location",
            )
        if not locations:
            locations = list(user.stock_locations)
        if not locations:
            raise InvalidParameter(
                "{username} has no stock location to scope a token to.", username=user.username, field="location"
            )
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, key_prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key), stock_locations=locations
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, key)


def verify_token(session: Session, key: str, now: Optional[datetime] = None) -> Optional[ApiToken]:
    """The live token for ``key`` (not revoked, its user active), or None."""
    if not key or len(key) > 200:
        return None
    digest = hash_key(key)
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.key_hash == digest, ApiToken.revoked_date.is_(None))
        .options(selectinload(ApiToken.stock_locations), selectinload(ApiToken.user))
    )
    if token is None or not token.user.is_active:
        return None
    now = now or datetime.now(UTC)
    last_used = token.last_used_date
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        token.last_used_date = now
        session.flush()
    return token


def revoke_token(session: Session, token_id: int, now: Optional[datetime] = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_date is None:
        token.revoked_date = now or datetime.now(UTC)
        session.flush()
    return token


def scope_location_ids(session: Session, token: ApiToken) -> Optional[set[int]]:
    """The stock locations the token may see; None means every location (an admin's
    token issued without a scope)."""
    if token.stock_locations:
        return {location.id for location in token.stock_locations}
    if token.user.role == Role.ADMIN:
        return None
    return {location.id for location in token.user.stock_locations}


def list_tokens(session: Session) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .options(selectinload(ApiToken.stock_locations), selectinload(ApiToken.user))
            .order_by(ApiToken.revoked_date.is_not(None), ApiToken.created_date.desc(), ApiToken.id.desc())
        )
    )


def all_locations(session: Session) -> list[StockLocation]:
    return list(
        session.scalars(select(StockLocation).where(StockLocation.is_active.is_(True)).order_by(StockLocation.name))
    )
