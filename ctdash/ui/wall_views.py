"""The live wall on screen: the presenter's welcome panel and board, the attendee's form, the facilitator's controls.

``welcome_panel`` and ``live_board`` are what the presenter view shows: large type, refreshing
themselves every few seconds (``st.fragment(run_every=...)``) without reloading the page. Posts
are people's words, so they are always escaped: never HTML, never markdown.

A device is a random token this browser session keeps (``device``): the wall's rate limit and
join count are per device, and for an anonymous attendee it is all there is, never an account.
"""

from __future__ import annotations

import base64
import html
import secrets
import uuid
from urllib.parse import urlsplit

import streamlit as st

from ctdash import findings, permissions, qr, wall
from ctdash.config import get_settings
from ctdash.errors import InvalidInput, NotFound, PermissionDenied
from ctdash.format import local_time, plain
from ctdash.models import FindingKind
from ctdash.ui import database
from ctdash.ui.errors import user_errors
from ctdash.ui.forms import EditForm
from ctdash.ui.shell import done
from ctdash.ui.who import viewer
from ctdash.viewer import Viewer

REFRESH_SECONDS = 4  # how often a wall, a count and the moderation list look for new posts
DEVICE = "wall_device"
JOINED = "wall_joined"  # ids of the sessions this browser session has been counted in
TOKEN = "wall_post_token"  # names the post the form will send: a retry is stored once
FLASH = "wall_flash"
SWITCHED = "wall_switched"  # a facilitator flipped a switch: apply it on this run
FORM = EditForm("wall_post", fields=("kind", "body", "theme", "partner"))
PAGE_PATHS = frozenset(rule.file.removesuffix(".py") for rule in permissions.PAGES)
KIND_WORDS = {FindingKind.BARRIER.value: "Barrier", FindingKind.ENABLER.value: "Enabler"}
KIND_MARKS = {FindingKind.BARRIER.value: "▲", FindingKind.ENABLER.value: "●"}  # with the word: never colour alone


# --- addresses ----------------------------------------------------------------------------------


def device() -> str:
    """This browser session's random device token (the wall's services store it hashed)."""
    if DEVICE not in st.session_state:
        st.session_state[DEVICE] = secrets.token_urlsafe(24)
    return st.session_state[DEVICE]


def base_url() -> str:
    """The app's own address: the ``public_url`` setting, else the one this browser reached it at."""
    configured = get_settings().public_url
    if configured:
        return configured
    url = st.context.url
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        if path.rsplit("/", 1)[-1] in PAGE_PATHS:  # the page this browser is on, not the app's root
            path = path.rsplit("/", 1)[0]
        return f"{parts.scheme}://{parts.netloc}{path}"
    host = st.context.headers.get("Host") if hasattr(st.context.headers, "get") else None
    return f"http://{host}" if isinstance(host, str) and host else "http://localhost:8501"


def wall_url(code: str) -> str:
    """The address attendees open to post to the wall of ``code``."""
    return f"{base_url()}/wall?s={code}"


def short_address(url: str) -> str:
    """An address as people type it: without its scheme."""
    return url.split("://", 1)[-1]


# --- the presenter's screens ----------------------------------------------------------------------


def _address_pieces(address: str) -> str:
    """The address as HTML that wraps between its host and its path, never inside the code."""
    host, slash, path = address.partition("/")
    pieces = [host, slash + path] if slash else [host]
    return "".join(f'<span style="display:inline-block">{html.escape(piece)}</span>' for piece in pieces)


def _calm(message: str) -> None:
    st.info(plain(message), icon=":material/info:")


