"""The live wall in a real browser on a phone's screen: an attendee posts from the QR code's address, and the
board takes in new posts by itself, without a reload."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db, wall
from ctdash.models import Role, Theme, WallJoin, WallPost, WallPostStatus
from ctdash.viewer import ANONYMOUS, Viewer
from tests.browser.conftest import Person, idle, new_page, seeded_database, serve_with_people, visit
from tests.browser.server import streamlit_server
from tests.browser.test_auth import sign_in
from tests.factories import make_meeting

PEOPLE = {"fay": Person("fay.facilitator", "Fay Facilitator", "facilitator")}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")
STAFF = Viewer(role=Role.FACILITATOR, name="Facilitator")  # posts shown at once


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("wall"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        with db.session_scope(engine) as session:
            make_meeting(session, title="Autumn working group (test data)", join_code="PHONE1", anonymous_posts=True)
        engine.dispose()
        yield running


def _rows(app, model):
    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine, read_only=True) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def test_an_attendee_posts_from_a_phone_and_the_board_updates_by_itself(app, browser):
    page = new_page(browser)
    try:
        page.set_viewport_size(PHONE)
        visit(page, f"{app.base}/wall?s=PHONE1")
        expect(page.get_by_role("heading", name="Live wall")).to_be_visible()
        expect(page.get_by_text("Autumn working group (test data)")).to_be_visible()
        expect(page.get_by_text("No posts on the wall yet")).to_be_visible()

        page.get_by_text("Barrier", exact=True).click()
        words = page.get_by_role("textbox", name="Your reflection, in one sentence")
        words.fill("The last bus leaves before the <b>evening</b> band ends.")
        page.get_by_role("button", name="Post to the wall").click()
        expect(page.get_by_text("Posted — thank you.", exact=False)).to_be_visible()
        expect(page.get_by_text("waiting for the facilitator's approval", exact=False)).to_be_visible()
        expect(words).to_have_value("")
        idle(page)
        [post] = _rows(app, WallPost)
        assert (post.status, post.body) == (
            WallPostStatus.PENDING,
            "The last bus leaves before the <b>evening</b> band ends.",
        )
        assert len(_rows(app, WallJoin)) == 1

        # Another attendee's post, approved elsewhere: the board shows it by itself within seconds.
        engine = db.make_engine(app.database_url)
        with db.session_scope(engine) as session:
            session.add(
                WallPost(
                    meeting_id=post.meeting_id,
                    kind="enabler",
                    body="Free instrument loans in the first year (test data).",
                    device=uuid.uuid4().hex,
                    status=WallPostStatus.SHOWN,
                    post_token=uuid.uuid4().hex,
                )
            )
        engine.dispose()
        expect(page.get_by_text("Free instrument loans in the first year (test data).")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("1 post: 0 barriers, 1 enabler")).to_be_visible()
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1, "no reload"

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 390, "height": 1800})
        idle(page)
        page.screenshot(path=str(SHOTS / "wall.png"), full_page=True)
    finally:
        page.context.close()


def test_an_unknown_code_gets_a_calm_sentence(app, browser):
    page = new_page(browser)
    try:
        page.set_viewport_size(PHONE)
        visit(page, f"{app.base}/wall?s=NOSUCH")
        expect(page.get_by_text("There is no open wall at this address")).to_be_visible()
        expect(page.get_by_role("textbox")).to_have_count(0)
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def presenter(tmp_path_factory):
    """tests/browser/wall_app.py: an open wall's welcome panel and live board, as the presenter view shows them."""
    database_url = seeded_database(tmp_path_factory.mktemp("presenter"))
    engine = db.make_engine(database_url)
    with db.session_scope(engine) as session:
        meeting_id = make_meeting(session, join_code="SCREEN1", anonymous_posts=True).id
    engine.dispose()
    with streamlit_server(database_url, script="tests/browser/wall_app.py") as base:
        yield base, database_url, meeting_id


