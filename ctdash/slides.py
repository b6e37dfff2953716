"""A working-group session's agenda as slides: what the presenter view shows and the meeting pack prints.

One ``Deck`` per session and viewer, made only of what may be presented: published findings (public
ones only when the session is presented to the public), never contact details, never a draft. An
item that cannot be shown becomes a slide with ``unavailable`` set, so the next one still works.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ctdash import charts, findings, permissions, wall
from ctdash.db import FINDINGS, MEETINGS, RESEARCH, WALL, reads
from ctdash.errors import NotFound, PermissionDenied
from ctdash.format import label
from ctdash.markup import render_markdown
from ctdash.meetings import CHART_KIND_BY_CYCLE, CHART_KIND_BY_THEME, CHART_THEME_BY_PARTNER, CHARTS
from ctdash.models import (
    AgendaItem,
    AgendaKind,
    Finding,
    FindingStatus,
    Meeting,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
    Theme,
    Visibility,
    finding_themes,
)
from ctdash.overview import Count
from ctdash.partners import ROLE_LABELS
from ctdash.viewer import Viewer


@dataclass(frozen=True)
class WallTheme:
    """One theme's posts on a session's live wall, for the wall slide and the pack's summary."""

    theme: str  # "No theme given" for posts without one
    enablers: int
    barriers: int
    posts: tuple[str, ...]  # the shown posts' words, newest first


@dataclass(frozen=True)
class Slide:
    kind: AgendaKind
    title: str
    subtitle: str = ""  # e.g. the service, cycle and kind of a finding
    body: str = ""  # plain text, paragraphs separated by blank lines (never markdown or HTML)
    quote: str = ""  # a finding's key quote
    facts: tuple[tuple[str, str], ...] = ()  # label and value lines: counts, stage, region
    chart: dict | None = None  # a Vega-Lite spec from ctdash.charts: drawn on screen, a picture in packs
    chart_text: str = ""  # the chart's text alternative
    table: tuple[tuple[str, ...], ...] = ()  # rows for the map and the status board; the first row is the header
    wall: tuple[WallTheme, ...] = ()  # the wall slide's posts by theme
    note: str = ""  # the presenter's note for this item
    unavailable: str = ""  # set when the item cannot be shown: one calm sentence instead of its content


@dataclass(frozen=True)
class Deck:
    meeting_id: int
    title: str
    held_on: dt.date
    place: str
    description: str
    join_code: str
    public_only: bool
    slides: tuple[Slide, ...]


# --- building a deck ------------------------------------------------------------------------------
#
# ``build`` reads the agenda and makes one Slide per item. Each item is built on its own (inside a
# savepoint, so a failed statement cannot spoil the transaction for the items after it): whatever
# goes wrong with one item is logged and that slide says so calmly, and the rest of the deck is
# unaffected. What may be presented is decided here, never by a page: published findings only,
# public ones only when the session is presented in public, and never a name, email or phone of a
# contact, nor a finding's author.

log = logging.getLogger("ctdash")

KIND_TITLES = {
    AgendaKind.WELCOME: "Welcome",
    AgendaKind.FINDING: "A finding",
    AgendaKind.PARTNER: "A partner service",
    AgendaKind.MAP: "Partner services in the programme",
    AgendaKind.STATUS: "Research status",
    AgendaKind.CHART: "Findings in the library",
    AgendaKind.TEXT: "",
    AgendaKind.WALL: "Live wall: your reflections",
}
MAP_ROLES = {  # short, so the map's table of every service fits a screen
    PartnerRoleKind.ACTION_RESEARCH: "Action research",
    PartnerRoleKind.WORKING_GROUP: "Working group",
}
ROLE_COUNTS = {
    PartnerRoleKind.ACTION_RESEARCH: "Action research partners",
    PartnerRoleKind.WORKING_GROUP: "Working-group members",
}
FAILED = "This item could not be prepared and the problem has been logged; carry on with the next one."
FINDING_GONE = "This finding has been deleted, so there is nothing to present; take it off the agenda."
FINDING_UNPUBLISHED = "This finding is not published yet, so it is not presented; show it once it is published."
FINDING_GROUP_ONLY = "This finding is for the working group only, so it is not shown in a public session."
PARTNER_GONE = "This partner service is no longer in the dashboard; take it off the agenda."
CHART_UNKNOWN = "This item names a chart the library does not draw; choose one of its charts for it."
NO_SESSION = "That session does not exist; open one from the sessions list."
SIGN_IN = "Sign in to see a session's agenda."
WALL_INVITATION = "Scan the code or type the address to post a barrier or an enabler in a sentence."


