"""Support and challenge: the working group's comments on findings, and a facilitator's hiding of one.

Comments are for signed-in people only, on findings they may see (``permissions.visible_findings``):
a finding the viewer may not see is "not found", in words that never reveal its title, for reads and
writes alike. Authors edit and delete their own comments; facilitators and administrators hide an
inappropriate one with a reason, which keeps the row (who hid it, when and why) so it can be looked
at again or shown again. Who may do what is decided in ``ctdash.permissions``.

Hidden comments: facilitators and administrators see them, marked, with who hid them and why. Their
author sees that their comment was hidden and why, but not the text or any way to change it (so they
know it was not lost, and do not post it again). Everyone else sees nothing: with no replies to
keep in order, a placeholder would tell readers nothing they could act on, and would point at the
author.

The body is plain text or markdown, kept as typed and shown through ``markup.render_markdown``.
Every change is checked against the version the person saw (``Conflict`` otherwise), recorded in the
audit trail, and moves only the comments data revision: the findings library's cache stays warm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from ctdash import audit, clock, db, permissions
from ctdash.db import COMMENTS, FINDINGS, reads
from ctdash.errors import Conflict, InvalidInput, NotFound
from ctdash.findings import NOT_SHARED, reference
from ctdash.models import Comment, CommentKind, Finding, FindingStatus, Partner, User
from ctdash.text import clean_text
from ctdash.viewer import Viewer

MAX_BODY = 2_000
MAX_REASON = 500
KIND_LABELS = {
    CommentKind.SUPPORT: "Support",
    CommentKind.CHALLENGE: "Challenge",
    CommentKind.QUESTION: "Question",
}
NOT_FOUND = "That comment has been deleted, or is not shared with you; reload the page to see the latest comments."
GONE_AUTHOR = "A former member"
WHATS_NEW_LIMIT = 5


class FieldError(InvalidInput):
    """One field cannot be accepted: ``field`` is "kind", "body" or "reason"; the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentLine:
    """One comment as the viewer may see it."""

    id: int
    kind: str  # a CommentKind value
    body: str  # as typed (markdown): the page renders it through the sanitiser; "" when hidden from the viewer
    author: str
    partner: str | None  # the author's service, if they belong to one
    created_at: dt.datetime
    edited_at: dt.datetime | None  # when its words last changed, if they have since it was posted
    is_own: bool
    is_example: bool
    hidden: bool
    hidden_at: dt.datetime | None
    hidden_by: str | None  # for facilitators and administrators only
    hidden_reason: str | None  # for facilitators, administrators and the comment's author
    version: int  # the version to send back with a change
    may_edit: bool
    may_delete: bool
    may_hide: bool
    may_unhide: bool


@dataclass(frozen=True)
class Discussion:
    """A finding's comments for one viewer, oldest first."""

    finding_id: int
    comments: tuple[CommentLine, ...]
    may_comment: bool

    @property
    def shown(self) -> int:
        """How many comments the viewer reads in full (not hidden)."""
        return sum(1 for line in self.comments if not line.hidden)


def _visible_finding(session: Session, viewer: Viewer, finding_id: int) -> Finding:
    permissions.require_comments(viewer)
    finding = session.scalar(select(Finding).where(Finding.id == finding_id, permissions.visible_findings(viewer)))
    if finding is None:
        raise NotFound(NOT_SHARED)
    return finding


