"""A tiny Streamlit script for the browser test of the presenter's wall screens: ``?m=ID`` shows that session's
welcome panel and its live board, as the presenter view will."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by `streamlit run`: make ctdash importable

import streamlit as st  # noqa: E402

from ctdash.ui import wall_views  # noqa: E402

st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
meeting_id = int(st.query_params.get("m", "0"))
wall_views.welcome_panel(meeting_id)
wall_views.live_board(meeting_id)
