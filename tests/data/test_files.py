"""The SQLite file and its companions are readable by their owner only: they hold password hashes."""

import os
import sqlite3
import stat
import subprocess

import pytest

from ctdash.files import restrict_sqlite_files, write_atomically


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)  # what most systems give a service: files 0644, world-readable
    yield
    os.umask(previous)


def test_a_new_database_file_is_created_owner_only(tmp_path, usual_umask):
    database = tmp_path / "ctdash.db"
    restrict_sqlite_files(database)
    assert _mode(database) == 0o600


def test_an_existing_world_readable_database_and_its_wal_and_shm_become_owner_only(tmp_path, usual_umask):
    database = tmp_path / "ctdash.db"
    files = [database, tmp_path / "ctdash.db-wal", tmp_path / "ctdash.db-shm"]
    for file in files:
        file.write_bytes(b"x")
        file.chmod(0o644)
    restrict_sqlite_files(database)
    assert [_mode(file) for file in files] == [0o600, 0o600, 0o600]


def test_an_existing_database_keeps_its_contents(tmp_path, usual_umask):
    database = tmp_path / "ctdash.db"
    database.write_bytes(b"SQLite format 3\x00 and the rest")
    restrict_sqlite_files(database)
    assert database.read_bytes() == b"SQLite format 3\x00 and the rest"


def test_the_wal_and_shm_sqlite_makes_later_are_owner_only_too(tmp_path, usual_umask):
    database = tmp_path / "ctdash.db"
    restrict_sqlite_files(database)
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    wal, shm = tmp_path / "ctdash.db-wal", tmp_path / "ctdash.db-shm"
    modes = [_mode(wal), _mode(shm)]
    connection.close()
    assert modes == [0o600, 0o600]


@pytest.mark.parametrize(
    "path",
    ["ctdash.db", "elsewhere/ctdash.db-wal", "elsewhere/ctdash.db-shm", "backup.sqlite3", "elsewhere/.cookie_key"],
)
def test_databases_and_the_cookie_key_are_git_ignored_wherever_they_are(path):
    from ctdash.config import PROJECT_DIR

    if not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "--quiet", "--no-index", path], cwd=PROJECT_DIR, check=False)
    assert result.returncode == 0, f"{path} would be committed"


def test_an_atomic_write_replaces_the_whole_file_owner_only(tmp_path, usual_umask):
    path = tmp_path / "findings.csv"
    path.write_bytes(b"old export")
    path.chmod(0o644)
    write_atomically(path, b"new export")
    assert (path.read_bytes(), _mode(path)) == (b"new export", 0o600)
    assert [file.name for file in tmp_path.iterdir()] == ["findings.csv"]


def test_an_atomic_write_into_a_missing_folder_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "missing" / "findings.csv", b"export")
    assert list(tmp_path.iterdir()) == []
