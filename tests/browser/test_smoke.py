from playwright.sync_api import expect

from tests.browser.conftest import visit


def test_home_page_shows_the_partner_count(app_url, page):
    base, _ = app_url
    visit(page, f"{base}/home")
    expect(page.get_by_role("heading", name="Changing Tracks: inclusion dashboard")).to_be_visible()
    partners = page.locator('[data-testid="stMetric"]', has_text="Partner services")
    expect(partners).to_contain_text("15")
    expect(page.locator('[data-testid="stMetric"]', has_text="Action research")).to_contain_text("9")
    expect(page.get_by_text("No findings have been published yet.")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
