"""Error pages for people and JSON errors for integrators; never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from packing.i18n import gettext as _
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
        if _wants_json():
            return jsonify(detail=error.description, code="csrf_failed"), 400
        return render("error.html", status=400, code=400, message=_("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(detail=error.description, code=error.name.lower().replace(" ", "_")), error.code
        message = _(MESSAGES.get(error.code, error.name))
        return render("error.html", status=error.code, code=error.code, message=message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        if _wants_json():
            return jsonify(detail="Internal server error.", code="server_error"), 500
        return render("error.html", status=500, code=500, message=_(MESSAGES[500]))
