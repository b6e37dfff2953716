"""The first-run journey in a real browser: setup, the first admin adds people, each sees their pages."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import new_page, settle, visit
from tests.browser.server import log_path

ADMIN_PASSWORD = "Str0ng-Password!"
MEMBER_PASSWORD = "Kernow-Music-2026"


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def expect_menu(page: Page, labels: list[str]) -> None:
    # Each link's text starts with its icon's name (e.g. "homeHome"), so match the end.
    expect(sidebar(page).get_by_role("link")).to_have_text([re.compile(rf"{re.escape(label)}$") for label in labels])


def setup_code_in_log(base: str) -> str:
    """The setup code as the person who started the server reads it in its terminal."""
    found = re.findall(r"Setup code: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", log_path(base).read_text())
    assert len(found) == 1, "the server prints its setup code once"
    return found[0]


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    visit(page, f"{base}/sign_in")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(sidebar(page)).to_contain_text("Signed in as")
    settle(page)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def add_person(page: Page, *, name: str, username: str, role: str, partner: str | None = None) -> str:
    """Fill in 'Add a person' on the People page; returns the temporary password shown once."""
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    choose(page, "Role", role)
    if partner:
        choose(page, "Partner service (for members)", partner)
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"{name} can now sign in as {username}.")
    settle(page)
    code = page.locator('[data-testid="stCode"] code')
    expect(code).to_have_count(1)
    return code.inner_text().strip()


def test_fresh_install_to_an_admin_a_facilitator_and_a_member_of_cornwall(app_url, browser, page):
    base, _ = app_url
    visit(page, base)
    expect(page.get_by_role("heading", name="Welcome to ctdash")).to_be_visible()
    page.get_by_role("textbox", name="Setup code").fill(setup_code_in_log(base))
    page.get_by_role("textbox", name="Your name").fill("Ada Admin")
    page.get_by_role("textbox", name="Username").fill("ada")
    page.get_by_role("textbox", name="Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("textbox", name="Password again").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Administrator ada created.")
    settle(page)
    expect(page.get_by_role("button", name="Create administrator")).to_have_count(0)
    expect(page.get_by_test_id("stMain").get_by_role("link", name="Sign in")).to_be_visible()
    expect_menu(page, ["Home", "Findings library", "Partner map", "Sign in"])

    sign_in(page, base, "ada", ADMIN_PASSWORD)
    expect_menu(
        page,
        [
            "Home",
            "Findings library",
            "Partner map",
            "Research status",
            "Share a finding",
            "My findings",
            "Review queue",
            "Sessions",
            "Programme report",
            "My account",
            "People",
            "Import spreadsheets",
            "Audit log",
        ],
    )
    visit(page, f"{base}/people")
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    facilitator_password = add_person(page, name="Fay Facilitator", username="fay", role="Facilitator")
    member_password = add_person(page, name="Kit Kernow", username="kit", role="Member", partner="Cornwall")
    assert facilitator_password != member_password
    page.context.close()

    page = new_page(browser)
    sign_in(page, base, "kit", member_password)
    expect(sidebar(page)).to_contain_text("Member · Cornwall")
    expect(page.get_by_text("Choose a new password before you go on")).to_be_visible()
    page.get_by_role("link", name="Change my password").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    settle(page)
    page.get_by_role("textbox", name="Current password").fill(member_password)
    page.get_by_role("textbox", name="New password", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_role("textbox", name="New password again").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Your password is changed.")
    settle(page)
    expect_menu(
        page,
        [
            "Home",
            "Findings library",
            "Partner map",
            "Research status",
            "Share a finding",
            "My findings",
            "Sessions",
            "My account",
        ],
    )
    visit(page, f"{base}/people")
    expect(page.get_by_text("This page is for administrators.")).to_be_visible()
    expect(page.get_by_role("heading", name="People", level=1)).to_have_count(0)
    page.context.close()

    page = new_page(browser)
    sign_in(page, base, "fay", facilitator_password)
    expect(sidebar(page)).to_contain_text("Facilitator")
    visit(page, f"{base}/audit_log")
    expect(page.get_by_text("This page is for administrators.")).to_be_visible()
    page.context.close()
