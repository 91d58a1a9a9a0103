"""Webhook subscriptions and delivery bookkeeping (no Flask import).

Delivery is split in three steps so that no transaction is open while a subscriber answers:
``claim`` (leases a due event, in its own short transaction), ``send`` (the HTTP POST, no
database), ``record`` (the outcome, in another short transaction). The lease is the event's
``next_retry_date`` pushed past the request's timeout: the event stays ``pending`` the whole
time, so a worker killed mid-delivery leaves it pending and due again once the lease ends.
Subscribers may therefore see an event twice after a crash; the event's ``uuid`` lets them
drop the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Optional
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from packing.core import network
from packing.core.errors import InvalidParameter, NotFound
from packing.core.events import EVENT_TYPES
from packing.core.models import Package, Webhook, WebhookEvent, utcnow
from packing.core.serializers import iso

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)

SIGNATURE_HEADER = "X-Packing-Signature"
EVENT_HEADER = "X-Packing-Event"
DELIVERY_HEADER = "X-Packing-Delivery"
USER_AGENT = "packing-station-webhooks/1"
RESERVED_HEADERS = {
    name.lower() for name in ("Content-Type", "Content-Length", "Host", SIGNATURE_HEADER, EVENT_HEADER, DELIVERY_HEADER)
}

RESPONSE_CONTENT_LIMIT = 2000
MAX_TIMEOUT_SECONDS = 60
# Bounds on a subscription's retry schedule: no wait longer than a day, no base that makes
# the waits explode, no endless retrying.
MAX_RETRY_DELAY_SECONDS = 24 * 3600
MAX_BACKOFF_BASE = 10
MAX_RETRIES = 50
# How long past its timeout a claimed delivery may take before another worker may send it:
# ``requests`` times connect and each read separately, so a slow answer can exceed the timeout.
LEASE_MARGIN_SECONDS = 5
SNAPSHOT_BATCH = 50

# What each strategy starts from when a subscriber does not say (the admin form and the CLI).
RETRY_DEFAULTS = {"exponential": {"base": 2, "factor": 1}, "linear": {"base": 60}, "fixed": {"seconds": 60}}
DEFAULT_RETRY = {"choice": "exponential", "kwargs": dict(RETRY_DEFAULTS["exponential"])}
# Each strategy's keyword arguments: (required, optional). The delay before retry ``n``
# (``n`` = failed attempts so far) is, in seconds:
#   exponential  factor * base ** n    linear  base * n    fixed  seconds
# and never more than ``limit`` when one is given.
RETRY_KWARGS = {
    "exponential": (("base",), ("factor", "limit")),
    "linear": (("base",), ("limit",)),
    "fixed": (("seconds",), ()),
}


# --- Subscriptions ----------------------------------------------------------------------


def validate_retry_config(config: Any) -> dict:
    """The reference's ``retry_countdown_config``, checked and with numbers as numbers."""
    if not isinstance(config, Mapping) or config.get("choice") not in RETRY_KWARGS:
        raise InvalidParameter(
            "Retry strategy must be one of: {choices}.", choices=", ".join(RETRY_KWARGS), field="retry_countdown_config"
        )
    required, optional = RETRY_KWARGS[config["choice"]]
    given = config.get("kwargs") or {}
    if not isinstance(given, Mapping):
        raise InvalidParameter("Retry settings must be an object.", field="retry_countdown_config")
    unknown = set(given) - set(required) - set(optional)
    if unknown:
        raise InvalidParameter(
            "Unknown {choice} retry setting: {settings}.",
            choice=config["choice"],
            settings=", ".join(sorted(unknown)),
            field="retry_countdown_config",
        )
    kwargs: dict[str, float] = {}
    for name in (*required, *optional):
        value = given.get(name)
        if value is None or value == "":
            if name in required:
                raise InvalidParameter(
                    "The {choice} retry needs '{name}'.", choice=config["choice"], name=name, field="retry_" + name
                )
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidParameter("Retry '{name}' must be a number.", name=name, field="retry_" + name) from None
        if number < 0 or number != number or number == float("inf"):
            raise InvalidParameter("Retry '{name}' must be zero or more.", name=name, field="retry_" + name)
        highest = _retry_bound(config["choice"], name)
        if number > highest:
            raise InvalidParameter(
                "Retry '{name}' must be at most {highest}.", field="retry_" + name, name=name, highest=highest
            )
        kwargs[name] = int(number) if number.is_integer() else number
    return {"choice": config["choice"], "kwargs": kwargs}


