"""Sign-in, first-run setup, accounts and lockout through the real pages (AppTest)."""

import datetime as dt

import pytest

from ctdash import clock, passwords, setup_code, users
from ctdash.ui import auth
from ctdash.ui.auth import DEACTIVATED, LOCKED, WRONG
from tests.factories import PASSWORD, make_user, viewer_for
from tests.pages.conftest import shown, sign_in, signed_in_as


def _sidebar_text(at):
    return " ".join(element.value for element in at.sidebar.markdown)


def _menu(at):
    return [link.proto.label for link in at.sidebar.get("page_link")]


def _main_links(at):
    return [link.proto.label for link in at.main.get("page_link")]


def _submit_setup(at, username, password, code=None):
    at.text_input(key="setup_code").input(setup_code.current() if code is None else code)
    at.text_input(key="setup_name").input("Ada Admin")
    at.text_input(key="setup_username").input(username)
    at.text_input(key="setup_password").input(password)
    at.text_input(key="setup_confirm").input(password)
    at.button(key="FormSubmitter:setup-Create administrator").click().run()


def test_setup_ends_with_only_the_success_message_and_a_sign_in_link(app_database, open_app):
    at = open_app()
    assert at.title[0].value == "Welcome to ctdash"
    _submit_setup(at, "Ada", "Str0ng-Password!")
    assert not at.exception
    assert [shown(element.value) for element in at.success] == [
        "Administrator ada created. Sign in to add the rest of the working group."
    ]
    assert not at.text_input and not at.info, "the form and the 'setup is complete' refusal are gone"
    assert _main_links(at) == ["Sign in"]
    assert _menu(at) == ["Home", "Findings library", "Partner map", "Sign in"], "the sidebar no longer offers setup"


def test_setup_is_not_offered_once_an_account_exists(app_database, open_app):
    _submit_setup(open_app(), "Ada", "Str0ng-Password!")
    fresh = open_app()
    assert fresh.title[0].value == "Changing Tracks: inclusion dashboard"  # home is the default again
    assert "First-run setup" not in _menu(fresh)
    fresh.switch_page("pages/setup.py").run()
    assert shown(fresh.info[0].value) == "Setup is complete: the first administrator exists. Sign in to go on."
    assert not fresh.text_input


