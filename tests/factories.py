"""Small row builders for tests: each returns a flushed model with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from ctdash.models import Finding, FindingKind, FindingStatus, Partner, Project, ProjectStage, Visibility
from ctdash.viewer import Viewer

_numbers = itertools.count(1)


def make_partner(session: Session, **fields) -> Partner:
    number = next(_numbers)
    values = {"slug": f"test-partner-{number}", "name": f"Test partner {number}", "short_name": f"Test {number}"}
    partner = Partner(**{**values, **fields})
    session.add(partner)
    session.flush()
    return partner


def make_project(session: Session, partner: Partner, **fields) -> Project:
    values = {"cycle": "2025-26", "title": f"Test project {next(_numbers)}", "stage": ProjectStage.PLANNING}
    project = Project(partner=partner, **{**values, **fields})
    session.add(project)
    session.flush()
    return project


def make_finding(session: Session, partner: Partner, **fields) -> Finding:
    values = {
        "title": f"Test finding {next(_numbers)}",
        "kind": FindingKind.INSIGHT,
        "status": FindingStatus.DRAFT,
        "visibility": Visibility.GROUP,
    }
    values.update(fields)
    if values["status"] == FindingStatus.PUBLISHED and "published_at" not in values:
        values["published_at"] = dt.datetime.now(dt.UTC)
    finding = Finding(partner=partner, **values)
    session.add(finding)
    session.flush()
    return finding


def make_user(session: Session, *, role="member", partner: Partner | None = None, active: bool = True, **fields):
    """An account with password ``Correct-Horse-9`` (must_change_password off), returned as a User row."""
    from ctdash.models import Role, User

    number = next(_numbers)
    role = Role(role)
    if role == Role.MEMBER and partner is None:
        partner = make_partner(session)
    user = User(
        username=fields.pop("username", f"user{number}"),
        display_name=fields.pop("display_name", f"Test User {number}"),
        role=role,
        partner_id=partner.id if partner else None,
        password_hash=_password_hash(),
        active=active,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


PASSWORD = "Correct-Horse-9"
_hash_cache: list[str] = []


def _password_hash() -> str:
    # bcrypt is slow on purpose; hash the shared test password once per run.
    if not _hash_cache:
        from ctdash.users import hash_password

        _hash_cache.append(hash_password(PASSWORD))
    return _hash_cache[0]


def viewer_for(user) -> Viewer:
    return Viewer(user_id=user.id, role=user.role, partner_id=user.partner_id, name=user.display_name)


def record_attempt(session: Session, username: str, *, succeeded: bool, now: dt.datetime | None = None) -> None:
    """One finished sign-in attempt at ``username``, as the sign-in form would leave it."""
    from ctdash import sign_in

    attempt = sign_in.begin_attempt(session, username, now=now)
    if attempt is not None:
        sign_in.finish_attempt(session, attempt, succeeded=succeeded, now=now)


def finding_fields(partner=None, **changes) -> dict:
    """Every field of a finding, filled in as a careful member would."""
    values = {
        "title": "Who stops coming after the first term (test data)",
        "summary": "Families who pay for lessons drop out **twice as often** after the first term.",
        "kind": "barrier",
        "themes": ["socio-economic-disadvantage"],
        "partner_id": partner.id if partner else None,
        "project_id": None,
        "cycle": "2024-25",
        "evidence_type": "participation data",
        "key_quote": "We stopped when the second invoice came.",
        "links": "https://www.example.org/report",
        "visibility": "working_group",
    }
    return {**values, **changes}


def finding_version(session: Session, finding_id: int) -> int:
    """A finding's stored version, as a form drawn now would see it."""
    return session.scalar(select(Finding.version).where(Finding.id == finding_id))


def make_meeting(session: Session, **fields):
    """A working-group session (test data) with an empty agenda, returned as a Meeting row."""
    from ctdash.models import Meeting

    number = next(_numbers)
    values = {
        "title": f"Test session {number} (test data)",
        "held_on": dt.date(2026, 3, 1),
        "join_code": f"TEST{number:04d}"[-8:],
    }
    meeting = Meeting(**{**values, **fields})
    session.add(meeting)
    session.flush()
    return meeting
