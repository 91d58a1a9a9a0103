"""Prometheus metrics: request latency per endpoint, scans counted and refused, commands
run, label render time, and the webhook backlog read from the database at each scrape.

Under gunicorn each worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set (an
empty directory, emptied before the server starts) prometheus-client keeps every process's
values in files there and a scrape adds them up; ``gunicorn.conf.py`` tells it when a
worker exits."""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from packing.core import observers
from packing.core.webhooks import open_event_counts
from packing.extensions import db

REQUEST_SECONDS = Histogram(
    "packing_request_duration_seconds",
    "Time from the request reaching the app to its response, per endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter("packing_responses_total", "Responses per endpoint and status code.", ["endpoint", "status"])
SCANS = Counter("packing_scans_total", "Scans and manual counts: counted, or the refusal's kind.", ["outcome"])
COMMANDS = Counter(
    "packing_commands_total", "Commands run on packages, per command type: ok or the refusal.", ["command", "outcome"]
)
LABEL_RENDER_SECONDS = Histogram(
    "packing_label_render_seconds",
    "Time to render one shipping label to PDF.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)


def _count_scan(outcome: str) -> None:
    SCANS.labels(outcome).inc()


def _count_command(command: str, outcome: str) -> None:
    COMMANDS.labels(command, outcome).inc()


def _time_label(seconds: float) -> None:
    LABEL_RENDER_SECONDS.observe(seconds)


def _watch_the_domain() -> None:
    for hooks, observer in (
        (observers.scan_observers, _count_scan),
        (observers.command_observers, _count_command),
        (observers.label_observers, _time_label),
    ):
        if observer not in hooks:
            hooks.append(observer)


def _start_timer() -> None:
    g.ops_request_started = time.perf_counter()


def _observe_request(response):
    started = g.pop("ops_request_started", None)
    if started is not None:
        endpoint = request.endpoint or "unrouted"
        REQUEST_SECONDS.labels(endpoint, request.method).observe(time.perf_counter() - started)
        RESPONSES.labels(endpoint, str(response.status_code)).inc()
    return response


class WebhookBacklog:
    """Events still to deliver and those that gave up, per subscription, counted in the
    database when scraped: every app server and worker sees the same numbers."""

    def collect(self):
        backlog = GaugeMetricFamily(
            "packing_webhook_events",
            "Webhook events pending or failed, per subscription.",
            labels=["webhook", "status"],
        )
        for (webhook_id, status), count in sorted(open_event_counts(db.session).items()):
            backlog.add_metric([str(webhook_id), status], count)
        yield backlog


def exposition() -> bytes:
    """The text a scrape receives: this process's (or every worker's) metrics and the backlog."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry()
    database.register(WebhookBacklog())
    return generate_latest(processes) + generate_latest(database)


def init_app(app: Flask) -> None:
    _watch_the_domain()
    # First, so that a before_request answering early (a redirect) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe_request)
