"""The partner map in a real browser: the map draws (offline too), the legend and table are there, and
choosing a partner opens its profile."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import settle, visit


def test_the_map_page_draws_the_map_and_the_table_and_opens_a_profile(app_url, page):
    base, _ = app_url
    visit(page, f"{base}/partners")
    expect(page.get_by_role("heading", name="Partner services", level=1)).to_be_visible()
    expect(page.locator('[data-testid="stDeckGlJsonChart"] canvas').first).to_be_visible()
    expect(page.get_by_text("action research partner (funded to research inclusion")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    page.get_by_role("combobox", name="Open a partner's profile").click()
    page.get_by_role("option", name="Cornwall", exact=True).click()
    expect(page.get_by_role("heading", name="Cornwall", level=1)).to_be_visible()
    settle(page)
    expect(page).to_have_url(re.compile(r"/partner\?id=\d+$"))  # a link to the profile can be shared
    expect(page.get_by_text("South West · Cornwall")).to_be_visible()
