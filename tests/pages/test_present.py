"""The presenter view (pages/present.py) in AppTest, on SQLite and PostgreSQL: moving through the slides
and the URL, the public-only switch, a broken item, who may present, and the projector's own sign-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ctdash import slides
from ctdash.models import AgendaKind, FindingKind, FindingStatus, Partner, Visibility
from ctdash.ui import auth, presenter
from tests.factories import make_agenda_item, make_finding, make_meeting, make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
PAGE = "pages/present.py"


@pytest.fixture
def agenda(database):
    """fay (facilitator), kit (member); a session: welcome, a group-only finding, a public finding, a text slide."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        make_user(session, role="facilitator", username="fay")
        make_user(session, username="kit", partner=cornwall)
        group = make_finding(
            session,
            cornwall,
            title="Group-only insight (test data)",
            status=FindingStatus.PUBLISHED,
            visibility=Visibility.GROUP,
        )
        public = make_finding(
            session,
            cornwall,
            title="Free loans help (test data)",
            kind=FindingKind.ENABLER,
            status=FindingStatus.PUBLISHED,
            visibility=Visibility.PUBLIC,
            summary="Families said so.",
        )
        meeting = make_meeting(session, title="Autumn session (test data)")
        make_agenda_item(session, meeting, "welcome")
        make_agenda_item(session, meeting, "finding", finding_id=group.id)
        make_agenda_item(session, meeting, "finding", finding_id=public.id)
        make_agenda_item(session, meeting, "text", title="Thank you", body="See you in spring.")
        return meeting.id


def _present(open_app, username: str, meeting_id: int, slide: int | None = None):
    at = signed_in_as(open_app(), username).run()
    at.switch_page(PAGE)
    at.query_params["session"] = str(meeting_id)
    if slide is not None:
        at.query_params["slide"] = str(slide)
    return at.run()


def _headings(at) -> list[str]:
    return [shown(block.value)[2:] for block in at.markdown if block.value.startswith("# ")]


def _next(at):
    return at.button(key=presenter.NEXT).click().run()


def _previous(at):
    return at.button(key=presenter.PREVIOUS).click().run()


def test_next_and_previous_move_the_slide_and_the_url(app_database, open_app, agenda):
    at = _present(open_app, "fay", agenda)
    assert not at.exception
    assert _headings(at)[0] == "Autumn session (test data)"
    assert any("1 / 4" in shown(block.value) for block in at.markdown)
    assert at.button(key=presenter.PREVIOUS).disabled
    _next(at)
    _next(at)
    assert not at.exception
    assert _headings(at)[0] == "Free loans help (test data)"
    assert at.query_params["slide"] == "3"
    _previous(at)
    assert _headings(at)[0] == "Group-only insight (test data)"
    assert at.query_params["slide"] == "2"


def test_a_reload_of_the_url_keeps_the_place_and_a_slide_out_of_range_is_brought_back(app_database, open_app, agenda):
    at = _present(open_app, "fay", agenda, slide=4)
    assert _headings(at)[0] == "Thank you"
    assert at.button(key=presenter.NEXT).disabled
    at = _present(open_app, "fay", agenda, slide=99)
    assert _headings(at)[0] == "Thank you" and at.query_params["slide"] == "4"


def test_the_public_only_switch_takes_the_group_only_finding_off_the_screen(app_database, open_app, agenda):
    at = _present(open_app, "fay", agenda, slide=2)
    assert _headings(at)[0] == "Group-only insight (test data)"
    at.toggle(key=f"present_public_only_{agenda}").set_value(True).run()
    assert not at.exception
    assert "Group-only insight (test data)" not in " ".join(shown(block.value) for block in at.markdown)
    assert shown(at.info[0].value) == slides.FINDING_GROUP_ONLY
    assert any("Public only" in block.value for block in at.markdown)
    _next(at)
    assert _headings(at)[0] == "Free loans help (test data)"
    _previous(at)
    at.toggle(key=f"present_public_only_{agenda}").set_value(False).run()
    assert _headings(at)[0] == "Group-only insight (test data)"


