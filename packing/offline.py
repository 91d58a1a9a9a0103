"""The service worker that keeps the station and the queue on screen when the network is
flaky (static/js/sw.js). It is served from the site's root, so that its scope covers
/station/ and /queue/; a script under /static/ could only control /static/."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("offline", __name__)


@bp.route("/sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    # A browser checks for a new worker on each visit; it must never run a stale one.
    response.headers["Cache-Control"] = "no-cache"
    return response
