"""The research status page and the project page: filters, the board, charts, and the project forms."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ctdash import charts, export, projects
from ctdash.format import heading, label, link_id, local_time, plain
from ctdash.models import ProjectStage
from ctdash.ui import finding_views
from ctdash.ui.components import EXAMPLE_BADGE, KIND_BADGES
from ctdash.ui.forms import EditForm
from ctdash.viewer import Viewer

PROJECT_PAGE = "pages/project.py"
ANY = "Any"
DATE_FORMAT = "DD/MM/YYYY"
STAGE_ICONS = {
    ProjectStage.PROPOSED: ":material/lightbulb:",
    ProjectStage.PLANNING: ":material/edit_calendar:",
    ProjectStage.DATA_COLLECTION: ":material/forum:",
    ProjectStage.ANALYSIS: ":material/query_stats:",
    ProjectStage.SHARING: ":material/campaign:",
    ProjectStage.COMPLETE: ":material/task_alt:",
    ProjectStage.PAUSED: ":material/pause_circle:",
}
PROJECT_FIELDS = (
    "partner_id",
    "cycle",
    "title",
    "research_question",
    "themes",
    "stage",
    "start_date",
    "end_date",
    "lead_contact",
    "summary",
)
STAGE_FIELDS = ("stage", "start_date", "end_date")
# Cards a stage column draws at first, the most recently updated, then as many more on each request:
# each card with its Move button costs time on every rerun, and the table view lists every project.
MAX_CARDS = 6
CARDS_SHOWN = "board_cards_shown"  # session state: {stage: cards drawn} for the columns opened further
_MOVE_POPOVER = re.compile(r"stage_(\d+)_popover(?:_\d+)?")  # a card's Move popover: stage_form(id).widget("popover")
VIEWS = ("Board", "Timeline", "Counts and table")


def project_url(project_id) -> str:
    """The project page's address, relative to any page of the app."""
    return f"project?id={int(project_id)}"


def stage_label(stage: str) -> str:
    return label(stage)


def filters(choices: projects.BoardChoices) -> dict:
    """Cycle, partner, theme and stage in one row; returns the keyword arguments for ``projects.board``."""
    columns = st.columns(4)
    cycle = columns[0].selectbox(
        "Research cycle",
        [None, *choices.cycles],
        format_func=lambda value: value or ANY,
        key="board_cycle",
        placeholder=ANY,
    )
    partner_id = columns[1].selectbox(
        "Partner service",
        [None, *choices.partners],
        format_func=lambda value: choices.partners.get(value, ANY),
        key="board_partner",
        placeholder=ANY,
    )
    theme = columns[2].selectbox(
        "Theme",
        [None, *choices.themes],
        format_func=lambda value: choices.themes.get(value, ANY),
        key="board_theme",
        placeholder=ANY,
    )
    stage = columns[3].selectbox(
        "Stage",
        [None, *(stage.value for stage in projects.STAGES)],
        format_func=lambda value: stage_label(value) if value else ANY,
        key="board_stage",
        placeholder=ANY,
    )
    return {"cycle": cycle, "partner_id": partner_id, "theme": theme, "stage": stage}


# --- the board ----------------------------------------------------------------------------------


@dataclass
class StageChange:
    """A stage change someone submitted from a card, saved after the whole board is drawn."""

    card: projects.BoardCard
    form: EditForm
    seen_version: int
    values: dict
    area: object  # the popover, where the outcome is shown


def stage_form(project_id: int) -> EditForm:
    return EditForm(f"stage_{project_id}", fields=STAGE_FIELDS)


def cards_shown() -> dict[str, int]:
    """How many cards each stage column draws in this browser session: ``MAX_CARDS``, more on request."""
    return st.session_state.setdefault(CARDS_SHOWN, {})


def open_moves() -> tuple[int, ...]:
    """The projects whose card has its Move form open in this session. Their cards are drawn whatever
    their rank, so a form being filled in stays when someone else's update pushes its card down a column
    (a widget not drawn in a run loses what it held)."""
    opened = (_MOVE_POPOVER.fullmatch(str(key)) for key, value in st.session_state.items() if value is True)
    return tuple(sorted(int(match[1]) for match in opened if match))


