"""Research projects: the status board, one project's page, and creating and changing projects.

Projects are the working group's own work: every read here is for signed-in people only, and the
services check it themselves. Members create and edit their own service's projects; facilitators
and administrators any project. Every change is audited (the project's history) and checked
against the version the person saw.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ctdash import audit, clock, permissions
from ctdash.db import FINDINGS, RESEARCH, reads
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    AuditEvent,
    Finding,
    Partner,
    Project,
    ProjectStage,
    Theme,
    project_themes,
)
from ctdash.partners import FindingLine
from ctdash.text import clean_text
from ctdash.viewer import Viewer

STAGES = tuple(ProjectStage)  # the board's columns, in order
FIRST_CYCLE_YEAR = 2018  # Changing Tracks has funded action research since 2018-19
BOARD_COLUMNS = [
    "id",
    "partner_id",
    "partner",
    "title",
    "cycle",
    "stage",
    "themes",
    "start_date",
    "end_date",
    "updated_at",
    "version",
    "is_example",
]
MAX_TITLE = 200
MAX_QUESTION = 2000
MAX_SUMMARY = 5000
MAX_LEAD = 200
EARLIEST_DATE = dt.date(FIRST_CYCLE_YEAR, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

# --- cycles -------------------------------------------------------------------------------------

_CYCLE = re.compile(r"^(?:ay\s*)?(\d{2}|\d{4})\s*(?:[-/–—_]|\s+to\s+|\s+)\s*(\d{2}|\d{4})$", re.IGNORECASE)
CYCLE_HINT = "write the academic year like 2024-25"


def latest_cycle_year(today: dt.date | None = None) -> int:
    """The first year of the latest cycle a project may be planned for: next academic year."""
    today = today or clock.now().date()
    return today.year + 1


def normalise_cycle(value: object) -> str:
    """A research cycle as ``2024-25``, from the ways people write it.

    Accepts 2024-25, 2024/25, 2024-2025, 2024 to 2025, 24/25, "2024 25" and a lone starting year
    (2024 or 2024.0 from a spreadsheet cell). Refuses years that do not follow each other, and
    cycles before Changing Tracks began (2018-19) or after next year's.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"Enter the research cycle: {CYCLE_HINT}.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        raise InvalidInput(f"Enter the research cycle: {CYCLE_HINT}.")
    if re.fullmatch(r"\d{4}", text):
        first = int(text)
    else:
        match = _CYCLE.match(text)
        if match is None:
            raise InvalidInput(f"{text[:40]!r} is not a research cycle: {CYCLE_HINT}.")
        start, end = match.groups()
        first = int(start) if len(start) == 4 else 2000 + int(start)
        second = int(end) if len(end) == 4 else (first // 100) * 100 + int(end)
        if second != first + 1:
            raise InvalidInput(
                f"{text[:40]!r} is not a research cycle: its years must follow each other; {CYCLE_HINT}."
            )
    if not FIRST_CYCLE_YEAR <= first <= latest_cycle_year():
        raise InvalidInput(
            f"{text[:40]!r} is outside the programme: cycles run from {FIRST_CYCLE_YEAR}-"
            f"{(FIRST_CYCLE_YEAR + 1) % 100:02d} to {latest_cycle_year()}-{(latest_cycle_year() + 1) % 100:02d}."
        )
    return f"{first}-{(first + 1) % 100:02d}"


def cycles_offered(today: dt.date | None = None) -> list[str]:
    """Every cycle a project can be in, newest first, for select boxes."""
    return [f"{year}-{(year + 1) % 100:02d}" for year in range(latest_cycle_year(today), FIRST_CYCLE_YEAR - 1, -1)]


def stage_of(value: object) -> ProjectStage:
    """A stage from its value or a spelling people use: 'Data collection', 'sharing_findings', 'Complete'."""
    if isinstance(value, ProjectStage):
        return value
    text = re.sub(r"[\s_-]+", " ", str(value or "")).strip().lower()
    if not text:
        raise InvalidInput("Choose the project's stage.")
    aliases = {"completed": "complete", "sharing": "sharing findings", "data gathering": "data collection"}
    try:
        return ProjectStage(aliases.get(text, text))
    except ValueError:
        names = ", ".join(stage.value for stage in STAGES)
        raise InvalidInput(f"{str(value)[:40]!r} is not a stage; use one of: {names}.") from None


# --- the board ----------------------------------------------------------------------------------


def _require_signed_in(viewer: Viewer) -> None:
    if not permissions.sees_working_group_work(viewer):
        raise NotFound("Research projects are shared within the working group. Sign in to see them.")


def _board_query(columns, *, cycle: str | None, partner_id: int | None, theme: str | None, stage: str | None):
    """The projects matching the board's filters, with ``columns`` and the partner joined."""
    query = select(*columns).join(Partner, Partner.id == Project.partner_id)
    if cycle:
        query = query.where(Project.cycle == cycle)
    if partner_id is not None:
        query = query.where(Project.partner_id == partner_id)
    if theme:
        query = query.where(
            Project.id.in_(
                select(project_themes.c.project_id)
                .join(Theme, Theme.id == project_themes.c.theme_id)
                .where(Theme.slug == theme)
            )
        )
    if stage:
        query = query.where(Project.stage == stage_of(stage))
    return query


_BOARD_ROW = (
    Project.id,
    Project.partner_id,
    Partner.name.label("partner"),
    Project.title,
    Project.cycle,
    Project.stage,
    Project.start_date,
    Project.end_date,
    Project.updated_at,
    Project.version,
    Project.is_example,
)


def _theme_names(session: Session, project_ids: list[int]) -> dict[int, list[str]]:
    """Each project's theme names, in the vocabulary's order."""
    themes: dict[int, list[str]] = {}
    if not project_ids:
        return themes
    for project_id, name in session.execute(
        select(project_themes.c.project_id, Theme.name)
        .join(Theme, Theme.id == project_themes.c.theme_id)
        .where(project_themes.c.project_id.in_(project_ids))
        .order_by(Theme.position, Theme.id)
    ):
        themes.setdefault(project_id, []).append(name)
    return themes


@reads(RESEARCH)
def board(
    session: Session,
    *,
    viewer: Viewer,
    cycle: str | None = None,
    partner_id: int | None = None,
    theme: str | None = None,
    stage: str | None = None,
) -> pd.DataFrame:
    """One row per project matching the filters, newest cycle first; columns ``BOARD_COLUMNS``."""
    _require_signed_in(viewer)
    query = _board_query(_BOARD_ROW, cycle=cycle, partner_id=partner_id, theme=theme, stage=stage)
    rows = session.execute(query.order_by(Project.cycle.desc(), Partner.name, Project.title, Project.id)).all()
    if not rows:
        return pd.DataFrame(columns=BOARD_COLUMNS)
    themes = _theme_names(session, [row.id for row in rows])
    frame = pd.DataFrame(
        [
            {
                **row._asdict(),
                "stage": row.stage.value,
                "themes": themes.get(row.id, []),
                "is_example": bool(row.is_example),
            }
            for row in rows
        ],
        columns=BOARD_COLUMNS,
    )
    return frame


@dataclass(frozen=True)
class BoardCard:
    """One project's card on the status board."""

    id: int
    partner_id: int
    partner: str
    title: str
    cycle: str
    stage: str
    themes: tuple[str, ...]
    start_date: dt.date | None
    end_date: dt.date | None
    updated_at: dt.datetime
    version: int
    is_example: bool


@dataclass(frozen=True)
class BoardColumn:
    """One stage of the board: how many projects are at it, and the most recently updated of them."""

    stage: str
    count: int
    cards: tuple[BoardCard, ...]
    kept: tuple[BoardCard, ...] = ()  # read only for ``keep``: past the cards read, or outside the filters


@reads(RESEARCH)
def board_columns(
    session: Session,
    *,
    viewer: Viewer,
    per_stage: int,
    cycle: str | None = None,
    partner_id: int | None = None,
    theme: str | None = None,
    stage: str | None = None,
    keep: tuple[int, ...] = (),
) -> tuple[BoardColumn, ...]:
    """The board's columns, one per stage in order: the count matching the filters and, as cards, the
    ``per_stage`` most recently updated. Only those cards are read, so a board of thousands is cheap.

    The projects in ``keep`` (a Move form open on their cards) not among those are read too, whatever
    their rank or the filters, as their stage's ``kept``: someone else's update must not take away a form
    being filled in.
    """
    _require_signed_in(viewer)
    filters = {"cycle": cycle, "partner_id": partner_id, "theme": theme, "stage": stage}
    counts = dict(session.execute(_board_query((Project.stage, func.count()), **filters).group_by(Project.stage)).all())
    recent = (
        func.row_number()
        .over(partition_by=Project.stage, order_by=(Project.updated_at.desc(), Project.id.desc()))
        .label("recent")
    )
    ranked = _board_query((*_BOARD_ROW, recent), **filters).subquery()
    rows = session.execute(
        select(ranked).where(ranked.c.recent <= per_stage).order_by(ranked.c.updated_at.desc(), ranked.c.id.desc())
    ).all()
    kept_rows = []
    if missing := set(keep) - {row.id for row in rows}:
        unfiltered = dict.fromkeys(filters)
        kept = _board_query(_BOARD_ROW, **unfiltered).where(Project.id.in_(missing))
        kept_rows = session.execute(kept.order_by(Project.updated_at.desc(), Project.id.desc())).all()
    themes = _theme_names(session, [row.id for row in [*rows, *kept_rows]])
    cards: dict[ProjectStage, list[BoardCard]] = {}
    kept_cards: dict[ProjectStage, list[BoardCard]] = {}
    for found, into in ((rows, cards), (kept_rows, kept_cards)):
        for row in found:
            into.setdefault(row.stage, []).append(
                BoardCard(
                    id=row.id,
                    partner_id=row.partner_id,
                    partner=row.partner,
                    title=row.title,
                    cycle=row.cycle,
                    stage=row.stage.value,
                    themes=tuple(themes.get(row.id, ())),
                    start_date=row.start_date,
                    end_date=row.end_date,
                    updated_at=row.updated_at,
                    version=row.version,
                    is_example=bool(row.is_example),
                )
            )
    return tuple(
        BoardColumn(
            stage=each.value,
            count=counts.get(each, 0),
            cards=tuple(cards.get(each, ())),
            kept=tuple(kept_cards.get(each, ())),
        )
        for each in STAGES
    )


@dataclass(frozen=True)
class BoardChoices:
    cycles: list[str]  # cycles with projects, newest first
    partners: dict[int, str]  # id -> name, every service (archived too: they keep past projects)
    themes: dict[str, str]  # slug -> name


@reads(RESEARCH)
def board_choices(session: Session, *, viewer: Viewer) -> BoardChoices:
    """What the board can be filtered by, and what a project form can choose from."""
    _require_signed_in(viewer)
    cycles = session.scalars(select(Project.cycle).distinct()).all()
    partners = session.execute(select(Partner.id, Partner.name).order_by(Partner.name))
    themes = session.execute(select(Theme.slug, Theme.name).where(Theme.active).order_by(Theme.position, Theme.id))
    return BoardChoices(
        cycles=sorted(cycles, reverse=True),
        partners={row.id: row.name for row in partners},
        themes={row.slug: row.name for row in themes},
    )


def summary(frame: pd.DataFrame) -> dict[str, list[tuple[str, int]]]:
    """Projects per stage (every stage, in board order), per cycle (oldest first) and per theme (most first)."""
    stages = Counter(frame["stage"]) if not frame.empty else Counter()
    cycles = Counter(frame["cycle"]) if not frame.empty else Counter()
    themes = Counter(name for names in frame["themes"] for name in names) if not frame.empty else Counter()
    return {
        "stage": [(stage.value, stages.get(stage.value, 0)) for stage in STAGES],
        "cycle": sorted(cycles.items()),
        "theme": sorted(themes.items(), key=lambda item: (-item[1], item[0])),
    }


# --- one project --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    who: str
    what: str


@dataclass(frozen=True)
class ProjectDetail:
    id: int
    partner_id: int
    partner: str
    cycle: str
    title: str
    research_question: str | None
    themes: dict[str, str]  # slug -> name
    stage: str
    start_date: dt.date | None
    end_date: dt.date | None
    lead_contact: str | None
    summary: str | None
    is_example: bool
    version: int
    updated_at: dt.datetime
    findings: list[FindingLine]  # the findings the viewer may see, newest first
    history: list[HistoryLine]  # newest first


@reads(RESEARCH, FINDINGS)
def detail(session: Session, *, viewer: Viewer, project_id: int) -> ProjectDetail:
    """Everything the project page shows: the project, its findings the viewer may see, its history."""
    _require_signed_in(viewer)
    project = session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(selectinload(Project.themes), selectinload(Project.partner))
    )
    if project is None:
        raise NotFound("That research project does not exist; choose one from the research status board.")
    findings = session.execute(
        select(Finding.id, Finding.title, Finding.kind, Finding.published_at, Finding.visibility, Finding.status)
        .where(Finding.project_id == project_id, permissions.visible_findings(viewer))
        .order_by(Finding.published_at.desc().nulls_last(), Finding.id.desc())
    ).all()
    history = session.execute(
        select(AuditEvent.at, AuditEvent.actor, AuditEvent.summary)
        .where(AuditEvent.entity_type == "project", AuditEvent.entity_id == project_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    return ProjectDetail(
        id=project.id,
        partner_id=project.partner_id,
        partner=project.partner.name,
        cycle=project.cycle,
        title=project.title,
        research_question=project.research_question,
        themes={theme.slug: theme.name for theme in project.themes},
        stage=project.stage.value,
        start_date=project.start_date,
        end_date=project.end_date,
        lead_contact=project.lead_contact,
        summary=project.summary,
        is_example=bool(project.is_example),
        version=project.version,
        updated_at=project.updated_at,
        findings=[
            FindingLine(
                row.id,
                row.title,
                row.kind.value if row.kind else None,  # a draft may not have its kind yet
                row.published_at,
                row.visibility.value,
                row.status.value,
            )
            for row in findings
        ],
        history=[HistoryLine(row.at, row.actor, row.summary) for row in history],
    )


# --- changing projects --------------------------------------------------------------------------


def may_edit(viewer: Viewer, partner_id: int) -> bool:
    """Whether ``viewer`` may create or change projects of the service ``partner_id``."""
    try:
        permissions.require_own_partner_or_staff(viewer, partner_id, what="projects")
    except PermissionDenied:
        return False
    return True


def may_add(viewer: Viewer) -> bool:
    """Whether ``viewer`` may add projects at all: staff, and members who belong to a service."""
    return permissions.role_of(viewer) in permissions.STAFF or (
        viewer.partner_id is not None and may_edit(viewer, viewer.partner_id)
    )


@dataclass(frozen=True)
class ProjectValues:
    """A project's fields, checked: what a form or a spreadsheet row becomes before it is stored."""

    partner_id: int
    cycle: str
    title: str
    research_question: str | None
    themes: tuple[str, ...]  # slugs
    stage: ProjectStage
    start_date: dt.date | None
    end_date: dt.date | None
    lead_contact: str | None
    summary: str | None


# --- checking a project's fields: one check per field, shared by the forms and the importer ---


def check_title(text: str | None) -> str:
    title = clean_text(text, field="The title", limit=MAX_TITLE)
    if title is None:
        raise InvalidInput("Enter the project's title, a few words saying what it looks into.")
    return title


def check_research_question(text: str | None) -> str | None:
    return clean_text(text, field="The research question", limit=MAX_QUESTION, multiline=True)


def check_lead_contact(text: str | None) -> str | None:
    return clean_text(text, field="The lead contact", limit=MAX_LEAD)


def check_summary(text: str | None) -> str | None:
    return clean_text(text, field="The summary", limit=MAX_SUMMARY, multiline=True)


def check_dates(start_date: dt.date | None, end_date: dt.date | None) -> None:
    for name, value in (("start", start_date), ("end", end_date)):
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise InvalidInput(
                f"The {name} date {value:%d/%m/%Y} is outside the programme; check the year "
                f"(projects run from {FIRST_CYCLE_YEAR})."
            )
    if start_date and end_date and end_date < start_date:
        raise InvalidInput(
            f"The end date ({end_date:%d/%m/%Y}) is before the start date ({start_date:%d/%m/%Y}); check both."
        )


def check_values(
    session: Session,
    *,
    partner_id: int | None,
    cycle: object,
    title: str | None,
    research_question: str | None = None,
    themes: list[str] | tuple[str, ...] = (),
    stage: object,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    lead_contact: str | None = None,
    summary: str | None = None,
) -> ProjectValues:
    """Check a project's fields one by one, each mistake as a sentence; raises InvalidInput."""
    if partner_id is None or session.get(Partner, partner_id) is None:
        raise InvalidInput("Choose the partner service whose project this is.")
    checked_title = check_title(title)
    known = set(session.scalars(select(Theme.slug).where(Theme.active)))
    unknown = [slug for slug in themes if slug not in known]
    if unknown:
        raise InvalidInput(f"{unknown[0]!r} is not one of the themes; choose themes from the list.")
    check_dates(start_date, end_date)
    return ProjectValues(
        partner_id=partner_id,
        cycle=normalise_cycle(cycle),
        title=checked_title,
        research_question=check_research_question(research_question),
        themes=tuple(dict.fromkeys(themes)),
        stage=stage_of(stage),
        start_date=start_date,
        end_date=end_date,
        lead_contact=check_lead_contact(lead_contact),
        summary=check_summary(summary),
    )


def _check_unique(session: Session, values: ProjectValues, project_id: int | None) -> None:
    query = select(Project.id).where(
        Project.partner_id == values.partner_id,
        Project.cycle == values.cycle,
        func.lower(Project.title) == values.title.lower(),
    )
    if project_id is not None:
        query = query.where(Project.id != project_id)
    if session.scalar(query.limit(1)) is not None:
        raise InvalidInput(
            f"This service already has a project called {values.title!r} in {values.cycle}; "
            "change the title, or edit that project instead."
        )


def describe_change(field: str, before, after) -> str:
    """One change as the project's history shows it: "stage: planning -> analysis"."""
    return f"{field.replace('_', ' ')}: {_shown(field, before)} -> {_shown(field, after)}"


def _shown(field: str, value) -> str:
    if value is None or value == ():
        return "empty"
    if field in ("research_question", "summary"):
        return f"{len(value):,} characters"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(getattr(value, "value", value))


def _themes_of(session: Session, slugs: tuple[str, ...]) -> list[Theme]:
    by_slug = {theme.slug: theme for theme in session.scalars(select(Theme).where(Theme.slug.in_(slugs)))}
    return [by_slug[slug] for slug in slugs]


def _apply(session: Session, *, viewer: Viewer, project: Project, values: dict, action: str) -> list[str]:
    """Set the fields that differ; audit them as one change on the project's history, before -> after."""
    changes = []
    for field, value in values.items():
        before = tuple(theme.slug for theme in project.themes) if field == "themes" else getattr(project, field)
        if field == "partner_id" and before != value:
            names = dict(session.execute(select(Partner.id, Partner.name).where(Partner.id.in_([before, value]))).all())
            changes.append(f"service: {names.get(before)} -> {names.get(value)}")
        elif before != value:
            changes.append(describe_change(field, before, value))
        if before != value:
            setattr(project, field, _themes_of(session, value) if field == "themes" else value)
    if changes:
        project.updated_at = clock.now()  # a change to themes alone touches no column of the row
        session.flush()
        audit.record(
            session,
            actor=viewer,
            action=action,
            entity_type="project",
            entity_id=project.id,
            summary=f"{project.title}: " + "; ".join(changes),
        )
    return changes


def create_project(session: Session, *, viewer: Viewer, **fields) -> int:
    """Add a project; members for their own service, facilitators and administrators for any. Returns its id."""
    permissions.require_own_partner_or_staff(viewer, fields.get("partner_id") or 0, what="projects")
    values = check_values(session, **fields)
    _check_unique(session, values, None)
    project = Project(
        partner_id=values.partner_id,
        cycle=values.cycle,
        title=values.title,
        research_question=values.research_question,
        stage=values.stage,
        start_date=values.start_date,
        end_date=values.end_date,
        lead_contact=values.lead_contact,
        summary=values.summary,
        themes=_themes_of(session, values.themes),
    )
    session.add(project)
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="project_created",
        entity_type="project",
        entity_id=project.id,
        summary=f"{values.title}: created in {values.cycle} at stage {values.stage.value}",
    )
    return project.id


def _project_for_update(session: Session, viewer: Viewer, project_id: int, expected_version: int) -> Project:
    project = session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None:
        raise NotFound("That research project no longer exists; reload the page.")
    permissions.require_own_partner_or_staff(viewer, project.partner_id, what="projects")
    if project.version != expected_version:
        raise Conflict(
            f"Someone else changed the project {project.title!r} while you were editing it. Your changes are "
            "still in the form: load the latest version to see theirs, then make yours again."
        )
    return project


def update_project(session: Session, *, viewer: Viewer, project_id: int, expected_version: int, **fields) -> list[str]:
    """Change every field of a project; returns the changes made, as the history shows them."""
    project = _project_for_update(session, viewer, project_id, expected_version)
    values = check_values(session, **fields)
    if values.partner_id != project.partner_id:
        # Moving a project to another service needs the right to edit that service's projects too.
        permissions.require_own_partner_or_staff(viewer, values.partner_id, what="projects")
    _check_unique(session, values, project.id)
    return _apply(
        session,
        viewer=viewer,
        project=project,
        values={field: getattr(values, field) for field in ProjectValues.__dataclass_fields__},
        action="project_changed",
    )


def change_stage(
    session: Session,
    *,
    viewer: Viewer,
    project_id: int,
    expected_version: int,
    stage: object,
    start_date: dt.date | None,
    end_date: dt.date | None,
) -> list[str]:
    """Move a project to another stage and set its dates: the status board's quick change."""
    project = _project_for_update(session, viewer, project_id, expected_version)
    check_dates(start_date, end_date)
    return _apply(
        session,
        viewer=viewer,
        project=project,
        values={"stage": stage_of(stage), "start_date": start_date, "end_date": end_date},
        action="project_stage_changed",
    )
