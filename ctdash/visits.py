"""People's visits, for "what's new since your last visit" on Home.

A visit begins when a signed-in person opens the dashboard in a browser session. One row per person
holds when their current visit began and when the one before it did. A new browser session more than
``NEW_VISIT_AFTER`` after the current visit began starts a new visit; one sooner (another tab, a
reload) is the same visit, so what's new does not empty itself as someone moves around.

Bookkeeping, like sign-ins: one upsert statement, which is safe however many sessions of the same
person or of different people start at once, and which moves no data revision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ctdash import clock
from ctdash.models import Visit

NEW_VISIT_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class VisitTimes:
    """When this visit began, and when the one before it did (None on a first visit)."""

    previous_at: dt.datetime | None
    current_at: dt.datetime

    @property
    def first(self) -> bool:
        return self.previous_at is None


def record_visit(session: Session, user_id: int, *, now: dt.datetime | None = None) -> VisitTimes:
    """Note that ``user_id`` opened the dashboard ``now``; returns their visit's times, as stored after it."""
    now = now or clock.now()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Visit).values(user_id=user_id, previous_at=None, current_at=now)
    # Both sides read the row as it was before this statement: a new visit moves current to previous.
    new_visit = Visit.current_at < now - NEW_VISIT_AFTER
    statement = statement.on_conflict_do_update(
        index_elements=[Visit.user_id],
        set_={
            "previous_at": case((new_visit, Visit.current_at), else_=Visit.previous_at),
            "current_at": case((new_visit, statement.excluded.current_at), else_=Visit.current_at),
        },
    ).returning(Visit.previous_at, Visit.current_at)
    previous_at, current_at = session.execute(statement).one()
    return VisitTimes(previous_at=previous_at, current_at=current_at)
