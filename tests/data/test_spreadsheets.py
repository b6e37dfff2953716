"""Uploads come back as numbered rows, whatever program saved them; other files are refused in one sentence.

Every file is built here, as the programs people use would save it: openpyxl for workbooks with
merged cells and date cells, XlsxWriter for formulas with the values Excel would have saved.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile

import openpyxl
import pytest
import xlsxwriter

from ctdash import spreadsheets
from ctdash.errors import InvalidInput
from ctdash.spreadsheets import CellError, Column, Row, header_key, parse_date, parse_number, read_table

COLUMNS = [
    Column("partner", "Partner", required=True),
    Column("cycle", "Cycle", required=True),
    Column("title", "Title", required=True),
    Column("stage", "Stage", required=True),
    Column("research_question", "Research question", aliases=("question",)),
    Column("start", "Start"),
    Column("score", "Score"),
]
HEADINGS = "Partner,Cycle,Title,Stage"


def read_csv(text: str, encoding: str = "utf-8", **options):
    return read_table(text.encode(encoding), "projects.csv", COLUMNS, **options)


def workbook(sheets: dict[str, list[list]], merged: str | None = None) -> bytes:
    """An .xlsx saved by openpyxl: one sheet per item, rows as given ([] is a blank row)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if merged:
        book.worksheets[0].merge_cells(merged)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(data: bytes, **options):
    return read_table(data, "projects.xlsx", COLUMNS, **options)


def refusal(data: bytes, filename: str, columns=COLUMNS, **options) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_table(data, filename, columns, **options)
    return str(caught.value)


# Headings


@pytest.mark.parametrize(
    "heading", ["Research question", "Research  Question", "research_question", "RESEARCH-QUESTION", " question "]
)
def test_a_heading_matches_whatever_its_case_spaces_underscores_or_hyphens(heading):
    table = read_csv(f"{HEADINGS},{heading}\nHull,2024-25,Belonging,Idea,Who comes back?\n")
    assert table.rows[0].values["research_question"] == "Who comes back?"
    assert table.unknown_columns == []


def test_header_key_drops_case_spaces_underscores_and_hyphens():
    keys = {header_key(text) for text in ["Research  Question", "research_question", "RESEARCH-QUESTION"]}
    assert keys == {"researchquestion"}


