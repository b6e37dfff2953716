"""The live wall of a working-group session: attendees post a barrier or an enabler in a sentence.

Attendees reach the wall from a QR code the presenter shows (``/wall?s=CODE``). Opening the form
records a join for the device, once: the presenter's count of people taking part. A device is a
random token the browser session keeps, hashed before it is stored; for an anonymous attendee it
is all there is, never an account.

Posts are plain text, one sentence: control characters are taken out, spaces folded, and 3 to 280
characters kept; personal details are refused, as on the share form. Signed-in people's posts are
shown at once; anonymous ones only if the facilitator allows them for the session, and then after
approval. Each post is named by the token of the form that sent it, so a retried post is stored
once and answered with the same receipt; a device may post at most ``POSTS_PER_MINUTE`` times a
minute to one wall.

Facilitators and administrators open and close the wall, allow anonymous posts, approve or hide
posts, and turn a post into a draft finding (made by ``findings.save_draft``), once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ctdash import audit, clock, db, findings, permissions, safeguarding
from ctdash.db import MEETINGS, RESEARCH, WALL, reads
from ctdash.errors import InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    FindingKind,
    Meeting,
    Partner,
    Theme,
    User,
    Visibility,
    WallJoin,
    WallPost,
    WallPostStatus,
)
from ctdash.viewer import Viewer

MIN_BODY = 3
MAX_BODY = 280
POSTS_PER_MINUTE = 5
RATE_WINDOW = dt.timedelta(minutes=1)
MAX_TITLE = 120  # of a draft finding made from a post: the post's first words
KINDS = (FindingKind.BARRIER, FindingKind.ENABLER)
KIND_LABELS = {FindingKind.BARRIER: "Barrier", FindingKind.ENABLER: "Enabler"}
NO_THEME = "No theme given"

NO_WALL = (
    "There is no open wall at this address; check the code on the presenter's screen, "
    "or ask the facilitator whether the wall is open."
)
NO_POST = "That post is no longer on this wall; reload the page to see the latest posts."
SIGN_IN_TO_POST = (
    "This wall takes posts from signed-in members only; sign in to post, "
    "or ask the facilitator to allow anonymous posts."
)
RELOAD = "This form has expired; reload the page and post again."
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")
_SPACES = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029")


class RateLimited(InvalidInput):
    """The device has posted its share for now: ``retry_after`` seconds until it may post again."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"You have posted {POSTS_PER_MINUTE} times in the last minute; wait {retry_after} "
            f"second{'s' if retry_after != 1 else ''} and post again."
        )


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRef:
    """The session a wall belongs to, as its pages show it."""

    id: int
    title: str
    held_on: dt.date
    place: str | None
    join_code: str
    wall_open: bool
    anonymous_posts: bool


@dataclass(frozen=True)
class PostReceipt:
    """What the attendee is told after posting."""

    post_id: int
    post_token: str
    status: str  # a WallPostStatus value

    @property
    def shown(self) -> bool:
        return self.status == WallPostStatus.SHOWN

    @property
    def message(self) -> str:
        if self.shown:
            return "Posted — thank you."
        if self.status == WallPostStatus.PENDING:
            return "Posted — thank you. It is waiting for the facilitator's approval before it appears on the wall."
        return "Thank you: the facilitator has taken this post off the wall."


@dataclass(frozen=True)
class PostLine:
    """One post, as a wall or the moderation list shows it. ``body`` is plain text, never markup."""

    id: int
    kind: str  # "barrier" or "enabler"
    body: str
    theme_id: int | None
    theme: str | None
    partner: str | None
    created_at: dt.datetime
    status: str
    signed_in: bool  # posted by a signed-in member (else anonymously)
    author: str | None  # staff only: who posted it, if signed in
    partner_id: int | None
    finding_id: int | None  # the draft finding made from it, if any


@dataclass(frozen=True)
class ThemeGroup:
    """The shown posts about one theme, newest first, with their counts."""

    theme: str
    theme_id: int | None
    barriers: int
    enablers: int
    posts: tuple[PostLine, ...]

    @property
    def count(self) -> int:
        return len(self.posts)


