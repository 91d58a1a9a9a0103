"""Operations: liveness and readiness probes for a load balancer, Prometheus metrics, JSON
logs for a log collector, and ``flask backup`` / ``flask restore``. ``init_app`` wires all
of it into the app."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_app(app: Flask) -> None:
    from packing.ops import backup, logs, metrics, views  # noqa: F401 - views registers the routes

    app.register_blueprint(bp)
    metrics.init_app(app)
    logs.init_app(app)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)
