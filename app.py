"""ctdash entry point: page setup, database check, sign-in, navigation built for the viewer's role."""

import streamlit as st

from ctdash import permissions, ui
from ctdash.ui import auth, navigation

st.set_page_config(page_title="Changing Tracks dashboard", page_icon=":material/diversity_3:", layout="wide")
ui.start()

with st.sidebar:
    st.markdown("### Changing Tracks")
    menu_area = st.container()
    st.divider()
    who_area, sign_out_area = st.container(), st.container()

with ui.user_errors():  # anything unexpected, here or in a page, is logged and never shown as a trace
    viewer = auth.authenticate(sign_out_area)
    account = ui.current_account()
    navigation.who(viewer, account.partner_name if account else None, who_area)
    setup_needed = ui.setup_needed()
    page = navigation.build(viewer, setup_needed=setup_needed, menu_area=menu_area)
    notice = auth.notice_for(page.url_path)
    if notice:
        st.info(notice, icon=":material/info:")
        if permissions.refusal(viewer, navigation.page_file(page), setup_needed=setup_needed):
            # Signed out on a page for signed-in people: the notice already says why the page is
            # gone, and the page's own refusal under it would be a second message saying the same.
            st.page_link("pages/sign_in.py", label="Sign in", icon=":material/login:")
            st.stop()
    ui.shell_ran(setup_needed=setup_needed)
    page.run()
