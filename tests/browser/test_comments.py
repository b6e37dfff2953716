"""Support and challenge in a real browser: a member opens a published finding, posts a challenge and sees it;
a facilitator sees it with the way to hide it; and on a later visit Home says what is new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ctdash import comments, db
from ctdash.models import FindingStatus, Partner, Role, Visit
from ctdash.viewer import Viewer
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.factories import make_finding

PEOPLE = {
    "kit": Person("kit.kernow", "Kit Kernow", "member"),
    "fay": Person("fay.facilitator", "Fay Facilitator", "facilitator"),
}
TITLE = "Saturday sessions bring families back (test data)"
SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("comments"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        with db.session_scope(engine) as session:
            cornwall = session.query(Partner).filter_by(slug="cornwall").one()
            finding = make_finding(
                session,
                cornwall,
                title=TITLE,
                summary="Families came back when sessions moved to **Saturdays**.",
                status=FindingStatus.PUBLISHED,
            )
            finding_id = finding.id
        engine.dispose()
        yield running, finding_id


def _shoot(page, name: str) -> None:
    """Screenshots of the whole page at 390 and 1400 px (tall: Streamlit scrolls inside the page); ends at 390."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1400):
        page.set_viewport_size({"width": width, "height": 2400})
        idle(page)
        page.screenshot(path=str(SHOTS / f"comments-{name}-{width}.png"))
    page.set_viewport_size(PHONE)
    idle(page)


def test_a_member_posts_a_challenge_on_a_published_finding_and_sees_it(app, browser):
    app, finding_id = app
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["kit"])
        page.set_viewport_size(PHONE)
        visit(page, f"{app.base}/finding?id={finding_id}")
        expect(page.get_by_role("heading", name="Support and challenge")).to_be_visible()
        expect(page.get_by_text("No comments yet")).to_be_visible()

        page.get_by_text("Challenge", exact=True).click()
        idle(page)
        page.get_by_role("textbox", name="Your comment").fill(
            "How many families is this based on? <script>alert(1)</script> **Worth** saying."
        )
        page.get_by_role("button", name="Post comment").click()
        posted = page.locator(".st-key-comment_1")
        expect(page.get_by_text("Your comment is posted.").first).to_be_visible()
        expect(posted.get_by_text("How many families is this based on?")).to_be_visible()
        expect(posted.locator("strong", has_text="Worth")).to_be_visible()  # markdown, made safe
        expect(posted.locator("script")).to_have_count(0)
        expect(posted.get_by_text("Kit Kernow")).to_be_visible()
        _shoot(page, "member")
    finally:
        page.close()

    page = new_page(browser)
    try:
        sign_in(page, app, app.people["fay"])
        page.set_viewport_size(PHONE)
        visit(page, f"{app.base}/finding?id={finding_id}")
        expect(page.get_by_text("How many families is this based on?")).to_be_visible()
        page.get_by_role("button", name="Hide").click()
        expect(page.get_by_role("textbox", name="Why hide it?")).to_be_visible()
        _shoot(page, "facilitator")
    finally:
        page.close()


def test_home_says_what_is_new_since_the_last_visit(app, browser):
    app, finding_id = app
    engine = db.make_engine(app.database_url)
    with db.session_scope(engine) as session:
        fay = app.people["fay"]
        comments.add_comment(
            session,
            viewer=Viewer(user_id=fay.id, role=Role.FACILITATOR, name=fay.display_name),
            finding_id=finding_id,
            kind="support",
            body="A strong example for the next working-group session (test data).",
        )
        # Kit's last visit began three days ago (the other test, if it ran first, noted one just now).
        session.merge(Visit(user_id=app.people["kit"].id, current_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    engine.dispose()
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["kit"])
        expect(page.get_by_text("What's new since your last visit on")).to_be_visible()
        page.set_viewport_size(PHONE)
        visit(page, app.base)  # a new browser session within the same visit: still what is new since the last
        expect(page.get_by_text("What's new since your last visit on")).to_be_visible()
        expect(page.get_by_role("link", name=TITLE).first).to_be_visible()
        expect(page.get_by_text("Support from Fay Facilitator on")).to_be_visible()
        _shoot(page, "home")
    finally:
        page.close()
