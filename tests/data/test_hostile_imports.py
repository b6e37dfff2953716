"""Hostile spreadsheets through the whole import, on SQLite and PostgreSQL: polyglot and disguised files,
a workbook that inflates far past its size, CSVs with NUL bytes, byte-order marks and formulas, names with
folders in them, out-of-range dates and coordinates. Each is refused in one sentence, or planned with its
row errors, and nothing is written."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile

import pytest
import xlsxwriter
from sqlalchemy import func, select

from ctdash import imports
from ctdash.errors import InvalidInput
from ctdash.models import AuditEvent, Partner, Project, Role
from ctdash.seed import seed
from ctdash.viewer import Viewer

ADMIN = Viewer(role=Role.ADMIN, name="command line")
HEADINGS = ["Partner", "Cycle", "Title", "Stage", "Themes", "Start date", "End date"]
PARTNER_HEADINGS = ["Name", "Short name", "Region", "Latitude", "Longitude"]
ROW = ["Cornwall", "2025-26", "Loan instruments (test data)", "Planning", "", "", ""]


@pytest.fixture(autouse=True)
def _seeded(session):
    seed(session)  # the real services and themes, inside the rolled-back test transaction


def _csv(rows: list[list], headings: list[str] = HEADINGS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _workbook(rows: list[list], headings: list[str] = HEADINGS) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Projects")
    for number, row in enumerate([headings, *rows]):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


def _state(session) -> tuple:
    return (
        session.scalar(select(func.count()).select_from(Project)),
        session.scalar(select(func.count()).select_from(Partner)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
        tuple(session.execute(select(Partner.id, Partner.version, Partner.latitude).order_by(Partner.id))),
    )


def _refused(session, data: bytes, filename: str, kind: str = "projects") -> str:
    before = _state(session)
    with pytest.raises(InvalidInput) as caught:
        imports.plan(session, viewer=ADMIN, kind=kind, data=data, filename=filename)
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and not re.search(r"[.!?]\s+[A-Z]", message)
    assert _state(session) == before
    return message


def _planned_with_errors(session, data: bytes, filename: str, kind: str = "projects") -> dict[int, list[str]]:
    """Plan ``data``, then try to run it: a plan with errors imports nothing."""
    before = _state(session)
    plan = imports.plan(session, viewer=ADMIN, kind=kind, data=data, filename=filename)
    assert plan.has_errors
    with pytest.raises(InvalidInput):
        imports.run(session, viewer=ADMIN, kind=kind, data=data, filename=filename, expected_signature=plan.signature)
    assert _state(session) == before
    return {row.number: list(row.errors) for row in plan.rows if row.errors}


# --- disguised and polyglot files -------------------------------------------------------------------


def test_hostile_pdf_with_a_workbook_appended_is_refused_as_a_pdf(session):
    polyglot = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + _workbook([ROW])
    assert "is a PDF, not a spreadsheet" in _refused(session, polyglot, "projects.xlsx")


def test_hostile_workbook_with_a_pdf_header_in_front_named_csv_is_refused(session):
    polyglot = b"%PDF-1.7\n" + _csv([ROW])
    assert "is a PDF, not a spreadsheet" in _refused(session, polyglot, "projects.csv")


def test_hostile_csv_with_a_zip_appended_is_refused_as_not_text(session):
    polyglot = _csv([ROW]) + _workbook([ROW])
    assert "not a CSV text file" in _refused(session, polyglot, "projects.csv")


def test_hostile_html_page_named_csv_is_refused(session):
    page = b"<!doctype html><html><body><script>alert(1)</script><table><tr><td>Partner</td></tr></table>"
    assert "web page" in _refused(session, page, "projects.csv")


@pytest.mark.parametrize("filename", ["projects.csv", "projects.xlsx"])
def test_hostile_zero_byte_file_is_refused_as_empty(session, filename):
    assert "is empty" in _refused(session, b"", filename)


def test_hostile_workbook_that_inflates_a_thousandfold_is_refused_or_read_quickly(session):
    """A sheet of 200 MB of spaces packs into a few hundred kilobytes: it must not take the server with it."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(_workbook_buffer := io.BytesIO(_workbook([ROW]))) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (200 * 1024 * 1024), 1)
            bomb.writestr(item.filename, data)
    assert _workbook_buffer and len(buffer.getvalue()) < 2 * 1024 * 1024
    before = _state(session)
    started = time.monotonic()
    try:
        plan = imports.plan(session, viewer=ADMIN, kind="projects", data=buffer.getvalue(), filename="p.xlsx")
    except InvalidInput as error:
        assert str(error).endswith(".")
    else:
        assert plan.to_import <= 1
    assert time.monotonic() - started < 60
    assert _state(session) == before


