"""Tables leaving ctdash for a spreadsheet: never with a cell that a spreadsheet would run as a formula.

Anyone can put text into a table we show: a failed sign-in stores the username as typed, and a
display name or summary is free text. A spreadsheet opening a CSV runs a cell as a formula when it
starts with ``=``, ``+``, ``-`` or ``@``, and ``=cmd|' /C calc'!A0`` or a ``HYPERLINK`` that sends
other cells away is then one click from running ("CSV injection", OWASP). OWASP's advice is to
prefix such cells with a single quote, which spreadsheets show but never evaluate, and to treat a
leading tab or carriage return the same way, since some programs skip them and read what follows.
We also defuse a formula character after leading spaces or line breaks: importers that trim
whitespace (a common spreadsheet import option) would otherwise turn " =1+1" back into a formula.
The quote changes the text by one visible character, which is the price of never running a cell.

Streamlit's table toolbar ("Download as CSV") and clipboard copy write cells exactly as given and
cannot be turned off per table (only for the whole app, ``client.disableDataExport``), so the frame
handed to ``st.dataframe`` must already be safe: pass it through ``spreadsheet_safe`` first.

The findings library leaves as a spreadsheet through ``findings_tables`` (the findings a view names,
and their attachments' metadata), then ``to_xlsx`` or ``findings_csv``; in a workbook, text cells
are defused and also stored as text, so neither a formula nor an error value is read from one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ctdash import clock, permissions
from ctdash.config import get_settings
from ctdash.db import FINDINGS, reads
from ctdash.models import Attachment, Finding, FindingStatus, Partner, Project, Theme, Visibility, finding_themes
from ctdash.viewer import Viewer

FORMULA_STARTS = frozenset("=+-@")
CONTROL_STARTS = frozenset("\t\r")


def defuse(value: object) -> object:
    """One cell, with a quote in front if a spreadsheet would otherwise read it as a formula."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS or value[0] in CONTROL_STARTS or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell defused; numbers, dates and empty cells are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            safe[column] = values.map(defuse)
    return safe


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads accents), cells defused."""
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8-sig")


# --- the findings library as a spreadsheet ---------------------------------------------------------

# Stay under SQLite's oldest limit on bound variables (999) whatever the build, and keep each
# statement small on PostgreSQL too: 10,000 findings are 12 rounds of three queries.
ID_CHUNK = 900
EXCEL_CELL_LIMIT = 32_767  # characters; a longer cell makes Excel offer to "repair" the file
VISIBILITY_NAMES = {Visibility.GROUP: "Working group only", Visibility.PUBLIC: "Public"}

FINDING_COLUMNS = (
    "Reference",
    "Title",
    "Kind",
    "Status",
    "Visibility",
    "Service",
    "Research project",
    "Cycle",
    "Evidence type",
    "Themes",
    "Summary",
    "Key quote",
    "Links",
    "Created",
    "Submitted",
    "Published",
    "Updated",
    "Attachments",
    "Example data",
)
FINDING_TIMES = ("Created", "Submitted", "Published", "Updated")
ATTACHMENT_COLUMNS = (
    "Finding reference",
    "Finding title",
    "File name",
    "Type",
    "Size (bytes)",
    "Size",
    "Description",
    "Consent given",
)


@dataclass(frozen=True, eq=False)
class FindingTables:
    """A findings export: ``findings`` has one row per finding, ``attachments`` one per file (metadata only).

    Times are Europe/London wall-clock times without a zone (what a spreadsheet's date cells hold);
    text is as stored, not yet defused: ``to_xlsx`` and ``findings_csv`` do that on the way out.
    """

    findings: pd.DataFrame
    attachments: pd.DataFrame


@reads(FINDINGS)
def findings_tables(session: Session, *, viewer: Viewer, finding_ids: Sequence[int]) -> FindingTables:
    """The findings ``finding_ids`` names, in that order, with their attachments' metadata, for a spreadsheet.

    The ids are the viewer's current view; any the viewer may not see are left out all the same (as
    are ids that do not exist), and the research project is left empty for visitors, as on a finding's
    page. Never reads an attachment's bytes. A few queries per 900 ids, never one per finding.
    """
    order = list(dict.fromkeys(int(finding_id) for finding_id in finding_ids))
    signed_in = permissions.sees_working_group_work(viewer)
    rows, themes, files = {}, defaultdict(list), defaultdict(list)
    for chunk in _chunks(order):
        for row in session.execute(
            select(
                Finding.id,
                Finding.title,
                Finding.kind,
                Finding.status,
                Finding.visibility,
                Partner.name.label("service"),
                Project.title.label("project"),
                Finding.cycle,
                Finding.evidence_type,
                Finding.summary,
                Finding.key_quote,
                Finding.links,
                Finding.created_at,
                Finding.submitted_at,
                Finding.published_at,
                Finding.updated_at,
                Finding.is_example,
            )
            .join(Partner, Partner.id == Finding.partner_id)
            .outerjoin(Project, Project.id == Finding.project_id)
            .where(Finding.id.in_(chunk), permissions.visible_findings(viewer))
        ):
            rows[row.id] = row
        seen = [finding_id for finding_id in chunk if finding_id in rows]
        if not seen:
            continue
        for finding_id, name in session.execute(
            select(finding_themes.c.finding_id, Theme.name)
            .join(Theme, Theme.id == finding_themes.c.theme_id)
            .where(finding_themes.c.finding_id.in_(seen))
            .order_by(finding_themes.c.finding_id, Theme.position, Theme.id)
        ):
            themes[finding_id].append(name)
        for file in session.execute(
            select(
                Attachment.finding_id,
                Attachment.original_name,
                Attachment.content_type,
                Attachment.size_bytes,
                Attachment.description,
                Attachment.consent,
            )
            .where(Attachment.finding_id.in_(seen))
            .order_by(Attachment.finding_id, Attachment.id)
        ):
            files[file.finding_id].append(file)
    shown = [rows[finding_id] for finding_id in order if finding_id in rows]
    return FindingTables(
        findings=_findings_frame(shown, themes, files, signed_in), attachments=_files_frame(shown, files)
    )


def all_finding_ids(session: Session, *, published_only: bool = False) -> list[int]:
    """Every finding's id in id order (or every published one's): the command line's export, with the owner's rights."""
    query = select(Finding.id).order_by(Finding.id)
    if published_only:
        query = query.where(Finding.status == FindingStatus.PUBLISHED)
    return list(session.scalars(query))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _local_times(values: list[dt.datetime | None]) -> pd.Series:
    """Aware UTC times as Europe/London wall-clock times to the second, which a spreadsheet reads as dates."""
    zone = get_settings().timezone
    times = pd.Series(pd.to_datetime(values, utc=True), dtype="datetime64[us, UTC]")
    return times.dt.tz_convert(zone).dt.tz_localize(None).dt.floor("s")


def _findings_frame(rows: list, themes: dict, files: dict, signed_in: bool) -> pd.DataFrame:
    from ctdash import findings  # findings -> audit -> export: import it when first needed

    columns = {
        "Reference": [findings.reference(row.id) for row in rows],
        "Title": [row.title for row in rows],
        "Kind": [findings.KIND_LABELS[row.kind] if row.kind else None for row in rows],
        "Status": [findings.STATUS_LABELS[row.status] for row in rows],
        "Visibility": [VISIBILITY_NAMES[row.visibility] for row in rows],
        "Service": [row.service for row in rows],
        "Research project": [row.project if signed_in else None for row in rows],
        "Cycle": [row.cycle for row in rows],
        "Evidence type": [row.evidence_type for row in rows],
        "Themes": ["; ".join(themes.get(row.id, ())) or None for row in rows],
        "Summary": [row.summary or None for row in rows],
        "Key quote": [row.key_quote for row in rows],
        "Links": [row.links or None for row in rows],  # one a line, as typed
        "Created": [row.created_at for row in rows],
        "Submitted": [row.submitted_at for row in rows],
        "Published": [row.published_at for row in rows],
        "Updated": [row.updated_at for row in rows],
        "Attachments": [len(files.get(row.id, ())) for row in rows],
        "Example data": ["Yes" if row.is_example else "No" for row in rows],
    }
    return pd.DataFrame(
        {
            name: _local_times(values) if name in FINDING_TIMES else pd.Series(values, dtype=_dtype(name))
            for name, values in columns.items()
        },
        columns=list(FINDING_COLUMNS),
    )


def _files_frame(rows: list, files: dict) -> pd.DataFrame:
    from ctdash import findings

    lines = [(row, file) for row in rows for file in files.get(row.id, ())]
    columns = {
        "Finding reference": [findings.reference(row.id) for row, _ in lines],
        "Finding title": [row.title for row, _ in lines],
        "File name": [file.original_name for _, file in lines],
        "Type": [file.content_type for _, file in lines],
        "Size (bytes)": [file.size_bytes for _, file in lines],
        "Size": [findings.describe_size(file.size_bytes) for _, file in lines],
        "Description": [file.description for _, file in lines],
        "Consent given": ["Yes" if file.consent else "No" for _, file in lines],
    }
    return pd.DataFrame(
        {name: pd.Series(values, dtype=_dtype(name)) for name, values in columns.items()},
        columns=list(ATTACHMENT_COLUMNS),
    )


def _dtype(column: str) -> str:
    return "int64" if column in ("Attachments", "Size (bytes)") else "str"


def file_name(suffix: str) -> str:
    """A download's name with today's UK date: ``changing-tracks-findings-2026-11-26.xlsx``."""
    today = clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()
    return f"changing-tracks-findings-{today.isoformat()}.{suffix}"


def findings_csv(tables: FindingTables) -> bytes:
    """The findings sheet as CSV (UTF-8 with a byte-order mark, cells defused); attachments are counted, not listed."""
    return to_csv(tables.findings)


# --- XLSX ---------------------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Widths in characters of the default font; long text wraps inside its column.
WIDTHS = {
    "Reference": 12,
    "Title": 40,
    "Kind": 10,
    "Status": 20,
    "Visibility": 19,
    "Service": 28,
    "Research project": 30,
    "Cycle": 9,
    "Evidence type": 17,
    "Themes": 34,
    "Summary": 70,
    "Key quote": 40,
    "Links": 40,
    "Created": 17,
    "Submitted": 17,
    "Published": 17,
    "Updated": 17,
    "Attachments": 12,
    "Example data": 13,
    "Finding reference": 17,
    "Finding title": 40,
    "File name": 32,
    "Type": 24,
    "Size (bytes)": 13,
    "Size": 10,
    "Description": 50,
    "Consent given": 14,
}
WRAPPED = frozenset({"Title", "Themes", "Summary", "Key quote", "Links", "Finding title", "File name", "Description"})


def to_xlsx(tables: FindingTables) -> bytes:
    """An Excel workbook: sheets "Findings" and "Attachments", a bold frozen header row with filters,
    times as real date cells, long text wrapped, and every text cell defused."""
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, "Findings", tables.findings)
    _write_sheet(workbook, "Attachments", tables.attachments)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(frame.columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    for number, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(name, 15)
    bold, top, wrapped = Font(bold=True), Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.alignment = bold, top
        header.append(cell)
    sheet.append(header)
    # One cell per column, styled once and given each row's value in turn: a write-only sheet writes
    # each appended row out at once, so the cell is free again for the next row (and building two
    # hundred thousand styled cells would take longer than writing them).
    columns, cells = [], []
    for name in frame.columns:
        values = frame[name]
        cell = WriteOnlyCell(sheet)
        cell.alignment = wrapped if name in WRAPPED else top
        if pd.api.types.is_datetime64_any_dtype(values):
            cell.number_format = DATETIME_FORMAT
            columns.append([None if pd.isna(value) else value.to_pydatetime() for value in values])
        elif pd.api.types.is_integer_dtype(values):
            cell.number_format = "#,##0"
            columns.append(values.tolist())
        else:
            columns.append([_text_cell(value) for value in values])
        cells.append(cell)
    for values in zip(*columns, strict=True):
        row = []
        for value, cell in zip(values, cells, strict=True):
            if value is None:
                row.append(None)  # nothing to write: an empty cell needs no element at all
                continue
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text as text: never a formula ("="), never an error code ("#N/A")
            row.append(cell)
        sheet.append(row)


def _text_cell(value: object) -> str | None:
    """A text cell for a workbook: control characters XML cannot hold dropped, defused, within Excel's limit."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    text = defuse(text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text or None
