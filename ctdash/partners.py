"""Partner services: the rows of the partner map, the partner profile, and edits to both."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ctdash import audit, permissions
from ctdash.db import FINDINGS, RESEARCH, reads
from ctdash.errors import Conflict, InvalidInput, NotFound
from ctdash.models import (
    Finding,
    FindingStatus,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
    Theme,
    finding_themes,
    project_themes,
)
from ctdash.text import clean_text
from ctdash.users import check_email
from ctdash.viewer import Viewer

ROLE_LABELS = {
    PartnerRoleKind.ACTION_RESEARCH: "Action research partner",
    PartnerRoleKind.WORKING_GROUP: "Working-group member",
}
MAP_COLUMNS = [
    "id",
    "name",
    "region",
    "local_authority",
    "latitude",
    "longitude",
    "action_research",
    "working_group",
    "roles",
    "published_findings",
    "current_project",
    "current_stage",
    "is_example",
]
# The UK with its islands (Scilly to Shetland, Northern Ireland to the Kent coast), in degrees.
LATITUDE_RANGE = (49.8, 60.9)
LONGITUDE_RANGE = (-8.7, 1.8)
MAX_PROFILE_TEXT = 5000


# --- the map ------------------------------------------------------------------------------------


def _role_kind(role: str | None) -> PartnerRoleKind | None:
    if not role:
        return None
    try:
        return PartnerRoleKind(role)
    except ValueError:
        raise InvalidInput("Choose a role from the list: action research partner or working-group member.") from None


@reads(RESEARCH, FINDINGS)
def map_rows(
    session: Session,
    *,
    viewer: Viewer,
    role: str | None = None,
    cycle: str | None = None,
    theme: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """One row per partner service to show on the map, by name; columns ``MAP_COLUMNS``.

    Archived services appear only for a ``cycle`` in which they had a project. With a ``cycle``, the
    current project is the service's project in that cycle. Four queries (three for a visitor, who sees no
    projects), whatever the number of services.
    """
    kind = _role_kind(role)
    published = Finding.status == FindingStatus.PUBLISHED
    query = select(
        Partner.id,
        Partner.name,
        Partner.region,
        Partner.local_authority,
        Partner.latitude,
        Partner.longitude,
        Partner.is_example,
    )
    if cycle:
        projects_in_cycle = select(Project.partner_id).where(Project.cycle == cycle)
        roles_in_cycle = select(PartnerRole.partner_id).where(PartnerRole.cycle == cycle)
        query = query.where(
            or_(Partner.id.in_(projects_in_cycle), Partner.id.in_(roles_in_cycle)),
            or_(Partner.active, Partner.id.in_(projects_in_cycle)),
        )
    else:
        query = query.where(Partner.active)
    if kind is not None:
        query = query.where(Partner.id.in_(select(PartnerRole.partner_id).where(PartnerRole.role == kind)))
    if region:
        query = query.where(Partner.region == region)
    if theme:
        theme_id = select(Theme.id).where(Theme.slug == theme).scalar_subquery()
        with_project = (
            select(Project.partner_id)
            .join(project_themes, project_themes.c.project_id == Project.id)
            .where(project_themes.c.theme_id == theme_id)
        )
        with_finding = (
            select(Finding.partner_id)
            .join(finding_themes, finding_themes.c.finding_id == Finding.id)
            .where(finding_themes.c.theme_id == theme_id, published, permissions.visible_findings(viewer))
        )
        query = query.where(or_(Partner.id.in_(with_project), Partner.id.in_(with_finding)))
    partners = session.execute(query.order_by(Partner.name, Partner.id)).all()
    if not partners:
        return pd.DataFrame(columns=MAP_COLUMNS)
    ids = [row.id for row in partners]

    roles: dict[int, set[PartnerRoleKind]] = defaultdict(set)
    for partner_id, role_kind in session.execute(
        select(PartnerRole.partner_id, PartnerRole.role).where(PartnerRole.partner_id.in_(ids)).distinct()
    ):
        roles[partner_id].add(role_kind)
    counts = dict(
        session.execute(
            select(Finding.partner_id, func.count())
            .where(Finding.partner_id.in_(ids), published, permissions.visible_findings(viewer))
            .group_by(Finding.partner_id)
        ).all()
    )
    current: dict[int, tuple] = {}
    if permissions.sees_working_group_work(viewer):  # visitors see no projects: none are read for them
        projects = select(Project.partner_id, Project.cycle, Project.stage, Project.title, Project.id).where(
            Project.partner_id.in_(ids)
        )
        if cycle:
            projects = projects.where(Project.cycle == cycle)
        for partner_id, project_cycle, stage, title, project_id in session.execute(projects):
            rank = (project_cycle, stage != ProjectStage.COMPLETE, project_id)
            if partner_id not in current or rank > current[partner_id][0]:
                current[partner_id] = (rank, title, stage.value)

    rows = []
    for row in partners:
        held = roles.get(row.id, set())
        _, title, stage = current.get(row.id, (None, None, None))
        rows.append(
            {
                "id": row.id,
                "name": row.name,
                "region": row.region,
                "local_authority": row.local_authority,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "action_research": PartnerRoleKind.ACTION_RESEARCH in held,
                "working_group": PartnerRoleKind.WORKING_GROUP in held,
                "roles": " · ".join(label for kind, label in ROLE_LABELS.items() if kind in held),
                "published_findings": int(counts.get(row.id, 0)),
                "current_project": title,
                "current_stage": stage,
                "is_example": bool(row.is_example),
            }
        )
    return pd.DataFrame(rows, columns=MAP_COLUMNS)


@dataclass(frozen=True)
class FilterChoices:
    regions: list[str]
    cycles: list[str]  # newest first
    themes: dict[str, str]  # slug -> name, in the vocabulary's order


@reads(RESEARCH)
def filter_choices(session: Session, *, viewer: Viewer) -> FilterChoices:
    """The regions, cycles and themes the map can be filtered by."""
    regions = session.scalars(select(Partner.region).where(Partner.region.is_not(None)).distinct()).all()
    cycles = set(session.scalars(select(Project.cycle).distinct())) | set(
        session.scalars(select(PartnerRole.cycle).where(PartnerRole.cycle.is_not(None)).distinct())
    )
    themes = session.execute(select(Theme.slug, Theme.name).where(Theme.active).order_by(Theme.position, Theme.id))
    return FilterChoices(
        regions=sorted(regions),
        cycles=sorted(cycles, reverse=True),
        themes={slug: name for slug, name in themes},
    )


@reads(RESEARCH)
def known_ids(session: Session, *, viewer: Viewer) -> frozenset[int]:
    """Every partner service's id, archived ones too: a profile link stays good after a service leaves."""
    return frozenset(session.scalars(select(Partner.id)))


