"""Working-group sessions: upcoming and past, a new one, or a copy of a past one."""

import streamlit as st

from ctdash import audit, meetings, ui
from ctdash.ui import meeting_views
from ctdash.ui.forms import EditForm

viewer = ui.guard(__file__)
st.title("Sessions")
listing = ui.read(meetings.list_meetings, today=audit.today())
if listing.may_run:
    st.caption("Prepare a session's agenda here, then present it and open its live wall from the session's page.")
else:
    st.caption("The agendas of the working group's past sessions.")
new_values = None
if listing.may_run:
    new_form = EditForm("new_meeting", fields=meeting_views.DETAIL_FIELDS)
    add_area = st.expander("New session", icon=":material/add:", key="new_session", on_change="rerun")
    with add_area:
        if add_area.open:
            new_values = meeting_views.details_form(new_form, submit="Create session")
duplicate = meeting_views.session_lists(listing)

if new_values is not None:
    with add_area, ui.open_session(new_form) as session:
        meeting_id = meetings.create(session, viewer=viewer, **new_values)
    ui.done(
        f"{new_values['title'].strip()} is created: add its agenda below.",
        page=meeting_views.SESSION_PAGE,
        query_params={"id": str(meeting_id)},
    )
if duplicate is not None:
    with duplicate.area, ui.open_session() as session:
        meeting_id = meetings.duplicate(session, duplicate.summary.id, viewer=viewer, held_on=duplicate.held_on)
    ui.done(
        f"{duplicate.summary.title} is copied to {duplicate.held_on:%d/%m/%Y}.",
        page=meeting_views.SESSION_PAGE,
        query_params={"id": str(meeting_id)},
    )
