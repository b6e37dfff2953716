"""Working-group sessions (``Meeting`` in code) and their agendas: what facilitators prepare and present.

Facilitators and administrators create, change and duplicate sessions and build each agenda from
items: a published finding, a partner's profile, the map, the status board, one of the library's
charts, a free text slide, a welcome screen or the live wall. Members of the working group read the
agendas of sessions already held; visitors see none (``permissions.may_see_session``).

Every change to a session, its details or its agenda, is checked against the version the person
saw and moves that version by one, so two facilitators working on one agenda never overwrite each
other: the second gets ``Conflict``. Every change is audited and moves the meetings data revision.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ctdash import audit, clock, permissions
from ctdash.db import FINDINGS, MEETINGS, RESEARCH, reads
from ctdash.errors import Conflict, InvalidInput, NotFound
from ctdash.models import (
    AgendaItem,
    AgendaKind,
    Finding,
    FindingStatus,
    Meeting,
    Partner,
    Visibility,
)
from ctdash.text import clean_text
from ctdash.viewer import Viewer

MAX_TITLE = 200
MAX_PLACE = 300
MAX_DESCRIPTION = 2_000
MAX_ITEM_TITLE = 200
MAX_ITEM_BODY = 5_000
MAX_ITEMS = 50  # screens in one agenda: a long conference day, not a library
MAX_FINDING_CHOICES = 1_000  # newest published findings offered in the agenda builder's picker
MAX_PAST = 200  # past sessions listed, newest first

# The wall's short address: no 0/O, 1/I/L or 5/S look-alikes, so it can be read off a projector.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
JOIN_CODE_LENGTH = 8

# The library's charts an agenda can show (``AgendaItem.chart``), with the names facilitators pick from.
CHART_KIND_BY_THEME = "kind_by_theme"  # enablers and barriers by theme
CHART_KIND_BY_CYCLE = "kind_by_cycle"  # findings per cycle, by kind
CHART_THEME_BY_PARTNER = "theme_by_partner"  # theme x partner heat map
CHARTS = {
    CHART_KIND_BY_THEME: "Enablers and barriers by theme",
    CHART_KIND_BY_CYCLE: "Findings per cycle by kind",
    CHART_THEME_BY_PARTNER: "Findings by theme and partner service",
}
KIND_LABELS = {
    AgendaKind.WELCOME: "Welcome screen",
    AgendaKind.FINDING: "Finding",
    AgendaKind.PARTNER: "Partner profile",
    AgendaKind.MAP: "Partner map",
    AgendaKind.STATUS: "Research status board",
    AgendaKind.CHART: "Chart",
    AgendaKind.TEXT: "Text slide",
    AgendaKind.WALL: "Live wall",
}

NOT_SHARED = "That session does not exist or is not shared with you; open one from the Sessions page."
ITEM_GONE = "That agenda item has already been removed; reload the page to see the agenda as it is now."


# --- what is returned ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingSummary:
    """One session as the Sessions page lists it."""

    id: int
    title: str
    held_on: dt.date
    place: str
    items: int
    upcoming: bool
    is_example: bool


@dataclass(frozen=True)
class MeetingList:
    upcoming: tuple[MeetingSummary, ...]  # soonest first; empty for members
    past: tuple[MeetingSummary, ...]  # most recent first
    may_run: bool  # whether the viewer may create, change and duplicate sessions


@dataclass(frozen=True)
class AgendaLine:
    """One agenda item, described for the builder and for members reading a past agenda."""

    id: int
    position: int  # 0 for the first
    kind: AgendaKind
    label: str  # what it shows, e.g. "Finding: Loan instruments keep pupils playing"
    title: str  # the heading set for the item ("" when the kind gives its own)
    body: str  # a text slide's words, or the presenter's note
    finding_id: int | None
    partner_id: int | None
    chart: str | None
    group_only: bool  # a finding shared with the working group only: left out when presenting to the public
    problem: str  # set when the item can no longer be shown: one sentence saying why


@dataclass(frozen=True)
class MeetingDetail:
    id: int
    title: str
    held_on: dt.date
    place: str
    description: str
    join_code: str  # "" for viewers who do not run sessions
    wall_open: bool
    anonymous_posts: bool
    public_only: bool
    is_example: bool
    version: int
    upcoming: bool
    may_edit: bool
    items: tuple[AgendaLine, ...]


@dataclass(frozen=True)
class AgendaChoices:
    """What the agenda builder offers: published findings, partner services and charts."""

    findings: dict[int, str]  # id -> "title (service)", newest first
    group_only: frozenset[int]  # finding ids shared with the working group only
    partners: dict[int, str]  # id -> name, by name
    charts: dict[str, str]


@dataclass(frozen=True)
class WallSession:
    """A session as its live wall needs it, found by the wall's join code."""

    id: int
    title: str
    held_on: dt.date
    join_code: str
    wall_open: bool
    anonymous_posts: bool
    public_only: bool