# --- the profile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleLine:
    role_label: str
    cycle: str | None
    since_year: int | None
    note: str | None


@dataclass(frozen=True)
class ProjectLine:
    id: int
    cycle: str
    title: str
    stage: str
    themes: list[str]


@dataclass(frozen=True)
class FindingLine:
    id: int
    title: str
    kind: str | None  # None only in a draft
    published_at: dt.datetime | None
    visibility: str
    status: str = FindingStatus.PUBLISHED.value


@dataclass(frozen=True)
class PartnerProfile:
    id: int
    slug: str
    name: str
    short_name: str
    lead_organisation: str | None
    region: str | None
    local_authority: str | None
    website: str | None
    latitude: float | None
    longitude: float | None
    active: bool
    is_example: bool
    version: int
    profile_text: str | None
    roles: list[RoleLine]
    projects: list[ProjectLine]  # newest cycle first
    findings: list[FindingLine]  # published, visible to the viewer, newest first
    contact_name: str | None  # None for anonymous visitors
    contact_email: str | None  # None for anonymous visitors


_ROLE_ORDER = {kind: position for position, kind in enumerate(ROLE_LABELS)}


@reads(RESEARCH, FINDINGS)
def profile(session: Session, *, viewer: Viewer, partner_id: int) -> PartnerProfile:
    """Everything the profile page shows about one service; contacts only for signed-in people."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("That partner service does not exist; choose one from the partner map.")
    roles = sorted(
        session.scalars(select(PartnerRole).where(PartnerRole.partner_id == partner_id)),
        key=lambda role: (_ROLE_ORDER[role.role], -_cycle_year(role.cycle), -(role.since_year or 0), role.id),
    )
    projects = session.scalars(
        select(Project)
        .where(Project.partner_id == partner_id)
        .options(selectinload(Project.themes))
        .order_by(Project.cycle.desc(), Project.id.desc())
    ).all()
    findings = session.execute(
        select(Finding.id, Finding.title, Finding.kind, Finding.published_at, Finding.visibility)
        .where(
            Finding.partner_id == partner_id,
            Finding.status == FindingStatus.PUBLISHED,
            permissions.visible_findings(viewer),
        )
        .order_by(Finding.published_at.desc(), Finding.id.desc())
    ).all()
    return PartnerProfile(
        id=partner.id,
        slug=partner.slug,
        name=partner.name,
        short_name=partner.short_name,
        lead_organisation=partner.lead_organisation,
        region=partner.region,
        local_authority=partner.local_authority,
        website=partner.website,
        latitude=partner.latitude,
        longitude=partner.longitude,
        active=bool(partner.active),
        is_example=bool(partner.is_example),
        version=partner.version,
        profile_text=partner.profile_text,
        roles=[RoleLine(ROLE_LABELS[role.role], role.cycle, role.since_year, role.note) for role in roles],
        projects=[
            ProjectLine(project.id, project.cycle, project.title, project.stage.value, [t.name for t in project.themes])
            for project in projects
        ]
        if permissions.sees_working_group_work(viewer)
        else [],
        findings=[
            FindingLine(row.id, row.title, row.kind.value, row.published_at, row.visibility.value) for row in findings
        ],
        contact_name=partner.contact_name if permissions.sees_working_group_work(viewer) else None,
        contact_email=partner.contact_email if permissions.sees_working_group_work(viewer) else None,
    )


def _cycle_year(cycle: str | None) -> int:
    return int(cycle[:4]) if cycle and cycle[:4].isdigit() else 0


# --- changing partners --------------------------------------------------------------------------


def _partner_for_update(session: Session, partner_id: int, expected_version: int) -> Partner:
    # Locked as it is read, so the version compared is the one stored now, against the one the person saw.
    partner = session.get(Partner, partner_id, with_for_update=True, populate_existing=True)
    if partner is None:
        raise NotFound("That partner service no longer exists; reload the page.")
    if partner.version != expected_version:
        raise Conflict(
            f"Someone else changed {partner.name} while you were editing it. Your changes are still in the form: "
            "load the latest version to see theirs, then make yours again."
        )
    return partner


# --- checking a partner's details: one check per field, shared by the edit form and the importer ---

# Free-text details: the words a message names each by, and its length limit.
TEXT_FIELDS = {
    "lead_organisation": ("The lead organisation", 200),
    "region": ("The region", 80),
    "local_authority": ("The local authority area", 200),
    "contact_name": ("The contact's name", 200),
}


def check_name(text: str | None) -> str:
    """A service's name, tidied; InvalidInput when empty or too long (whether it is taken is checked apart)."""
    name = clean_text(text, field="The name", limit=200)
    if name is None:
        raise InvalidInput("Enter the service's name, such as 'Hull Music Service'.")
    return name


