"""The Sessions and Session pages: session cards, the details form and the agenda builder.

Every change to a session checks the version the person saw (``ctdash.meetings``). The details
form and the agenda's forms keep it the EditForm way; the agenda's Up, Down and Remove buttons
carry the version of the agenda they were drawn with. After a change of one's own, forms still
holding the version it replaced move on to the new one (``advance``): only someone else's change
is a conflict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ctdash import meetings, ui
from ctdash.errors import Conflict, NotFound
from ctdash.format import heading, link_id, literal, plain
from ctdash.models import AgendaKind
from ctdash.ui import components
from ctdash.ui.components import EXAMPLE_BADGE
from ctdash.ui.finding_views import finding_url
from ctdash.ui.forms import SEEN, EditForm
from ctdash.viewer import Viewer

SESSIONS_PAGE = "pages/sessions.py"
SESSION_PAGE = "pages/session.py"
DATE_FORMAT = "DD/MM/YYYY"
DETAIL_FIELDS = ("title", "held_on", "place", "description", "anonymous_posts")
ITEM_FIELDS = ("finding_id", "partner_id", "chart", "title", "body")
KIND_ICONS = {
    AgendaKind.WELCOME: ":material/waving_hand:",
    AgendaKind.FINDING: ":material/lightbulb:",
    AgendaKind.PARTNER: ":material/apartment:",
    AgendaKind.MAP: ":material/map:",
    AgendaKind.STATUS: ":material/view_kanban:",
    AgendaKind.CHART: ":material/bar_chart:",
    AgendaKind.TEXT: ":material/text_fields:",
    AgendaKind.WALL: ":material/forum:",
}
# The order the kind picker offers them in: the usual content first.
KINDS = (
    AgendaKind.FINDING,
    AgendaKind.TEXT,
    AgendaKind.CHART,
    AgendaKind.PARTNER,
    AgendaKind.MAP,
    AgendaKind.STATUS,
    AgendaKind.WELCOME,
    AgendaKind.WALL,
)
_PENDING = "_ctdash_agenda_change"


def present_url(meeting_id: int) -> str:
    return f"present?session={int(meeting_id)}"


def wall_url(join_code: str) -> str:
    return f"wall?s={join_code}"


def meeting_from_url() -> int | None:
    """The session named by ``?id=``; None when it is missing or malformed."""
    return link_id(st.query_params.get("id"))


def _when(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# --- the details form ---------------------------------------------------------------------------


def details_form(form: EditForm, *, detail: meetings.MeetingDetail | None = None, submit: str) -> dict | None:
    """Title, date, place, description and whether anonymous posts are allowed; the values on submit."""
    with st.form(form.key, enter_to_submit=False):
        values = {
            "title": st.text_input(
                "Title",
                value=detail.title if detail else "",
                max_chars=meetings.MAX_TITLE,
                placeholder="Working group: spring meeting",
                key=form.widget("title"),
            )
        }
        left, right = st.columns([1, 2])
        values |= {
            "held_on": left.date_input(
                "Date", value=detail.held_on if detail else None, format=DATE_FORMAT, key=form.widget("held_on")
            ),
            "place": right.text_input(
                "Place or online link",
                value=detail.place if detail else "",
                max_chars=meetings.MAX_PLACE,
                placeholder="A room and building, or the meeting's web address",
                key=form.widget("place"),
            ),
            "description": st.text_area(
                "Description",
                value=detail.description if detail else "",
                max_chars=meetings.MAX_DESCRIPTION,
                height=90,
                key=form.widget("description"),
            ),
            "anonymous_posts": st.checkbox(
                "Let people who are not signed in post to the live wall (their posts wait for approval)",
                value=detail.anonymous_posts if detail else False,
                key=form.widget("anonymous_posts"),
            ),
        }
        submitted = st.form_submit_button(submit, type="primary")
    return values if submitted else None


def detail_form(meeting_id: int) -> EditForm:
    return EditForm(f"meeting{meeting_id}_details", fields=DETAIL_FIELDS)


# --- the Sessions page --------------------------------------------------------------------------


@dataclass
class DuplicateRequest:
    summary: meetings.MeetingSummary
    held_on: dt.date | None
    area: Any  # the popover, where the outcome is shown


PAST = "past_sessions"
PAST_STEP = 20  # past sessions drawn at a time, the most recent first: each card is four elements


def session_lists(listing: meetings.MeetingList) -> DuplicateRequest | None:
    """Upcoming and past sessions as cards; returns a duplicate a facilitator asked for."""
    requested = None
    if listing.may_run:
        st.subheader("Upcoming")
        if not listing.upcoming:
            st.caption("No session is planned yet. Start one with “New session”, or duplicate a past one.")
        for summary in listing.upcoming:
            _card(summary, may_run=True)
    st.subheader("Past sessions")
    if not listing.past:
        st.caption("No session has been held yet.")
    shown = components.drawn(PAST, PAST_STEP)
    for summary in listing.past[:shown]:
        requested = _card(summary, may_run=listing.may_run) or requested
    components.show_more(PAST, shown=shown, total=len(listing.past), step=PAST_STEP, which="most recent")
    return requested


def _card(summary: meetings.MeetingSummary, *, may_run: bool) -> DuplicateRequest | None:
    with st.container(border=True, key=f"meeting_card_{summary.id}"):
        items = f"{summary.items} item{'s' if summary.items != 1 else ''}" if summary.items else "no agenda yet"
        lines = [" · ".join(part for part in (_when(summary.held_on), plain(summary.place), items) if part)]
        if summary.is_example:
            lines.append(EXAMPLE_BADGE)
        # A page link, not a markdown one: markdown links open a new tab, and a new sign-in from the cookie.
        st.page_link(
            SESSION_PAGE,
            label=f"**{plain(summary.title)}**",
            icon=":material/event:",
            query_params={"id": str(summary.id)},
        )
        st.markdown("  \n".join(lines))
        if not may_run or summary.upcoming:
            return None
        popover = st.popover(
            "Duplicate", icon=":material/content_copy:", key=f"duplicate_{summary.id}", on_change="rerun"
        )
        with popover:
            if not popover.open:
                return None
            with st.form(f"duplicate_{summary.id}_form", enter_to_submit=False, border=False):
                st.markdown("A new session with the same details and agenda, a new wall address and its wall closed.")
                held_on = st.date_input(
                    "Date of the new session", value=None, format=DATE_FORMAT, key=f"duplicate_{summary.id}_on"
                )
                if st.form_submit_button("Duplicate", type="primary"):
                    return DuplicateRequest(summary=summary, held_on=held_on, area=popover)
    return None


# --- the Session page ---------------------------------------------------------------------------


def show_header(detail: meetings.MeetingDetail) -> None:
    st.title(heading(detail.title))
    facts = [_when(detail.held_on)]
    if detail.place:
        facts.append(literal(detail.place) if "://" in detail.place else plain(detail.place))
    badges = [":blue-badge[Upcoming]" if detail.upcoming else ":gray-badge[Held]"]
    if detail.is_example:
        badges.append(EXAMPLE_BADGE)
    st.markdown(" · ".join(facts) + "  \n" + " ".join(badges))
    if detail.description:
        st.markdown("  \n".join(plain(line) for line in detail.description.splitlines()))


def run_links(detail: meetings.MeetingDetail) -> None:
    """Where a facilitator goes from here: the presenter view and the live wall."""
    with st.container(horizontal=True, gap="small"):
        st.link_button("Present", present_url(detail.id), icon=":material/slideshow:", type="primary")
        st.link_button("Open the wall", wall_url(detail.join_code), icon=":material/forum:")
    wall = "open" if detail.wall_open else "closed"
    anonymous = "anyone with the code may post" if detail.anonymous_posts else "only signed-in people may post"
    st.caption(f"Wall code **{plain(detail.join_code)}**: the wall is {wall}; {anonymous}.")


def show_agenda(detail: meetings.MeetingDetail) -> None:
    """The agenda, read-only: for members reading a session already held."""
    st.subheader("Agenda")
    if not detail.items:
        st.caption("This session had no agenda.")
    for line in detail.items:
        with st.container(border=True, key=f"agenda_line_{line.id}"):
            st.markdown(_line_text(line))


def _line_text(line: meetings.AgendaLine) -> str:
    name = plain(line.label)
    if line.finding_id and not line.problem:  # the finding's own page, which checks who may see it
        name = f"[{name}]({finding_url(line.finding_id)})"
    text = f"{line.position + 1}. {KIND_ICONS[line.kind]} **{name}**"
    if line.title and line.kind != AgendaKind.TEXT:
        text += f"  \nShown as: {plain(line.title)}"
    if line.body:
        words = line.body if len(line.body) <= 200 else line.body[:200] + "…"
        text += f"  \n:small[:gray[{plain(words)}]]"
    if line.group_only:
        text += "  \n:small[:orange[Working group only: left out when presenting to the public.]]"
    if line.problem:
        text += f"  \n:small[:red[:material/warning: {plain(line.problem)}]]"
    return text


# --- the agenda builder -------------------------------------------------------------------------


@dataclass
class AgendaChange:
    """A change someone asked for on the agenda, saved once the page is drawn."""

    action: str  # "move", "remove", "add" or "edit"
    meeting_id: int
    seen_version: int
    item_id: int | None = None
    position: int = 0  # the item's place when the button was drawn
    offset: int = 0
    values: dict | None = None
    form: EditForm | None = None
    area: Any = None  # where the outcome is shown


def _ask(change: AgendaChange) -> None:
    st.session_state[_PENDING] = change


def clicked_change() -> AgendaChange | None:
    """An Up, Down or Remove button pressed in the last run, with the version it was drawn with."""
    return st.session_state.pop(_PENDING, None)


def agenda_builder(detail: meetings.MeetingDetail, choices: meetings.AgendaChoices) -> AgendaChange | None:
    """The agenda with Up, Down, Edit and Remove on every item, then the form to add one.

    Returns an edit or addition submitted in this run (button presses arrive through ``clicked_change``).
    """
    st.subheader("Agenda")
    submitted = None
    if not detail.items:
        st.caption("The agenda is empty: add the first item below.")
    last = len(detail.items) - 1
    for line in detail.items:
        with st.container(border=True, key=f"agenda_line_{line.id}"):
            st.markdown(_line_text(line))
            common = {
                "action": "move",
                "meeting_id": detail.id,
                "seen_version": detail.version,
                "item_id": line.id,
                "position": line.position,
            }
            # Buttons in a row sized to their labels, under the item: readable on a phone as on a laptop.
            with st.container(horizontal=True, gap="small"):
                st.button(
                    "Up",
                    key=f"item{line.id}_up",
                    icon=":material/arrow_upward:",
                    disabled=line.position == 0,
                    help="Move this item one place earlier",
                    on_click=_ask,
                    args=(AgendaChange(**common, offset=-1),),
                )
                st.button(
                    "Down",
                    key=f"item{line.id}_down",
                    icon=":material/arrow_downward:",
                    disabled=line.position == last,
                    help="Move this item one place later",
                    on_click=_ask,
                    args=(AgendaChange(**common, offset=1),),
                )
                submitted = _edit_item(detail, line) or submitted
                st.button(
                    "Remove",
                    key=f"item{line.id}_remove",
                    icon=":material/delete:",
                    help="Take this item off the agenda",
                    on_click=_ask,
                    args=(AgendaChange(**common | {"action": "remove"}),),
                )
    return _add_item(detail, choices) or submitted


def _edit_item(detail: meetings.MeetingDetail, line: meetings.AgendaLine) -> AgendaChange | None:
    form = EditForm(f"meeting{detail.id}_item{line.id}", fields=("title", "body"))
    popover = st.popover("Edit", key=form.widget("popover"), on_change="rerun", help="Change the heading or the note")
    with popover:
        if not popover.open:
            return None
        seen = form.seen_version(detail.version)
        with st.form(form.key, enter_to_submit=False, border=False):
            text_slide = line.kind == AgendaKind.TEXT
            title = st.text_input(
                "Title" if text_slide else "Heading to show instead (optional)",
                value=line.title,
                max_chars=meetings.MAX_ITEM_TITLE,
                key=form.widget("title"),
            )
            body = st.text_area(
                "Words on the slide" if text_slide else "Presenter's note",
                value=line.body,
                max_chars=meetings.MAX_ITEM_BODY,
                key=form.widget("body"),
            )
            if not st.form_submit_button("Save item", type="primary"):
                return None
    return AgendaChange(
        action="edit",
        meeting_id=detail.id,
        seen_version=seen,
        item_id=line.id,
        values={"title": title, "body": body},
        form=form,
        area=popover,
    )


def _add_item(detail: meetings.MeetingDetail, choices: meetings.AgendaChoices) -> AgendaChange | None:
    st.markdown("**Add an item**")
    area = st.container(border=True, key=f"meeting{detail.id}_add_area")
    with area:
        kind = st.selectbox(
            "Kind of item",
            KINDS,
            format_func=lambda value: meetings.KIND_LABELS[value],
            key=f"meeting{detail.id}_kind",
        )
        form = EditForm(f"meeting{detail.id}_add", fields=ITEM_FIELDS)
        seen = form.seen_version(detail.version)
        with st.form(f"{form.key}_{kind.value}", enter_to_submit=False, border=False):
            values: dict = {"kind": kind.value}
            if kind == AgendaKind.FINDING:
                if not choices.findings:
                    st.caption("No finding is published yet; publish one from the review queue first.")
                values["finding_id"] = st.selectbox(
                    "Published finding",
                    list(choices.findings),
                    index=None,
                    format_func=lambda value: (
                        choices.findings[value] + (" · working group only" if value in choices.group_only else "")
                    ),
                    placeholder="Type to search published findings",
                    key=form.widget("finding_id"),
                )
            elif kind == AgendaKind.PARTNER:
                values["partner_id"] = st.selectbox(
                    "Partner service",
                    list(choices.partners),
                    index=None,
                    format_func=choices.partners.get,
                    placeholder="Type to search partner services",
                    key=form.widget("partner_id"),
                )
            elif kind == AgendaKind.CHART:
                values["chart"] = st.selectbox(
                    "Chart",
                    list(choices.charts),
                    index=None,
                    format_func=choices.charts.get,
                    placeholder="Choose a chart from the findings library",
                    key=form.widget("chart"),
                )
            text_slide = kind == AgendaKind.TEXT
            values["title"] = st.text_input(
                "Title" if text_slide else "Heading to show instead (optional)",
                max_chars=meetings.MAX_ITEM_TITLE,
                key=form.widget("title"),
            )
            values["body"] = st.text_area(
                "Words on the slide" if text_slide else "Presenter's note (optional)",
                max_chars=meetings.MAX_ITEM_BODY,
                height=90,
                key=form.widget("body"),
            )
            if not st.form_submit_button("Add to the agenda", type="primary", icon=":material/add:"):
                return None
    return AgendaChange(action="add", meeting_id=detail.id, seen_version=seen, values=values, form=form, area=area)


def save_change(change: AgendaChange, viewer: Viewer) -> None:
    """Save an agenda change and show the agenda again; someone else's change first is a conflict.

    A conflict from a button (or an item someone else has just removed) says so above the agenda,
    which is then drawn as it is now; one from a form stays beside the form, which keeps what was typed.
    """
    if change.form is not None:
        with change.area, ui.open_session(change.form) as session:
            message, changed = _apply(session, change, viewer)
        _after(change, changed, message)
    conflict = None
    with ui.open_session() as session:
        try:
            message, changed = _apply(session, change, viewer)
        except (Conflict, NotFound) as error:  # checked before anything is written
            conflict = error
    if conflict is not None:
        st.warning(
            "Someone else changed this session's agenda just before you; here it is as it is now. "
            "Make your change again if it is still needed.",
            icon=":material/sync_problem:",
        )
        return
    _after(change, changed, message)


def _apply(session, change: AgendaChange, viewer: Viewer) -> tuple[str, bool]:
    """Make the change; returns what to tell the person and whether the session's version moved."""
    common = {"viewer": viewer, "seen_version": change.seen_version}
    if change.action == "add":
        meetings.add_item(session, change.meeting_id, **common, **change.values)
        return "The item is added at the end of the agenda.", True
    if change.action == "edit":
        changed = meetings.update_item(session, change.item_id, **common, **change.values)
        return ("The item is saved." if changed else "Nothing had changed in the item."), changed
    if change.action == "remove":
        meetings.remove_item(session, change.item_id, **common)
        return "The item is taken off the agenda.", True
    position = meetings.move_item(session, change.item_id, **common, offset=change.offset)
    return f"The item is now number {position + 1} on the agenda.", position != change.position


def _after(change: AgendaChange, changed: bool, message: str) -> None:
    if changed:
        advance(change.meeting_id, change.seen_version)
    ui.done(message)


def save_details(form: EditForm, detail: meetings.MeetingDetail, seen_version: int, values: dict, viewer) -> None:
    """Save the details form, checked against the version the form was drawn with."""
    with ui.open_session(form) as session:
        changes = meetings.update(session, detail.id, viewer=viewer, seen_version=seen_version, **values)
    if changes:
        advance(detail.id, seen_version)
    ui.done(f"{values['title'].strip()} is saved." if changes else "Nothing had changed in the details.")


def advance(meeting_id: int, before: int) -> None:
    """After one's own change moved the session from ``before`` to the next version, let this
    person's other forms on the session that saw ``before`` take the new one: nobody else changed it."""
    seen = st.session_state.get(SEEN, {})
    for key, version in list(seen.items()):
        if key.startswith(f"meeting{meeting_id}_") and version == before:
            seen[key] = before + 1
