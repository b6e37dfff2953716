"""One finding: every field, its files, its history, and for reviewers the publish and return box."""

import streamlit as st

from ctdash import findings, permissions, ui
from ctdash.ui import finding_views

viewer = ui.guard(__file__)
if permissions.may(viewer, permissions.REVIEW_FINDINGS):
    st.page_link("pages/review.py", label="Review queue", icon=":material/arrow_back:")
elif viewer.signed_in:
    st.page_link("pages/my_findings.py", label="My findings", icon=":material/arrow_back:")
heading = st.empty()
heading.title("Finding")  # until the finding is read: a finding the viewer may not see never shows its title
finding_id = finding_views.finding_from_url()
if finding_id is None:
    st.info(
        "That link does not name a finding. Open one from a partner's profile, a research project or My findings.",
        icon=":material/help:",
    )
    st.stop()
detail = ui.read(findings.detail, finding_id=finding_id)
review_area = finding_views.show_finding(detail, heading)
# Drawn beside the finding and saved once the whole page is drawn, so a conflict shows in the box.
with review_area:
    action = finding_views.review_box(detail, viewer)
if action is not None:
    finding_views.save_review(action, detail, viewer)
