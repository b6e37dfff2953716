"""Several writers at once, with real threads and processes, on SQLite and PostgreSQL.

Each test has its own fresh database (``database_url``), since the writers commit for real.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from ctdash import db, sign_in, users
from ctdash.errors import Conflict
from ctdash.models import Finding, Partner, Project, SignInAttempt, User
from ctdash.seed import initialise
from tests.factories import make_finding, make_partner, make_user, viewer_for

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
# SQLite has one write lock for the whole file, so there writers take turns by design and these
# interleavings cannot happen.
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
WAIT = 20  # seconds: an upper bound for a wait that should end in milliseconds


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


def _scope(engine):
    return lambda: db.session_scope(engine)


@BOTH
def test_a_writer_that_read_first_waits_for_another_writer_instead_of_failing(engine):
    with db.session_scope(engine) as session:
        partner_id = make_partner(session).id
    first_has_read, second_done = threading.Event(), threading.Event()

    def first():
        with db.session_scope(engine) as session:
            partner = session.get(Partner, partner_id)
            first_has_read.set()
            second_done.wait(1)  # on SQLite the second writer waits for us, so this times out
            partner.region = "East of England"

    def second():
        first_has_read.wait(WAIT)
        with db.session_scope(engine) as session:
            session.add(Partner(slug="second-writer", name="Second writer", short_name="Second"))
        second_done.set()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(first), pool.submit(second)]
        for future in futures:
            future.result(timeout=WAIT)  # re-raises "database is locked" if either failed
    with db.session_scope(engine, read_only=True) as session:
        assert session.get(Partner, partner_id).region == "East of England"
        assert session.scalar(select(func.count()).where(Partner.slug == "second-writer")) == 1


@BOTH
def test_many_writers_reading_then_writing_all_succeed(engine):
    def write(writer: int):
        for number in range(10):
            with db.session_scope(engine) as session:
                session.scalar(select(func.count(Partner.id)))  # read first: the case SQLite used to fail at once
                session.add(Partner(slug=f"writer-{writer}-{number}", name=f"Writer {writer}.{number}", short_name="W"))

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(write, writer) for writer in range(4)]:
            future.result(timeout=60)
    with db.session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count()).where(Partner.slug.like("writer-%"))) == 40


def _start_replica(database_url: str, barrier) -> None:
    engine = db.make_engine(database_url)
    barrier.wait(WAIT)
    initialise(engine)
    engine.dispose()


@BOTH
def test_three_replicas_starting_together_on_an_empty_database_all_start(database_url):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    replicas = [context.Process(target=_start_replica, args=(database_url, barrier)) for _ in range(3)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(120)
    assert [replica.exitcode for replica in replicas] == [0, 0, 0]
    engine = db.make_engine(database_url)
    with db.session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count(Partner.id))) == 15
    engine.dispose()


@BOTH
def test_twenty_parallel_wrong_passwords_lock_after_five_and_check_no_more(engine):
    with db.session_scope(engine) as session:
        username = make_user(session).username
    checked = []
    lock = threading.Lock()

    def wrong_password() -> bool:
        with lock:
            checked.append(1)
        return False

    with ThreadPoolExecutor(20) as pool:
        outcomes = [
            future.result(timeout=60)
            for future in [
                pool.submit(sign_in.guarded_check, _scope(engine), username, wrong_password) for _ in range(20)
            ]
        ]
    assert len(checked) == 5
    assert sorted(outcomes, key=str) == [False] * 5 + [None] * 15
    with db.session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count()).where(SignInAttempt.outcome == "failure")) == 5


@BOTH
def test_a_hundred_failed_sign_ins_leave_every_data_revision_alone(engine):
    with db.session_scope(engine) as session:
        before = db.current_revisions(session)
    for number in range(100):
        sign_in.guarded_check(_scope(engine), f"guess{number}", lambda: False)
    with db.session_scope(engine) as session:
        member = make_user(session, role="facilitator")
    with db.session_scope(engine) as session:
        accounts_moved = db.current_revisions(session)
        sign_in.record_sign_out(
            session, viewer=viewer_for(member), session_id=sign_in.start_session(session, member.id)
        )
    with db.session_scope(engine) as session:
        after = db.current_revisions(session)
    assert after == accounts_moved
    assert accounts_moved[db.AREAS.index(db.RESEARCH)] == before[db.AREAS.index(db.RESEARCH)]


@POSTGRES_ONLY
def test_a_long_write_elsewhere_does_not_hold_up_a_sign_in(engine):
    with db.session_scope(engine) as session:
        member = make_user(session)
        partner = make_partner(session)
        finding_id = make_finding(session, partner).id
    signed_in = threading.Event()

    def long_import():
        with db.session_scope(engine) as session:
            session.get(Finding, finding_id).title = "Imported"
            session.flush()  # holds the finding's row, and would have held the shared revision row
            assert signed_in.wait(WAIT), "the sign-in waited for the import to commit"

    def sign_in_and_out():
        assert sign_in.guarded_check(_scope(engine), member.username, lambda: True) is True
        with db.session_scope(engine) as session:
            session_id = sign_in.start_session(session, member.id)
        with db.session_scope(engine) as session:
            sign_in.record_sign_out(session, viewer=viewer_for(member), session_id=session_id)
        signed_in.set()

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(long_import), pool.submit(sign_in_and_out)]:
            future.result(timeout=WAIT * 2)


@BOTH
def test_an_admin_edit_and_a_password_change_of_one_person_at_once_both_finish(engine):
    from tests.factories import PASSWORD

    with db.session_scope(engine) as session:
        admin, member = make_user(session, role="admin"), make_user(session)
        admin_viewer, member_viewer, partner_id = viewer_for(admin), viewer_for(member), member.partner_id
    edited = threading.Event()

    def admin_edit():
        with db.session_scope(engine) as session:
            users.update_user(
                session,
                viewer=admin_viewer,
                user_id=member_viewer.user_id,
                expected_version=1,
                role="member",
                partner_id=partner_id,
                display_name="Edited by admin",
                email=None,
            )
            session.flush()
            edited.set()
            edited.wait(0.5)  # hold the row a moment while the password change queues behind it

    def change_password():
        edited.wait(WAIT)
        with db.session_scope(engine) as session:
            users.change_own_password(
                session, viewer=member_viewer, current=PASSWORD, new="Brand-New-Secret-7", confirm="Brand-New-Secret-7"
            )

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(admin_edit), pool.submit(change_password)]:
            future.result(timeout=WAIT * 2)
    with db.session_scope(engine, read_only=True) as session:
        assert session.get(User, member_viewer.user_id).display_name == "Edited by admin"


@POSTGRES_ONLY
def test_a_save_that_loses_a_race_is_a_plain_conflict(engine):
    with db.session_scope(engine) as session:
        user_id = make_user(session).id
    with pytest.raises(Conflict, match="at the same moment"), db.session_scope(engine) as first:
        user = first.get(User, user_id)  # passes any version check here
        with db.session_scope(engine) as second:
            second.get(User, user_id).display_name = "Second"
        user.display_name = "First"
    with db.session_scope(engine, read_only=True) as session:
        assert session.get(User, user_id).display_name == "Second"


@BOTH
def test_a_read_only_session_refuses_to_write(engine):
    with pytest.raises(RuntimeError, match="read-only"), db.session_scope(engine, read_only=True) as session:
        session.add(Partner(slug="nope", name="Nope", short_name="Nope"))
    with db.session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count()).where(Partner.slug == "nope")) == 0
        assert session.execute(text("SELECT 1")).scalar() == 1


@BOTH
def test_a_long_import_beside_a_partner_edit_and_a_sign_in(engine):
    from ctdash import imports, partners
    from ctdash.models import Role
    from ctdash.viewer import Viewer

    with db.session_scope(engine) as session:
        admin, member = make_user(session, role="admin"), make_user(session)
        admin_viewer = viewer_for(admin)
        services = [make_partner(session).name for _ in range(20)]
        edited = make_partner(session)
        edited_id, edited_version = edited.id, edited.version
    lines = ["Partner,Cycle,Title,Stage,Start date,End date"] + [
        f"{services[number % 20]},2024-25,Imported project {number} (test data),planning,01/09/2024,31/07/2025"
        for number in range(20_000)
    ]
    data = "\n".join(lines).encode()
    cli = Viewer(role=Role.ADMIN, name="command line")
    with db.session_scope(engine, read_only=True) as session:
        plan = imports.plan(session, viewer=cli, kind="projects", data=data, filename="big.csv")
    assert plan.counts["create"] == 20_000
    importing, imported = threading.Event(), threading.Event()

    def long_import():
        def progress(_fraction, text):
            if text.startswith("Saving"):  # inside the write transaction, before the rows are written
                importing.set()

        with db.session_scope(engine) as session:
            imports.run(
                session,
                viewer=cli,
                kind="projects",
                data=data,
                filename="big.csv",
                expected_signature=plan.signature,
                progress=progress,
            )
        imported.set()

    def edit_a_partner_and_sign_in():
        assert importing.wait(WAIT)
        with db.session_scope(engine) as session:
            partners.update_partner(
                session,
                viewer=admin_viewer,
                partner_id=edited_id,
                expected_version=edited_version,
                name="Edited beside an import (test data)",
                short_name="Edited",
                lead_organisation=None,
                region=None,
                local_authority=None,
                website=None,
                latitude=None,
                longitude=None,
                contact_name=None,
                contact_email=None,
                profile_text=None,
                active=True,
            )
        assert sign_in.guarded_check(_scope(engine), member.username, lambda: True) is True
        return imported.is_set()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(long_import), pool.submit(edit_a_partner_and_sign_in)]
        imported_first = futures[1].result(timeout=WAIT * 3)  # re-raises "database is locked" if it failed
        futures[0].result(timeout=WAIT * 3)
    if engine.dialect.name == "postgresql":
        assert not imported_first, "on PostgreSQL the edit and the sign-in did not wait for the import"
    with db.session_scope(engine, read_only=True) as session:
        assert session.get(Partner, edited_id).name == "Edited beside an import (test data)"
        assert session.scalar(select(func.count()).select_from(Project)) == 20_000


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _short_busy_timeout(engine, milliseconds: int) -> None:
    """Connections made from now on give up on SQLite's lock after ``milliseconds`` (runs after db's own)."""

    def pragma(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA busy_timeout={milliseconds}")

    engine.dispose()
    event.listen(engine, "connect", pragma)


@SQLITE_ONLY
def test_writers_of_one_process_queue_in_turn_beyond_sqlites_busy_timeout(engine):
    """Twelve writers at once, each holding the write lock four times longer than SQLite would wait:
    they queue inside the process instead of failing with "database is locked" (issue #11)."""
    _short_busy_timeout(engine, 50)
    with db.session_scope(engine) as session:
        partner_id = make_partner(session).id
    start = threading.Barrier(12)

    def writer(number: int) -> None:
        start.wait()
        with db.session_scope(engine) as session:
            session.connection().exec_driver_sql("SELECT 1")
            time.sleep(0.2)
            make_finding(session, session.get(Partner, partner_id), title=f"Queued finding {number}")

    with ThreadPoolExecutor(12) as pool:
        for future in [pool.submit(writer, number) for number in range(12)]:
            future.result(timeout=WAIT * 3)
    with db.session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count(Finding.id)).where(Finding.title.like("Queued finding %"))) == 12


