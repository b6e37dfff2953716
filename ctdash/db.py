"""Engines, sessions, migrations and the data revision.

One engine per process and database URL (the app wraps ``make_engine`` in
``st.cache_resource``). Callers own sessions: open one with ``session_scope``,
pass it to service functions, and let the scope commit or roll back.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ctdash.config import normalise_database_url
from ctdash.errors import CommitUncertain, Conflict, DatabaseUnavailable
from ctdash.files import restrict_sqlite_files
from ctdash.models import (
    AgendaItem,
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Comment,
    DataRevision,
    Finding,
    Highlight,
    Meeting,
    Partner,
    PartnerRole,
    Project,
    SignInAttempt,
    SignInSession,
    Theme,
    User,
    Visit,
    WallJoin,
    WallPost,
    finding_changes,
)

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The areas of content that pages cache, each with its own revision (see DataRevision).
ACCOUNTS, RESEARCH, FINDINGS, COMMENTS = "accounts", "research", "findings", "comments"
MEETINGS, WALL = "meetings", "wall"  # working-group sessions and their agendas; their live walls
AREAS = (ACCOUNTS, RESEARCH, FINDINGS, COMMENTS, MEETINGS, WALL)
# Which areas a change to a row moves. Partners and themes are shown beside projects and findings;
# people's names beside findings. Bookkeeping (audit, sign-in attempts and sessions) moves none.
_AREAS_OF = {
    Partner: (RESEARCH, FINDINGS),
    PartnerRole: (RESEARCH, FINDINGS),
    Theme: (RESEARCH, FINDINGS),
    Project: (RESEARCH, FINDINGS),
    Finding: (FINDINGS,),
    Attachment: (FINDINGS,),
    AttachmentBlob: (FINDINGS,),
    Comment: (COMMENTS,),
    Meeting: (MEETINGS,),
    AgendaItem: (MEETINGS,),
    WallPost: (WALL,),
    WallJoin: (WALL,),
    Highlight: (FINDINGS,),
    User: (ACCOUNTS, FINDINGS, COMMENTS),
    AuditEvent: (),
    SignInAttempt: (),
    SignInSession: (),
    Visit: (),
    DataRevision: (),
}
_PENDING_AREAS = "ctdash_pending_areas"
_READ_ONLY = "ctdash_read_only"
_WROTE = "ctdash_wrote"
WRITE = {"ctdash_write": True}  # execution option: on SQLite, BEGIN IMMEDIATE
MIGRATION_LOCK_WAIT = 60  # seconds a starting process waits for another that holds SQLite's lock to migrate
STARTUP_LOCK = 0x637464617368  # PostgreSQL advisory lock held while one process migrates and seeds


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so SAVEPOINT
    # and transactional DDL work (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the app read while another process writes; busy_timeout waits out a writer instead of failing.
    cursor.execute("PRAGMA busy_timeout=5000")  # first: switching to WAL below waits on other processes too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# One SQLite file has one write lock. Writers of this process queue for it here, on a lock per file,
# in the order they arrive: SQLite's own busy handler polls with growing sleeps, so among twenty
# writers one could wait out the busy timeout and fail while others got in again and again. The busy
# timeout still decides between processes (a second app server, the command line).
_WRITE_QUEUES: dict[str, threading.Lock] = {}
_WRITE_QUEUES_GUARD = threading.Lock()
_QUEUED = "ctdash_write_queue"
WRITE_QUEUE_WAIT = 30  # seconds a writer waits for this process's others before trying SQLite's lock itself


def _write_queue(engine: Engine) -> threading.Lock:
    database = engine.url.database
    key = str(Path(database).resolve()) if database and database != ":memory:" else f"memory {id(engine)}"
    with _WRITE_QUEUES_GUARD:
        return _WRITE_QUEUES.setdefault(key, threading.Lock())


def _sqlite_begin(connection: Connection) -> None:
    # A write transaction takes the write lock up front. A deferred one that reads and then writes
    # cannot wait for the lock: if another writer committed since its read, SQLite fails it at once
    # with "database is locked" (SQLITE_BUSY_SNAPSHOT), busy_timeout or not.
    if not connection.get_execution_options().get("ctdash_write"):
        connection.exec_driver_sql("BEGIN")
        return
    queue = _write_queue(connection.engine)
    if queue.acquire(timeout=WRITE_QUEUE_WAIT):
        connection.info[_QUEUED] = queue
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_write_queue(connection.info)
        raise


def _leave_write_queue(info: dict) -> None:
    queue = info.pop(_QUEUED, None)
    if queue is not None:
        queue.release()


def _leave_write_queue_on_end(connection: Connection) -> None:
    if not connection.invalidated:  # an invalidated one left the queue when it was invalidated
        _leave_write_queue(connection.info)


def _leave_write_queue_on_pool_event(_dbapi_connection, record, *_exception) -> None:
    # A connection lost mid-transaction (invalidated), or handed back without its transaction ending,
    # never keeps the queue.
    _leave_write_queue(record.info)


def make_engine(database_url: str) -> Engine:
    """A new engine for the URL; SQLite files get their folder created."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            restrict_sqlite_files(Path(database))  # it holds password hashes: owner-only
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _leave_write_queue_on_end)
        event.listen(engine, "rollback", _leave_write_queue_on_end)
        event.listen(engine.pool, "invalidate", _leave_write_queue_on_pool_event)
        event.listen(engine.pool, "checkin", _leave_write_queue_on_pool_event)
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


