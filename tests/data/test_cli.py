import errno

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ctdash import files
from ctdash.cli import main
from ctdash.config import DATA_DIR
from ctdash.db import head_revision, make_engine, session_scope
from ctdash.models import Attachment, AttachmentBlob, AuditEvent, FindingStatus, Partner, Project
from tests.factories import make_finding, make_partner, make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_init_twice_adds_the_seed_once(cli):
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "Added 15 partner services and 13 themes." in first.output
    second = cli("init")
    assert "Nothing to add" in second.output


def test_demo_loads_and_removes_example_data(cli):
    assert "Loaded example data: 3 services" in cli("demo").output
    assert "already loaded" in cli("demo").output
    info = cli("info").output
    assert "(10 example)" in info
    assert "Removed example data" in cli("demo", "--remove").output
    assert "example" not in cli("info").output.split("Schema:")[1]


def test_demo_remove_refuses_in_one_line_while_an_account_belongs_to_an_example_service(cli, database_url):
    cli("demo")
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        service = session.scalars(select(Partner).where(Partner.is_example).order_by(Partner.id)).first()
        make_user(session, partner=service, username="sam.t")
    engine.dispose()
    result = cli("demo", "--remove")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Example data was not removed: real records depend on it. "
        "1 account belongs to an example service (sam.t). "
        "Move or delete these first, then run `python -m ctdash demo --remove` again.\n"
    )
    assert "(10 example)" in cli("info").output


def test_info_shows_revision_and_counts_but_never_the_password(cli, database_url):
    cli("init")
    result = cli("info")
    assert result.exit_code == 0
    assert f"Schema:   {head_revision()}\n" in result.output
    assert "partner services       15" in result.output
    assert "ctdash_pw" not in result.output


