"""One working-group session: its details and agenda; facilitators change both and present from here."""

import streamlit as st

from ctdash import audit, meetings, slides, ui
from ctdash.ui import meeting_views, pack_views


def meeting_pack() -> None:
    st.subheader("Meeting pack")
    st.caption("The agenda as a PowerPoint file and a PDF handout, with the charts and the wall's posts by theme.")
    pack_views.pack_downloads(lambda: ui.read(slides.for_pack, meeting_id=meeting_id))


viewer = ui.guard(__file__)
st.page_link(meeting_views.SESSIONS_PAGE, label="Sessions", icon=":material/arrow_back:")
meeting_id = meeting_views.meeting_from_url()
if meeting_id is None:
    st.title("Session")
    st.info("That link does not name a session. Open one from the Sessions page.", icon=":material/help:")
    st.stop()
clicked = meeting_views.clicked_change()
if clicked is not None:
    meeting_views.save_change(clicked, viewer)
detail = ui.read(meetings.get, meeting_id=meeting_id, today=audit.today())
meeting_views.show_header(detail)
if not detail.may_edit:
    meeting_views.show_agenda(detail)
    meeting_pack()
    st.stop()

meeting_views.run_links(detail)
form = meeting_views.detail_form(detail.id)
seen_version = form.seen_version(detail.version)
with st.expander("Edit details", icon=":material/edit:"):
    values = meeting_views.details_form(form, detail=detail, submit="Save details")
change = meeting_views.agenda_builder(detail, ui.read(meetings.agenda_choices))
meeting_pack()

if values is not None:
    meeting_views.save_details(form, detail, seen_version, values, viewer)
if change is not None:
    meeting_views.save_change(change, viewer)
