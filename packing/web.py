"""What every screen shares: roles, the current stock location, location-scoped lookups,
and answering htmx and plain requests from the same view."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, format_time, get_locale
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, exists, select

from packing.core.claims import take_package
from packing.core.dashboard import StoreClock, as_utc, time_zone
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.models import Package, Role, StockLocation, user_stock_location
from packing.extensions import db, htmx
from packing.i18n import error_message

LOCATION_KEY = "stock_location_id"


def roles_required(*roles: str) -> Callable:
    """Signed in and holding one of ``roles`` (an admin may do everything)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_location() -> StockLocation | None:
    """The stock location the user works at now: the chosen one, else their first."""
    locations = current_user.stock_locations
    chosen = session.get(LOCATION_KEY)
    for location in locations:
        if location.id == chosen:
            return location
    return locations[0] if locations else None


def store_clock(location: StockLocation) -> StoreClock:
    """The store's calendar now: its own time zone, else the installation's default."""
    zone = time_zone(location.time_zone, current_app.config["DEFAULT_TIME_ZONE"])
    return StoreClock(zone, datetime.now(UTC))


def store_zone() -> ZoneInfo:
    """The time zone of the store the user works at now (Flask-Babel's time zone too)."""
    if "store_zone" not in g:
        location = current_location() if current_user.is_authenticated else None
        g.store_zone = time_zone(location.time_zone if location else None, current_app.config["DEFAULT_TIME_ZONE"])
    return g.store_zone


def store_time(moment: datetime | None) -> datetime | None:
    """``moment`` on the clock of the store the user works at now (templates: ``|store_time``)."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(store_zone())


def store_datetime(moment: datetime | None, format: str = "short") -> str:
    """``moment`` written the user's way on the store's clock ("3.12.2026 09:21", "12/3/26, 9:21 AM")."""
    return format_datetime(as_utc(moment), format) if moment else ""


def store_time_of_day(moment: datetime | None, format: str = "short") -> str:
    """The time of day of ``moment`` on the store's clock, written the user's way."""
    return format_time(as_utc(moment), format) if moment else ""


def store_day_and_clock(moment: datetime | None) -> str:
    """A day of this season and its time, short: "3/12 09:21" in Turkish, "12/3 9:21 AM" in English."""
    if not moment:
        return ""
    local = store_time(moment)
    return f"{format_skeleton('MMdd', local, locale=get_locale())} {store_time_of_day(moment)}"


def require_location() -> StockLocation:
    location = current_location()
    if location is None:
        abort(403)
    return location


def package_at_my_location(package_id: int) -> Package:
    """The package, if it is at the user's current stock location; 404 otherwise, so that
    another store's package numbers are not even confirmed to exist.

    Every station request starts here, so the usual case is one query: the package at the
    location chosen in the session, which the user must still be assigned to."""
    package = db.session.scalar(_AT_CHOSEN_LOCATION[Package], _chosen_location_parameters(package_id))
    return package if package is not None else _at_current_location(package_id)


def check_package_at_my_location(package_id: int) -> None:
    """The same check for a view that loads the package its own way (a scan locks it first):
    only the package's id is read."""
    if db.session.scalar(_AT_CHOSEN_LOCATION[Package.id], _chosen_location_parameters(package_id)) is None:
        _at_current_location(package_id)


def _at_chosen_location(entity) -> Select:
    return select(entity).where(
        Package.id == bindparam("package_id"),
        Package.stock_location_id == bindparam("location_id"),
        exists().where(
            user_stock_location.c.user_id == bindparam("user_id"),
            user_stock_location.c.stock_location_id == Package.stock_location_id,
        ),
    )


# Built once: building a statement costs about as much as running this one.
_AT_CHOSEN_LOCATION = {Package: _at_chosen_location(Package), Package.id: _at_chosen_location(Package.id)}


def _chosen_location_parameters(package_id: int) -> dict:
    return {"package_id": package_id, "location_id": session.get(LOCATION_KEY), "user_id": current_user.id}


def _at_current_location(package_id: int) -> Package:
    # The chosen location may have been taken away: current_location() falls back.
    location = current_location()
    package = db.session.get(Package, package_id)
    if package is None or location is None or package.stock_location_id != location.id:
        abort(404)
    return package


# An id no row has (ids end at 2**31 - 1), for building a URL once around it.
_ID_PLACEHOLDER = 9_999_999_999


def id_url(endpoint: str, name: str) -> Callable[[int], str]:
    """``url_for(endpoint, name=id)`` for every row of a page at the cost of one ``url_for``:
    the URL is built once around a placeholder id, which each call replaces."""
    before, _placeholder, after = url_for(endpoint, **{name: _ID_PLACEHOLDER}).partition(str(_ID_PLACEHOLDER))
    return lambda row_id: f"{before}{int(row_id)}{after}"


def render(template: str, partial: str | None = None, status: int = 200, **context):
    """Render the page, or only ``partial`` for an htmx request; the page includes the
    partial, so both are the same markup. Responses vary on HX-Request for caches."""
    name = partial if partial and htmx and not htmx.boosted else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    return response


def wants_partial() -> bool:
    return bool(htmx) and not htmx.boosted


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: the one check for every
    redirect a form or link asks for (sign-in's ``next``, the language switch, ...).

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so ``/``,
    a tab, ``/evil.example`` would leave the site: any control character, whitespace or
    backslash refuses the target, as do ``//host`` and schemes."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(
        char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in target
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_ip() -> str:
    return request.remote_addr or ""


class NavItem:
    def __init__(self, label: str, endpoint: str, roles: tuple[str, ...], order: int):
        self.label, self.endpoint, self.roles, self.order = label, endpoint, roles, order

    def visible_to(self, user) -> bool:
        return user.role == Role.ADMIN or user.role in self.roles


NAV_ITEMS: list[NavItem] = []


def register_nav(label: str, endpoint: str, roles: tuple[str, ...], order: int = 50) -> None:
    """Each screen's blueprint adds its own entry to the top navigation."""
    NAV_ITEMS.append(NavItem(label, endpoint, roles, order))
    NAV_ITEMS.sort(key=lambda item: item.order)


def home_endpoint(user) -> str:
    """The first screen of the navigation ``user`` may see: where signing in lands them."""
    for item in NAV_ITEMS:
        if item.visible_to(user):
            return item.endpoint
    return "auth.account"


def open_for_me(package: Package):
    """Open a package to work on it at the station: it is taken for the signed-in picker,
    whatever link or scan led here; a refused claim is shown, not hidden."""
    try:
        with transaction(db.session):
            take_package(db.session, package.id, current_user)
    except DomainError as error:
        flash(error_message(error), "error")
    return redirect(url_for("station.package", package_id=package.id), code=303)