def check_connection(engine: Engine, *, wait_for_lock: float = 0) -> None:
    """Raise DatabaseUnavailable unless a trivial query succeeds.

    ``wait_for_lock`` (seconds): on SQLite, keep trying while another process holds the file locked
    for longer than the busy timeout (a replica starting beside one that is migrating, on a busy
    machine), as the migration itself waits for the lock.
    """
    deadline = time.monotonic() + wait_for_lock
    while True:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return
        except (OperationalError, DBAPIError) as error:
            if "locked" in str(error).lower() and time.monotonic() < deadline:
                log.info("the database is locked by another process; waiting")
                time.sleep(0.5)
                continue
            raise describe_unavailable(engine, error) from None


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


@contextlib.contextmanager
def _migration_transaction(connection: Connection) -> Iterator[None]:
    """One write transaction for schema changes; on SQLite, with foreign keys off and checked at the end.

    SQLite alters most things by copying a table, dropping the original and renaming the copy (Alembic's
    batch mode). With foreign keys on, the drop deletes or empties every row that points at the table:
    a finding's attachments, comments and themes would go with a change to ``findings``. So, as SQLite
    prescribes (https://www.sqlite.org/lang_altertable.html#otheralter), keys are switched off outside
    the transaction and every reference is checked before it commits.
    """
    if connection.dialect.name != "sqlite":
        with connection.execution_options(**WRITE).begin():
            yield
        return
    driver = connection.connection.driver_connection
    # Another process may hold the write lock while it migrates: wait for it, not 5 s.
    driver.execute(f"PRAGMA busy_timeout={MIGRATION_LOCK_WAIT * 1000}")
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.execution_options(**WRITE).begin():
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"a migration left rows pointing at missing ones: {broken[:5]}")
    finally:
        try:
            driver.execute("PRAGMA foreign_keys=ON")
            driver.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error:
            connection.invalidate()  # never hand a connection without foreign keys back to the pool


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one write transaction; never drops existing data."""
    config = alembic_config()
    try:
        with engine.connect() as connection, _migration_transaction(connection):
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except (OperationalError, DBAPIError) as error:
        if "locked" in str(error).lower() or "could not connect" in str(error).lower() or not _reachable(engine):
            raise describe_unavailable(engine, error) from None
        raise


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time migrates and seeds: replicas starting together on one database take turns.

    PostgreSQL: a session-level advisory lock on a connection of its own. SQLite: each step is
    already one BEGIN IMMEDIATE transaction, which serialises it.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config()
    with engine.connect() as connection, _migration_transaction(connection):
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


CONFLICT = (
    "Someone else saved a change to this record at the same moment. Your changes are still in the form: "
    "reload to see theirs, then save again."
)


@contextlib.contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; driver outages become DatabaseUnavailable.

    A write scope (the default) takes SQLite's write lock when it begins, so concurrent writers wait
    their turn instead of failing. ``read_only`` scopes never take it, and refuse to write.
    """
    bind = engine.execution_options(postgresql_readonly=True) if read_only else engine.execution_options(**WRITE)
    if read_only and engine.dialect.name != "postgresql":
        bind = engine
    session = Session(bind, expire_on_commit=False, info={_READ_ONLY: read_only})
    try:
        try:
            yield session
            session.flush()  # a failure up to here is certain: nothing was committed
        except BaseException:
            session.rollback()
            raise
        wrote = session.info.pop(_WROTE, False)
        try:
            session.commit()
        except (OperationalError, DBAPIError) as error:
            session.rollback()
            if not (_is_disconnect(error) or not _reachable(engine)):
                raise
            unavailable = describe_unavailable(engine, error)
            if wrote:  # the server may have committed before the line went down
                raise CommitUncertain(unavailable.detail) from None
            raise unavailable from None
    except StaleDataError:
        raise Conflict(CONFLICT) from None
    except (OperationalError, DBAPIError) as error:
        if _is_disconnect(error) or not _reachable(engine):
            raise describe_unavailable(engine, error) from None
        raise
    finally:
        session.close()


