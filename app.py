"""ctdash entry point: page setup, database check, navigation."""

import streamlit as st

from ctdash import ui

st.set_page_config(page_title="Changing Tracks dashboard", page_icon=":material/diversity_3:", layout="wide")
ui.start()

pages = [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)]
st.navigation(pages).run()