def test_a_session_set_to_public_only_cannot_be_switched_back(app_database, open_app, database, agenda):
    with database() as session:
        session.get(slides.Meeting, agenda).public_only = True
    at = _present(open_app, "fay", agenda, slide=2)
    assert shown(at.info[0].value) == slides.FINDING_GROUP_ONLY
    assert at.toggle(key=f"present_public_only_{agenda}").disabled


def test_a_broken_item_shows_a_calm_message_and_next_still_works(app_database, open_app, agenda, monkeypatch):
    def broken(context, item):
        raise RuntimeError("a deliberately broken item")

    monkeypatch.setitem(slides._BUILDERS, AgendaKind.FINDING, broken)
    at = _present(open_app, "fay", agenda, slide=2)
    assert not at.exception
    assert shown(at.info[0].value) == slides.FAILED
    assert not any("Traceback" in block.value or "RuntimeError" in block.value for block in at.markdown)
    _next(at)
    _next(at)
    assert not at.exception
    assert _headings(at)[0] == "Thank you"


def test_a_slide_that_fails_to_draw_shows_a_calm_message_and_next_still_works(
    app_database, open_app, agenda, monkeypatch
):
    def broken(slide):
        raise ValueError("a deliberately broken drawing")

    monkeypatch.setattr(presenter, "_body", broken)
    at = _present(open_app, "fay", agenda, slide=4)
    assert not at.exception
    assert _headings(at)[0] == "Thank you"
    assert shown(at.info[0].value) == presenter.CANNOT_SHOW
    _previous(at)
    assert not at.exception
    assert _headings(at)[0] == "Free loans help (test data)"


def test_members_and_visitors_are_refused(app_database, open_app, agenda):
    member = _present(open_app, "kit", agenda)
    assert not member.exception
    assert "facilitators and administrators" in shown(member.info[0].value)
    assert not _headings(member)
    visitor = open_app()
    visitor.switch_page(PAGE)
    visitor.query_params["session"] = str(agenda)
    visitor.run()
    assert "Sign in" in shown(visitor.info[0].value)
    assert not _headings(visitor)


def test_without_a_session_or_with_one_that_does_not_exist_the_page_says_what_to_do(app_database, open_app, agenda):
    at = signed_in_as(open_app(), "fay").run().switch_page(PAGE).run()
    assert not at.exception and shown(at.info[0].value) == presenter.NO_SESSION
    at = _present(open_app, "fay", 999_999)
    assert not at.exception and shown(at.error[0].value) == slides.NO_SESSION


def test_signing_out_on_a_laptop_leaves_the_projectors_sign_in_presenting(app_database, open_app, agenda):
    projector = _present(open_app, "fay", agenda)
    laptop = signed_in_as(open_app(), "fay").run()
    assert projector.session_state[auth.SESSION_ID] != laptop.session_state[auth.SESSION_ID]
    laptop.button(key="sign_out").click().run()
    assert not laptop.exception
    assert laptop.session_state["authentication_status"] is not True
    _next(projector)
    assert not projector.exception
    assert _headings(projector)[0] == "Group-only insight (test data)"


def test_the_clock_shows_the_time_and_a_countdown_once_started(app_database, open_app, agenda):
    at = _present(open_app, "fay", agenda)
    faces = [shown(block.value) for block in at.markdown if block.value.startswith("**") and ":" in block.value]
    assert any(len(face) == len("**12:34**") for face in faces)
    at.number_input(key=presenter.MINUTES).set_value(5).run()
    at.button(key="present_timer_start").click().run()
    assert not at.exception
    assert any(re.search(r"· 4:\d\d left\*\*$", block.value) for block in at.markdown)  # under five minutes left
    at.button(key="present_timer_stop").click().run()
    assert not any(" left**" in block.value for block in at.markdown)
    at.toggle(key=presenter.CLOCK).set_value(False).run()
    assert not any(block.value.startswith("**") and len(block.value) == len("**12:34**") for block in at.markdown)
