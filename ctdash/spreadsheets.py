"""Spreadsheets people upload, read into rows: CSV or XLSX, as Excel, LibreOffice or Google Sheets save them.

This module only reads; checking the values against the database is the importer's job. It copes
with what real files look like:

- CSV in UTF-8 (with or without the byte-order mark Excel's "CSV UTF-8" writes), UTF-16 with a
  byte-order mark, or Windows-1252 (Excel's plain "CSV" on a UK Windows machine); separated by
  commas, semicolons (Excel in countries that write decimal commas: ``decimal_comma`` tells the
  caller that "53,745" means 53.745) or tabs, chosen by which separator makes the headings match.
- XLSX read as cached values, exactly what Excel shows: a formula is never evaluated and its text
  never returned. A formula whose value was never saved (files written by a program rather than a
  spreadsheet) reads as an empty cell: it cannot be told apart from a formula whose result is empty
  text, such as ``=IF(A2="","",A2)``, so refusing it would refuse good files.
- Workbook date cells come back as dates whichever date system the workbook uses; a bare day number
  given to ``parse_date`` is read in the 1900 system of Excel for Windows. Error cells ("#DIV/0!")
  come back as their text, for the importer to refuse like any other bad value.
- The heading row need not be the first: a title row (merged cells or not) and blank rows may sit
  above it. Of a workbook's sheets, the first whose headings name every required column is used, so
  an "Instructions" sheet in front is fine.

Row numbers are the ones a spreadsheet shows, blank rows included, so messages can point at them.
For a CSV that is the record number, counting from the first line of the file as 1: a quoted cell
with a line break in it does not start a new row, as in Excel.

The content decides the type as well as the name: a PDF, a web page or an old binary ``.xls``
renamed to ``.xlsx`` or ``.csv`` is refused with a sentence saying what it is. A real workbook named
``.csv`` is read as the workbook it is, since it can never be mistaken for text.

Text that looks like a formula ("=HYPERLINK(...)") is kept as typed: it is only text here, and
ctdash.export defuses it whenever it leaves for a spreadsheet again.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import PurePath

import openpyxl

from ctdash.errors import InvalidInput

# openpyxl warns about workbook features it skips (data validation, conditional formatting
# extensions, unknown styles); none affect the values read here, and each upload would log them.
warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")

HEADER_SEARCH_ROWS = 10  # the heading row is among this many non-blank rows at the top
PROGRESS_EVERY = 1000
SNIFF_CHARS = 64 * 1024  # the start of a CSV that decides its separator
DELIMITERS = (",", ";", "\t")  # in order of preference when the headings cannot tell them apart
# Shared strings are read into memory whole, before the first row: a bound on them keeps a small
# compressed upload from growing into gigabytes (zipfile stops at the size the archive declares).
SHARED_STRINGS_LIMIT = 256 * 1024 * 1024
# A day count under 10,000 (18 May 1927) in a date column is a year or a slip, not a date.
FIRST_SERIAL, LAST_SERIAL = 10_000, 2_958_465  # 31 December 9999
# Day 0 for day numbers after 1 March 1900, before which Excel counts a 29 February 1900 that never was.
EXCEL_EPOCH = dt.date(1899, 12, 30)

ACCEPTED = "save the spreadsheet as .xlsx or .csv and upload that"
EMPTY = "That file is empty; check that you chose the right file and upload it again."
PDF = "That file is a PDF, not a spreadsheet: export the table as .xlsx or .csv and upload that."
WEB_PAGE = "That file is a web page, not a spreadsheet: open it in Excel, save it as .xlsx or CSV, and upload that."
OLD_EXCEL = "That file is in the old Excel format (.xls): open it in Excel, save it as .xlsx or CSV, and upload that."
PROTECTED = "That workbook is protected by a password: remove the password in Excel, save it, and upload it again."
NOT_WORKBOOK = f"That file is named .xlsx but is not an Excel workbook; {ACCEPTED}."
OTHER_ARCHIVE = f"That file is not an Excel workbook but another kind of document or archive; {ACCEPTED}."
OPENDOCUMENT = "That file is an OpenDocument spreadsheet: save it as .xlsx or CSV and upload that."
DAMAGED = "That workbook could not be read and may be damaged: open it in Excel, save it again, and upload that."
TOO_BIG = "That workbook holds too much text to read; split it into smaller files and import them one at a time."
NOT_TEXT = f"That file is not a CSV text file; {ACCEPTED}."
UNKNOWN_ENCODING = 'That file uses an unknown text encoding: save it from Excel as "CSV UTF-8" and upload that.'

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)
DAY_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})", re.ASCII)
NAMED_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]*([a-z]+)\.?[ ,-]*(\d{4}|\d{2})", re.ASCII | re.IGNORECASE)
SERIAL_TEXT = re.compile(r"\d+(?:\.0*)?", re.ASCII)
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


@dataclass(frozen=True)
class Column:
    """One column the importer knows: its key, the heading people see, and other headings accepted for it."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Row:
    """One non-blank data row.

    ``number`` is the row number the spreadsheet shows. ``values`` maps column keys to cells: text
    (stripped, never empty), and from a workbook also int, float, bool, dt.date (a date cell at
    midnight), dt.datetime, dt.time or dt.timedelta. Empty cells are absent.
    """

    number: int
    values: dict[str, object]


