"""One partner service: who they are, their roles over time, research projects and published findings."""

import streamlit as st

from ctdash import partners, ui
from ctdash.ui import partner_views
from ctdash.ui.forms import EditForm

viewer = ui.guard(__file__)
partner_id = partner_views.partner_from_url(ui.read(partners.known_ids), ui.read(partners.map_rows))
if partner_id is None:
    st.stop()
profile = ui.read(partners.profile, partner_id=partner_id)
st.page_link("pages/partners.py", label="Partner map", icon=":material/arrow_back:")
partner_views.show_profile(profile, viewer)

if partner_views.may_edit(viewer):
    form = EditForm(f"partner_{profile.id}", fields=partner_views.EDIT_FIELDS)
    seen_version = form.seen_version(profile.version)
    with st.expander("Edit this partner service", icon=":material/edit:"):
        values = partner_views.edit_form(form, profile)
    if values:
        with ui.open_session(form) as session:
            partners.update_partner(
                session, viewer=viewer, partner_id=profile.id, expected_version=seen_version, **values
            )
        ui.done(f"{values['name']} is saved.")
elif viewer.partner_id == profile.id:
    form = EditForm(f"partner_text_{profile.id}", fields=("profile_text",))
    seen_version = form.seen_version(profile.version)
    with st.expander("Edit your service's profile text", icon=":material/edit:"):
        text = partner_views.profile_text_form(form, profile)
    if text is not None:
        with ui.open_session(form) as session:
            partners.update_profile_text(
                session, viewer=viewer, partner_id=profile.id, expected_version=seen_version, profile_text=text
            )
        ui.done("Your service's profile is saved.")
