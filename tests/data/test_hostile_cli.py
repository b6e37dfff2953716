"""The command line given hostile arguments: cycles that are not cycles, files that are folders, symlinks,
FIFOs or the database itself, and file names with the wrong extension. Each fails in one line (no
traceback) and writes or changes nothing it should not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ctdash.cli import main
from ctdash.db import make_engine, session_scope
from ctdash.models import AuditEvent, Finding, FindingStatus
from tests.factories import make_finding, make_partner


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def counted(cli, database_url):
    """An initialised database with two findings (test data); returns a function giving (findings, audit rows)."""
    assert cli("init").exit_code == 0
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        partner = make_partner(session, name="Kernow Music Hub (test data)")
        make_finding(session, partner, title="Loans (test data)", status=FindingStatus.PUBLISHED, cycle="2025-26")
        make_finding(session, partner, title="Draft (test data)")

    def count() -> tuple[int, int]:
        with session_scope(engine, read_only=True) as session:
            return (
                session.scalar(select(func.count()).select_from(Finding)),
                session.scalar(select(func.count()).select_from(AuditEvent)),
            )

    yield count
    engine.dispose()


def _one_line_error(result, status: int) -> str:
    assert result.exit_code == status, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def _usage_error_is_a_directory(result, folder: Path) -> None:
    """click's own refusal of a folder where a file belongs: a usage line, a hint and the one-line error."""
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for 'FILE': File '{folder}' is a directory." in result.output
    assert "Traceback" not in result.output


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


# --- report -------------------------------------------------------------------------------------------


HOSTILE_CYCLES = {
    "years-not-following": "2024-26",
    "two-digit": "24-25",
    "shell": "2024-25; rm -rf /",
    "path": "../../etc/passwd",
    "empty": "",
    "nul": "2024\x00-25",
    "fullwidth-digits": "\uff12\uff10\uff12\uff14-\uff12\uff15",
    "arabic-indic-digits": "\u0662\u0660\u0662\u0664-\u0662\u0665",
    "far-future": "2090-91",
    "long": "2024-25" * 5000,
}


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("cycle", HOSTILE_CYCLES.values(), ids=HOSTILE_CYCLES.keys())
def test_hostile_report_cycle_is_refused_in_one_line_and_writes_nothing(cli, counted, out, cycle):
    before = counted()
    output = _one_line_error(cli("report", cycle, str(out / "report.docx")), 2)
    assert "write the academic year like 2024-25" in output or "cycles run from 2018-19" in output
    assert len(output) < 300, "a hostile cycle is quoted only in part"
    assert _listing(out) == []
    assert counted() == before