# --- reads --------------------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or audit.today()


@reads(MEETINGS)
def list_meetings(session: Session, *, viewer: Viewer, today: dt.date | None = None) -> MeetingList:
    """Sessions the viewer may see: upcoming (today and later) and past; members see past ones only.

    ``today`` is the UK date that divides them (today's, when not given); pass it from a page so a
    cached list moves on at midnight.
    """
    permissions.require_see_sessions(viewer)
    today = _today(today)
    may_run = permissions.may_run_sessions(viewer)
    counts = (
        select(AgendaItem.meeting_id, func.count(AgendaItem.id).label("item_count"))
        .group_by(AgendaItem.meeting_id)
        .subquery()
    )
    columns = (
        Meeting.id,
        Meeting.title,
        Meeting.held_on,
        Meeting.place,
        Meeting.is_example,
        func.coalesce(counts.c.item_count, 0),
    )
    query = select(*columns).outerjoin(counts, counts.c.meeting_id == Meeting.id)
    upcoming = []
    if may_run:
        rows = session.execute(query.where(Meeting.held_on >= today).order_by(Meeting.held_on, Meeting.id)).all()
        upcoming = [_summary(row, upcoming=True) for row in rows]
    rows = session.execute(
        query.where(Meeting.held_on < today).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(MAX_PAST)
    ).all()
    return MeetingList(
        upcoming=tuple(upcoming), past=tuple(_summary(row, upcoming=False) for row in rows), may_run=may_run
    )


def _summary(row, *, upcoming: bool) -> MeetingSummary:
    meeting_id, title, held_on, place, is_example, items = row
    return MeetingSummary(
        id=meeting_id,
        title=title,
        held_on=held_on,
        place=place or "",
        items=int(items),
        upcoming=upcoming,
        is_example=bool(is_example),
    )


@reads(MEETINGS, FINDINGS, RESEARCH)
def get(session: Session, meeting_id: int, *, viewer: Viewer, today: dt.date | None = None) -> MeetingDetail:
    """One session with its agenda in order; NotFound when the viewer may not see it."""
    permissions.require_see_sessions(viewer)
    meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    upcoming = meeting is not None and meeting.held_on >= _today(today)
    if meeting is None or not permissions.may_see_session(viewer, upcoming=upcoming):
        raise NotFound(NOT_SHARED)
    may_edit = permissions.may_run_sessions(viewer)
    return MeetingDetail(
        id=meeting.id,
        title=meeting.title,
        held_on=meeting.held_on,
        place=meeting.place or "",
        description=meeting.description or "",
        join_code=meeting.join_code if may_edit else "",
        wall_open=bool(meeting.wall_open),
        anonymous_posts=bool(meeting.anonymous_posts),
        public_only=bool(meeting.public_only),
        is_example=bool(meeting.is_example),
        version=meeting.version,
        upcoming=upcoming,
        may_edit=may_edit,
        items=_agenda(session, meeting.id),
    )


