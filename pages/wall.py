"""Live wall: attendees post a barrier or an enabler from their phones; facilitators run the wall."""

import streamlit as st

from ctdash import ui, wall
from ctdash.format import plain
from ctdash.ui import wall_views

viewer = ui.guard(__file__)
st.title("Live wall")
meeting = ui.read(wall.find, code=st.query_params.get("s", ""))
if meeting is None:
    st.info(wall.NO_WALL, icon=":material/info:")
    st.stop()

where = f" · {plain(meeting.place)}" if meeting.place else ""
st.markdown(f"**{plain(meeting.title)}**")
st.caption(f"{meeting.held_on.day} {meeting.held_on:%B %Y}{where}")
wall_views.count_this_device(meeting, viewer)
staff = wall.may_moderate(viewer)

if staff:
    with st.expander("Run this wall", expanded=True, icon=":material/tune:"):
        wall_views.wall_switches(meeting)
if meeting.wall_open:
    wall_views.post_form(meeting, viewer)
else:
    st.info("The wall is closed: attendees cannot post or see it until you open it.", icon=":material/lock:")

st.header("On the wall")
wall_views.live_board(meeting.id, large=False)
if staff:
    st.divider()
    wall_views.moderation_panel(meeting.id)
