"""Operations: the probes a load balancer asks, the metrics Prometheus scrapes (and who may
scrape them), and JSON log lines."""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading

import pytest
from prometheus_client.registry import REGISTRY

from packing.app import create_app
from packing.core import webhooks
from packing.core.db import transaction
from packing.core.events import PACKED
from packing.ops.logs import JsonFormatter
from tests import factories
from tests.conftest import csrf_token_from

PACK = "package__complete_packaging__preparing__packed-all-items"
TOKEN = "scrape-secret"


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_answers_while_the_process_is_up(client):
    """/healthz needs no sign-in and no database: 200 ``ok``."""
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(client):
    """/readyz runs a query: 200 with the database ok (no Redis configured, none checked)."""
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_readyz_is_unavailable_when_the_database_or_redis_is_not(tmp_path):
    """A database file that cannot be opened and a Redis nobody listens on make /readyz 503,
    naming both, so the load balancer takes this server out."""
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable", "redis": "unreachable"}


def test_readyz_gives_up_on_a_database_host_that_never_answers():
    """A PostgreSQL address that takes the connection but never speaks (a host dropping
    packets behind a NAT looks the same) is unreachable after DATABASE_CONNECT_TIMEOUT_SECONDS:
    /readyz answers 503 instead of holding the worker until the kernel gives up."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        stalled = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/packing",
                "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
            }
        )
        answers = []
        probe = threading.Thread(target=lambda: answers.append(stalled.test_client().get("/readyz")), daemon=True)
        probe.start()
        probe.join(timeout=20)
    assert answers, "/readyz still waiting on a silent database host"
    assert answers[0].status_code == 503 and answers[0].json["database"] == "unreachable"


def test_metrics_are_closed_unless_a_token_or_network_is_configured(app, client):
    """With no METRICS_TOKEN and no METRICS_ALLOWED_NETWORKS /metrics is a 404; a wrong token
    is a 404 too; the right bearer token, or an address in an allowed network, scrapes."""
    assert client.get("/metrics").status_code == 404
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200 and scraped.content_type.startswith("text/plain")
    app.config.update(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 404


def test_scans_commands_requests_and_labels_are_counted(app, client, session, auth):
    """A counted scan, an over-scan, a pack and its label through the station move their
    counters; the station's scan endpoint has a latency histogram."""
    store = factories.location(session)
    shirt = factories.product(session)
    package = factories.package(session, at=store, products=[shirt])
    session.commit()
    auth.login(location=store)
    before = {
        "counted": _sample("packing_scans_total", outcome="counted"),
        "over": _sample("packing_scans_total", outcome="over_scan"),
        "packs": _sample("packing_commands_total", command="COMPLETE_PACKAGING", outcome="ok"),
        "scan_requests": _sample("packing_request_duration_seconds_count", endpoint="station.scan", method="POST"),
        "labels": _sample("packing_label_render_seconds_count"),
    }
    page = client.get("/queue/")
    client.post(f"/station/packages/{package.id}/open", data={"csrf_token": csrf_token_from(page.text)})
    token = csrf_token_from(client.get(f"/station/packages/{package.id}").text)
    for scan_id in ("a", "b"):
        client.post(
            f"/station/packages/{package.id}/scans",
            data={"csrf_token": token, "barcode": shirt.barcode, "client_scan_id": scan_id},
            headers={"HX-Request": "true"},
        )
    packed = client.post(
        f"/station/packages/{package.id}/commands/{_transition_id(session, PACK)}", data={"csrf_token": token}
    )
    assert packed.status_code in (200, 303), packed.text

    assert _sample("packing_scans_total", outcome="counted") == before["counted"] + 1
    assert _sample("packing_scans_total", outcome="over_scan") == before["over"] + 1
    assert _sample("packing_commands_total", command="COMPLETE_PACKAGING", outcome="ok") == before["packs"] + 1
    assert (
        _sample("packing_request_duration_seconds_count", endpoint="station.scan", method="POST")
        == before["scan_requests"] + 2
    )
    assert _sample("packing_label_render_seconds_count") == before["labels"] + 1


def test_refused_commands_are_counted_by_their_error(session):
    """A command that cannot run counts as refused, by error class, without its client's slug."""
    from packing.core.commands import execute_command
    from packing.core.errors import CommandNotAllowed

    package = factories.package(session)
    before = _sample("packing_commands_total", command="unresolved", outcome="CommandNotAllowed")
    with pytest.raises(CommandNotAllowed):
        execute_command(session, package.id, PACK)
    assert _sample("packing_commands_total", command="unresolved", outcome="CommandNotAllowed") == before + 1


def test_the_webhook_backlog_is_read_from_the_database_at_each_scrape(app, client, session):
    """Events still pending appear per subscription as packing_webhook_events{status="pending"}."""
    app.config["METRICS_TOKEN"] = TOKEN
    with transaction(session):
        hook = webhooks.create_webhook(
            session, "https://hooks.example.com/in", [PACKED], "s" * 32, allowed_hosts=["hooks.example.com"]
        )
    factories.packed_package(session)
    session.commit()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert f'packing_webhook_events{{status="pending",webhook="{hook.id}"}} 1.0' in text


def test_json_log_lines_carry_level_logger_message_and_exception():
    """The JSON formatter writes one parseable object per line, with the traceback when there is one."""
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("packing.test").makeRecord(
            "packing.test", logging.ERROR, __file__, 1, "Scan failed for %s", ("P1",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"]) == ("ERROR", "packing.test", "Scan failed for P1")
    assert "ValueError: boom" in entry["exception"]


def test_log_format_json_installs_the_formatter_once(tmp_path):
    """LOG_FORMAT=json puts one JSON handler on the root logger however many apps are made."""
    root = logging.getLogger()
    kept = list(root.handlers)
    try:
        for _ in range(2):
            create_app(
                {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "LOG_FORMAT": "json"}
            )
        assert sum(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers) == 1
    finally:
        root.handlers = kept


def _transition_id(session, slug):
    from sqlalchemy import select

    from packing.core.models import Transition

    return session.scalar(select(Transition.id).where(Transition.slug == slug))