@dataclass(frozen=True)
class Table:
    """The rows of an upload, with what the importer needs to read and explain them."""

    rows: list[Row]
    unknown_columns: list[str]  # headings matching no Column, as written, in file order
    decimal_comma: bool  # a semicolon-separated CSV: "53,745" means 53.745
    sheet_name: str | None  # the workbook sheet read; None for a CSV
    kind: str  # "csv" or "xlsx"
    columns: tuple[str, ...] = ()  # keys of the known columns the headings name, in file order


class CellError(ValueError):
    """A cell cannot be read as a number or a date; ``str(error)`` is a sentence a user can act on."""


@dataclass
class _Header:
    """What the heading search found: where the headings are and which column each position holds."""

    found: bool  # False when no row names any known column
    keys: list[str | None]  # a column key per position, None for blank or unknown headings
    unknown: list[str]
    missing: list[Column]  # required columns with no heading
    rest: Iterator[tuple[int, list[object]]]  # the rows after the heading row

    @property
    def present(self) -> tuple[str, ...]:
        """The keys of the known columns found, in file order."""
        return tuple(key for key in self.keys if key is not None)

    @property
    def usable(self) -> bool:
        return self.found and not self.missing

    @property
    def shortfall(self) -> tuple[bool, int]:
        """Sorts headings from the most to the least usable."""
        return (not self.found, len(self.missing))


