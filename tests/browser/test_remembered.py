"""Remembered sign-ins in a real browser: decided on the server from its own rows, never from the cookie's times.

A cookie that is not ours (another algorithm, "alg: none", another key) is ignored and cleared; a
password change keeps every tab of this browser signed in and signs other devices out.
"""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ctdash import db
from ctdash.models import SignInSession
from ctdash.ui.auth import COOKIE_NAME
from tests.browser.conftest import PASSWORD, App, Person, new_page, reload, serve_with_people, settle, visit
from tests.browser.test_auth import (
    auth_cookie,
    expect_refused_as_anonymous,
    expect_signed_in,
    expect_signed_out,
    sign_in,
)

PEOPLE = {
    "forged": Person("ivy.member", "Ivy Member", "member"),
    "changes_password": Person("jon.member", "Jon Member", "member"),
    "carries_an_id": Person("kay.member", "Kay Member", "member"),
}
NEW_PASSWORD = "Fresh-Tracks-2027!"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("remembered"), PEOPLE) as running:
        yield running


def _cookie_key(app: App) -> str:
    return (Path(make_url(app.database_url).database).parent / ".cookie_key").read_text().strip()


def test_the_cookie_carries_the_id_of_a_sign_in_the_server_knows(app, page):
    person = app.people["carries_an_id"]
    sign_in(page, app, person)
    payload = jwt.decode(auth_cookie(page)["value"], _cookie_key(app), algorithms=["HS256"])
    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine, read_only=True) as session:
            row = session.scalar(select(SignInSession).where(SignInSession.id == payload["sid"]))
    finally:
        engine.dispose()
    assert (payload["username"], row.user_id, row.ended_at) == (person.username, person.id, None)


@pytest.mark.parametrize("forgery", ["HS512 with our key", "alg none", "another key", "not a token"])
def test_a_forged_cookie_is_ignored_and_signing_in_replaces_it(app, page, forgery):
    person = app.people["forged"]
    claims = {"username": person.username, "sid": "made-up", "exp_date": 4_000_000_000}
    token = {
        "HS512 with our key": lambda: jwt.encode(claims, _cookie_key(app), algorithm="HS512"),
        "alg none": lambda: jwt.encode(claims, None, algorithm="none"),
        "another key": lambda: jwt.encode(claims, "x" * 48, algorithm="HS256"),
        "not a token": lambda: "garbage.garbage.garbage",
    }[forgery]()
    page.context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": app.base}])
    visit(page, f"{app.base}/account")
    expect_refused_as_anonymous(page)
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    sign_in(page, app, person)
    expect_signed_in(page, person)
    # The forged cookie is replaced by a real one. (The app also asks the browser to delete a refused
    # cookie at once, but that request rides on a component a rerun can drop on a busy machine; the
    # server ignoring the cookie in every session is what keeps the browser from being locked out.)
    payload = jwt.decode(auth_cookie(page)["value"], _cookie_key(app), algorithms=["HS256"])
    assert payload["username"] == person.username and payload["sid"] != "made-up"


def test_a_password_change_keeps_both_tabs_of_this_browser_signed_in_and_signs_out_another_device(app, browser):
    person = app.people["changes_password"]
    other_device = new_page(browser)
    sign_in(other_device, app, person)
    first_tab = new_page(browser)
    sign_in(first_tab, app, person)
    second_tab = first_tab.context.new_page()
    visit(second_tab, f"{app.base}/account")
    expect(second_tab.get_by_role("heading", name="My account", level=1)).to_be_visible()

    visit(first_tab, f"{app.base}/account")
    expect(first_tab.get_by_role("heading", name="My account", level=1)).to_be_visible()
    first_tab.get_by_role("textbox", name="Current password").fill(PASSWORD)
    first_tab.get_by_role("textbox", name="New password", exact=True).fill(NEW_PASSWORD)
    first_tab.get_by_role("textbox", name="New password again").fill(NEW_PASSWORD)
    first_tab.get_by_role("button", name="Change password").click()
    expect(first_tab.get_by_test_id("stAlertContentSuccess")).to_contain_text("Your password is changed")
    settle(first_tab)

    for tab in (first_tab, second_tab):
        reload(tab)
        expect(tab.get_by_role("heading", name="My account", level=1)).to_be_visible()
        expect_signed_in(tab, person)
    reload(other_device)
    expect_signed_out(other_device)
    expect(other_device.get_by_text("because your password was changed")).to_be_visible()
    for tab in (first_tab, other_device):
        tab.context.close()
