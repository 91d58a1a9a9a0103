"""Static files that tablets keep: every ``url_for("static", ...)`` carries the file's
content hash (``?v=...``), and a request that names one is cached for a year. A new
release changes the hash, so a tablet never runs yesterday's script; until then, opening
the next package costs no request for CSS, scripts or images."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Optional

from flask import Flask, request, send_from_directory

VERSION_ARG = "v"
ONE_YEAR = 365 * 24 * 3600
ONE_DAY = 24 * 3600
FAVICON = "favicon.svg"


@lru_cache(maxsize=512)
def _content_hash(path: str, modified_ns: int) -> str:  # noqa: ARG001 - part of the cache key
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def version_of(app: Flask, filename: str) -> Optional[str]:
    path = os.path.join(app.static_folder, filename)
    try:
        modified_ns = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _content_hash(path, modified_ns)


class VersionedStaticFlask(Flask):
    def get_send_file_max_age(self, filename: Optional[str]) -> Optional[int]:
        if request.args.get(VERSION_ARG):
            return ONE_YEAR
        return super().get_send_file_max_age(filename)


def init_app(app: Flask) -> None:
    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values:
            version = version_of(app, values.get("filename", ""))
            if version:
                values[VERSION_ARG] = version

    # Browsers ask for /favicon.ico whatever the page links; answer with the SVG icon
    # rather than a 404 in every log line. Unversioned, so kept for a day, not a year.
    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(app.static_folder, FAVICON, mimetype="image/svg+xml", max_age=ONE_DAY)
