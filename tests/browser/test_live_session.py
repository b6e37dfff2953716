"""A live session from start to end in a real browser, as issue #10's "done when" tells it: a facilitator
prepares a session, opens its wall, presents it with the arrow keys and shows the QR code; twenty posts
arrive (a phone posts through the form), the facilitator approves the anonymous ones and the wall slide
counts all twenty by itself; then the meeting pack downloads and opens."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from playwright.sync_api import expect
from pptx import Presentation
from sqlalchemy import select

from ctdash import audit, db, wall
from ctdash.models import FindingStatus, Meeting, Partner, Visibility
from ctdash.viewer import ANONYMOUS
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.factories import make_finding, make_user, viewer_for

PEOPLE = {"fay": Person("fay.facilitator", "Fay Facilitator", "facilitator")}
TITLE = "Spring working group (test data)"
FINDING = "Saturday sessions bring families back (test data)"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("live"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
                make_finding(
                    session, cornwall, title=FINDING, status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC
                )
                member = viewer_for(make_user(session, role="member", partner=cornwall, username="kit.kernow"))
        finally:
            engine.dispose()
        yield running, member


def _add(page, kind: str, *, finding: str | None = None) -> None:
    lines = page.locator("[class*='st-key-agenda_line_']")
    before = lines.count()
    box = page.get_by_role("combobox", name="Kind of item")
    box.click()
    box.fill(kind)
    box.press("Enter")
    expect(page.get_by_role("combobox", name="Kind of item").first).to_have_value(kind)
    idle(page)
    if finding:
        chooser = page.get_by_role("combobox", name="Published finding")
        chooser.click()
        chooser.fill(finding[:20])
        page.get_by_role("option", name=finding).click()
        idle(page)
    # A click that lands while a rerun is replacing the form is lost with the old form: then click
    # again. The agenda's length tells whether the click counted (a second item would fail below).
    for _ in range(3):
        page.get_by_role("button", name="Add to the agenda").click()
        try:
            expect(lines).to_have_count(before + 1, timeout=20_000)
            break
        except AssertionError:
            idle(page)
    expect(lines).to_have_count(before + 1)
    idle(page)


def _post_many(database_url: str, code: str, member) -> None:
    """Nineteen phones post at once: ten members (shown at once) and nine anonymous attendees (held)."""
    engine = db.make_engine(database_url)
    try:
        for number in range(19):
            with db.session_scope(engine) as session:
                wall.post(
                    session,
                    code,
                    viewer=member if number < 10 else ANONYMOUS,
                    device=f"phone-{number:04d}",
                    post_token=uuid.uuid4().hex,
                    kind="enabler" if number % 2 else "barrier",
                    body=f"Reflection number {number} from the room (test data).",
                )
    finally:
        engine.dispose()


def test_a_facilitator_prepares_presents_watches_the_wall_and_downloads_the_pack(app, browser):
    app, member = app
    held_on = audit.today() + dt.timedelta(days=1)
    fay = new_page(browser)
    phone = new_page(browser)
    try:
        fay.set_viewport_size({"width": 1600, "height": 1000})
        sign_in(fay, app, app.people["fay"])

        # Prepare: a new session with three items.
        visit(fay, f"{app.base}/sessions")
        fay.get_by_test_id("stExpander").get_by_text("New session").click()
        fay.get_by_role("textbox", name="Title").fill(TITLE)
        # The date is three spin buttons (day, month, year), each typed into.
        fay.get_by_role("spinbutton", name="day, Date").click()
        fay.keyboard.type(f"{held_on:%d%m%Y}")
        fay.get_by_role("textbox", name="Place or online link").fill("Online")
        fay.get_by_text("Let people who are not signed in post").click()
        fay.get_by_role("button", name="Create session").click()
        expect(fay.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        idle(fay)
        _add(fay, "Welcome screen")
        _add(fay, "Finding", finding=FINDING)
        _add(fay, "Live wall")
        engine = db.make_engine(app.database_url)
        try:
            with db.session_scope(engine, read_only=True) as session:
                meeting_id, code = session.execute(
                    select(Meeting.id, Meeting.join_code).where(Meeting.title == TITLE)
                ).one()
        finally:
            engine.dispose()

        # Open the wall, then present: the welcome slide shows the QR code and the address.
        visit(fay, f"{app.base}/wall?s={code}")
        fay.get_by_text("Wall open").click()
        idle(fay)
        visit(fay, f"{app.base}/present?session={meeting_id}")
        expect(fay.get_by_role("img", name=re.compile(r"QR code: scan it to open .*wall.s=" + code))).to_be_visible()
        expect(fay.get_by_text("0 people have joined · 0 posts on the wall")).to_be_visible()

        # A phone in the room posts through the form; nineteen more posts arrive.
        phone.set_viewport_size(PHONE)
        visit(phone, f"{app.base}/wall?s={code}")
        phone.get_by_text("Enabler", exact=True).click()
        phone.get_by_role("textbox", name="Your reflection, in one sentence").fill(
            "Free instrument loans in the first year brought new families (test data)."
        )
        phone.get_by_role("button", name="Post to the wall").click()
        expect(phone.get_by_text("waiting for the facilitator's approval", exact=False)).to_be_visible()
        _post_many(app.database_url, code, member)
        expect(fay.get_by_text("20 people have joined · 10 posts on the wall")).to_be_visible()

        # The arrow keys move through the agenda to the wall slide.
        fay.keyboard.press("ArrowRight")
        expect(fay.get_by_role("heading", name=FINDING)).to_be_visible()
        fay.keyboard.press("ArrowRight")
        expect(fay.get_by_text("10 posts: 5 barriers, 5 enablers")).to_be_visible()

        # On another device the facilitator approves the ten anonymous posts; the slide counts them by itself.
        moderator = new_page(browser)
        try:
            sign_in(moderator, app, app.people["fay"])
            visit(moderator, f"{app.base}/wall?s={code}")
            expect(moderator.get_by_role("heading", name="Waiting for approval (10)")).to_be_visible()
            for left in range(9, -1, -1):
                moderator.get_by_role("button", name="Approve").first.click()
                expect(moderator.get_by_role("heading", name=f"Waiting for approval ({left})")).to_be_visible()
                idle(moderator)
        finally:
            moderator.context.close()
        expect(fay.get_by_text("20 posts: 10 barriers, 10 enablers")).to_be_visible()

        # The meeting pack downloads and opens, the wall's posts in it.
        visit(fay, f"{app.base}/session?id={meeting_id}")
        fay.get_by_role("button", name="Build the PowerPoint").click()
        with fay.expect_download() as download:
            fay.get_by_role("button", name="Download the PowerPoint").click()
        deck = Presentation(io.BytesIO(download.value.path().read_bytes()))
    finally:
        fay.context.close()
        phone.context.close()
    texts = [" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in deck.slides]
    assert len(texts) == 4  # the title slide and the three items
    assert TITLE in texts[0] and FINDING in texts[2]
    assert "Reflection number" in " ".join(texts) or any(
        "Reflection number" in cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    )
