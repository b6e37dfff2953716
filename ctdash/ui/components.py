"""Reusable pieces of page: headers, number rows, finding cards, the example-data notice, audit details."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ctdash import charts
from ctdash.format import label, local_time, plain
from ctdash.models import Role
from ctdash.overview import Count, FindingCard, Overview
from ctdash.seed import Programme
from ctdash.viewer import Viewer

EXAMPLE_BADGE = ":orange-badge[:material/science: Example data]"
KIND_BADGES = {
    "enabler": ":green-badge[:material/trending_up: Enabler]",
    "barrier": ":red-badge[:material/block: Barrier]",
    "insight": ":blue-badge[:material/lightbulb: Insight]",
}
STATUS_BADGES = {
    "draft": ":gray-badge[:material/edit_note: Draft]",
    "submitted": ":orange-badge[:material/hourglass_top: Submitted for review]",
    "published": ":green-badge[:material/check_circle: Published]",
    "returned": ":red-badge[:material/undo: Returned to its author]",
}
VISIBILITY_BADGES = {
    "public": ":gray-badge[:material/public: Public]",
    "working_group": ":violet-badge[:material/group: Working group only]",
}


def programme_intro(programme: Programme) -> None:
    st.title(f"{programme.name}: inclusion dashboard")
    st.caption(
        f"{programme.working_group} · led by {programme.lead} · funded by {programme.funder} · "
        f"peer network facilitated by {programme.network_facilitator} · formerly {programme.formerly}"
    )
    left, right = st.columns(2, gap="large")
    left.markdown(programme.about + "\n\n" + programme.sharing)
    right.markdown(programme.working_group_about)


def example_notice(overview: Overview, *, viewer: Viewer) -> None:
    """Say that the data includes examples; only administrators, who can remove them, see how."""
    examples = overview.example_partners + sum(count.examples for count in overview.findings_by_kind)
    if not examples:
        return
    text = (
        "This dashboard currently holds **example data**: fictional services, projects and findings, "
        "each marked *Example data*, for trying ctdash out. The 15 real partner services are counted separately."
    )
    if viewer.role == Role.ADMIN:
        text += " Remove the examples on the server with `.venv/bin/python -m ctdash demo --remove`."
    st.info(text, icon=":material/science:")


def key_numbers(overview: Overview) -> None:
    by_role = {count.label: count.total for count in overview.partners_by_role}
    columns = st.columns(5)
    columns[0].metric("Partner services", overview.partners, border=True, help="Music services in the programme.")
    columns[1].metric(
        "Action research",
        by_role.get("Action research partners", 0),
        border=True,
        help="Services funded to do action research on inclusion since 2018.",
    )
    columns[2].metric(
        "Working group",
        by_role.get("Working group members", 0),
        border=True,
        help="Members of the National Music Services Working Group for Inclusion.",
    )
    columns[3].metric("Research projects", overview.projects, border=True, help="Action-research cycles recorded.")
    columns[4].metric(
        "Findings", overview.findings, border=True, help="Findings you can see when signed in as you are."
    )


def count_chart(counts: list[Count], *, title: str, noun: str, key: str) -> None:
    """A bar chart with its data as a sentence underneath, so it reads without sight or colour."""
    summary = charts.describe(counts, noun=noun)
    with st.container(border=True):
        if any(count.total for count in counts):
            # Built with Altair once per set of counts and cached, so a rerun builds nothing.
            spec = charts.drawable(charts.bar_chart, tuple(counts), title=title)
            st.vega_lite_chart(spec=spec, width="stretch", key=key, alt=summary)
        else:
            st.markdown(f"**{title}**")
        st.caption(summary)


def finding_cards(cards: list[FindingCard], *, empty: str) -> None:
    if not cards:
        st.caption(empty)
        return
    for card in cards:
        with st.container(border=True):
            st.markdown(f"**{plain(card.title)}**")
            badges = [KIND_BADGES.get(card.kind, label(card.kind)), VISIBILITY_BADGES.get(card.visibility, "")]
            if card.is_example:
                badges.append(EXAMPLE_BADGE)
            st.markdown(" ".join(badges))
            st.caption(f"{plain(card.partner)} · published {local_time(card.published_at)}")


AUDIT_COLUMNS = {
    "When (UK time)": st.column_config.TextColumn(width="medium"),
    "Record": st.column_config.TextColumn(width="medium"),
    "Details": st.column_config.TextColumn(width="large", help="Select a row to read its details in full."),
}


def audit_details(events: pd.DataFrame, rows: list[int]) -> None:
    """The chosen audit event in full below the table, since a table cell cuts long text."""
    if not rows or rows[0] >= len(events):
        st.caption("Select a row to read its details in full.")
        return
    event = events.iloc[rows[0]]
    with st.container(border=True, key="audit_detail"):
        st.markdown(f"**{plain(event['Action'])}** · {plain(event['When (UK time)'])} · {plain(event['Who'])}")
        st.markdown(f"Record: {plain(event['Record'])}")
        st.text(event["Details"] or "No details recorded.")


def drawn(key: str, step: int) -> int:
    """How many items of the long list ``key`` to draw now: ``step`` at first, ``step`` more a click of
    its ``show_more`` button. Every item is an element built and sent on every rerun, read or not."""
    return st.session_state.setdefault(f"{key}_shown", step)


def show_more(key: str, *, shown: int, total: int, step: int, which: str) -> None:
    """Under the first ``shown`` of ``total`` items (``which``: "longest waiting", "most recent"), say
    so and offer the next ``step``; nothing once all are drawn."""
    if total <= shown:
        return
    st.caption(f"Showing the {shown} {which} of {total}.")
    st.button(
        f"Show {min(step, total - shown)} more",
        key=f"{key}_more",
        on_click=_draw_more,
        args=(key, step),
        icon=":material/expand_more:",
    )


def _draw_more(key: str, step: int) -> None:
    st.session_state[f"{key}_shown"] = st.session_state.get(f"{key}_shown", step) + step
