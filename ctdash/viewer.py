"""Who is looking: the role and partner that every scoped read filters by."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, true

from ctdash.models import Finding, FindingStatus, Role, Visibility


@dataclass(frozen=True)
class Viewer:
    """The person a read is for; ``role`` None means an anonymous visitor."""

    user_id: int | None = None
    role: Role | None = None
    partner_id: int | None = None
    name: str = "Visitor"

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    @property
    def scope(self) -> tuple:
        """What decides which rows this viewer may see: part of every cache key."""
        return (self.role.value if self.role else "anonymous", self.partner_id if self.role == Role.MEMBER else None)


ANONYMOUS = Viewer()


def visible_findings(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause for the findings ``viewer`` may see.

    Visitors: published and public. Members: everything published, plus all of their own
    service's work. Facilitators: everything except other people's drafts. Admins: everything.
    """
    published = Finding.status == FindingStatus.PUBLISHED
    if viewer.role is None:
        return and_(published, Finding.visibility == Visibility.PUBLIC)
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.FACILITATOR:
        return Finding.status != FindingStatus.DRAFT
    if viewer.partner_id is None:
        return published
    return or_(published, Finding.partner_id == viewer.partner_id)