def cards_to_read() -> int:
    """The cards to read for the fullest column: one read serves every column."""
    return max([MAX_CARDS, *cards_shown().values()])


def board(columns: tuple[projects.BoardColumn, ...], viewer: Viewer, *, kept: tuple[int, ...]) -> StageChange | None:
    """One column per stage with a card per project; returns a stage change submitted from a card.

    ``kept``: the projects with a Move form open (``open_moves``), drawn wherever their cards were read."""
    if not any(column.count or column.kept for column in columns):
        st.info(
            "No research project matches these filters. Choose “Any” in a filter to see more.",
            icon=":material/filter_alt_off:",
        )
        return None
    submitted = None
    shown_per_stage = cards_shown()
    # Seven stages side by side need the width; on a narrow screen Streamlit stacks the columns.
    for column, place in zip(columns, st.columns(len(columns), gap="small"), strict=True):
        stage = ProjectStage(column.stage)
        with place, st.container(key=f"board_{stage.name.lower()}"):
            st.markdown(f"{STAGE_ICONS[stage]} **{stage_label(column.stage)}** · {column.count}")
            limit = shown_per_stage.get(column.stage, MAX_CARDS)
            shown = column.cards[:limit]
            for card in shown:
                submitted = _card(card, viewer) or submitted
            # Cards with a Move form open, past what this column shows or outside the filters.
            for card in (*(card for card in column.cards[limit:] if card.id in kept), *column.kept):
                st.caption("Kept on the board while you change its stage.")
                submitted = _card(card, viewer) or submitted
            if column.count > len(shown):
                st.caption(
                    f"The {len(shown)} most recently updated of {column.count}. Choose a cycle or partner to "
                    "narrow the board; the table view lists them all."
                )
                more = min(MAX_CARDS, column.count - len(shown))
                st.button(
                    f"Show {more} more",
                    key=f"more_{stage.name.lower()}",
                    on_click=_show_more,
                    args=(column.stage, len(shown)),
                    icon=":material/expand_more:",
                    width="stretch",
                )
    return submitted


def _show_more(stage: str, shown: int) -> None:
    cards_shown()[stage] = shown + MAX_CARDS


def _card(card: projects.BoardCard, viewer: Viewer) -> StageChange | None:
    with st.container(border=True, key=f"card_{card.id}"):
        st.markdown(_card_text(card))
        if not projects.may_edit(viewer, card.partner_id):
            return None
        form = stage_form(card.id)
        popover = st.popover(
            "Move",
            help="Change the stage and dates",
            key=form.widget("popover"),
            on_change="rerun",
            width="stretch",
        )
        with popover:
            if not popover.open:
                return None
            seen = form.seen_version(card.version)
            values = _stage_fields(form, card)
            if values is None:
                return None
            return StageChange(card=card, form=form, seen_version=seen, values=values, area=popover)


@functools.lru_cache(maxsize=4096)
def _card_text(card: projects.BoardCard) -> str:
    """A card's title and details as one markdown block; remembered, as a card is drawn on every rerun
    until the project changes (a changed project is another ``BoardCard``)."""
    lines = [f"{plain(card.partner)} · {card.cycle}"]
    if card.themes:
        lines.append(" · ".join(plain(name) for name in card.themes))
    lines.append(f"Updated {local_time(card.updated_at)}")
    if card.is_example:
        lines.append(EXAMPLE_BADGE)
    # One block per card: each element costs time on every rerun of a board of many cards.
    details = "  \n".join(lines)
    # The title links to the project page (a page link element per card would cost more than the card).
    return f"**[{plain(card.title)}]({project_url(card.id)})**  \n:small[:gray[{details}]]"


def _stage_fields(form: EditForm, card: projects.BoardCard) -> dict | None:
    stages = [stage.value for stage in projects.STAGES]
    with st.form(form.key, enter_to_submit=False, border=False):
        st.markdown(f"**{plain(card.title)}**")
        values = {
            "stage": st.selectbox(
                "Stage", stages, index=stages.index(card.stage), format_func=stage_label, key=form.widget("stage")
            ),
            "start_date": st.date_input(
                "Start date", value=card.start_date, format=DATE_FORMAT, key=form.widget("start_date")
            ),
            "end_date": st.date_input("End date", value=card.end_date, format=DATE_FORMAT, key=form.widget("end_date")),
        }
        submitted = st.form_submit_button("Save stage", type="primary")
    return values if submitted else None


