"""A facilitator prepares a session's agenda in a real browser: the Up and Down buttons, a text slide
added through the form, and the Present and wall links."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import audit, db, meetings
from ctdash.models import Meeting, User
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.factories import make_meeting, viewer_for

PEOPLE = {"fay": Person("fay.facilitator", "Fay Facilitator", "facilitator")}
TITLE = "Spring working group (test data)"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("sessions"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                fay = viewer_for(session.scalars(select(User).where(User.username == "fay.facilitator")).one())
                meeting = make_meeting(session, title=TITLE, held_on=audit.today() + dt.timedelta(days=7))
                for title in ("Welcome words", "What we heard"):
                    meetings.add_item(
                        session, meeting.id, viewer=fay, seen_version=meeting.version, kind="text", title=title
                    )
                    session.refresh(meeting)
                made = (meeting.id, meeting.join_code)
        finally:
            engine.dispose()
        yield running, made


def _line(page, number: int):
    return page.locator("[class*='st-key-agenda_line_']").nth(number - 1)


def test_a_facilitator_reorders_the_agenda_and_adds_a_text_slide(app, browser):
    app, (meeting_id, code) = app
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["fay"])
        visit(page, f"{app.base}/session?id={meeting_id}")
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        expect(page.get_by_role("link", name="Present")).to_have_attribute("href", f"present?session={meeting_id}")
        expect(page.get_by_role("link", name="Open the wall")).to_have_attribute("href", f"wall?s={code}")
        expect(_line(page, 1)).to_contain_text("Welcome words")

        _line(page, 1).get_by_role("button", name="Down").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("now number 2")
        idle(page)
        expect(_line(page, 1)).to_contain_text("What we heard")
        expect(_line(page, 2)).to_contain_text("Welcome words")

        # Typed, not clicked from the list: at the foot of the window the list opened out of sight.
        kind = page.get_by_role("combobox", name="Kind of item")
        kind.click()
        kind.fill("Text slide")
        kind.press("Enter")
        idle(page)
        page.get_by_role("textbox", name="Title").last.fill("Coffee break")
        page.get_by_role("textbox", name="Words on the slide").fill("Back at 11:15")
        page.get_by_role("button", name="Add to the agenda").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("added at the end")
        idle(page)
        expect(_line(page, 3)).to_contain_text("Coffee break")
    finally:
        page.context.close()

    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine, read_only=True) as session:
            assert session.get(Meeting, meeting_id).version == 5  # created, two items, a move, an item: one each
    finally:
        engine.dispose()
