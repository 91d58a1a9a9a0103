"""Fixtures: an app with a fresh database per test, on SQLite and (when TEST_DATABASE_URL
is set) again on PostgreSQL; a test client; and ``auth`` to sign in as a role.

Under pytest-xdist each worker has its own PostgreSQL database (TEST_DATABASE_URL's name
plus ``_gw0``, ``_gw1``, ..., created when missing); SQLite files are per test already."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session

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
    """Some tests run on SQLite only: the browser tests, which prove what a person sees and
    does while the SQL under them (queries, locking, commands, the importer, the API) is
    proven on both databases by the tests outside tests/e2e; and tests marked
    ``sqlite_only``, which need an app but no SQL of their own (headers, static files,
    translations), so a second database would prove nothing new."""
    sqlite_only = [
        item
        for item in items
        if getattr(item, "callspec", None)
        and item.callspec.params.get("backend") == "postgresql"
        and (E2E_DIR in item.path.parents or item.get_closest_marker("sqlite_only"))
    ]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        left_out = set(sqlite_only)
        items[:] = [item for item in items if item not in left_out]


def postgres_url() -> str:
    """This process's PostgreSQL test database: TEST_DATABASE_URL's, or under pytest-xdist
    the worker's own (``<name>_gw0``, ...), created when missing, so workers never empty
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
    """The database kind this run of the suite uses."""
    return request.param


@pytest.fixture(scope="session")
def fresh_database(backend, tmp_path_factory):
    """How a test gets an empty database with the catalogue seeded: built once per worker,
    then a copy of the SQLite file, or on PostgreSQL every table emptied with DELETE (a
    TRUNCATE of every table costs a second here: it writes each table's files anew) and the
    catalogue's rows put back as they were seeded, sequences and all."""
    if backend == "sqlite":
        template = tmp_path_factory.mktemp("catalogue") / "template.db"
        engine = create_engine(f"sqlite:///{template}")
        Base.metadata.create_all(engine)
        _seed(engine)
        engine.dispose()

        def copy_of_the_template(tmp_path: Path) -> str:
            shutil.copyfile(template, tmp_path / "test.db")
            return f"sqlite:///{tmp_path / 'test.db'}"

        yield copy_of_the_template
        return

    url = postgres_url()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    _seed(engine)
    with engine.connect() as connection:
        seeded = {table: [dict(row._mapping) for row in connection.execute(select(table))] for table in TABLES}
    seeded = {table: rows for table, rows in seeded.items() if rows}
    sequences = [(table, table.autoincrement_column.name) for table in TABLES if table.autoincrement_column is not None]
    restart_sequences = "SELECT " + ", ".join(
        f"setval(pg_get_serial_sequence('\"{table.name}\"', '{column}'), "
        f'COALESCE((SELECT MAX("{column}") FROM "{table.name}"), 0) + 1, false)'
        for table, column in sequences
    )

    def emptied_and_seeded(_tmp_path: Path) -> str:
        with engine.begin() as connection:
            for table in reversed(TABLES):
                connection.execute(table.delete())
            for table, rows in seeded.items():
                connection.execute(insert(table), rows)
            connection.execute(text(restart_sequences))
        return url

    yield emptied_and_seeded
    engine.dispose()


TABLES = Base.metadata.sorted_tables


def _seed(engine) -> None:
    with Session(engine) as session:
        seed_catalogue(session)
        session.commit()


class RequestIsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would: with its
    own ``g`` and its own database session (so tests commit what requests should see)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def worker_redis_url() -> str:
    """This process's own Redis database on the server TEST_REDIS_URL names (scripts/test.sh
    starts one): database 1 + the pytest-xdist worker's number; the test is skipped without one."""
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip("TEST_REDIS_URL is not set (scripts/test.sh starts a Redis server)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"{base.rstrip('/')}/{1 + int(worker.removeprefix('gw'))}"


@pytest.fixture
def redis_url():
    """This process's Redis database (``worker_redis_url``), emptied for the test."""
    import redis

    url = worker_redis_url()
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
def app(fresh_database, tmp_path, app_config):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": fresh_database(tmp_path),
            "HUEY_IMMEDIATE": True,
            # A test's quick run of calls is not an integrator's flood: a fast machine made the
            # filter tests' 30 calls in a second into 429s. The limit's own tests set theirs.
            "API_RATE_LIMIT": "1000 per second",
            **app_config,
        }
    )
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
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
