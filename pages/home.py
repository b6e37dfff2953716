"""Home: what the programme is, what is new since the person's last visit, the key numbers, and the newest findings."""

import streamlit as st

from ctdash import ui
from ctdash.overview import load_overview
from ctdash.seed import load_programme
from ctdash.ui import components, whats_new

viewer = ui.guard(__file__)
overview = ui.read(load_overview)
components.programme_intro(load_programme())
components.example_notice(overview, viewer=viewer)
whats_new.box(ui.current_account())
components.key_numbers(overview)

left, right = st.columns(2, gap="large")
with left:
    components.count_chart(
        overview.projects_by_stage,
        title="Research projects by stage",
        noun="Research projects",
        key="projects_by_stage",
    )
    components.count_chart(
        overview.findings_by_kind, title="Findings by kind", noun="Findings you can see", key="findings_by_kind"
    )
with right:
    st.subheader("Latest published findings")
    components.finding_cards(overview.latest_findings, empty="No findings have been published yet.")
