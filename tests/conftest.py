"""Fixtures: an app with a fresh database per test, on SQLite and (when TEST_DATABASE_URL
is set) again on PostgreSQL; a test client; and ``auth`` to sign in as a role.

Under pytest-xdist each worker has its own PostgreSQL database (TEST_DATABASE_URL's name
plus ``_gw0``, ``_gw1``, ..., created when missing); SQLite files are per test already."""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from packing.app import create_app
from packing.config import database_url
from packing.core import users
from packing.core.catalogue import seed_catalogue
from packing.core.models import Base
from packing.extensions import db
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Real hashes, but one PBKDF2 round instead of scrypt: a factory user costs microseconds."""
    users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


# The webhook subscriber (``receiver``) and a fresh worker memory for every test.
pytest_plugins = ["tests.webhooks_support"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
E2E_DIR = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(config, items):
    """The browser tests run on SQLite only: they prove what a person sees and does, and the
    SQL under them (queries, locking, commands, the importer, the API) is proven on both
    databases by the tests outside tests/e2e."""
    browser_on_postgres = [
        item
        for item in items
        if E2E_DIR in item.path.parents
        and getattr(item, "callspec", None)
        and item.callspec.params.get("backend") == "postgresql"
    ]
    if browser_on_postgres:
        config.hook.pytest_deselected(items=browser_on_postgres)
        items[:] = [item for item in items if item not in set(browser_on_postgres)]


def postgres_url() -> str:
    """This process's PostgreSQL test database: TEST_DATABASE_URL's, or under pytest-xdist
    the worker's own (``<name>_gw0``, ...), created when missing, so workers never truncate
    each other's tables."""
    url = make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url.render_as_string(hide_password=False)
    url = url.set(database=f"{url.database}_{worker}")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    """The database kind this run of the suite uses; PostgreSQL gets its schema once."""
    if request.param == "postgresql":
        engine = create_engine(postgres_url())
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        Base.metadata.create_all(engine)
        engine.dispose()
    return request.param


def _empty_postgres() -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class RequestIsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would: with its
    own ``g`` and its own database session (so tests commit what requests should see)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def redis_url():
    """An empty Redis database of this process's own on the server TEST_REDIS_URL names
    (scripts/test.sh starts one): database 1 + the pytest-xdist worker's number."""
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip("TEST_REDIS_URL is not set (scripts/test.sh starts a Redis server)")
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = f"{base.rstrip('/')}/{1 + int(worker.removeprefix('gw'))}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def app_config(request):
    """Configuration the app under test gets on top of the tests' own. A test runs on Redis
    (rate limits, and REDIS_URL for /readyz) with
    ``@pytest.mark.parametrize("app_config", ["memory", "redis"], indirect=True)``."""
    if getattr(request, "param", "memory") != "redis":
        return {}
    url = request.getfixturevalue("redis_url")
    return {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": url}


@pytest.fixture
def app(backend, tmp_path, app_config):
    if backend == "postgresql":
        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "HUEY_IMMEDIATE": True,
            **app_config,
        }
    )
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        if backend == "postgresql":
            _empty_postgres()
        else:
            db.create_all()
        seed_catalogue(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in through the real login form (CSRF token and all)."""

    def __init__(self, client, session):
        self._client = client
        self._session = session

    def login(self, user=None, *, role="picker", password=factories.PASSWORD, location=None):
        if user is None:
            user = factories.user(
                self._session, role=role, password=password, locations=[location] if location else None
            )
            self._session.commit()
        page = self._client.get("/auth/login")
        response = self._client.post(
            "/auth/login",
            data={"username": user.username, "password": password, "csrf_token": csrf_token_from(page.text)},
        )
        assert response.status_code in (302, 303), response.text
        return user

    def logout(self):
        page = self._client.get("/auth/account")
        return self._client.post("/auth/logout", data={"csrf_token": csrf_token_from(page.text)})


@pytest.fixture
def auth(client, session):
    return AuthActions(client, session)
