"""``/healthz``: the process answers. ``/readyz``: it can reach the database and, when one is
configured, Redis; a load balancer sends it traffic only then. ``/metrics``: Prometheus's
scrape, open to METRICS_TOKEN (``Authorization: Bearer <token>``) or to addresses in
METRICS_ALLOWED_NETWORKS; with neither set it is not there (404)."""

from __future__ import annotations

import hmac
import ipaddress
import logging

import redis
from flask import Response, abort, current_app, jsonify, request
from sqlalchemy import text

from packing.extensions import db
from packing.ops import bp
from packing.ops.metrics import exposition

logger = logging.getLogger(__name__)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": _database_reachable()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_reachable()
    ready = all(checks.values())
    body = {name: "ok" if reachable else "unreachable" for name, reachable in checks.items()}
    return jsonify(status="ok" if ready else "unavailable", **body), 200 if ready else 503


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", and is logged
        logger.warning("Readiness: database unreachable: %s", error)
        db.session.rollback()
        return False


def _redis_reachable() -> bool:
    clients = current_app.extensions.setdefault("ops_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(clients[url].ping())
    except redis.RedisError as error:
        logger.warning("Readiness: Redis unreachable: %s", error)
        return False


@bp.get("/metrics")
def metrics():
    if not _may_scrape():
        abort(404)
    return Response(exposition(), content_type=PROMETHEUS_TEXT)


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        offered = request.headers.get("Authorization", "")
        if hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return True
    networks = current_app.config.get("METRICS_ALLOWED_NETWORKS") or []
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
