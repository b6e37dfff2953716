"""The app's navigation: every page is routable (so a URL reaches the page's own role check),
and the sidebar lists only what this viewer may open.

URL paths are the file names (/people, /sign_in): the same paths Streamlit's legacy pages/
mode uses for the first request a fresh server gets, so that request finds its page too.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from ctdash import permissions
from ctdash.format import plain
from ctdash.users import ROLE_LABELS
from ctdash.viewer import Viewer


def build(viewer: Viewer, *, setup_needed: bool, menu_area) -> st.navigation:
    # Fresh copies each run: st.navigation marks the page it returns as runnable on the object
    # itself, so sessions running at the same time must not share one.
    pages = {file: copy.copy(page) for file, page in _pages(setup_needed, _app_folder()).items()}
    _default_page_by_name(_default_file(setup_needed).removesuffix(".py"))
    with menu_area:
        for rule in permissions.menu(viewer, setup_needed=setup_needed):
            st.page_link(pages[rule.file], label=rule.title, icon=rule.icon)
    return st.navigation(list(pages.values()), position="hidden")


def _default_file(setup_needed: bool) -> str:
    return "setup.py" if setup_needed else "home.py"


def _default_page_by_name(url_path: str) -> None:
    """Streamlit serves the default page only at the root: a bookmark of /home would otherwise open
    the home page under a "Page not found" message. Ask for the root instead."""
    manager = get_script_run_ctx().pages_manager
    if not manager.intended_page_script_hash and manager.intended_page_name == url_path:
        manager.set_script_intent("", "")


def _app_folder() -> Path:
    return get_script_run_ctx().pages_manager.main_script_parent


@functools.cache
def _pages(setup_needed: bool, app_folder: Path) -> dict[str, st.Page]:
    """One ``st.Page`` per page rule, built once per process: building resolves and checks each
    script's path on disk, which was a quarter of a warm rerun. ``app_folder`` is only the key
    (st.Page resolves paths against the running script's folder)."""
    return {
        rule.file: st.Page(
            f"pages/{rule.file}",
            title=rule.title,
            icon=rule.icon,
            url_path=rule.file.removesuffix(".py"),
            default=rule.file == _default_file(setup_needed),
        )
        for rule in permissions.PAGES
    }


def page_file(page: st.Page) -> str:
    """The file in pages/ behind a page from ``build`` (the default page's URL path is empty; its title is not)."""
    return next(rule.file for rule in permissions.PAGES if rule.title == page.title)


def who(viewer: Viewer, partner_name: str | None, area) -> None:
    if viewer.signed_in:
        line = f"Signed in as **{plain(viewer.name)}**  \n{ROLE_LABELS[viewer.role]}"
        if partner_name:
            line += f" · {plain(partner_name)}"
        area.markdown(line)
