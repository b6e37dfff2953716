"""One finding: every field, its files, its history, for reviewers the publish and return box, and for the
working group its support and challenge."""

import streamlit as st

from ctdash import comments, findings, permissions, ui
from ctdash.ui import comment_views, finding_views

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
# The working group's comments are for signed-in people only: visitors see neither them nor the form.
comment_action = None
if permissions.may_comment(viewer):
    comment_action = comment_views.section(ui.read(comments.discussion, finding_id=finding_id), viewer)
if action is not None:
    finding_views.save_review(action, detail, viewer)
elif comment_action is not None:
    comment_views.save(comment_action, detail, viewer)
