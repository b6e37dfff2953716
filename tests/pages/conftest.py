"""AppTest helpers: run the real app.py against a fresh database."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from ctdash import db, users
from ctdash.config import get_settings
from ctdash.models import Partner, Theme
from ctdash.seed import initialise
from ctdash.sign_in import start_session
from ctdash.ui import auth
from ctdash.ui.database import _engine as app_engine
from tests.factories import make_user, viewer_for

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _navigation_mode_as_in_the_server(monkeypatch):
    """Run app.py on every AppTest run, as the real server does.

    AppTest 1.67 resets ``PagesManager.uses_pages_directory`` before each run; with a pages/ folder
    that puts it in legacy multipage mode, which runs the page script alone, skipping app.py. The
    server leaves that mode for good on the first st.navigation call, so tests do the same.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _close_the_apps_engines():
    """Each test's database has its own engine in the app's process-wide cache: drop (and dispose) it
    after the test, so idle pooled connections do not pile up on the PostgreSQL server test after test."""
    yield
    app_engine.clear()


@pytest.fixture
def app_database(monkeypatch, database_url) -> str:
    """A migrated, seeded database that the app under test will use."""
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))  # required for a shared database
    engine = db.make_engine(database_url)
    initialise(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def open_app():
    """Start app.py in AppTest and return it after the first run."""

    def run(page: str | None = None, timeout: float = 30) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout).run()
        return at.switch_page(page).run() if page else at

    return run


@pytest.fixture
def database(app_database):
    """Run service code against the app's database: ``with database() as session: ...`` commits at the end."""
    engine = db.make_engine(app_database)
    yield lambda: db.session_scope(engine)
    engine.dispose()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Sign in through the real form on the Sign in page, then run once more as the browser would."""
    at.switch_page("pages/sign_in.py").run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    return at


def signed_in_as(at: AppTest, username: str) -> AppTest:
    """The state a sign-in (form or cookie) leaves, without the bcrypt cost: a remembered sign-in row
    in the app's database, and the authenticator's session keys."""
    engine = db.make_engine(get_settings().database_url)
    with db.session_scope(engine) as session:
        session_id = start_session(session, users.user_id_of(session, username))
    engine.dispose()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state[auth.SESSION_ID] = session_id
    return at


def shown(markdown: str) -> str:
    """The text a message shows: user text in messages is markdown-escaped (ctdash.format.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture
def sharers(database):
    """For the Share a finding page: kit, a Cornwall member; fay, a facilitator; Cornwall's id; two theme slugs."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        kit = make_user(session, username="kit", partner=cornwall)
        make_user(session, role="facilitator", username="fay")
        themes = list(session.scalars(select(Theme.slug).where(Theme.active).order_by(Theme.position)))[:2]
        return {"cornwall": cornwall.id, "themes": themes, "kit": viewer_for(kit)}