class _Progress:
    """Counts rows as they are read and reports every PROGRESS_EVERY of them."""

    def __init__(self, report: Callable[[int], None] | None) -> None:
        self.report = report
        self.count = 0

    def track(self, records: Iterable[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
        for record in records:
            self.count += 1
            if self.report and self.count % PROGRESS_EVERY == 0:
                self.report(self.count)
            yield record

    def finish(self) -> None:
        if self.report:
            self.report(self.count)


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_rows: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> Table:
    """The data rows of an uploaded CSV or XLSX file, keyed by ``columns``.

    ``progress`` is called with the number of rows read so far (blank and heading rows included)
    every 1,000 rows and once at the end. Raises InvalidInput when the file is not a spreadsheet we
    can read, lacks a required column, or has more than ``max_rows`` data rows; reading stops at the
    first row over the limit.
    """
    kind = file_kind(data, filename)
    counter = _Progress(progress)
    if kind == "xlsx":
        table = _read_workbook(data, columns, max_rows, counter)
    else:
        text = decode_text(data)
        delimiter = sniff_delimiter(text, columns)
        header = _find_header(counter.track(_csv_records(text, delimiter)), columns)
        if not header.usable:
            raise InvalidInput(_missing_message(header.missing, columns))
        rows = _data_rows(header, max_rows)
        table = Table(
            rows, header.unknown, decimal_comma=delimiter == ";", sheet_name=None, kind="csv", columns=header.present
        )
    counter.finish()
    return table


def header_key(text: object) -> str:
    """A heading reduced for matching: case, spaces, underscores and dashes do not count."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(c for c in folded if not (c.isspace() or c == "_" or unicodedata.category(c) == "Pd"))


def file_kind(data: bytes, filename: str) -> str:
    """Whether to read the upload as "csv" or "xlsx", judged by content and name; InvalidInput says what else it is."""
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise InvalidInput(EMPTY)
    start = data[:1024].removeprefix(codecs.BOM_UTF8).lstrip()
    if start.startswith(b"%PDF-"):
        raise InvalidInput(PDF)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE compound file: old Office formats
        # Excel also wraps a password-protected .xlsx in this container.
        raise InvalidInput(PROTECTED if "EncryptedPackage".encode("utf-16-le") in data else OLD_EXCEL)
    if start.startswith(b"<"):  # HTML tables (and XML) that older systems name .xls
        raise InvalidInput(WEB_PAGE)
    suffix = PurePath(filename.strip()).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        named = f"Files ending {suffix}" if suffix else "Files without .xlsx or .csv at the end of their name"
        raise InvalidInput(f"{named} cannot be read here; {ACCEPTED}.")
    if data.startswith(b"PK\x03\x04"):
        _check_workbook_archive(data)
        return "xlsx"
    if suffix == ".xlsx":
        raise InvalidInput(NOT_WORKBOOK)
    return "csv"


def _check_workbook_archive(data: bytes) -> None:
    """Refuse a zip archive that is not an Excel workbook, or whose text would not fit in memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                    raise InvalidInput(OPENDOCUMENT)
                raise InvalidInput(OTHER_ARCHIVE)
            shared = sum(
                info.file_size for info in archive.infolist() if info.filename.lower().startswith("xl/sharedstrings")
            )
    except zipfile.BadZipFile as error:  # it starts like a zip archive: one cut short or damaged
        raise InvalidInput(DAMAGED) from error
    if shared > SHARED_STRINGS_LIMIT:
        raise InvalidInput(TOO_BIG)


def decode_text(data: bytes) -> str:
    """The text of a CSV: UTF-8 or UTF-16 when marked or valid, else Windows-1252; InvalidInput if it is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InvalidInput(NOT_TEXT) from error
    elif b"\x00" in data:
        raise InvalidInput(NOT_TEXT)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:  # five bytes have no Windows-1252 letter
                raise InvalidInput(UNKNOWN_ENCODING) from error
    sample = text[:SNIFF_CHARS]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r")
    if "\x00" in text or (controls > 10 and controls * 100 > len(sample)):
        raise InvalidInput(NOT_TEXT)
    if not text.strip():
        raise InvalidInput(EMPTY)
    return text


def sniff_delimiter(text: str, columns: Sequence[Column]) -> str:
    """The separator that makes the most headings match, then the one giving the widest heading row.

    Parsing the start of the file with each candidate, quotes respected, is what makes a comma inside
    a quoted cell harmless; counting characters would be fooled by it.
    """
    sample = text[:SNIFF_CHARS]
    lookup = _heading_lookup(columns)

    def fit(delimiter: str) -> tuple[int, int]:
        rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            top = [cells for cells in rows if any(cell.strip() for cell in cells)][:HEADER_SEARCH_ROWS]
        except csv.Error:
            return (-1, 0)
        if not top:
            return (0, 0)
        best = max(top, key=lambda cells: _score(cells, lookup))
        return (_score(best, lookup), len(best))

    return max(DELIMITERS, key=fit)


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[object]]]:
    """Each CSV record as (row number, cleaned cells), numbered as a spreadsheet opening the file would."""
    # Strict, so a quotation mark left open is reported instead of swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput(
                f"Row {number} has a quotation mark out of place or a cell over {csv.field_size_limit():,} "
                "characters long; correct that row and upload the file again."
            ) from error
        yield number, [_clean(cell) for cell in cells]


def _read_workbook(data: bytes, columns: Sequence[Column], max_rows: int, counter: _Progress) -> Table:
    """The rows of the first sheet whose headings name every required column."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise InvalidInput(DAMAGED) from error
    closest: tuple[str, _Header] | None = None
    try:
        sheets = book.worksheets
        for sheet in sheets:
            # The size a file declares can be wrong, and openpyxl would stop reading at it.
            sheet.reset_dimensions()
            header = _find_header(counter.track(_sheet_records(sheet)), columns)
            if header.usable:
                rows = _data_rows(header, max_rows)
                return Table(
                    rows,
                    header.unknown,
                    decimal_comma=False,
                    sheet_name=sheet.title,
                    kind="xlsx",
                    columns=header.present,
                )
            if closest is None or header.shortfall < closest[1].shortfall:
                closest = (sheet.title, header)
    finally:
        book.close()
    if closest is None or not closest[1].found:
        raise InvalidInput(_missing_message(_required(columns), columns))
    title, header = closest
    if len(sheets) == 1:
        raise InvalidInput(_missing_message(header.missing, columns))
    raise InvalidInput(
        f"No sheet in the workbook has all the columns needed ({_names(_required(columns), 'and')}): "
        f'the sheet "{title}" has no column for {_names(header.missing, "or")}.'
    )


def _sheet_records(sheet) -> Iterator[tuple[int, list[object]]]:
    """Each row of a workbook sheet as (row number, cleaned cells)."""
    try:
        # With the dimensions reset, rows missing from the file still come back (empty), so counting works.
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_clean(cell) for cell in cells]
    except Exception as error:  # a damaged sheet fails mid-way, with whatever its XML parser raises
        raise InvalidInput(DAMAGED) from error


def _clean(cell: object) -> object:
    """A cell as the importer wants it: text stripped, empty text None, a date at midnight a dt.date."""
    if isinstance(cell, str):
        return cell.strip() or None
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date()
    return cell


def _heading_lookup(columns: Sequence[Column]) -> dict[str, str]:
    """Matching key -> column key, for every key, label and alias."""
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (column.key, column.label, *column.aliases):
            match = header_key(name)
            if lookup.setdefault(match, column.key) != column.key:
                raise ValueError(f"{column.key} and {lookup[match]} both accept the heading {name!r}")
    return lookup


def _score(cells: Sequence[object], lookup: dict[str, str]) -> int:
    """How many different known columns a row's cells name."""
    return len({lookup[key] for cell in cells if cell is not None and (key := header_key(cell)) in lookup})


def _find_header(records: Iterator[tuple[int, list[object]]], columns: Sequence[Column]) -> _Header:
    """The heading row: of the first non-blank rows, the first naming the most known columns."""
    lookup = _heading_lookup(columns)
    top: list[tuple[int, list[object]]] = []
    for record in records:
        if any(cell is not None for cell in record[1]):
            top.append(record)
            if len(top) == HEADER_SEARCH_ROWS:
                break
    scores = [_score(cells, lookup) for _, cells in top]
    if not scores or max(scores) == 0:
        return _Header(False, [], [], _required(columns), iter(()))
    position = scores.index(max(scores))
    keys: list[str | None] = []
    unknown: list[str] = []
    written: dict[str, str] = {}  # column key -> its heading as written
    for cell in top[position][1]:
        key = lookup.get(header_key(cell)) if cell is not None else None
        keys.append(key)
        if cell is None:
            continue
        if key is None:
            if str(cell) not in unknown:
                unknown.append(str(cell))
        elif key in written:
            label = next(column.label for column in columns if column.key == key)
            raise InvalidInput(
                f'The file has two columns for {label} ("{written[key]}" and "{cell}"); '
                "delete one of them and upload the file again."
            )
        else:
            written[key] = str(cell)
    missing = [column for column in columns if column.required and column.key not in written]
    return _Header(True, keys, unknown, missing, chain(top[position + 1 :], records))


def _data_rows(header: _Header, max_rows: int) -> list[Row]:
    """The non-blank rows after the headings, refusing the file at the first row over ``max_rows``."""
    positions = [(index, key) for index, key in enumerate(header.keys) if key is not None]
    rows: list[Row] = []
    for number, cells in header.rest:
        if all(cell is None for cell in cells):
            continue
        if len(rows) == max_rows:
            raise InvalidInput(
                f"The file has more than {max_rows:,} rows; split it into smaller files and import them one at a time."
            )
        width = len(cells)
        values = {key: cells[index] for index, key in positions if index < width and cells[index] is not None}
        rows.append(Row(number, values))
    return rows


def _required(columns: Sequence[Column]) -> list[Column]:
    return [column for column in columns if column.required]


def _names(columns: Sequence[Column], conjunction: str) -> str:
    """Labels as a list in a sentence: "Partner", "Partner or Cycle", "Partner, Cycle or Title"."""
    labels = [column.label for column in columns]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} {conjunction} {labels[-1]}"


