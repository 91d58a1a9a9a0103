"""Operations: liveness and readiness probes for a load balancer, Prometheus metrics, and
JSON logs for a log collector. ``init_app`` wires all of it into the app."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_app(app: Flask) -> None:
    from packing.ops import logs, metrics, views  # noqa: F401 - views registers the routes

    app.register_blueprint(bp)
    metrics.init_app(app)
    logs.init_app(app)