def test_a_signed_in_person_who_opens_setup_is_told_it_is_complete_not_to_sign_in(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    at = signed_in_as(open_app(), "kit").run()
    at.switch_page("pages/setup.py").run()
    assert [shown(element.value) for element in at.info] == ["Setup is complete; carry on from the Home page."]
    assert "Sign in" not in _main_links(at)


def test_setup_refuses_a_wrong_code_and_keeps_what_was_typed(app_database, open_app, database):
    at = open_app()
    _submit_setup(at, "ada", "Str0ng-Password!", code="ABCD-EFGH-JKMN")
    assert [shown(element.value) for element in at.error] == [
        "That setup code is not right. Copy it from the terminal or log where ctdash is running."
    ]
    assert at.text_input(key="setup_username").value == "ada"
    with database() as session:
        assert users.count_users(session) == 0


def test_setup_takes_the_code_in_lower_case_with_spaces(app_database, open_app):
    at = open_app()
    _submit_setup(at, "ada", "Str0ng-Password!", code=setup_code.current().lower().replace("-", " "))
    assert "Administrator ada created" in shown(at.success[0].value)


def test_setup_keeps_what_was_typed_when_a_rule_is_broken(app_database, open_app):
    at = open_app()
    _submit_setup(at, "ada", "short")
    assert "at least 12 characters" in shown(at.error[0].value)
    assert at.text_input(key="setup_name").value == "Ada Admin"
    assert at.text_input(key="setup_username").value == "ada"


def test_sign_in_with_the_right_password(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada", display_name="Ada Admin")
    at = sign_in(open_app(), "ADA", PASSWORD)
    assert at.session_state["authentication_status"] is True
    assert "Welcome, Ada Admin" in shown(at.success[0].value)
    at.run()
    assert "Signed in as **Ada Admin**" in _sidebar_text(at)
    assert _menu(at) == [
        "Home",
        "Findings library",
        "Partner map",
        "Research status",
        "Share a finding",
        "My findings",
        "Review queue",
        "Sessions",
        "Programme report",
        "My account",
        "People",
        "Import spreadsheets",
        "Audit log",
    ]


def test_wrong_password_gets_a_message_that_reveals_nothing(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    wrong_password = sign_in(open_app(), "kit", "not-the-password")
    unknown_user = sign_in(open_app(), "nobody", "not-the-password")
    assert [shown(e.value) for e in wrong_password.error] == [WRONG] == [shown(e.value) for e in unknown_user.error]
    assert not wrong_password.session_state["authentication_status"]


def test_lockout_after_five_failures_and_unlock_after_the_window(app_database, open_app, database, monkeypatch):
    with database() as session:
        make_user(session, username="kit")
    now = [dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    at = open_app()
    for _ in range(5):
        sign_in(at, "kit", "wrong-password-1")
        now[0] += dt.timedelta(minutes=1)
    sign_in(at, "kit", PASSWORD)
    assert [shown(e.value) for e in at.error] == [LOCKED]
    assert not at.session_state["authentication_status"]
    now[0] += dt.timedelta(minutes=15)
    sign_in(at, "kit", PASSWORD)
    assert at.session_state["authentication_status"] is True


def test_sign_out_is_one_click(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit", display_name="Kit")
    at = signed_in_as(open_app(), "kit").run()
    assert "Signed in as **Kit**" in _sidebar_text(at)
    at.button(key="sign_out").click().run()
    assert at.session_state["authentication_status"] is None
    assert "Signed in as" not in _sidebar_text(at)
    assert "Sign in" in _menu(at)
    assert shown(at.info[0].value) == "You are signed out."


def test_a_deactivated_user_is_signed_out_on_the_next_run(app_database, open_app, database):
    with database() as session:
        admin = make_user(session, role="admin")
        member = make_user(session, username="kit")
    at = signed_in_as(open_app(), "kit").run()
    at.switch_page("pages/account.py").run()
    assert at.title[0].value == "My account"
    with database() as session:
        users.set_active(session, viewer=viewer_for(admin), user_id=member.id, active=False, expected_version=1)
    at.run()
    assert DEACTIVATED in [shown(element.value) for element in at.info]
    assert "My account" not in [title.value for title in at.title]
    assert not at.session_state["authentication_status"]


def test_a_deactivated_user_cannot_sign_in(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit", active=False)
    at = sign_in(open_app(), "kit", PASSWORD)
    assert [shown(e.value) for e in at.error] == [WRONG]


def _change_password(at, *, new):
    at.switch_page("pages/account.py").run()
    at.text_input(key="account_current").input(PASSWORD)
    at.text_input(key="account_new").input(new)
    at.text_input(key="account_confirm").input(new)
    return at.button(key="FormSubmitter:change_password-Change password").click().run()


def test_password_change_through_my_account(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    at = _change_password(signed_in_as(open_app(), "kit").run(), new="Brand-New-Secret-7")
    assert "Your password is changed" in shown(at.success[0].value)
    with database() as session:
        stored = users.sign_in_details(session, ["kit"])[0].password_hash
    assert passwords.password_matches("Brand-New-Secret-7", stored)


def test_a_temporary_password_must_be_changed_before_anything_else(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit", must_change_password=True)
    at = signed_in_as(open_app(), "kit").run()
    at.switch_page("pages/home.py").run()
    assert "Choose a new password before you go on" in shown(at.warning[0].value)
    assert not at.metric
    at.switch_page("pages/account.py").run()
    assert at.title[0].value == "My account"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admin_adds_a_member_of_cornwall_who_sees_member_pages(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        cornwall = next(key for key, name in users.partner_choices(session).items() if name == "Cornwall")
    at = signed_in_as(open_app(), "ada").run()
    at.switch_page("pages/people.py").run()
    at.text_input(key="add_name").input("Kit Kernow")
    at.text_input(key="add_username").input("kit")
    at.selectbox(key="add_role").select(users.Role.MEMBER)
    at.selectbox(key="add_partner").select(cornwall)
    at.button(key="FormSubmitter:add-Add person").click().run()
    assert not at.exception
    assert "Kit Kernow can now sign in as kit." in shown(at.success[0].value)
    temporary = at.code[0].value
    assert "Temporary password for **kit**" in shown(at.warning[0].value)
    at.run()
    assert not at.code  # shown once only

    member = sign_in(open_app(), "kit", temporary)
    member.run()
    assert _menu(member) == [
        "Home",
        "Findings library",
        "Partner map",
        "Research status",
        "Share a finding",
        "My findings",
        "Sessions",
        "My account",
    ]
    assert "Cornwall" in _sidebar_text(member)
    assert "Choose a new password before you go on" in shown(member.warning[0].value)


def test_facilitator_cannot_open_people_by_url(app_database, open_app, database):
    with database() as session:
        make_user(session, role="facilitator", username="fay")
    at = signed_in_as(open_app(), "fay").run()
    at.switch_page("pages/people.py").run()
    assert shown(at.info[0].value) == "This page is for administrators. If you need it, ask the programme team."
    assert not at.dataframe


def test_an_example_cookie_key_stops_the_app_with_a_clear_message(app_database, open_app, monkeypatch):
    monkeypatch.setenv("CTDASH_COOKIE_KEY", "some_key")
    at = open_app()
    assert not at.exception
    assert "example value that anyone could know" in shown(at.error[0].value)
    assert not at.text_input


def test_signing_out_in_one_browser_leaves_another_device_signed_in(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    laptop = signed_in_as(open_app(), "kit").run()
    phone = signed_in_as(open_app(), "kit").run()
    laptop.button(key="sign_out").click().run()
    phone.run()
    assert phone.session_state["authentication_status"] is True


def test_signing_out_in_one_tab_signs_out_the_other_tabs_of_that_browser(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    first_tab = signed_in_as(open_app(), "kit").run()
    second_tab = open_app()
    second_tab.session_state["authentication_status"] = True  # the same cookie, so the same sign-in
    second_tab.session_state["username"] = "kit"
    second_tab.session_state[auth.SESSION_ID] = first_tab.session_state[auth.SESSION_ID]
    second_tab.run()
    first_tab.button(key="sign_out").click().run()
    second_tab.run()
    assert not second_tab.session_state["authentication_status"]
    assert "This sign-in has ended: you signed out" in shown(second_tab.info[0].value)


def test_changing_your_password_keeps_this_browser_signed_in(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit", display_name="Kit")
    at = _change_password(signed_in_as(open_app(), "kit").run(), new="Brand-New-Secret-7")
    at.run()
    assert at.session_state["authentication_status"] is True
    assert "Signed in as **Kit**" in _sidebar_text(at)
