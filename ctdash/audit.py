"""The audit trail: who did what, when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ctdash import export
from ctdash.config import get_settings
from ctdash.errors import PermissionDenied
from ctdash.models import AuditEvent, Role
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
}
COLUMNS = ["When (UK time)", "Who", "Action", "Record", "Details"]


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
            actor=(actor_name or (actor.name if actor and actor.signed_in else "anonymous"))[:120],
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            summary=summary,
        )
    )


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
    """Audit rows newest first, filtered; administrators only."""
    if viewer.role != Role.ADMIN:
        raise PermissionDenied("Only administrators can read the audit log.")
    query = select(
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.summary,
    )
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    if who.strip():
        query = query.where(AuditEvent.actor.ilike(f"%{_escape_like(who.strip().lower())}%", escape="\\"))
    if since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC))
    zone = ZoneInfo(get_settings().timezone)
    rows = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    return pd.DataFrame(
        [
            (
                at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                actor,
                ACTIONS.get(action, action),
                f"{entity_type} {entity_id}" if entity_id is not None else entity_type,
                summary,
            )
            for at, actor, action, entity_type, entity_id, summary in rows
        ],
        columns=COLUMNS,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets; cells that a spreadsheet would run as a formula are defused."""
    return export.to_csv(frame)
