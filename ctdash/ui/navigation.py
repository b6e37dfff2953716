"""The app's navigation: every page is routable (so a URL reaches the page's own role check),
and the sidebar lists only what this viewer may open.

URL paths are the file names (/people, /sign_in): the same paths Streamlit's legacy pages/
mode uses for the first request a fresh server gets, so that request finds its page too.
"""

from __future__ import annotations

import streamlit as st

from ctdash import permissions
from ctdash.ui.format import plain
from ctdash.users import ROLE_LABELS
from ctdash.viewer import Viewer


def build(viewer: Viewer, *, setup_needed: bool, menu_area) -> st.navigation:
    pages = {
        rule.file: st.Page(
            f"pages/{rule.file}",
            title=rule.title,
            icon=rule.icon,
            url_path=rule.file.removesuffix(".py"),
            default=rule.file == ("setup.py" if setup_needed else "home.py"),
        )
        for rule in permissions.PAGES
    }
    with menu_area:
        for rule in permissions.menu(viewer, setup_needed=setup_needed):
            st.page_link(pages[rule.file], label=rule.title, icon=rule.icon)
    return st.navigation(list(pages.values()), position="hidden")


def page_file(page: st.Page) -> str:
    """The file in pages/ behind a page from ``build`` (the default page's URL path is empty; its title is not)."""
    return next(rule.file for rule in permissions.PAGES if rule.title == page.title)


def who(viewer: Viewer, partner_name: str | None, area) -> None:
    if viewer.signed_in:
        line = f"Signed in as **{plain(viewer.name)}**  \n{ROLE_LABELS[viewer.role]}"
        if partner_name:
            line += f" · {plain(partner_name)}"
        area.markdown(line)
