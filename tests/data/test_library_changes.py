"""The findings library's index follows the log of changed findings (``finding_changes``, migration 0014),
on SQLite and PostgreSQL: changes from another replica, deletions, theme links, cascades, transactions
committing out of order, a log pruned past an index, and any sequence of changes, always ending equal
to an index built afresh from every finding."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from ctdash import db, library
from ctdash.findings import EVIDENCE_TYPES
from ctdash.library import Query
from ctdash.models import Finding, FindingKind, FindingStatus, Partner, Role, Theme, User, Visibility
from ctdash.seed import initialise, seed
from ctdash.viewer import ANONYMOUS, Viewer
from tests.factories import make_finding, make_partner, make_user

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
ADMIN = Viewer(user_id=None, role=Role.ADMIN)
START = dt.datetime(2024, 12, 20, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _canonical(index: library._Index) -> dict:
    """What an index says, with its theme pairs in one order (an updated index appends the changed ones)."""
    assert index.rows.pair_finding.tolist() == index.ids[index.theme_of].tolist()
    pairs = sorted(
        zip(index.rows.pair_finding.tolist(), index.rows.pair_theme.tolist(), index.theme_code.tolist(), strict=True)
    )
    columns = {name: getattr(index.rows, name).tolist() for name in library._PER_FINDING}
    derived = {
        name: getattr(index, name).tolist()
        for name in ("partner", "cycle", "evidence", "year", "newest", "newest_order", "newest_dates")
        + ("theme_ids", "partner_ids", "cycle_count", "evidence_count", "year_count")
    }
    vocabularies = {name: getattr(index, name) for name in ("themes", "partners", "cycles", "evidence_types", "years")}
    return {"revision": index.revision, "pairs": pairs, **columns, **derived, **vocabularies}


def _held(engine) -> library._Index:
    """The process-wide index, brought up to date as any library call would."""
    with db.session_scope(engine, read_only=True) as session:
        return library._index(session)


def _afresh(engine) -> library._Index:
    with db.session_scope(engine, read_only=True) as session:
        return library._indexed(library._findings_revision(session), library._load(session), library._names(session))


@pytest.fixture
def loads(monkeypatch) -> list[bool]:
    """Each read of findings by the index: True for every finding, False for the changed ones."""
    found: list[bool] = []
    load = library._load
    monkeypatch.setattr(library, "_load", lambda session, ids=None: found.append(ids is None) or load(session, ids))
    return found


@pytest.fixture
def engines(database_url):
    """Two replicas of the app on one database: ``reader`` browses, ``writer`` changes findings."""
    reader, writer = db.make_engine(database_url), db.make_engine(database_url)
    initialise(reader)
    library._indexes.clear()
    yield reader, writer
    library._indexes.clear()
    reader.dispose()
    writer.dispose()


@pytest.fixture
def shelved(engines, loads):
    """The two replicas, with the shelf written by one and held in the other's index; no read counted yet."""
    reader, writer = engines
    _shelf(writer)
    _titles(reader)
    loads.clear()
    return reader, writer


def _shelf(engine, count: int = 12) -> None:
    with db.session_scope(engine) as session:
        seed(session)
        partners = [make_partner(session, short_name=f"Service {letter}") for letter in "AB"]
        themes = session.scalars(select(Theme).order_by(Theme.position)).all()
        for number in range(count):
            make_finding(
                session,
                partners[number % 2],
                title=f"Shelf finding {number}",
                status=FindingStatus.PUBLISHED,
                visibility=Visibility.PUBLIC,
                published_at=START + number * DAY,
                cycle="2024-25",
                evidence_type="survey",
                themes=[themes[number % 3]],
            )


def _finding(session: Session, number: int) -> Finding:
    return session.scalars(select(Finding).where(Finding.title == f"Shelf finding {number}")).one()


def _titles(engine, **query) -> list[str]:
    with db.session_scope(engine, read_only=True) as session:
        return [row.title for row in library.browse(session, viewer=ADMIN, query=Query(sort="title", **query)).rows]


def _change(engine, change) -> None:
    with db.session_scope(engine) as session:
        change(session)


def _theme(session: Session, position: int) -> Theme:
    return session.scalars(select(Theme).order_by(Theme.position)).all()[position]


def _add_theme(session: Session) -> None:
    found = _finding(session, 1)  # kept in a name: the session holds its rows weakly
    found.themes.append(_theme(session, 5))  # the finding's row itself is not changed


