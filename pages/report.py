"""Programme report (facilitators and administrators): a cycle's published work for the funder, as Word and PDF."""

import streamlit as st

from ctdash import report, ui
from ctdash.ui import report_views

viewer = ui.guard(__file__)
st.title("Programme report")
st.caption(
    "One academic year of Changing Tracks for the funder: partner services and their roles, research "
    "projects by stage, published findings by kind and theme, the highlights you choose here, and the "
    "working group's sessions held. Only published content is counted."
)
cycles = ui.read(report.cycles)
if not cycles:
    st.info(
        "No cycle has published findings or research projects yet (example data is never counted in a report); "
        "a report can be built once one has."
    )
    st.stop()
cycle = st.selectbox("Cycle (academic year)", cycles, key="report_cycle")
report_views.preview(ui.read(report.gather, cycle=cycle))
report_views.highlights(ui.read(report.highlight_choices, cycle=cycle), viewer=viewer, cycle=cycle)
report_views.downloads(cycle)
