"""Downloads of the findings in a view, as CSV and as an Excel workbook, built only when clicked."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ctdash import export
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
    tables = deferred(export.findings_tables, finding_ids=ids)
    count = f"{len(ids):,} finding{'' if len(ids) == 1 else 's'}"
    empty = "Nothing to download: no finding is in this view." if not ids else None
    with st.container(horizontal=True, key=f"{key}_downloads"):
        st.download_button(
            "CSV",
            data=lambda: export.findings_csv(tables()),
            file_name=export.file_name("csv"),
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
            disabled=not ids,
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
            disabled=not ids,
            help=empty or f"The {count} in this view, and a second sheet listing their attachments.",
        )
