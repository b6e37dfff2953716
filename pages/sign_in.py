"""Sign in with a username and password."""

import streamlit as st

from ctdash import ui
from ctdash.format import plain
from ctdash.ui import auth

ui.guard(__file__)
st.title("Sign in")
left, _ = st.columns([2, 3])
with left:
    if auth.sign_in_form():
        name = plain(st.session_state.get("name") or "")
        st.success(f"Welcome, {name}. You are signed in.", icon=":material/check_circle:")
        st.page_link("pages/home.py", label="Go to the home page", icon=":material/home:")
    else:
        st.caption(
            "Accounts are made by the Changing Tracks programme team. Forgotten your password? Ask them to reset it."
        )