def test_headings_matching_no_column_are_listed_as_written():
    table = read_csv(f"Notes ,{HEADINGS},Budget (£),,Notes\nx,Hull,2024-25,Belonging,Idea,10,,y\n")
    assert table.unknown_columns == ["Notes", "Budget (£)"]
    assert table.rows[0].values == {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea"}


def test_the_known_columns_a_file_has_are_listed_in_file_order_from_csv_and_workbook():
    assert read_csv("Start,Title,Stage,Notes,Partner,Cycle\n").columns == (
        "start",
        "title",
        "stage",
        "partner",
        "cycle",
    )
    data = workbook({"Projects": [["Stage", "Partner", "Question", "Cycle", "Title"]]})
    assert read_xlsx(data).columns == ("stage", "partner", "research_question", "cycle", "title")


def test_missing_required_columns_are_named_in_one_sentence():
    message = refusal(b"Partner,Title,Notes\nHull,Belonging,x\n", "projects.csv")
    assert message == (
        "The file has no column for Cycle or Stage; the first row must name the columns (Partner, Cycle, Title, Stage)."
    )


def test_a_file_without_any_known_heading_names_every_required_column():
    message = refusal(b"Name,Year\nHull,2024\n", "projects.csv")
    assert message == (
        "The file has no column for Partner, Cycle, Title or Stage; "
        "the first row must name the columns (Partner, Cycle, Title, Stage)."
    )


def test_a_file_without_any_known_heading_is_refused_even_when_no_column_is_required():
    optional = [Column("title", "Title"), Column("stage", "Stage")]
    message = refusal(b"Name,Year\nHull,2024\n", "projects.csv", optional)
    assert message == "The file has no column the importer knows; the first row must name the columns (Title, Stage)."


def test_two_columns_for_the_same_field_are_refused():
    message = refusal(f"{HEADINGS},title\nHull,2024-25,A,Idea,B\n".encode(), "projects.csv")
    assert message == (
        'The file has two columns for Title ("Title" and "title"); delete one of them and upload the file again.'
    )


# Where the headings are, and row numbers


def test_title_and_blank_rows_above_the_headings_are_skipped_and_counted():
    text = (
        "Projects 2024-25,,,\n\n,,,\n"
        + HEADINGS
        + "\nHull,2024-25,Belonging,Idea\n\n  ,\t, \nLeeds,2023-24,Routes,Done\n"
    )
    table = read_csv(text)
    assert table.rows == [
        Row(5, {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea"}),
        Row(8, {"partner": "Leeds", "cycle": "2023-24", "title": "Routes", "stage": "Done"}),
    ]


def test_the_heading_row_is_the_one_naming_the_most_columns():
    # The note above names one known column ("Title"); the real headings name four.
    table = read_csv("Title\nPlease fill in one row per project\n" + HEADINGS + "\nHull,2024-25,Belonging,Idea\n")
    assert table.rows == [Row(4, {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea"})]


def test_headings_below_the_first_ten_non_blank_rows_are_not_found():
    text = "".join(f"Note {n}\n" for n in range(10)) + HEADINGS + "\nHull,2024-25,Belonging,Idea\n"
    assert refusal(text.encode(), "projects.csv").startswith(
        "The file has no column for Partner, Cycle, Title or Stage"
    )


def test_a_merged_title_row_above_the_headings_in_a_workbook_is_skipped():
    data = workbook(
        {
            "Projects": [
                ["Projects 2024-25"],
                [],
                ["Partner", "Cycle", "Title", "Stage", "Start", "Notes"],
                ["Hull", "2024-25", "Belonging", "Idea", None, None],
                [],
                ["   ", None, " \t", None],
                ["Leeds", "2023-24", "Routes", "Done", None, "  late start  "],
            ]
        },
        merged="A1:F1",
    )
    table = read_xlsx(data)
    assert table.kind == "xlsx" and table.sheet_name == "Projects" and table.unknown_columns == ["Notes"]
    assert table.rows == [
        Row(4, {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea"}),
        Row(7, {"partner": "Leeds", "cycle": "2023-24", "title": "Routes", "stage": "Done"}),
    ]


def test_cells_are_stripped_and_whitespace_only_cells_are_absent():
    table = read_csv(HEADINGS + ",Research question\n  Hull , 2024-25 ,\tBelonging\t,Idea,   \n")
    assert table.rows[0].values == {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea"}


def test_short_rows_lack_the_missing_cells_and_extra_cells_are_ignored():
    table = read_csv(HEADINGS + "\nHull,2024-25\nLeeds,2023-24,Routes,Done,extra,more\n")
    assert table.rows == [
        Row(2, {"partner": "Hull", "cycle": "2024-25"}),
        Row(3, {"partner": "Leeds", "cycle": "2023-24", "title": "Routes", "stage": "Done"}),
    ]


def test_the_first_sheet_with_every_required_column_is_read():
    data = workbook(
        {
            "Instructions": [["How to fill in this workbook"], ["One row per project; Title is a short name."]],
            "Partners only": [["Partner", "Title"], ["Hull", "Belonging"]],
            "Projects": [HEADINGS.split(","), ["Leeds", "2023-24", "Routes", "Done"]],
            "Later": [HEADINGS.split(","), ["York", "2022-23", "Other", "Done"]],
        }
    )
    table = read_xlsx(data)
    assert table.sheet_name == "Projects"
    assert table.rows == [Row(2, {"partner": "Leeds", "cycle": "2023-24", "title": "Routes", "stage": "Done"})]


def test_a_workbook_with_no_complete_sheet_names_the_closest_sheet():
    data = workbook({"Instructions": [["Read me"]], "Projects": [["Partner", "Title", "Stage"], ["Hull", "A", "Idea"]]})
    assert refusal(data, "projects.xlsx") == (
        "No sheet in the workbook has all the columns needed (Partner, Cycle, Title and Stage): "
        'the sheet "Projects" has no column for Cycle.'
    )


def test_a_single_sheet_workbook_missing_a_column_gets_the_usual_sentence():
    data = workbook({"Projects": [["Partner", "Title", "Stage"], ["Hull", "A", "Idea"]]})
    assert refusal(data, "projects.xlsx") == (
        "The file has no column for Cycle; the first row must name the columns (Partner, Cycle, Title, Stage)."
    )


# CSV encodings and separators


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_accented_letters_survive_each_encoding_excel_saves(encoding):
    table = read_csv(HEADINGS + "\nCafé Sómething,2024-25,Naïve £5 “quotes”,Idea\n", encoding)
    assert table.rows[0].values["partner"] == "Café Sómething"
    assert table.rows[0].values["title"] == "Naïve £5 “quotes”"


def test_the_byte_order_mark_is_not_part_of_the_first_heading():
    table = read_csv(HEADINGS + "\nHull,2024-25,Belonging,Idea\n", "utf-8-sig")
    assert table.unknown_columns == [] and table.rows[0].values["partner"] == "Hull"


def test_text_in_no_known_encoding_is_refused():
    data = HEADINGS.encode() + b"\nHull\x81,2024-25,Belonging,Idea\n"  # 0x81: not UTF-8, no Windows-1252 letter
    assert refusal(data, "projects.csv") == spreadsheets.UNKNOWN_ENCODING


def test_a_semicolon_file_has_decimal_commas():
    table = read_csv("Partner;Cycle;Title;Stage;Score\nHull;2024-25;Belonging;Idea;53,745\n")
    assert table.decimal_comma is True
    assert table.rows[0].values["score"] == "53,745"
    assert parse_number(table.rows[0].values["score"], decimal_comma=table.decimal_comma) == 53.745


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_comma_and_tab_files_have_decimal_points(delimiter):
    lines = [["Partner", "Cycle", "Title", "Stage", "Score"], ["Hull", "2024-25", "A", "Idea", "1.5"]]
    table = read_csv("".join(delimiter.join(line) + "\n" for line in lines))
    assert table.decimal_comma is False
    assert table.rows[0].values == {
        "partner": "Hull",
        "cycle": "2024-25",
        "title": "A",
        "stage": "Idea",
        "score": "1.5",
    }


def test_commas_inside_quoted_cells_do_not_make_a_semicolon_file_look_comma_separated():
    text = (
        "Partner;Cycle;Title;Stage\n"
        '"Hull, East Riding, and the Humber, UK";2024-25;"Work, rest, play, and more, again";Idea\n'
        '"a, b, c, d, e, f";2023-24;"g, h, i";Done\n'
    )
    table = read_csv(text)
    assert table.decimal_comma is True
    assert table.rows[0].values["partner"] == "Hull, East Riding, and the Humber, UK"
    assert table.rows[1].values["title"] == "g, h, i"


def test_semicolons_inside_quoted_cells_do_not_make_a_comma_file_look_semicolon_separated():
    text = HEADINGS + '\n"Hull; East Riding; Humber",2024-25,"a; b; c; d; e; f",Idea\n'
    table = read_csv(text)
    assert table.decimal_comma is False
    assert table.rows[0].values == {
        "partner": "Hull; East Riding; Humber",
        "cycle": "2024-25",
        "title": "a; b; c; d; e; f",
        "stage": "Idea",
    }


def test_a_line_break_inside_a_quoted_cell_stays_in_the_cell_and_rows_are_numbered_by_record():
    text = (
        HEADINGS + ",Research question\r\n"
        'Hull,2024-25,Belonging,Idea,"Who comes back?\r\nAnd why?"\r\n'
        "Leeds,2023-24,Routes,Done\r\n"
    )
    table = read_csv(text)
    assert table.rows == [
        Row(
            2,
            {
                "partner": "Hull",
                "cycle": "2024-25",
                "title": "Belonging",
                "stage": "Idea",
                "research_question": "Who comes back?\r\nAnd why?",
            },
        ),
        Row(3, {"partner": "Leeds", "cycle": "2023-24", "title": "Routes", "stage": "Done"}),
    ]


def test_a_quotation_mark_left_open_is_refused_with_its_row_instead_of_swallowing_the_rest():
    text = HEADINGS + '\nHull,2024-25,Belonging,Idea\nLeeds,2023-24,"Routes,Done\nYork,2022-23,Other,Done\n'
    assert refusal(text.encode(), "projects.csv") == (
        "Row 3 has a quotation mark out of place or a cell over 131,072 characters long; "
        "correct that row and upload the file again."
    )


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil.example","click")', "+44 1234 567890", "@SUM(A1)", "-1+1", "=cmd|' /C calc'!A0"]
)
def test_text_that_looks_like_a_formula_comes_back_unchanged(cell):
    quoted = '"' + cell.replace('"', '""') + '"'
    table = read_csv(f"{HEADINGS}\nHull,2024-25,{quoted},Idea\n")
    assert table.rows[0].values["title"] == cell


def test_a_very_long_cell_is_kept_whole():
    long = "word " * 20_000 + "end"
    table = read_csv(f"{HEADINGS}\nHull,2024-25,{long},Idea\n")
    assert table.rows[0].values["title"] == long


# Workbook cells


def test_formulas_read_as_the_values_excel_saved_never_as_their_text():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Projects")
    sheet.write_row(0, 0, ["Partner", "Cycle", "Title", "Stage", "Score"])
    sheet.write_formula(1, 0, '="Hu"&"ll"', None, "Hull")
    sheet.write_row(1, 1, ["2024-25", "Belonging", "Idea"])
    sheet.write_formula(1, 4, "=1+2", None, 3)
    book.close()
    table = read_xlsx(buffer.getvalue())
    assert table.rows == [
        Row(2, {"partner": "Hull", "cycle": "2024-25", "title": "Belonging", "stage": "Idea", "score": 3})
    ]


def test_a_formula_whose_value_was_never_saved_reads_as_an_empty_cell():
    data = workbook({"Projects": [HEADINGS.split(",") + ["Score"], ["Hull", "2024-25", "Belonging", "Idea", "=1+2"]]})
    assert read_xlsx(data).rows[0].values == {
        "partner": "Hull",
        "cycle": "2024-25",
        "title": "Belonging",
        "stage": "Idea",
    }


def test_date_cells_read_as_dates_and_numbers_and_text_keep_their_types():
    data = workbook(
        {
            "Projects": [
                HEADINGS.split(",") + ["Start", "Score", "Research question"],
                ["Hull", "2024-25", "Belonging", "Idea", dt.date(2024, 9, 1), 53.745, "0123"],
                ["Leeds", 2024, "Routes", "Done", dt.datetime(2024, 9, 1, 9, 30), 7, 45292],
            ]
        }
    )
    first, second = read_xlsx(data).rows
    assert first.values["start"] == dt.date(2024, 9, 1) and type(first.values["start"]) is dt.date
    assert first.values["score"] == 53.745 and first.values["research_question"] == "0123"
    assert second.values["start"] == dt.datetime(2024, 9, 1, 9, 30)
    assert second.values["cycle"] == 2024 and second.values["score"] == 7
    assert parse_date(second.values["research_question"]) == dt.date(2024, 1, 1)


def test_excel_day_numbers_read_as_dates_whether_stored_as_numbers_or_text():
    data = workbook({"Projects": [HEADINGS.split(",") + ["Start"], ["Hull", "2024-25", "A", "Idea", 45292]]})
    number = read_xlsx(data).rows[0].values["start"]
    text = read_csv(HEADINGS + ",Start\nHull,2024-25,A,Idea,45292\n").rows[0].values["start"]
    assert (number, text) == (45292, "45292")
    assert parse_date(number) == parse_date(text) == dt.date(2024, 1, 1)


def test_rows_past_a_wrongly_declared_sheet_size_are_still_read():
    data = workbook(
        {"Projects": [HEADINGS.split(","), ["Hull", "2024-25", "A", "Idea"], ["Leeds", "2023-24", "B", "Done"]]}
    )
    source, rewritten = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B2"', content)
                assert count == 1
            target.writestr(item, content)
    table = read_xlsx(rewritten.getvalue())
    assert [(row.number, row.values["partner"], row.values["stage"]) for row in table.rows] == [
        (2, "Hull", "Idea"),
        (3, "Leeds", "Done"),
    ]


def test_a_workbook_named_csv_is_read_as_a_workbook():
    data = workbook({"Projects": [HEADINGS.split(","), ["Hull", "2024-25", "A", "Idea"]]})
    table = read_table(data, "projects.csv", COLUMNS)
    assert table.kind == "xlsx" and table.rows[0].values["partner"] == "Hull"


# Files that are refused


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
TEXT = (HEADINGS + "\nHull,2024-25,A,Idea\n").encode()
NOT_A_ZIP = bytes(range(256)) * 4  # starts with NUL: no signature of any known format


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "projects.csv", spreadsheets.EMPTY),
        (b"", "projects.xlsx", spreadsheets.EMPTY),
        (b" \r\n\t \n", "projects.csv", spreadsheets.EMPTY),
        (b"\xef\xbb\xbf \r\n", "projects.csv", spreadsheets.EMPTY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "projects.xlsx", spreadsheets.PDF),
        (b"%PDF-1.4\n", "projects.csv", spreadsheets.PDF),
        (b"<html><body><table><tr><td>Partner</td></tr></table>", "projects.xls", spreadsheets.WEB_PAGE),
        (b"\xef\xbb\xbf\r\n  <table><tr><td>Partner</td></tr></table>", "projects.xlsx", spreadsheets.WEB_PAGE),
        (OLE, "projects.xls", spreadsheets.OLD_EXCEL),
        (OLE, "projects.xlsx", spreadsheets.OLD_EXCEL),
        (OLE + "EncryptedPackage".encode("utf-16-le"), "projects.xlsx", spreadsheets.PROTECTED),
        (NOT_A_ZIP, "projects.xlsx", spreadsheets.NOT_WORKBOOK),
        (TEXT, "projects.xlsx", spreadsheets.NOT_WORKBOOK),
        (_zip({"word/document.xml": b"<w/>"}), "projects.xlsx", spreadsheets.OTHER_ARCHIVE),
        (_zip({"word/document.xml": b"<w/>"}), "projects.csv", spreadsheets.OTHER_ARCHIVE),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "projects.xlsx",
            spreadsheets.OPENDOCUMENT,
        ),
        (b"PK\x03\x04" + bytes(100), "projects.xlsx", spreadsheets.DAMAGED),
        (_zip({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<"}), "projects.xlsx", spreadsheets.DAMAGED),
        (NOT_A_ZIP, "projects.csv", spreadsheets.NOT_TEXT),
        (TEXT.replace(b"Hull", b"Hu\x00ll"), "projects.csv", spreadsheets.NOT_TEXT),
        (bytes(range(1, 32)) * 40, "projects.csv", spreadsheets.NOT_TEXT),
        (
            TEXT,
            "projects.txt",
            "Files ending .txt cannot be read here; save the spreadsheet as .xlsx or .csv and upload that.",
        ),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "projects.ods",
            "Files ending .ods cannot be read here; save the spreadsheet as .xlsx or .csv and upload that.",
        ),
        (
            _zip({"Index/Document.iwa": b"x"}),
            "Projects.NUMBERS",
            "Files ending .numbers cannot be read here; save the spreadsheet as .xlsx or .csv and upload that.",
        ),
        (
            TEXT,
            "projects",
            "Files without .xlsx or .csv at the end of their name cannot be read here; "
            "save the spreadsheet as .xlsx or .csv and upload that.",
        ),
    ],
    ids=[
        "empty csv",
        "empty xlsx",
        "whitespace only",
        "byte-order mark and whitespace",
        "pdf named xlsx",
        "pdf named csv",
        "html named xls",
        "html named xlsx after bom and spaces",
        "old xls",
        "old xls named xlsx",
        "password-protected xlsx",
        "random bytes named xlsx",
        "csv text named xlsx",
        "word document named xlsx",
        "word document named csv",
        "opendocument named xlsx",
        "zip cut short",
        "workbook with broken xml",
        "random bytes named csv",
        "nul byte in csv",
        "control characters named csv",
        "txt extension",
        "ods extension",
        "numbers extension",
        "no extension",
    ],
)
def test_files_that_are_not_readable_spreadsheets_are_refused_in_one_sentence(data, filename, message):
    assert refusal(data, filename) == message
    assert message.endswith(".") and not re.search(r"[.!?]\s+[A-Z]", message)  # one sentence


def test_a_workbook_with_too_much_text_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(spreadsheets, "SHARED_STRINGS_LIMIT", 1000)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)  # Excel and XlsxWriter keep text in one shared list; openpyxl does not
    sheet = book.add_worksheet("Projects")
    sheet.write_row(0, 0, HEADINGS.split(","))
    for n in range(1, 200):
        sheet.write_row(n, 0, [f"Partner {n}", "2024-25", "A", "Idea"])
    book.close()
    data = buffer.getvalue()
    assert refusal(data, "projects.xlsx") == spreadsheets.TOO_BIG


# Row limit and progress


def test_a_file_at_the_row_limit_is_read_whole():
    text = HEADINGS + "\n" + "".join(f"Hull,2024-25,Project {n},Idea\n" for n in range(100))
    assert len(read_csv(text, max_rows=100).rows) == 100


def test_a_file_over_the_row_limit_is_refused_with_the_limit_in_the_sentence():
    text = HEADINGS + "\n" + "".join(f"Hull,2024-25,Project {n},Idea\n\n" for n in range(101))
    with pytest.raises(InvalidInput) as caught:
        read_csv(text, max_rows=100)
    assert str(caught.value) == (
        "The file has more than 100 rows; split it into smaller files and import them one at a time."
    )


def test_a_workbook_over_the_row_limit_is_refused():
    data = workbook({"Projects": [HEADINGS.split(",")] + [["Hull", "2024-25", f"P{n}", "Idea"] for n in range(101)]})
    assert refusal(data, "projects.xlsx", max_rows=100) == (
        "The file has more than 100 rows; split it into smaller files and import them one at a time."
    )


def test_a_million_row_file_is_refused_without_being_read_to_the_end():
    data = (HEADINGS + "\n").encode() + b"Hull,2024-25,Belonging,Idea\n" * 1_000_000
    counts: list[int] = []
    started = time.perf_counter()
    message = refusal(data, "projects.csv", progress=counts.append)
    elapsed = time.perf_counter() - started
    assert message == "The file has more than 50,000 rows; split it into smaller files and import them one at a time."
    # Reading stops at record 50,002 (the 50,001st data row): progress reaches 50,000 and never 51,000.
    assert counts[-1] == 50_000
    assert elapsed < 10  # generous for a busy machine; it takes well under a second


def test_progress_is_reported_every_thousand_rows_and_at_the_end():
    text = HEADINGS + "\n" + "Hull,2024-25,Belonging,Idea\n" * 2_500
    counts: list[int] = []
    table = read_csv(text, progress=counts.append)
    assert counts == [1000, 2000, 2501]  # the heading row counts as read
    assert len(table.rows) == 2_500


def test_progress_is_reported_for_a_workbook():
    data = workbook({"Projects": [HEADINGS.split(",")] + [["Hull", "2024-25", f"P{n}", "Idea"] for n in range(1_200)]})
    counts: list[int] = []
    read_xlsx(data, progress=counts.append)
    assert counts == [1000, 1201]


# parse_date and parse_number


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2024, 9, 1),
        dt.datetime(2024, 9, 1, 15, 30),
        45536,
        45536.75,
        "45536",
        "01/09/2024",
        "1/9/2024",
        "01-09-2024",
        "1.9.24",
        "01/09/24",
        "2024-09-01",
        "2024-09-01 00:00:00",
        "2024-09-01T10:30:00",
        "1 Sep 2024",
        "1 September 2024",
        "1st September 2024",
        "01-Sep-24",
        " 1 sept 2024 ",
        "1 SEP 2024",
    ],
)
def test_dates_are_read_day_first_from_cells_day_numbers_and_text(value):
    assert parse_date(value) == dt.date(2024, 9, 1)


def test_an_excel_day_number_counts_from_the_1900_date_system():
    assert [parse_date(45292), parse_date(10_000), parse_date(2_958_465)] == [
        dt.date(2024, 1, 1),
        dt.date(1927, 5, 18),
        dt.date(9999, 12, 31),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2024",
        "2024-13-01",
        "next week",
        "09/31/2024",
        "32 Sep 2024",
        "1 Smarch 2024",
        "2024",
        2024,
        9_999,
        2_958_466,
        -5,
        float("nan"),
        True,
        "1/9",
        "",
    ],
)
def test_anything_else_is_not_a_date(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_the_date_error_shows_the_cell_and_how_to_write_a_date():
    with pytest.raises(ValueError) as caught:
        parse_date("31/02/2024")
    assert str(caught.value) == "'31/02/2024' is not a date; write dates day first, like 01/09/2024."


def test_a_long_cell_is_cut_short_in_the_message():
    with pytest.raises(CellError) as caught:
        parse_date("x" * 500)
    assert str(caught.value) == "'" + "x" * 40 + "…' is not a date; write dates day first, like 01/09/2024."


@pytest.mark.parametrize(
    ("value", "decimal_comma", "number"),
    [
        (3, False, 3),
        (2.5, False, 2.5),
        ("53.745", False, 53.745),
        (" -0.336 ", False, -0.336),
        ("+7", False, 7.0),
        ("1e3", False, 1000.0),
        ("\u22120.5", False, -0.5),
        ("53,745", True, 53.745),
        ("-0,336", True, -0.336),
        ("53.745", True, 53.745),
    ],
)
def test_numbers_pass_through_and_text_numbers_are_read(value, decimal_comma, number):
    assert parse_number(value, decimal_comma=decimal_comma) == number


@pytest.mark.parametrize(
    ("value", "decimal_comma"),
    [
        ("abc", False),
        ("53,745", False),
        ("1.234,5", True),
        ("1,234,5", True),
        ("nan", False),
        ("inf", False),
        ("1e999", False),
        (float("nan"), False),
        (float("inf"), False),
        ("1_000", False),
        ("١٢", False),
        (True, False),
        ("", False),
        (None, False),
        (dt.date(2024, 9, 1), False),
    ],
)
def test_anything_else_is_not_a_number(value, decimal_comma):
    with pytest.raises(CellError):
        parse_number(value, decimal_comma=decimal_comma)


def test_the_number_error_shows_the_cell_and_how_to_write_a_number():
    messages = []
    for decimal_comma in (False, True):
        with pytest.raises(CellError) as caught:
            parse_number("abc", decimal_comma=decimal_comma)
        messages.append(str(caught.value))
    assert messages == [
        "'abc' is not a number; write numbers with digits only, like 53.745.",
        "'abc' is not a number; write numbers with digits only, like 53,745.",
    ]


def test_an_empty_cell_is_named_as_such():
    with pytest.raises(CellError) as caught:
        parse_number("  ", decimal_comma=False)
    assert str(caught.value) == "An empty cell is not a number; write numbers with digits only, like 53.745."