def _drop_themes(session: Session) -> None:
    found = _finding(session, 2)
    found.themes.clear()


@BACKENDS
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda session: setattr(_finding(session, 3), "title", "Shelf finding renamed"), id="title"),
        pytest.param(lambda session: setattr(_finding(session, 4), "visibility", Visibility.GROUP), id="visibility"),
        # Finding 5 moves to finding 8's moment exactly: the higher id, 8, stays first among the two.
        pytest.param(lambda session: setattr(_finding(session, 5), "published_at", START + 8 * DAY), id="date"),
        pytest.param(_add_theme, id="theme-added"),
        pytest.param(_drop_themes, id="themes-removed"),
        pytest.param(lambda session: session.delete(_finding(session, 6)), id="deleted"),
        pytest.param(
            lambda session: make_finding(
                session,
                session.scalars(select(Partner).where(Partner.short_name == "Service A")).one(),
                title="Shelf finding new",
                status=FindingStatus.PUBLISHED,
                published_at=START + 4 * DAY,  # the same moment as finding 4: the order by id decides
                cycle="2024-25",
                evidence_type="survey",
                themes=[_theme(session, 0), _theme(session, 1)],
            ),
            id="made",
        ),
        # Rows changed by the database itself, through foreign keys, never by the ORM.
        pytest.param(lambda session: session.delete(_theme(session, 0)), id="theme-deleted-cascade"),
        pytest.param(
            lambda session: session.delete(
                session.scalars(select(Partner).where(Partner.short_name == "Service B")).one()
            ),
            id="service-deleted-cascade",
        ),
    ],
)
def test_a_change_made_by_another_replica_is_read_by_id_on_the_next_browse(shelved, loads, change):
    reader, writer = shelved
    before = _canonical(_held(reader))
    assert len(before["ids"]) == 12
    _change(writer, change)
    _titles(reader)
    assert loads == [False], "only the changed findings are read"
    after = _canonical(_held(reader))
    assert after["revision"] > before["revision"]
    assert after == _canonical(_afresh(reader))