@dataclass(frozen=True)
class WallBoard:
    """A wall as the room sees it: shown posts grouped by theme, and the counts of people taking part."""

    meeting: MeetingRef
    groups: tuple[ThemeGroup, ...]  # most posts first; posts without a theme last
    shown: int
    barriers: int
    enablers: int
    joined: int  # devices that opened the form or posted
    posters: int  # devices that posted (shown, waiting or hidden)
    pending: int | None  # posts waiting for approval: for facilitators and administrators only

    @property
    def taking_part(self) -> int:
        return max(self.joined, self.posters)


# --- checks -------------------------------------------------------------------------------------


def device_id(token: str) -> str:
    """The stored form of a browser's device token: its SHA-256, so the table never holds the token itself."""
    token = str(token or "")
    if not 8 <= len(token) <= 200:
        raise InvalidInput(RELOAD)
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_body(text: str | None) -> str:
    """A post's words as plain text: NFC, control and invisible characters out, spaces folded; 3 to 280 characters.

    Markup is kept as the characters typed (pages show it as text, never as HTML or markdown).
    """
    value = unicodedata.normalize("NFC", str(text or ""))
    value = "".join(
        " " if char in _SPACES else char
        for char in value
        if char in _SPACES or unicodedata.category(char) not in {"Cc", "Cf", "Co", "Cs", "Cn"}
    )
    value = " ".join(value.split())
    if len(value) < MIN_BODY:
        raise InvalidInput("Write your reflection in a sentence (at least a few words), then post it.")
    if len(value) > MAX_BODY:
        raise InvalidInput(f"Your post is {len(value):,} characters long; keep it to {MAX_BODY}, about one sentence.")
    return value


def _check_kind(kind: FindingKind | str | None) -> FindingKind:
    try:
        checked = FindingKind(str(kind.value if isinstance(kind, FindingKind) else kind or "").strip().lower())
    except ValueError:
        checked = None
    if checked not in KINDS:
        raise InvalidInput("Choose whether your post is a barrier or an enabler.")
    return checked


def _check_token(post_token: str | None) -> str:
    if not isinstance(post_token, str) or not _TOKEN.fullmatch(post_token):
        raise InvalidInput(RELOAD)
    return post_token


def _check_personal_details(body: str) -> None:
    hits = safeguarding.scan({"post": body})
    if hits:
        kind, _where = hits[0].parts()
        raise InvalidInput(
            f"{kind} ('{hits[0].text}') is in your post, and the wall is shown to the whole room; "
            "take it out and post again."
        )


def _meeting_by_code(session: Session, code: str | None) -> Meeting | None:
    """The meeting a wall address names; codes are read without regard to case or spaces."""
    text = "".join(str(code or "").split())
    if not text or len(text) > 12 or not text.isascii() or not text.isalnum():
        return None
    return session.scalars(select(Meeting).where(func.upper(Meeting.join_code) == text.upper())).one_or_none()


def _ref(meeting: Meeting) -> MeetingRef:
    return MeetingRef(
        id=meeting.id,
        title=meeting.title,
        held_on=meeting.held_on,
        place=meeting.place,
        join_code=meeting.join_code,
        wall_open=meeting.wall_open,
        anonymous_posts=meeting.anonymous_posts,
    )


def may_moderate(viewer: Viewer) -> bool:
    """Facilitators and administrators run walls: open and close them, approve and hide posts."""
    return permissions.role_of(viewer) in permissions.STAFF


def _require_staff(viewer: Viewer) -> None:
    if not may_moderate(viewer):
        raise PermissionDenied("Only facilitators and administrators can run a session's wall.")


def _meeting_for(session: Session, viewer: Viewer, meeting_id: int) -> Meeting:
    """A meeting whose wall the viewer may see: staff any; everyone else only while its wall is open."""
    meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if meeting is None or not (meeting.wall_open or may_moderate(viewer)):
        raise NotFound(NO_WALL)
    return meeting


# --- attendees ----------------------------------------------------------------------------------


@reads(MEETINGS)
def find(session: Session, *, viewer: Viewer, code: str) -> MeetingRef | None:
    """The session whose wall ``code`` names, while it is open (for staff at any time); None otherwise."""
    found = _meeting_by_code(session, code)
    return _ref(found) if found is not None and (found.wall_open or may_moderate(viewer)) else None


@reads(MEETINGS)
def meeting(session: Session, *, viewer: Viewer, meeting_id: int) -> MeetingRef | None:
    """A session by id, while its wall is open (for staff at any time); None otherwise."""
    try:
        return _ref(_meeting_for(session, viewer, meeting_id))
    except NotFound:
        return None


