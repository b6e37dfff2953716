"""Every page's frame: the guard each page runs first, and messages after a change."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ctdash import permissions
from ctdash.format import plain
from ctdash.ui.who import current_account, viewer
from ctdash.viewer import Viewer

FLASH = "_ctdash_flash"
SHELL_RAN = "_ctdash_shell_ran"


def shell_ran(*, setup_needed: bool) -> None:
    """Called by app.py once sign-in and navigation are done for this run; the page's guard reads it."""
    st.session_state[SHELL_RAN] = {"setup_needed": setup_needed}


def done(message: str, *, page: str | None = None, query_params: dict[str, str] | None = None) -> None:
    """After a successful change: rerun so the page shows the new state, with ``message`` on top.

    With ``page``, go there instead (a record just created opens on its own page).
    """
    st.session_state[FLASH] = message
    if page is not None:
        st.switch_page(page, query_params=query_params)
    st.rerun()


def guard(page_file: str) -> Viewer:
    """Every page's first line: refuse politely, and stop, unless this viewer may see the page now."""
    shell = st.session_state.pop(SHELL_RAN, None)
    if shell is None:
        # With a pages/ folder, Streamlit's legacy multipage mode runs a page script on its own,
        # without app.py, until st.navigation has run once in the process: the first request a
        # fresh server gets. No project code runs before that request's session decides its mode,
        # so it cannot be prevented; show nothing and go round again through app.py, which leaves
        # that mode for good. (client.showSidebarNavigation = false in .streamlit/config.toml keeps
        # the legacy mode's list of every file in pages/ out of the sidebar meanwhile.)
        PagesManager.uses_pages_directory = False
        st.rerun()
    current = viewer()
    file = page_file.rsplit("/", 1)[-1]
    reason = permissions.refusal(current, file, setup_needed=shell["setup_needed"])
    if reason and current.signed_in and permissions.rule_for(file).audience == {permissions.ANONYMOUS}:
        st.switch_page("pages/home.py")  # e.g. the sign-in page, just after signing in
    flash = st.session_state.pop(FLASH, None)
    if reason:
        # A change that has just closed this page (the first-run setup) says what it did instead.
        if flash:
            st.success(plain(flash), icon=":material/check_circle:")
        else:
            st.info(plain(reason), icon=":material/lock:")
        if shell["setup_needed"]:
            st.page_link("pages/setup.py", label="First-run setup", icon=":material/rocket_launch:")
        elif not current.signed_in:
            st.page_link("pages/sign_in.py", label="Sign in", icon=":material/login:")
        st.stop()
    if flash:
        st.success(plain(flash), icon=":material/check_circle:")
        st.toast(plain(flash), icon=":material/check_circle:")  # seen even when the page is scrolled down to a form
    account = current_account()
    if account and account.must_change_password and file != "account.py":
        st.warning("Choose a new password before you go on: yours was set by an administrator.", icon=":material/key:")
        st.page_link("pages/account.py", label="Change my password", icon=":material/key:")
        st.stop()
    return current
