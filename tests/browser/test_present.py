"""The presenter view in a real browser: a facilitator opens a session full screen and moves through it
with the arrow keys and a clicker's PageDown and PageUp; the URL keeps the place across a reload.
Screenshots at 1920x1080 go to /tmp/shots/ for a look at the type from the back of a room."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db, slides
from ctdash.models import FindingKind, FindingStatus, Partner, ProjectStage, Theme, Visibility
from tests.browser.conftest import Person, idle, serve_with_people, settle
from tests.browser.test_auth import sign_in
from tests.factories import make_agenda_item, make_finding, make_meeting, make_project

PEOPLE = {"fay": Person("fay.facilitator", "Fay Facilitator", "facilitator")}
SHOTS = Path("/tmp/shots")
TITLES = [
    "Spring working group (test data)",
    "Loan instruments keep children playing (test data)",
    "Enablers and barriers by theme",
    "Research status",
    "Partner services in the programme",
    "Thank you",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("present"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
                themes = list(session.scalars(select(Theme).order_by(Theme.position)))
                finding = make_finding(
                    session,
                    cornwall,
                    title=TITLES[1],
                    summary="Families said **free loans** made the difference.\n\n- fewer drop-outs\n- more practice",
                    kind=FindingKind.ENABLER,
                    status=FindingStatus.PUBLISHED,
                    visibility=Visibility.GROUP,
                    cycle="2024-25",
                    key_quote="We kept the cornet all year.",
                    evidence_type="interviews",
                    themes=themes[:2],
                )
                for stage in (ProjectStage.PLANNING, ProjectStage.ANALYSIS, ProjectStage.ANALYSIS):
                    make_project(session, cornwall, stage=stage)
                for number, kind in enumerate([FindingKind.BARRIER, FindingKind.BARRIER, FindingKind.ENABLER]):
                    make_finding(
                        session,
                        cornwall,
                        title=f"Example finding {number} (test data)",
                        kind=kind,
                        status=FindingStatus.PUBLISHED,
                        cycle="2024-25",
                        themes=themes[number : number + 2],
                    )
                meeting = make_meeting(
                    session, title=TITLES[0], place="Room 2, example venue", description="Welcome, everyone."
                )
                make_agenda_item(session, meeting, "welcome")
                note = "Ask Cornwall to add a story."
                make_agenda_item(session, meeting, "finding", finding_id=finding.id, body=note)
                make_agenda_item(session, meeting, "chart", chart="kind_by_theme")
                make_agenda_item(session, meeting, "status")
                make_agenda_item(session, meeting, "map")
                make_agenda_item(session, meeting, "text", title=TITLES[5], body="Next session: **March**.")
                meeting_id = meeting.id
        finally:
            engine.dispose()
        yield running, meeting_id


def _expect_slide(page, number: int) -> None:
    expect(page.get_by_role("heading", name=TITLES[number - 1], level=1)).to_be_visible()
    expect(page.get_by_text(f"{number} / {len(TITLES)}")).to_be_visible()
    idle(page)


def test_the_presenter_moves_with_the_arrow_and_clicker_keys_and_keeps_its_place(app, page):
    running, meeting_id = app
    sign_in(page, running, running.people["fay"])
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{running.base}/present?session={meeting_id}")
    settle(page)
    _expect_slide(page, 1)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "present-welcome.png"))

    page.keyboard.press("ArrowRight")
    _expect_slide(page, 2)
    assert "slide=2" in page.url
    page.screenshot(path=str(SHOTS / "present.png"))
    page.keyboard.press("ArrowLeft")
    _expect_slide(page, 1)

    page.keyboard.press("PageDown")
    _expect_slide(page, 2)
    page.keyboard.press("PageDown")
    _expect_slide(page, 3)
    page.screenshot(path=str(SHOTS / "present-chart.png"))
    page.keyboard.press("PageUp")
    _expect_slide(page, 2)

    page.reload()
    settle(page)
    _expect_slide(page, 2)
    page.get_by_role("button", name="Next").click()
    _expect_slide(page, 3)
    page.keyboard.press("ArrowRight")
    _expect_slide(page, 4)
    page.screenshot(path=str(SHOTS / "present-status.png"))
    page.keyboard.press("ArrowRight")
    _expect_slide(page, 5)
    page.screenshot(path=str(SHOTS / "present-map.png"))

    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement !== null")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")

    # The large type and the hidden sidebar are this page's only.
    page.get_by_role("button", name="Options").click()
    page.get_by_role("link", name="Leave the presenter view").click()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    expect(page.locator(".st-key-slide")).to_have_count(0)


def test_the_public_only_switch_hides_a_group_only_finding_in_the_browser(app, page):
    running, meeting_id = app
    sign_in(page, running, running.people["fay"])
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{running.base}/present?session={meeting_id}&slide=2")
    settle(page)
    _expect_slide(page, 2)
    page.get_by_role("button", name="Options").click()
    page.get_by_text("Public only").click()  # the toggle's label
    expect(page.get_by_text(slides.FINDING_GROUP_ONLY)).to_be_visible()
    expect(page.get_by_role("heading", name=TITLES[1], level=1)).to_have_count(0)
    idle(page)
    page.keyboard.press("Escape")
    page.screenshot(path=str(SHOTS / "present-public-only.png"))