# --- charts -------------------------------------------------------------------------------------


def timeline(frame: pd.DataFrame) -> None:
    """Projects by partner across every cycle since 2018, coloured and shaped by stage."""
    if frame.empty:
        st.caption("No projects to chart.")
        return
    rows = [
        (row.partner, row.cycle, row.title, row.stage)
        for row in frame[["partner", "cycle", "title", "stage"]].itertuples()
    ]
    # Every cycle from 2018-19 to the newest shown, so a cycle without projects shows as a gap.
    newest = max(frame["cycle"])
    cycles = sorted(cycle for cycle in projects.cycles_offered() if cycle <= newest)
    # The Altair template is validated once per set of cycles (charts.project_timeline); rows are cheap to add.
    summary = charts.describe_timeline(rows)
    st.vega_lite_chart(charts.project_timeline(rows, cycles), width="stretch", key="project_timeline", alt=summary)
    st.caption(summary)


def summaries(frame: pd.DataFrame) -> None:
    """Projects per stage, per cycle and per theme, then every project, as tables that read aloud and sort."""
    summary = projects.summary(frame)
    counts = (("stage", "Stage"), ("cycle", "Cycle"), ("theme", "Theme"))
    for (key, name), column in zip(counts, st.columns(3, gap="large"), strict=True):
        with column:
            st.subheader(f"Projects per {key}")
            rows = [(stage_label(label) if key == "stage" else label, count) for label, count in summary[key]]
            if rows:
                st.dataframe(
                    pd.DataFrame(rows, columns=[name, "Projects"]), hide_index=True, width="stretch", key=f"per_{key}"
                )
            else:
                st.caption("None recorded for these projects.")
    st.subheader("All projects as a table")
    table = frame[["partner", "cycle", "title", "stage", "themes", "start_date", "end_date", "updated_at"]].copy()
    table["stage"] = table["stage"].map(stage_label)
    table["themes"] = table["themes"].map(", ".join)
    table["open"] = [project_url(project_id) for project_id in frame["id"]]
    table.columns = ["Partner", "Cycle", "Project", "Stage", "Themes", "Start", "End", "Last updated", "Project page"]
    st.dataframe(
        export.spreadsheet_safe(table),
        hide_index=True,
        width="stretch",
        key="project_table",
        column_config={
            "Project page": st.column_config.LinkColumn("Project page", display_text="Open"),
            "Start": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "End": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Last updated": st.column_config.DatetimeColumn(format="D MMM YYYY", timezone="Europe/London"),
        },
    )


# --- one project --------------------------------------------------------------------------------


def project_from_url() -> int | None:
    """The project named by ``?id=``; a missing or malformed id gets a notice and a way back."""
    return link_id(st.query_params.get("id"))


def show_project(detail: projects.ProjectDetail) -> None:
    st.title(heading(detail.title))
    badges = [f":blue-badge[{STAGE_ICONS[ProjectStage(detail.stage)]} {stage_label(detail.stage)}]"]
    if detail.is_example:
        badges.append(EXAMPLE_BADGE)
    st.markdown(f"{plain(detail.partner)} · {detail.cycle} · " + " ".join(badges))
    left, right = st.columns([3, 2], gap="large")
    with left:
        if detail.research_question:
            st.subheader("Research question")
            st.markdown(plain(detail.research_question))
        if detail.summary:
            st.subheader("Summary")
            st.markdown(plain(detail.summary))
        st.subheader("Findings")
        if not detail.findings:
            st.caption("No findings from this project yet.")
        for finding in detail.findings:
            kind = KIND_BADGES.get(finding.kind, label(finding.kind or "kind not chosen yet"))
            status = "" if finding.status == "published" else f" :gray-badge[{label(finding.status)}]"
            when = local_time(finding.published_at) if finding.published_at else "not published"
            link = finding_views.finding_link(finding.id, finding.title)
            st.markdown(f"**{link}** {kind}{status}  \n{when}")
    with right:
        st.subheader("About")
        facts = {
            "Partner service": detail.partner,
            "Cycle": detail.cycle,
            "Themes": ", ".join(detail.themes.values()),
            "Start": f"{detail.start_date:%d/%m/%Y}" if detail.start_date else "",
            "End": f"{detail.end_date:%d/%m/%Y}" if detail.end_date else "",
            "Lead contact": detail.lead_contact or "",
            "Last updated": local_time(detail.updated_at, with_time=True),
        }
        for name, value in facts.items():
            st.markdown(f"**{name}**  \n{plain(value) if value else 'Not recorded'}")
        st.subheader("History")
        if not detail.history:
            st.caption("No changes recorded since the project was added.")
        for line in detail.history:
            st.markdown(f"**{local_time(line.at, with_time=True)}** · {plain(line.who)}  \n{plain(line.what)}")


