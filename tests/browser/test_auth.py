"""Sign-in, sign-out and remembered sessions in a real browser.

These pin what streamlit-authenticator gets wrong upstream (#3, #91, #179, #203, #276): one click
signs out, a reload after sign-out stays signed out, a reload of a sub-page keeps the person signed
in and on that page, and a cookie stops working as soon as its person is deactivated or signs out.

One server serves the module. Every test signs in as its own person, in its own browser context,
so the tests depend neither on each other nor on their order.

The remember-me cookie is set and deleted by a component (extra_streamlit_components'
CookieManager) in the browser, a moment after the script run that asks for it; each reply of that
component reruns the script. A page load draws none: the server reads the cookie from the request
(``ctdash.ui.auth.CookieWriter``). The page records those replies and the script runs (``RECORDER``),
so the tests wait for exactly what they need instead of sleeping.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, Route, expect

from ctdash import db, users
from ctdash.models import Role
from ctdash.ui.auth import COOKIE_NAME, DEACTIVATED, LOCKED, WRONG
from ctdash.viewer import Viewer
from tests.browser.conftest import (
    COOKIE_IS_SET,
    PASSWORD,
    TIMEOUT_MS,
    App,
    Person,
    idle,
    new_page,
    reload,
    serve_with_people,
    settle,
    visit,
)

SIGN_IN_PATH = "sign_in"  # URL paths are the page file names (ctdash.ui.navigation)
MEMBERS_ONLY = "This page is for signed-in members of the working group. Sign in to see it."
COOKIE_COMPONENT_PAGE = "**/extra_streamlit_components.CookieManager.cookie_manager/index.html*"


PEOPLE = {
    "signs_in": Person("ada.admin", "Ada Admin", "admin"),
    "reloads_sub_pages": Person("ben.admin", "Ben Admin", "admin"),
    "bookmarked_home": Person("ida.member", "Ida Member", "member"),
    "signs_out": Person("cat.member", "Cat Member", "member"),
    "reloads_after_sign_out": Person("dan.member", "Dan Member", "member"),
    "signs_out_soon_after_a_reload": Person("hal.member", "Hal Member", "member"),
    "keeps_old_cookie": Person("gus.member", "Gus Member", "member"),
    "is_deactivated": Person("eve.member", "Eve Member", "member"),
    "is_locked_out": Person("fay.member", "Fay Member", "member"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on its own database, with one account per test, made before any browser starts."""
    with serve_with_people(tmp_path_factory.mktemp("auth"), PEOPLE) as running:
        yield running


# --- waiting on the page -------------------------------------------------------------------------


def wait_for_cookie(page: Page) -> None:
    page.wait_for_function(COOKIE_IS_SET)


def wait_for_no_cookie(page: Page) -> None:
    page.wait_for_function(f"!({COOKIE_IS_SET})")


def auth_cookie(page: Page) -> dict | None:
    return next((cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE_NAME), None)


# --- acting and checking -------------------------------------------------------------------------


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def submit_sign_in_form(page: Page, app: App, person: Person, password: str = PASSWORD) -> None:
    """Open /sign_in in a new session and submit the real form; does not wait for the outcome."""
    visit(page, f"{app.base}/{SIGN_IN_PATH}")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Username").fill(person.username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, app: App, person: Person) -> None:
    """Sign in through the form; return once the browser holds the cookie and the app is idle."""
    submit_sign_in_form(page, app, person)
    expect_signed_in(page, person)
    wait_for_cookie(page)
    settle(page)


def sign_out(page: Page) -> None:
    sidebar(page).get_by_role("button", name="Sign out").click()  # once: no retry, no second click


def expect_signed_in(page: Page, person: Person) -> None:
    expect(sidebar(page)).to_contain_text(f"Signed in as {person.display_name}")
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(sidebar(page).get_by_role("link", name="Sign in")).to_have_count(0)


