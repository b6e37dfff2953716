"""Faults around a save: the database stops answering just after the server committed."""

from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy import Engine, event, select

from ctdash import findings, users
from ctdash.errors import CommitUncertain, DatabaseUnavailable
from ctdash.models import Finding, FindingStatus
from tests.factories import make_user
from tests.pages import test_share_page as share_page
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def line_drops_after_a_commit(monkeypatch):
    """Arm it, and the next commit of a transaction that wrote ``state["table"]`` (users unless told)
    succeeds on the server, then the connection drops before the answer arrives: the network fault,
    not the database, is faked. With ``reaches_server`` False the commit is lost on the way."""
    state = {"armed": False, "due": False, "reaches_server": True, "table": "USERS"}

    def watch(connection, cursor, statement, *_):
        if state["armed"] and re.match(rf"\s*(INSERT INTO|UPDATE) {state['table']}\b", statement, re.IGNORECASE):
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


# --- Share a finding: a save tried again after an uncertain commit is never made twice ----------


@pytest.fixture
def the_check_cannot_tell(monkeypatch):
    """Arm it, and the next look at whether a cut-off save was committed fails too (still no answer)."""
    state = {"armed": False}
    real = findings.saved_with

    def saved_with(session, **kwargs):
        if state["armed"]:
            state["armed"] = False
            raise DatabaseUnavailable("still no answer")
        return real(session, **kwargs)

    monkeypatch.setattr(findings, "saved_with", saved_with)
    return state


def _findings(database) -> list[tuple[str, FindingStatus]]:
    with database() as session:
        return [tuple(row) for row in session.execute(select(Finding.title, Finding.status))]


def test_a_submit_whose_commit_answer_is_lost_shows_its_receipt(
    app_database, open_app, database, sharers, line_drops_after_a_commit
):
    at = share_page._fill(share_page._open(open_app), sharers)
    line_drops_after_a_commit.update(armed=True, table="FINDINGS")
    at = share_page._click(at, "submit")
    assert not at.exception
    assert not at.error, shown(at.error[0].value)
    assert "is submitted for review" in shown(at.success[0].value)
    assert _findings(database) == [("Saturday sessions (test data)", FindingStatus.SUBMITTED)]


@pytest.mark.parametrize(("button", "reaches_server"), [("save", True), ("save", False), ("submit", False)])
def test_a_new_finding_saved_again_after_an_uncertain_commit_is_stored_once(
    app_database, open_app, database, sharers, line_drops_after_a_commit, the_check_cannot_tell, button, reaches_server
):
    at = share_page._fill(share_page._open(open_app), sharers)
    line_drops_after_a_commit.update(armed=True, table="FINDINGS", reaches_server=reaches_server)
    the_check_cannot_tell["armed"] = True
    at = share_page._click(at, button)
    assert not at.exception
    assert shown(at.error[0].value) == CommitUncertain.RETRY_SAFE
    assert at.text_input(key=share_page._key(at, "title")).value == "Saturday sessions (test data)"
    at.text_input(key=share_page._key(at, "title")).input("Saturday sessions, tried again (test data)")
    at = share_page._click(at.run(), button)
    assert not at.exception
    assert not at.error, shown(at.error[0].value)
    status = FindingStatus.SUBMITTED if button == "submit" else FindingStatus.DRAFT
    assert _findings(database) == [("Saturday sessions, tried again (test data)", status)]


def test_a_submit_saved_after_all_and_tried_again_shows_its_receipt(
    app_database, open_app, database, sharers, line_drops_after_a_commit, the_check_cannot_tell
):
    at = share_page._fill(share_page._open(open_app), sharers)
    line_drops_after_a_commit.update(armed=True, table="FINDINGS")
    the_check_cannot_tell["armed"] = True
    at = share_page._click(at, "submit")
    assert shown(at.error[0].value) == CommitUncertain.RETRY_SAFE
    at = share_page._click(at, "submit")
    assert not at.error, shown(at.error[0].value)
    assert "is submitted for review" in shown(at.success[0].value)
    assert _findings(database) == [("Saturday sessions (test data)", FindingStatus.SUBMITTED)]


def test_a_change_to_a_draft_saved_again_after_an_uncertain_commit_is_not_a_conflict(
    app_database, open_app, database, sharers, line_drops_after_a_commit, the_check_cannot_tell
):
    at = share_page._click(share_page._fill(share_page._open(open_app), sharers), "save")
    at.text_input(key=share_page._key(at, "title")).input("Saturday sessions, changed (test data)")
    line_drops_after_a_commit.update(armed=True, table="FINDINGS")
    the_check_cannot_tell["armed"] = True
    at = share_page._click(at.run(), "save")
    assert shown(at.error[0].value) == CommitUncertain.RETRY_SAFE
    at = share_page._click(at, "save")
    assert not at.error, shown(at.error[0].value)
    assert "is saved" in shown(at.success[0].value)
    assert _findings(database) == [("Saturday sessions, changed (test data)", FindingStatus.DRAFT)]