def welcome_panel(meeting_id: int) -> None:
    """The QR code of the session's wall, its short address in large type, and a live count of people taking part."""
    with user_errors():
        meeting = database.read(wall.meeting, meeting_id=meeting_id)
    if meeting is None:
        _calm(wall.NO_WALL)
        return
    url = wall_url(meeting.join_code)
    code_column, words_column = st.columns([2, 3], vertical_alignment="center")
    with code_column:
        # As an image: st.html's sanitiser drops inline SVG, and an <img> carries its alt text.
        picture = base64.b64encode(qr.svg(url).encode("utf-8")).decode("ascii")
        st.html(
            f'<img src="data:image/svg+xml;base64,{picture}" alt="{html.escape(f"QR code: scan it to open {url}")}" '
            'style="display:block;width:100%;max-width:28rem;background:#fff">'
        )
    with words_column:
        st.html(
            '<div style="font-size:2rem;line-height:1.3">Scan the code, or open</div>'
            '<div style="font-size:3.2rem;font-weight:700;line-height:1.2;overflow-wrap:anywhere">'
            f"{_address_pieces(short_address(url))}</div>"
            '<div style="font-size:2rem;line-height:1.3;margin-top:0.5rem">'
            "and post a barrier or an enabler in a sentence.</div>"
        )
        _live_count(meeting_id)


@st.fragment(run_every=REFRESH_SECONDS)
def _live_count(meeting_id: int) -> None:
    with user_errors():
        board = database.read(wall.board, meeting_id=meeting_id)
    people = board.taking_part
    st.html(
        f'<div role="status" style="font-size:2.4rem;font-weight:700;margin-top:1rem">'
        f"{people} {'person has' if people == 1 else 'people have'} joined · {board.shown} "
        f"post{'' if board.shown == 1 else 's'} on the wall</div>"
    )


def board_html(board: wall.WallBoard, *, large: bool = True) -> str:
    """The wall as HTML: one column per theme with its counts, posts newest first; every word escaped."""
    scale = 1.0 if large else 0.55
    summary = (
        f"{board.shown} post{'' if board.shown == 1 else 's'}: {board.barriers} "
        f"barrier{'' if board.barriers == 1 else 's'}, {board.enablers} enabler{'' if board.enablers == 1 else 's'}"
    )
    if not board.groups:
        return (
            f'<div role="status" style="font-size:{2 * scale:.2f}rem">No posts on the wall yet: '
            "they appear here as they arrive.</div>"
        )
    columns = []
    for group in board.groups:
        posts = "".join(
            f'<li style="border:2px solid #444;border-radius:0.5rem;padding:{0.6 * scale:.2f}rem;'
            f'margin:0 0 {0.6 * scale:.2f}rem 0;list-style:none;background:#fff;color:#111">'
            f'<div style="font-size:{1.2 * scale + 0.3:.2f}rem;font-weight:700">'
            f"{KIND_MARKS[line.kind]} {KIND_WORDS[line.kind]}</div>"
            f'<div style="font-size:{2 * scale:.2f}rem;line-height:1.3;overflow-wrap:anywhere">'
            f"{html.escape(line.body)}</div>"
            + (
                f'<div style="font-size:{1.2 * scale + 0.3:.2f}rem;color:#333">{html.escape(line.partner)}</div>'
                if line.partner
                else ""
            )
            + "</li>"
            for line in group.posts
        )
        columns.append(
            f'<section style="flex:1 1 {22 * scale + 6:.0f}rem;min-width:0">'
            f'<h3 style="font-size:{2.2 * scale:.2f}rem;margin:0 0 0.3rem 0">{html.escape(group.theme)}</h3>'
            f'<p style="font-size:{1.5 * scale + 0.2:.2f}rem;margin:0 0 0.6rem 0">'
            f"{group.barriers} barrier{'' if group.barriers == 1 else 's'} · "
            f"{group.enablers} enabler{'' if group.enablers == 1 else 's'}</p>"
            f'<ul style="padding:0;margin:0">{posts}</ul></section>'
        )
    return (
        f'<div role="status" style="font-size:{1.6 * scale + 0.2:.2f}rem;font-weight:700;margin-bottom:0.6rem">'
        f"{summary}</div>"
        f'<div style="display:flex;flex-wrap:wrap;gap:1rem">{"".join(columns)}</div>'
    )


