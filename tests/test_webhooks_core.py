"""The webhook domain without HTTP: retry schedules, subscription rules, the outbox rows a
command writes, and the claim that keeps deliveries single and in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from packing.config import Config
from packing.core import webhooks
from packing.core.catalogue import PackageStatus
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import InvalidParameter
from packing.core.events import OUT_OF_STOCK, PACKED, STATE_CHANGED
from packing.core.models import Package, Webhook, WebhookEvent, utcnow
from packing.webhooks import tasks
from tests import factories

PACK = "package__complete_packaging__waiting__packed-all-items"


def due_ids(session, now):
    return [event_id for event_id, _due_at in webhooks.due_events(session, now)]


@pytest.mark.parametrize(
    "config, delays",
    [
        ({"choice": "exponential", "kwargs": {"base": 2, "factor": 1}}, [2, 4, 8, 16]),
        ({"choice": "exponential", "kwargs": {"base": 3, "factor": 10, "limit": 100}}, [30, 90, 100, 100]),
        ({"choice": "linear", "kwargs": {"base": 60}}, [60, 120, 180, 240]),
        ({"choice": "linear", "kwargs": {"base": 60, "limit": 150}}, [60, 120, 150, 150]),
        ({"choice": "fixed", "kwargs": {"seconds": 45}}, [45, 45, 45, 45]),
    ],
)
def test_retry_countdown_follows_the_reference_strategies(config, delays):
    """The wait before retry n is factor*base^n, base*n or a fixed time, capped by limit."""
    assert [webhooks.retry_countdown(config, n) for n in (1, 2, 3, 4)] == delays


@pytest.mark.parametrize(
    "config, field",
    [
        ({"choice": "random", "kwargs": {}}, "retry_countdown_config"),
        ({"choice": "fixed", "kwargs": {}}, "retry_seconds"),
        ({"choice": "linear", "kwargs": {"base": -1}}, "retry_base"),
        ({"choice": "exponential", "kwargs": {"base": "two"}}, "retry_base"),
        ({"choice": "exponential", "kwargs": {"base": 2, "seconds": 5}}, "retry_countdown_config"),
        ("exponential", "retry_countdown_config"),
    ],
)
def test_a_bad_retry_config_names_what_is_wrong(config, field):
    """Unknown strategies, missing, negative, non-numeric or foreign settings are refused by field."""
    with pytest.raises(InvalidParameter) as refused:
        webhooks.validate_retry_config(config)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"target_url": "ftp://example.com/hook"}, "target_url"),
        ({"target_url": "not a url"}, "target_url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["package.exploded"]}, "event_types"),
        ({"secret_key": ""}, "secret_key"),
        ({"additional_headers": {"X-Packing-Signature": "forged"}}, "additional_headers"),
        ({"additional_headers": {"Bad Name": "x"}}, "additional_headers"),
        ({"additional_headers": {"X-Ok": "line\r\nInjected: yes"}}, "additional_headers"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_is_saved(session, changes, field):
    """Each invalid field is named in the error and no webhook row is written."""
    fields = {"target_url": "https://erp.example.com/hooks", "event_types": [PACKED], "secret_key": "k", **changes}
    with pytest.raises(InvalidParameter) as refused, transaction(session):
        webhooks.create_webhook(session, **fields)
    assert refused.value.field == field
    assert session.scalar(select(func.count(Webhook.id))) == 0


def test_update_keeps_the_secret_when_none_is_given_and_the_first_type_is_the_reference_field(session):
    """Editing without a secret keeps the old one; event_type mirrors the first of event_types."""
    with transaction(session):
        hook = webhooks.create_webhook(session, "https://erp.example.com/h", [PACKED], "old-secret")
        webhooks.update_webhook(session, hook.id, secret_key="", event_types=[PACKED, STATE_CHANGED])
    session.expire_all()
    hook = session.get(Webhook, hook.id)
    assert hook.secret_key == "old-secret"
    assert hook.event_types == [STATE_CHANGED, PACKED] and hook.event_type == STATE_CHANGED


def test_a_pack_writes_one_row_per_subscribed_type_in_order_and_only_for_active_matching_hooks(session):
    """A hook on state_changed+packed gets both (state_changed first); an out_of_stock hook and
    an inactive packed hook get nothing. The rows wait for their snapshot, which then gives
    the reference's event shape with the package in full."""
    with transaction(session):
        both = webhooks.create_webhook(session, "https://a.example.com/h", [PACKED, STATE_CHANGED], "k")
        webhooks.create_webhook(session, "https://b.example.com/h", [OUT_OF_STOCK], "k")
        webhooks.create_webhook(session, "https://c.example.com/h", [PACKED], "k", is_active=False)
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, PACK)

    rows = list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))
    assert [(row.webhook_id, row.event_type) for row in rows] == [(both.id, STATE_CHANGED), (both.id, PACKED)]
    assert [row.payload_ready for row in rows] == [False, False]
    assert set(rows[0].request_payload["payload"]) == {"state_change"}
    with transaction(session):
        assert due_ids(session, utcnow() + timedelta(seconds=1)) == []
    assert tasks.take_snapshots() == 2
    session.expire_all()
    for row in session.scalars(select(WebhookEvent)):
        assert row.status == "pending" and row.object_id == package.id and row.payload_ready
        assert row.request_payload["event"] == {"type": row.event_type, "uuid": row.uuid.replace("-", "")}
        payload = row.request_payload["payload"]
        assert payload["number"] == package.number and payload["state"]["enum_value"] == PackageStatus.PACKED.value
        assert payload["state_change"]["new_state"]["enum_value"] == PackageStatus.PACKED.value


