"""Who is looking: the role and partner that every scoped read filters by (rules: ctdash.permissions)."""

from __future__ import annotations

from dataclasses import dataclass

from ctdash.models import Role


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
        """What decides which rows this viewer may see: part of every cache key.

        Everyone signed in below administrator also sees what they wrote themselves, so their scope is their own.
        """
        role = self.role.value if self.role else "anonymous"
        partner_id = self.partner_id if self.role == Role.MEMBER else None
        return (role, partner_id, self.user_id if self.role in (Role.MEMBER, Role.FACILITATOR) else None)


ANONYMOUS = Viewer()
