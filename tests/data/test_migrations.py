"""The Alembic history builds the schema the models describe, up and down, on both backends."""

import hashlib
from collections import Counter

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from ctdash import db
from ctdash.models import Base, DataRevision, Partner, described_by_models
from ctdash.seed import initialise

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def test_upgrade_from_empty_reaches_head_with_every_table(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    assert db.schema_revision(engine) == db.head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_agree(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": described_by_models})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_base_then_upgrade_again(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    db.downgrade(engine, "base")
    assert db.schema_revision(engine) is None
    assert "partners" not in inspect(engine).get_table_names()
    db.migrate(engine)
    assert db.schema_revision(engine) == db.head_revision()
    engine.dispose()


def test_starting_again_keeps_existing_data(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    with db.session_scope(engine) as session:
        session.scalars(select(Partner).where(Partner.slug == "hull")).one().website = "https://example.org/hull"
    initialise(engine)
    with db.session_scope(engine) as session:
        assert session.scalar(select(Partner.website).where(Partner.slug == "hull")) == "https://example.org/hull"
        assert session.get(DataRevision, "research").revision > 0
    engine.dispose()


NOW = {"now": "2025-01-01 12:00:00"}


def _insert(connection, sql: str) -> None:
    connection.execute(text(sql), NOW)


def _partner_and_finding(connection, *, author: bool = False) -> None:
    _insert(connection, "INSERT INTO partners (slug, name, short_name, active, is_example, created_at, updated_at, "
                        "version) VALUES ('p', 'P (test data)', 'P', true, false, :now, :now, 1)")  # fmt: skip
    if author:
        _insert(connection, "INSERT INTO users (username, display_name, password_hash, role, created_at, updated_at, "
                            "version) VALUES ('ada', 'Ada (test data)', 'x', 'admin', :now, :now, 1)")  # fmt: skip
    _insert(connection, "INSERT INTO findings (title, summary, kind, partner_id, author_id, status, visibility, "
                        "is_example, created_at, updated_at, version) VALUES ('F (test data)', '', 'barrier', "
                        "(SELECT id FROM partners), (SELECT max(id) FROM users), 'published', 'public', false, "
                        ":now, :now, 1)")  # fmt: skip


def test_copying_a_table_keeps_the_rows_that_point_at_it(database_url):
    # 0006 copies ``users`` on SQLite (batch mode): with foreign keys on, dropping the original used to
    # empty every finding's author.
    engine = db.make_engine(database_url)
    db.migrate(engine, "0005")
    with engine.begin() as connection:
        _partner_and_finding(connection, author=True)
    db.migrate(engine, "0006")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT author_id FROM findings")).scalar_one() is not None
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_0008_keeps_stored_attachments_and_lets_drafts_wait_for_their_kind(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine, "0007")
    with engine.begin() as connection:
        _partner_and_finding(connection)
        _insert(connection, "INSERT INTO attachments (finding_id, filename, content_type, size_bytes, sha256, "
                            "is_example, created_at) VALUES ((SELECT id FROM findings), 'notes.txt', 'text/plain', "
                            "3, 'x', false, :now)")  # fmt: skip
    db.migrate(engine)
    with engine.begin() as connection:
        row = connection.execute(text("SELECT original_name, description, consent FROM attachments")).one()
        assert (row.original_name, row.description, bool(row.consent)) == ("notes.txt", None, False)
        connection.execute(text("UPDATE findings SET kind = NULL, status = 'draft'"))
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text("UPDATE findings SET status = 'submitted'"))
    db.downgrade(engine, "0007")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT kind FROM findings")).scalar_one() == "insight"
        assert connection.execute(text("SELECT count(*) FROM attachments")).scalar_one() == 1
    engine.dispose()


def _revisions_oldest_first() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _comparable(value):
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return repr(value)


def _rows(engine, columns_by_table: dict[str, list[str]]) -> dict[str, Counter]:
    """Every row of each table, as the values of the named columns (blobs by their checksum)."""
    rows = {}
    with engine.connect() as connection:
        for table, columns in columns_by_table.items():
            quoted = ", ".join(f'"{column}"' for column in columns)
            rows[table] = Counter(
                tuple(_comparable(value) for value in row)
                for row in connection.execute(text(f'SELECT {quoted} FROM "{table}"'))
            )
    return rows


def _columns(engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {
        table: sorted(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


# The data-revision counters are cache keys, not content: 0005 replaced the single counter with one per
# area, and migrations move them on. What must hold for them is that none ever goes backwards.
COUNTERS = {"data_revision", "data_revisions"}


def _assert_counters_never_go_back(engine, single: Counter | None, per_area: Counter | None) -> None:
    with engine.connect() as connection:
        after = dict(connection.execute(text("SELECT area, revision FROM data_revisions")).all())
    if single:
        (old,) = (int(row[1]) for row in single)  # columns sorted: id, revision
        assert min(after[area] for area in ("accounts", "research", "findings")) >= old  # the areas 0005 made
    for area, revision in per_area or {}:
        assert after[eval(area)] >= int(revision)  # noqa: S307 - the repr of a string read just above


def test_every_migration_applied_to_generated_data_keeps_every_row(database_url):
    """Issue #11: a database holding the generated dataset (every table the pages fill, attachments
    included) is taken back to each earlier revision in turn and upgraded to head again; every row the
    older schema held is still there afterwards, in every column the two schemas share."""
    from bench.generate import generate

    engine = db.make_engine(database_url)
    generate(engine, services=8, projects=24, findings=240, attachments=12, large_attachments=1,
             max_attachment_mb=1.1, sessions=6, seed=5)  # fmt: skip
    checked = []
    for revision in reversed(_revisions_oldest_first()[:-1]):
        db.downgrade(engine, revision)
        before_columns = _columns(engine)
        before = _rows(engine, before_columns)
        db.migrate(engine)
        after_columns = _columns(engine)
        shared = {
            table: [column for column in columns if column in after_columns.get(table, ())]
            for table, columns in before_columns.items()
        }
        assert set(shared) <= set(after_columns) | COUNTERS, f"upgrading from {revision} dropped a table"
        _assert_counters_never_go_back(engine, before.pop("data_revision", None), before.pop("data_revisions", None))
        shared = {table: columns for table, columns in shared.items() if table not in COUNTERS}
        after = _rows(engine, shared)
        for table, columns in shared.items():
            positions = [before_columns[table].index(column) for column in columns]
            counted = Counter()
            for row, times in before[table].items():
                counted[tuple(row[position] for position in positions)] += times
            missing = counted - after[table]
            assert not missing, f"upgrading from {revision} lost {sum(missing.values())} rows of {table}"
        checked.append((revision, sum(sum(counted.values()) for counted in before.values())))
    engine.dispose()
    assert len(checked) == len(_revisions_oldest_first()) - 1
    assert all(rows > 0 for _, rows in checked)