HOSTILE_REPORT_FILES = {
    "doc": "report.doc",
    "double-extension": "report.docx.exe",
    "no-extension": "report",
    "trailing-dot": "report.pdf.",
    "hidden-only": ".pdf",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", HOSTILE_REPORT_FILES.values(), ids=HOSTILE_REPORT_FILES.keys())
def test_hostile_report_file_name_is_refused_in_one_line(cli, counted, out, name):
    output = _one_line_error(cli("report", "2025-26", str(out / name)), 2)
    assert "Name the file with .docx (a Word document) or .pdf" in output
    assert _listing(out) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_report_onto_a_folder_fails_in_one_line_and_leaves_the_folder(cli, counted, out):
    folder = out / "report.pdf"
    (folder / "inside").mkdir(parents=True)
    _usage_error_is_a_directory(cli("report", "2025-26", str(folder)), folder)
    assert folder.is_dir() and _listing(folder) == ["inside"]
    assert _listing(out) == ["report.pdf"], "no temporary file is left"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_report_through_a_symlink_replaces_the_link_never_its_target(cli, counted, out, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    link = out / "report.docx"
    link.symlink_to(target)
    result = cli("report", "2025-26", str(link))
    assert result.exit_code == 0, result.output
    assert target.read_text() == "do not touch"
    assert not link.is_symlink() and link.read_bytes().startswith(b"PK")


# --- backup and restore (SQLite) ------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_onto_a_folder_is_refused_and_leaves_it(cli, counted, out):
    folder = out / "copy.db"
    folder.mkdir()
    _usage_error_is_a_directory(cli("backup", str(folder)), folder)
    assert folder.is_dir() and _listing(folder) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_onto_a_fifo_is_refused_without_blocking(cli, counted, out):
    fifo = out / "copy.db"
    os.mkfifo(fifo)
    output = _one_line_error(cli("backup", str(fifo)), 1)
    assert "already exists" in output
    assert _listing(out) == ["copy.db"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_onto_a_symlink_to_a_file_is_refused_and_the_file_kept(cli, counted, out, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    (out / "copy.db").symlink_to(target)
    output = _one_line_error(cli("backup", str(out / "copy.db")), 1)
    assert "already exists" in output
    assert target.read_text() == "do not touch"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_onto_a_dangling_symlink_writes_nothing_where_it_points(cli, counted, out, tmp_path):
    """A link to a file that does not exist yet must not be a way to write the database somewhere else."""
    elsewhere = tmp_path / "elsewhere" / "stolen.db"
    elsewhere.parent.mkdir()
    (out / "copy.db").symlink_to(elsewhere)
    output = _one_line_error(cli("backup", str(out / "copy.db")), 1)
    assert "already exists" in output
    assert not elsewhere.exists()
    assert _listing(out) == ["copy.db"] and (out / "copy.db").is_symlink()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_backup_onto_the_live_database_is_refused_and_keeps_it(cli, counted, database_url):
    live = database_url.removeprefix("sqlite:///")
    before = counted()
    output = _one_line_error(cli("backup", live), 1)
    assert "already exists" in output
    assert counted() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", ["folder", "fifo", "zero-bytes", "symlink-to-text", "dangling-symlink"])
def test_hostile_restore_from_something_that_is_not_a_backup_changes_nothing(cli, counted, out, tmp_path, kind):
    source = out / "backup.db"
    if kind == "folder":
        source.mkdir()
    elif kind == "fifo":
        os.mkfifo(source)  # reading it would block for ever: it must be refused before it is opened
    elif kind == "zero-bytes":
        source.write_bytes(b"")
    elif kind == "symlink-to-text":
        (tmp_path / "notes.txt").write_text("SQLite format 3 is what this says, but it is text\n" * 20)
        source.symlink_to(tmp_path / "notes.txt")
    else:
        source.symlink_to(tmp_path / "missing.db")
    before = counted()
    result = cli("restore", str(source), "--yes")
    if kind == "folder":
        _usage_error_is_a_directory(result, source)
    else:
        output = _one_line_error(result, 1)
        assert ("There is no file at" in output) or ("is not a SQLite database" in output)
    assert counted() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_restore_declined_at_the_prompt_changes_nothing(cli, counted, out):
    assert cli("backup", str(out / "copy.db")).exit_code == 0
    before = counted()
    result = cli("restore", str(out / "copy.db"), input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert counted() == before


# --- export -------------------------------------------------------------------------------------------


HOSTILE_EXPORT_FILES = {
    "ods": "findings.ods",
    "xls": "findings.xls",
    "double-extension": "findings.xlsx.exe",
    "no-extension": "findings",
    "trailing-space": "findings.csv ",
    "hidden-only": ".xlsx",
}


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("name", HOSTILE_EXPORT_FILES.values(), ids=HOSTILE_EXPORT_FILES.keys())
def test_hostile_export_file_name_is_refused_in_one_line(cli, counted, out, name):
    before = counted()
    output = _one_line_error(cli("export", "findings", str(out / name)), 2)
    assert "Name the file with .xlsx" in output
    assert _listing(out) == []
    assert counted() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_export_onto_a_folder_fails_in_one_line_and_leaves_the_folder(cli, counted, out):
    folder = out / "findings.xlsx"
    folder.mkdir()
    _usage_error_is_a_directory(cli("export", "findings", str(folder)), folder)
    assert folder.is_dir() and _listing(out) == ["findings.xlsx"]
