"""Partner map: every service in the network, where it is, its role and what it is researching."""

import streamlit as st

from ctdash import partners, ui
from ctdash.ui import partner_map, partner_views

ui.guard(__file__)
st.title("Partner services")
st.caption("The music services of Changing Tracks and the National Music Services Working Group for Inclusion.")
choices = ui.read(partners.filter_choices)
chosen = partner_views.filters(choices)
view = ui.read(partner_map.prepare, **chosen)
partner_views.map_and_picker(view)
partner_views.partner_table(view.rows)
