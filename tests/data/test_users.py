"""Accounts, passwords, lockout and the audit trail, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import select

from ctdash import audit, passwords, sign_in, users
from ctdash.errors import Conflict, InvalidInput, PermissionDenied
from ctdash.models import AuditEvent, Role
from ctdash.seed import seed
from ctdash.viewer import ANONYMOUS
from tests.factories import PASSWORD, make_partner, make_user, viewer_for

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _actions(session):
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _first_admin(session, **overrides):
    values = {
        "setup_code_ok": True,
        "username": "Ada",
        "display_name": "Ada Admin",
        "email": "ada@example.org",
        "password": "Str0ng-Password!",
        "confirm": "Str0ng-Password!",
    }
    return users.create_first_admin(session, **{**values, **overrides})


# --- first run ---------------------------------------------------------------------------------


def test_first_admin_is_created_only_while_no_account_exists(session):
    account = _first_admin(session)
    assert (account.username, account.role, account.must_change_password) == ("ada", Role.ADMIN, False)
    with pytest.raises(PermissionDenied, match="Setup is already complete"):
        _first_admin(session, username="eve")
    assert _actions(session) == ["user_created"]


def test_first_admin_needs_the_setup_code(session):
    with pytest.raises(PermissionDenied, match="That setup code is not right"):
        _first_admin(session, setup_code_ok=False)
    assert users.count_users(session) == 0


def test_first_admin_passwords_must_match(session):
    with pytest.raises(InvalidInput, match="The two passwords differ"):
        _first_admin(session, confirm="Str0ng-Password?")
    assert users.count_users(session) == 0


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Sh0rt!", "at least 12 characters"),
        ("alllowercaseletters", "at least three of"),
        (" Leading-Space-1", "cannot start or end with a space"),
        ("Ada-Admin-Secret-1", "not based on your username"),
        ("Aa1!" * 19, "at most 72 bytes"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(password, says):
    with pytest.raises(InvalidInput, match=says):
        passwords.check_password_strength(password, username="ada-admin")


def test_a_temporary_password_candidate_that_breaks_the_rules_is_never_handed_out(monkeypatch):
    # Randomness faked: first a candidate with only two kinds of character, then a good one.
    characters = iter("a" * 20 + "Ab3cD" * 4)
    monkeypatch.setattr(passwords.secrets, "choice", lambda alphabet: next(characters))
    assert passwords.temporary_password() == "Ab3cD-Ab3cD-Ab3cD-Ab3cD"


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "x@y.z", "<script>@x.org", "a b@example.org"])
def test_malformed_emails_are_refused(email):
    with pytest.raises(InvalidInput, match="does not look like an email address"):
        users.check_email(email)


def test_usernames_are_case_insensitive_and_unique(session):
    admin = make_user(session, role="admin")
    users.create_user(
        session, viewer=viewer_for(admin), username=" Sam.Taylor ", display_name="Sam", email=None, role="facilitator"
    )
    with pytest.raises(InvalidInput, match="'sam.taylor' is taken"):
        users.create_user(
            session,
            viewer=viewer_for(admin),
            username="SAM.TAYLOR",
            display_name="Sam 2",
            email=None,
            role="facilitator",
        )
    assert users.active_account(session, users.user_id_of(session, "SAM.Taylor")).username == "sam.taylor"


def test_a_member_must_belong_to_a_partner_service(session):
    admin = make_user(session, role="admin")
    with pytest.raises(InvalidInput, match="belongs to one partner service"):
        users.create_user(
            session, viewer=viewer_for(admin), username="moe", display_name="Moe", email=None, role="member"
        )


# --- people management ---------------------------------------------------------------------------


def test_admin_adds_a_member_of_cornwall_with_a_temporary_password(session):
    seed(session)
    admin = make_user(session, role="admin")
    cornwall = users.partner_choices(session)
    cornwall_id = next(key for key, name in cornwall.items() if name == "Cornwall")
    account, temporary = users.create_user(
        session,
        viewer=viewer_for(admin),
        username="kit",
        display_name="Kit Kernow",
        email="kit@example.org",
        role=Role.MEMBER,
        partner_id=cornwall_id,
    )
    assert account.partner_name == "Cornwall" and account.must_change_password
    assert temporary and passwords.password_matches(temporary, users.sign_in_details(session, ["kit"])[0].password_hash)
    assert "kit: Member of Cornwall" in session.scalars(select(AuditEvent.summary)).all()


def test_only_admins_manage_people(session):
    facilitator = make_user(session, role="facilitator")
    with pytest.raises(PermissionDenied):
        users.create_user(
            session, viewer=viewer_for(facilitator), username="x1x", display_name="X", email=None, role="facilitator"
        )
    with pytest.raises(PermissionDenied):
        users.list_users(session, viewer=viewer_for(facilitator))
    with pytest.raises(PermissionDenied):
        users.list_users(session, viewer=ANONYMOUS)


def test_nobody_can_remove_the_last_active_admin(session):
    admin = make_user(session, role="admin")
    me = viewer_for(admin)
    with pytest.raises(InvalidInput, match="last active administrator"):
        users.set_active(session, viewer=me, user_id=admin.id, active=False, expected_version=admin.version)
    with pytest.raises(InvalidInput, match="last active administrator"):
        users.update_user(
            session,
            viewer=me,
            user_id=admin.id,
            expected_version=admin.version,
            role="member",
            partner_id=make_partner(session).id,
            display_name="A",
            email=None,
        )
    second = make_user(session, role="admin")
    users.set_active(session, viewer=me, user_id=second.id, active=False, expected_version=second.version)
    with pytest.raises(InvalidInput, match="last active administrator"):
        users.set_active(session, viewer=me, user_id=admin.id, active=False, expected_version=admin.version)


def test_a_deactivated_person_cannot_sign_in_and_their_session_ends(session):
    admin = make_user(session, role="admin")
    member = make_user(session, role="member")
    users.set_active(
        session, viewer=viewer_for(admin), user_id=member.id, active=False, expected_version=member.version
    )
    assert users.sign_in_details(session, [member.username]) == []
    assert users.active_account(session, member.id) is None
    assert _actions(session)[-1] == "user_deactivated"


def test_two_admins_editing_the_same_person_the_second_gets_a_conflict(session):
    admin = make_user(session, role="admin")
    member = make_user(session, role="member")
    read_version = member.version
    users.update_user(
        session,
        viewer=viewer_for(admin),
        user_id=member.id,
        expected_version=read_version,
        role="member",
        partner_id=member.partner_id,
        display_name="First edit",
        email=None,
    )
    with pytest.raises(Conflict, match="Someone else changed First edit's account"):
        users.update_user(
            session,
            viewer=viewer_for(admin),
            user_id=member.id,
            expected_version=read_version,
            role="facilitator",
            partner_id=None,
            display_name="Second edit",
            email=None,
        )


def test_reset_password_forces_a_change_at_next_sign_in(session):
    admin = make_user(session, role="admin")
    member = make_user(session, role="member")
    temporary = users.reset_password(session, viewer=viewer_for(admin), user_id=member.id)
    account = users.active_account(session, member.id)
    assert account.must_change_password
    users.change_own_password(
        session, viewer=account.viewer(), current=temporary, new="Brand-New-Secret-7", confirm="Brand-New-Secret-7"
    )
    assert not users.active_account(session, member.id).must_change_password
    assert _actions(session)[-2:] == ["password_reset", "password_changed"]


def test_changing_your_password_needs_the_current_one(session):
    member = make_user(session)
    with pytest.raises(InvalidInput, match="current password is not right"):
        users.change_own_password(
            session, viewer=viewer_for(member), current="wrong", new="Brand-New-Secret-7", confirm="Brand-New-Secret-7"
        )
    with pytest.raises(InvalidInput, match="two new passwords differ"):
        users.change_own_password(
            session, viewer=viewer_for(member), current=PASSWORD, new="Brand-New-Secret-7", confirm="Brand-New-Secret-8"
        )


def test_update_profile_changes_name_and_email_and_audits_it(session):
    member = make_user(session)
    account = users.update_profile(
        session,
        viewer=viewer_for(member),
        display_name="  New   Name ",
        email="new@example.org",
        expected_version=member.version,
    )
    assert (account.display_name, account.email) == ("New Name", "new@example.org")
    assert "display_name" in session.scalars(select(AuditEvent.summary)).all()[-1]


# --- audit page data -------------------------------------------------------------------------------


def test_audit_log_is_for_admins_only_and_filters(session):
    admin = make_user(session, role="admin", display_name="Ada Admin")
    member = make_user(session)
    sign_in.finish_attempt(session, sign_in.begin_attempt(session, member.username), succeeded=True)
    users.reset_password(session, viewer=viewer_for(admin), user_id=member.id)
    with pytest.raises(PermissionDenied):
        audit.search(session, viewer=viewer_for(member))
    everything = audit.search(session, viewer=viewer_for(admin))
    assert list(everything["Action"]) == ["Password reset", "Signed in"]
    only_resets = audit.search(session, viewer=viewer_for(admin), actions=("password_reset",), who="ada")
    assert list(only_resets["Who"]) == ["Ada Admin"]
    assert audit.search(session, viewer=viewer_for(admin), who="100%_").empty


def test_audit_csv_defuses_spreadsheet_formulas(session):
    admin = make_user(session, role="admin")
    sign_in.finish_attempt(session, sign_in.begin_attempt(session, '=HYPERLINK("http://evil")'), succeeded=False)
    csv = audit.to_csv(audit.search(session, viewer=viewer_for(admin))).decode("utf-8-sig")
    assert "'=hyperlink" in csv and "\n=" not in csv


def test_sign_in_details_load_only_the_named_active_accounts(session):
    kit = make_user(session, username="kit")
    make_user(session, username="sam")
    make_user(session, username="gone", active=False)
    loaded = users.sign_in_details(session, ["KIT", "gone", "nobody"])
    assert [(details.username, details.role) for details in loaded] == [("kit", kit.role)]
    assert users.sign_in_details(session, []) == []


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u2060", "Sam\u202eTaylor", "Sam\x00Taylor", "Sam\u200bTaylor"])
def test_names_with_invisible_control_or_direction_characters_are_refused(name):
    with pytest.raises(InvalidInput):
        users.check_display_name(name)


def test_names_are_stored_in_one_unicode_form():
    assert users.check_display_name("Zoe\u0301") == "Zo\u00e9"


def test_a_very_long_username_is_refused_with_its_length_and_quickly():
    with pytest.raises(InvalidInput, match="10,000,000 characters long"):
        users.check_username("a" * 10_000_000)


def test_an_email_with_a_nul_byte_is_refused():
    with pytest.raises(InvalidInput, match="does not look like an email"):
        users.check_email("kit\x00@example.org")
