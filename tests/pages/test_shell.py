"""The app shell that app.py runs before every page: what it remembers between runs, and what it must not."""

from __future__ import annotations

import pytest

from ctdash import db, users
from ctdash.config import get_settings
from ctdash.seed import initialise
from ctdash.ui import database as app_database_module
from tests.factories import make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _menu(at):
    return [link.proto.label for link in at.sidebar.get("page_link")]


@pytest.fixture
def account_counts(monkeypatch):
    """How many times the shell has counted the accounts."""
    calls = []
    original = users.count_users

    def counted(session):
        calls.append(1)
        return original(session)

    monkeypatch.setattr(app_database_module.users, "count_users", counted)
    return calls


def test_accounts_are_counted_only_until_one_exists(app_database, open_app, database, account_counts):
    at = open_app()
    assert "First-run setup" in _menu(at)
    at.run()
    assert len(account_counts) == 2, "with no account yet, every run looks again"

    with database() as session:
        make_user(session, role="admin", username="ada")
    at.run()
    assert "First-run setup" not in _menu(at)
    counted = len(account_counts)
    at.run()
    open_app()  # another visitor's session, in the same process
    assert len(account_counts) == counted, "once an account exists, setup can never be needed again"
    assert _menu(at) == ["Home", "Findings library", "Partner map", "Sign in"]


def test_a_new_empty_database_is_still_offered_setup(app_database, open_app, database, monkeypatch, tmp_path):
    with database() as session:
        make_user(session, role="admin", username="ada")
    assert "First-run setup" not in _menu(open_app())

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = db.make_engine(empty)
    initialise(engine)
    engine.dispose()
    monkeypatch.setenv("CTDASH_DATABASE_URL", empty)
    get_settings.cache_clear()
    assert "First-run setup" in _menu(open_app()), "what was learnt about one database says nothing of another"


def test_each_session_gets_its_own_pages_and_both_keep_working(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    first, second = open_app(), open_app()
    for at in (first, second, first, second):
        at.switch_page("pages/library.py").run()
        assert not at.exception
        at.switch_page("pages/home.py").run()
        assert not at.exception and at.metric


def test_a_page_with_several_cached_reads_asks_for_the_revisions_once_a_run(app_database, open_app, monkeypatch):
    asked = []
    original = db.current_revisions

    def counted(session, *args, **kwargs):
        asked.append(1)
        return original(session, *args, **kwargs)

    monkeypatch.setattr(app_database_module.db, "current_revisions", counted)
    at = open_app("pages/library.py")  # two cached reads: the findings and the facet choices
    assert not at.exception
    asked.clear()
    at.run()
    assert len(asked) == 1
    at.run()
    assert len(asked) == 2, "every run asks again, so a change from elsewhere is seen at once"


def test_a_signed_in_rerun_asks_the_database_in_one_session_and_still_checks_the_sign_in(
    app_database, open_app, database, monkeypatch
):
    from ctdash import sign_in
    from ctdash.ui import auth
    from tests.pages.conftest import signed_in_as

    with database() as session:
        make_user(session, username="kit")
    opened, asked = [], []
    original_scope, original_revisions = db.session_scope, db.current_revisions

    def counted_scope(*args, **kwargs):
        opened.append(1)
        return original_scope(*args, **kwargs)

    def counted_revisions(session, *args, **kwargs):
        asked.append(1)
        return original_revisions(session, *args, **kwargs)

    at = signed_in_as(open_app(), "kit")
    at.switch_page("pages/library.py").run()
    assert not at.exception and at.sidebar.button(key="sign_out")
    monkeypatch.setattr(db, "session_scope", counted_scope)
    monkeypatch.setattr(db, "current_revisions", counted_revisions)
    at.run()  # warm: the credentials, the remembered sign-in, the revisions, then cached reads only
    assert not at.exception and at.sidebar.button(key="sign_out")
    assert (len(opened), len(asked)) == (1, 1)
    with original_scope(db.make_engine(app_database)) as session:  # signed out on another device
        sign_in.end_session(session, at.session_state[auth.SESSION_ID])
    at.run()
    assert not at.exception
    assert not [button for button in at.sidebar.button if button.key == "sign_out"], "checked on every run"
