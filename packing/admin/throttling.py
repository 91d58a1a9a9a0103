"""Lifting the sign-in pause Flask-Limiter puts on a name (packing/auth's login limits)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from limits import parse_many

from packing.extensions import limiter

LOGIN_ENDPOINT = "auth.login"


def unlock_sign_in(username: str, addresses: Iterable[str]) -> None:
    """Forget the failures counted for ``username`` at each address: the key packing/auth
    gives its per-name limit is ``name@address``, scoped to the sign-in endpoint. The
    per-address limit stays: it guards against one address trying name after name."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_USERNAME"]):
        for address in addresses:
            identifiers = [f"{username}@{address}", LOGIN_ENDPOINT]
            limiter.limiter.clear(item, *([prefix, *identifiers] if prefix else identifiers))