@reads(MEETINGS, FINDINGS, RESEARCH)
def build(session: Session, meeting_id: int, *, viewer: Viewer, public_only: bool | None = None) -> Deck:
    """The session's agenda as slides, in order; ``public_only`` None takes the session's own setting.

    Raises NotFound for a session that does not exist and PermissionDenied for visitors (they see only
    a session's wall). One item that cannot be shown becomes a slide with ``unavailable`` set.
    """
    if not viewer.signed_in:
        raise PermissionDenied(SIGN_IN)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(NO_SESSION)
    public = meeting.public_only if public_only is None else bool(public_only)
    items = session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    context = _Context(session=session, viewer=viewer, meeting=meeting, public_only=public)
    return Deck(
        meeting_id=meeting.id,
        title=meeting.title,
        held_on=meeting.held_on,
        place=meeting.place or "",
        description=plain_text(meeting.description),
        join_code=meeting.join_code,
        public_only=public,
        slides=tuple(_slide(context, item) for item in items),
    )


@reads(MEETINGS, FINDINGS, RESEARCH, WALL)
def for_pack(session: Session, meeting_id: int, *, viewer: Viewer, public_only: bool | None = None) -> Deck:
    """``build``'s deck with the wall's shown posts by theme on its wall slides, for the meeting pack.

    The presenter's deck leaves them out on purpose (the wall slide draws the live wall, and a post
    must not make the deck's cache cold); a pack is a record of the session, wall included. A viewer
    who may not see the wall (a member, once it is closed) gets the pack without its posts.
    """
    deck = build(session, meeting_id, viewer=viewer, public_only=public_only)
    if not any(slide.kind == AgendaKind.WALL for slide in deck.slides):
        return deck
    try:
        board = wall.board(session, viewer=viewer, meeting_id=meeting_id)
    except NotFound:
        return deck
    themes = tuple(
        WallTheme(group.theme, group.enablers, group.barriers, tuple(post.body for post in group.posts))
        for group in board.groups
    )
    slides = tuple(replace(slide, wall=themes) if slide.kind == AgendaKind.WALL else slide for slide in deck.slides)
    return replace(deck, slides=slides)


@dataclass(frozen=True)
class _Context:
    session: Session
    viewer: Viewer
    meeting: Meeting
    public_only: bool


def _slide(context: _Context, item: AgendaItem) -> Slide:
    """One item's slide; anything unexpected is logged and becomes a calm unavailable slide."""
    note = "" if item.kind == AgendaKind.TEXT else plain_text(item.body)
    try:
        with context.session.begin_nested():
            slide = _BUILDERS[item.kind](context, item)
    except Exception:
        log.exception("agenda item %s of session %s could not be turned into a slide", item.id, item.meeting_id)
        slide = Slide(kind=item.kind, title=_title(item), unavailable=FAILED)
    return replace(slide, note=note) if note else slide


def _title(item: AgendaItem, default: str | None = None) -> str:
    return (item.title or "").strip() or (default if default is not None else KIND_TITLES[item.kind])


def _welcome(context: _Context, item: AgendaItem) -> Slide:
    meeting = context.meeting
    when_and_where = " · ".join(part for part in (long_date(meeting.held_on), (meeting.place or "").strip()) if part)
    return Slide(
        kind=item.kind,
        title=_title(item, meeting.title),
        subtitle=when_and_where,
        body=plain_text(meeting.description),
    )