# --- hostile CSV content ----------------------------------------------------------------------------


def test_hostile_csv_with_a_nul_byte_is_refused_and_nothing_written(session):
    data = _csv([ROW]).replace(b"Loan", b"Lo\x00an")
    assert "not a CSV text file" in _refused(session, data, "projects.csv")


def test_hostile_bom_and_formula_cells_are_kept_as_typed_and_never_evaluated(session):
    rows = [["Cornwall", "2025-26", '=HYPERLINK("http://evil.example","Loans")', "Planning", "", "", ""]]
    data = b"\xef\xbb\xbf" + _csv(rows)
    plan = imports.plan(session, viewer=ADMIN, kind="projects", data=data, filename="projects.csv")
    assert not plan.has_errors and plan.to_import == 1
    report = imports.run(
        session, viewer=ADMIN, kind="projects", data=data, filename="projects.csv", expected_signature=plan.signature
    )
    assert report is not None
    titles = list(session.scalars(select(Project.title)))
    assert titles == ['=HYPERLINK("http://evil.example","Loans")']


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        "[Loans](javascript:alert(1))",
        "Loans'); DROP TABLE project; --",
    ],
    ids=["script", "markdown-link", "sql"],
)
def test_hostile_markup_and_sql_titles_are_stored_as_typed(session, title):
    data = _csv([["Cornwall", "2025-26", title, "Planning", "", "", ""]])
    plan = imports.plan(session, viewer=ADMIN, kind="projects", data=data, filename="projects.csv")
    imports.run(
        session, viewer=ADMIN, kind="projects", data=data, filename="projects.csv", expected_signature=plan.signature
    )
    assert list(session.scalars(select(Project.title))) == [title]


@pytest.mark.parametrize(
    "title",
    ["Loans \u202e(test data)", "Loans\x1b[31m (test data)", "Loans\u200b (test data)"],
    ids=["rtl-override", "ansi-escape", "zero-width-space"],
)
def test_hostile_invisible_characters_in_a_cell_are_a_row_error(session, title):
    errors = _planned_with_errors(session, _csv([["Cornwall", "2025-26", title, "Planning", "", "", ""]]), "p.csv")
    assert any("invisible or control characters" in error for error in errors[2])


def test_hostile_very_long_title_is_a_row_error_with_the_limit(session):
    errors = _planned_with_errors(
        session, _csv([["Cornwall", "2025-26", "x" * 100_000, "Planning", "", "", ""]]), "p.csv"
    )
    assert any("keep it to" in error for error in errors[2])


@pytest.mark.parametrize(
    ("start", "end"),
    [("01/01/1066", ""), ("31/12/9999", ""), ("2025-02-30", ""), ("01/09/2025", "01/09/2024"), ("45", "-3")],
    ids=["before-the-programme", "year-9999", "no-such-day", "ends-before-it-starts", "day-numbers-out-of-range"],
)
def test_hostile_out_of_range_dates_are_row_errors(session, start, end):
    errors = _planned_with_errors(
        session, _csv([["Cornwall", "2025-26", "Loans (test data)", "Planning", "", start, end]]), "p.csv"
    )
    assert errors[2] and all(error.endswith(".") for error in errors[2])


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("91", "0"), ("0", "-181"), ("nan", "1"), ("inf", "-inf"), ("1e308", "0"), ("51.5", "")],
    ids=["latitude-past-the-pole", "longitude-past-the-dateline", "nan", "infinity", "huge", "half-a-position"],
)
def test_hostile_out_of_range_coordinates_are_row_errors_and_move_no_service(session, latitude, longitude):
    data = _csv([["Cornwall", "Cornwall", "South West", latitude, longitude]], headings=PARTNER_HEADINGS)
    errors = _planned_with_errors(session, data, "partners.csv", kind="partners")
    assert errors[2] and all(error.endswith(".") for error in errors[2])


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.csv", "C:\\Windows\\system32\\projects.csv", "projects\u202etxt.csv", "pro\x00jects.csv"],
    ids=["unix-path", "windows-path", "rtl-override", "nul"],
)
def test_hostile_file_name_with_folders_or_tricks_is_read_by_its_content_only(session, filename):
    """The name only picks CSV or workbook; it is never opened as a path, and the plan names no folder."""
    plan = imports.plan(session, viewer=ADMIN, kind="projects", data=_csv([ROW]), filename=filename)
    assert plan.to_import == 1 and not plan.has_errors
    assert "/etc" not in plan.summary() and "system32" not in plan.summary()
    assert _state(session)[0] == 0