def test_a_snapshot_shows_the_package_as_its_event_left_it_even_when_taken_later(session):
    """Prepare then release before any poll: the next command first snapshots the prepare
    events (package preparing), so each event's payload shows the state its change made."""
    with transaction(session):
        webhooks.create_webhook(session, "https://a.example.com/h", [STATE_CHANGED], "k")
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, "package__prepare_package_command__waiting__preparing")
    with transaction(session):
        execute_command(session, package.id, "package__release_package__preparing__waiting")
    tasks.take_snapshots()
    session.expire_all()
    prepared, released = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))
    assert prepared.request_payload["payload"]["state"]["enum_value"] == PackageStatus.PREPARING.value
    assert released.request_payload["payload"]["state"]["enum_value"] == PackageStatus.WAITING.value


def test_a_legacy_single_type_row_still_receives_its_type(session):
    """A Webhook row made with only event_type (as the reference stores it) gets that event."""
    with transaction(session):
        session.add(Webhook(target_url="https://legacy.example.com", event_type=PACKED, secret_key="k"))
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, PACK)
    assert list(session.scalars(select(WebhookEvent.event_type))) == [PACKED]


def _two_events(session):
    with transaction(session):
        webhooks.create_webhook(session, "https://a.example.com/h", [STATE_CHANGED, PACKED], "k")
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, PACK)
    tasks.take_snapshots()
    session.expire_all()
    return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def test_a_claim_is_exclusive_and_holds_back_the_package_s_later_events(session):
    """The first claim leases the event; a second claim of it, and any claim of the next event
    of the same package, get nothing until the first is recorded as delivered."""
    first, second = _two_events(session)
    now = utcnow() + timedelta(seconds=1)
    with transaction(session):
        attempt = webhooks.claim(session, first.id, now)
    assert attempt is not None and attempt.headers["X-Packing-Signature"] == webhooks.signature("k", attempt.body)
    with transaction(session):
        assert webhooks.claim(session, first.id, now) is None
        assert webhooks.claim(session, second.id, now) is None
        assert due_ids(session, now) == []
    with transaction(session):
        webhooks.record(session, attempt, webhooks.Outcome(204, ""), now)
    with transaction(session):
        assert due_ids(session, now) == [second.id]
        assert webhooks.claim(session, second.id, now) is not None