def _is_disconnect(error: DBAPIError) -> bool:
    return bool(getattr(error, "connection_invalidated", False))


@contextlib.contextmanager
def reading_beside(session: Session) -> Iterator[Session]:
    """A read-only session of its own on ``session``'s database, for long reads before a write.

    Its reads take no write lock, so on SQLite other writers carry on meanwhile. When ``session``
    is bound to a connection rather than an engine (a test's rolled-back transaction), it is
    ``session`` itself.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        yield session
        return
    with session_scope(bind.execution_options(ctdash_write=False), read_only=True) as reader:
        yield reader


def current_revisions(session: Session, areas: tuple[str, ...] = AREAS) -> tuple[int, ...]:
    """The data revisions of ``areas``, in that order: each goes up with every committed change to its area."""
    found = dict(session.execute(select(DataRevision.area, DataRevision.revision)).all())
    return tuple(found.get(area, 0) for area in areas)


def bump_revision(session: Session, *areas: str) -> None:
    """Count a change to ``areas`` (all when none are named) at commit.

    Needed only after bulk statements, which the flush hook does not see. The counters are updated
    as the last statements before COMMIT, so the shared rows are locked for the shortest time and
    always after any other row the transaction locks: one lock order everywhere.
    """
    unknown = set(areas) - set(AREAS)
    if unknown:
        raise ValueError(f"unknown data areas {sorted(unknown)}")
    session.info.setdefault(_PENDING_AREAS, set()).update(areas or AREAS)


def fetch_rows(session: Session, sql: str, params: Sequence = ()) -> list[tuple]:
    """A query's rows as plain tuples, fetched through the driver.

    For reads of tens of thousands of rows of plain values: SQLAlchemy's per-row result processing
    would cost more than the query. ``sql`` uses the driver's placeholders (``?`` on SQLite, ``%s``
    on PostgreSQL) and gets raw values: times come back as text on SQLite.
    """
    cursor = session.connection().connection.cursor()
    try:
        if params:
            cursor.execute(sql, tuple(params))
        else:  # without parameters, so a % in the SQL is an operator to psycopg too
            cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def inline(session: Session, value: object, type_) -> ColumnElement:
    """``value`` written into the SQL itself, for a column that is the same on every row of a multi-row statement.

    A bound parameter is converted once per row (a timestamp costs about 10 microseconds each time,
    a second per 100,000 rows); written into the statement, it is converted once. Only for values
    ctdash makes itself, such as the time of a change: the dialect renders it as a quoted literal.
    """
    rendered = literal(value, type_).compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    return literal_column(str(rendered), type_)


def lock(session: Session, name: str) -> None:
    """Serialise transactions about ``name`` (e.g. one username) until this one ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: a write scope already holds the one write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_read_scopes(session: Session, _flush_context, _instances) -> None:
    if session.info.get(_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read-only session was asked to write; use db.session_scope(engine) for writes")


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_changed_areas(session: Session, _flush_context) -> None:
    # Any ORM write marks its areas for a revision bump at commit, in the same transaction, so caches
    # keyed by the revisions never miss a change, whichever replica or CLI made it.
    session.info[_WROTE] = True
    pending = session.info.setdefault(_PENDING_AREAS, set())
    for row in session.new | session.dirty | session.deleted:
        if row in session.dirty and not session.is_modified(row, include_collections=True):
            continue
        pending.update(_AREAS_OF.get(type(row), AREAS))


@event.listens_for(Session, "before_commit")
def _bump_revisions_at_commit(session: Session) -> None:
    session.flush()
    for area in sorted(session.info.pop(_PENDING_AREAS, ())):
        bumped = session.execute(
            update(DataRevision)
            .where(DataRevision.area == area)
            .values(revision=DataRevision.revision + 1)
            .returning(DataRevision.revision)
        ).scalar()
        if area == FINDINGS and bumped is not None:
            _stamp_finding_changes(session, bumped)


# The log of changed findings (``models.finding_changes``) keeps this many findings revisions; it is
# pruned once every PRUNE_EVERY. A commit that changed more findings than BULK (an import, the
# generated dataset) leaves a floor at its revision instead of its rows: every index reads all again.
FINDING_CHANGES_KEPT = 1000
PRUNE_EVERY = 100
BULK = 10_000


def _stamp_finding_changes(session: Session, revision: int) -> None:
    """Give the findings this transaction changed (logged by triggers, with no revision yet) the findings
    revision it just took.

    Called right after the bump, so on PostgreSQL the transaction holds the findings counter's row
    lock until it commits: revisions are taken in commit order, and a reader that sees revision R
    sees every change stamped R or lower. Rows still unstamped are this transaction's own, or those
    of a writer that bumped no revision (which the caches could not see either): stamped now.
    """
    stamped = session.execute(
        update(finding_changes).where(finding_changes.c.revision.is_(None)).values(revision=revision)
    ).rowcount
    if stamped > BULK:
        _floor_finding_changes(session, revision)
    elif revision % PRUNE_EVERY == 0 and revision > FINDING_CHANGES_KEPT:
        _floor_finding_changes(session, revision - FINDING_CHANGES_KEPT)


def _floor_finding_changes(session: Session, revision: int) -> None:
    """Forget the changes at or below ``revision``, leaving a floor that says so (finding id 0)."""
    session.execute(delete(finding_changes).where(finding_changes.c.revision <= revision))
    session.execute(insert(finding_changes).values(revision=revision, finding_id=0))


def restart_finding_changes(session: Session) -> None:
    """Say that any finding may have changed, as of the findings revision now: after writes the log cannot
    describe, such as a restored backup, every copy of the library's index reads every finding again."""
    session.flush()
    (revision,) = current_revisions(session, (FINDINGS,))
    session.execute(delete(finding_changes).where(finding_changes.c.revision.is_(None)))
    _floor_finding_changes(session, revision)


@event.listens_for(Session, "after_rollback")
def _forget_changed_areas(session: Session) -> None:
    session.info.pop(_PENDING_AREAS, None)


def reads(*areas: str):
    """Declare the areas of content a cached read service shows, so only changes to them make it cold."""

    def mark(func):
        func.ctdash_areas = areas
        return func

    return mark


def areas_read_by(func) -> tuple[str, ...]:
    return getattr(func, "ctdash_areas", AREAS)