def _check_name_free(session: Session, partner_id: int, name: str) -> str:
    taken = session.scalar(
        select(Partner.name).where(func.lower(Partner.name) == name.lower(), Partner.id != partner_id).limit(1)
    )
    if taken is not None:
        raise InvalidInput(f"Another partner service is already called {taken!r}; choose a different name.")
    return name


def check_short_name(text: str | None) -> str:
    short_name = clean_text(text, field="The short name", limit=80)
    if short_name is None:
        raise InvalidInput("Enter a short name for map labels, such as 'Hull'.")
    return short_name


def check_text(field: str, text: str | None) -> str | None:
    """One of the free-text details in ``TEXT_FIELDS``, tidied, or None when empty."""
    label, limit = TEXT_FIELDS[field]
    return clean_text(text, field=label, limit=limit)


def check_website(text: str | None) -> str | None:
    website = clean_text(text, field="The website address", limit=300)
    if website is None:
        return None
    parts = urlsplit(website)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in website:
        raise InvalidInput(
            "Enter the website as a full address starting with https:// or http://, such as https://www.example.org."
        )
    return website


NOT_A_NUMBER = "Latitude and longitude must be numbers in decimal degrees, such as 53.745 and -0.336."


def _number(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput(NOT_A_NUMBER)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(NOT_A_NUMBER) from None
    if not math.isfinite(number):
        raise InvalidInput(NOT_A_NUMBER)
    return number


def check_position(latitude, longitude) -> tuple[float | None, float | None]:
    """Latitude and longitude in decimal degrees, both inside the UK, or both None (off the map)."""
    latitude, longitude = _number(latitude), _number(longitude)
    if (latitude is None) != (longitude is None):
        raise InvalidInput("Enter both latitude and longitude, or leave both empty to keep the service off the map.")
    if latitude is not None and not (
        LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1] and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
    ):
        raise InvalidInput(
            f"That place is outside the UK: latitude must be between {LATITUDE_RANGE[0]} and {LATITUDE_RANGE[1]} "
            f"and longitude between {LONGITUDE_RANGE[0]} and {LONGITUDE_RANGE[1]}; check the numbers and their order."
        )
    return latitude, longitude


