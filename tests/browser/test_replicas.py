"""Two app servers on one PostgreSQL database, as a shared deployment runs them behind a proxy: what is
done through one is seen through the other on its next rerun (page caches are keyed by the data
revisions stored in the database, not by anything one process holds)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db
from ctdash.models import Partner, ProjectStage
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.browser.test_research_status import _card, _choose_stage, _open_move
from tests.browser.test_share import _choose
from tests.factories import make_project

PEOPLE = {
    "kit": Person("kit.kernow", "Kit Kernow", "member"),
    "fay": Person("fay.facilitator", "Fay Facilitator", "facilitator"),
}
TITLE = "Two servers, one finding (test data)"
PROJECT = "Listening across servers (test data)"


@pytest.fixture(scope="module")
def app(tmp_path_factory, postgres_server):
    database_url = postgres_server.create_database()
    try:
        folder = tmp_path_factory.mktemp("replicas")
        with serve_with_people(folder, PEOPLE, database_url=database_url, replicas=2) as app:
            engine = db.make_engine(database_url)
            try:
                with db.session_scope(engine) as session:
                    cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
                    make_project(session, cornwall, title=PROJECT, stage=ProjectStage.ANALYSIS)
            finally:
                engine.dispose()
            yield app
    finally:
        postgres_server.drop(database_url)


def test_a_finding_submitted_on_one_server_and_a_stage_moved_on_the_other_are_seen_on_both(app, browser):
    first, second = app.base, app.replicas[0]
    kit, fay = new_page(browser), new_page(browser)
    try:
        # Fay opens the review queue and the status board on the second server first, so both are cached there.
        sign_in(fay, app, app.people["fay"])
        visit(fay, f"{second}/review")
        expect(fay.get_by_role("heading", name="Review queue")).to_be_visible()
        expect(fay.get_by_role("link", name=TITLE)).to_have_count(0)

        # Kit submits a finding through the first server.
        sign_in(kit, app, app.people["kit"])
        visit(kit, f"{first}/share")
        kit.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
        kit.get_by_role("textbox", name="Summary", exact=True).fill("Sessions nearer home brought families back.")
        kit.get_by_text("Enabler", exact=True).click()
        idle(kit)
        kit.get_by_role("combobox", name="Themes").click()
        kit.get_by_role("option", name="Rural and geographic access", exact=True).click()
        kit.keyboard.press("Escape")
        expect(kit.get_by_role("option")).to_have_count(0)
        idle(kit)
        _choose(kit, "Evidence type", "Survey")
        kit.get_by_role("button", name="Submit for review").click()
        expect(kit.locator(".st-key-share_receipt")).to_be_visible()

        # The second server shows it on its next rerun.
        visit(fay, f"{second}/review")
        expect(fay.get_by_role("link", name=TITLE)).to_be_visible()

        # Fay moves the project on the second server; Kit's board on the first server shows the move.
        visit(kit, f"{first}/research")
        expect(kit.locator(".st-key-board_analysis")).to_contain_text(PROJECT)
        visit(fay, f"{second}/research")
        form = _open_move(fay, PROJECT)
        _choose_stage(form, fay, "Sharing findings")
        form.get_by_role("button", name="Save stage").click()
        expect(fay.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"{PROJECT} is now at “Sharing findings”")
        visit(kit, f"{first}/research")
        expect(kit.locator(".st-key-board_sharing")).to_contain_text(PROJECT)
        expect(_card(kit, PROJECT)).to_be_visible()
    finally:
        kit.context.close()
        fay.context.close()
