"""Research status: every project on a board by stage, a timeline since 2018, and counts."""

import streamlit as st

from ctdash import projects, ui
from ctdash.ui import project_views
from ctdash.ui.forms import EditForm

viewer = ui.guard(__file__)
st.title("Research status")
st.caption("Where each action research project has got to. Open a card for the project, its findings and history.")
choices = ui.read(projects.board_choices)
new_project = None
if projects.may_add(viewer):
    new_form = EditForm("new_project", fields=project_views.PROJECT_FIELDS)
    # Drawn only while open: ten fields on every rerun of the board would cost a presenter time.
    add_area = st.expander("Add a research project", icon=":material/add:", key="add_project", on_change="rerun")
    with add_area:
        if add_area.open:
            new_project = project_views.project_form(new_form, choices=choices, viewer=viewer, submit="Add project")

chosen = project_views.filters(choices)
change = None
# Only the open view is drawn; the URL names it (?view=Timeline), so a presenter can link to it.
board_tab, timeline_tab, table_tab = st.tabs(project_views.VIEWS, key="view", on_change="rerun", bind="query-params")
with board_tab:
    if board_tab.open:
        # Only the cards drawn are read: a board of every project is a few dozen rows.
        kept = project_views.open_moves()
        columns = ui.read(projects.board_columns, per_stage=project_views.cards_to_read(), keep=kept, **chosen)
        change = project_views.board(columns, viewer, kept=kept)
with timeline_tab:
    if timeline_tab.open:
        project_views.timeline(ui.read(projects.board, **chosen))
with table_tab:
    if table_tab.open:
        project_views.summaries(ui.read(projects.board, **chosen))

# Changes are saved once the whole page is drawn, so a mistake or a conflict shows beside its form
# (in the expander, or in the card's popover) with the board intact behind it.
if new_project is not None:
    with add_area, ui.open_session(new_form) as session:
        project_id = projects.create_project(session, viewer=viewer, **new_project)
    ui.done(
        f"{new_project['title'].strip()} is added.",
        page=project_views.PROJECT_PAGE,
        query_params={"id": str(project_id)},
    )
if change is not None:
    with change.area, ui.open_session(change.form) as session:
        projects.change_stage(
            session,
            viewer=viewer,
            project_id=change.card.id,
            expected_version=change.seen_version,
            **change.values,
        )
    ui.done(f"{change.card.title} is now at “{project_views.stage_label(change.values['stage'])}”.")
