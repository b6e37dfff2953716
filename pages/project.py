"""One research project: its question, stage and dates, its findings and its history."""

import streamlit as st

from ctdash import projects, ui
from ctdash.ui import project_views
from ctdash.ui.forms import EditForm

viewer = ui.guard(__file__)
st.page_link("pages/research.py", label="Research status", icon=":material/arrow_back:")
project_id = project_views.project_from_url()
if project_id is None:
    st.title("Research project")
    st.info(
        "That link does not name a research project. Open one from the research status board.", icon=":material/help:"
    )
    st.stop()
detail = ui.read(projects.detail, project_id=project_id)
project_views.show_project(detail)

if projects.may_edit(viewer, detail.partner_id):
    form = EditForm(f"project_{detail.id}", fields=project_views.PROJECT_FIELDS)
    seen_version = form.seen_version(detail.version)
    choices = ui.read(projects.board_choices)
    with st.expander("Edit this project", icon=":material/edit:"):
        values = project_views.project_form(form, choices=choices, viewer=viewer, detail=detail, submit="Save project")
        if values:
            with ui.open_session(form) as session:
                projects.update_project(
                    session, viewer=viewer, project_id=detail.id, expected_version=seen_version, **values
                )
            ui.done(f"{values['title'].strip()} is saved.")
