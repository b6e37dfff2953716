"""Real-browser fixtures: the app served by ``streamlit run`` and Debian's headless Chromium via Playwright.

Without Chromium (or the playwright package) these tests skip, unless ``CTDASH_REQUIRE_BROWSER=1``.
On failure a screenshot of the page is saved under ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from ctdash import db, users
from ctdash.config import Settings, cookie_key
from ctdash.seed import initialise
from ctdash.ui.auth import COOKIE_NAME
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, streamlit_server

REQUIRE_BROWSER = os.environ.get("CTDASH_REQUIRE_BROWSER") == "1"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
PASSWORD = "Blue-Tracks-2024!"  # every account made by serve_with_people
TIMEOUT_MS = 60_000  # for every wait: a fresh server's first run on a busy 2-core machine takes seconds


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (CTDASH_REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own default, 5 s, not the page's
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


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    role: str
    id: int = 0


@dataclass(frozen=True)
class App:
    base: str
    database_url: str
    people: dict[str, Person]
    replicas: tuple[str, ...] = ()  # the base URLs of further servers on the same database


@contextlib.contextmanager
def serve_with_people(
    folder: Path, people: dict[str, Person], *, database_url: str | None = None, replicas: int = 1
) -> Iterator[App]:
    """The app on a fresh database with these accounts (password ``PASSWORD``; members belong to
    Cornwall), made before any browser starts: by default a SQLite file in ``folder``, or the empty
    ``database_url`` given; ``replicas`` servers on it, as a shared deployment runs them."""
    if database_url is None:
        database_url = seeded_database(folder)
        cookie_key(Settings(database_url=database_url))  # made now, so tests can read it before any page has run
        env = {}
    else:
        engine = db.make_engine(database_url)
        initialise(engine)
        engine.dispose()
        env = {"CTDASH_COOKIE_KEY": secrets.token_urlsafe(48)}  # a shared database: the same key for every server
    engine = db.make_engine(database_url)
    made = {}
    try:
        with db.session_scope(engine) as session:
            for name, person in people.items():
                account = users.create_user_from_cli(
                    session,
                    username=person.username,
                    display_name=person.display_name,
                    email=None,
                    role=person.role,
                    partner_name="Cornwall" if person.role == "member" else None,
                    password=PASSWORD,
                )
                made[name] = replace(person, id=account.id)
    finally:
        engine.dispose()
    with contextlib.ExitStack() as servers:
        bases = [servers.enter_context(streamlit_server(database_url, env=env)) for _ in range(replicas)]
        yield App(bases[0], database_url, made, tuple(bases[1:]))


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
            path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', item.name)}.png"
            with contextlib.suppress(Exception):  # the page may be gone; the failure itself is what matters
                page.screenshot(path=str(path), full_page=True)


def new_page(browser):
    """A page in its own browser context (its own cookies) that records runs, so ``settle`` works."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


# --- waiting on the page ----------------------------------------------------------------------

COOKIE_IS_SET = f"document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))"

# Runs in every page load. Logs, in order: each cookie-component reply ("reply"), each rerun request
# the page sends ("request"), each run the server starts ("started") and ends ("finished", with its
# status), read from the websocket's protobuf frames (BackMsg.rerun_script = field 11; ForwardMsg
# new_session = 4, script_finished = 6), and each change of the app's data-test-script-state.
RECORDER = """
if (window === window.top) {
  window.__events = [];
  window.__changed = performance.now();  // the last change to the page's elements
  new MutationObserver(() => { window.__changed = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const note = (kind, extra) => window.__events.push({kind, at: performance.now(), ...extra});
  window.addEventListener("message", event => {
    if (event.data && event.data.type === "streamlit:setComponentValue") note("reply");
  });
  // The top-level fields of a protobuf message, as [field number, varint value or null].
  const fields = data => {
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data), found = [];
    let at = 0;
    const varint = () => { let value = 0, shift = 0, byte;
      do { byte = bytes[at++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128);
      return value; };
    while (at < bytes.length) {
      const tag = varint(), type = tag % 8, number = Math.floor(tag / 8);
      if (type === 0) found.push([number, varint()]);
      else if (type === 2) { const length = varint(); at += length; found.push([number, null]); }
      else if (type === 1) { at += 8; found.push([number, null]); }
      else if (type === 5) { at += 4; found.push([number, null]); }
      else break;
    }
    return found;
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const binary = data instanceof ArrayBuffer || ArrayBuffer.isView(data);
    if (binary && fields(data).some(([number]) => number === 11)) note("request");
    return send.call(this, data);
  };
  const Native = WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", event => {
        if (!(event.data instanceof ArrayBuffer)) return;
        for (const [number, value] of fields(event.data)) {
          if (number === 4) note("started");
          if (number === 6) note("finished", {status: value});
        }
      });
    }
  };
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { setTimeout(watch, 10); return; }
    const state = () => note(app.getAttribute("data-test-script-state"));
    state();
    new MutationObserver(state).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
  };
  watch();
}
"""

# True once the page has asked for a run (its first, or the one a cookie component's reply needs) and
# no component has replied since, the server has started a run after the last request (the server
# folds every request it has received into the next run it starts, so that run includes ours), that
# run has finished normally (not cut short by a rerun), the page shows it finished, and nothing on
# the page has changed for QUIET_MS (elements whose code loads on first use are drawn a moment after
# the run). A page load draws no cookie component (ctdash.ui.auth.CookieWriter): signing in and out do.
QUIET_MS = 300
SETTLED = """() => {
  const events = window.__events || [];
  const last = kind => events.map(e => e.kind).lastIndexOf(kind);
  const reply = last("reply"), request = last("request"), started = last("started"), finished = last("finished");
  const app = document.querySelector('[data-testid="stApp"]');
  return request >= 0 && request > reply && started > request && finished > started
    && [0, 3].includes(events[finished].status)
    && !!app && app.getAttribute("data-test-script-state") === "notRunning"
    && performance.now() - window.__changed >= QUIET_MS;
}""".replace("QUIET_MS", str(QUIET_MS))


def settle(page) -> None:
    """Wait until the page's run, and the run any cookie component's reply asked for, has finished.

    Acting before that races a rerun; a click that lands in it has been seen to be lost (about 1 in
    50 tries, when every page load drew a reading cookie component), which is not what these tests
    are about.
    """
    page.wait_for_function(SETTLED)


IDLE = (
    "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"
)


def idle(page) -> None:
    """Wait until no run is in progress; call it after waiting for something the run draws, so the run has begun."""
    page.wait_for_function(IDLE)


def visit(page, url: str) -> None:
    """Go to ``url`` in a new session and wait until the app has finished running for it."""
    page.goto(url)
    settle(page)


def reload(page) -> None:
    """Reload the page (a new session, signed in again from the cookie) and wait until it has settled."""
    page.reload()
    settle(page)