@st.fragment(run_every=REFRESH_SECONDS)
def live_board(meeting_id: int, *, large: bool = True) -> None:
    """The wall grouped by theme with its counts, refreshing itself every few seconds; ``large`` for a projector."""
    with user_errors():
        meeting = database.read(wall.meeting, meeting_id=meeting_id)
        if meeting is None:
            _calm(wall.NO_WALL)
            return
        board = database.read(wall.board, meeting_id=meeting_id)
    st.html(board_html(board, large=large))


# --- the attendee's page ------------------------------------------------------------------------


def count_this_device(meeting: wall.MeetingRef, current: Viewer) -> None:
    """Count this browser as taking part in an open wall, once per browser session; facilitators are not counted."""
    joined = st.session_state.setdefault(JOINED, set())
    if meeting.id in joined or not meeting.wall_open or wall.may_moderate(current):
        return
    with database.open_session() as session:
        wall.join(session, meeting.join_code, device=device())
    joined.add(meeting.id)


def post_form(meeting: wall.MeetingRef, current: Viewer) -> None:
    """The attendee's form; after posting it says so and is empty for the next one; on any error the words stay."""
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(plain(flash), icon=":material/check_circle:")
    if not current.signed_in and not meeting.anonymous_posts:
        _calm(wall.SIGN_IN_TO_POST)
        st.page_link("pages/sign_in.py", label="Sign in", icon=":material/login:")
        return
    offered = database.read(wall.choices)
    themes, partners = dict(offered.themes), dict(offered.partners)
    with st.form("wall_post_form", border=True):
        kind = st.radio(
            "Is it a barrier or an enabler?",
            options=list(KIND_WORDS),
            format_func=KIND_WORDS.get,
            index=None,
            horizontal=True,
            key=FORM.widget("kind"),
        )
        body = st.text_area(
            "Your reflection, in one sentence",
            max_chars=wall.MAX_BODY,
            placeholder="For example: the late bus home is what keeps our older players coming.",
            key=FORM.widget("body"),
        )
        theme = st.selectbox(
            "Theme (optional)",
            options=list(themes),
            format_func=themes.get,
            index=None,
            placeholder="Choose a theme",
            key=FORM.widget("theme"),
        )
        own = current.partner_id if current.partner_id in partners else None
        partner = st.selectbox(
            "Your service (optional)",
            options=list(partners),
            format_func=partners.get,
            index=list(partners).index(own) if own is not None else None,
            placeholder="Choose your service",
            key=FORM.widget("partner"),
        )
        st.caption(
            "Plain text, up to 280 characters. No names or contact details: the wall is shown to the whole room."
            + ("" if current.signed_in else " Your post appears once the facilitator approves it.")
        )
        sent = st.form_submit_button("Post to the wall", type="primary", icon=":material/send:", width="stretch")
    if not sent:
        return
    token = st.session_state.setdefault(TOKEN, uuid.uuid4().hex)
    problem = receipt = None
    with database.open_session() as session:
        try:
            receipt = wall.post(
                session,
                meeting.join_code,
                viewer=current,
                device=device(),
                post_token=token,
                kind=kind,
                body=body,
                theme_id=theme,
                partner_id=partner,
            )
        except (InvalidInput, PermissionDenied, NotFound) as error:
            session.rollback()
            problem = str(error)
    if problem is not None:
        st.error(plain(problem), icon=":material/error:")
        return
    st.session_state[FLASH] = receipt.message
    st.session_state.pop(TOKEN, None)
    FORM.saved()  # new, empty widgets for the next post
    st.rerun()


# --- the facilitator's controls -----------------------------------------------------------------


def _switched() -> None:
    st.session_state[SWITCHED] = True


