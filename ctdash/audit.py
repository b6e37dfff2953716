"""The audit trail: who did what, when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Integer, Select, String, and_, insert, literal, select
from sqlalchemy.orm import Session

from ctdash import clock, db, export, permissions
from ctdash.config import get_settings
from ctdash.errors import InvalidInput
from ctdash.models import AuditEvent, User, UTCDateTime
from ctdash.viewer import Viewer

# The actions ctdash records, with the words the Audit page shows for them.
ACTIONS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_in_locked": "Sign-in refused (locked)",
    "sign_out": "Signed out",
    "user_created": "User created",
    "user_changed": "User changed",
    "user_deactivated": "User deactivated",
    "user_reactivated": "User reactivated",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "partner_created": "Partner service added",
    "partner_changed": "Partner service changed",
    "partners_imported": "Partner services imported",
    "project_created": "Research project created",
    "project_changed": "Research project changed",
    "project_stage_changed": "Research project moved",
    "projects_imported": "Research projects imported",
    "finding_drafted": "Finding started",
    "finding_changed": "Finding changed",
    "finding_submitted": "Finding submitted",
    "finding_published": "Finding published",
    "finding_returned": "Finding returned to its author",
    "comment_added": "Comment added",
    "comment_edited": "Comment changed",
    "comment_deleted": "Comment deleted by its author",
    "comment_hidden": "Comment hidden",
    "comment_unhidden": "Comment shown again",
    "highlight_chosen": "Report highlight chosen",
    "highlight_dropped": "Report highlight removed",
    "wall_changed": "Live wall opened or closed",
    "wall_post_shown": "Wall post approved",
    "wall_post_hidden": "Wall post hidden",
    "meeting_created": "Session created",
    "meeting_changed": "Session changed",
    "meeting_duplicated": "Session duplicated",
    "agenda_item_added": "Agenda item added",
    "agenda_item_moved": "Agenda item moved",
    "agenda_item_removed": "Agenda item removed",
    "agenda_item_changed": "Agenda item changed",
    "example_data_loaded": "Example data loaded",
    "example_data_removed": "Example data removed",
}
COLUMNS = ["When (UK time)", "Who", "Action", "Record", "Details"]
# Longer than any name or username (120 characters); a filter of megabytes made a scan take seconds.
MAX_WHO_CHARS = 120


def record(
    session: Session,
    *,
    actor: Viewer | None,
    action: str,
    entity_type: str,
    entity_id: int | None = None,
    summary: str = "",
    actor_name: str | None = None,
) -> None:
    """Add one audit row in the caller's transaction; ``actor_name`` names someone not signed in."""
    session.add(
        AuditEvent(
            actor_id=actor.user_id if actor else None,
            actor=_actor_text(actor, actor_name),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            summary=summary,
        )
    )


def record_many(
    session: Session,
    *,
    actor: Viewer | None,
    events: Iterable[tuple[str, str, int | None, str]],
    actor_name: str | None = None,
) -> int:
    """Add many audit rows at once (imports): each event is (action, entity_type, entity_id, summary).

    Multi-row INSERTs in the caller's transaction, all stamped with the same time; returns the number of rows.
    """
    actor_id, who = actor.user_id if actor else None, _actor_text(actor, actor_name)
    rows = [
        {
            "actor_id": actor_id,
            "actor": who,
            "action": action,
            "entity_type": kind,
            "entity_id": id_,
            "summary": summary,
        }
        for action, kind, id_, summary in events
    ]
    if rows:
        at = db.inline(session, clock.now(), UTCDateTime())
        session.execute(insert(AuditEvent).values(at=at), rows)
    return len(rows)


def record_from_select(session: Session, *, actor: Viewer | None, rows: Select, actor_name: str | None = None) -> None:
    """Add one audit row per row of ``rows`` (columns: action, entity_type, entity_id, summary) in one statement."""
    at, who = clock.now(), _actor_text(actor, actor_name)
    source = rows.subquery()
    session.execute(
        insert(AuditEvent).from_select(
            ["at", "actor_id", "actor", "action", "entity_type", "entity_id", "summary"],
            select(
                literal(at, UTCDateTime()),
                literal(actor.user_id if actor else None, Integer()),
                literal(who, String()),
                source.c.action,
                source.c.entity_type,
                source.c.entity_id,
                source.c.summary,
            ),
        )
    )


def _actor_text(actor: Viewer | None, actor_name: str | None) -> str:
    return (actor_name or (actor.name if actor and actor.signed_in else "anonymous"))[:120]


def search(
    session: Session,
    *,
    viewer: Viewer,
    actions: tuple[str, ...] = (),
    who: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Audit rows newest first, filtered; administrators only.

    ``since`` and ``until`` are UK dates, both included: a day runs from midnight to midnight in
    Europe/London, in summer time (BST) as in winter (GMT).
    """
    permissions.require(viewer, permissions.READ_AUDIT_LOG)
    who = who.strip()
    if len(who) > MAX_WHO_CHARS:
        raise InvalidInput(f"Type at most {MAX_WHO_CHARS} characters of a name or username in Who.")
    # The account a "user" row is about, for a readable Record; gone accounts leave the id only.
    subject = and_(AuditEvent.entity_type == "user", User.id == AuditEvent.entity_id)
    query = select(
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.summary,
        User.display_name,
        User.username,
    ).outerjoin(User, subject)
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    if who:
        query = query.where(AuditEvent.actor.ilike(f"%{_escape_like(who.lower())}%", escape="\\"))
    zone = ZoneInfo(get_settings().timezone)
    if since:
        query = query.where(AuditEvent.at >= _start_of_day(since, zone))
    if until:
        query = query.where(AuditEvent.at < _start_of_day(until + dt.timedelta(days=1), zone))
    rows = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    return pd.DataFrame(
        [
            (
                at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                actor,
                ACTIONS.get(action, action),
                _record(entity_type, entity_id, display_name, username),
                summary,
            )
            for at, actor, action, entity_type, entity_id, summary, display_name, username in rows
        ],
        columns=COLUMNS,
    )


def today() -> dt.date:
    """Today's date in the UK, whatever the server's own time zone."""
    return clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()


def _start_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    # Local midnight is never skipped or repeated in Europe/London (clocks change at 01:00 UTC).
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _record(entity_type: str, entity_id: int | None, display_name: str | None, username: str | None) -> str:
    """What a row is about, as people know it: 'Ada Admin (ada)', or 'user #3 (deleted)'."""
    if entity_id is None:
        return "no account" if entity_type == "user" else entity_type
    if display_name is not None:
        return f"{display_name} ({username})"
    return f"{entity_type} #{entity_id}" + (" (deleted)" if entity_type == "user" else "")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets; cells that a spreadsheet would run as a formula are defused."""
    return export.to_csv(frame)
