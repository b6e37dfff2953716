"""`python -m ctdash backup` and `restore`: a consistent online copy of SQLite, checked restores, and
PostgreSQL's own tools named for a PostgreSQL database."""

import sqlite3
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ctdash import backup, db, library
from ctdash.cli import main
from ctdash.db import head_revision, make_engine, session_scope
from ctdash.models import Finding, Role
from ctdash.viewer import Viewer
from tests.factories import make_finding, make_partner


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


def _findings(engine) -> int:
    with session_scope(engine, read_only=True) as session:
        return session.scalar(select(func.count(Finding.id)))


def _in_library(engine) -> int:
    with session_scope(engine, read_only=True) as session:
        return library.browse(session, viewer=Viewer(role=Role.ADMIN), query=library.Query()).total


def _add_findings(engine, count: int, title: str = "Finding (test data)") -> None:
    with session_scope(engine) as session:
        partner = make_partner(session)
        for number in range(count):
            make_finding(session, partner=partner, title=f"{title} {number}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_refuses_to_overwrite_or_write_into_a_missing_folder(cli, database_url, tmp_path):
    assert cli("init").exit_code == 0
    target = tmp_path / "copy.db"
    first = cli("backup", str(target))
    assert first.exit_code == 0, first.output
    assert f"to {target}: schema {head_revision()}, 0 findings" in first.output
    assert target.stat().st_mode & 0o777 == 0o600
    again = cli("backup", str(target))
    assert again.exit_code == 1
    assert "already exists: choose a new file name" in again.output
    missing = cli("backup", str(tmp_path / "nowhere" / "copy.db"))
    assert "does not exist: create it or choose another place" in missing.output
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []  # no .part left


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_taken_while_someone_saves_is_one_consistent_moment(cli, database_url, tmp_path):
    cli("init")
    engine = make_engine(database_url)
    _add_findings(engine, 50)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_saving() -> None:
        try:
            while not stop.is_set():
                _add_findings(engine, 5, "Saved during the backup (test data)")
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        copies = [backup.backup(engine, tmp_path / f"copy-{number}.db") for number in range(3)]
    finally:
        stop.set()
        writer.join()
    assert errors == []
    for copy in copies:
        with sqlite3.connect(copy.path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            # Whole transactions only: each of the writer's commits adds five findings at once.
            assert connection.execute("SELECT count(*) FROM findings").fetchone()[0] % 5 == 0
        assert copy.findings >= 50
    assert copies[-1].findings <= _findings(engine)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_restore_puts_the_backup_back_and_moves_every_revision_past_both(cli, database_url, tmp_path):
    cli("init")
    engine = make_engine(database_url)
    _add_findings(engine, 3)
    target = tmp_path / "before.db"
    assert cli("backup", str(target)).exit_code == 0
    _add_findings(engine, 4, "Added after the backup (test data)")
    with session_scope(engine, read_only=True) as session:
        before = db.current_revisions(session)
    assert _in_library(engine) == 7  # the library's index, held in this process, now has all seven

    declined = cli("restore", str(target), input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert _findings(engine) == 7

    result = cli("restore", str(target), input="y\n")
    assert result.exit_code == 0, result.output
    assert "3 findings; schema now" in result.output and "must sign in again" in result.output
    assert _findings(engine) == 3  # the same engine (the app's pool) sees the restored file
    assert _in_library(engine) == 3  # and the index reads them all again: the restored log is another history
    with session_scope(engine, read_only=True) as session:
        after = db.current_revisions(session)
    assert all(new > old for new, old in zip(after, before, strict=True))
    _add_findings(engine, 1, "Saved after the restore (test data)")
    assert _findings(engine) == 4
    assert _in_library(engine) == 4
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_restoring_an_older_backup_upgrades_its_schema(cli, database_url, tmp_path):
    old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.migrate(old, "0012")
    old.dispose()
    cli("init")
    result = cli("restore", str(tmp_path / "old.db"), "--yes")
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    assert db.schema_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_text("id,title\n1,not a database\n"), "is not a SQLite database"),
        (lambda path: path.write_bytes(b""), "is not a SQLite database"),
        (lambda path: sqlite3.connect(path).execute("CREATE TABLE notes (body TEXT)"), "is not a ctdash database"),
        (lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000), "cannot be read as a database"),
    ],
    ids=["csv", "empty", "other-database", "damaged"],
)
def test_hostile_restore_refuses_a_file_that_is_not_a_ctdash_backup_and_changes_nothing(
    cli, database_url, tmp_path, make, message
):
    cli("init")
    engine = make_engine(database_url)
    _add_findings(engine, 2)
    bad = tmp_path / "bad.db"
    make(bad)
    result = cli("restore", str(bad), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert _findings(engine) == 2
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_restore_refuses_a_backup_from_a_newer_version(cli, database_url, tmp_path):
    cli("init")
    target = tmp_path / "newer.db"
    cli("backup", str(target))
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    result = cli("restore", str(target), "--yes")
    assert "made by a newer version of ctdash (schema 9999): upgrade ctdash first" in result.output
    assert cli("restore", str(tmp_path / "missing.db"), "--yes").output.startswith("Error: There is no file at")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_names_its_own_tools_without_the_password(cli, database_url, tmp_path):
    cli("init")
    name = make_engine(database_url).url.database
    dumped = cli("backup", str(tmp_path / "ctdash.dump"))
    assert dumped.exit_code == 1
    assert "This database is PostgreSQL: back it up with PostgreSQL's own tools" in dumped.output
    assert f"pg_dump --format=custom --file {tmp_path / 'ctdash.dump'}" in dumped.output
    assert dumped.output.rstrip().endswith(name)
    restored = cli("restore", str(tmp_path / "ctdash.dump"), "--yes")
    assert "pg_restore --clean --if-exists --no-owner" in restored.output
    assert "ctdash_pw" not in dumped.output + restored.output
    assert not (tmp_path / "ctdash.dump").exists()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_health_says_healthy_only_for_a_reachable_database_at_the_latest_schema(cli, database_url):
    before = cli("health")
    assert before.exit_code == 1
    assert "schema is empty, not the latest" in before.output and "run `python -m ctdash init`" in before.output
    cli("init")
    healthy = cli("health")
    assert healthy.exit_code == 0
    assert healthy.output.startswith("Healthy: ") and f"schema {head_revision()}" in healthy.output
    assert "ctdash_pw" not in healthy.output


def test_health_reports_a_database_that_does_not_answer_in_one_line(monkeypatch):
    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/ctdash")
    result = CliRunner().invoke(main, ["health"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot reach the database server at 127.0.0.1:9; check that PostgreSQL")
    assert "secret" not in result.output and "Traceback" not in result.output
