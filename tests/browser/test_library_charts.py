"""The findings library's charts in a real browser (tests/browser/chart_app.py on fixed test data):
clicking a bar or a cell hands its theme, cycle or (theme, partner) back to the script, and the
three charts fit a desktop and a phone screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import idle
from tests.browser.server import streamlit_server

CHARTS = ("theme", "cycle", "cell")


@pytest.fixture(scope="module")
def chart_app(tmp_path_factory):
    # The script reads no database; the server helper just needs a URL to pass on.
    database_url = f"sqlite:///{tmp_path_factory.mktemp('charts') / 'unused.db'}"
    with streamlit_server(database_url, script="tests/browser/chart_app.py") as base:
        yield base


def _open(browser, base: str, width: int, query: str = ""):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(base + query)
    expect(page.get_by_text("Cell picked: None")).to_be_visible()
    idle(page)
    return page


def _marks(page, chart: str):
    return page.locator(f".st-key-{chart}_chart [role='graphics-symbol'][aria-roledescription='bar']")


def _click(page, chart: str, label: str) -> None:
    """Click the middle of a bar or cell, found by the text Vega gives it for screen readers, as a
    person would: on a heat map cell that is its number, which must select the cell too."""
    mark = page.locator(f".st-key-{chart}_chart [role='graphics-symbol'][aria-label='{label}']")
    expect(mark).to_be_visible()
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_theme_bar_hands_back_the_themes_slug(chart_app, browser):
    page = _open(browser, chart_app, 1400)
    try:
        expect(page.get_by_text("Theme picked: None")).to_be_visible()
        _click(page, "theme", "Theme Rural and geographic access: 6 barriers.")
        expect(page.get_by_text("Theme picked: rural")).to_be_visible()
        idle(page)
        _click(page, "theme", "Theme Youth voice and co-design: 3 insights.")
        expect(page.get_by_text("Theme picked: youth-voice")).to_be_visible()
        idle(page)
        # A bar's label selects as its bar does (the heat map's numbers rely on the same).
        page.locator(".st-key-theme_chart svg text").filter(has_text="2 barriers").click(force=True)
        expect(page.get_by_text("Theme picked: pricing")).to_be_visible()
    finally:
        page.close()


def test_a_click_that_filters_the_charts_own_rows_stays_selected(chart_app, browser):
    page = _open(browser, chart_app, 1400, "/?filter=1")
    try:
        _click(page, "theme", "Theme Rural and geographic access: 6 barriers.")
        expect(page.get_by_text("Theme picked: rural")).to_be_visible()
        # The chart redraws with Rural's rows only, and its selection survives the new data.
        expect(_marks(page, "theme")).to_have_count(3)
        idle(page)
        expect(page.get_by_text("Theme picked: rural")).to_be_visible()
        expect(page.locator(".st-key-theme_chart")).to_contain_text("Most findings are about Rural")
        # A click on the chart away from any bar clears the selection, and the filter with it.
        chart = page.locator(".st-key-theme_chart svg").first.bounding_box()
        bar = _marks(page, "theme").last.bounding_box()  # "1 insight": short, with empty plot beyond it
        page.mouse.click(chart["x"] + chart["width"] * 0.9, bar["y"] + bar["height"] / 2)
        expect(page.get_by_text("Theme picked: None")).to_be_visible()
        expect(_marks(page, "theme")).to_have_count(7)  # a bar for each of chart_app.THEMES
    finally:
        page.close()


def test_clicking_a_cycle_bar_or_a_heat_map_cell_hands_back_what_was_clicked(chart_app, browser):
    page = _open(browser, chart_app, 1400)
    try:
        _click(page, "cycle", "Cycle 2023-24: 5 enablers.")
        expect(page.get_by_text("Cycle picked: 2023-24")).to_be_visible()
        idle(page)
        _click(page, "cell", "Example 17, Youth voice and co-design: 8 findings.")
        expect(page.get_by_text("Cell picked: youth-voice at example-17")).to_be_visible()
        expect(page.get_by_text("Cycle picked: 2023-24")).to_be_visible()  # each chart keeps its own
    finally:
        page.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_charts_fit_the_screen_with_their_summaries(chart_app, browser, width):
    page = _open(browser, chart_app, width)
    shots = Path(os.environ.get("CTDASH_SHOTS", "/tmp/shots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        for chart in CHARTS:
            block = page.locator(f".st-key-{chart}_chart")
            svg = block.locator("svg").first
            expect(svg).to_be_visible()
            expect(block.get_by_text("The numbers as a table")).to_be_visible()
            box = svg.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"the {chart} chart overflows"
            block.screenshot(path=str(shots / f"charts-{chart}-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    finally:
        page.close()
