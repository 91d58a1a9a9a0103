"""Webhook test support: a real HTTP subscriber on 127.0.0.1 that verifies each signature
with its secret, records what it got, and can be down (503) or hold requests unanswered;
and the fixtures the webhook test modules share."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

import pytest

from packing.webhooks import tasks

SECRET = "s3cret-key-for-hmac"
# The receiver listens on loopback, which webhooks may only reach when the host is allowed.
RECEIVER_HOSTS = ("127.0.0.1",)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_uuid(self) -> str:
        return self.json["event"]["uuid"]


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[Received] = []
        self.failures_left = 0
        self.answer_body = b"ok"
        self.hang: Optional[threading.Event] = None  # set it to hold requests unanswered
        self.request_arrived = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"
        # serve_forever notices shutdown() between polls: 0.5 s by default, at every test's end.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop(self) -> None:
        if self.hang is not None:
            self.hang.set()
        self._server.shutdown()
        self._server.server_close()

    def down_for(self, attempts: int) -> None:
        self.failures_left = attempts

    @property
    def delivered(self) -> list[Received]:
        return [request for request in self.received if request.answered == 200]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers.get("X-Packing-Signature", ""))
                receiver.request_arrived.set()
                if receiver.hang is not None:
                    # Held until the test lets go: the sender has given up or died by then,
                    # so this request counts as never answered.
                    receiver.hang.wait(30)
                    with receiver._lock:
                        receiver.received.append(Received(dict(self.headers), body, valid, answered=0))
                    return
                with receiver._lock:
                    status = 503 if receiver.failures_left > 0 else 200
                    receiver.failures_left = max(0, receiver.failures_left - 1)
                    receiver.received.append(Received(dict(self.headers), body, valid, status))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(receiver.answer_body if status == 200 else b"down for maintenance")

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver(app):
    """A subscriber on 127.0.0.1, which the app is configured to allow (WEBHOOK_ALLOWED_HOSTS)."""
    app.config["WEBHOOK_ALLOWED_HOSTS"] = list(RECEIVER_HOSTS)
    server = Receiver(SECRET)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_worker_memory(monkeypatch):
    """Each test starts as a freshly started worker would: nothing handed to the queue yet."""
    monkeypatch.setattr(tasks, "_handed_over", {})


def poll() -> list[int]:
    """What the worker does every second."""
    return tasks.sweep_due()