def _retry_bound(choice: str, name: str) -> int:
    return MAX_BACKOFF_BASE if (choice, name) == ("exponential", "base") else MAX_RETRY_DELAY_SECONDS


def retry_countdown(config: Mapping, failed_attempts: int) -> float:
    """Seconds to wait before the next attempt, after ``failed_attempts`` failures; never
    more than a day (rows saved before the bounds existed included)."""
    choice, kwargs = config["choice"], config.get("kwargs", {})
    if choice == "exponential":
        base = min(float(kwargs["base"]), MAX_BACKOFF_BASE)
        delay = kwargs.get("factor", 1) * base ** min(failed_attempts, MAX_RETRIES)
    elif choice == "linear":
        delay = kwargs["base"] * failed_attempts
    else:
        delay = kwargs["seconds"]
    limit = kwargs.get("limit")
    return float(min(delay, limit if limit is not None else delay, MAX_RETRY_DELAY_SECONDS))


def _target_url(url: Any, allowed_hosts: Collection[str]) -> str:
    url = (url or "").strip() if isinstance(url, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter("Target URL must be a full http:// or https:// address.", field="target_url")
    if len(url) > 500:
        raise InvalidParameter("Target URL is longer than 500 characters.", field="target_url")
    check_target(url, allowed_hosts, must_resolve=False)
    return url


# --- Where deliveries may go ------------------------------------------------------------
# A subscription must not turn the worker into a way to reach what only the server can
# reach (a cloud's metadata service, the store's LAN, the database's port): targets must
# resolve to public addresses, unless an operator allows the host by name.


def check_target(url: str, allowed_hosts: Collection[str] = (), *, must_resolve: bool = True) -> None:
    """Refuse a target whose host is, or resolves to, a loopback, private, link-local,
    multicast or reserved address, unless the host is in ``allowed_hosts``. A name that
    does not resolve is refused only when ``must_resolve`` (at delivery; when saving, the
    name may simply not be published yet)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = network.refused_address(host, port, allowed_hosts, private_ok=False, must_resolve=must_resolve)
    except network.Unresolvable:
        raise InvalidParameter("The host {host} could not be resolved.", field="target_url", host=host) from None
    if address is not None:
        raise InvalidParameter(
            "The host {host} is at {address}, which is not a public address: webhooks go to "
            "public addresses only, unless WEBHOOK_ALLOWED_HOSTS names the host.",
            field="target_url",
            host=host,
            address=address,
        )


def _event_types(values: Any) -> list[str]:
    chosen = [values] if isinstance(values, str) else list(values or [])
    if not chosen:
        raise InvalidParameter("Choose at least one event type.", field="event_types")
    unknown = [value for value in chosen if value not in EVENT_TYPES]
    if unknown:
        raise InvalidParameter(
            "Unknown event type '{event_type}'; known: {known}.",
            event_type=unknown[0],
            known=", ".join(EVENT_TYPES),
            field="event_types",
        )
    return [event_type for event_type in EVENT_TYPES if event_type in chosen]


def _headers(values: Any) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise InvalidParameter("Additional headers must be name/value pairs.", field="additional_headers")
    headers = {}
    for name, value in values.items():
        name, value = str(name).strip(), str(value).strip()
        if not name or any(c in name for c in " :\r\n") or any(c in value for c in "\r\n"):
            raise InvalidParameter("Header '{name}' is not a valid header.", name=name, field="additional_headers")
        if name.lower() in RESERVED_HEADERS:
            raise InvalidParameter(
                "Header '{name}' is set by the station itself.", name=name, field="additional_headers"
            )
        headers[name] = value
    return headers


def _whole_number(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(
            "Must be a whole number from {low} to {high}.", low=low, high=high, field=field
        ) from None
    if not low <= number <= high:
        raise InvalidParameter("Must be a whole number from {low} to {high}.", low=low, high=high, field=field)
    return number


def _apply(hook: Webhook, fields: Mapping[str, Any], allowed_hosts: Collection[str]) -> None:
    if "target_url" in fields:
        hook.target_url = _target_url(fields["target_url"], allowed_hosts)
    if "event_types" in fields:
        hook.event_types = _event_types(fields["event_types"])
        hook.event_type = hook.event_types[0]
    if fields.get("secret_key"):
        if len(fields["secret_key"]) > 200:
            raise InvalidParameter("Secret key is longer than 200 characters.", field="secret_key")
        hook.secret_key = fields["secret_key"]
    if "additional_headers" in fields:
        hook.additional_headers = _headers(fields["additional_headers"])
    if "retry_countdown_config" in fields:
        hook.retry_countdown_config = validate_retry_config(fields["retry_countdown_config"])
    if "max_retries" in fields:
        hook.max_retries = _whole_number(fields["max_retries"], "max_retries", 0, MAX_RETRIES)
    if "timeout_seconds" in fields:
        hook.timeout_seconds = _whole_number(fields["timeout_seconds"], "timeout_seconds", 1, MAX_TIMEOUT_SECONDS)
    if "is_active" in fields:
        hook.is_active = bool(fields["is_active"])


def create_webhook(
    session: Session,
    target_url: str,
    event_types: Iterable[str],
    secret_key: str,
    additional_headers: Optional[Mapping[str, str]] = None,
    retry_countdown_config: Optional[Mapping] = None,
    max_retries: int = 10,
    timeout_seconds: int = 10,
    is_active: bool = True,
    allowed_hosts: Collection[str] = (),
) -> Webhook:
    """A new subscription. A secret is required: subscribers verify every body with it.
    The target must be public unless its host is in ``allowed_hosts`` (check_target)."""
    if not secret_key:
        raise InvalidParameter("A secret key is required to sign deliveries.", field="secret_key")
    hook = Webhook(target_url="", event_type="", event_types=[])
    _apply(
        hook,
        {
            "target_url": target_url,
            "event_types": event_types,
            "secret_key": secret_key,
            "additional_headers": additional_headers or {},
            "retry_countdown_config": retry_countdown_config or DEFAULT_RETRY,
            "max_retries": max_retries,
            "timeout_seconds": timeout_seconds,
            "is_active": is_active,
        },
        allowed_hosts,
    )
    session.add(hook)
    session.flush()
    return hook


def update_webhook(session: Session, webhook_id: int, allowed_hosts: Collection[str] = (), **fields: Any) -> Webhook:
    """Change the given fields; an empty ``secret_key`` keeps the current secret."""
    hook = get_webhook(session, webhook_id)
    _apply(hook, fields, allowed_hosts)
    session.flush()
    return hook


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.is_active.desc(), Webhook.id)))


def redeliver(session: Session, event_id: int, now: Optional[datetime] = None) -> WebhookEvent:
    """Send an event again, by hand: pending, due now, with a fresh retry budget."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        raise NotFound("No such webhook event.")
    event.status = PENDING
    event.retryable = True
    event.retry_count = 0
    event.next_retry_date = now or utcnow()
    session.flush()
    return event


# --- Delivery ---------------------------------------------------------------------------


def signature(secret_key: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the exact body bytes>``; subscribers recompute and compare."""
    return "sha256=" + hmac.new(secret_key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode_body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Attempt:
    """One claimed delivery: everything needed to send it without the database."""

    event_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    timeout: float


@dataclass(frozen=True)
class Outcome:
    http_status: Optional[int]
    content: str

    @property
    def delivered(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _not_blocked():
    """No earlier event of the same package for the same subscriber is still pending:
    a subscriber gets one package's events in the order they happened."""
    earlier = aliased(WebhookEvent)
    return ~exists().where(
        earlier.webhook_id == WebhookEvent.webhook_id,
        earlier.object_id == WebhookEvent.object_id,
        earlier.status == PENDING,
        earlier.id < WebhookEvent.id,
    )


def due_events(session: Session, now: datetime, limit: int = 500) -> list[tuple[int, datetime]]:
    """(id, next_retry_date) of the pending events of active subscriptions that may be sent
    now, oldest first."""
    rows = session.execute(
        select(WebhookEvent.id, WebhookEvent.next_retry_date)
        .join(Webhook, Webhook.id == WebhookEvent.webhook_id)
        .where(
            Webhook.is_active.is_(True),
            WebhookEvent.status == PENDING,
            WebhookEvent.payload_ready.is_(True),
            WebhookEvent.next_retry_date <= now,
            _not_blocked(),
        )
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    return [(event_id, _as_utc(due_at)) for event_id, due_at in rows]


def packages_awaiting_snapshot(session: Session, limit: int = SNAPSHOT_BATCH) -> list[int]:
    """Packages with events whose payload snapshot is still to be taken (lowest id first, so
    that concurrent pollers lock them in the same order)."""
    return list(
        session.scalars(
            select(WebhookEvent.object_id)
            # status first: the due index finds the few pending rows without a scan
            .where(WebhookEvent.status == PENDING, WebhookEvent.payload_ready.is_(False))
            .distinct()
            .order_by(WebhookEvent.object_id)
            .limit(limit)
        )
    )


def lock_if_unchanged(session: Session, package_id: int, version: int) -> bool:
    """Take the package's row lock if it is still at ``version`` (no command since): the
    worker serialises a snapshot first and only locks for the short write that stores it."""
    kept = session.execute(
        update(Package)
        .where(Package.id == package_id, Package.version == version)
        .values(version=Package.version, modified_date=Package.modified_date)
        .execution_options(synchronize_session=False)
    )
    return kept.rowcount == 1


def next_in_line(session: Session, event_id: int) -> Optional[int]:
    """The following pending event of the same package for the same subscriber, if any."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        return None
    return session.scalar(
        select(WebhookEvent.id)
        .where(
            WebhookEvent.webhook_id == event.webhook_id,
            WebhookEvent.object_id == event.object_id,
            WebhookEvent.status == PENDING,
            WebhookEvent.id > event.id,
        )
        .order_by(WebhookEvent.id)
        .limit(1)
    )


def claim(
    session: Session, event_id: int, now: datetime, lease_margin_seconds: float = LEASE_MARGIN_SECONDS
) -> Optional[Attempt]:
    """Lease a due event for one attempt (for its timeout plus ``lease_margin_seconds``), or
    None when it is not due, not first in its package's line, already leased by another
    worker, its snapshot is still to be taken, or its subscription is inactive.

    The conditional UPDATE is the lock: of two workers racing for an event, one updates
    the row and the other finds it no longer due."""
    event = session.get(WebhookEvent, event_id)
    if event is None or event.status != PENDING or not event.payload_ready or not event.webhook.is_active:
        return None
    hook = event.webhook
    lease_until = now + timedelta(seconds=hook.timeout_seconds + lease_margin_seconds)
    leased = session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.id == event_id,
            WebhookEvent.status == PENDING,
            WebhookEvent.next_retry_date <= now,
            _not_blocked(),
        )
        .values(next_retry_date=lease_until, modified_date=now)
        .execution_options(synchronize_session=False)
    )
    if leased.rowcount != 1:
        return None
    session.refresh(event)
    # The attempt is written down before it is made, so one cut short by a crash still shows.
    event.request_datetimes = [*event.request_datetimes, iso(now)]
    session.flush()
    body = encode_body(event.request_payload)
    headers = {
        **hook.additional_headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event.event_type,
        DELIVERY_HEADER: event.uuid,
        SIGNATURE_HEADER: signature(hook.secret_key, body),
    }
    return Attempt(event.id, hook.target_url, body, headers, float(hook.timeout_seconds))


class _PublicPeerOnly:
    """Checks the address a connection actually reached, after DNS: a name that resolved to
    a public address when checked and to a private one now (DNS rebinding) is refused."""

    def _new_conn(self):
        sock = super()._new_conn()
        refusal = network.address_refusal(sock.getpeername()[0], private_ok=False)
        if refusal:
            sock.close()
            raise NewConnectionError(self, f"Refused: {self.host} resolved to {refusal}.")
        return sock


class _PublicHTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _public_only_post(url: str, **kwargs) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False  # a proxy from the environment would hide where we connect
        http.mount("http://", _PublicOnlyAdapter())
        http.mount("https://", _PublicOnlyAdapter())
        return http.post(url, **kwargs)


def send(
    attempt: Attempt, post: Optional[Callable[..., requests.Response]] = None, allowed_hosts: Collection[str] = ()
) -> Outcome:
    """POST the event; any answer or failure becomes an Outcome, never an exception. The
    target is checked again first (check_target), and a host outside ``allowed_hosts`` is
    only ever reached at a public address; redirects are not followed."""
    try:
        check_target(attempt.url, allowed_hosts)
    except InvalidParameter as refusal:
        return Outcome(None, f"Not sent: {refusal.reason}"[:RESPONSE_CONTENT_LIMIT])
    if post is None:
        allowed = network.host_allowed(urlsplit(attempt.url).hostname or "", allowed_hosts)
        post = requests.post if allowed else _public_only_post
    try:
        response = post(
            attempt.url, data=attempt.body, headers=attempt.headers, timeout=attempt.timeout, allow_redirects=False
        )
    except requests.Timeout:
        return Outcome(None, f"No answer within {attempt.timeout:g} s.")
    except requests.RequestException as error:
        return Outcome(None, f"Could not connect: {type(error).__name__}: {error}"[:RESPONSE_CONTENT_LIMIT])
    return Outcome(response.status_code, response.text[:RESPONSE_CONTENT_LIMIT])


def record(session: Session, attempt: Attempt, outcome: Outcome, now: datetime) -> WebhookEvent:
    """Write an attempt's outcome: delivered; or pending again at the next retry time;
    or failed once the subscription's ``max_retries`` retries are used up."""
    event = session.get(WebhookEvent, attempt.event_id)
    if event is None:
        raise NotFound("No such webhook event.")
    event.response_http_status = outcome.http_status
    event.response_content = outcome.content
    if event.status != PENDING:
        session.flush()  # delivered meanwhile by another worker after our lease ran out
        return event
    if outcome.delivered:
        event.status = DELIVERED
        event.next_retry_date = None
    else:
        event.retry_count += 1
        if event.retry_count > event.webhook.max_retries:
            event.status = FAILED
            event.retryable = False
            event.next_retry_date = None
        else:
            delay = retry_countdown(event.webhook.retry_countdown_config, event.retry_count)
            event.next_retry_date = now + timedelta(seconds=delay)
    session.flush()
    return event


def events_page(
    session: Session,
    status: Optional[str] = None,
    webhook_id: Optional[int] = None,
    package_id: Optional[int] = None,
    before_id: Optional[int] = None,
    limit: int = 50,
) -> list[WebhookEvent]:
    """Newest first, ``limit`` at a time (keyset: pass the last id seen as ``before_id``)."""
    query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
    if status:
        if status not in STATUSES:
            raise InvalidParameter("Status must be one of: {statuses}.", statuses=", ".join(STATUSES), field="status")
        query = query.where(WebhookEvent.status == status)
    if webhook_id:
        query = query.where(WebhookEvent.webhook_id == webhook_id)
    if package_id:
        query = query.where(WebhookEvent.object_id == package_id)
    if before_id:
        query = query.where(WebhookEvent.id < before_id)
    return list(session.scalars(query))


def open_event_counts(session: Session) -> dict[tuple[int, str], int]:
    """{(webhook id, status): count} of the events still pending and those that failed."""
    rows = session.execute(
        select(WebhookEvent.webhook_id, WebhookEvent.status, func.count())
        .where(WebhookEvent.status.in_((PENDING, FAILED)))
        .group_by(WebhookEvent.webhook_id, WebhookEvent.status)
    )
    return {(hook_id, status): count for hook_id, status, count in rows}


def next_retry_at(event: WebhookEvent) -> Optional[datetime]:
    return _as_utc(event.next_retry_date) if event.next_retry_date else None