def wall_switches(meeting: wall.MeetingRef) -> None:
    """The "Wall open" and "Allow anonymous posts" switches, always showing what is stored."""
    open_key, anonymous_key = f"wall_open_{meeting.id}", f"wall_anonymous_{meeting.id}"
    if st.session_state.pop(SWITCHED, False):
        opened, anonymous = bool(st.session_state.get(open_key)), bool(st.session_state.get(anonymous_key))
        with database.open_session() as session:
            wall.set_wall(session, meeting.id, viewer=viewer(), open=opened, anonymous_posts=anonymous)
        done(
            f"The wall is {'open' if opened else 'closed'}; anonymous posts are "
            f"{'allowed, after your approval' if anonymous else 'not allowed'}."
        )
    st.session_state[open_key] = meeting.wall_open
    st.session_state[anonymous_key] = meeting.anonymous_posts
    left, right = st.columns(2)
    left.toggle("Wall open", key=open_key, on_change=_switched, help="While it is open, attendees can post.")
    right.toggle(
        "Allow anonymous posts",
        key=anonymous_key,
        on_change=_switched,
        help="Posts from people who are not signed in wait for your approval before they appear.",
    )


def _post_words(line: wall.PostLine) -> None:
    who = plain(line.author) if line.author else "anonymous"
    about = " · ".join(plain(part) for part in (line.theme, line.partner) if part)
    st.markdown(f"**{KIND_WORDS[line.kind]}** · {plain(line.body)}")
    st.caption(f"{local_time(line.created_at, with_time=True)} · {who}" + (f" · {about}" if about else ""))


@st.fragment(run_every=REFRESH_SECONDS)
def moderation_panel(meeting_id: int) -> None:
    """Posts waiting for approval (approve or hide), then every post (hide, show again, make a draft finding)."""
    with user_errors():
        waiting = database.read(wall.pending, meeting_id=meeting_id)
        posts = database.read(wall.moderation, meeting_id=meeting_id)
        offered = database.read(wall.choices)
    st.subheader(f"Waiting for approval ({len(waiting)})")
    if not waiting:
        st.caption("Nothing is waiting: anonymous posts appear here first.")
    for line in waiting:
        with st.container(border=True):
            _post_words(line)
            approve, hide = st.columns(2)
            if approve.button("Approve", key=f"wall_approve_{line.id}", icon=":material/check:", width="stretch"):
                _moderate(line.id, approve=True)
            if hide.button("Hide", key=f"wall_hide_{line.id}", icon=":material/visibility_off:", width="stretch"):
                _moderate(line.id, approve=False)
    st.subheader(f"On the wall and hidden ({len(posts)})")
    partners = dict(offered.partners)
    for line in posts:
        with st.container(border=True):
            _post_words(line)
            if line.status == "hidden":
                st.caption("Hidden from the wall.")
                if st.button("Show again", key=f"wall_show_{line.id}", icon=":material/visibility:"):
                    _moderate(line.id, approve=True)
                continue
            if st.button("Hide", key=f"wall_hide_{line.id}", icon=":material/visibility_off:"):
                _moderate(line.id, approve=False)
            if line.finding_id is not None:
                st.caption(f"Draft finding {findings.reference(line.finding_id)} made from this post.")
                continue
            partner_id = line.partner_id
            if partner_id is None:
                partner_id = st.selectbox(
                    "Service for the draft",
                    options=list(partners),
                    format_func=partners.get,
                    index=None,
                    placeholder="Choose the service",
                    key=f"wall_draft_partner_{line.id}",
                )
            if st.button("Make a draft finding", key=f"wall_draft_{line.id}", icon=":material/lightbulb:"):
                _make_draft(line.id, partner_id)


def _make_draft(post_id: int, partner_id: int | None) -> None:
    problem = finding_id = None
    with database.open_session() as session:
        try:
            finding_id = wall.to_draft(session, post_id, viewer=viewer(), partner_id=partner_id)
        except InvalidInput as error:
            session.rollback()
            problem = str(error)
    if problem is not None:
        st.error(plain(problem), icon=":material/error:")
        return
    done(f"Draft finding {findings.reference(finding_id)} is made from the post; finish it in My findings.")


def _moderate(post_id: int, *, approve: bool) -> None:
    with database.open_session() as session:
        wall.moderate(session, post_id, viewer=viewer(), approve=approve)
    st.rerun()  # the whole page: the board beside the list shows the change at once
