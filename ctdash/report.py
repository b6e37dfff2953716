"""The programme report: one cycle (academic year) of Changing Tracks for the programme's funder, as Word and PDF.

Only published content: partner services and their roles, the cycle's research projects counted by
stage, its published findings by kind and theme (with the charts the dashboard draws), the findings
facilitators chose as highlights, and the working group's sessions held in that academic year (1
September to 31 August). Example data is never counted. Facilitators and administrators build it
(``permissions.BUILD_REPORTS``) and choose the highlights (``permissions.CHOOSE_HIGHLIGHTS``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ctdash import audit, chart_images, charts, clock, documents, permissions
from ctdash.db import FINDINGS, MEETINGS, RESEARCH, reads
from ctdash.documents import long_date, one_line, trim
from ctdash.errors import InvalidInput, NotFound
from ctdash.markup import render_markdown
from ctdash.models import (
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
    finding_themes,
)
from ctdash.overview import Count
from ctdash.projects import normalise_cycle
from ctdash.text import clean_text
from ctdash.viewer import Viewer

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
MAX_NOTE = 500  # characters in a highlight's note (the column's size)
CYCLE_FORMAT = re.compile(r"^\d{4}-\d{2}$", re.ASCII)  # not other scripts' digits, which int() reads
KIND_LABELS = {"enabler": "Enablers", "barrier": "Barriers", "insight": "Insights"}


@dataclass(frozen=True)
class PartnerLine:
    name: str
    region: str
    roles: tuple[str, ...]  # e.g. "Action research partner, 2024-25", "Working-group member since 2021"


@dataclass(frozen=True)
class HighlightLine:
    finding_id: int
    title: str
    partner: str
    kind: str
    themes: tuple[str, ...]
    summary: str  # plain text, trimmed
    note: str  # the facilitator's note: why it matters
    chosen_by: str


@dataclass(frozen=True)
class SessionLine:
    title: str
    held_on: dt.date
    place: str


@dataclass(frozen=True)
class ProgrammeReport:
    cycle: str
    made_on: dt.date
    partners: tuple[PartnerLine, ...]
    projects_by_stage: tuple[Count, ...]  # every stage, in the board's order
    project_partners: int  # services with a project in the cycle
    findings_by_kind: tuple[Count, ...]  # enablers, barriers, insights
    findings_by_theme: charts.KindByTheme  # (theme slug, theme name, kind, count), for the theme chart
    highlights: tuple[HighlightLine, ...]
    sessions: tuple[SessionLine, ...]  # held in the academic year, in date order

    @property
    def projects(self) -> int:
        return sum(count.total for count in self.projects_by_stage)

    @property
    def findings(self) -> int:
        return sum(count.total for count in self.findings_by_kind)

    @property
    def numbers(self) -> tuple[tuple[str, str], ...]:
        """The headline numbers as label and value lines."""
        return (
            ("Partner services", str(len(self.partners))),
            ("Research projects", f"{self.projects} (by {self.project_partners} services)"),
            ("Published findings", str(self.findings)),
            ("Highlights", str(len(self.highlights))),
            ("Working-group sessions held", str(len(self.sessions))),
        )

    def stage_chart(self) -> dict:
        counts = [count for count in self.projects_by_stage if count.total] or list(self.projects_by_stage)
        return charts.bar_chart(counts, title=f"Research projects by stage, {self.cycle}")

    def stage_text(self) -> str:
        return charts.describe(list(self.projects_by_stage), noun=f"Research projects in {self.cycle}")

    def theme_chart(self) -> dict | None:
        return charts.kind_by_theme_chart(self.findings_by_theme)

    def theme_text(self) -> str:
        return charts.describe_kind_by_theme(self.findings_by_theme)


def check_cycle(cycle: str) -> str:
    """``cycle`` as 2024-25, or InvalidInput with the format to use."""
    text = str(cycle or "").strip()
    if not CYCLE_FORMAT.match(text):
        raise InvalidInput(f"{text[:40]!r} is not a cycle: write the academic year like 2024-25.")
    return normalise_cycle(text)


def academic_year(cycle: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the cycle's academic year: 1 September to 31 August."""
    first = int(cycle[:4])
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def _finding_cycle():
    """A finding's cycle: its own, or its project's when it has none."""
    return func.coalesce(Finding.cycle, Project.cycle)


