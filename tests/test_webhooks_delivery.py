"""Webhook delivery end to end: a real HTTP subscriber on 127.0.0.1, signed bodies, retries on
the configured schedule, per-package order, and giving up after the last retry."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from packing.core import webhooks
from packing.core.catalogue import PackageStatus
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.events import PACKED, STATE_CHANGED
from packing.core.models import WebhookEvent, utcnow
from packing.webhooks import tasks
from tests import factories
from tests.webhooks_support import RECEIVER_HOSTS, SECRET, poll

PACK = "package__complete_packaging__waiting__packed-all-items"


class Clock:
    """The delivery clock, moved by hand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def at(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def clock(monkeypatch):
    # Ahead of the wall clock, so the events the test writes (stamped with it) are due.
    frozen = Clock(utcnow() + timedelta(minutes=1))
    monkeypatch.setattr(tasks, "now", frozen)
    return frozen


def subscribe(session, receiver, event_types=(PACKED,), **options):
    with transaction(session):
        hook = webhooks.create_webhook(
            session, receiver.url, event_types, SECRET, allowed_hosts=RECEIVER_HOSTS, **options
        )
    return hook


def pack(session, package):
    with transaction(session):
        execute_command(session, package.id, PACK)


def events(session) -> list[WebhookEvent]:
    session.expire_all()
    return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def waiting_package(session):
    package = factories.package(session)
    session.commit()
    return package


def test_packing_sends_the_signed_event_to_a_real_receiver(session, receiver):
    """The pack request itself sends nothing; the worker's next poll POSTs once, with an
    HMAC-SHA256 signature that verifies and the reference's event shape, package in full."""
    subscribe(session, receiver, additional_headers={"X-Tenant": "store-42"})
    package = waiting_package(session)

    pack(session, package)
    assert receiver.received == []
    poll()

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.signature_valid
    body = got.json
    assert body["event"]["type"] == PACKED
    assert body["payload"]["id"] == package.id
    assert body["payload"]["state"]["enum_value"] == PackageStatus.PACKED.value
    change = body["payload"]["state_change"]
    assert (change["old_state"]["enum_value"], change["new_state"]["enum_value"]) == ("100", "500")
    assert change["transition"]["command"] == "COMPLETE_PACKAGING"
    assert got.headers["X-Packing-Event"] == PACKED
    assert got.headers["X-Tenant"] == "store-42"
    [event] = events(session)
    assert got.headers["X-Packing-Delivery"] == event.uuid
    assert body["event"]["uuid"] == event.uuid.replace("-", "")
    assert (event.status, event.response_http_status, event.response_content) == ("delivered", 200, "ok")
    assert len(event.request_datetimes) == 1 and event.retry_count == 0


def test_a_tampered_body_does_not_verify(session, receiver):
    """The signature covers the exact bytes: one changed byte and the subscriber's check fails."""
    subscribe(session, receiver)
    pack(session, waiting_package(session))
    poll()
    got = receiver.received[0]
    expected = webhooks.signature(SECRET, got.body)
    assert got.headers["X-Packing-Signature"] == expected
    assert webhooks.signature(SECRET, got.body.replace(b'"id"', b'"Id"', 1)) != expected
    assert webhooks.signature("another-secret", got.body) != expected


def test_a_down_receiver_is_retried_on_schedule_and_gets_the_event_exactly_once(session, receiver, clock):
    """Down for 3 attempts: retries come at +2, +4, +8 s (exponential base 2 factor 1), not a
    moment before; the 4th attempt delivers; later sweeps send nothing more."""
    subscribe(session, receiver, retry_countdown_config={"choice": "exponential", "kwargs": {"base": 2, "factor": 1}})
    receiver.down_for(3)
    packed_at = clock()

    pack(session, waiting_package(session))
    poll()

    [event] = events(session)
    assert (event.status, event.retry_count, event.response_http_status) == ("pending", 1, 503)
    assert event.response_content == "down for maintenance"
    expected_gap = [2, 4, 8]
    attempt_times = [packed_at]
    for retry, gap in enumerate(expected_gap, start=1):
        due = attempt_times[-1] + timedelta(seconds=gap)
        assert webhooks.next_retry_at(event) == due
        clock.at(due - timedelta(milliseconds=1))
        assert poll() == []
        assert len(receiver.received) == retry
        clock.at(due)
        assert poll() == [event.id]
        attempt_times.append(due)
        [event] = events(session)
    assert event.status == "delivered" and event.retry_count == 3
    assert len(receiver.received) == 4 and len(receiver.delivered) == 1
    assert [
        datetime.fromisoformat(moment.replace("Z", "+00:00")) for moment in event.request_datetimes
    ] == attempt_times
    clock.at(clock() + timedelta(hours=1))
    assert poll() == []
    assert len(receiver.received) == 4


def test_linear_and_fixed_schedules_are_followed(session, receiver, clock):
    """A linear (base 30) subscriber retries after 30 s then 60 s; a fixed (10 s) one after 10 s each time."""
    linear = subscribe(session, receiver, retry_countdown_config={"choice": "linear", "kwargs": {"base": 30}})
    fixed = subscribe(session, receiver, retry_countdown_config={"choice": "fixed", "kwargs": {"seconds": 10}})
    receiver.down_for(10)
    start = clock()
    pack(session, waiting_package(session))
    poll()
    by_hook = {event.webhook_id: event for event in events(session)}
    assert webhooks.next_retry_at(by_hook[linear.id]) == start + timedelta(seconds=30)
    assert webhooks.next_retry_at(by_hook[fixed.id]) == start + timedelta(seconds=10)
    clock.at(start + timedelta(seconds=30))
    poll()
    by_hook = {event.webhook_id: event for event in events(session)}
    assert webhooks.next_retry_at(by_hook[linear.id]) == start + timedelta(seconds=30 + 60)
    assert webhooks.next_retry_at(by_hook[fixed.id]) == start + timedelta(seconds=30 + 10)


def test_a_package_s_events_reach_a_subscriber_in_order(session, receiver, clock):
    """state_changed then packed: while the first is being retried the second is held back,
    and once the receiver is up both arrive in the order they happened."""
    subscribe(session, receiver, event_types=(STATE_CHANGED, PACKED))
    receiver.down_for(1)
    pack(session, waiting_package(session))
    poll()

    first, second = events(session)
    assert (first.event_type, second.event_type) == (STATE_CHANGED, PACKED)
    assert len(receiver.received) == 1
    assert (first.status, second.status) == ("pending", "pending")
    assert second.request_datetimes == [] and second.next_retry_date is not None
    clock.at(clock() + timedelta(seconds=1))
    assert poll() == []  # the first's retry is not due; the second waits behind it
    clock.at(webhooks.next_retry_at(first))
    poll()

    assert [request.json["event"]["type"] for request in receiver.delivered] == [STATE_CHANGED, PACKED]
    assert [event.status for event in events(session)] == ["delivered", "delivered"]


def test_another_package_is_not_held_back_by_a_failing_one(session, receiver):
    """Order is per package: one package's pending retry does not delay another package's events."""
    subscribe(session, receiver)
    receiver.down_for(1)
    pack(session, waiting_package(session))
    pack(session, waiting_package(session))
    poll()
    first, second = events(session)
    assert (first.status, second.status) == ("pending", "delivered")


def test_after_the_last_retry_the_event_fails_and_the_next_one_goes_out(session, receiver, clock):
    """max_retries=1: two failed attempts mark it failed (not retryable) and release the
    package's next event; a failed event is never sent again by the sweep."""
    subscribe(
        session,
        receiver,
        event_types=(STATE_CHANGED, PACKED),
        max_retries=1,
        retry_countdown_config={"choice": "fixed", "kwargs": {"seconds": 5}},
    )
    receiver.down_for(2)
    pack(session, waiting_package(session))
    poll()
    clock.at(clock() + timedelta(seconds=5))
    poll()

    first, second = events(session)
    assert (first.status, first.retryable, first.retry_count, first.next_retry_date) == ("failed", False, 2, None)
    assert second.status == "delivered"
    clock.at(clock() + timedelta(days=1))
    poll()
    assert len(receiver.received) == 3


def test_an_unanswered_request_times_out_and_is_retried(session, receiver, clock):
    """A subscriber that does not answer within the timeout costs one attempt, recorded with no status."""
    subscribe(session, receiver, timeout_seconds=1)
    receiver.hang = threading.Event()
    pack(session, waiting_package(session))
    poll()
    receiver.hang.set()
    [event] = events(session)
    assert (event.status, event.retry_count, event.response_http_status) == ("pending", 1, None)
    assert "No answer within 1 s" in event.response_content


def test_a_long_answer_is_stored_truncated(session, receiver):
    """The subscriber's answer is kept for diagnosis, cut to 2000 characters."""
    subscribe(session, receiver)
    receiver.answer_body = b"x" * 10_000
    pack(session, waiting_package(session))
    poll()
    [event] = events(session)
    assert event.response_content == "x" * webhooks.RESPONSE_CONTENT_LIMIT


def test_an_unreachable_subscriber_is_recorded_and_retried(session, receiver):
    """Nothing listening on the port: the attempt is a connection failure, the event stays pending."""
    hook = subscribe(session, receiver)
    receiver.stop()
    pack(session, waiting_package(session))
    poll()
    [event] = events(session)
    assert (event.status, event.retry_count, event.response_http_status) == ("pending", 1, None)
    assert event.response_content.startswith("Could not connect") and event.webhook_id == hook.id


def test_nothing_is_sent_when_the_transaction_rolls_back(session, receiver):
    """An event written by a command that then fails is rolled back with it and never sent."""
    subscribe(session, receiver)
    package = waiting_package(session)
    with pytest.raises(RuntimeError), transaction(session):
        execute_command(session, package.id, PACK)
        raise RuntimeError("the request failed after the command")
    assert events(session) == [] and receiver.received == []
    pack(session, package)
    poll()
    assert len(receiver.delivered) == 1
    assert json.loads(receiver.delivered[0].body)["payload"]["id"] == package.id
