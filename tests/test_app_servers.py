"""Two app servers (gunicorn, two workers each) over one PostgreSQL and one Redis, as behind
a load balancer: counts, locks, webhook delivery, sessions and sign-in throttling hold across
them. Runs when TEST_DATABASE_URL and TEST_REDIS_URL are set (scripts/test.sh sets both)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from packing.core import labels, webhooks
from packing.core.db import transaction
from packing.core.events import PACKED
from packing.core.models import Scan, Transition, TransitionLog, WebhookEvent
from tests import factories
from tests.conftest import csrf_token_from, worker_redis_url
from tests.test_webhooks_worker import Worker, _wait_for
from tests.webhooks_support import RECEIVER_HOSTS, SECRET

ROOT = Path(__file__).resolve().parent.parent
PACK = "package__complete_packaging__preparing__packed-all-items"
METRICS_TOKEN = "servers-test-token"
SECRET_KEY = "one-secret-for-every-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn_flags() -> list[str]:
    """Recent gunicorn opens a control socket in the home directory unless told not to."""
    help_text = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


class AppServer:
    """``gunicorn app:app`` with two sync workers on a free port, in its own process group."""

    def __init__(self, database_url: str, redis_url: str, workdir: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url, self.redis_url = database_url, redis_url
        metrics_dir = workdir / "metrics"
        metrics_dir.mkdir(parents=True)
        env = {
            **{name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"},
            "PACKING_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PACKING_INSTANCE_DIR": str(workdir),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        self.log_path = workdir / "gunicorn.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - gunicorn writes to it until stop() closes it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}"]
            + _gunicorn_flags()
            + ["app:app"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        def ready() -> bool:
            try:
                return requests.get(f"{self.url}/readyz", timeout=5).status_code == 200
            except requests.RequestException:  # not listening yet, or its workers still booting
                return False

        _wait_for(ready, 120, f"the app server on {self.port}: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text()[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()

    def metric(self, name: str, **labels) -> float:
        text = requests.get(
            f"{self.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
        ).text
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        match = re.search(rf"^{name}{{{re.escape(wanted)}}} (\S+)$", text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
def server_pair(backend, fresh_database, tmp_path_factory):
    """Two app servers on this process's PostgreSQL database and Redis database, booted once
    for the module (a pair takes seconds to boot); ``servers`` empties both for each test."""
    if backend != "postgresql":
        pytest.skip("several app servers share a PostgreSQL database")
    workdir = tmp_path_factory.mktemp("app-servers")
    database_url = fresh_database(workdir)
    started = [AppServer(database_url, worker_redis_url(), workdir / name) for name in ("a", "b")]
    try:
        for server in started:
            server.wait_until_ready()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def servers(server_pair, app, redis_url):
    """The running pair, serving this test's database (emptied and reseeded by ``app``) and
    Redis database (emptied by ``redis_url``); the servers keep no data of their own between
    requests, so a test sees nothing of the one before it."""
    assert app.config["SQLALCHEMY_DATABASE_URI"] == server_pair[0].database_url
    assert redis_url == server_pair[0].redis_url
    for server in server_pair:
        assert server.process.poll() is None, f"the app server on {server.port} exited: {server.log_tail()}"
    return server_pair


@pytest.fixture
def no_label_rendering(monkeypatch):
    """Packs in the test process skip WeasyPrint: labels are not what these tests are about."""
    monkeypatch.setattr(labels, "render_pending_label", lambda session, package_id: None)


def _sign_in(base_url: str, user) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base_url}/auth/login", timeout=10)
    answer = browser.post(
        f"{base_url}/auth/login",
        data={"username": user.username, "password": factories.PASSWORD, "csrf_token": csrf_token_from(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.text
    return browser


def _station_token(browser: requests.Session, base_url: str, package_id: int) -> str:
    return csrf_token_from(browser.get(f"{base_url}/station/packages/{package_id}", timeout=10).text)


def _claimed_package(session, servers, units: int):
    """A package of ``units`` units claimed by a picker signed in on server A."""
    store = factories.location(session)
    shirt = factories.product(session)
    package = factories.package(session, at=store, products=[shirt] * units)
    picker = factories.user(session, locations=[store])
    session.commit()
    browser = _sign_in(servers[0].url, picker)
    queue = browser.get(f"{servers[0].url}/queue/", timeout=10)
    opened = browser.post(
        f"{servers[0].url}/station/packages/{package.id}/open",
        data={"csrf_token": csrf_token_from(queue.text)},
        timeout=10,
    )
    assert opened.status_code == 200, opened.text
    return package.id, shirt.barcode, browser


def test_a_scan_burst_split_across_two_servers_counts_exactly(session, servers):
    """30 scans of a 20-unit package from 6 threads, alternating servers: exactly 20 count,
    10 are over-scans; the servers' /metrics (two workers each) add up to the same."""
    package_id, barcode, browser = _claimed_package(session, servers, units=20)
    token = _station_token(browser, servers[0].url, package_id)
    before = {
        outcome: sum(server.metric("packing_scans_total", outcome=outcome) for server in servers)
        for outcome in ("counted", "over_scan")
    }

    def scan(n: int) -> int:
        return browser.post(
            f"{servers[n % 2].url}/station/packages/{package_id}/scans",
            data={"csrf_token": token, "barcode": barcode, "client_scan_id": f"burst-{n}"},
            headers={"HX-Request": "true"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(scan, range(30)))

    assert set(answers) <= {200, 422}, answers
    session.expire_all()
    assert session.scalar(select(func.count(Scan.id)).where(Scan.package_id == package_id)) == 20
    after = {
        outcome: sum(server.metric("packing_scans_total", outcome=outcome) for server in servers)
        for outcome in ("counted", "over_scan")
    }
    assert (after["counted"] - before["counted"], after["over_scan"] - before["over_scan"]) == (20, 10)


def test_ten_concurrent_packs_across_two_servers_make_one_transition(session, servers):
    """Ten Pack presses at once, five through each server: one transition is logged."""
    package_id, barcode, browser = _claimed_package(session, servers, units=2)
    token = _station_token(browser, servers[0].url, package_id)
    for n in range(2):
        browser.post(
            f"{servers[n % 2].url}/station/packages/{package_id}/scans",
            data={"csrf_token": token, "barcode": barcode, "client_scan_id": f"unit-{n}"},
            timeout=30,
        )
    pack_id = session.scalar(select(Transition.id).where(Transition.slug == PACK))

    def pack(n: int) -> int:
        return browser.post(
            f"{servers[n % 2].url}/station/packages/{package_id}/commands/{pack_id}",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(pack, range(10)))

    assert all(status < 500 for status in answers), answers
    session.expire_all()
    packs = session.scalar(
        select(func.count(TransitionLog.id)).where(
            TransitionLog.object_id == package_id, TransitionLog.transition_id == pack_id
        )
    )
    assert packs == 1


def test_two_workers_deliver_each_event_once_per_subscription(
    app, session, servers, receiver, redis_url, tmp_path, no_label_rendering
):
    """Two ``flask worker`` processes on one Redis queue and database: five packs to two
    subscriptions make ten events, and the subscriber receives each exactly once."""
    with transaction(session):
        for path in ("first", "second"):
            webhooks.create_webhook(session, f"{receiver.url}/{path}", [PACKED], SECRET, allowed_hosts=RECEIVER_HOSTS)
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [
        Worker(database_url, tmp_path / f"queue-{n}.db", tmp_path / f"worker-{n}.log", redis_url) for n in (1, 2)
    ]
    try:
        for _ in range(5):
            factories.packed_package(session)
            session.commit()

        def all_delivered() -> bool:
            session.expire_all()
            return set(session.scalars(select(WebhookEvent.status))) == {"delivered"}

        _wait_for(all_delivered, 120, "both workers to deliver every event")
    finally:
        for worker in workers:
            worker.kill()

    events = list(session.scalars(select(WebhookEvent)))
    assert len(events) == 10 and len({event.webhook_id for event in events}) == 2
    deliveries = Counter(request.event_uuid for request in receiver.delivered)
    assert sorted(deliveries.values()) == [1] * 10
    assert set(deliveries) == {event.uuid.replace("-", "") for event in events}


def test_a_session_signed_in_on_one_server_works_on_the_other(session, servers):
    """The signed session cookie from server A opens the account page on server B; a browser
    without it is sent to sign in there."""
    user = factories.user(session)
    session.commit()
    browser = _sign_in(servers[0].url, user)
    assert browser.get(f"{servers[1].url}/auth/account", allow_redirects=False, timeout=10).status_code == 200
    stranger = requests.get(f"{servers[1].url}/auth/account", allow_redirects=False, timeout=10)
    assert stranger.status_code == 302


def test_sign_in_failures_on_one_server_throttle_the_name_on_the_other(session, servers):
    """Five wrong passwords for a name through server A (counted in Redis): server B answers
    the sixth try, even with the right password, 429."""
    user = factories.user(session)
    session.commit()

    def try_password(base_url: str, password: str) -> int:
        browser = requests.Session()
        page = browser.get(f"{base_url}/auth/login", timeout=10)
        return browser.post(
            f"{base_url}/auth/login",
            data={"username": user.username, "password": password, "csrf_token": csrf_token_from(page.text)},
            allow_redirects=False,
            timeout=10,
        ).status_code

    assert [try_password(servers[0].url, "wrong-password") for _ in range(5)] == [401] * 5
    assert try_password(servers[1].url, factories.PASSWORD) == 429
