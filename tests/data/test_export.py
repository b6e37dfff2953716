"""Tables leaving ctdash for a spreadsheet carry no cell a spreadsheet would run as a formula."""

import pandas as pd
import pytest

from ctdash import audit, export

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
