"""Real-browser fixtures: the app served by ``streamlit run`` and Debian's headless Chromium via Playwright.

Without Chromium (or the playwright package) these tests skip, unless ``CTDASH_REQUIRE_BROWSER=1``.
On failure a screenshot of the page is saved under ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ctdash import db
from ctdash.seed import initialise
from ctdash.ui.auth import COOKIE_NAME
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, streamlit_server

REQUIRE_BROWSER = os.environ.get("CTDASH_REQUIRE_BROWSER") == "1"
ARTIFACTS = PROJECT_DIR / "test-artifacts"


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (CTDASH_REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM}; install Debian's chromium and chromium-driver")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def seeded_database(folder: Path) -> str:
    """A fresh SQLite database in ``folder``, migrated and seeded; returns its URL."""
    database_url = f"sqlite:///{folder / 'ctdash.db'}"
    engine = db.make_engine(database_url)
    initialise(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def app_url(tmp_path):
    """A running app on a fresh, seeded SQLite database; yields (base URL, database URL)."""
    database_url = seeded_database(tmp_path)
    with streamlit_server(database_url) as base:
        yield base, database_url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', item.name)}.png"), full_page=True)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


# --- waiting on the page ----------------------------------------------------------------------

COOKIE_IS_SET = f"document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))"

# Runs in every page load: logs each cookie-component reply and each change of the script state.
RECORDER = f"""
if (window === window.top) {{
  window.__events = [];
  const note = kind => window.__events.push({{kind, at: performance.now(), cookie: {COOKIE_IS_SET}}});
  window.addEventListener("message", event => {{
    if (event.data && event.data.type === "streamlit:setComponentValue") note("reply");
  }});
  const watch = () => {{
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) {{ setTimeout(watch, 10); return; }}
    const state = () => note(app.getAttribute("data-test-script-state"));
    state();
    new MutationObserver(state).observe(app, {{attributes: true, attributeFilter: ["data-test-script-state"]}});
  }};
  watch();
}}
"""

# True once a cookie-component reply has come since the page loaded, and the script run that
# the latest reply asked for has finished (the run picks up every reply sent before it ends).
# A reply that changes nothing starts no run; then a second of quiet after it counts as settled.
SETTLED = """() => {
  const events = window.__events || [];
  const lastReply = events.map(e => e.kind).lastIndexOf("reply");
  const app = document.querySelector('[data-testid="stApp"]');
  if (lastReply < 0 || !app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  const after = events.slice(lastReply + 1);
  const quiet = after.every(e => e.kind !== "running") && performance.now() - events[lastReply].at > 1000;
  return after.some(e => e.kind === "notRunning") || quiet;
}"""


@pytest.fixture(autouse=True)
def _record_events(page):  # every browser test page records, so any test can settle()
    page.add_init_script(RECORDER)


def settle(page) -> None:
    """Wait until the cookie component has replied and the app has run for it.

    Acting before that races a rerun the component triggers; a click that lands in it has been
    seen to be lost (about 1 in 50 tries), which is not what these tests are about.
    """
    page.wait_for_function(SETTLED)