@BACKENDS
def test_an_author_removed_by_the_database_is_seen(shelved, loads):
    reader, writer = shelved
    with db.session_scope(writer) as session:
        author_id = make_user(session, role="facilitator").id
        _finding(session, 0).author_id = author_id
    assert _held(reader).author_id.tolist().count(author_id) == 1
    loads.clear()
    with db.session_scope(writer) as session:
        session.delete(session.get(User, author_id))  # findings.author_id: ON DELETE SET NULL
    assert author_id not in _held(reader).author_id.tolist()
    assert loads == [False]
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@BACKENDS
def test_a_revision_bump_that_changed_no_finding_reads_no_finding(shelved, loads):
    reader, writer = shelved
    with db.session_scope(writer) as session:
        session.scalars(select(Partner).where(Partner.short_name == "Service A")).one().short_name = "Service Z"
    with db.session_scope(reader, read_only=True) as session:
        results = library.browse(session, viewer=ADMIN, query=Query())
    assert loads == []
    assert "Service Z" in {value.label for facet in results.facets for value in facet.values}
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@BACKENDS
def test_bulk_statements_are_logged_and_stamped_at_the_next_bump(shelved, loads):
    reader, writer = shelved
    with db.session_scope(writer) as session:
        session.execute(text("UPDATE findings SET title = 'Bulk title' WHERE title = 'Shelf finding 7'"))
        db.bump_revision(session, db.FINDINGS)
    assert "Bulk title" in _titles(reader)
    assert loads == [False]
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transaction_that_began_first_and_commits_last_is_not_missed(shelved):
    # Only PostgreSQL lets two writers overlap (SQLite's write transactions take its one lock at BEGIN).
    reader, writer = shelved
    earlier = Session(writer, expire_on_commit=False)
    try:
        _finding(earlier, 8).title = "Changed by the transaction that began first"
        earlier.flush()  # logged (unstamped) in its own transaction
        _change(writer, lambda session: setattr(_finding(session, 9), "title", "Changed by the one that began second"))
        titles = _titles(reader)
        assert "Changed by the one that began second" in titles
        assert "Changed by the transaction that began first" not in titles
        earlier.commit()
    finally:
        earlier.close()
    assert "Changed by the transaction that began first" in _titles(reader)
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_revisions_are_taken_in_commit_order_under_the_counters_lock(shelved):
    """A writer whose commit is held just after it took its revision keeps the next writer waiting."""
    reader, writer = shelved
    holding, release = threading.Event(), threading.Event()
    first = Session(writer, expire_on_commit=False)

    @event.listens_for(first, "before_commit")
    def _hold(session):  # runs after ctdash.db's hook has bumped the revision and stamped the log
        holding.set()
        release.wait(30)

    second_done = threading.Event()

    def second():
        _change(writer, lambda session: setattr(_finding(session, 11), "title", "Second writer"))
        second_done.set()

    _finding(first, 10).title = "First writer"
    committing = threading.Thread(target=first.commit)
    committing.start()
    try:
        assert holding.wait(30)
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not second_done.wait(1.0), "the second writer waits for the first's lock on the counter"
        titles = _titles(reader)  # neither is committed: the index stays where it was
        assert "First writer" not in titles and "Second writer" not in titles
    finally:
        release.set()
        committing.join(30)
        first.close()
    waiting.join(30)
    assert second_done.is_set()
    titles = _titles(reader)
    assert "First writer" in titles and "Second writer" in titles
    with writer.connect() as connection:
        stamped = dict(
            connection.execute(
                text(
                    "SELECT f.title, max(c.revision) FROM finding_changes c JOIN findings f ON f.id = c.finding_id "
                    "WHERE f.title IN ('First writer', 'Second writer') GROUP BY f.title"
                )
            ).all()
        )
    assert stamped["First writer"] < stamped["Second writer"]
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@BACKENDS
def test_an_index_older_than_the_kept_log_reads_every_finding_again(shelved, loads, monkeypatch):
    reader, writer = shelved
    monkeypatch.setattr(db, "FINDING_CHANGES_KEPT", 3)
    monkeypatch.setattr(db, "PRUNE_EVERY", 2)
    for number in range(8):
        _change(writer, lambda session, number=number: setattr(_finding(session, number), "title", f"Pruned {number}"))
    with writer.connect() as connection:
        kept = connection.execute(text("SELECT min(revision), count(*) FROM finding_changes")).one()
        (revision,) = connection.execute(text("SELECT revision FROM data_revisions WHERE area = 'findings'")).one()
    assert kept[0] >= revision - 4 and kept[1] <= 5, "the log keeps the last revisions and a floor"
    loads.clear()
    titles = _titles(reader)
    assert loads == [True], "the changes the index missed are no longer all logged: it reads every finding"
    assert {f"Pruned {number}" for number in range(8)} <= set(titles)
    loads.clear()
    _change(writer, lambda session: setattr(_finding(session, 9), "title", "Within the kept log"))
    assert "Within the kept log" in _titles(reader)
    assert loads == [False]
    assert _canonical(_held(reader)) == _canonical(_afresh(reader))


@BACKENDS
def test_a_bulk_change_leaves_a_floor_instead_of_a_row_per_finding(shelved, loads, monkeypatch):
    reader, writer = shelved
    monkeypatch.setattr(db, "BULK", 5)
    with db.session_scope(writer) as session:
        for number in range(6):
            _finding(session, number).cycle = "2023-24"
    with writer.connect() as connection:
        rows = connection.execute(text("SELECT revision, finding_id FROM finding_changes")).all()
        (revision,) = connection.execute(text("SELECT revision FROM data_revisions WHERE area = 'findings'")).one()
    assert rows == [(revision, 0)]
    loads.clear()
    with db.session_scope(reader, read_only=True) as session:
        assert library.browse(session, viewer=ADMIN, query=Query(cycles=("2023-24",))).total == 6
    assert loads == [True]


# --- any sequence of changes -------------------------------------------------------------------------

CYCLES = ("2022-23", "2023-24", "2024-25", None)
EVIDENCE = (*EVIDENCE_TYPES[:3], "a register", None)  # "a register" is not one of the types: no code
THEMES = st.lists(st.integers(0, 5), max_size=3, unique=True)
FIELDS = {
    "status": st.sampled_from(list(FindingStatus)),
    "visibility": st.sampled_from(list(Visibility)),
    "kind": st.sampled_from(list(FindingKind)),
    "cycle": st.sampled_from(CYCLES),
    "evidence_type": st.sampled_from(EVIDENCE),
    "days": st.sampled_from((0, 1, 12, 400, 800)),  # four years; many at the same moment exactly
    "partner": st.integers(0, 2),
    "title": st.sampled_from(("Alpha", "Beta", "Gamma")),
}
ADD = st.fixed_dictionaries({"op": st.just("add"), "themes": THEMES, **FIELDS})
EDIT = st.one_of(
    *(
        st.fixed_dictionaries(
            {"op": st.just("edit"), "pick": st.integers(0, 10**6), "field": st.just(name), "to": value}
        )
        for name, value in FIELDS.items()
    )
)
RETHEME = st.fixed_dictionaries({"op": st.just("themes"), "pick": st.integers(0, 10**6), "themes": THEMES})
DELETE = st.fixed_dictionaries({"op": st.just("delete"), "pick": st.integers(0, 10**6)})
COMMITS = st.lists(st.lists(st.one_of(ADD, EDIT, RETHEME, DELETE), min_size=1, max_size=4), min_size=1, max_size=6)


