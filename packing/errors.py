"""Error pages for people and JSON errors for integrators; never a stack trace."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from packing.core.db import is_database_unavailable
from packing.core.errors import DomainError
from packing.extensions import db
from packing.i18n import LOCALES, error_message, gettext as _
from packing.web import render

MESSAGES = {
    403: "You may not do that.",
    404: "Page not found.",
    500: "Something went wrong on our side. Try again.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        rollback_session()
        if _wants_json():
            return jsonify(detail=error.description, code="csrf_failed"), 400
        return render("error.html", status=400, code=400, message=_("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        rollback_session()
        if _wants_json():
            return jsonify(detail=error.description, code=error.name.lower().replace(" ", "_")), error.code
        message = _(MESSAGES.get(error.code, error.name))
        return render("error.html", status=error.code, code=error.code, message=message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        rollback_session()
        if _wants_json():
            return jsonify(detail="Internal server error.", code="server_error"), 500
        return render("error.html", status=500, code=500, message=_(MESSAGES[500]))


# --- The boundary: bad input, oversize bodies, a database that is away ---------------------
# Each handler first rolls the session back: after a failed statement PostgreSQL refuses
# every further one (InFailedSqlTransaction), and the error page itself reads the database.


def rollback_session() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the page must render without it
        pass


def register_boundary(app: Flask) -> None:
    """400 for bad input anywhere, 413 for a body over MAX_CONTENT_LENGTH, 503 with
    Retry-After when the database is down; all rolled back before the page renders."""

    @app.errorhandler(DomainError)
    def refused(error: DomainError):
        rollback_session()
        if _wants_json():
            return jsonify(error.as_dict()), error.http_status
        return render("error.html", status=error.http_status, code=error.http_status, message=error_message(error))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        rollback_session()
        limit = app.config.get("MAX_CONTENT_LENGTH")
        detail = "The request is larger than the {limit} bytes this server takes."
        if _wants_json():
            return jsonify(detail=detail.format(limit=limit), code="request_too_large"), 413
        return render("error.html", status=413, code=413, message=_(detail, limit=limit))

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
        return render("error.html", status=500, code=500, message=_(MESSAGES[500]))


def database_unavailable(error: Exception):
    """The database cannot be reached (or is locked past the busy timeout): 503 with
    Retry-After, a page that needs no database, never a traceback."""
    current_app.logger.warning("Database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
    rollback_session()
    retry_after = str(current_app.config.get("DATABASE_RETRY_AFTER_SECONDS", 30))
    detail = "The database is not reachable right now. Try again in a moment."
    if _wants_json():
        response = jsonify(detail=detail, code="service_unavailable")
    else:
        # Who is signed in and their language live in the database: render as nobody, in the
        # session's or the browser's language.
        g._login_user = current_app.login_manager.anonymous_user()
        g.locale = session.get("locale") or request.accept_languages.best_match(list(LOCALES)) or "en"
        response = make_response(render_template("unavailable.html", message=_(detail), retry_after=retry_after))
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    response.vary.add("HX-Request")
    return response