def expect_signed_out(page: Page) -> None:
    expect(sidebar(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(sidebar(page)).not_to_contain_text("Signed in as")
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_have_count(0)


def expect_refused_as_anonymous(page: Page) -> None:
    expect(page.get_by_text(MEMBERS_ONLY)).to_be_visible()
    expect(page.get_by_role("heading", name="My account")).to_have_count(0)
    expect_signed_out(page)


# --- tests ---------------------------------------------------------------------------------------


def test_signing_in_through_the_form_shows_the_signed_in_sidebar_and_the_admin_menu(app, page):
    person = app.people["signs_in"]
    submit_sign_in_form(page, app, person)

    expect_signed_in(page, person)
    expect(sidebar(page)).to_contain_text("Administrator")
    expect(sidebar(page).get_by_role("link", name="People")).to_be_visible()
    expect(sidebar(page).get_by_role("link", name="Audit log")).to_be_visible()
    expect(sidebar(page).get_by_role("link", name="My account")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.mark.parametrize(("path", "heading"), [("people", "People"), ("account", "My account")])
def test_reloading_a_sub_page_keeps_the_person_signed_in_and_on_that_page(app, page, path, heading):
    person = app.people["reloads_sub_pages"]
    sign_in(page, app, person)

    visit(page, f"{app.base}/{path}")  # a new session, signed in from the cookie
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect_signed_in(page, person)

    reload(page)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/{path}/?$"))
    expect_signed_in(page, person)


def test_a_bookmark_of_the_home_page_by_its_name_opens_it_without_a_not_found_message(app, page):
    """Streamlit serves the default page at the root only: an address naming it (/home) opens it too."""
    person = app.people["bookmarked_home"]
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, app, person)
        visit(page, f"{app.base}/home")
        expect(page.get_by_role("heading", name="Changing Tracks: inclusion dashboard", level=1)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        if signed_in:
            expect_signed_in(page, person)


def test_one_click_on_sign_out_signs_out(app, page):
    person = app.people["signs_out"]
    sign_in(page, app, person)

    sign_out(page)
    expect_signed_out(page)
    wait_for_no_cookie(page)
    settle(page)
    expect_signed_out(page)  # and it stays signed out once the cookie component has replied


def test_a_reload_after_signing_out_shows_the_signed_out_state(app, page):
    person = app.people["reloads_after_sign_out"]
    sign_in(page, app, person)
    sign_out(page)
    expect_signed_out(page)
    wait_for_no_cookie(page)  # reloading before this is the subject of the next two tests

    reload(page)
    expect_signed_out(page)
    visit(page, f"{app.base}/{SIGN_IN_PATH}")
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
    expect_signed_out(page)
    visit(page, f"{app.base}/account")
    expect_refused_as_anonymous(page)


def test_a_cookie_from_before_signing_out_no_longer_signs_in(app, page):
    """Signing out must end the session on the server, not only ask the browser to drop the cookie.

    The browser deletes the cookie only when the cookie component runs, a few hundred milliseconds
    after the sidebar already shows "Sign in"; a reload or a closed tab in that time keeps the
    cookie (upstream #203), and a copy of it stays valid until it expires (upstream #91). Putting
    the old cookie back stands for all of these.
    """
    person = app.people["keeps_old_cookie"]
    sign_in(page, app, person)
    old_cookie = auth_cookie(page)
    assert old_cookie is not None
    sign_out(page)
    expect_signed_out(page)
    wait_for_no_cookie(page)

    # Another browser (a copied cookie, or this one after a restart): a new session reads the cookie.
    elsewhere = new_page(page.context.browser)
    elsewhere.context.add_cookies([old_cookie])
    visit(elsewhere, f"{app.base}/account")
    expect(elsewhere.get_by_text("This sign-in has ended: you signed out. Sign in again to go on.")).to_be_visible()
    expect(elsewhere.get_by_role("heading", name="My account")).to_have_count(0)
    expect_signed_out(elsewhere)
    elsewhere.context.close()
    # This tab keeps its signed-out session across a reload, and stays signed out.
    reload(page)
    expect_signed_out(page)


def test_signing_out_straight_after_a_reload_signs_out_for_good(app, page):
    """Sign out straight after a reload, while the component that deletes the cookie is still loading.

    When every page load also drew a component that read the cookies, its first reply reran the
    script, and that rerun dropped the deleting component before it had run, so the cookie stayed
    (3 of 8 plain tries). A page load now draws no cookie component (the server reads the cookie from
    the request), so the deleting one is the only one; holding its page until after the click makes
    the order certain.
    """
    person = app.people["signs_out_soon_after_a_reload"]
    sign_in(page, app, person)

    held: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.resource_type == "document":
            held.append(route)
        else:
            route.continue_()

    page.route(COOKIE_COMPONENT_PAGE, hold)
    page.reload()  # not reload(page): the deleting component is held below, so the page cannot settle then
    expect_signed_in(page, person)  # restored from the cookie, on the server
    idle(page)
    expect(page.locator('iframe[src*="cookie_manager"]')).to_have_count(0)  # nothing reads the cookies
    sign_out(page)
    expect(sidebar(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator('iframe[src*="cookie_manager"]')).to_have_count(1)  # the one that deletes ours
    # Its frame's document is asked for a moment after the frame is drawn: wait for the request (held).
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the request to the route handler
    assert len(held) == 1
    held[0].continue_()
    page.unroute(COOKIE_COMPONENT_PAGE)
    wait_for_no_cookie(page)
    settle(page)
    expect_signed_out(page)

    reload(page)
    expect_signed_out(page)


def test_a_deactivated_persons_cookie_signs_them_out_with_a_message_that_stays(app, page):
    person = app.people["is_deactivated"]
    sign_in(page, app, person)

    admin = app.people["signs_in"]
    acting = Viewer(user_id=admin.id, role=Role.ADMIN, name=admin.display_name)
    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine) as session:
            version = users.get_account(session, viewer=acting, user_id=person.id).version
            users.set_active(session, viewer=acting, user_id=person.id, active=False, expected_version=version)
    finally:
        engine.dispose()

    reload(page)  # the message must outlast the cookie component's rerun, or no one can read it
    expect(page.get_by_text(DEACTIVATED)).to_be_visible()
    expect_signed_out(page)
    wait_for_no_cookie(page)  # the refused cookie is cleared, so what follows is a visitor's session

    visit(page, f"{app.base}/account")
    expect_refused_as_anonymous(page)


def test_five_wrong_passwords_lock_the_username_even_against_the_right_password(app, page):
    person = app.people["is_locked_out"]
    for _ in range(5):  # each try in a new session, so each error seen belongs to that try
        submit_sign_in_form(page, app, person, password="Wrong-Password-99")
        expect(page.get_by_text(WRONG)).to_be_visible()

    submit_sign_in_form(page, app, person)
    expect(page.get_by_text(LOCKED)).to_be_visible()
    expect(page.get_by_text(WRONG)).to_have_count(0)
    expect_signed_out(page)
    assert auth_cookie(page) is None
