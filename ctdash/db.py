"""Engines, sessions, migrations and the data revision.

One engine per process and database URL (the app wraps ``make_engine`` in
``st.cache_resource``). Callers own sessions: open one with ``session_scope``,
pass it to service functions, and let the scope commit or roll back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ctdash.config import normalise_database_url
from ctdash.errors import DatabaseUnavailable
from ctdash.models import DataRevision, SignInAttempt

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so SAVEPOINT
    # and transactional DDL work (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the app read while another process writes; busy_timeout waits out a writer instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    """A new engine for the URL; SQLite files get their folder created."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,  # a replica survives the server restarting underneath it
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": "ctdash"},
    )


def describe_unavailable(engine: Engine, error: Exception) -> DatabaseUnavailable:
    """Turn a driver error into one sentence that says what to check."""
    log.warning("database unavailable: %s", error)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return DatabaseUnavailable(
            f"The database file {url.database} cannot be opened; check that its folder exists and is writable."
        )
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return DatabaseUnavailable(
        f"Cannot reach the database server at {where}; check that PostgreSQL is running "
        "and that CTDASH_DATABASE_URL has the right host, user and password, then try again."
    )


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless a trivial query succeeds."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as error:
        raise describe_unavailable(engine, error) from None


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision``; never drops existing data."""
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except (OperationalError, DBAPIError) as error:
        if "locked" in str(error).lower() or "could not connect" in str(error).lower() or not _reachable(engine):
            raise describe_unavailable(engine, error) from None
        raise


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _reachable(engine: Engine) -> bool:
    try:
        check_connection(engine)
    except DatabaseUnavailable:
        return False
    return True


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; driver outages become DatabaseUnavailable."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as error:
        session.rollback()
        if _is_disconnect(error) or not _reachable(engine):
            raise describe_unavailable(engine, error) from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _is_disconnect(error: DBAPIError) -> bool:
    return bool(getattr(error, "connection_invalidated", False))


def current_revision(session: Session) -> int:
    """The data revision: goes up with every committed write, from any process or replica."""
    return session.scalar(select(DataRevision.revision).where(DataRevision.id == 1)) or 0


def bump_revision(session: Session) -> None:
    """Count a write; needed only after bulk statements, which the flush hook does not see."""
    session.connection().execute(
        update(DataRevision).where(DataRevision.id == 1).values(revision=DataRevision.revision + 1)
    )


@event.listens_for(Session, "after_flush")
def _bump_on_flush(session: Session, _flush_context) -> None:
    # Any ORM write bumps the shared counter in the same transaction, so caches keyed
    # by it can never miss a change, whichever replica or CLI made it.
    # Sign-in attempts change nothing anyone reads through the cache, so they leave it warm.
    if any(not isinstance(obj, (DataRevision, SignInAttempt)) for obj in session.new | session.dirty | session.deleted):
        bump_revision(session)