@reads(COMMENTS, FINDINGS)
def discussion(session: Session, *, viewer: Viewer, finding_id: int) -> Discussion:
    """The comments on a finding the viewer may see; NotFound, without its title, otherwise.

    Raises PermissionDenied for visitors: comments are the working group's.
    """
    _visible_finding(session, viewer, finding_id)
    hider = aliased(User)
    rows = session.execute(
        select(
            Comment.id,
            Comment.kind,
            Comment.body,
            Comment.author_id,
            Comment.created_at,
            Comment.updated_at,
            Comment.is_example,
            Comment.hidden_at,
            Comment.hidden_reason,
            Comment.version,
            User.display_name.label("author"),
            Partner.name.label("partner"),
            hider.display_name.label("hidden_by"),
        )
        .outerjoin(User, User.id == Comment.author_id)
        .outerjoin(Partner, Partner.id == User.partner_id)
        .outerjoin(hider, hider.id == Comment.hidden_by_id)
        .where(Comment.finding_id == finding_id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    moderator = permissions.may_moderate_comments(viewer)
    lines = []
    for row in rows:
        own = row.author_id is not None and row.author_id == viewer.user_id
        hidden = row.hidden_at is not None
        if hidden and not (moderator or own):
            continue
        full = moderator or not hidden
        lines.append(
            CommentLine(
                id=row.id,
                kind=row.kind.value,
                body=row.body if full else "",
                author=row.author or (_example_author() if row.is_example else GONE_AUTHOR),
                partner=row.partner,
                created_at=row.created_at,
                # Hiding and showing again keep updated_at (see _moderate): it moves only when the words do.
                edited_at=row.updated_at if row.updated_at > row.created_at else None,
                is_own=own,
                is_example=bool(row.is_example),
                hidden=hidden,
                hidden_at=row.hidden_at,
                hidden_by=(row.hidden_by or "a former facilitator") if hidden and moderator else None,
                hidden_reason=row.hidden_reason if hidden else None,
                version=row.version,
                may_edit=permissions.may_edit_comment(viewer, author_id=row.author_id, hidden=hidden),
                may_delete=permissions.may_delete_comment(viewer, author_id=row.author_id, hidden=hidden),
                may_hide=moderator and not hidden,
                may_unhide=moderator and hidden,
            )
        )
    return Discussion(finding_id=finding_id, comments=tuple(lines), may_comment=permissions.may_comment(viewer))


def _example_author() -> str:
    return "Example commenter"


# --- writes -------------------------------------------------------------------------------------


def check_kind(kind: CommentKind | str | None) -> CommentKind:
    try:
        return CommentKind(kind)
    except ValueError:
        raise FieldError("kind", "Choose whether your comment is support, a challenge or a question.") from None


def check_body(body: str | None) -> str:
    """The comment's words, tidied; FieldError("body") when empty or too long."""
    try:
        checked = clean_text(body, field="Your comment", limit=MAX_BODY, multiline=True)
    except InvalidInput as error:
        raise FieldError("body", str(error)) from None
    if checked is None:
        raise FieldError("body", "Write your comment in the box before posting it.")
    return checked


def _summary(finding: Finding, kind: CommentKind, what: str) -> str:
    return f"{KIND_LABELS[kind]} on {finding.title} ({reference(finding.id)}): {what}"


def add_comment(
    session: Session, *, viewer: Viewer, finding_id: int, kind: CommentKind | str | None, body: str | None
) -> int:
    """Post a comment on a finding the viewer may see; returns its id.

    Raises FieldError for a missing kind or an empty or over-long body, NotFound for a finding the
    viewer may not see, PermissionDenied for visitors.
    """
    permissions.require_comments(viewer)
    checked_kind, checked_body = check_kind(kind), check_body(body)
    finding = _visible_finding(session, viewer, finding_id)
    now = clock.now()
    comment = Comment(
        finding_id=finding.id,
        author_id=viewer.user_id,
        kind=checked_kind,
        body=checked_body,
        created_at=now,
        updated_at=now,  # moves only when its words change, so "edited" is told apart exactly
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="comment_added",
        entity_type="comment",
        entity_id=comment.id,
        summary=_summary(finding, checked_kind, f"{len(checked_body):,} characters"),
    )
    return comment.id


def _comment_for_update(
    session: Session, viewer: Viewer, comment_id: int, expected_version: int, *, typed: bool = False
) -> Comment:
    # Locked as it is read, so the version compared is the one stored now, against the one the person saw.
    permissions.require_comments(viewer)
    comment = session.scalars(
        select(Comment)
        .join(Finding, Finding.id == Comment.finding_id)
        .where(Comment.id == comment_id, permissions.visible_findings(viewer))
        .with_for_update(of=Comment)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if comment is None:
        raise NotFound(NOT_FOUND)
    if comment.version != expected_version:
        if typed:
            raise Conflict(
                "This comment was changed (in another window, or by a facilitator) since you opened it to edit. "
                "What you typed is still in the form: show the latest version, then make your change again."
            )
        raise Conflict("This comment was changed since you read it; read it again as it is now, then decide.")
    return comment


def edit_comment(
    session: Session,
    *,
    viewer: Viewer,
    comment_id: int,
    expected_version: int,
    kind: CommentKind | str | None,
    body: str | None,
) -> None:
    """Change the viewer's own comment, as it was when they saw it (``expected_version``); Conflict otherwise."""
    checked_kind, checked_body = check_kind(kind), check_body(body)
    comment = _comment_for_update(session, viewer, comment_id, expected_version, typed=True)
    permissions.require_edit_comment(viewer, author_id=comment.author_id, hidden=comment.hidden_at is not None)
    if (comment.kind, comment.body) == (checked_kind, checked_body):
        return
    changes = []
    if comment.kind != checked_kind:
        changes.append(f"kind: {comment.kind.value} -> {checked_kind.value}")
    if comment.body != checked_body:
        changes.append(f"text: {len(comment.body):,} -> {len(checked_body):,} characters")
    comment.kind, comment.body = checked_kind, checked_body
    comment.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="comment_edited",
        entity_type="comment",
        entity_id=comment.id,
        summary=_summary(comment.finding, checked_kind, "; ".join(changes)),
    )


def delete_comment(session: Session, *, viewer: Viewer, comment_id: int, expected_version: int) -> None:
    """Delete the viewer's own comment for good, as it was when they saw it; Conflict otherwise."""
    comment = _comment_for_update(session, viewer, comment_id, expected_version)
    permissions.require_delete_comment(viewer, author_id=comment.author_id, hidden=comment.hidden_at is not None)
    summary = _summary(comment.finding, comment.kind, f"deleted by its author ({len(comment.body):,} characters)")
    session.delete(comment)
    session.flush()
    audit.record(
        session, actor=viewer, action="comment_deleted", entity_type="comment", entity_id=comment_id, summary=summary
    )


def hide_comment(
    session: Session, *, viewer: Viewer, comment_id: int, expected_version: int, reason: str | None
) -> None:
    """Hide an inappropriate comment (facilitators and administrators): kept, with who hid it, when and why.

    Raises FieldError("reason") when the reason is missing or too long.
    """
    permissions.require(viewer, permissions.MODERATE_COMMENTS)
    try:
        checked_reason = clean_text(reason, field="The reason", limit=MAX_REASON, multiline=True)
    except InvalidInput as error:
        raise FieldError("reason", str(error)) from None
    if checked_reason is None:
        raise FieldError("reason", "Say why the comment is hidden; its author and other moderators see this.")
    comment = _comment_for_update(session, viewer, comment_id, expected_version)
    if comment.hidden_at is not None:
        return
    _moderate(session, comment, hidden_at=clock.now(), hidden_by_id=viewer.user_id, hidden_reason=checked_reason)
    audit.record(
        session,
        actor=viewer,
        action="comment_hidden",
        entity_type="comment",
        entity_id=comment.id,
        summary=_summary(comment.finding, comment.kind, f"hidden: {checked_reason}"),
    )


def unhide_comment(session: Session, *, viewer: Viewer, comment_id: int, expected_version: int) -> None:
    """Show a hidden comment again (facilitators and administrators)."""
    permissions.require(viewer, permissions.MODERATE_COMMENTS)
    comment = _comment_for_update(session, viewer, comment_id, expected_version)
    if comment.hidden_at is None:
        return
    reason = comment.hidden_reason
    _moderate(session, comment, hidden_at=None, hidden_by_id=None, hidden_reason=None)
    audit.record(
        session,
        actor=viewer,
        action="comment_unhidden",
        entity_type="comment",
        entity_id=comment.id,
        summary=_summary(comment.finding, comment.kind, f"shown again (it was hidden: {reason})"),
    )


def _moderate(session: Session, comment: Comment, **values) -> None:
    # One UPDATE that leaves updated_at as it is (so hiding never makes a comment look edited) and
    # moves the version, checked against the one just locked.
    done = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.version == comment.version)
        .values(**values, updated_at=Comment.updated_at, version=Comment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(db.CONFLICT)
    db.bump_revision(session, COMMENTS)
    session.expire(comment)


# --- what's new ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewFinding:
    id: int
    title: str
    partner: str
    kind: str | None
    published_at: dt.datetime


@dataclass(frozen=True)
class NewComment:
    id: int
    finding_id: int
    finding_title: str
    kind: str
    author: str
    created_at: dt.datetime


@dataclass(frozen=True)
class WhatsNew:
    """What happened since a time, for one viewer: the newest few of each, with how many in all."""

    since: dt.datetime | None
    findings: tuple[NewFinding, ...] = ()
    findings_total: int = 0
    comments: tuple[NewComment, ...] = ()
    comments_total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.findings_total or self.comments_total)


@reads(FINDINGS, COMMENTS)
def whats_new(session: Session, *, viewer: Viewer, since: dt.datetime | None) -> WhatsNew:
    """Findings published since ``since`` that the viewer may see, and others' comments on them (not hidden).

    Newest first, ``WHATS_NEW_LIMIT`` of each with their totals. Visitors, and a first visit (no
    ``since``), get nothing.
    """
    if not viewer.signed_in or since is None:
        return WhatsNew(since=since)
    visible = permissions.visible_findings(viewer)
    published = (
        select(Finding.id, Finding.title, Partner.name.label("partner"), Finding.kind, Finding.published_at)
        .join(Partner, Partner.id == Finding.partner_id)
        .where(Finding.status == FindingStatus.PUBLISHED, Finding.published_at > since, visible)
    )
    finding_rows = session.execute(
        published.order_by(Finding.published_at.desc(), Finding.id.desc()).limit(WHATS_NEW_LIMIT)
    ).all()
    findings_total = session.scalar(select(func.count()).select_from(published.subquery()))
    others = or_(Comment.author_id.is_(None), Comment.author_id != viewer.user_id)
    added = (
        select(
            Comment.id,
            Comment.finding_id,
            Finding.title,
            Comment.kind,
            Comment.created_at,
            Comment.is_example,
            User.display_name,
        )
        .join(Finding, Finding.id == Comment.finding_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.created_at > since, Comment.hidden_at.is_(None), others, visible)
    )
    comment_rows = session.execute(
        added.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(WHATS_NEW_LIMIT)
    ).all()
    comments_total = session.scalar(select(func.count()).select_from(added.subquery()))
    return WhatsNew(
        since=since,
        findings=tuple(
            NewFinding(
                id=row.id,
                title=row.title,
                partner=row.partner,
                kind=row.kind.value if row.kind else None,
                published_at=row.published_at,
            )
            for row in finding_rows
        ),
        findings_total=findings_total or 0,
        comments=tuple(
            NewComment(
                id=row.id,
                finding_id=row.finding_id,
                finding_title=row.title,
                kind=row.kind.value,
                author=row.display_name or (_example_author() if row.is_example else GONE_AUTHOR),
                created_at=row.created_at,
            )
            for row in comment_rows
        ),
        comments_total=comments_total or 0,
    )
