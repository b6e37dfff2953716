"""The first request a freshly started server gets looks like every later one.

With a pages/ folder beside app.py, Streamlit runs the first session in its legacy multipage mode
(until st.navigation has run once in the process): it lists every file in pages/ in the sidebar, in
lower case and admin pages included, and runs the page file on its own. Each test starts its own
server so that its page load is that first request, and records every sidebar link the page ever
shows, so a menu that flashes by for a second is caught too.
"""

import pytest
from playwright.sync_api import expect

from ctdash import db, users
from tests.browser.conftest import seeded_database, visit
from tests.browser.server import streamlit_server

# Every link label the sidebar shows, from the moment the document exists.
SIDEBAR_LINKS = """
window.__sidebarLinks = new Set();
new MutationObserver(() => {
  for (const link of document.querySelectorAll('[data-testid="stSidebar"] a')) {
    window.__sidebarLinks.add(link.innerText.split("\\n").pop());
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
VISITOR_MENU = {"Home", "Findings library", "Partner map", "Sign in"}


@pytest.fixture
def fresh_server(tmp_path):
    """A server that has served no one yet, on a database with one account (so setup is done)."""
    database_url = seeded_database(tmp_path)
    engine = db.make_engine(database_url)
    try:
        with db.session_scope(engine) as session:
            users.create_user_from_cli(
                session,
                username="ada",
                display_name="Ada Admin",
                email=None,
                role="admin",
                partner_name=None,
                password="Blue-Tracks-2024!",
            )
    finally:
        engine.dispose()
    with streamlit_server(database_url) as base:
        yield base


def first_visit(page, url: str) -> set[str]:
    """Open ``url`` as the server's first visitor; return every sidebar link label shown meanwhile."""
    page.add_init_script(SIDEBAR_LINKS)
    visit(page, url)
    return set(page.evaluate("[...window.__sidebarLinks]"))


def test_the_first_visit_to_a_fresh_server_shows_home_and_only_the_visitor_menu(fresh_server, page):
    seen = first_visit(page, fresh_server)

    assert seen == VISITOR_MENU
    expect(page.get_by_role("heading", name="Changing Tracks: inclusion dashboard", level=1)).to_be_visible()


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("people", "This page is for administrators. Sign in to see it."),
        ("sign_in", "Forgotten your password? Ask them to reset it."),
    ],
)
def test_the_first_visit_to_a_fresh_server_by_a_deep_link_shows_that_page_and_only_the_visitor_menu(
    fresh_server, page, path, shown
):
    seen = first_visit(page, f"{fresh_server}/{path}")

    assert seen == VISITOR_MENU
    expect(page.get_by_test_id("stMain")).to_contain_text(shown)