def _finding(context: _Context, item: AgendaItem) -> Slide:
    title = _title(item)
    if item.finding_id is None:
        return Slide(kind=item.kind, title=title, unavailable=FINDING_GONE)
    finding = context.session.scalar(
        select(Finding)
        .where(Finding.id == item.finding_id)
        .options(selectinload(Finding.themes), selectinload(Finding.partner))
    )
    if finding is None:
        return Slide(kind=item.kind, title=title, unavailable=FINDING_GONE)
    if finding.status != FindingStatus.PUBLISHED:
        return Slide(kind=item.kind, title=title, unavailable=FINDING_UNPUBLISHED)
    if context.public_only and finding.visibility != Visibility.PUBLIC:
        return Slide(kind=item.kind, title=title, unavailable=FINDING_GROUP_ONLY)
    visible = context.session.scalar(
        select(Finding.id).where(Finding.id == finding.id, permissions.visible_findings(context.viewer))
    )
    if visible is None:  # a published finding every signed-in person sees; a visitor's deck has none but public ones
        return Slide(kind=item.kind, title=title, unavailable=FINDING_GROUP_ONLY)
    kind = findings.KIND_LABELS.get(finding.kind, "") if finding.kind else ""
    subtitle = " · ".join(part for part in (finding.partner.short_name, finding.cycle or "", kind) if part)
    facts = []
    if finding.themes:
        facts.append(("Themes", ", ".join(theme.name for theme in finding.themes)))
    if finding.evidence_type:
        facts.append(("Evidence", finding.evidence_type))
    return Slide(
        kind=item.kind,
        title=finding.title,
        subtitle=subtitle,
        body=plain_text(finding.summary),
        quote=" ".join((finding.key_quote or "").split()),
        facts=tuple(facts),
    )


def _partner(context: _Context, item: AgendaItem) -> Slide:
    partner = context.session.get(Partner, item.partner_id) if item.partner_id is not None else None
    if partner is None:
        return Slide(kind=item.kind, title=_title(item), unavailable=PARTNER_GONE)
    roles = context.session.scalars(
        select(PartnerRole).where(PartnerRole.partner_id == partner.id).order_by(PartnerRole.id)
    ).all()
    places = (("Region", partner.region), ("Area", partner.local_authority))
    facts = [(name, value) for name, value in places if value]
    held = _role_lines(roles)
    if held:
        facts.append(("Roles", "; ".join(held)))
    published = select(func.count()).where(Finding.partner_id == partner.id, *_presentable(context))
    facts.append(("Published findings", str(context.session.scalar(published) or 0)))
    # Contact names and emails are never read here: a deck is shown to a room and printed in packs.
    return Slide(
        kind=item.kind,
        title=partner.name,
        subtitle=partner.lead_organisation or "",
        body=plain_text(partner.profile_text),
        facts=tuple(facts),
    )


def _role_lines(roles) -> list[str]:
    """'Action research partner (2023-24, 2024-25)', 'Working-group member since 2021'."""
    cycles = sorted({role.cycle for role in roles if role.role == PartnerRoleKind.ACTION_RESEARCH and role.cycle})
    since = [role.since_year for role in roles if role.role == PartnerRoleKind.WORKING_GROUP and role.since_year]
    lines = []
    if any(role.role == PartnerRoleKind.ACTION_RESEARCH for role in roles):
        label = ROLE_LABELS[PartnerRoleKind.ACTION_RESEARCH]
        lines.append(f"{label} ({', '.join(cycles)})" if cycles else label)
    if any(role.role == PartnerRoleKind.WORKING_GROUP for role in roles):
        label = ROLE_LABELS[PartnerRoleKind.WORKING_GROUP]
        lines.append(f"{label} since {min(since)}" if since else label)
    return lines


