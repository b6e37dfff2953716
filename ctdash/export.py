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
"""

from __future__ import annotations

import pandas as pd

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
