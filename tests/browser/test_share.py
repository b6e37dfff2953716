"""The issue's journey in a real browser: a Cornwall member shares a finding with a PDF and a photo, is
warned about an email address left in the summary, fixes it, submits and gets a receipt with the
finding's reference; then a facilitator publishes it from the review queue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db
from ctdash.models import Attachment, Finding, FindingStatus
from ctdash.ui.share import CONSENT_LABEL
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.samples import pdf_document, picture

PEOPLE = {
    "kit": Person("kit.kernow", "Kit Kernow", "member"),
    "fay": Person("fay.facilitator", "Fay Facilitator", "facilitator"),
}
TITLE = "Saturday sessions bring families back (test data)"
SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("share"), PEOPLE) as running:
        yield running


def _shoot(page, name: str) -> None:
    """Screenshots of the whole page at 390 and 1400 px (tall: Streamlit scrolls inside the page); ends at 390."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1400):
        page.set_viewport_size({"width": width, "height": 2600})
        idle(page)
        page.screenshot(path=str(SHOTS / f"share-{name}-{width}.png"))
    page.set_viewport_size(PHONE)
    idle(page)


def _choose(page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)  # the list filters as one types, so the option is at hand whatever reruns meanwhile
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("option")).to_have_count(0)
    idle(page)


def test_a_member_shares_a_finding_with_a_pdf_and_a_photo_and_fixes_an_email_address(app, browser):
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["kit"])
        page.set_viewport_size(PHONE)  # the journey on a phone: Streamlit starts with the sidebar closed there
        visit(page, f"{app.base}/share")
        expect(page.get_by_role("heading", name="Share a finding")).to_be_visible()
        expect(page.get_by_text("Up to 5 files")).to_be_visible()

        page.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
        page.get_by_role("textbox", name="Summary", exact=True).fill(
            "Families came back when sessions moved to **Saturdays**. Ask jo@example.org for the survey."
        )
        page.get_by_text("Enabler", exact=True).click()
        idle(page)
        page.get_by_role("combobox", name="Themes").click()
        page.get_by_role("option", name="Rural and geographic access", exact=True).click()
        page.keyboard.press("Escape")
        expect(page.get_by_role("option")).to_have_count(0)
        idle(page)
        _choose(page, "Evidence type", "Survey")

        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            [
                {"name": "attendance.pdf", "mimeType": "application/pdf", "buffer": pdf_document()},
                {"name": "rehearsal.jpg", "mimeType": "image/jpeg", "buffer": picture("JPEG", size=(640, 480))},
            ]
        )
        for name, description in (("attendance.pdf", "Attendance by month"), ("rehearsal.jpg", "A rehearsal")):
            box = page.get_by_role("textbox", name=f"Description of {name}")
            expect(box).to_be_visible()
            box.fill(description)
            box.press("Tab")
            idle(page)
        files = page.locator("[class*='st-key-share_file_new_']")
        expect(files).to_have_count(2)
        for index in range(2):
            files.nth(index).get_by_text(CONSENT_LABEL).click()
            idle(page)
        _shoot(page, "form")

        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("An email address, jo@example.org, in Summary")).to_be_visible()
        expect(page.locator(".st-key-share_safeguarding a")).to_have_count(0)  # shown as text, not a mailto link
        _shoot(page, "warning")

        page.get_by_role("textbox", name="Summary", exact=True).fill(
            "Families came back when sessions moved to **Saturdays**. Ask the service lead for the survey."
        )
        page.get_by_role("button", name="Submit for review").click()
        receipt = page.locator(".st-key-share_receipt")
        expect(receipt.get_by_text(re.compile(r"Its reference is CT-\d{6}"))).to_be_visible()
        expect(receipt.get_by_text("attendance.pdf", exact=False)).to_be_visible()
        expect(receipt.get_by_text("rehearsal.jpg", exact=False)).to_be_visible()
        _shoot(page, "receipt")
    finally:
        page.context.close()

    # A facilitator publishes it from the review queue.
    fay = new_page(browser)
    try:
        sign_in(fay, app, app.people["fay"])
        visit(fay, f"{app.base}/review")
        link = fay.get_by_role("link", name=TITLE)
        expect(link).to_be_visible()
        visit(fay, f"{app.base}/{link.get_attribute('href')}")  # markdown links open a new tab; same page
        fay.get_by_role("button", name="Publish").click()
        expect(fay.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"{TITLE} is published.")
    finally:
        fay.context.close()

    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine) as session:
            finding = session.scalars(select(Finding).where(Finding.title == TITLE)).one()
            assert finding.status == FindingStatus.PUBLISHED
            assert "jo@example.org" not in finding.summary
            names = sorted(session.scalars(select(Attachment.original_name).where(Attachment.finding_id == finding.id)))
            assert names == ["attendance.pdf", "rehearsal.jpg"]
    finally:
        engine.dispose()
