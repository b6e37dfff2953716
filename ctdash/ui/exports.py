"""Downloads of the findings in a view, as CSV and as an Excel workbook, built only when clicked."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ctdash import export, library
from ctdash.ui.database import deferred


def download_buttons(finding_ids: Sequence[int], *, key: str) -> None:
    """Two buttons, "CSV" and "Excel", that download the findings ``finding_ids`` names, in that order.

    ``finding_ids`` is the viewer's current view; the export applies the viewer's scope again all the
    same. Nothing is built on a rerun: Streamlit calls ``data`` on its own thread when a button is
    clicked, and that call reads through a read-only session for the viewer of this run
    (``ui.deferred``: session state and caches are out of reach on that thread). ``key`` prefixes the
    buttons' keys (``{key}_csv``, ``{key}_xlsx``), so a page can have several.
    """
    ids = tuple(int(finding_id) for finding_id in finding_ids)
    _buttons(deferred(export.findings_tables, finding_ids=ids), len(ids), key=key)


def library_buttons(query: library.Query, total: int, *, key: str) -> None:
    """The same two buttons for a view of the findings library: its findings are found again when
    a button is clicked, so a rerun never lists every id of a large view."""
    _buttons(deferred(library.export_view, query=query), total, key=key)


def _buttons(tables: Callable[[], export.FindingTables], total: int, *, key: str) -> None:
    count = f"{total:,} finding{'' if total == 1 else 's'}"
    empty = "Nothing to download: no finding is in this view." if not total else None
    with st.container(horizontal=True, key=f"{key}_downloads"):
        st.download_button(
            "CSV",
            data=lambda: export.findings_csv(tables()),
            file_name=export.file_name("csv"),
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
            disabled=not total,
            help=empty or f"The {count} in this view, one row each, for any spreadsheet (attachments counted).",
        )
        st.download_button(
            "Excel",
            data=lambda: export.to_xlsx(tables()),
            file_name=export.file_name("xlsx"),
            mime=export.XLSX_MIME,
            key=f"{key}_xlsx",
            on_click="ignore",
            icon=":material/download:",
            disabled=not total,
            help=empty or f"The {count} in this view, and a second sheet listing their attachments.",
        )
