"""Backups: a consistent copy of the SQLite database while the app runs, and putting one back.

SQLite's online backup copies every page in one step, so the copy is one moment's snapshot even
while people are saving (WAL readers never block writers). A restore copies a checked backup over
the live database the same way, under SQLite's own lock, then upgrades its schema and moves every
data revision past both the old and the restored counters, so no cache keyed by a revision can
serve something from before the restore; the log of changed findings starts again there, so the
library's index reads every finding again.

PostgreSQL has its own tools for this, which make consistent dumps of a running server: for it
``postgres_commands`` gives the ``pg_dump`` and ``pg_restore`` lines to run.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, update
from sqlalchemy.engine import URL

from ctdash import db
from ctdash.errors import InvalidInput
from ctdash.files import OWNER_ONLY, restrict_sqlite_files
from ctdash.models import DataRevision

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Copy:
    """What a backup holds: its file, schema revision, number of findings and size."""

    path: Path
    schema: str
    findings: int
    size_bytes: int


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def backup(engine: Engine, target: Path) -> Copy:
    """Copy the live SQLite database to ``target`` (a new file), checked and owner-only."""
    live = _live_file(engine)
    target = Path(target)
    if target.exists() or target.is_symlink():  # a dangling link too: a backup is always a new file
        raise InvalidInput(f"{target} already exists: choose a new file name, so no earlier backup is overwritten.")
    if not target.parent.is_dir():
        raise InvalidInput(f"The folder {target.parent} does not exist: create it or choose another place.")
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(descriptor)
    try:
        with (
            contextlib.closing(_open_read_only(live)) as source,
            contextlib.closing(sqlite3.connect(temporary)) as copy,
        ):
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        found = _check(Path(temporary))
        os.chmod(temporary, OWNER_ONLY)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Copy(target, found.schema, found.findings, target.stat().st_size)


def restore(engine: Engine, source: Path) -> Copy:
    """Replace the live SQLite database's contents with the backup at ``source``, then bring it up to date.

    The backup is checked first (a SQLite file, intact, made by this or an older version of ctdash);
    a backup that fails a check changes nothing.
    """
    live = _live_file(engine)
    source = Path(source)
    found = _check(source)
    before = _revisions(engine)
    restrict_sqlite_files(live)
    with (
        contextlib.closing(_open_read_only(source)) as backup_file,
        contextlib.closing(sqlite3.connect(live, timeout=db.MIGRATION_LOCK_WAIT)) as target,
    ):
        backup_file.backup(target)
    engine.dispose()  # pooled connections hold pages of the replaced file
    db.migrate(engine)
    restored = _revisions(engine)
    with db.session_scope(engine) as session:
        for area in db.AREAS:
            session.execute(
                update(DataRevision)
                .where(DataRevision.area == area)
                .values(revision=max(before.get(area, 0), restored.get(area, 0)) + 1)
            )
        db.restart_finding_changes(session)  # the restored log tells another history
    return Copy(source, found.schema, found.findings, source.stat().st_size)


def postgres_commands(url: URL, file: str = "ctdash.dump") -> tuple[str, str]:
    """The ``pg_dump`` and ``pg_restore`` command lines for the database at ``url`` (no password in them)."""
    where = []
    if url.host:
        where += ["--host", url.host]
    if url.port:
        where += ["--port", str(url.port)]
    if url.username:
        where += ["--username", url.username]
    name = url.database or ""
    dump = ["pg_dump", "--format=custom", "--file", file, *where, name]
    restore_line = ["pg_restore", "--clean", "--if-exists", "--no-owner", *where, "--dbname", name, file]
    return shlex.join(dump), shlex.join(restore_line)


@dataclass(frozen=True)
class _Found:
    schema: str
    findings: int


def _live_file(engine: Engine) -> Path:
    if not is_sqlite(engine):
        raise InvalidInput("This database is PostgreSQL: back it up and restore it with pg_dump and pg_restore.")
    name = engine.url.database
    if not name or name == ":memory:":
        raise InvalidInput("This database lives in memory only: there is no file to back up.")
    return Path(name)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=db.MIGRATION_LOCK_WAIT)


def _check(path: Path) -> _Found:
    """What the SQLite file at ``path`` holds, or InvalidInput saying why it is not a usable ctdash backup."""
    if not path.is_file():
        raise InvalidInput(f"There is no file at {path}: check the name and try again.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InvalidInput(f"{path} is not a SQLite database: choose a file made by `python -m ctdash backup`.")
    try:
        with contextlib.closing(_open_read_only(path)) as connection:
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise InvalidInput(f"{path} is damaged (SQLite's check failed): use another backup.")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"alembic_version", "findings", "data_revisions"} <= tables:
                raise InvalidInput(f"{path} is not a ctdash database: choose a file made by `python -m ctdash backup`.")
            schema = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            findings = connection.execute("SELECT count(*) FROM findings").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise InvalidInput(f"{path} cannot be read as a database ({error}): use another backup.") from None
    revision = schema[0] if schema else None
    if revision not in _known_revisions():
        raise InvalidInput(
            f"{path} was made by a newer version of ctdash (schema {revision}): upgrade ctdash first, then restore."
        )
    return _Found(revision, findings)


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(db.alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def _revisions(engine: Engine) -> dict[str, int]:
    if db.schema_revision(engine) is None:
        return {}
    with db.session_scope(engine, read_only=True) as session:
        return dict(zip(db.AREAS, db.current_revisions(session), strict=True))
