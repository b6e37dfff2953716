"""Two people editing one record: the version checked is the one each saw when the form was drawn.

Each test drives two independent AppTest sessions (two browsers) against one real database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from ctdash import users
from ctdash.models import Partner, User
from tests.factories import make_user, record_attempt
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
SAVE = "FormSubmitter:edit_{id}-Save changes"


def _people(open_app, admin: str) -> AppTest:
    return signed_in_as(open_app(), admin).run().switch_page("pages/people.py").run()


def _field(at: AppTest, key: str):
    """A form field by its key as first drawn; a cleared form draws it anew as ``<key>_<n>``."""
    return next(field for field in at.text_input if field.key == key or field.key.startswith(f"{key}_"))


def _edit(at: AppTest, user_id: int, name: str) -> AppTest:
    at.selectbox(key="people_pick").select(user_id).run()
    _field(at, f"edit_{user_id}_name").input(name)
    return at.button(key=SAVE.format(id=user_id)).click().run()


@pytest.fixture
def kit(app_database, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        make_user(session, role="admin", username="bea")
        return make_user(session, username="kit", display_name="Kit Original").id


def _stored_name(database, user_id: int) -> str:
    with database() as session:
        return session.get(User, user_id).display_name


def test_the_second_of_two_admins_saving_one_person_gets_a_conflict_and_keeps_their_text(kit, open_app, database):
    ada, bea = _people(open_app, "ada"), _people(open_app, "bea")
    bea.selectbox(key="people_pick").select(kit).run()  # Bea has the form open, drawn from version 1
    _edit(ada, kit, "Changed by Ada")
    assert not ada.error
    bea.text_input(key=f"edit_{kit}_name").input("Changed by Bea")
    bea.button(key=SAVE.format(id=kit)).click().run()
    assert "Someone else changed Changed by Ada's account" in shown(bea.error[0].value)
    assert bea.text_input(key=f"edit_{kit}_name").value == "Changed by Bea"
    assert _stored_name(database, kit) == "Changed by Ada"


def test_after_a_conflict_loading_the_latest_version_shows_their_change_and_saving_then_works(kit, open_app, database):
    ada, bea = _people(open_app, "ada"), _people(open_app, "bea")
    bea.selectbox(key="people_pick").select(kit).run()
    _edit(ada, kit, "Changed by Ada")
    bea.text_input(key=f"edit_{kit}_name").input("Changed by Bea")
    bea.button(key=SAVE.format(id=kit)).click().run()
    bea.button(key=f"edit_{kit}_reload").click().run()
    assert _field(bea, f"edit_{kit}_name").value == "Changed by Ada"
    _edit(bea, kit, "Changed by Bea, having seen Ada's")
    assert not bea.error
    assert _stored_name(database, kit) == "Changed by Bea, having seen Ada's"


def test_an_admin_saving_twice_in_a_row_gets_no_false_conflict(kit, open_app, database):
    ada = _people(open_app, "ada")
    _edit(ada, kit, "First")
    _edit(ada, kit, "Second")
    assert not ada.error
    assert _stored_name(database, kit) == "Second"


def test_a_failed_sign_in_while_the_form_is_open_is_not_a_conflict(kit, open_app, database):
    ada = _people(open_app, "ada")
    ada.selectbox(key="people_pick").select(kit).run()
    with database() as session:
        record_attempt(session, "kit", succeeded=False)
        record_attempt(session, "kit", succeeded=True)
    _edit(ada, kit, "Renamed after kit signed in")
    assert not ada.error
    assert _stored_name(database, kit) == "Renamed after kit signed in"


def test_deactivating_someone_another_admin_just_changed_is_a_conflict(kit, open_app, database):
    ada, bea = _people(open_app, "ada"), _people(open_app, "bea")
    bea.selectbox(key="people_pick").select(kit).run()
    _edit(ada, kit, "Changed by Ada")
    bea.button(key=f"people_toggle_{kit}").click().run()
    assert "Someone else changed" in shown(bea.error[0].value)
    with database() as session:
        assert session.get(User, kit).active


def test_adding_a_person_clears_the_form_for_the_next_one(kit, open_app, database):
    ada = _people(open_app, "ada")
    ada.text_input(key="add_name").input("Noor Example")
    ada.text_input(key="add_username").input("noor")
    with database() as session:
        ada.selectbox(key="add_partner").select(next(iter(users.partner_choices(session))))
    ada.button(key="FormSubmitter:add-Add person").click().run()
    assert "Noor Example can now sign in as noor" in shown(ada.success[0].value)
    assert _field(ada, "add_name").value == ""
    assert _field(ada, "add_username").value == ""
    assert ada.selectbox(key="add_partner_1").value is None


def test_my_account_details_saved_in_another_browser_are_not_overwritten(kit, open_app, database):
    laptop = signed_in_as(open_app(), "kit").run().switch_page("pages/account.py").run()
    phone = signed_in_as(open_app(), "kit").run().switch_page("pages/account.py").run()
    laptop.text_input(key="account_name").input("Kit on the laptop")
    laptop.button(key="FormSubmitter:details-Save details").click().run()
    phone.text_input(key="account_name").input("Kit on the phone")
    phone.button(key="FormSubmitter:details-Save details").click().run()
    assert "Someone else changed" in shown(phone.error[0].value)
    assert phone.text_input(key="account_name").value == "Kit on the phone"
    assert _stored_name(database, kit) == "Kit on the laptop"


def _write_then_rerun():
    import streamlit as st

    from ctdash import ui
    from ctdash.models import Partner

    if not st.session_state.get("wrote"):
        st.session_state["wrote"] = True
        with ui.open_session() as session:
            session.add(Partner(slug="written-before-a-rerun", name="Written before a rerun", short_name="W"))
            st.rerun()  # inside the write: must not roll it back


def test_a_rerun_inside_a_write_keeps_the_write(app_database, database):
    at = AppTest.from_function(_write_then_rerun, default_timeout=30).run()
    assert not at.exception
    with database() as session:
        assert session.scalar(select(Partner.id).where(Partner.slug == "written-before-a-rerun")) is not None