def _map(context: _Context, item: AgendaItem) -> Slide:
    partners = context.session.execute(
        select(Partner.id, Partner.name, Partner.region).where(Partner.active).order_by(Partner.name, Partner.id)
    ).all()
    held: dict[int, set[PartnerRoleKind]] = {}
    for partner_id, role in context.session.execute(select(PartnerRole.partner_id, PartnerRole.role).distinct()):
        held.setdefault(partner_id, set()).add(role)
    rows = [("Partner service", "Region", "Roles")]
    for partner in partners:
        kinds = held.get(partner.id, set())
        roles = " · ".join(words for kind, words in MAP_ROLES.items() if kind in kinds)
        rows.append((partner.name, partner.region or "", roles))
    facts = [("Partner services", str(len(partners)))]
    for kind, name in ROLE_COUNTS.items():
        facts.append((name, str(sum(1 for partner in partners if kind in held.get(partner.id, set())))))
    regions = len({partner.region for partner in partners if partner.region})
    if regions:
        facts.append(("Regions", str(regions)))
    return Slide(kind=item.kind, title=_title(item), facts=tuple(facts), table=tuple(rows))


def _status(context: _Context, item: AgendaItem) -> Slide:
    if not permissions.sees_working_group_work(context.viewer):
        raise PermissionDenied("Sign in to see the research status.")  # build refuses visitors first; kept for safety
    found = dict(context.session.execute(select(Project.stage, func.count()).group_by(Project.stage)).all())
    counts = [Count(label(stage.value), int(found.get(stage, 0))) for stage in ProjectStage]
    total = sum(count.total for count in counts)
    cycles = context.session.execute(select(func.min(Project.cycle), func.max(Project.cycle))).one()
    facts = [("Research projects", str(total))]
    if cycles[0]:
        facts.append(("Cycles", cycles[0] if cycles[0] == cycles[1] else f"{cycles[0]} to {cycles[1]}"))
    rows = [("Stage", "Projects"), *((count.label, str(count.total)) for count in counts)]
    # Only counts: project titles and leads are the working group's, and a session may be public.
    return Slide(
        kind=item.kind,
        title=_title(item),
        facts=tuple(facts),
        chart=charts.bar_chart(counts, title="Research projects by stage") if total else None,
        chart_text=charts.describe(counts, noun="Research projects"),
        table=tuple(rows),
    )


def _chart(context: _Context, item: AgendaItem) -> Slide:
    name = (item.chart or "").strip()
    if name not in CHARTS:
        return Slide(kind=item.kind, title=_title(item), unavailable=CHART_UNKNOWN)
    read, draw, describe = _CHART_PARTS[name]
    rows = read(context.session, _presentable(context))
    return Slide(kind=item.kind, title=_title(item, CHARTS[name]), chart=draw(rows), chart_text=describe(rows))


def _presentable(context: _Context) -> tuple:
    """WHERE clauses for the findings a session may show: published, public when in public, and seen by the viewer."""
    clauses = [Finding.status == FindingStatus.PUBLISHED, permissions.visible_findings(context.viewer)]
    if context.public_only:
        clauses.append(Finding.visibility == Visibility.PUBLIC)
    return tuple(clauses)


def _kind_by_theme(session: Session, scope: tuple) -> charts.KindByTheme:
    rows = session.execute(
        select(Theme.slug, Theme.name, Finding.kind, func.count())
        .join(finding_themes, finding_themes.c.theme_id == Theme.id)
        .join(Finding, Finding.id == finding_themes.c.finding_id)
        .where(*scope, Finding.kind.is_not(None))
        .group_by(Theme.slug, Theme.name, Finding.kind)
        .order_by(Theme.slug, Finding.kind)
    ).all()
    return tuple((slug, name, kind.value, int(total)) for slug, name, kind, total in rows)


