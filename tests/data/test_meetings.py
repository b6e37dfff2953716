"""Sessions and their agendas on SQLite and PostgreSQL: details, order, conflicts, copies and who may do what."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from ctdash import db, meetings
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import AgendaKind, AuditEvent, FindingStatus, Meeting, Visibility
from ctdash.seed import initialise
from ctdash.viewer import ANONYMOUS
from tests.factories import make_finding, make_meeting, make_partner, make_user, viewer_for

TODAY = dt.date(2026, 11, 26)
NEXT_WEEK = TODAY + dt.timedelta(days=7)
LAST_MONTH = TODAY - dt.timedelta(days=30)


@pytest.fixture
def fay(session):
    return viewer_for(make_user(session, role="facilitator", username="fay"))


@pytest.fixture
def kit(session):
    return viewer_for(make_user(session, username="kit"))


@pytest.fixture
def published(session):
    return make_finding(session, make_partner(session), status=FindingStatus.PUBLISHED, title="Published (test data)")


def _version(session, meeting_id: int) -> int:
    session.expire_all()
    return session.get(Meeting, meeting_id).version


def _new(session, viewer, held_on=NEXT_WEEK, **fields) -> int:
    values = {"title": "Spring working group (test data)", "held_on": held_on, "place": "Room 2"} | fields
    return meetings.create(session, viewer=viewer, **values)


def _text(session, viewer, meeting_id: int, title: str) -> int:
    return meetings.add_item(
        session, meeting_id, viewer=viewer, seen_version=_version(session, meeting_id), kind="text", title=title
    )


def _add_finding(session, viewer, meeting_id: int, finding_id: int) -> int:
    version = _version(session, meeting_id)
    return meetings.add_item(
        session, meeting_id, viewer=viewer, seen_version=version, kind="finding", finding_id=finding_id
    )


def _titles(session, viewer, meeting_id: int) -> list[str]:
    return [line.title for line in meetings.get(session, meeting_id, viewer=viewer, today=TODAY).items]


def test_a_facilitator_creates_a_session_with_an_unguessable_join_code(session, fay):
    first, second = _new(session, fay), _new(session, fay)
    codes = [session.get(Meeting, meeting_id).join_code for meeting_id in (first, second)]
    assert codes[0] != codes[1]
    for code in codes:
        assert len(code) == meetings.JOIN_CODE_LENGTH and set(code) <= set(meetings.JOIN_ALPHABET)
    detail = meetings.get(session, first, viewer=fay, today=TODAY)
    assert (detail.title, detail.held_on, detail.place, detail.items) == (
        "Spring working group (test data)",
        NEXT_WEEK,
        "Room 2",
        (),
    )
    assert detail.upcoming and detail.may_edit and not detail.wall_open


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Enter a title"),
        ({"title": "x" * 201}, "keep it to 200"),
        ({"held_on": None}, "Choose the date"),
        ({"place": "p" * 301}, "keep it to 300"),
    ],
)
def test_a_session_without_a_proper_title_date_or_place_is_refused(session, fay, fields, message):
    with pytest.raises(InvalidInput, match=message):
        _new(session, fay, **fields)
    assert session.scalar(select(Meeting.id)) is None


def test_the_join_code_finds_its_session_whatever_the_case_and_spaces(session, fay):
    meeting_id = _new(session, fay, anonymous_posts=True)
    code = session.get(Meeting, meeting_id).join_code
    found = meetings.by_join_code(session, f" {code[:4].lower()} {code[4:]} ")
    assert (found.id, found.anonymous_posts, found.wall_open) == (meeting_id, True, False)
    with pytest.raises(NotFound, match="not recognised"):
        meetings.by_join_code(session, "ZZZZ2222")


def test_saving_details_with_the_version_seen_works_and_a_stale_version_is_a_conflict(session, fay):
    meeting_id = _new(session, fay)
    seen = _version(session, meeting_id)
    changes = meetings.update(
        session, meeting_id, viewer=fay, seen_version=seen, title="Renamed (test data)", held_on=NEXT_WEEK, place=""
    )
    assert changes == ["title: Spring working group (test data) -> Renamed (test data)", "place: Room 2 -> empty"]
    assert _version(session, meeting_id) == seen + 1
    with pytest.raises(Conflict, match="Someone else changed the session 'Renamed"):
        meetings.update(session, meeting_id, viewer=fay, seen_version=seen, title="Mine", held_on=NEXT_WEEK)
    assert session.get(Meeting, meeting_id).title == "Renamed (test data)"


def test_every_agenda_change_moves_the_version_so_a_second_facilitator_gets_a_conflict(session, fay):
    meeting_id = _new(session, fay)
    seen_by_bea = _version(session, meeting_id)
    _text(session, fay, meeting_id, "Fay's slide")
    with pytest.raises(Conflict):
        meetings.add_item(session, meeting_id, viewer=fay, seen_version=seen_by_bea, kind="map")
    item = meetings.get(session, meeting_id, viewer=fay, today=TODAY).items[0].id
    for change in (
        lambda version: meetings.move_item(session, item, viewer=fay, seen_version=version, offset=1),
        lambda version: meetings.update_item(session, item, viewer=fay, seen_version=version, title="Bea's"),
        lambda version: meetings.remove_item(session, item, viewer=fay, seen_version=version),
    ):
        with pytest.raises(Conflict):
            change(seen_by_bea)
    assert _titles(session, fay, meeting_id) == ["Fay's slide"]


def test_items_keep_their_order_through_moves_and_removes(session, fay):
    meeting_id = _new(session, fay)
    ids = {title: _text(session, fay, meeting_id, title) for title in ("A", "B", "C", "D")}
    assert _titles(session, fay, meeting_id) == ["A", "B", "C", "D"]
    meetings.move_item(session, ids["C"], viewer=fay, seen_version=_version(session, meeting_id), offset=-1)
    assert _titles(session, fay, meeting_id) == ["A", "C", "B", "D"]
    meetings.move_item(session, ids["A"], viewer=fay, seen_version=_version(session, meeting_id), offset=-1)
    assert _titles(session, fay, meeting_id) == ["A", "C", "B", "D"]  # already first
    meetings.move_item(session, ids["A"], viewer=fay, seen_version=_version(session, meeting_id), offset=1)
    meetings.move_item(session, ids["D"], viewer=fay, seen_version=_version(session, meeting_id), offset=1)
    assert _titles(session, fay, meeting_id) == ["C", "A", "B", "D"]
    meetings.remove_item(session, ids["A"], viewer=fay, seen_version=_version(session, meeting_id))
    lines = meetings.get(session, meeting_id, viewer=fay, today=TODAY).items
    assert [(line.title, line.position) for line in lines] == [("C", 0), ("B", 1), ("D", 2)]
    meetings.move_item(session, ids["D"], viewer=fay, seen_version=_version(session, meeting_id), offset=-2)
    assert _titles(session, fay, meeting_id) == ["D", "C", "B"]


def test_findings_partners_and_charts_go_on_the_agenda_with_what_they_show(session, fay, published):
    meeting_id = _new(session, fay)
    partner = make_partner(session, name="Agenda partner (test data)")
    for fields in (
        {"kind": "finding", "finding_id": published.id, "body": "Ask the room first."},
        {"kind": AgendaKind.PARTNER, "partner_id": partner.id},
        {"kind": "chart", "chart": meetings.CHART_KIND_BY_THEME},
        {"kind": "wall"},
    ):
        meetings.add_item(session, meeting_id, viewer=fay, seen_version=_version(session, meeting_id), **fields)
    lines = meetings.get(session, meeting_id, viewer=fay, today=TODAY).items
    assert [line.label for line in lines] == [
        "Finding: Published (test data)",
        "Partner profile: Agenda partner (test data)",
        "Chart: Enablers and barriers by theme",
        "Live wall",
    ]
    assert lines[0].body == "Ask the room first." and lines[0].group_only
    assert not any(line.problem for line in lines)


@pytest.mark.parametrize("status", [FindingStatus.DRAFT, FindingStatus.SUBMITTED, FindingStatus.RETURNED])
def test_a_finding_that_is_not_published_is_refused(session, fay, status):
    meeting_id = _new(session, fay)
    draft = make_finding(session, make_partner(session), status=status)
    with pytest.raises(InvalidInput, match="not published yet"):
        meetings.add_item(
            session,
            meeting_id,
            viewer=fay,
            seen_version=_version(session, meeting_id),
            kind="finding",
            finding_id=draft.id,
        )
    assert _titles(session, fay, meeting_id) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "chart", "chart": "pie_of_everything"}, "not one of the charts"),
        ({"kind": "chart"}, "Choose the chart"),
        ({"kind": "finding", "finding_id": 999_999}, "no longer exists"),
        ({"kind": "partner"}, "Choose the partner service"),
        ({"kind": "text", "body": "Words without a title"}, "Give the text slide a title"),
        ({"kind": "poll"}, "not a kind of agenda item"),
    ],
)
def test_an_item_without_what_it_needs_is_refused_in_one_sentence(session, fay, fields, message):
    meeting_id = _new(session, fay)
    with pytest.raises(InvalidInput, match=message):
        meetings.add_item(session, meeting_id, viewer=fay, seen_version=_version(session, meeting_id), **fields)


def test_the_agenda_choices_offer_only_published_findings(session, fay, published):
    draft = make_finding(session, published.partner, status=FindingStatus.DRAFT)
    public = make_finding(session, published.partner, status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    choices = meetings.agenda_choices(session, viewer=fay)
    assert {published.id, public.id} <= set(choices.findings) and draft.id not in choices.findings
    assert published.id in choices.group_only and public.id not in choices.group_only
    assert set(choices.charts) == {
        meetings.CHART_KIND_BY_THEME,
        meetings.CHART_KIND_BY_CYCLE,
        meetings.CHART_THEME_BY_PARTNER,
    }


def test_a_text_slide_changes_its_words_and_title(session, fay):
    meeting_id = _new(session, fay)
    item = _text(session, fay, meeting_id, "Before")
    changed = meetings.update_item(
        session, item, viewer=fay, seen_version=_version(session, meeting_id), title="After", body="Line one\nLine two"
    )
    assert changed
    line = meetings.get(session, meeting_id, viewer=fay, today=TODAY).items[0]
    assert (line.title, line.body, line.label) == ("After", "Line one\nLine two", "Text slide: After")


def test_duplicating_copies_details_and_agenda_with_a_new_code_and_a_closed_wall(session, fay, published):
    original_id = _new(session, fay, held_on=LAST_MONTH, anonymous_posts=True, description="Bring a laptop")
    _text(session, fay, original_id, "Welcome words")
    meetings.add_item(
        session,
        original_id,
        viewer=fay,
        seen_version=_version(session, original_id),
        kind="finding",
        finding_id=published.id,
    )
    original = session.get(Meeting, original_id)
    original.wall_open = True
    session.flush()

    copy_id = meetings.duplicate(session, original_id, viewer=fay, held_on=NEXT_WEEK)

    copy, original = (meetings.get(session, id_, viewer=fay, today=TODAY) for id_ in (copy_id, original_id))
    assert copy_id != original_id
    assert (copy.title, copy.place, copy.description, copy.anonymous_posts) == (
        original.title,
        original.place,
        original.description,
        True,
    )
    assert copy.held_on == NEXT_WEEK and copy.upcoming
    assert copy.join_code != original.join_code and not copy.wall_open
    assert [(line.kind, line.title, line.finding_id) for line in copy.items] == [
        (line.kind, line.title, line.finding_id) for line in original.items
    ]
    assert {line.id for line in copy.items}.isdisjoint(line.id for line in original.items)


def test_a_member_cannot_create_change_or_duplicate_a_session(session, fay, kit):
    meeting_id = _new(session, fay, held_on=LAST_MONTH)
    version = _version(session, meeting_id)
    with pytest.raises(PermissionDenied, match="Only facilitators and administrators"):
        _new(session, kit)
    with pytest.raises(PermissionDenied):
        meetings.update(session, meeting_id, viewer=kit, seen_version=version, title="Mine", held_on=LAST_MONTH)
    with pytest.raises(PermissionDenied):
        meetings.add_item(session, meeting_id, viewer=kit, seen_version=version, kind="map")
    with pytest.raises(PermissionDenied):
        meetings.duplicate(session, meeting_id, viewer=kit, held_on=NEXT_WEEK)
    with pytest.raises(PermissionDenied):
        meetings.agenda_choices(session, viewer=kit)


def test_a_member_reads_past_agendas_only_and_never_the_join_code(session, fay, kit):
    past = _new(session, fay, held_on=LAST_MONTH, title="Held (test data)")
    upcoming = _new(session, fay, held_on=NEXT_WEEK, title="Coming (test data)")
    _text(session, fay, past, "Agenda slide")
    listed = meetings.list_meetings(session, viewer=kit, today=TODAY)
    assert [summary.title for summary in listed.past] == ["Held (test data)"]
    assert listed.upcoming == () and not listed.may_run
    detail = meetings.get(session, past, viewer=kit, today=TODAY)
    assert [line.title for line in detail.items] == ["Agenda slide"]
    assert detail.join_code == "" and not detail.may_edit
    with pytest.raises(NotFound):
        meetings.get(session, upcoming, viewer=kit, today=TODAY)


def test_a_facilitator_sees_upcoming_soonest_first_and_past_latest_first_with_item_counts(session, fay):
    later = _new(session, fay, held_on=NEXT_WEEK + dt.timedelta(days=7), title="Later")
    _new(session, fay, held_on=TODAY, title="Today")
    _new(session, fay, held_on=LAST_MONTH - dt.timedelta(days=30), title="Older")
    _new(session, fay, held_on=LAST_MONTH, title="Recent")
    _text(session, fay, later, "One")
    _text(session, fay, later, "Two")
    listed = meetings.list_meetings(session, viewer=fay, today=TODAY)
    assert [(summary.title, summary.items) for summary in listed.upcoming] == [("Today", 0), ("Later", 2)]
    assert [summary.title for summary in listed.past] == ["Recent", "Older"]
    assert listed.may_run


def test_a_visitor_sees_no_session(session, fay):
    meeting_id = _new(session, fay, held_on=LAST_MONTH)
    with pytest.raises(PermissionDenied, match="Sign in"):
        meetings.list_meetings(session, viewer=ANONYMOUS, today=TODAY)
    with pytest.raises(PermissionDenied, match="Sign in"):
        meetings.get(session, meeting_id, viewer=ANONYMOUS, today=TODAY)


def test_every_change_is_audited_against_the_session(session, fay, published):
    meeting_id = _new(session, fay)
    item = _text(session, fay, meeting_id, "Slide")
    meetings.add_item(
        session,
        meeting_id,
        viewer=fay,
        seen_version=_version(session, meeting_id),
        kind="finding",
        finding_id=published.id,
    )
    meetings.move_item(session, item, viewer=fay, seen_version=_version(session, meeting_id), offset=1)
    meetings.update_item(session, item, viewer=fay, seen_version=_version(session, meeting_id), title="Renamed")
    meetings.remove_item(session, item, viewer=fay, seen_version=_version(session, meeting_id))
    meetings.update(
        session, meeting_id, viewer=fay, seen_version=_version(session, meeting_id), title="New", held_on=NEXT_WEEK
    )
    copy_id = meetings.duplicate(session, meeting_id, viewer=fay, held_on=NEXT_WEEK)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.actor, AuditEvent.summary)
        .where(AuditEvent.entity_type == "meeting")
        .order_by(AuditEvent.id)
    ).all()
    assert [(action, entity_id) for action, entity_id, _, _ in rows] == [
        ("meeting_created", meeting_id),
        ("agenda_item_added", meeting_id),
        ("agenda_item_added", meeting_id),
        ("agenda_item_moved", meeting_id),
        ("agenda_item_changed", meeting_id),
        ("agenda_item_removed", meeting_id),
        ("meeting_changed", meeting_id),
        ("meeting_duplicated", copy_id),
    ]
    assert {actor for _, _, actor, _ in rows} == {fay.name}
    assert rows[2][3] == "Spring working group (test data): added item 2, finding 'Published (test data)'"
    assert rows[3][3].endswith("moved item 1 to place 2")


def test_a_session_made_by_the_factory_is_test_data(session):
    assert "(test data)" in make_meeting(session).title


@pytest.fixture
def fresh_engine(database_url):
    """A database of its own, for writers that commit for real, each in its own transaction."""
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_two_facilitators_adding_at_once_from_the_same_version_store_one_item_and_one_conflict(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        fay = viewer_for(make_user(session, role="facilitator"))
        meeting_id = _new(session, fay)
    with db.session_scope(fresh_engine, read_only=True) as session:
        seen = meetings.get(session, meeting_id, viewer=fay, today=TODAY).version
    start = threading.Barrier(2)

    def add(title: str) -> str:
        start.wait()
        try:
            with db.session_scope(fresh_engine) as session:
                meetings.add_item(session, meeting_id, viewer=fay, seen_version=seen, kind="text", title=title)
        except Conflict:
            return "conflict"
        return "saved"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(add, ["First", "Second"]))
    assert outcomes == ["conflict", "saved"]
    with db.session_scope(fresh_engine, read_only=True) as session:
        detail = meetings.get(session, meeting_id, viewer=fay, today=TODAY)
    assert [line.position for line in detail.items] == [0] and detail.version == seen + 1
