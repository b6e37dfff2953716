"""Editing people in a real browser: a stale save is a conflict that keeps the typed text, loading the
latest version really shows it, and a form that saved is really cleared (the browser keeps a widget's
last value for as long as its key lives, which AppTest cannot show)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ctdash import db, users
from ctdash.models import Role
from ctdash.viewer import Viewer
from tests.browser.conftest import PASSWORD, Person, serve_with_people, settle, visit

PEOPLE = {"ada": Person("ada.admin", "Ada Admin", "admin"), "kit": Person("kit.member", "Kit Member", "member")}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("people"), PEOPLE) as running:
        yield running


def _people_page(page, app):
    visit(page, f"{app.base}/sign_in")
    page.get_by_role("textbox", name="Username").fill("ada.admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Signed in as Ada Admin")
    settle(page)
    visit(page, f"{app.base}/people")


def _rename_elsewhere(app, name: str) -> None:
    """Another administrator saves Kit, in another browser."""
    acting = Viewer(user_id=app.people["ada"].id, role=Role.ADMIN, name="Bea Admin")
    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine) as session:
            kit = users.get_account(session, viewer=acting, user_id=app.people["kit"].id)
            users.update_user(
                session,
                viewer=acting,
                user_id=kit.id,
                expected_version=kit.version,
                role="member",
                partner_id=kit.partner_id,
                display_name=name,
                email=None,
            )
    finally:
        engine.dispose()


def test_a_stale_save_keeps_the_text_and_loading_the_latest_version_shows_it(app, page):
    _people_page(page, app)
    page.get_by_role("tab", name="Change a person").click()
    page.get_by_role("combobox", name="Person").click()
    page.get_by_role("option", name="Kit Member (kit.member)").click()
    name = page.get_by_role("tabpanel", name="Change a person").get_by_role("textbox", name="Name", exact=True)
    expect(name).to_have_value("Kit Member")
    _rename_elsewhere(app, "Kit, renamed by Bea")

    name.fill("Kit Kernow")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Someone else changed Kit, renamed by Bea's account")).to_be_visible()
    expect(name).to_have_value("Kit Kernow")

    page.get_by_role("button", name="Discard my changes and show the latest version").click()
    expect(page.get_by_text("Someone else changed")).to_have_count(0)
    expect(name).to_have_value("Kit, renamed by Bea")


def test_adding_a_person_leaves_an_empty_form_for_the_next(app, page):
    _people_page(page, app)
    panel = page.get_by_role("tabpanel", name="Add a person")
    panel.get_by_role("textbox", name="Name", exact=True).fill("Noor Example")
    panel.get_by_role("textbox", name="Username", exact=True).fill("noor")
    panel.get_by_role("combobox", name="Role").click()
    page.get_by_role("option", name="Facilitator", exact=True).click()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Noor Example can now sign in as noor.")
    expect(panel.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
    expect(panel.get_by_role("textbox", name="Username", exact=True)).to_have_value("")