def _agenda(session: Session, meeting_id: int) -> tuple[AgendaLine, ...]:
    rows = session.execute(
        select(AgendaItem, Finding.title, Finding.status, Finding.visibility, Partner.name)
        .outerjoin(Finding, Finding.id == AgendaItem.finding_id)
        .outerjoin(Partner, Partner.id == AgendaItem.partner_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    return tuple(
        _line(position, item, finding_title, status, visibility, partner_name)
        for position, (item, finding_title, status, visibility, partner_name) in enumerate(rows)
    )


def _line(position: int, item: AgendaItem, finding_title, status, visibility, partner_name) -> AgendaLine:
    kind = item.kind
    problem = ""
    group_only = False
    if kind == AgendaKind.FINDING:
        if item.finding_id is None:
            label, problem = "Finding: no longer available", "The finding has been deleted; remove this item."
        elif status != FindingStatus.PUBLISHED:
            label = "Finding: no longer published"
            problem = "The finding is no longer published, so it will not be shown; remove this item."
        else:
            label = f"Finding: {finding_title}"
            group_only = visibility == Visibility.GROUP
    elif kind == AgendaKind.PARTNER:
        if partner_name is None:
            label, problem = "Partner profile: no longer available", "The partner service has been removed."
        else:
            label = f"Partner profile: {partner_name}"
    elif kind == AgendaKind.CHART:
        label = f"Chart: {CHARTS.get(item.chart or '', 'a chart no longer offered')}"
        if item.chart not in CHARTS:
            problem = "That chart is no longer offered; remove this item and choose another."
    elif kind == AgendaKind.TEXT:
        label = f"Text slide: {item.title or 'untitled'}"
    else:
        label = KIND_LABELS[kind]
    return AgendaLine(
        id=item.id,
        position=position,
        kind=kind,
        label=label,
        title=item.title or "",
        body=item.body or "",
        finding_id=item.finding_id,
        partner_id=item.partner_id,
        chart=item.chart,
        group_only=group_only,
        problem=problem,
    )


@reads(FINDINGS, RESEARCH)
def agenda_choices(session: Session, *, viewer: Viewer) -> AgendaChoices:
    """Published findings (newest first), partner services and charts, for the agenda builder."""
    permissions.require_run_sessions(viewer)
    rows = session.execute(
        select(Finding.id, Finding.title, Finding.visibility, Partner.short_name)
        .join(Partner, Partner.id == Finding.partner_id)
        .where(Finding.status == FindingStatus.PUBLISHED)
        .order_by(Finding.published_at.desc().nulls_last(), Finding.id.desc())
        .limit(MAX_FINDING_CHOICES)
    ).all()
    partners = session.execute(select(Partner.id, Partner.name).order_by(Partner.name)).all()
    return AgendaChoices(
        findings={finding_id: f"{title} ({service})" for finding_id, title, _, service in rows},
        group_only=frozenset(finding_id for finding_id, _, visibility, _ in rows if visibility == Visibility.GROUP),
        partners=dict(partners),
        charts=dict(CHARTS),
    )


def by_join_code(session: Session, code: str) -> WallSession:
    """The session whose wall ``code`` opens (spaces, dashes and case ignored); NotFound if none.

    For the live wall, which anonymous attendees reach with the code alone: it tells nothing but
    what the wall needs.
    """
    normalised = "".join(str(code or "").split()).replace("-", "").upper()
    meeting = None
    if len(normalised) == JOIN_CODE_LENGTH and all(letter in JOIN_ALPHABET for letter in normalised):
        meeting = session.scalars(select(Meeting).where(Meeting.join_code == normalised)).one_or_none()
    if meeting is None:
        raise NotFound(
            "That session code is not recognised; check the address on the presenter's screen, or ask the facilitator."
        )
    return WallSession(
        id=meeting.id,
        title=meeting.title,
        held_on=meeting.held_on,
        join_code=meeting.join_code,
        wall_open=bool(meeting.wall_open),
        anonymous_posts=bool(meeting.anonymous_posts),
        public_only=bool(meeting.public_only),
    )


# --- checks -------------------------------------------------------------------------------------


def check_title(text: str | None) -> str:
    title = clean_text(text, field="The session's title", limit=MAX_TITLE)
    if title is None:
        raise InvalidInput("Enter a title for the session, such as “Working group: spring meeting”.")
    return title


def check_held_on(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput("Choose the date the session is held on.")
    if not 2018 <= value.year <= 2100:
        raise InvalidInput(f"{value:%d/%m/%Y} is not a likely date for a session; check the year.")
    return value


def check_place(text: str | None) -> str | None:
    return clean_text(text, field="The place or online link", limit=MAX_PLACE)


def check_description(text: str | None) -> str | None:
    return clean_text(text, field="The description", limit=MAX_DESCRIPTION, multiline=True)


def _check_kind(kind: object) -> AgendaKind:
    try:
        return AgendaKind(str(getattr(kind, "value", kind) or "").strip().lower())
    except ValueError:
        choices = ", ".join(label.lower() for label in KIND_LABELS.values())
        raise InvalidInput(f"{str(kind)[:40]!r} is not a kind of agenda item; choose one of: {choices}.") from None


def _check_item_text(kind: AgendaKind, title: str | None, body: str | None) -> tuple[str | None, str | None]:
    checked_title = clean_text(title, field="The slide's title", limit=MAX_ITEM_TITLE)
    what = "The slide's words" if kind == AgendaKind.TEXT else "The presenter's note"
    checked_body = clean_text(body, field=what, limit=MAX_ITEM_BODY, multiline=True)
    if kind == AgendaKind.TEXT and checked_title is None:
        raise InvalidInput("Give the text slide a title: a few words the room will read first.")
    return checked_title, checked_body


def _check_finding(session: Session, finding_id: object) -> int:
    if finding_id is None:
        raise InvalidInput("Choose the published finding to show.")
    row = (
        session.execute(select(Finding.id, Finding.status).where(Finding.id == finding_id)).one_or_none()
        if isinstance(finding_id, int)
        else None
    )
    if row is None:
        raise InvalidInput("That finding no longer exists; choose another published finding.")
    if row.status != FindingStatus.PUBLISHED:
        raise InvalidInput(
            "That finding is not published yet, so it cannot be presented; choose a published finding, "
            "or ask a facilitator to review it first."
        )
    return row.id


def _check_partner(session: Session, partner_id: object) -> int:
    if partner_id is None:
        raise InvalidInput("Choose the partner service whose profile to show.")
    found = session.scalar(select(Partner.id).where(Partner.id == partner_id)) if isinstance(partner_id, int) else None
    if found is None:
        raise InvalidInput("That partner service no longer exists; choose another.")
    return found


def _check_chart(chart: object) -> str:
    if chart is None or str(chart).strip() == "":
        raise InvalidInput("Choose the chart to show.")
    if chart not in CHARTS:
        names = "; ".join(CHARTS.values())
        raise InvalidInput(f"{str(chart)[:40]!r} is not one of the charts; choose one of: {names}.")
    return str(chart)


# --- changes ------------------------------------------------------------------------------------


def new_join_code(session: Session) -> str:
    """A random join code that no session has yet."""
    for _ in range(10):
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if session.scalar(select(Meeting.id).where(Meeting.join_code == code)) is None:
            return code
    # 29**8 codes: ten collisions in a row means something other than chance is wrong.
    raise RuntimeError("could not find an unused join code")


def create(
    session: Session,
    *,
    viewer: Viewer,
    title: str | None,
    held_on: dt.date | None,
    place: str | None = None,
    description: str | None = None,
    anonymous_posts: bool = False,
) -> int:
    """Add a session with an empty agenda and a new join code; its wall starts closed. Returns its id."""
    permissions.require_run_sessions(viewer)
    meeting = Meeting(
        title=check_title(title),
        held_on=check_held_on(held_on),
        place=check_place(place),
        description=check_description(description),
        anonymous_posts=bool(anonymous_posts),
        join_code=new_join_code(session),
        created_by_id=viewer.user_id,
    )
    session.add(meeting)
    session.flush()
    _audit(session, viewer, "meeting_created", meeting, f"on {meeting.held_on:%d/%m/%Y}")
    return meeting.id


def _meeting_for_update(session: Session, viewer: Viewer, meeting_id: int, seen_version: int) -> Meeting:
    """The session, locked, after checking that it is still the version the person saw."""
    permissions.require_run_sessions(viewer)
    meeting = (
        session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
        if isinstance(meeting_id, int)
        else None
    )
    if meeting is None:
        raise NotFound(NOT_SHARED)
    if meeting.version != seen_version:
        raise Conflict(
            f"Someone else changed the session {meeting.title!r} while you were working on it. What you typed "
            "is still in the form: load the latest version to see their change, then make yours again."
        )
    return meeting


def _item_for_update(session: Session, viewer: Viewer, item_id: int, seen_version: int) -> tuple[Meeting, AgendaItem]:
    permissions.require_run_sessions(viewer)
    meeting_id = session.scalar(select(AgendaItem.meeting_id).where(AgendaItem.id == item_id))
    if meeting_id is None:
        raise NotFound(ITEM_GONE)
    meeting = _meeting_for_update(session, viewer, meeting_id, seen_version)
    item = session.get(AgendaItem, item_id, populate_existing=True)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(ITEM_GONE)
    return meeting, item


def _touch(meeting: Meeting) -> None:
    """Move the session's version: a change to its agenda is a change to the session."""
    meeting.updated_at = clock.now()


def _audit(session: Session, viewer: Viewer, action: str, meeting: Meeting, what: str) -> None:
    audit.record(
        session,
        actor=viewer,
        action=action,
        entity_type="meeting",
        entity_id=meeting.id,
        summary=f"{meeting.title}: {what}",
    )


def update(
    session: Session,
    meeting_id: int,
    *,
    viewer: Viewer,
    seen_version: int,
    title: str | None,
    held_on: dt.date | None,
    place: str | None = None,
    description: str | None = None,
    anonymous_posts: bool | None = None,
    public_only: bool | None = None,
) -> list[str]:
    """Change a session's details (None for the two switches leaves them as they are); returns the changes.

    Raises Conflict when the session is no longer at ``seen_version``, the version the person saw.
    """
    meeting = _meeting_for_update(session, viewer, meeting_id, seen_version)
    values = {
        "title": check_title(title),
        "held_on": check_held_on(held_on),
        "place": check_place(place),
        "description": check_description(description),
    }
    if anonymous_posts is not None:
        values["anonymous_posts"] = bool(anonymous_posts)
    if public_only is not None:
        values["public_only"] = bool(public_only)
    changes = []
    for field, value in values.items():
        before = getattr(meeting, field)
        if before == value:
            continue
        changes.append(f"{field.replace('_', ' ')}: {_shown(field, before)} -> {_shown(field, value)}")
        setattr(meeting, field, value)
    if changes:
        session.flush()
        _audit(session, viewer, "meeting_changed", meeting, "; ".join(changes))
    return changes


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "empty"
    if field == "description":
        return f"{len(value):,} characters"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
            .execution_options(populate_existing=True)
        )
    )


def add_item(
    session: Session,
    meeting_id: int,
    *,
    viewer: Viewer,
    seen_version: int,
    kind: AgendaKind | str,
    finding_id: int | None = None,
    partner_id: int | None = None,
    chart: str | None = None,
    title: str | None = None,
    body: str | None = None,
) -> int:
    """Add an item at the end of the agenda; returns its id.

    A finding must be published; a partner or chart item names its partner or chart; a text slide
    needs a title. ``title`` sets the heading (a text slide's, or one to use instead of the item's
    own) and ``body`` a text slide's words or the presenter's note.
    """
    meeting = _meeting_for_update(session, viewer, meeting_id, seen_version)
    kind = _check_kind(kind)
    checked_title, checked_body = _check_item_text(kind, title, body)
    item = AgendaItem(meeting_id=meeting.id, kind=kind, title=checked_title, body=checked_body)
    if kind == AgendaKind.FINDING:
        item.finding_id = _check_finding(session, finding_id)
    elif kind == AgendaKind.PARTNER:
        item.partner_id = _check_partner(session, partner_id)
    elif kind == AgendaKind.CHART:
        item.chart = _check_chart(chart)
    items = _items(session, meeting.id)
    if len(items) >= MAX_ITEMS:
        raise InvalidInput(
            f"The agenda already has {MAX_ITEMS} items, as many as one session holds; remove one first, "
            "or prepare a second session."
        )
    item.position = len(items)
    session.add(item)
    _touch(meeting)
    session.flush()
    _audit(session, viewer, "agenda_item_added", meeting, f"added item {item.position + 1}, {_what(session, item)}")
    return item.id


def _what(session: Session, item: AgendaItem) -> str:
    """An item as the audit trail names it: its kind and what it points at."""
    if item.kind == AgendaKind.FINDING and item.finding_id is not None:
        return f"finding {session.scalar(select(Finding.title).where(Finding.id == item.finding_id))!r}"
    if item.kind == AgendaKind.PARTNER and item.partner_id is not None:
        return f"partner profile {session.scalar(select(Partner.name).where(Partner.id == item.partner_id))!r}"
    if item.kind == AgendaKind.CHART:
        return f"chart {CHARTS.get(item.chart or '', item.chart)!r}"
    if item.kind == AgendaKind.TEXT:
        return f"text slide {item.title!r}"
    return KIND_LABELS[item.kind].lower()


def move_item(session: Session, item_id: int, *, viewer: Viewer, seen_version: int, offset: int) -> int:
    """Move an item ``offset`` places (-1 up, +1 down), stopping at either end; returns its new position."""
    meeting, item = _item_for_update(session, viewer, item_id, seen_version)
    items = _items(session, meeting.id)
    start = next(index for index, other in enumerate(items) if other.id == item.id)
    end = max(0, min(len(items) - 1, start + int(offset)))
    if end == start:
        return start
    items.insert(end, items.pop(start))
    _renumber(items)
    _touch(meeting)
    session.flush()
    _audit(session, viewer, "agenda_item_moved", meeting, f"moved item {start + 1} to place {end + 1}")
    return end


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def remove_item(session: Session, item_id: int, *, viewer: Viewer, seen_version: int) -> None:
    """Take an item off the agenda; the items after it move up."""
    meeting, item = _item_for_update(session, viewer, item_id, seen_version)
    items = _items(session, meeting.id)
    start = next(index for index, other in enumerate(items) if other.id == item.id)
    what = _what(session, item)
    session.delete(item)
    items.pop(start)
    _renumber(items)
    _touch(meeting)
    session.flush()
    _audit(session, viewer, "agenda_item_removed", meeting, f"removed item {start + 1}, {what}")


def update_item(
    session: Session,
    item_id: int,
    *,
    viewer: Viewer,
    seen_version: int,
    title: str | None = None,
    body: str | None = None,
) -> bool:
    """Change an item's heading and its words (a text slide) or note; returns whether anything changed."""
    meeting, item = _item_for_update(session, viewer, item_id, seen_version)
    checked_title, checked_body = _check_item_text(item.kind, title, body)
    if (item.title, item.body) == (checked_title, checked_body):
        return False
    pairs = (("title", item.title, checked_title), ("words", item.body, checked_body))
    changed = " and ".join(name for name, before, after in pairs if before != after)
    item.title, item.body = checked_title, checked_body
    _touch(meeting)
    session.flush()
    _audit(session, viewer, "agenda_item_changed", meeting, f"changed the {changed} of item {item.position + 1}")
    return True


def duplicate(session: Session, meeting_id: int, *, viewer: Viewer, held_on: dt.date | None) -> int:
    """A new session on ``held_on`` with the same details and agenda, a new join code and its wall closed.

    Returns the new session's id. The copy is real even when the original is an example.
    """
    permissions.require_run_sessions(viewer)
    original = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if original is None:
        raise NotFound(NOT_SHARED)
    copy = Meeting(
        title=original.title,
        held_on=check_held_on(held_on),
        place=original.place,
        description=original.description,
        anonymous_posts=original.anonymous_posts,
        public_only=original.public_only,
        join_code=new_join_code(session),
        created_by_id=viewer.user_id,
    )
    session.add(copy)
    session.flush()
    for position, item in enumerate(_items(session, original.id)):
        session.add(
            AgendaItem(
                meeting_id=copy.id,
                position=position,
                kind=item.kind,
                title=item.title,
                body=item.body,
                finding_id=item.finding_id,
                partner_id=item.partner_id,
                chart=item.chart,
            )
        )
    session.flush()
    _audit(
        session,
        viewer,
        "meeting_duplicated",
        copy,
        f"copied from the session of {original.held_on:%d/%m/%Y} (#{original.id}), for {copy.held_on:%d/%m/%Y}",
    )
    return copy.id
