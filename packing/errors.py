"""Error pages for people and JSON errors for integrators; never a stack trace.

A page request gets the error inside the app's layout with a way back. An htmx request gets
a small partial that htmx puts at the top of the zone that asked (``HX-Reswap``), so the
zone keeps its content and the screen its scan field. A signed-out htmx request gets 401
with ``HX-Redirect`` to sign-in, and ``next`` back to the page the person was on.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from packing.extensions import login_manager
from packing.i18n import gettext as _
from packing.web import render, safe_next

MESSAGES = {
    401: "Your session has ended. Sign in again.",
    403: "You may not do that.",
    404: "Page not found.",
    500: "Something went wrong on our side. Try again.",
}
SESSION_ENDED = "Your session has ended: sign in again. Anything scanned since was not counted; scan it again."


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
    def csrf_failed(error: CSRFError):
        if _wants_json():
            return jsonify(detail=error.description, code="csrf_failed"), 400
        if _from_htmx() and not current_user.is_authenticated:
            # The session (and the CSRF token it held) has ended: that is a sign-in matter.
            return _signed_out_htmx()
        return error_response(400, _("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(detail=error.description, code=error.name.lower().replace(" ", "_")), error.code
        return error_response(error.code, _(MESSAGES.get(error.code, error.name)))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        if _wants_json():
            return jsonify(detail="Internal server error.", code="server_error"), 500
        try:
            return error_response(500, _(MESSAGES[500]))
        except Exception:  # noqa: BLE001 - the layout itself failed (say, the database is gone)
            app.logger.exception("The error page failed too")
            return make_response("<!doctype html><title>500</title><p>Something went wrong. <a href='/'>Home</a></p>", 500)