def _kind_by_cycle(session: Session, scope: tuple) -> charts.KindByCycle:
    rows = session.execute(
        select(Finding.cycle, Finding.kind, func.count())
        .where(*scope, Finding.kind.is_not(None), Finding.cycle.is_not(None))
        .group_by(Finding.cycle, Finding.kind)
        .order_by(Finding.cycle, Finding.kind)
    ).all()
    return tuple((cycle, kind.value, int(total)) for cycle, kind, total in rows)


def _theme_by_partner(session: Session, scope: tuple) -> charts.ThemeByPartner:
    rows = session.execute(
        select(Theme.slug, Theme.name, Partner.slug, Partner.short_name, func.count())
        .join(finding_themes, finding_themes.c.theme_id == Theme.id)
        .join(Finding, Finding.id == finding_themes.c.finding_id)
        .join(Partner, Partner.id == Finding.partner_id)
        .where(*scope)
        .group_by(Theme.slug, Theme.name, Partner.slug, Partner.short_name)
        .order_by(Theme.slug, Partner.slug)
    ).all()
    return tuple((theme, name, partner, short_name, int(total)) for theme, name, partner, short_name, total in rows)


# Each chart a session can show: how its rows are read, drawn and described in words.
_CHART_PARTS = {
    CHART_KIND_BY_THEME: (_kind_by_theme, charts.kind_by_theme_chart, charts.describe_kind_by_theme),
    CHART_KIND_BY_CYCLE: (_kind_by_cycle, charts.kind_by_cycle_chart, charts.describe_kind_by_cycle),
    CHART_THEME_BY_PARTNER: (_theme_by_partner, charts.theme_partner_heatmap, charts.describe_theme_partner),
}


def _text(context: _Context, item: AgendaItem) -> Slide:
    return Slide(kind=item.kind, title=_title(item), body=plain_text(item.body))


def _wall(context: _Context, item: AgendaItem) -> Slide:
    return Slide(kind=item.kind, title=_title(item), body=WALL_INVITATION)


_BUILDERS = {
    AgendaKind.WELCOME: _welcome,
    AgendaKind.FINDING: _finding,
    AgendaKind.PARTNER: _partner,
    AgendaKind.MAP: _map,
    AgendaKind.STATUS: _status,
    AgendaKind.CHART: _chart,
    AgendaKind.TEXT: _text,
    AgendaKind.WALL: _wall,
}


# --- plain text -----------------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark")


def plain_text(markdown: str | None) -> str:
    """Markdown that people typed as plain text: its words only, paragraphs apart by a blank line.

    No markup, HTML or link address survives (a link keeps its words, a picture its description);
    list items become lines starting with a bullet or their number. For slides, handouts and packs.
    """
    if not markdown or not markdown.strip():
        return ""
    paragraphs: list[str] = []
    lines: list[str] = []  # the lines of the list being read
    numbers: list[int | None] = []  # per list we are in: its next number, or None for bullets
    marker = ""  # the bullet or number waiting for its item's first words
    for token in _MARKDOWN.parse(render_markdown(markdown)):
        if token.type == "bullet_list_open":
            numbers.append(None)
        elif token.type == "ordered_list_open":
            numbers.append(int(token.attrs.get("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            if not numbers and lines:
                paragraphs.append("\n".join(lines))
                lines = []
        elif token.type == "list_item_open":
            number = numbers[-1] if numbers else None
            marker = "•" if number is None else f"{number}."
            if number is not None:
                numbers[-1] = number + 1
        elif token.type == "inline":
            words = _inline_text(token.children or [])
            if not words:
                continue
            if numbers:
                indent = "  " * (len(numbers) - 1)
                lines.append(f"{indent}{marker} {words}" if marker else f"{indent}  {words}")
                marker = ""
            else:
                paragraphs.append(words)
        elif token.type in ("fence", "code_block") and token.content.strip():
            (lines if numbers else paragraphs).append(token.content.strip("\n"))
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _inline_text(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n")).strip()


def long_date(day: dt.date) -> str:
    """'Thursday 26 November 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"