@SQLITE_ONLY
def test_a_failed_or_rolled_back_write_leaves_the_queue(engine):
    _short_busy_timeout(engine, 50)
    with pytest.raises(RuntimeError), db.session_scope(engine) as session:
        make_partner(session)
        raise RuntimeError("the form's check failed")
    connection = engine.connect().execution_options(**db.WRITE)
    transaction = connection.begin()
    connection.invalidate()  # a connection lost mid-transaction
    transaction.rollback()
    connection.close()
    started = time.perf_counter()
    with db.session_scope(engine) as session:
        make_partner(session)
    assert time.perf_counter() - started < 2  # nobody waited out the queue's 30 s


@SQLITE_ONLY
def test_another_process_writing_still_meets_sqlites_busy_timeout(engine, database_url):
    """The queue is this process's: a writer elsewhere (a second server, the command line) is waited
    for by SQLite's busy timeout, as before."""
    _short_busy_timeout(engine, 50)
    other = db.make_engine(database_url)
    other_ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(other, other_ready, release))
    holder.start()
    try:
        assert other_ready.wait(WAIT)
        db._WRITE_QUEUES.clear()  # the holder's lock now stands for another process's
        with pytest.raises(OperationalError, match="locked"), db.session_scope(engine) as session:
            make_partner(session)
    finally:
        release.set()
        holder.join(WAIT)
        other.dispose()


def _hold_write_lock(engine, ready, release) -> None:
    with db.session_scope(engine) as session:
        make_partner(session)
        session.flush()
        ready.set()
        release.wait(WAIT)
