"""Webhook targets cannot reach what only the server reaches: loopback, private, link-local,
multicast and reserved addresses are refused when a subscription is saved (form, CLI,
domain) and again at delivery, after DNS; redirects are not followed; retry settings are
bounded."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from packing.core import network, webhooks
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import InvalidParameter
from packing.core.events import PACKED
from packing.core.models import Webhook, WebhookEvent, utcnow
from packing.webhooks import tasks
from tests import factories
from tests.conftest import csrf_token_from
from tests.webhooks_support import RECEIVER_HOSTS, SECRET, poll

PACK = "package__complete_packaging__waiting__packed-all-items"
PUBLIC = "93.184.216.34"

REFUSED_TARGETS = [
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service (link-local)
    "http://127.0.0.1:5432/",
    "http://127.1/",  # loopback in short form, found by resolving it
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://localhost:8000/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",  # multicast
    "http://240.0.0.1/hook",  # reserved
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
]


@pytest.mark.parametrize("url", REFUSED_TARGETS)
def test_non_public_targets_are_refused_when_saved(session, url):
    """Saving a subscription to a non-public address fails on target_url and saves nothing."""
    with pytest.raises(InvalidParameter) as refused, transaction(session):
        webhooks.create_webhook(session, url, [PACKED], "k")
    assert refused.value.field == "target_url"
    assert "not a public address" in refused.value.reason
    assert session.scalar(select(func.count(Webhook.id))) == 0


def test_public_and_not_yet_resolvable_targets_are_accepted(session):
    """A public address is accepted, and so is a name that does not resolve yet (delivery
    checks it again)."""
    with transaction(session):
        webhooks.create_webhook(session, f"https://{PUBLIC}/hooks", [PACKED], "k")
        webhooks.create_webhook(session, "https://erp.example.com/hooks", [PACKED], "k")
    assert session.scalar(select(func.count(Webhook.id))) == 2


def test_an_allowed_host_may_be_private(session):
    """A host named in the allowed list may be on loopback or the store's network."""
    with transaction(session):
        hook = webhooks.create_webhook(session, "http://127.0.0.1:9/hook", [PACKED], "k", allowed_hosts=["127.0.0.1"])
    assert hook.id
    with pytest.raises(InvalidParameter):
        webhooks.update_webhook(session, hook.id, allowed_hosts=["erp.lan"], target_url="http://10.1.1.1/x")


def test_the_admin_form_refuses_the_metadata_service(client, session, auth):
    """The webhooks form answers 400 naming the target and stores nothing."""
    auth.login(role="admin")
    page = client.get("/webhooks/new")
    response = client.post(
        "/webhooks/new",
        data={
            "target_url": "http://169.254.169.254/latest/meta-data/",
            "event_types": [PACKED],
            "secret_key": "k",
            "additional_headers": "",
            "retry_choice": "fixed",
            "retry_seconds": "60",
            "max_retries": "3",
            "timeout_seconds": "5",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 400
    assert "not a public address" in response.text
    assert session.scalar(select(func.count(Webhook.id))) == 0


def test_the_cli_refuses_a_private_target_unless_allowed(app, session):
    """`flask webhooks create` refuses a LAN address, and accepts it once
    WEBHOOK_ALLOWED_HOSTS names the host."""
    runner = app.test_cli_runner()
    args = ["webhooks", "create", "http://192.168.1.20/hook", "--event", PACKED, "--secret", "k"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "not a public address" in refused.output
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["192.168.1.20"]
    accepted = runner.invoke(args=args)
    assert accepted.exit_code == 0, accepted.output


def _pack_one(session):
    package = factories.package(session)
    session.commit()
    with transaction(session):
        execute_command(session, package.id, PACK)


def _event(session) -> WebhookEvent:
    session.expire_all()
    return session.scalars(select(WebhookEvent)).one()


@pytest.fixture
def due_now(monkeypatch):
    monkeypatch.setattr(tasks, "now", lambda: utcnow() + timedelta(minutes=1))


def test_delivery_checks_the_target_again(app, session, receiver, due_now):
    """A subscription saved while its host was allowed is not sent once it no longer is:
    the receiver gets nothing and the log says why."""
    with transaction(session):
        webhooks.create_webhook(session, receiver.url, [PACKED], SECRET, allowed_hosts=RECEIVER_HOSTS)
    app.config["WEBHOOK_ALLOWED_HOSTS"] = []
    _pack_one(session)
    poll()
    assert receiver.received == []
    event = _event(session)
    assert event.response_http_status is None
    assert event.response_content.startswith("Not sent:") and "not a public address" in event.response_content


def test_a_name_that_resolves_elsewhere_at_connection_is_refused(app, session, receiver, due_now, monkeypatch):
    """DNS rebinding: the check sees a public address, the connection reaches loopback; the
    connection's real peer is checked, so nothing is sent."""
    port = receiver.url.split(":")[2].split("/")[0]
    url = f"http://localhost:{port}/hook"
    monkeypatch.setattr(network, "resolve", lambda host, port: [PUBLIC])
    with transaction(session):
        webhooks.create_webhook(session, url, [PACKED], SECRET)
    _pack_one(session)
    poll()
    assert receiver.received == []
    event = _event(session)
    assert event.response_http_status is None and "loopback" in event.response_content


class _Redirector:
    """A subscriber that answers every POST with a redirect to ``location``."""

    def __init__(self, location: str):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(307)
                self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_redirects_are_not_followed(session, receiver, due_now):
    """A 307 to another address is recorded as the answer (not delivered); the redirect's
    target never sees the event."""
    redirector = _Redirector(receiver.url)
    try:
        with transaction(session):
            webhooks.create_webhook(
                session, redirector.url, [PACKED], SECRET, allowed_hosts=RECEIVER_HOSTS, max_retries=0
            )
        _pack_one(session)
        poll()
    finally:
        redirector.server.shutdown()
        redirector.server.server_close()
    assert receiver.received == []
    event = _event(session)
    assert event.response_http_status == 307 and event.status == webhooks.FAILED


@pytest.mark.parametrize(
    "config, field",
    [
        ({"choice": "exponential", "kwargs": {"base": 11}}, "retry_base"),
        ({"choice": "exponential", "kwargs": {"base": 2, "factor": 86401}}, "retry_factor"),
        ({"choice": "exponential", "kwargs": {"base": 2, "limit": 86401}}, "retry_limit"),
        ({"choice": "linear", "kwargs": {"base": 86401}}, "retry_base"),
        ({"choice": "fixed", "kwargs": {"seconds": 1e308}}, "retry_seconds"),
    ],
)
def test_retry_settings_are_bounded(config, field):
    """No single wait over a day, no exponential base over 10."""
    with pytest.raises(InvalidParameter) as refused:
        webhooks.validate_retry_config(config)
    assert refused.value.field == field


def test_retries_are_bounded(session):
    """At most 50 retries; 50 itself is accepted."""
    with pytest.raises(InvalidParameter) as refused:
        webhooks.create_webhook(session, f"https://{PUBLIC}/h", [PACKED], "k", max_retries=51)
    assert refused.value.field == "max_retries"
    assert webhooks.create_webhook(session, f"https://{PUBLIC}/h", [PACKED], "k", max_retries=50).max_retries == 50


def test_no_wait_is_longer_than_a_day_even_for_old_settings():
    """A schedule stored before the bounds (base 1000, 40 failures) still waits at most a day."""
    assert webhooks.retry_countdown({"choice": "exponential", "kwargs": {"base": 1000}}, 40) == 86400
    assert webhooks.retry_countdown({"choice": "exponential", "kwargs": {"base": 2}}, 3) == 8