@dataclass(frozen=True)
class Choices:
    """What the post form offers: the active themes in their order, and the partner services by name."""

    themes: tuple[tuple[int, str], ...]
    partners: tuple[tuple[int, str], ...]


@reads(RESEARCH)
def choices(session: Session, *, viewer: Viewer) -> Choices:
    """The themes and services a post may name."""
    themes = session.execute(select(Theme.id, Theme.name).where(Theme.active).order_by(Theme.position, Theme.name))
    partners = session.execute(select(Partner.id, Partner.name).where(Partner.active).order_by(Partner.name))
    return Choices(themes=tuple(map(tuple, themes)), partners=tuple(map(tuple, partners)))


def _record_join(session: Session, meeting_id: int, device: str) -> bool:
    """Count ``device`` as taking part, once however often or however concurrently it arrives."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(WallJoin)
        .values(meeting_id=meeting_id, device=device, joined_at=clock.now())
        .on_conflict_do_nothing(index_elements=["meeting_id", "device"])
        .returning(WallJoin.device)  # the ORM reports no rowcount for this on PostgreSQL; a returned row says it
    )
    added = session.execute(statement).first() is not None
    if added:
        db.bump_revision(session, WALL)  # a Core insert: the flush hook does not see it
    return added


def join(session: Session, code: str, *, device: str) -> MeetingRef:
    """Record that a device opened the wall form of an open wall (once per device); NotFound otherwise.

    ``device`` is the browser's own random token; it is stored hashed.
    """
    meeting = _meeting_by_code(session, code)
    if meeting is None or not meeting.wall_open:
        raise NotFound(NO_WALL)
    _record_join(session, meeting.id, device_id(device))
    return _ref(meeting)


def _receipt(post: WallPost) -> PostReceipt:
    return PostReceipt(post_id=post.id, post_token=post.post_token, status=WallPostStatus(post.status).value)


def post(
    session: Session,
    code: str,
    *,
    viewer: Viewer,
    device: str,
    post_token: str,
    kind: FindingKind | str | None,
    body: str | None,
    theme_id: int | None = None,
    partner_id: int | None = None,
) -> PostReceipt:
    """Post a reflection to the open wall ``code`` names; the same ``post_token`` again returns the same receipt.

    Raises NotFound when the wall is not open, PermissionDenied for an anonymous post where the
    session does not allow them, RateLimited when the device has posted too often, and
    InvalidInput for words, a kind, theme or service that cannot be taken.
    """
    token = _check_token(post_token)
    hashed = device_id(device)
    meeting = _meeting_by_code(session, code)
    if meeting is None:
        raise NotFound(NO_WALL)
    # One device's posts to one wall take turns, so a double tap cannot pass the rate limit or store twice.
    db.lock(session, f"wall:{meeting.id}:{hashed}")
    existing = session.scalars(select(WallPost).where(WallPost.post_token == token)).one_or_none()
    if existing is not None:
        if existing.meeting_id != meeting.id or existing.device != hashed:
            raise InvalidInput(RELOAD)
        return _receipt(existing)
    if not meeting.wall_open:
        raise NotFound(NO_WALL)
    if not viewer.signed_in and not meeting.anonymous_posts:
        raise PermissionDenied(SIGN_IN_TO_POST)
    checked_kind = _check_kind(kind)
    words = clean_body(body)
    if theme_id is not None and session.scalar(select(Theme.id).where(Theme.id == theme_id, Theme.active)) is None:
        raise InvalidInput("That theme is no longer offered; choose another one, or none.")
    if partner_id is not None and session.scalar(select(Partner.id).where(Partner.id == partner_id)) is None:
        raise InvalidInput("That service is no longer listed; choose another one, or none.")
    _check_personal_details(words)
    now = clock.now()
    recent = list(
        session.scalars(
            select(WallPost.created_at)
            .where(
                WallPost.meeting_id == meeting.id,
                WallPost.device == hashed,
                WallPost.created_at > now - RATE_WINDOW,
            )
            .order_by(WallPost.created_at)
        )
    )
    if len(recent) >= POSTS_PER_MINUTE:
        wait = recent[len(recent) - POSTS_PER_MINUTE] + RATE_WINDOW - now
        raise RateLimited(max(1, math.ceil(wait.total_seconds())))
    wall_post = WallPost(
        meeting_id=meeting.id,
        kind=checked_kind,
        body=words,
        theme_id=theme_id,
        partner_id=partner_id,
        author_id=viewer.user_id if viewer.signed_in else None,
        device=hashed,
        status=WallPostStatus.SHOWN if viewer.signed_in else WallPostStatus.PENDING,
        post_token=token,
        created_at=now,
    )
    session.add(wall_post)
    session.flush()
    _record_join(session, meeting.id, hashed)
    return _receipt(wall_post)


# --- the board ----------------------------------------------------------------------------------


def _lines(session: Session, viewer: Viewer, meeting_id: int, statuses: tuple[WallPostStatus, ...]) -> list[PostLine]:
    staff = may_moderate(viewer)
    rows = session.execute(
        select(
            WallPost.id,
            WallPost.kind,
            WallPost.body,
            WallPost.theme_id,
            Theme.name.label("theme"),
            WallPost.partner_id,
            Partner.name.label("partner"),
            WallPost.created_at,
            WallPost.status,
            WallPost.author_id,
            User.display_name.label("author"),
            WallPost.finding_id,
        )
        .outerjoin(Theme, Theme.id == WallPost.theme_id)
        .outerjoin(Partner, Partner.id == WallPost.partner_id)
        .outerjoin(User, User.id == WallPost.author_id)
        .where(WallPost.meeting_id == meeting_id, WallPost.status.in_(statuses))
        .order_by(WallPost.id.desc())
    ).all()
    return [
        PostLine(
            id=row.id,
            kind=FindingKind(row.kind).value,
            body=row.body,
            theme_id=row.theme_id,
            theme=row.theme,
            partner=row.partner,
            created_at=row.created_at,
            status=WallPostStatus(row.status).value,
            signed_in=row.author_id is not None,
            author=row.author if staff else None,
            partner_id=row.partner_id,
            finding_id=row.finding_id if staff else None,
        )
        for row in rows
    ]


def _group(lines: list[PostLine]) -> tuple[ThemeGroup, ...]:
    by_theme: dict[int | None, list[PostLine]] = {}
    for line in lines:
        by_theme.setdefault(line.theme_id, []).append(line)
    groups = [
        ThemeGroup(
            theme=posts[0].theme or NO_THEME if key is not None else NO_THEME,
            theme_id=key,
            barriers=sum(1 for line in posts if line.kind == FindingKind.BARRIER),
            enablers=sum(1 for line in posts if line.kind == FindingKind.ENABLER),
            posts=tuple(posts),
        )
        for key, posts in by_theme.items()
    ]
    return tuple(sorted(groups, key=lambda group: (group.theme_id is None, -group.count, group.theme.casefold())))


@reads(WALL, MEETINGS, RESEARCH)
def board(session: Session, *, viewer: Viewer, meeting_id: int) -> WallBoard:
    """The wall's shown posts by theme, newest first, with counts; NotFound when the viewer may not see it.

    Everyone sees an open wall; facilitators and administrators also a closed one (and the number
    of posts waiting for approval).
    """
    meeting = _meeting_for(session, viewer, meeting_id)
    lines = _lines(session, viewer, meeting.id, (WallPostStatus.SHOWN,))
    joined = session.scalar(select(func.count()).select_from(WallJoin).where(WallJoin.meeting_id == meeting.id))
    posters = session.scalar(
        select(func.count(func.distinct(WallPost.device))).where(WallPost.meeting_id == meeting.id)
    )
    pending = None
    if may_moderate(viewer):
        pending = session.scalar(
            select(func.count())
            .select_from(WallPost)
            .where(WallPost.meeting_id == meeting.id, WallPost.status == WallPostStatus.PENDING)
        )
    return WallBoard(
        meeting=_ref(meeting),
        groups=_group(lines),
        shown=len(lines),
        barriers=sum(1 for line in lines if line.kind == FindingKind.BARRIER),
        enablers=sum(1 for line in lines if line.kind == FindingKind.ENABLER),
        joined=joined or 0,
        posters=posters or 0,
        pending=pending,
    )


# --- facilitators -------------------------------------------------------------------------------


@reads(WALL, MEETINGS, RESEARCH, db.ACCOUNTS)
def pending(session: Session, *, viewer: Viewer, meeting_id: int) -> tuple[PostLine, ...]:
    """Anonymous posts waiting for approval, oldest first: for facilitators and administrators."""
    _require_staff(viewer)
    meeting = _meeting_for(session, viewer, meeting_id)
    return tuple(reversed(_lines(session, viewer, meeting.id, (WallPostStatus.PENDING,))))


@reads(WALL, MEETINGS, RESEARCH, db.ACCOUNTS)
def moderation(session: Session, *, viewer: Viewer, meeting_id: int) -> tuple[PostLine, ...]:
    """Every post on the wall, shown or hidden, newest first: the facilitator's list to hide or turn into findings."""
    _require_staff(viewer)
    meeting = _meeting_for(session, viewer, meeting_id)
    return tuple(_lines(session, viewer, meeting.id, (WallPostStatus.SHOWN, WallPostStatus.HIDDEN)))


