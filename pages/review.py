"""The review queue: submitted findings for facilitators and administrators to publish or return."""

import streamlit as st

from ctdash import findings, ui
from ctdash.ui import finding_views

viewer = ui.guard(__file__)
st.title("Review queue")
finding_views.review_queue(ui.read(findings.review_queue, limit=finding_views.queue_limit()))