def _missing_message(missing: Sequence[Column], columns: Sequence[Column]) -> str:
    """The sentence for a file whose headings lack ``missing`` (or name no known column at all)."""
    expected = ", ".join(column.label for column in (_required(columns) or columns))
    if not missing:  # no required columns, and no heading the importer knows
        return f"The file has no column the importer knows; the first row must name the columns ({expected})."
    return f"The file has no column for {_names(missing, 'or')}; the first row must name the columns ({expected})."


def parse_number(value: object, *, decimal_comma: bool) -> float:
    """A cell as a number: numbers pass through; text like "53.745", or "53,745" when ``decimal_comma``.

    Raises CellError for anything else, including NaN, infinity and thousands separators.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value):
            return value
    elif isinstance(value, str):
        text = value.strip().replace("\u2212", "-")  # the minus sign word processors put in
        if decimal_comma and "." not in text:
            text = text.replace(",", ".", 1)
        if NUMBER.fullmatch(text) and math.isfinite(number := float(text)):
            return number
    example = "53,745" if decimal_comma else "53.745"
    raise CellError(f"{_shown(value)} is not a number; write numbers with digits only, like {example}.")


def parse_date(value: object) -> dt.date:
    """A cell as a date: date cells, Excel day numbers, and text written day first or as ISO (2024-09-01).

    Two-digit years are this century ("1.9.24" is 1 September 2024). Raises CellError otherwise.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _from_serial(value)
        if isinstance(value, str):
            return _date_from_text(value.strip())
    except (ValueError, OverflowError):
        pass
    raise CellError(f"{_shown(value)} is not a date; write dates day first, like 01/09/2024.")


def _date_from_text(text: str) -> dt.date:
    """A date written as text, or ValueError."""
    if SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text))
    if match := ISO_DATE.fullmatch(text):
        year, _, month, day = match.groups()
        return dt.date(int(year), int(month), int(day))
    if match := DAY_FIRST.fullmatch(text):
        day, _, month, year = match.groups()
        return dt.date(_full_year(year), int(month), int(day))
    if (match := NAMED_MONTH.fullmatch(text)) and match[2].lower() in MONTHS:
        day, month, year = match.groups()
        return dt.date(_full_year(year), MONTHS[month.lower()], int(day))
    raise ValueError(text)


def _full_year(year: str) -> int:
    return 2000 + int(year) if len(year) == 2 else int(year)


def _from_serial(serial: float) -> dt.date:
    """The date of an Excel day number (1900 date system); its fraction, the time of day, is dropped."""
    if not math.isfinite(serial) or not FIRST_SERIAL <= serial < LAST_SERIAL + 1:
        raise ValueError(serial)
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _shown(value: object) -> str:
    """A cell quoted for a message, cut short if long."""
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return "An empty cell"
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"