def test_create_user_prompts_for_a_hidden_password_and_checks_it(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    args = ["create-user", "--username", "Kit", "--name", "Kit Kernow", "--role", "member", "--partner", "cornwall"]
    result = runner.invoke(main, args, input="weak\nGood-Password-42\nGood-Password-42\n")
    assert result.exit_code == 0, result.output
    assert "Use at least 12 characters" in result.output
    assert "Created member kit of Cornwall." in result.output
    assert "Good-Password-42" not in result.output


def test_create_user_refuses_an_unknown_partner(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    args = ["create-user", "--username", "kit", "--name", "Kit", "--role", "member", "--partner", "Atlantis"]
    result = CliRunner().invoke(main, args, input="Good-Password-42\nGood-Password-42\n")
    assert result.exit_code == 1
    assert "There is no partner service called 'Atlantis'" in result.output


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_dry_run_prints_every_error_of_every_row_and_fails_writing_nothing(cli, tmp_path, database_url):
    path = _write(
        tmp_path,
        "projects.csv",
        "Partner,Cycle,Title,Stage,Notes\n"
        "Cornwal,2024-25,Listening (test data),planning,\n"
        "Hull,next year,Ensembles (test data),fieldwork,\n"
        "Hull,2024-25,Fine (test data),planning,\n",
    )
    result = cli("import", "projects", path, "--dry-run")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'These columns are not ones the importer knows, so they are left out: "Notes".',
        "The file has no column for Research question, Themes, Start date, End date, Lead contact, Summary: "
        "new records leave them empty and records the file updates keep what they have.",
        "Row 2: Unknown partner 'Cornwal'; did you mean 'Cornwall'?",
        "Row 3: 'next year' is not a research cycle: write the academic year like 2024-25.",
        "Row 3: 'fieldwork' is not a stage; use one of: proposed, planning, data collection, analysis, "
        "sharing findings, complete, paused.",
        "1 to create, 2 with errors.",
        "Error: Nothing was imported: correct the rows above and run the command again.",
    ]
    assert cli("import", "projects", path).exit_code == 1, "without --dry-run, errors still import nothing"
    engine = make_engine(database_url)
    with session_scope(engine, read_only=True) as session:
        assert session.scalar(select(func.count(Project.id))) == 0
    engine.dispose()


def test_import_creates_then_finds_nothing_to_change_and_is_audited_as_the_command_line(cli, tmp_path, database_url):
    path = _write(
        tmp_path,
        "projects.csv",
        "Partner,Cycle,Title,Stage\n"
        "Hull,2024/25,Ensembles (test data),planning\n"
        "Cornwall,2025,Listening (test data),proposed\n",
    )
    dry = cli("import", "projects", path, "--dry-run")
    assert (dry.exit_code, dry.output.splitlines()[-2:]) == (0, ["2 to create.", "Dry run: nothing was imported."])
    first = cli("import", "projects", path)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "Created 2, updated 0, unchanged 0."
    assert cli("import", "projects", path).output.splitlines()[-1] == "Created 0, updated 0, unchanged 2."
    engine = make_engine(database_url)
    with session_scope(engine, read_only=True) as session:
        events = session.execute(select(AuditEvent.actor, AuditEvent.actor_id, AuditEvent.action)).all()
    engine.dispose()
    assert {(actor, actor_id) for actor, actor_id, _ in events} == {("command line", None)}
    assert sorted(action for _, _, action in events) == ["project_created"] * 2 + ["projects_imported"] * 2


def test_import_partners_from_the_seed_file_changes_nothing(cli):
    result = cli("import", "partners", str(DATA_DIR / "partners.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "15 unchanged." in result.output


def test_import_refuses_a_file_that_is_not_a_spreadsheet_in_one_line(cli, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_bytes(b"%PDF-1.7 a report")
    result = cli("import", "projects", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "Error: That file is a PDF, not a spreadsheet: export the table as .xlsx or .csv and upload that.\n"
    )


# --- export -------------------------------------------------------------------------------------


@pytest.fixture
def out(tmp_path):
    """A folder for exported files, apart from the test's SQLite database."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def library(cli, database_url):
    """A published finding with a file and a formula-like title, a draft, and a published one, by id."""
    cli("init")
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        partner = make_partner(session, name="Kernow Music Hub (test data)")
        first = make_finding(
            session, partner, title='=HYPERLINK("http://evil.example")', status=FindingStatus.PUBLISHED
        )
        session.add(
            Attachment(
                finding=first,
                filename="notes.txt",
                original_name="notes.txt",
                content_type="text/plain",
                size_bytes=5,
                sha256="0" * 64,
                blob=AttachmentBlob(data=b"notes"),
            )
        )
        draft = make_finding(session, partner, title="Café draft (test data)")
        last = make_finding(session, partner, title="Published later (test data)", status=FindingStatus.PUBLISHED)
        ids = [first.id, draft.id, last.id]
    engine.dispose()
    return ids


def test_export_findings_to_xlsx_writes_every_finding_in_id_order_and_their_files(cli, library, out):
    path = out / "findings.xlsx"
    result = cli("export", "findings", str(path))
    assert (result.exit_code, result.output) == (0, f"Wrote 3 findings and 1 attachment to {path}.\n")
    workbook = openpyxl.load_workbook(path)
    findings = [[cell.value for cell in row] for row in workbook["Findings"].iter_rows(values_only=False)]
    assert [row[0] for row in findings[1:]] == [f"CT-{finding_id:06d}" for finding_id in library]
    assert [row[1] for row in findings[1:]] == [
        '\'=HYPERLINK("http://evil.example")',
        "Café draft (test data)",
        "Published later (test data)",
    ]
    assert [cell.value for cell in workbook["Attachments"]["C"]] == ["File name", "notes.txt"]
    assert [file.name for file in out.iterdir()] == ["findings.xlsx"], "no temporary file is left"


def test_export_published_findings_to_csv(cli, library, out):
    path = out / "published.CSV"
    result = cli("export", "findings", str(path), "--published-only")
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 2 findings to {path} (with 1 attachment counted per finding; .xlsx lists them).\n"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["Reference", f"CT-{library[0]:06d}", f"CT-{library[2]:06d}"]
    assert "Café" not in data.decode("utf-8-sig")


def test_export_refuses_a_file_that_is_neither_xlsx_nor_csv_in_one_line(cli, out):
    result = cli("export", "findings", str(out / "findings.ods"))
    assert result.exit_code == 2
    assert result.output == (
        "Error: Name the file with .xlsx (a workbook that also lists the attachments) or .csv (the findings "
        "only), for example findings.xlsx; 'findings.ods' is neither.\n"
    )
    assert list(out.iterdir()) == []


def test_export_to_a_folder_that_does_not_exist_fails_in_one_line(cli, library, out):
    path = out / "missing" / "findings.csv"
    result = cli("export", "findings", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Could not write {path}: the folder does not exist; choose a file in a folder that exists "
        "and that you may write to.\n"
    )
    assert list(out.iterdir()) == []


def test_export_that_cannot_be_written_leaves_the_old_file_and_no_half_file(cli, library, out, monkeypatch):
    path = out / "findings.xlsx"
    path.write_bytes(b"last week's export")

    def disk_full(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", disk_full)
    result = cli("export", "findings", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Could not write {path}: no space left on device; choose a file in a folder that exists "
        "and that you may write to.\n"
    )
    assert path.read_bytes() == b"last week's export"
    assert [file.name for file in out.iterdir()] == ["findings.xlsx"]