def _check_profile_text(text: str | None) -> str | None:
    return clean_text(text, field="The profile", limit=MAX_PROFILE_TEXT, multiline=True)


def describe_change(field: str, before, after) -> str:
    """One change as the audit trail shows it: "region: London -> South East"."""
    return f"{field}: {_shown(field, before)} -> {_shown(field, after)}"


def _shown(field: str, value) -> str:
    if field == "profile_text":  # long; the trail keeps its size, not the text twice
        return "empty" if value is None else f"{len(value):,} characters"
    return "empty" if value is None else str(value)


def _apply_changes(session: Session, *, viewer: Viewer, partner: Partner, new_values: dict) -> None:
    """Set the fields that differ and audit them as one change, before -> after."""
    changes = []
    for field, value in new_values.items():
        before = getattr(partner, field)
        if before != value:
            changes.append(describe_change(field, before, value))
            setattr(partner, field, value)
    if changes:
        session.flush()
        audit.record(
            session,
            actor=viewer,
            action="partner_changed",
            entity_type="partner",
            entity_id=partner.id,
            summary=f"{partner.name}: " + "; ".join(changes),
        )


def update_partner(
    session: Session,
    *,
    viewer: Viewer,
    partner_id: int,
    expected_version: int,
    name: str,
    short_name: str,
    lead_organisation: str | None,
    region: str | None,
    local_authority: str | None,
    website: str | None,
    latitude: float | str | None,
    longitude: float | str | None,
    contact_name: str | None,
    contact_email: str | None,
    profile_text: str | None,
    active: bool,
) -> PartnerProfile:
    """Change a service's details; facilitators and administrators only. ``active=False`` archives it.

    Partners are never deleted: their projects and findings stay part of the record.
    """
    permissions.require(viewer, permissions.EDIT_PARTNERS)
    partner = _partner_for_update(session, partner_id, expected_version)
    checked_short_name = check_short_name(short_name)
    checked_latitude, checked_longitude = check_position(latitude, longitude)
    new_values = {
        "name": _check_name_free(session, partner.id, check_name(name)),
        "short_name": checked_short_name,
        "lead_organisation": check_text("lead_organisation", lead_organisation),
        "region": check_text("region", region),
        "local_authority": check_text("local_authority", local_authority),
        "website": check_website(website),
        "latitude": checked_latitude,
        "longitude": checked_longitude,
        "contact_name": check_text("contact_name", contact_name),
        "contact_email": check_email(contact_email),
        "profile_text": _check_profile_text(profile_text),
        "active": bool(active),
    }
    _apply_changes(session, viewer=viewer, partner=partner, new_values=new_values)
    return profile(session, viewer=viewer, partner_id=partner.id)


def update_profile_text(
    session: Session, *, viewer: Viewer, partner_id: int, expected_version: int, profile_text: str | None
) -> PartnerProfile:
    """Change what a service says about itself: its own members, facilitators and administrators."""
    permissions.require_own_partner_or_staff(viewer, partner_id)
    partner = _partner_for_update(session, partner_id, expected_version)
    _apply_changes(
        session, viewer=viewer, partner=partner, new_values={"profile_text": _check_profile_text(profile_text)}
    )
    return profile(session, viewer=viewer, partner_id=partner.id)