def _post_for_update(session: Session, post_id: int) -> WallPost:
    wall_post = session.scalars(
        select(WallPost).where(WallPost.id == post_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if wall_post is None:
        raise NotFound(NO_POST)
    return wall_post


def moderate(session: Session, post_id: int, *, viewer: Viewer, approve: bool) -> None:
    """Show a post on the wall (approve) or take it off (hide); for facilitators and administrators."""
    _require_staff(viewer)
    wall_post = _post_for_update(session, post_id)
    status = WallPostStatus.SHOWN if approve else WallPostStatus.HIDDEN
    if wall_post.status == status:
        return
    wall_post.status = status
    wall_post.moderated_at = clock.now()
    wall_post.moderated_by_id = viewer.user_id
    audit.record(
        session,
        actor=viewer,
        action="wall_post_shown" if approve else "wall_post_hidden",
        entity_type="wall_post",
        entity_id=wall_post.id,
        summary=f"{KIND_LABELS[FindingKind(wall_post.kind)]}: {wall_post.body[:80]}",
    )


def set_wall(session: Session, meeting_id: int, *, viewer: Viewer, open: bool, anonymous_posts: bool) -> None:
    """Open or close a session's wall, and allow or refuse anonymous posts; for facilitators and administrators."""
    _require_staff(viewer)
    meeting = session.get(Meeting, meeting_id, with_for_update=True) if isinstance(meeting_id, int) else None
    if meeting is None:
        raise NotFound("That session no longer exists; go back to the list of sessions.")
    if (meeting.wall_open, meeting.anonymous_posts) == (bool(open), bool(anonymous_posts)):
        return
    meeting.wall_open, meeting.anonymous_posts = bool(open), bool(anonymous_posts)
    audit.record(
        session,
        actor=viewer,
        action="wall_changed",
        entity_type="meeting",
        entity_id=meeting.id,
        summary=(
            f"{meeting.title}: wall {'open' if open else 'closed'}, "
            f"anonymous posts {'allowed' if anonymous_posts else 'not allowed'}"
        ),
    )


def _draft_title(body: str) -> str:
    if len(body) <= MAX_TITLE:
        return body
    cut = body[: MAX_TITLE - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


def to_draft(session: Session, post_id: int, *, viewer: Viewer, partner_id: int | None = None) -> int:
    """Make a draft finding from a shown post (once: again, the same finding's id); for facilitators and administrators.

    The draft holds the post's words, kind, theme and service, and is the facilitator's own draft
    to finish. A draft needs a service: the post's, or ``partner_id`` when the post names none.
    """
    _require_staff(viewer)
    wall_post = _post_for_update(session, post_id)
    if wall_post.finding_id is not None:
        return wall_post.finding_id
    if wall_post.status != WallPostStatus.SHOWN:
        raise InvalidInput("Approve this post for the wall before making a draft finding from it.")
    service = wall_post.partner_id if wall_post.partner_id is not None else partner_id
    if service is None:
        raise InvalidInput("This post names no service; choose the service the draft finding is for, then make it.")
    meeting = session.get(Meeting, wall_post.meeting_id)
    theme_slug = (
        session.scalar(select(Theme.slug).where(Theme.id == wall_post.theme_id)) if wall_post.theme_id else None
    )
    finding_id = findings.save_draft(
        session,
        viewer=viewer,
        title=_draft_title(wall_post.body),
        summary=f"{wall_post.body}\n\nPosted on the live wall of {meeting.title} ({meeting.held_on:%d %B %Y}).",
        kind=FindingKind(wall_post.kind),
        themes=[theme_slug] if theme_slug else [],
        partner_id=service,
        visibility=Visibility.GROUP,
    )
    wall_post.finding_id = finding_id
    return finding_id
