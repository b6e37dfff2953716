"""Faults around a save: the database stops answering just after the server committed."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, event

from ctdash import users
from tests.factories import make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def line_drops_after_a_commit(monkeypatch):
    """Arm it, and the next commit of a transaction that inserted a user succeeds on the server, then
    the connection drops before the answer arrives: the network fault, not the database, is faked."""
    state = {"armed": False, "due": False, "reaches_server": True}

    def watch(connection, cursor, statement, *_):
        if state["armed"] and statement.lstrip().upper().startswith("INSERT INTO USERS"):
            state["due"] = True

    real_commit = psycopg.Connection.commit

    def commit(self):
        if not (state["due"] and not state["reaches_server"]):
            real_commit(self)
        if state["due"]:
            state["armed"] = state["due"] = False
            self.close()  # the line is gone: the driver sees a closed connection
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    event.listen(Engine, "after_cursor_execute", watch)
    monkeypatch.setattr(psycopg.Connection, "commit", commit)
    yield state
    event.remove(Engine, "after_cursor_execute", watch)


def _add_noor(open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        partner = next(iter(users.partner_choices(session)))
    at = signed_in_as(open_app(), "ada").run().switch_page("pages/people.py").run()
    at.text_input(key="add_name").input("Noor Example")
    at.text_input(key="add_username").input("noor")
    at.selectbox(key="add_partner").select(partner)
    return at


def test_an_add_whose_commit_answer_is_lost_still_shows_the_temporary_password(
    app_database, open_app, database, line_drops_after_a_commit
):
    at = _add_noor(open_app, database)
    line_drops_after_a_commit["armed"] = True
    at.button(key="FormSubmitter:add-Add person").click().run()
    assert not at.exception
    assert not at.error, shown(at.error[0].value)
    assert "Noor Example can now sign in as noor" in shown(at.success[0].value)
    assert "Temporary password for **noor**" in shown(at.warning[0].value)
    with database() as session:
        assert users.user_id_of(session, "noor") is not None


def test_an_add_whose_commit_never_reached_the_server_says_so_keeps_the_form_and_a_retry_works(
    app_database, open_app, database, line_drops_after_a_commit
):
    at = _add_noor(open_app, database)
    line_drops_after_a_commit.update(armed=True, reaches_server=False)
    at.button(key="FormSubmitter:add-Add person").click().run()
    assert shown(at.error[0].value).startswith(
        "The dashboard cannot reach its database just now. Nothing you typed is lost"
    )
    assert at.text_input(key="add_username").value == "noor"
    at.button(key="FormSubmitter:add-Add person").click().run()
    assert "Noor Example can now sign in as noor" in shown(at.success[0].value)