def project_form(
    form: EditForm,
    *,
    choices: projects.BoardChoices,
    viewer: Viewer,
    detail: projects.ProjectDetail | None = None,
    submit: str,
) -> dict | None:
    """Every field of a project; members choose only their own service. Returns the values on submit."""
    if viewer.role is not None and viewer.role.value == "member":
        partner_ids = [viewer.partner_id] if viewer.partner_id in choices.partners else []
    else:
        partner_ids = list(choices.partners)
    if detail is not None and detail.partner_id not in partner_ids:
        partner_ids.insert(0, detail.partner_id)
    cycles = projects.cycles_offered()
    if detail is not None and detail.cycle not in cycles:
        cycles.append(detail.cycle)
    stages = [stage.value for stage in projects.STAGES]
    with st.form(form.key, enter_to_submit=False):
        left, right = st.columns(2)
        values = {
            "partner_id": left.selectbox(
                "Partner service",
                partner_ids,
                index=partner_ids.index(detail.partner_id) if detail else (0 if len(partner_ids) == 1 else None),
                format_func=lambda value: choices.partners.get(value, "Unknown service"),
                placeholder="Choose a partner service",
                key=form.widget("partner_id"),
            ),
            "cycle": right.selectbox(
                "Research cycle",
                cycles,
                index=cycles.index(detail.cycle) if detail else None,
                placeholder="Choose a cycle",
                key=form.widget("cycle"),
            ),
            "title": st.text_input(
                "Title", value=detail.title if detail else "", max_chars=projects.MAX_TITLE, key=form.widget("title")
            ),
            "research_question": st.text_area(
                "Research question",
                value=(detail.research_question or "") if detail else "",
                max_chars=projects.MAX_QUESTION,
                height=90,
                key=form.widget("research_question"),
            ),
            "themes": st.multiselect(
                "Themes",
                list(choices.themes),
                default=[slug for slug in (detail.themes if detail else {}) if slug in choices.themes],
                format_func=choices.themes.get,
                placeholder="Choose one or more themes",
                key=form.widget("themes"),
            ),
        }
        left, middle, right = st.columns(3)
        values |= {
            "stage": left.selectbox(
                "Stage",
                stages,
                index=stages.index(detail.stage) if detail else stages.index(ProjectStage.PROPOSED.value),
                format_func=stage_label,
                key=form.widget("stage"),
            ),
            "start_date": middle.date_input(
                "Start date",
                value=detail.start_date if detail else None,
                format=DATE_FORMAT,
                key=form.widget("start_date"),
            ),
            "end_date": right.date_input(
                "End date", value=detail.end_date if detail else None, format=DATE_FORMAT, key=form.widget("end_date")
            ),
            "lead_contact": st.text_input(
                "Lead contact",
                value=(detail.lead_contact or "") if detail else "",
                max_chars=projects.MAX_LEAD,
                key=form.widget("lead_contact"),
            ),
            "summary": st.text_area(
                "Summary",
                value=(detail.summary or "") if detail else "",
                max_chars=projects.MAX_SUMMARY,
                key=form.widget("summary"),
            ),
        }
        submitted = st.form_submit_button(submit, type="primary")
    return values if submitted else None
