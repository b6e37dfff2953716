"""Audit log (administrators): sign-ins and every change to people, with filters and CSV export."""

import datetime as dt

import streamlit as st

from ctdash import audit, export, ui
from ctdash.ui import components

viewer = ui.guard(__file__)
st.title("Audit log")
left, middle, right = st.columns([2, 2, 2])
actions = left.multiselect(
    "Actions", list(audit.ACTIONS), format_func=audit.ACTIONS.get, key="audit_actions", placeholder="All actions"
)
who = middle.text_input("Who", key="audit_who", placeholder="Name or username", max_chars=audit.MAX_WHO_CHARS)
today = audit.today()
period = right.date_input(
    "Dates (UK)", value=(today - dt.timedelta(days=30), today), key="audit_dates", format="DD/MM/YYYY"
)
since, until = (period + (None, None))[:2] if isinstance(period, tuple) else (period, None)

with ui.open_session() as session:
    events = audit.search(session, viewer=viewer, actions=tuple(actions), who=who, since=since, until=until)
st.caption(f"{len(events)} events, newest first." + (" Showing the newest 5,000." if len(events) >= 5000 else ""))
shown = export.spreadsheet_safe(events)
chosen = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    key="audit_table",
    on_select="rerun",
    selection_mode="single-row",
    column_config=components.AUDIT_COLUMNS,
)
components.audit_details(shown, chosen.selection.rows)
st.download_button(
    "Download as CSV",
    audit.to_csv(events),
    file_name=f"ctdash-audit-{today:%Y-%m-%d}.csv",
    mime="text/csv",
    key="audit_csv",
    icon=":material/download:",
)