def _published_in(cycle: str):
    return and_(
        Finding.status == FindingStatus.PUBLISHED,
        Finding.is_example.is_(False),
        _finding_cycle() == cycle,
    )


def _require_reports(viewer: Viewer | None) -> None:
    if viewer is not None:
        permissions.require(viewer, permissions.BUILD_REPORTS)


@reads(RESEARCH, FINDINGS)
def cycles(session: Session, *, viewer: Viewer | None = None) -> tuple[str, ...]:
    """The cycles with published findings or research projects, newest first."""
    _require_reports(viewer)
    found = set(
        session.scalars(
            select(_finding_cycle())
            .select_from(Finding)
            .outerjoin(Project, Finding.project_id == Project.id)
            .where(Finding.status == FindingStatus.PUBLISHED, Finding.is_example.is_(False))
            .distinct()
        )
    )
    found |= set(session.scalars(select(Project.cycle).where(Project.is_example.is_(False)).distinct()))
    return tuple(sorted((cycle for cycle in found if cycle), reverse=True))


@reads(RESEARCH, FINDINGS, MEETINGS)
def gather(session: Session, cycle: str, *, viewer: Viewer | None = None) -> ProgrammeReport:
    """Everything the report on ``cycle`` says; InvalidInput for a malformed cycle.

    ``viewer``, when given (pages), must be a facilitator or administrator; the command line passes none.
    """
    _require_reports(viewer)
    cycle = check_cycle(cycle)
    return ProgrammeReport(
        cycle=cycle,
        made_on=clock.now().date(),
        partners=_partners(session, cycle),
        projects_by_stage=_projects_by_stage(session, cycle),
        project_partners=session.scalar(
            select(func.count(func.distinct(Project.partner_id))).where(
                Project.cycle == cycle, Project.is_example.is_(False)
            )
        )
        or 0,
        findings_by_kind=_findings_by_kind(session, cycle),
        findings_by_theme=_findings_by_theme(session, cycle),
        highlights=_highlights(session, cycle),
        sessions=_sessions(session, cycle),
    )


