"""My findings: what the signed-in person has shared, and what each needs from them."""

import streamlit as st

from ctdash import findings, ui
from ctdash.ui import finding_views

viewer = ui.guard(__file__)
st.title("My findings")
st.caption("The findings you have shared or started: returned ones first, then the most recently changed.")
finding_views.my_findings(ui.read(findings.my_findings))
