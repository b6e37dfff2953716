"""The facilitator's journey in a real browser: from the partner map to Cornwall's profile and its
project, then to the research status board to move the project on, while a second facilitator with
the same card open is told of the conflict and keeps what they chose."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db
from ctdash.models import FindingStatus, Partner, Project, ProjectStage, Visibility
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.factories import make_finding, make_project

PEOPLE = {
    "fay": Person("fay.facilitator", "Fay Facilitator", "facilitator"),
    "gil": Person("gil.facilitator", "Gil Facilitator", "facilitator"),
}
PROJECT = "Listening to families (test data)"
FINDING = "Families want lessons nearer home (test data)"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("research"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
                project = make_project(session, cornwall, title=PROJECT, stage=ProjectStage.ANALYSIS)
                make_finding(
                    session,
                    cornwall,
                    project=project,
                    title=FINDING,
                    status=FindingStatus.PUBLISHED,
                    visibility=Visibility.PUBLIC,
                )
        finally:
            engine.dispose()
        yield running


def _card(page, title: str):
    return page.locator("[class*='st-key-card_']").filter(has_text=title)


def _open_move(page, title: str):
    _card(page, title).get_by_role("button", name="Move").click()
    body = page.get_by_test_id("stPopoverBody")
    # The form's own heading: a message from the run before may still stand, faded, while this run draws.
    expect(body.locator("strong", has_text=title)).to_be_visible()
    idle(page)
    return body


def _choose_stage(body, page, stage: str) -> None:
    body.get_by_role("combobox", name="Stage").click()
    page.get_by_role("option", name=stage, exact=True).click()


def test_a_facilitator_goes_from_the_map_to_cornwall_and_moves_its_project_while_another_is_told(app, browser):
    fay, gil = new_page(browser), new_page(browser)
    try:
        sign_in(fay, app, app.people["fay"])
        sign_in(gil, app, app.people["gil"])

        # The map, then Cornwall's profile with its project and published finding.
        visit(fay, f"{app.base}/partners")
        expect(fay.locator('[data-testid="stDeckGlJsonChart"] canvas').first).to_be_visible()
        fay.get_by_role("combobox", name="Open a partner's profile").click()
        fay.get_by_role("option", name="Cornwall", exact=True).click()
        expect(fay.get_by_role("heading", name="Cornwall", level=1)).to_be_visible()
        expect(fay.get_by_text(FINDING)).to_be_visible()
        expect(fay.get_by_test_id("stDataFrame")).to_be_visible()  # the projects table

        # Both open the status board and the same card's "Move" form.
        visit(fay, f"{app.base}/research")
        visit(gil, f"{app.base}/research")
        expect(_card(fay, PROJECT)).to_contain_text("Cornwall")
        fay_form, gil_form = _open_move(fay, PROJECT), _open_move(gil, PROJECT)

        _choose_stage(fay_form, fay, "Sharing findings")
        fay_form.get_by_role("button", name="Save stage").click()
        expect(fay.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"{PROJECT} is now at “Sharing findings”")
        idle(fay)
        expect(fay.locator(".st-key-board_sharing")).to_contain_text(PROJECT)
        expect(fay.locator(".st-key-board_analysis")).not_to_contain_text(PROJECT)

        _choose_stage(gil_form, gil, "Paused")
        gil_form.get_by_role("button", name="Save stage").click()
        expect(gil_form.get_by_text("Someone else changed the project")).to_be_visible()
        # gil's choice is kept (the select box has a second, hidden input holding the same value)
        expect(gil_form.get_by_role("combobox", name="Stage").first).to_have_value("Paused")
        gil_form.get_by_role("button", name="Discard my changes and show the latest version").click()
        idle(gil)
        expect(gil.get_by_text("Someone else changed the project")).to_have_count(0)
        expect(gil.locator(".st-key-board_sharing")).to_contain_text(PROJECT)  # the board shows fay's move
        latest = _open_move(gil, PROJECT)
        expect(latest.get_by_role("combobox", name="Stage").first).to_have_value("Sharing findings")
    finally:
        fay.context.close()
        gil.context.close()

    engine = db.make_engine(app.database_url)
    try:
        with db.session_scope(engine, read_only=True) as session:
            stage = session.scalar(select(Project.stage).where(Project.title == PROJECT))
    finally:
        engine.dispose()
    assert stage == ProjectStage.SHARING