def _partners(session: Session, cycle: str) -> tuple[PartnerLine, ...]:
    """Active services with a role in the cycle: its action research partners (and those whose cycles are
    not recorded, said so), and working-group members who had joined by the cycle's start."""
    start_year = int(cycle[:4])
    rows = session.execute(
        select(Partner.id, Partner.name, Partner.region, PartnerRole.role, PartnerRole.cycle, PartnerRole.since_year)
        .join(PartnerRole, PartnerRole.partner_id == Partner.id)
        .where(
            Partner.active,
            Partner.is_example.is_(False),
            or_(
                and_(
                    PartnerRole.role == PartnerRoleKind.ACTION_RESEARCH,
                    or_(PartnerRole.cycle == cycle, PartnerRole.cycle.is_(None)),
                ),
                and_(
                    PartnerRole.role == PartnerRoleKind.WORKING_GROUP,
                    or_(PartnerRole.since_year.is_(None), PartnerRole.since_year <= start_year),
                ),
            ),
        )
        .order_by(Partner.name, PartnerRole.role, PartnerRole.id)
    ).all()
    roles: dict[int, list[str]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    for partner_id, name, region, role, role_cycle, since_year in rows:
        names[partner_id] = (name, region or "")
        if role == PartnerRoleKind.ACTION_RESEARCH:
            line = "Action research partner" + (f", {role_cycle}" if role_cycle else " (cycles not recorded)")
        else:
            line = "Working-group member" + (f" since {since_year}" if since_year else "")
        if line not in roles[partner_id]:
            roles[partner_id].append(line)
    ordered = sorted(names, key=lambda partner_id: names[partner_id][0].casefold())
    return tuple(PartnerLine(names[key][0], names[key][1], tuple(roles[key])) for key in ordered)


def _projects_by_stage(session: Session, cycle: str) -> tuple[Count, ...]:
    found = dict(
        session.execute(
            select(Project.stage, func.count())
            .where(Project.cycle == cycle, Project.is_example.is_(False))
            .group_by(Project.stage)
        ).all()
    )
    return tuple(Count(stage.value, found.get(stage, 0)) for stage in ProjectStage)


def _findings_by_kind(session: Session, cycle: str) -> tuple[Count, ...]:
    found = dict(
        session.execute(
            select(Finding.kind, func.count())
            .select_from(Finding)
            .outerjoin(Project, Finding.project_id == Project.id)
            .where(_published_in(cycle))
            .group_by(Finding.kind)
        ).all()
    )
    return tuple(Count(kind.value, found.get(kind, 0)) for kind in FindingKind)


def _findings_by_theme(session: Session, cycle: str) -> charts.KindByTheme:
    rows = session.execute(
        select(Theme.slug, Theme.name, Finding.kind, func.count())
        .select_from(Finding)
        .outerjoin(Project, Finding.project_id == Project.id)
        .join(finding_themes, finding_themes.c.finding_id == Finding.id)
        .join(Theme, Theme.id == finding_themes.c.theme_id)
        .where(_published_in(cycle))
        .group_by(Theme.slug, Theme.name, Theme.position, Finding.kind)
        .order_by(Theme.position, Theme.slug, Finding.kind)
    ).all()
    return tuple((slug, name, kind.value if kind else charts.OTHER_KIND, total) for slug, name, kind, total in rows)


def _highlights(session: Session, cycle: str) -> tuple[HighlightLine, ...]:
    rows = session.execute(
        select(Finding, Partner.name, Highlight.note, User.display_name)
        .join(Highlight, Highlight.finding_id == Finding.id)
        .join(Partner, Partner.id == Finding.partner_id)
        .outerjoin(Project, Finding.project_id == Project.id)
        .outerjoin(User, User.id == Highlight.chosen_by_id)
        .where(_published_in(cycle))
        .order_by(Finding.published_at, Finding.id)
    ).all()
    themes = _theme_names(session, [row[0].id for row in rows])
    return tuple(
        HighlightLine(
            finding_id=finding.id,
            title=finding.title,
            partner=partner,
            kind=finding.kind.value if finding.kind else "",
            themes=themes.get(finding.id, ()),
            summary=plain_summary(finding.summary),
            note=note or "",
            chosen_by=chosen_by or "",
        )
        for finding, partner, note, chosen_by in rows
    )


def _theme_names(session: Session, finding_ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not finding_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for finding_id, name in session.execute(
        select(finding_themes.c.finding_id, Theme.name)
        .join(Theme, Theme.id == finding_themes.c.theme_id)
        .where(finding_themes.c.finding_id.in_(finding_ids))
        .order_by(Theme.position)
    ):
        found[finding_id].append(name)
    return {key: tuple(value) for key, value in found.items()}


def _sessions(session: Session, cycle: str) -> tuple[SessionLine, ...]:
    """Sessions held in the academic year, up to today (a planned one is not yet held)."""
    first, last = academic_year(cycle)
    last = min(last, clock.now().date())
    rows = session.execute(
        select(Meeting.title, Meeting.held_on, Meeting.place)
        .where(Meeting.held_on >= first, Meeting.held_on <= last, Meeting.is_example.is_(False))
        .order_by(Meeting.held_on, Meeting.id)
    ).all()
    return tuple(SessionLine(title, held_on, place or "") for title, held_on, place in rows)


_MARKS = re.compile(r"(\*\*|__|[*_`#>]|^\s*[-+]\s+)", re.MULTILINE)
_LINKS = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")


def plain_summary(markdown: str | None, limit: int = 700) -> str:
    """A finding's markdown summary as plain text for a document, trimmed at a word."""
    text = _LINKS.sub(lambda match: match.group(1), render_markdown(markdown))
    text = _MARKS.sub("", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return trim(" ".join(text.split()), limit)


# --- highlights -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A published finding of a cycle that may be chosen as a highlight, and whether it is one."""

    finding_id: int
    title: str
    partner: str
    kind: str
    chosen: bool
    note: str


@reads(FINDINGS)
def highlight_choices(session: Session, cycle: str, *, viewer: Viewer | None = None) -> tuple[Choice, ...]:
    """The cycle's published findings (newest first), each marked if it is a highlight."""
    if viewer is not None:
        permissions.require(viewer, permissions.CHOOSE_HIGHLIGHTS)
    cycle = check_cycle(cycle)
    rows = session.execute(
        select(Finding.id, Finding.title, Partner.name, Finding.kind, Highlight.finding_id, Highlight.note)
        .join(Partner, Partner.id == Finding.partner_id)
        .outerjoin(Project, Finding.project_id == Project.id)
        .outerjoin(Highlight, Highlight.finding_id == Finding.id)
        .where(_published_in(cycle))
        .order_by(Finding.published_at.desc(), Finding.id.desc())
    ).all()
    return tuple(
        Choice(finding_id, title, partner, kind.value if kind else "", chosen is not None, note or "")
        for finding_id, title, partner, kind, chosen, note in rows
    )


def highlights(session: Session, cycle: str, *, viewer: Viewer | None = None) -> tuple[HighlightLine, ...]:
    """The highlights of ``cycle``: chosen, published findings of that cycle, oldest first."""
    _require_reports(viewer)
    return _highlights(session, check_cycle(cycle))


def choose_highlight(session: Session, finding_id: int, *, viewer: Viewer, note: str = "") -> None:
    """Make a published finding a highlight of the programme report, with a note (or change its note). Audited."""
    permissions.require(viewer, permissions.CHOOSE_HIGHLIGHTS)
    text = clean_text(note, field="The note", limit=MAX_NOTE, multiline=True) or None
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound("That finding does not exist; choose one from the list.")
    if finding.status != FindingStatus.PUBLISHED:
        raise InvalidInput("Only a published finding can be a highlight; publish it first, then choose it.")
    existing = session.get(Highlight, finding_id)
    if existing is None:
        session.add(Highlight(finding_id=finding_id, note=text, chosen_by_id=viewer.user_id))
        summary = f"{finding.title}: chosen as a highlight" + (f" ({text})" if text else "")
    elif (existing.note or None) != text:
        existing.note = text
        summary = f"{finding.title}: highlight note changed"
    else:
        return
    session.flush()
    audit.record(
        session, actor=viewer, action="highlight_chosen", entity_type="finding", entity_id=finding_id, summary=summary
    )


def drop_highlight(session: Session, finding_id: int, *, viewer: Viewer) -> bool:
    """Take a finding out of the report's highlights; False if it was not one. Audited."""
    permissions.require(viewer, permissions.CHOOSE_HIGHLIGHTS)
    existing = session.get(Highlight, finding_id)
    if existing is None:
        return False
    title = session.scalar(select(Finding.title).where(Finding.id == finding_id)) or f"finding {finding_id}"
    session.delete(existing)
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="highlight_dropped",
        entity_type="finding",
        entity_id=finding_id,
        summary=f"{title}: no longer a highlight",
    )
    return True


# --- the documents ---------------------------------------------------------------------------------


FORMATS = {"docx": DOCX_MIME, "pdf": PDF_MIME}


def file_name(cycle: str, extension: str) -> str:
    return f"changing-tracks-report-{cycle}.{extension}"


@reads(RESEARCH, FINDINGS, MEETINGS)
def document(session: Session, *, viewer: Viewer | None = None, cycle: str, kind: str) -> bytes:
    """The report on ``cycle`` as a file: ``kind`` "docx" or "pdf" (a read service, so pages cache it)."""
    if kind not in FORMATS:
        raise InvalidInput("Choose Word (.docx) or PDF for the report.")
    gathered = gather(session, cycle, viewer=viewer)
    return to_docx(gathered) if kind == "docx" else to_pdf(gathered)


def title_of(report: ProgrammeReport) -> str:
    return f"Changing Tracks programme report {report.cycle}"


def _stage_rows(report: ProgrammeReport) -> list[tuple[str, str]]:
    stages = [(count.label.capitalize(), str(count.total)) for count in report.projects_by_stage]
    return [("Stage", "Projects"), *stages]


def _kind_rows(report: ProgrammeReport) -> list[tuple[str, str]]:
    return [("Kind", "Published findings")] + [
        (KIND_LABELS.get(count.label, count.label), str(count.total)) for count in report.findings_by_kind
    ]


def _theme_rows(report: ProgrammeReport) -> list[tuple[str, ...]]:
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    for slug, name, kind, total in report.findings_by_theme:
        names[slug] = name
        totals[slug][kind] = totals[slug].get(kind, 0) + total
    header = ("Theme", "Enablers", "Barriers", "Insights", "Total")
    rows = [
        (
            names[slug],
            *(str(totals[slug].get(kind, 0)) for kind in ("enabler", "barrier", "insight")),
            str(sum(totals[slug].values())),
        )
        for slug in sorted(names, key=lambda slug: (-sum(totals[slug].values()), names[slug].casefold()))
    ]
    return [header, *rows]


def _introduction(report: ProgrammeReport) -> str:
    first, last = academic_year(report.cycle)
    return (
        f"Changing Tracks in the {report.cycle} academic year ({long_date(first)} to {long_date(last)}), "
        f"from the working group's shared dashboard on {long_date(report.made_on)}. Only published content "
        "is counted: published findings (public and working-group-only), never drafts or findings under review."
    )


def _chart_png(spec: dict | None, width_px: int) -> bytes | None:
    if spec is None:
        return None
    try:
        return chart_images.png(spec, width_px=width_px)
    except InvalidInput:
        return None


def to_docx(report: ProgrammeReport) -> bytes:
    """The report as a Word document: headings, tables, chart pictures (with alt text) and page numbers."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.0))
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = title_of(report)
    document.core_properties.author = "Changing Tracks inclusion dashboard"
    _page_numbers(section)

    document.add_heading(title_of(report), level=0)
    document.add_paragraph(_introduction(report))
    _docx_table(document, [("", ""), *report.numbers], header=False)

    document.add_heading("Partner services and their roles", level=1)
    if report.partners:
        _docx_table(
            document,
            [("Partner service", "Region", "Roles")]
            + [(partner.name, partner.region, "; ".join(partner.roles)) for partner in report.partners],
        )
    else:
        document.add_paragraph("No partner service has a role recorded for this cycle.")

    document.add_heading("Research projects by stage", level=1)
    document.add_paragraph(report.stage_text())
    _docx_table(document, _stage_rows(report))
    _docx_picture(document, _chart_png(report.stage_chart(), 1100), report.stage_text(), Cm(16))

    document.add_heading("Published findings by kind and theme", level=1)
    _docx_table(document, _kind_rows(report))
    document.add_paragraph(report.theme_text())
    if report.findings_by_theme:
        _docx_table(document, _theme_rows(report))
    _docx_picture(document, _chart_png(report.theme_chart(), 1100), report.theme_text(), Cm(16))

    document.add_heading("Highlights", level=1)
    if not report.highlights:
        document.add_paragraph("No findings of this cycle were chosen as highlights.")
    for highlight in report.highlights:
        document.add_heading(one_line(highlight.title, 200), level=2)
        details = [highlight.partner, highlight.kind, ", ".join(highlight.themes)]
        document.add_paragraph(one_line(" · ".join(part for part in details if part)))
        if highlight.note:
            paragraph = document.add_paragraph()
            paragraph.add_run("Why it matters: ").bold = True
            paragraph.add_run(one_line(highlight.note))
        if highlight.summary:
            document.add_paragraph(one_line(highlight.summary))

    document.add_heading("Working-group sessions held", level=1)
    document.add_paragraph(_sessions_sentence(report))
    if report.sessions:
        _docx_table(
            document,
            [("Date", "Session", "Place")]
            + [(long_date(item.held_on), item.title, item.place) for item in report.sessions],
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _sessions_sentence(report: ProgrammeReport) -> str:
    count = len(report.sessions)
    first, last = academic_year(report.cycle)
    if not count:
        return f"No working-group sessions are recorded between {long_date(first)} and {long_date(last)}."
    return f"{count} working-group session{'s' if count != 1 else ''} held in {report.cycle}."


def _docx_table(document, rows, *, header: bool = True) -> None:
    rows = [[one_line(cell, 400) for cell in row] for row in rows]
    if not header:
        rows = rows[1:]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Light Grid Accent 1"
    for row_index, row in enumerate(rows):
        for column, text in enumerate(row):
            cell = table.cell(row_index, column)
            cell.text = text
            if header and row_index == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    document.add_paragraph()


def _docx_picture(document, png: bytes | None, alt_text: str, width) -> None:
    if png is None:
        return
    shape = document.add_picture(io.BytesIO(png), width=width)
    shape._inline.docPr.set("descr", one_line(alt_text, 2000))  # Word's alt text
    document.add_paragraph()


def _page_numbers(section) -> None:
    """'Page N' in the footer, as a field Word and LibreOffice fill in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.text = "Changing Tracks programme report · page "
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def to_pdf(report: ProgrammeReport) -> bytes:
    """The report as an A4 PDF with the same content as the Word document."""
    pdf = documents.PdfDocument(title=title_of(report), footer_text=title_of(report))
    pdf.add_page()
    pdf.heading(title_of(report), size=20, keep_with=20)
    pdf.prose(_introduction(report), grey=True)
    pdf.ln(2)
    pdf.facts(report.numbers)

    pdf.heading("Partner services and their roles")
    if report.partners:
        pdf.table_of(
            [("Partner service", "Region", "Roles")]
            + [(partner.name, partner.region, "; ".join(partner.roles)) for partner in report.partners],
            widths=(5, 3, 5),
        )
    else:
        pdf.prose("No partner service has a role recorded for this cycle.")

    pdf.heading("Research projects by stage", keep_with=60)
    pdf.prose(report.stage_text())
    pdf.table_of(_stage_rows(report), widths=(3, 1))
    stage_png = _chart_png(report.stage_chart(), 1000)
    if stage_png:
        pdf.picture(stage_png, alt_text=report.stage_text(), max_height=80)

    pdf.heading("Published findings by kind and theme", keep_with=60)
    pdf.table_of(_kind_rows(report), widths=(3, 1))
    pdf.prose(report.theme_text())
    if report.findings_by_theme:
        pdf.table_of(_theme_rows(report), widths=(5, 1, 1, 1, 1))
    theme_png = _chart_png(report.theme_chart(), 1000)
    if theme_png:
        pdf.picture(theme_png, alt_text=report.theme_text(), max_height=150)

    pdf.heading("Highlights")
    if not report.highlights:
        pdf.prose("No findings of this cycle were chosen as highlights.")
    for highlight in report.highlights:
        pdf.heading(highlight.title, size=13, keep_with=25)
        details = [highlight.partner, highlight.kind, ", ".join(highlight.themes)]
        pdf.prose(" · ".join(part for part in details if part), grey=True)
        if highlight.note:
            pdf.facts((("Why it matters", highlight.note),))
        if highlight.summary:
            pdf.prose(highlight.summary)

    pdf.heading("Working-group sessions held")
    pdf.prose(_sessions_sentence(report))
    if report.sessions:
        pdf.table_of(
            [("Date", "Session", "Place")]
            + [(long_date(item.held_on), item.title, item.place) for item in report.sessions],
            widths=(3, 4, 3),
        )
    return pdf.to_bytes()