def test_the_welcome_panel_draws_the_qr_code_and_counts_people_as_they_join(presenter, browser):
    base, database_url, meeting_id = presenter
    page = new_page(browser)
    try:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{base}/?m={meeting_id}")
        code = page.get_by_role("img", name=f"QR code: scan it to open {base}/wall?s=SCREEN1")
        expect(code).to_be_visible()
        assert code.evaluate("image => image.complete && image.naturalWidth > 0"), "the SVG loads"
        box = code.bounding_box()
        assert box["width"] >= 300, "large enough to scan from the back of a room"
        assert abs(box["width"] - box["height"]) <= 2, "square: drawn to its viewBox"
        expect(page.get_by_text("/wall?s=SCREEN1", exact=True)).to_be_visible()
        expect(page.get_by_text(base.split("://")[1], exact=True)).to_be_visible()
        expect(page.get_by_text("0 people have joined · 0 posts on the wall")).to_be_visible()
        engine = db.make_engine(database_url)
        with db.session_scope(engine) as session:
            wall.join(session, "SCREEN1", device="phone-in-the-room-1")
        engine.dispose()
        expect(page.get_by_text("1 person has joined · 0 posts on the wall")).to_be_visible(timeout=15_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        idle(page)
        page.screenshot(path=str(SHOTS / "wall-welcome.png"))

        engine = db.make_engine(database_url)
        with db.session_scope(engine) as session:
            themes = list(session.scalars(select(Theme.id).where(Theme.active).order_by(Theme.position)))[:2]
            for number, (kind, theme) in enumerate(
                [("barrier", themes[0]), ("enabler", themes[0]), ("barrier", themes[1]), ("enabler", None)]
            ):
                wall.post(
                    session,
                    "SCREEN1",
                    viewer=STAFF,
                    device=f"phone-in-the-room-{number + 2}",
                    post_token=uuid.uuid4().hex,
                    kind=kind,
                    theme_id=theme,
                    body=f"Reflection {number + 1} from the room: transport after evening rehearsals (test data).",
                )
        engine.dispose()
        expect(page.get_by_text("4 posts: 2 barriers, 2 enablers")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("5 people have joined · 4 posts on the wall")).to_be_visible()
        page.set_viewport_size({"width": 1400, "height": 1400})
        idle(page)
        page.screenshot(path=str(SHOTS / "wall-board.png"), full_page=True)
    finally:
        page.context.close()


def test_a_facilitator_approves_an_anonymous_post_and_it_joins_the_wall(app, browser):
    engine = db.make_engine(app.database_url)
    with db.session_scope(engine) as session:
        meeting = make_meeting(session, title="Conference slot (test data)", join_code="APPROVE1", anonymous_posts=True)
        meeting_id = meeting.id
    with db.session_scope(engine) as session:
        receipt = wall.post(
            session,
            "APPROVE1",
            viewer=ANONYMOUS,
            device="phone-at-the-back-1",
            post_token=uuid.uuid4().hex,
            kind="barrier",
            body="Parents cannot reach the hall without a car (test data).",
        )
    engine.dispose()
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["fay"])
        visit(page, f"{app.base}/wall?s=APPROVE1")
        expect(page.get_by_role("heading", name="Waiting for approval (1)")).to_be_visible()
        expect(page.get_by_text("No posts on the wall yet")).to_be_visible()
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("1 post: 1 barrier, 0 enablers")).to_be_visible()
        expect(page.get_by_role("heading", name="Waiting for approval (0)")).to_be_visible()
        idle(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1400, "height": 2000})
        idle(page)
        page.screenshot(path=str(SHOTS / "wall-facilitator.png"), full_page=True)
        [post] = [row for row in _rows(app, WallPost) if row.id == receipt.post_id]
        assert post.status == WallPostStatus.SHOWN and post.meeting_id == meeting_id
    finally:
        page.context.close()
