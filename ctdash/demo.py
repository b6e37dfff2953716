"""A fictional example dataset, so a newcomer can see a populated dashboard.

Everything here is made up and flagged ``is_example``; the services are fictional too, so no
finding or project is ever attributed to a real music service. The UI labels every such item
"Example data", and ``remove`` takes it all out again, unless real records have come to depend on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ctdash import audit, meetings
from ctdash.db import bump_revision
from ctdash.errors import Conflict
from ctdash.models import (
    AgendaItem,
    AgendaKind,
    Attachment,
    AttachmentBlob,
    Comment,
    CommentKind,
    Finding,
    FindingKind,
    FindingStatus,
    Highlight,
    Meeting,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
    Theme,
    User,
    Visibility,
    WallJoin,
    WallPost,
    finding_themes,
    project_themes,
)

EXAMPLE_PREFIX = "Example: "

# Fictional services, placed on the map in open country so nobody mistakes them for a real hub.
SERVICES = [
    ("example-northmoor", "Northmoor Music Hub", "North East", 55.05, -2.05),
    ("example-fenwick", "Fenwick Music Service", "East Midlands", 52.95, -0.55),
    ("example-harrowdale", "Harrowdale Music Trust", "South West", 51.05, -3.45),
]

PROJECTS = [
    # service index, cycle, stage, title, question, themes
    (
        0,
        "2023-24",
        ProjectStage.COMPLETE,
        "Whole-class lessons in rural schools",
        "What stops children in small rural schools carrying on after whole-class tuition?",
        ["rural-and-geographic-access", "progression-and-ensembles"],
    ),
    (
        0,
        "2024-25",
        ProjectStage.ANALYSIS,
        "Transport and ensemble attendance",
        "Does shared transport change who comes to area ensembles?",
        ["rural-and-geographic-access"],
    ),
    (
        1,
        "2024-25",
        ProjectStage.SHARING,
        "Co-designing the band programme with young people",
        "How do young people want the band programme to change?",
        ["youth-voice-and-co-design", "repertoire-and-musical-genres"],
    ),
    (
        1,
        "2025-26",
        ProjectStage.DATA_COLLECTION,
        "Remissions that families actually use",
        "Why do eligible families not take up free lessons?",
        ["pricing-remissions-and-instrument-access", "socio-economic-disadvantage"],
    ),
    (
        2,
        "2025-26",
        ProjectStage.PLANNING,
        "Adaptive instruments in special schools",
        "Which adaptive instruments and teaching approaches help pupils with complex needs take part?",
        ["send", "workforce-diversity-and-training"],
    ),
    (
        2,
        "2026-27",
        ProjectStage.PROPOSED,
        "Tutor training on cultural repertoire",
        "How confident are tutors teaching music from their pupils' own traditions?",
        ["ethnicity-and-culture", "workforce-diversity-and-training"],
    ),
]

FINDINGS = [
    # project index, kind, status, visibility, title, summary
    (
        0,
        FindingKind.BARRIER,
        FindingStatus.PUBLISHED,
        Visibility.PUBLIC,
        "Lessons end when the visiting tutor stops coming",
        "In the example schools, most pupils stopped playing within a term of whole-class tuition ending.",
    ),
    (
        0,
        FindingKind.ENABLER,
        FindingStatus.PUBLISHED,
        Visibility.PUBLIC,
        "A loan instrument that goes home keeps pupils playing",
        "Pupils allowed to take the instrument home were far more likely to join a follow-on group.",
    ),
    (
        1,
        FindingKind.INSIGHT,
        FindingStatus.PUBLISHED,
        Visibility.GROUP,
        "Parents plan around the bus timetable, not the rehearsal",
        "Interviews suggest the last bus home decides attendance more than the day of the week.",
    ),
    (
        1,
        FindingKind.BARRIER,
        FindingStatus.SUBMITTED,
        Visibility.GROUP,
        "Ensembles meet where the buses do not run",
        "Three of the four example ensembles meet at venues with no evening bus service.",
    ),
    (
        2,
        FindingKind.ENABLER,
        FindingStatus.PUBLISHED,
        Visibility.PUBLIC,
        "Young people choosing the repertoire doubled sign-ups",
        "When a youth panel picked half the pieces, sign-ups for the example band doubled.",
    ),
    (
        2,
        FindingKind.INSIGHT,
        FindingStatus.PUBLISHED,
        Visibility.GROUP,
        "Youth panels need paid time from staff",
        "Panels worked when a staff member had protected time to support them.",
    ),
    (
        3,
        FindingKind.BARRIER,
        FindingStatus.DRAFT,
        Visibility.GROUP,
        "The remission form asks for documents families do not have",
        "Early interviews point to the evidence the form asks for, not awareness of the scheme.",
    ),
    (
        3,
        FindingKind.ENABLER,
        FindingStatus.RETURNED,
        Visibility.GROUP,
        "Schools that apply on a family's behalf",
        "Where the school office filled in the form, take-up was much higher.",
    ),
    (
        4,
        FindingKind.INSIGHT,
        FindingStatus.SUBMITTED,
        Visibility.GROUP,
        "Staff want to see adaptive instruments in use before choosing",
        "Tutors asked for demonstrations rather than catalogues.",
    ),
    (
        4,
        FindingKind.ENABLER,
        FindingStatus.PUBLISHED,
        Visibility.PUBLIC,
        "Sessions led with the class teacher, not instead of them",
        "Joint planning with class teachers made sessions accessible to more pupils.",
    ),
]

COMMENTS = [
    (0, CommentKind.SUPPORT, "We saw the same pattern in our example schools; a follow-on club helped."),
    (0, CommentKind.CHALLENGE, "How many schools is this based on? It would help to show the sample size."),
    (2, CommentKind.QUESTION, "Did you ask the young people themselves, or only their parents?"),
    (4, CommentKind.SUPPORT, "Great to see youth voice leading to a measurable change."),
    (4, CommentKind.CHALLENGE, "Was sign-up the right measure? Retention after a term might tell more."),
]

# One example session, held a fortnight before the day the examples are loaded: its agenda points
# only at example findings (published ones, by index into FINDINGS) and example services.
MEETING = (
    "Working group: rural access",
    "Example venue (fictional)",
    "Example data. A session on what keeps children in rural areas playing, with the example services.",
)
AGENDA = [
    # kind, title, body, finding index, service index, chart
    (AgendaKind.WELCOME, None, None, None, None, None),
    (
        AgendaKind.TEXT,
        "Why rural access",
        "Example data.\nThree example services share what they found.",
        None,
        None,
        None,
    ),
    (AgendaKind.FINDING, None, "Ask the room whether they have seen the same.", 0, None, None),
    (AgendaKind.FINDING, None, None, 1, None, None),
    (AgendaKind.PARTNER, None, None, None, 0, None),
    (AgendaKind.CHART, None, None, None, None, meetings.CHART_KIND_BY_THEME),
    (AgendaKind.WALL, None, None, None, None, None),
]

ATTACHMENTS = [
    (0, "example-attendance-summary.csv", "text/csv", b"school,pupils_start,pupils_after_one_term\nA,28,4\nB,30,6\n"),
    (4, "example-youth-panel-notes.txt", "text/plain", b"Example data: notes from a fictional youth panel meeting.\n"),
]


@dataclass(frozen=True)
class DemoReport:
    partners: int
    projects: int
    findings: int
    comments: int
    attachments: int
    meetings: int = 0

    @property
    def summary(self) -> str:
        """The counts as a phrase, e.g. "3 services, 6 projects, 10 findings, 5 comments, 2 attachments, 1 session"."""
        return (
            f"{_counted(self.partners, 'service')}, {_counted(self.projects, 'project')}, "
            f"{_counted(self.findings, 'finding')}, {_counted(self.comments, 'comment')}, "
            f"{_counted(self.attachments, 'attachment')}, {_counted(self.meetings, 'session')}"
        )

    @property
    def empty(self) -> bool:
        return not any((self.partners, self.projects, self.findings, self.comments, self.attachments, self.meetings))


def has_demo(session: Session) -> bool:
    return bool(session.scalar(select(func.count(Partner.id)).where(Partner.is_example)))


def load(session: Session, *, today: dt.date | None = None, actor_name: str = "command line") -> DemoReport:
    """Add the example dataset unless it is already there, with an audit row naming ``actor_name``."""
    if has_demo(session):
        return DemoReport(0, 0, 0, 0, 0)
    now = dt.datetime.now(dt.UTC)
    today = today or now.date()
    themes = {theme.slug: theme for theme in session.scalars(select(Theme))}
    partners = []
    for slug, name, region, latitude, longitude in SERVICES:
        partner = Partner(
            slug=slug,
            name=EXAMPLE_PREFIX + name,
            short_name=name,
            region=region,
            local_authority="Example area (fictional)",
            latitude=latitude,
            longitude=longitude,
            is_example=True,
        )
        partner.roles = [
            PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH),
            PartnerRole(role=PartnerRoleKind.WORKING_GROUP),
        ]
        partners.append(partner)
    session.add_all(partners)

    projects = []
    for service, cycle, stage, title, question, theme_slugs in PROJECTS:
        start_year = int(cycle[:4])
        projects.append(
            Project(
                partner=partners[service],
                cycle=cycle,
                stage=stage,
                title=title,
                research_question=question,
                start_date=dt.date(start_year, 9, 1),
                end_date=dt.date(start_year + 1, 7, 31),
                lead_contact="Example contact (fictional)",
                summary=f"Example data. {question}",
                is_example=True,
                themes=[themes[slug] for slug in theme_slugs if slug in themes],
            )
        )
    session.add_all(projects)

    findings = []
    for number, (project, kind, status, visibility, title, summary) in enumerate(FINDINGS):
        created = now - dt.timedelta(days=60 - 5 * number)
        findings.append(
            Finding(
                project=projects[project],
                partner=projects[project].partner,
                cycle=projects[project].cycle,
                kind=kind,
                status=status,
                visibility=visibility,
                title=title,
                summary=summary,
                evidence_type="interviews",
                themes=list(projects[project].themes),
                is_example=True,
                created_at=created,
                updated_at=created,
                submitted_at=created + dt.timedelta(days=1) if status != FindingStatus.DRAFT else None,
                published_at=created + dt.timedelta(days=2) if status == FindingStatus.PUBLISHED else None,
                return_reason="Please add how many families took part." if status == FindingStatus.RETURNED else None,
            )
        )
    session.add_all(findings)

    for finding, kind, body in COMMENTS:
        session.add(Comment(finding=findings[finding], kind=kind, body=body, is_example=True))
    for finding, filename, content_type, data in ATTACHMENTS:
        session.add(
            Attachment(
                finding=findings[finding],
                filename=filename,
                original_name=filename,
                content_type=content_type,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                is_example=True,
                blob=AttachmentBlob(data=data),
            )
        )
    session.flush()  # the agenda points at the example findings and services by id
    title, place, description = MEETING
    meeting = Meeting(
        title=EXAMPLE_PREFIX + title,
        held_on=today - dt.timedelta(days=14),
        place=place,
        description=description,
        join_code=meetings.new_join_code(session),
        is_example=True,
    )
    for position, (kind, item_title, body, finding, service, chart) in enumerate(AGENDA):
        meeting.items.append(
            AgendaItem(
                position=position,
                kind=kind,
                title=item_title,
                body=body,
                finding_id=findings[finding].id if finding is not None else None,
                partner_id=partners[service].id if service is not None else None,
                chart=chart,
            )
        )
    session.add(meeting)
    session.flush()
    report = DemoReport(len(partners), len(projects), len(findings), len(COMMENTS), len(ATTACHMENTS), 1)
    audit.record(
        session,
        actor=None,
        actor_name=actor_name,
        action="example_data_loaded",
        entity_type="example_data",
        summary=report.summary,
    )
    return report


# How many ids or usernames a refusal names per kind of record before it says "and N more".
LISTED = 10


def _example_partners():
    return select(Partner.id).where(Partner.is_example)


def _example_projects():
    return select(Project.id).where(Project.is_example)


def _example_findings():
    return select(Finding.id).where(Finding.is_example)


def dependants(session: Session) -> list[str]:
    """Real records that point at example rows, one phrase per kind, e.g. "2 comments on example findings (ids 4, 7)".

    Empty when the example data can be removed without touching anything real. Each foreign key
    into an example table is either checked here or belongs to a link row that goes with its
    example parent (partner roles, theme links, attachment blobs).
    """
    real_comments = session.scalars(
        select(Comment.id)
        .where(Comment.is_example.is_(False), Comment.finding_id.in_(_example_findings()))
        .order_by(Comment.id)
    ).all()
    real_attachments = session.scalars(
        select(Attachment.id)
        .where(Attachment.is_example.is_(False), Attachment.finding_id.in_(_example_findings()))
        .order_by(Attachment.id)
    ).all()
    real_findings = session.scalars(
        select(Finding.id)
        .where(
            Finding.is_example.is_(False),
            or_(Finding.partner_id.in_(_example_partners()), Finding.project_id.in_(_example_projects())),
        )
        .order_by(Finding.id)
    ).all()
    real_projects = session.scalars(
        select(Project.id)
        .where(Project.is_example.is_(False), Project.partner_id.in_(_example_partners()))
        .order_by(Project.id)
    ).all()
    accounts = session.scalars(
        select(User.username).where(User.partner_id.in_(_example_partners())).order_by(User.username)
    ).all()

    found = []
    if real_comments:
        found.append(f"{_counted(len(real_comments), 'comment')} on example findings ({_ids(real_comments)})")
    if real_attachments:
        found.append(f"{_counted(len(real_attachments), 'attachment')} on example findings ({_ids(real_attachments)})")
    if real_findings:
        found.append(
            f"{_counted(len(real_findings), 'finding')} under an example service or project ({_ids(real_findings)})"
        )
    if real_projects:
        found.append(f"{_counted(len(real_projects), 'project')} of an example service ({_ids(real_projects)})")
    if accounts:
        verb = "belongs" if len(accounts) == 1 else "belong"
        found.append(f"{_counted(len(accounts), 'account')} {verb} to an example service ({_listed(accounts)})")
    return found


def remove(session: Session, *, actor_name: str = "command line") -> DemoReport:
    """Delete every example row and nothing else, with an audit row naming ``actor_name``.

    Raises Conflict, deleting nothing, while real records depend on example rows (see ``dependants``).
    """
    # Lock the example parents first, so nobody can attach a real comment, finding or account to one
    # between the check and the deletes (PostgreSQL; SQLite has one writer at a time anyway).
    for model in (Partner, Project, Finding):
        session.execute(select(model.id).where(model.is_example).order_by(model.id).with_for_update())
    found = dependants(session)
    if found:
        raise Conflict(
            "Example data was not removed: real records depend on it. "
            + "; ".join(found)
            + ". Move or delete these first, then run `python -m ctdash demo --remove` again."
        )
    counts = DemoReport(
        partners=session.scalar(select(func.count(Partner.id)).where(Partner.is_example)) or 0,
        projects=session.scalar(select(func.count(Project.id)).where(Project.is_example)) or 0,
        findings=session.scalar(select(func.count(Finding.id)).where(Finding.is_example)) or 0,
        comments=session.scalar(select(func.count(Comment.id)).where(Comment.is_example)) or 0,
        attachments=session.scalar(select(func.count(Attachment.id)).where(Attachment.is_example)) or 0,
        meetings=session.scalar(select(func.count(Meeting.id)).where(Meeting.is_example)) or 0,
    )
    if counts.empty:
        return counts
    # Children first, explicitly and each limited to example rows: bulk deletes skip ORM cascades,
    # and SQLite may have foreign keys off in someone's own shell.
    example_attachments = select(Attachment.id).where(Attachment.is_example)
    session.execute(delete(AttachmentBlob).where(AttachmentBlob.attachment_id.in_(example_attachments)))
    session.execute(delete(finding_themes).where(finding_themes.c.finding_id.in_(_example_findings())))
    session.execute(delete(project_themes).where(project_themes.c.project_id.in_(_example_projects())))
    session.execute(delete(Highlight).where(Highlight.finding_id.in_(_example_findings())))
    # Example sessions go whole, with their agendas and walls (a draft made from a wall post stays).
    example_meetings = select(Meeting.id).where(Meeting.is_example)
    for model in (AgendaItem, WallPost, WallJoin):
        session.execute(delete(model).where(model.meeting_id.in_(example_meetings)))
    session.execute(delete(Meeting).where(Meeting.is_example))
    # A real session keeps its agenda and wall: what pointed at an example finding or service now
    # points at nothing, and the presenter says the item is no longer available.
    for model in (AgendaItem, WallPost):
        session.execute(update(model).where(model.finding_id.in_(_example_findings())).values(finding_id=None))
        session.execute(update(model).where(model.partner_id.in_(_example_partners())).values(partner_id=None))
    for model in (Attachment, Comment, Finding, Project):
        session.execute(delete(model).where(model.is_example))
    session.execute(delete(PartnerRole).where(PartnerRole.partner_id.in_(_example_partners())))
    session.execute(delete(Partner).where(Partner.is_example))
    bump_revision(session)  # bulk deletes skip the flush hook
    audit.record(
        session,
        actor=None,
        actor_name=actor_name,
        action="example_data_removed",
        entity_type="example_data",
        summary=counts.summary,
    )
    return counts


def _ids(ids: list[int]) -> str:
    return ("id " if len(ids) == 1 else "ids ") + _listed([str(number) for number in ids])


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown if len(items) <= LISTED else f"{shown} and {len(items) - LISTED} more"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
