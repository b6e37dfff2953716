"""Shared fixtures: real databases on SQLite and PostgreSQL, each test in a transaction rolled back at the end.

PostgreSQL: ``CTDASH_TEST_POSTGRES_URL`` names a server and a role that may create databases
(default: the local test role that ``.ci/run`` creates). A fresh database is made for the test
session and dropped afterwards. Without a server the PostgreSQL tests skip, unless
``CTDASH_REQUIRE_POSTGRES=1``, when they fail.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ctdash import db
from ctdash.config import get_settings

DEFAULT_PG_URL = "postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/ctdash_test"
PG_URL = os.environ.get("CTDASH_TEST_POSTGRES_URL") or os.environ.get("CTDASH_TEST_PG_URL") or DEFAULT_PG_URL
REQUIRE_POSTGRES = os.environ.get("CTDASH_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL test server not usable at {make_url(PG_URL).render_as_string()}: {reason}"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " (CTDASH_REQUIRE_POSTGRES=1, so this is a failure)", pytrace=False)
    pytest.skip(message)


class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"ctdash_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drop one database now, ending the connections still open to it (an app engine's pool).

        FORCE can fail for a moment while a server process of another role (autovacuum) works on the
        database; then it is tried again, and in the end left for ``drop_all``.
        """
        name = make_url(url).database
        for attempt in range(5):
            try:
                with self.admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except DBAPIError:
                time.sleep(0.2 * (attempt + 1))
                continue
            self.created.remove(name)
            return

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(self.url.set(database=name).render_as_string(hide_password=False))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_URL)
    try:
        with server.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "no usable server"
        server.admin.dispose()
        _postgres_unavailable(str(error).splitlines()[0])
    yield server
    server.drop_all()


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database URL of the backend named by the test's ``backend`` parameter.

    A PostgreSQL database is dropped when the test ends: the app under test keeps its engine (and
    its pooled connections) for the life of the process, and a suite of page tests would otherwise
    use up the server's connection slots.
    """
    backend = getattr(request, "param", "sqlite")
    if backend != "postgresql":
        yield f"sqlite:///{tmp_path / 'ctdash.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop(url)


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    """One migrated database per backend for the whole test run."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'ctdash.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; ``commit()`` only releases a savepoint."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are read once per process; tests that change the environment get them re-read."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