def test_the_lease_ends_after_the_timeout_so_a_lost_attempt_is_sent_again(session):
    """A claimed event nobody recorded (the worker died) is due again once timeout + margin pass."""
    first, _ = _two_events(session)
    now = utcnow() + timedelta(seconds=1)
    with transaction(session):
        webhooks.claim(session, first.id, now)
    lease = first.webhook.timeout_seconds + webhooks.LEASE_MARGIN_SECONDS
    with transaction(session):
        assert due_ids(session, now + timedelta(seconds=lease - 1)) == []
        assert due_ids(session, now + timedelta(seconds=lease)) == [first.id]


def test_the_worker_leases_for_the_timeout_plus_the_configured_margin(app, session, monkeypatch):
    """With WEBHOOK_LEASE_MARGIN_SECONDS at 1 (the default is the module's 5 s), an event the
    worker is sending is due again one second after its timeout, not before."""
    first, _ = _two_events(session)
    now = utcnow() + timedelta(seconds=1)
    monkeypatch.setattr(tasks, "now", lambda: now)
    monkeypatch.setitem(app.config, "WEBHOOK_LEASE_MARGIN_SECONDS", 1.0)
    lease = first.webhook.timeout_seconds + 1
    due_while_sending = []

    def send_and_look(attempt, allowed_hosts):
        with transaction(session):
            due_while_sending.append(
                (
                    due_ids(session, now + timedelta(seconds=lease - 0.5)),
                    due_ids(session, now + timedelta(seconds=lease)),
                )
            )
        return webhooks.Outcome(204, "")

    monkeypatch.setattr(webhooks, "send", send_and_look)
    assert tasks.attempt(first.id) == webhooks.DELIVERED
    assert due_while_sending == [([], [first.id])]
    assert Config.WEBHOOK_LEASE_MARGIN_SECONDS == webhooks.LEASE_MARGIN_SECONDS == 5


def test_deactivating_a_hook_stops_its_deliveries_without_losing_events(session):
    """Events of an inactive subscription stay pending and are not due; activating makes them due."""
    first, _ = _two_events(session)
    now = utcnow() + timedelta(seconds=1)
    with transaction(session):
        webhooks.update_webhook(session, first.webhook_id, is_active=False)
    with transaction(session):
        assert due_ids(session, now) == []
        assert webhooks.claim(session, first.id, now) is None
    with transaction(session):
        webhooks.update_webhook(session, first.webhook_id, is_active=True)
    with transaction(session):
        assert due_ids(session, now) == [first.id]


def test_redelivery_makes_a_failed_event_due_with_a_fresh_retry_budget(session):
    """Redeliver turns a failed event back to pending, retryable, retry_count 0, due now."""
    first, _ = _two_events(session)
    with transaction(session):
        first.status, first.retryable, first.retry_count, first.next_retry_date = "failed", False, 11, None
    now = utcnow() + timedelta(seconds=1)
    with transaction(session):
        webhooks.redeliver(session, first.id, now)
    with transaction(session):
        assert due_ids(session, now) == [first.id]
    session.expire_all()
    event = session.get(WebhookEvent, first.id)
    assert (event.status, event.retryable, event.retry_count) == ("pending", True, 0)


def test_a_snapshot_serialised_before_a_command_is_not_stored(session):
    """The worker serialises without a lock; if a command changes the package meanwhile the
    version check refuses the stale body, and the next poll snapshots the new state."""
    with transaction(session):
        webhooks.create_webhook(session, "https://a.example.com/h", [STATE_CHANGED], "k")
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, "package__prepare_package_command__waiting__preparing")
    with transaction(session):
        stale_version = session.get(Package, package.id).version
    with transaction(session):
        execute_command(session, package.id, "package__release_package__preparing__waiting")
    with transaction(session):
        assert not webhooks.lock_if_unchanged(session, package.id, stale_version)
    assert tasks.take_snapshots() == 1
    session.expire_all()
    states = [
        event.request_payload["payload"]["state"]["enum_value"]
        for event in session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))
    ]
    assert states == [PackageStatus.PREPARING.value, PackageStatus.WAITING.value]
