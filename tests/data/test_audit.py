"""The audit log's reading side: UK days, readable records, the Who filter, on SQLite and PostgreSQL."""

import datetime as dt

import pytest

from ctdash import audit, clock, sign_in, users
from ctdash.errors import InvalidInput
from ctdash.models import AuditEvent
from tests.factories import make_user, viewer_for

SUMMER_LATE_EVENING = dt.datetime(2026, 7, 14, 23, 30, tzinfo=dt.UTC)  # 00:30 BST on 15 July
WINTER_LATE_EVENING = dt.datetime(2026, 1, 14, 23, 30, tzinfo=dt.UTC)  # 23:30 GMT on 14 January


def _event_at(session, at: dt.datetime) -> None:
    session.add(AuditEvent(at=at, actor="kit", action="sign_in", entity_type="user"))
    session.flush()


def _days(session, admin, day: dt.date):
    return audit.search(session, viewer=viewer_for(admin), since=day, until=day)


def test_an_event_at_half_past_eleven_utc_in_summer_belongs_to_the_next_uk_day(session):
    admin = make_user(session, role="admin")
    _event_at(session, SUMMER_LATE_EVENING)
    assert list(_days(session, admin, dt.date(2026, 7, 15))["When (UK time)"]) == ["2026-07-15 00:30:00"]


def test_an_event_at_half_past_eleven_utc_in_summer_is_not_on_the_utc_day(session):
    admin = make_user(session, role="admin")
    _event_at(session, SUMMER_LATE_EVENING)
    assert _days(session, admin, dt.date(2026, 7, 14)).empty


def test_an_event_at_half_past_eleven_utc_in_winter_stays_on_its_day(session):
    admin = make_user(session, role="admin")
    _event_at(session, WINTER_LATE_EVENING)
    assert list(_days(session, admin, dt.date(2026, 1, 14))["When (UK time)"]) == ["2026-01-14 23:30:00"]


def test_today_is_the_date_in_london_not_on_the_servers_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: SUMMER_LATE_EVENING)
    assert audit.today() == dt.date(2026, 7, 15)


def test_the_record_names_the_account_a_row_is_about(session):
    admin = make_user(session, role="admin")
    member = make_user(session, username="kit", display_name="Kit Kernow")
    users.reset_password(session, viewer=viewer_for(admin), user_id=member.id)
    assert list(audit.search(session, viewer=viewer_for(admin))["Record"]) == ["Kit Kernow (kit)"]


def test_the_record_of_an_account_that_no_longer_exists_says_so(session):
    admin = make_user(session, role="admin")
    audit.record(session, actor=viewer_for(admin), action="user_changed", entity_type="user", entity_id=987654)
    assert list(audit.search(session, viewer=viewer_for(admin))["Record"]) == ["user #987654 (deleted)"]


def test_a_who_filter_longer_than_any_name_is_refused_with_what_to_do(session):
    admin = make_user(session, role="admin")
    with pytest.raises(InvalidInput, match=r"^Type at most 120 characters of a name or username in Who\.$"):
        audit.search(session, viewer=viewer_for(admin), who="x" * (audit.MAX_WHO_CHARS + 1))


def test_a_who_filter_as_long_as_a_name_is_accepted(session):
    admin = make_user(session, role="admin", display_name="A" * 120)
    sign_in.record_sign_out(session, viewer=viewer_for(admin), session_id=None)
    assert len(audit.search(session, viewer=viewer_for(admin), who="a" * audit.MAX_WHO_CHARS)) == 1