def _apply(session: Session, step: dict) -> None:
    partners = session.scalars(select(Partner).where(Partner.short_name.like("Random %")).order_by(Partner.id)).all()
    themes = session.scalars(select(Theme).order_by(Theme.position)).all()
    findings = session.scalars(
        select(Finding).join(Partner).where(Partner.short_name.like("Random %")).order_by(Finding.id)
    ).all()

    def set_field(finding: Finding, name: str, value) -> None:
        if name == "days":
            finding.published_at = START + value * DAY if finding.status == FindingStatus.PUBLISHED else None
        elif name == "partner":
            finding.partner = partners[value]
        elif name == "status":
            finding.status = value
            finding.published_at = (finding.published_at or START) if value == FindingStatus.PUBLISHED else None
        else:
            setattr(finding, name, value)

    if step["op"] == "add":
        finding = Finding(title="New", summary="", partner=partners[step["partner"]], status=FindingStatus.DRAFT)
        session.add(finding)
        for name in ("kind", "visibility", "cycle", "evidence_type", "title", "status", "days"):
            set_field(finding, name, step[name])
        finding.themes = [themes[position] for position in step["themes"]]
    elif findings:
        finding = findings[step["pick"] % len(findings)]
        if step["op"] == "edit":
            set_field(finding, step["field"], step["to"])
        elif step["op"] == "themes":
            finding.themes = [themes[position] for position in step["themes"]]
        else:
            session.delete(finding)
    session.flush()


@BACKENDS
def test_after_any_sequence_of_changes_the_index_equals_one_built_afresh(engines):
    reader, writer = engines
    with db.session_scope(writer) as session:
        seed(session)
        for letter in "ABC":
            make_partner(session, short_name=f"Random {letter}")
        # Findings the changes leave alone, holding most cycles, evidence types and years, so most changes
        # update the index by id; the others (2022-23, "interviews", 2027) come and go, and with them the
        # vocabulary, when the whole index is worked out again.
        anchors = make_partner(session, short_name="Anchors")
        kept = zip(CYCLES[1:], (EVIDENCE_TYPES[0], EVIDENCE_TYPES[2], None), (0, 12, 400), strict=True)
        for cycle, evidence, days in kept:
            make_finding(
                session,
                anchors,
                status=FindingStatus.PUBLISHED,
                published_at=START + days * DAY,
                cycle=cycle,
                evidence_type=evidence,
            )
    _held(reader)
    (key,) = library._indexes

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(COMMITS)
    def run(commits):
        for steps in commits:
            with db.session_scope(writer) as session:
                for step in steps:
                    _apply(session, step)
            held, afresh = _held(reader), _afresh(reader)
            assert _canonical(held) == _canonical(afresh)
            for viewer in (ANONYMOUS, ADMIN):  # and what a page shows from each is the same
                shown = []
                for index in (held, afresh):
                    library._indexes[key] = index
                    with db.session_scope(reader, read_only=True) as session:
                        shown.append(library.browse(session, viewer=viewer, query=Query(sort="newest")))
                assert shown[0] == shown[1]
            library._indexes[key] = held  # the next commit updates the index the changes led to

    run()


@BACKENDS
def test_the_schema_at_head_logs_every_change_to_findings_and_their_themes(engines):
    # A later migration that copies ``findings`` or ``finding_themes`` on SQLite (batch mode) drops their
    # triggers with the old table, and the index would silently stop seeing changes: it must make them again.
    reader, _ = engines
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if reader.dialect.name == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    )
    with reader.connect() as connection:
        found = set(connection.execute(text(sql)).scalars())
    assert {
        f"{table}_changes_{event}"
        for table in ("findings", "finding_themes")
        for event in ("insert", "update", "delete")
    } <= found
