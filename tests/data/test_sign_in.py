"""Sign-in attempts, lockout and remembered sign-ins: bookkeeping that never touches an account's version."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from ctdash import sign_in, users
from ctdash.errors import InvalidInput
from ctdash.models import AuditEvent, SignInAttempt
from tests.factories import make_user, viewer_for

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _attempt(session, username, *, succeeded, now=T0):
    attempt = sign_in.begin_attempt(session, username, now=now)
    if attempt is not None:
        sign_in.finish_attempt(session, attempt, succeeded=succeeded, now=now)
    return attempt


def _fail(session, username, times, start=T0, step=dt.timedelta(minutes=1)):
    for number in range(times):
        _attempt(session, username, succeeded=False, now=start + number * step)


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_within_fifteen_minutes_lock_the_username(session):
    member = make_user(session)
    _fail(session, member.username, 4)
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=4)) is None
    _fail(session, member.username, 1, start=T0 + dt.timedelta(minutes=5))
    assert sign_in.locked_until(session, member.username.upper(), now=T0 + dt.timedelta(minutes=6)) == (
        T0 + dt.timedelta(minutes=20)
    )


def test_the_lock_ends_after_fifteen_minutes(session):
    member = make_user(session)
    _fail(session, member.username, 5)
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=18)) is not None
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=19, seconds=1)) is None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(session):
    member = make_user(session)
    _fail(session, member.username, 5, step=dt.timedelta(minutes=4))
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=17)) is None


def test_unknown_usernames_lock_exactly_like_real_ones(session):
    _fail(session, "nobody-here", 5)
    assert sign_in.locked_until(session, "nobody-here", now=T0 + dt.timedelta(minutes=5)) == (
        T0 + dt.timedelta(minutes=19)
    )


def test_a_try_while_locked_is_refused_and_does_not_extend_the_lock(session):
    member = make_user(session)
    _fail(session, member.username, 5)
    assert sign_in.begin_attempt(session, member.username, now=T0 + dt.timedelta(minutes=10)) is None
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=10)) == (
        T0 + dt.timedelta(minutes=19)
    )


def test_a_success_clears_earlier_failures(session):
    member = make_user(session)
    _fail(session, member.username, 4)
    _attempt(session, member.username, succeeded=True, now=T0 + dt.timedelta(minutes=4, seconds=30))
    _fail(session, member.username, 1, start=T0 + dt.timedelta(minutes=5))
    assert sign_in.locked_until(session, member.username, now=T0 + dt.timedelta(minutes=6)) is None


def test_a_guess_still_being_checked_counts_towards_the_lock(session):
    _fail(session, "kit", 4)
    assert sign_in.begin_attempt(session, "kit", now=T0 + dt.timedelta(minutes=5)) is not None  # never finished
    assert sign_in.begin_attempt(session, "kit", now=T0 + dt.timedelta(minutes=6)) is None


def test_usernames_longer_than_the_attempt_column_still_lock(session):
    long_name = "x" * 200
    _fail(session, long_name, 5)
    assert sign_in.locked_until(session, long_name, now=T0 + dt.timedelta(minutes=5)) is not None
    assert sign_in.locked_until(session, long_name[:-1] + "y", now=T0 + dt.timedelta(minutes=5)) is None


def test_sign_ins_are_audited_with_who_and_what(session):
    member = make_user(session)
    _attempt(session, member.username, succeeded=False)
    _attempt(session, member.username, succeeded=True)
    sign_in.record_sign_out(session, viewer=viewer_for(member), session_id=None)
    rows = session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.actor_id)).all()
    assert [(action, actor) for action, actor, _ in rows] == [
        ("sign_in_failed", member.username),
        ("sign_in", member.display_name),
        ("sign_out", member.display_name),
    ]
    assert rows[1].actor_id == member.id


def test_signing_in_leaves_the_account_version_alone(session):
    member = make_user(session)
    version = member.version
    _attempt(session, member.username, succeeded=False)
    _attempt(session, member.username, succeeded=True)
    sign_in.start_session(session, member.id)
    session.flush()
    session.refresh(member)
    assert member.version == version


def test_a_failed_sign_in_does_not_make_the_next_admin_edit_a_conflict(session):
    admin = make_user(session, role="admin")
    member = make_user(session)
    seen = member.version
    _attempt(session, member.username, succeeded=False)
    account = users.update_user(
        session,
        viewer=viewer_for(admin),
        user_id=member.id,
        expected_version=seen,
        role="member",
        partner_id=member.partner_id,
        display_name="Renamed",
        email=None,
    )
    assert account.display_name == "Renamed"


# --- remembered sign-ins -----------------------------------------------------------------------


def test_a_remembered_sign_in_counts_until_it_expires(session):
    member = make_user(session)
    session_id = sign_in.start_session(session, member.id, now=T0)
    session.flush()
    assert sign_in.session_status(session, session_id, now=T0 + dt.timedelta(days=6)) == (member.id, "valid")
    assert sign_in.session_status(session, session_id, now=T0 + dt.timedelta(days=7)) == (member.id, "expired")
    assert sign_in.session_status(session, "made-up") == (None, "unknown")


def test_signing_out_ends_only_this_browsers_sign_in(session):
    member = make_user(session)
    here, elsewhere = sign_in.start_session(session, member.id), sign_in.start_session(session, member.id)
    session.flush()
    sign_in.record_sign_out(session, viewer=viewer_for(member), session_id=here)
    assert sign_in.session_status(session, here)[1] == sign_in.SIGNED_OUT
    assert sign_in.session_status(session, elsewhere)[1] == "valid"


def test_changing_your_password_ends_every_other_sign_in_but_keeps_this_one(session):
    from tests.factories import PASSWORD

    member = make_user(session)
    here, elsewhere = sign_in.start_session(session, member.id), sign_in.start_session(session, member.id)
    session.flush()
    users.change_own_password(
        session,
        viewer=viewer_for(member),
        current=PASSWORD,
        new="Brand-New-Secret-7",
        confirm="Brand-New-Secret-7",
        keep_session=here,
    )
    assert sign_in.session_status(session, here)[1] == "valid"
    assert sign_in.session_status(session, elsewhere)[1] == sign_in.PASSWORD_CHANGED


def test_a_password_reset_and_deactivation_end_every_sign_in(session):
    admin = make_user(session, role="admin")
    member = make_user(session)
    first = sign_in.start_session(session, member.id)
    session.flush()
    users.reset_password(session, viewer=viewer_for(admin), user_id=member.id)
    assert sign_in.session_status(session, first)[1] == sign_in.PASSWORD_RESET
    second = sign_in.start_session(session, member.id)
    session.flush()
    users.set_active(
        session, viewer=viewer_for(admin), user_id=member.id, active=False, expected_version=member.version
    )
    assert sign_in.session_status(session, second)[1] == "inactive"


def test_the_people_list_shows_the_latest_sign_in(session):
    admin = make_user(session, role="admin")
    member = make_user(session)
    sign_in.start_session(session, member.id, now=T0)
    sign_in.start_session(session, member.id, now=T0 + dt.timedelta(days=1))
    session.flush()
    table = users.list_users(session, viewer=viewer_for(admin)).set_index("Username")
    assert table.loc[member.username, "Last sign-in"] == T0 + dt.timedelta(days=1)
    assert pd.isna(table.loc[admin.username, "Last sign-in"])


@pytest.mark.parametrize("username", ["   ", "\t\n"])
def test_a_blank_username_is_refused_before_any_attempt_is_counted(session, username):
    with pytest.raises(InvalidInput, match="Enter your username"):
        sign_in.begin_attempt(session, username)
    assert session.scalar(select(SignInAttempt.id)) is None


def test_a_username_with_a_nul_byte_is_counted_and_refused_without_a_database_error(session):
    _fail(session, "kit\x00", 5)
    assert sign_in.locked_until(session, "kit\x00", now=T0 + dt.timedelta(minutes=5)) is not None
    assert users.sign_in_details(session, ["kit\x00"]) == []
