"""The findings library in a real browser: a member searches a word from a finding's summary, narrows
by a theme facet, shares the view as a link (the back button returns to the view before), downloads
the view as a workbook, opens the finding on a phone and comments on it."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ctdash import db
from ctdash.models import FindingKind, FindingStatus, Partner, Theme, Visibility
from tests.browser.conftest import Person, idle, new_page, serve_with_people, visit
from tests.browser.test_auth import sign_in
from tests.factories import make_finding

PEOPLE = {"kit": Person("kit.kernow", "Kit Kernow", "member")}
WANTED = "Saturday sessions bring families back (test data)"
OTHER = "Bus fares keep rural families away (test data)"
UNRELATED = "Youth panels choose the repertoire (test data)"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serve_with_people(tmp_path_factory.mktemp("library"), PEOPLE) as running:
        engine = db.make_engine(running.database_url)
        try:
            with db.session_scope(engine) as session:
                cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
                hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
                themes = {theme.slug: theme for theme in session.scalars(select(Theme))}
                for partner, title, summary, theme, kind in (
                    (
                        cornwall,
                        WANTED,
                        "Attendance rose when rehearsals moved to Saturday mornings.",
                        "socio-economic-disadvantage",
                        FindingKind.ENABLER,
                    ),
                    (
                        hull,
                        OTHER,
                        "Families far from the centre could not pay the bus fare to rehearsals.",
                        "rural-and-geographic-access",
                        FindingKind.BARRIER,
                    ),
                    (
                        hull,
                        UNRELATED,
                        "Young people picked the music.",
                        "youth-voice-and-co-design",
                        FindingKind.ENABLER,
                    ),
                ):
                    make_finding(
                        session,
                        partner,
                        title=title,
                        summary=summary,
                        kind=kind,
                        themes=[themes[theme]],
                        status=FindingStatus.PUBLISHED,
                        visibility=Visibility.GROUP,
                        cycle="2024-25",
                    )
        finally:
            engine.dispose()
        yield running


def _listed(page):
    """The findings listed: each is a link to its finding in the results block."""
    return page.locator(".st-key-library_results a[href*='finding?id=']")


def test_a_member_searches_narrows_by_theme_shares_the_view_and_opens_the_finding(app, browser):
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["kit"])
        visit(page, f"{app.base}/library")
        expect(_listed(page)).to_have_count(3)

        search = page.get_by_role("textbox", name="Search findings")
        search.fill("rehearsals")
        search.press("Enter")
        expect(_listed(page)).to_have_count(2)
        idle(page)
        expect(page).to_have_url(re.compile(r"[?&]q=rehearsals"))

        page.get_by_role("combobox", name="Theme").click()
        page.get_by_role("option", name=re.compile(r"^Socio-economic disadvantage \(1\)")).click()
        page.keyboard.press("Escape")
        expect(_listed(page)).to_have_count(1)
        expect(_listed(page).first).to_contain_text(WANTED)
        idle(page)
        shared = page.url
        assert "theme=socio-economic-disadvantage" in shared

        page.go_back()  # the view before the theme was chosen
        expect(_listed(page)).to_have_count(2)
        idle(page)

        other = new_page(browser)  # the link, opened by someone else: the same view
        try:
            sign_in(other, app, app.people["kit"])
            visit(other, shared)
            expect(_listed(other)).to_have_count(1)
            expect(other.get_by_role("textbox", name="Search findings")).to_have_value("rehearsals")
        finally:
            other.context.close()

        with page.expect_download() as download:  # the view as a workbook, opened as a spreadsheet program would
            page.get_by_role("button", name="Excel").click()
        workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
        titles = [row[1] for row in workbook["Findings"].iter_rows(min_row=2, values_only=True)]
        assert sorted(titles) == sorted([WANTED, OTHER])
        idle(page)

        page.set_viewport_size(PHONE)
        idle(page)
        link = page.locator(".st-key-library_results").get_by_role("link", name=WANTED)
        visit(page, f"{app.base}/{link.get_attribute('href')}")  # markdown links open a new tab; same page here
        expect(page.get_by_role("heading", name=WANTED)).to_be_visible()

        page.get_by_text("Support", exact=True).click()
        idle(page)
        page.get_by_role("textbox", name="Your comment").fill("We saw the same with Sunday rehearsals (test data).")
        page.get_by_role("button", name="Post comment").click()
        expect(page.get_by_text("Your comment is posted.").first).to_be_visible()
        expect(page.get_by_text("We saw the same with Sunday rehearsals (test data).")).to_be_visible()
    finally:
        page.context.close()


def test_a_shared_link_with_a_theme_keeps_the_theme_when_a_kind_is_chosen(app, browser):
    page = new_page(browser)
    try:
        sign_in(page, app, app.people["kit"])
        visit(page, f"{app.base}/library?theme=youth-voice-and-co-design")
        expect(_listed(page)).to_have_count(1)
        expect(_listed(page).first).to_contain_text(UNRELATED)

        page.get_by_role("combobox", name="Kind").click()
        page.get_by_role("option", name=re.compile(r"^Enabler \(1\)")).click()
        page.keyboard.press("Escape")
        idle(page)
        expect(page).to_have_url(re.compile(r"[?&]kind=enabler"))
        assert "theme=youth-voice-and-co-design" in page.url  # the link's theme is still chosen
        expect(_listed(page)).to_have_count(1)
        expect(_listed(page).first).to_contain_text(UNRELATED)
        expect(page.get_by_role("combobox", name="Theme")).to_be_visible()
        assert "Youth voice and co-design" in page.locator(".st-key-library_theme").inner_text()
    finally:
        page.context.close()
