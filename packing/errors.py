"""Error pages for people and JSON errors for integrators; never a stack trace.

A page request gets the error inside the app's layout with a way back. An htmx request gets
a small partial that htmx puts at the top of the zone that asked (``HX-Reswap``), so the
zone keeps its content and the screen its scan field. A signed-out htmx request gets 401
with ``HX-Redirect`` to sign-in, and ``next`` back to the page the person was on.
"""

from __future__ import annotations

import contextlib
import functools
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, make_response, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from packing.core.db import is_database_unavailable
from packing.core.errors import DomainError
from packing.core.messages import N_
from packing.extensions import db, login_manager
from packing.i18n import LOCALES, error_message
from packing.i18n import gettext as _
from packing.web import render, safe_next

MESSAGES = {
    401: N_("Your session has ended. Sign in again."),
    403: N_("You may not do that."),
    404: N_("Page not found."),
    500: N_("Something went wrong on our side. Try again."),
}
SESSION_ENDED = N_("Your session has ended: sign in again. Anything scanned since was not counted; scan it again.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _from_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _same_site_path(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.netloc == request.host and parts.path:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def _page_the_person_is_on() -> str | None:
    """The page behind a request: an htmx request names it in HX-Current-URL; a GET is it; a
    plain POST came from its referrer."""
    if request.headers.get("HX-Current-URL"):
        return _same_site_path(request.headers["HX-Current-URL"])
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return _same_site_path(request.referrer)


def _way_back() -> str:
    """Where the error page's Back leads: the page the person came from on this site, else home."""
    came_from = _same_site_path(request.referrer)
    if came_from and urlsplit(came_from).path != request.path:
        return safe_next(came_from, url_for("home"))
    return url_for("home")


def error_response(code: int, message: str):
    """The error as a zone partial for htmx, else as a page in the layout."""
    if _from_htmx():
        zone = render_template("_error_zone.html", code=code, message=message, reload_url=_page_the_person_is_on())
        response = make_response(zone, code)
        response.headers["HX-Reswap"] = "afterbegin"
        response.vary.add("HX-Request")
        return response
    if request.accept_mimetypes and request.accept_mimetypes["text/html"] < 1:
        # A sub-resource (an icon, an image) that asks for other types first: a page for it
        # would be wasted, and would take the flashed messages meant for the next page.
        return make_response(f"{code} {message}", code, {"Content-Type": "text/plain; charset=utf-8"})
    return render("error.html", status=code, code=code, message=message, back_url=_way_back())


def _signed_out_htmx():
    """401 with HX-Redirect: htmx leaves the zone alone and goes to sign-in, which says why."""
    flash(_(SESSION_ENDED), "error")
    zone = render_template("_error_zone.html", code=401, message=_(SESSION_ENDED), reload_url=None)
    response = make_response(zone, 401)
    response.headers["HX-Redirect"] = url_for("auth.login", next=_page_the_person_is_on())
    response.vary.add("HX-Request")
    return response


def _unless_the_database_is_down(handler):
    """An error page reads who is signed in (their language, their menu). With the database
    away that read fails inside the handler, where no other handler catches it: the answer
    is then the 503 page, as for any page, not a bare 500."""

    @functools.wraps(handler)
    def handled(error):
        try:
            return handler(error)
        except (DBAPIError, PoolTimeout, DisconnectionError) as failure:
            if not is_database_unavailable(failure):
                raise
            return database_unavailable(failure)

    return handled


def register(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def unauthorized():
        if _wants_json():
            return jsonify(detail=_(MESSAGES[401]), code="not_authenticated"), 401
        if _from_htmx():
            return _signed_out_htmx()
        flash(_(login_manager.login_message), login_manager.login_message_category)
        return make_response("", 302, {"Location": url_for("auth.login", next=_page_the_person_is_on())})

    @app.errorhandler(CSRFError)
    @_unless_the_database_is_down
    def csrf_failed(error: CSRFError):
        rollback_session()
        if _wants_json():
            return jsonify(detail=error.description, code="csrf_failed"), 400
        if _from_htmx() and not current_user.is_authenticated:
            # The session (and the CSRF token it held) has ended: that is a sign-in matter.
            return _signed_out_htmx()
        return error_response(400, _("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    @_unless_the_database_is_down
    def http_error(error: HTTPException):
        rollback_session()
        if _wants_json():
            return jsonify(detail=error.description, code=error.name.lower().replace(" ", "_")), error.code
        return error_response(error.code, _(MESSAGES.get(error.code, error.name)))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        rollback_session()
        if _wants_json():
            return jsonify(detail="Internal server error.", code="server_error"), 500
        try:
            return error_response(500, _(MESSAGES[500]))
        except Exception:  # noqa: BLE001 - the layout itself failed (say, the database is gone)
            app.logger.exception("The error page failed too")
            return make_response(
                "<!doctype html><title>500</title><p>Something went wrong. <a href='/'>Home</a></p>", 500
            )


# --- The boundary: bad input, oversize bodies, a database that is away ---------------------
# Each handler first rolls the session back: after a failed statement PostgreSQL refuses
# every further one (InFailedSqlTransaction), and the error page itself reads the database.


def rollback_session() -> None:
    with contextlib.suppress(SQLAlchemyError):  # the connection is gone; the page must render without it
        db.session.rollback()


def register_boundary(app: Flask) -> None:
    """400 for bad input anywhere, 413 for a body over MAX_CONTENT_LENGTH, 503 with
    Retry-After when the database is down; all rolled back before the page renders."""

    @app.errorhandler(DomainError)
    @_unless_the_database_is_down
    def refused(error: DomainError):
        rollback_session()
        if _wants_json():
            return jsonify(error.as_dict()), error.http_status
        return error_response(error.http_status, error_message(error))

    @app.errorhandler(RequestEntityTooLarge)
    @_unless_the_database_is_down
    def too_large(error: RequestEntityTooLarge):
        rollback_session()
        limit = app.config.get("MAX_CONTENT_LENGTH")
        detail = N_("The request is larger than the {limit} bytes this server takes.")
        if _wants_json():
            return jsonify(detail=detail.format(limit=limit), code="request_too_large"), 413
        return error_response(413, _(detail, limit=limit))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(DisconnectionError)
    def database_error(error: Exception):
        if is_database_unavailable(error):
            return database_unavailable(error)
        app.logger.exception("Database error", exc_info=error)
        rollback_session()
        if _wants_json():
            return jsonify(detail="Internal server error.", code="server_error"), 500
        return error_response(500, _(MESSAGES[500]))


def database_unavailable(error: Exception):
    """The database cannot be reached (or is locked past the busy timeout): 503 with
    Retry-After, a page that needs no database, never a traceback."""
    current_app.logger.warning(
        "Database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__
    )
    rollback_session()
    retry_after = str(current_app.config.get("DATABASE_RETRY_AFTER_SECONDS", 30))
    detail = N_("The database is not reachable right now. Try again in a moment.")
    if _wants_json():
        response = jsonify(detail=detail, code="service_unavailable")
    else:
        # Who is signed in and their language live in the database: render as nobody, in the
        # session's or the browser's language.
        g._login_user = current_app.login_manager.anonymous_user()
        g.locale = session.get("locale") or request.accept_languages.best_match(list(LOCALES)) or "en"
        if _from_htmx():
            # The zone that asked says it in place; the tablet keeps its page and scan field.
            zone = render_template("_error_zone.html", code=503, message=_(detail), reload_url=None)
            response = make_response(zone)
            response.headers["HX-Reswap"] = "afterbegin"
        else:
            response = make_response(render_template("unavailable.html", message=_(detail), retry_after=retry_after))
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    response.vary.add("HX-Request")
    return response
