"""The Webhooks admin screen and CLI, through real requests (CSRF included) and the flask CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from packing.core import webhooks
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.events import PACKED, STATE_CHANGED
from packing.core.models import Webhook, WebhookEvent
from tests import factories
from tests.conftest import csrf_token_from
from tests.webhooks_support import RECEIVER_HOSTS, SECRET, poll

HX = {"HX-Request": "true"}


def _form(**changes):
    form = {
        "target_url": "https://erp.example.com/packing-hooks",
        "event_types": [PACKED, STATE_CHANGED],
        "secret_key": SECRET,
        "additional_headers": "X-Tenant: store-42\nAuthorization: Bearer abc",
        "retry_choice": "linear",
        "retry_base": "30",
        "retry_limit": "600",
        "max_retries": "5",
        "timeout_seconds": "4",
        "is_active": "y",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize("role", ["picker", "lead"])
def test_only_admins_reach_the_screen_or_see_it_in_the_nav(client, auth, role):
    """Pickers and leads get 403 on every webhooks URL and no "Webhooks" nav entry."""
    auth.login(role=role)
    account = client.get("/auth/account").text
    assert "/webhooks/" not in account
    for url in ("/webhooks/", "/webhooks/new", "/webhooks/events"):
        assert client.get(url).status_code == 403
    token = csrf_token_from(account)
    assert client.post("/webhooks/events/1/redeliver", data={"csrf_token": token}).status_code == 403
    assert client.post("/webhooks/1/active", data={"csrf_token": token, "active": "0"}).status_code == 403


def test_an_admin_creates_a_subscription_through_the_form(client, auth, session):
    """The form (CSRF and all) saves URL, both event types, parsed headers and a linear retry."""
    auth.login(role="admin")
    page = client.get("/webhooks/new")
    assert '<a href="/webhooks/"' in page.text  # the admin's nav entry
    response = client.post("/webhooks/new", data={**_form(), "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/webhooks/")
    hook = session.scalars(select(Webhook)).one()
    assert hook.event_types == [STATE_CHANGED, PACKED] and hook.secret_key == SECRET
    assert hook.additional_headers == {"X-Tenant": "store-42", "Authorization": "Bearer abc"}
    assert hook.retry_countdown_config == {"choice": "linear", "kwargs": {"base": 30, "limit": 600}}
    assert (hook.max_retries, hook.timeout_seconds, hook.is_active) == (5, 4, True)
    listing = client.get("/webhooks/").text
    assert "https://erp.example.com/packing-hooks" in listing and "Linear (base 30, longest wait 600 s)" in listing


def test_a_turkish_admin_reads_the_retry_strategies_in_turkish(client, auth, session):
    """The form offers the retry strategies in Turkish and the list says a subscription's retries in Turkish."""
    admin = auth.login(role="admin")
    admin.locale = "tr"
    hook = factories.webhook(session, PACKED)
    hook.retry_countdown_config = {"choice": "linear", "kwargs": {"base": 30, "limit": 600}}
    session.commit()
    form = client.get("/webhooks/new").text
    assert ">Üstel</option>" in form and ">Doğrusal</option>" in form and ">Sabit</option>" in form
    assert "Doğrusal (taban 30, en uzun bekleme 600 sn)" in client.get("/webhooks/").text


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"target_url": "erp.example.com"}, "Target URL must be a full http:// or https:// address."),
        ({"event_types": []}, "Choose at least one event type."),
        ({"retry_choice": "fixed", "retry_seconds": ""}, "The fixed retry needs &#39;seconds&#39;."),
        ({"additional_headers": "no separator here"}, "needs a name and a value"),
    ],
)
def test_a_bad_form_shows_the_reason_and_saves_nothing(client, auth, session, changes, message):
    """Invalid input comes back as a 400 form with the reason beside the field; no row is written."""
    auth.login(role="admin")
    page = client.get("/webhooks/new")
    response = client.post("/webhooks/new", data={**_form(**changes), "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 400
    assert message in response.text and 'class="field-error"' in response.text
    assert session.scalar(select(func.count(Webhook.id))) == 0


def test_a_post_without_the_csrf_token_is_refused(client, auth, session):
    """No token, no subscription: the form is protected like every other."""
    auth.login(role="admin")
    assert client.post("/webhooks/new", data=_form()).status_code == 400
    assert session.scalar(select(func.count(Webhook.id))) == 0


def test_editing_keeps_the_secret_when_left_empty(client, auth, session):
    """The edit form is filled from the row; an empty secret keeps the current one."""
    with transaction(session):
        hook = webhooks.create_webhook(session, "https://erp.example.com/h", [PACKED], "keep-me")
    auth.login(role="admin")
    page = client.get(f"/webhooks/{hook.id}/edit")
    assert "https://erp.example.com/h" in page.text and "keep-me" not in page.text
    response = client.post(
        f"/webhooks/{hook.id}/edit",
        data={
            **_form(target_url="https://erp.example.com/v2", secret_key=""),
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 303
    session.expire_all()
    hook = session.get(Webhook, hook.id)
    assert (hook.target_url, hook.secret_key) == ("https://erp.example.com/v2", "keep-me")
    assert client.get("/webhooks/999/edit").status_code == 404


def test_deactivate_swaps_the_row_for_htmx_and_redirects_without_js(client, auth, session):
    """htmx gets the row back showing Activate; a plain POST is redirected (303) to the list."""
    with transaction(session):
        hook = webhooks.create_webhook(session, "https://erp.example.com/h", [PACKED], "k")
    auth.login(role="admin")
    token = csrf_token_from(client.get("/webhooks/").text)
    row = client.post(f"/webhooks/{hook.id}/active", data={"active": "0", "csrf_token": token}, headers=HX)
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="webhook-{hook.id}"')
    assert "Activate" in row.text and "Inactive" in row.text
    plain = client.post(f"/webhooks/{hook.id}/active", data={"active": "1", "csrf_token": token})
    assert plain.status_code == 303
    session.expire_all()
    assert session.get(Webhook, hook.id).is_active is True


def test_the_log_lists_events_and_redeliver_sends_one_again(client, auth, session, receiver):
    """A failed event shows as failed; Redeliver (htmx) sends it to the receiver again and the
    swapped row shows it delivered; the status filter narrows the list."""
    with transaction(session):
        webhooks.create_webhook(session, receiver.url, [PACKED], SECRET, max_retries=0, allowed_hosts=RECEIVER_HOSTS)
        package = factories.package(session)
    receiver.down_for(1)
    with transaction(session):
        execute_command(session, package.id, "package__complete_packaging__waiting__packed-all-items")
    poll()
    event = session.scalars(select(WebhookEvent)).one()
    auth.login(role="admin")

    log = client.get("/webhooks/events")
    assert f'id="event-{event.id}"' in log.text and "failed" in log.text
    assert f'id="event-{event.id}"' not in client.get("/webhooks/events?status=delivered").text
    filtered = client.get("/webhooks/events?status=failed", headers=HX)
    assert filtered.text.lstrip().startswith('<div id="events-table">') and "<html" not in filtered.text
    assert "HX-Request" in filtered.headers["Vary"]

    row = client.post(
        f"/webhooks/events/{event.id}/redeliver", data={"csrf_token": csrf_token_from(log.text)}, headers=HX
    )
    assert row.status_code == 200 and "delivered" in row.text
    assert len(receiver.received) == 2 and len(receiver.delivered) == 1 and receiver.delivered[0].signature_valid
    session.expire_all()
    assert session.get(WebhookEvent, event.id).status == "delivered"


def test_redeliver_without_js_redirects_back_to_the_filtered_log(client, auth, session, receiver):
    """A plain form POST redelivers (with the package snapshot) and returns (303) to the local
    page it came from, never elsewhere."""
    with transaction(session):
        webhooks.create_webhook(session, receiver.url, [PACKED], SECRET, allowed_hosts=RECEIVER_HOSTS)
        package = factories.package(session)
    with transaction(session):
        execute_command(session, package.id, "package__complete_packaging__waiting__packed-all-items")
    event = session.scalars(select(WebhookEvent)).one()  # not polled yet: redelivery takes the snapshot itself
    auth.login(role="admin")
    token = csrf_token_from(client.get("/webhooks/events").text)
    back = client.post(
        f"/webhooks/events/{event.id}/redeliver", data={"csrf_token": token, "back": "/webhooks/events?status=pending"}
    )
    assert back.status_code == 303 and back.headers["Location"].endswith("/webhooks/events?status=pending")
    away = client.post(
        f"/webhooks/events/{event.id}/redeliver", data={"csrf_token": token, "back": "https://evil.example"}
    )
    assert away.headers["Location"].endswith("/webhooks/events")
    assert len(receiver.delivered) == 2 and all(
        request.json["payload"]["id"] == package.id for request in receiver.delivered
    )
    assert client.post("/webhooks/events/9999/redeliver", data={"csrf_token": token}).status_code == 404


def test_cli_create_and_list(app, session):
    """`flask webhooks create` with two events, a header and a fixed retry; `list` shows it."""
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=[
            "webhooks",
            "create",
            "https://erp.example.com/cli",
            "--event",
            PACKED,
            "--event",
            STATE_CHANGED,
            "--secret",
            "cli-secret",
            "--header",
            "X-Tenant=store-7",
            "--retry",
            "fixed",
            "--retry-seconds",
            "30",
            "--max-retries",
            "3",
        ]
    )
    assert created.exit_code == 0, created.output
    hook = session.scalars(select(Webhook)).one()
    assert hook.event_types == [STATE_CHANGED, PACKED] and hook.additional_headers == {"X-Tenant": "store-7"}
    assert hook.retry_countdown_config == {"choice": "fixed", "kwargs": {"seconds": 30}} and hook.max_retries == 3
    listed = runner.invoke(args=["webhooks", "list"])
    assert listed.exit_code == 0
    assert "https://erp.example.com/cli" in listed.output and "fixed(seconds=30)" in listed.output
    assert "cli-secret" not in listed.output


def test_cli_refuses_bad_input_with_a_message(app, session):
    """An unknown event type and a bad URL exit non-zero, say why, and create nothing."""
    runner = app.test_cli_runner()
    unknown = runner.invoke(
        args=["webhooks", "create", "https://x.example.com", "--event", "package.nope", "--secret", "k"]
    )
    assert unknown.exit_code != 0 and "package.nope" in unknown.output
    bad_url = runner.invoke(args=["webhooks", "create", "x.example.com", "--event", PACKED, "--secret", "k"])
    assert bad_url.exit_code != 0 and "Target URL must be a full" in bad_url.output
    assert session.scalar(select(func.count(Webhook.id))) == 0
