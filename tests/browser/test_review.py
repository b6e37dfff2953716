"""A facilitator's review in a real browser: the queue, a submitted finding with its photo shown and
downloadable, publishing it; then the finding reads as published. Screenshots at laptop and phone
widths go to /tmp/shots/review-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db, findings
from ctdash.findings import NewAttachment
from ctdash.models import Finding, FindingStatus, User
from ctdash.viewer import Viewer
from tests.browser.conftest import RECORDER, Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.samples import picture

PEOPLE = {
    "fay": Person("fay.facilitator", "Fay Facilitator", "facilitator"),
    "kit": Person("kit.member", "Kit Member", "member"),
}
TITLE = "Families stay when lessons are nearer home (test data)"
OLDER = "Loan instruments keep beginners going (test data)"
SHOTS = Path("/tmp/shots")


def _share(session, viewer: Viewer, title: str, *, days_ago: int, files=()) -> int:
    finding_id = findings.save_draft(
        session,
        viewer=viewer,
        title=title,
        summary=(
            "Attendance rose **by a third** once lessons moved to the community hub.\n\n"
            "- weekly sessions\n- a named contact for each family\n\n"
            "See [the full report](https://www.example.org/report)."
        ),
        kind="enabler",
        themes=["socio-economic-disadvantage"],
        cycle="2024-25",
        evidence_type="participation data",
        key_quote="It's ten minutes' walk now, so we come every week.",
        visibility="public",
        new_files=list(files),
    )
    version = session.scalar(select(Finding.version).where(Finding.id == finding_id))
    findings.submit(session, viewer=viewer, finding_id=finding_id, expected_version=version)
    session.get(Finding, finding_id).submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return finding_id


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("review"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                user = session.get(User, running.people["kit"].id)
                kit = Viewer(user_id=user.id, role=user.role, partner_id=user.partner_id, name=user.display_name)
                _share(session, kit, OLDER, days_ago=6)
                photo = NewAttachment(
                    "Hub session.png", picture("PNG", size=(640, 360)), "Pupils at the community hub", consent=True
                )
                _share(session, kit, TITLE, days_ago=1, files=[photo])
        finally:
            engine.dispose()
        yield running


def _shoot(browser, page, name: str) -> None:
    """The page as it is now at a laptop's width, and in a fresh phone-sized tab (same sign-in) at 390 px."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-{name}-1400.png"))
    phone = browser.new_context(viewport={"width": 390, "height": 1400}, storage_state=page.context.storage_state())
    try:
        phone.add_init_script(RECORDER)
        tab = phone.new_page()
        visit(tab, page.url)
        expect(tab.get_by_role("heading", level=1).first).to_be_visible()
        tab.screenshot(path=str(SHOTS / f"review-{name}-390.png"))
    finally:
        phone.close()


def test_a_facilitator_reviews_and_publishes_a_finding_with_a_photo(app, browser):
    fay = new_page(browser)
    try:
        sign_in(fay, app, app.people["fay"])
        visit(fay, f"{app.base}/review")
        expect(fay.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
        expect(fay.get_by_text("2 findings waiting for review")).to_be_visible()
        queue = fay.locator("[class*='st-key-queue_']")
        expect(queue.first).to_contain_text(OLDER)  # the longest waiting first
        expect(queue.nth(1)).to_contain_text(TITLE)
        _shoot(browser, fay, "queue")

        # Markdown links open in a new tab in Streamlit; the page is the same either way.
        visit(fay, f"{app.base}/{fay.get_by_role('link', name=TITLE).get_attribute('href')}")
        expect(fay.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        photo = fay.get_by_role("img", name="Pupils at the community hub")
        expect(photo).to_be_visible()
        assert fay.evaluate("element => element.naturalWidth", photo.element_handle()) > 0
        expect(fay.locator("[class*='st-key-attachment_']")).to_contain_text("Hub session.png")
        _shoot(browser, fay, "finding")
        with fay.expect_download() as download, fay.expect_response(lambda r: "/media/" in r.url) as served:
            fay.get_by_role("button", name="Download").click()
        assert download.value.suggested_filename.endswith(".png")
        assert served.value.headers["content-disposition"].startswith("attachment;")
        assert served.value.headers["content-type"] == "image/png"

        fay.get_by_role("button", name="Publish").click()
        expect(fay.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"{TITLE} is published.")
        idle(fay)
        expect(fay.get_by_text("Published", exact=False).first).to_be_visible()
        expect(fay.get_by_role("button", name="Publish")).to_have_count(0)

        visit(fay, f"{app.base}/review")
        expect(fay.get_by_text("1 finding waiting for review")).to_be_visible()
        expect(fay.get_by_role("link", name=TITLE)).to_have_count(0)
    finally:
        fay.context.close()

    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine, read_only=True) as session:
            status = session.scalar(select(Finding.status).where(Finding.title == TITLE))
    finally:
        engine.dispose()
    assert status == FindingStatus.PUBLISHED
