"""The findings library page: the view lives in the URL, widgets show it, and a change writes it back.

The URL's query parameters are the one source of the view (search, facets, sort, page), so a view
can be shared as a link and the browser's back button returns to the one before: Streamlit pushes a
history entry whenever the app changes the query parameters, and reruns the page when the person
goes back. Each run reads the view from the URL and, before drawing them, sets the widgets to show
it; a widget's change is written back to the URL in its callback, starting again from page 1.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ctdash import library
from ctdash.format import label, literal, local_time, plain
from ctdash.library import FACETS, Query, Results
from ctdash.ui import exports, library_charts
from ctdash.ui.components import EXAMPLE_BADGE, KIND_BADGES, STATUS_BADGES
from ctdash.ui.finding_views import finding_url
from ctdash.viewer import Viewer

VIEWS = ("List", "Charts")
VIEW_KEY = "view"  # also the URL parameter naming the open tab (library?view=Charts)
THEME_CHART, CYCLE_CHART, CELL_CHART = "library_chart_theme", "library_chart_cycle", "library_chart_cell"
SEARCH_KEY = "library_q"
SORT_KEY = "library_sort"
FACET_KEYS = {facet: f"library_{facet}" for facet, _ in FACETS}


def url_params() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The URL's query parameters as (name, values) pairs, a hashable cache key."""
    return tuple((name, tuple(st.query_params.get_all(name))) for name in sorted(st.query_params))


def show_view(query: Query) -> None:
    """Set the widgets to show ``query`` (a shared link, the back button) before they are drawn."""
    wanted = {SEARCH_KEY: query.text, SORT_KEY: query.sort}
    wanted |= {FACET_KEYS[facet]: [str(value) for value in query.chosen(facet)] for facet, _ in FACETS}
    for key, value in wanted.items():
        if st.session_state.get(key) != value:
            st.session_state[key] = value


def _write_view(page: int = 1) -> None:
    """The widgets' view, written to the URL (a new history entry)."""
    query = Query(
        text=st.session_state.get(SEARCH_KEY, ""),
        sort=st.session_state.get(SORT_KEY, "relevance"),
        page=page,
        **{field: tuple(st.session_state.get(FACET_KEYS[facet], ())) for facet, field in library.FACET_FIELDS.items()},
    )
    st.query_params.from_dict(query.params())


def clear_view() -> None:
    st.query_params.clear()


def search_box() -> None:
    st.text_input(
        "Search findings",
        key=SEARCH_KEY,
        placeholder="Words from a title, summary or key quote",
        on_change=_write_view,
        icon=":material/search:",
        help="Every word must appear; the last may be the start of a word. Common words such as 'the' are left out.",
    )


def sort_box(results: Results) -> None:
    # Without a search, best match is newest first: one option, named for what it does.
    options = list(library.SORTS) if results.words else [sort for sort in library.SORTS if sort != "newest"]
    if st.session_state.get(SORT_KEY) not in options:
        st.session_state[SORT_KEY] = "relevance"
    labels = library.SORTS | ({} if results.words else {"relevance": library.SORTS["newest"]})
    st.selectbox("Order", options, key=SORT_KEY, format_func=labels.get, on_change=_write_view)


def facets(results: Results) -> None:
    """One multiselect a facet, each value with the number of findings it would give."""
    for facet in results.facets:
        counts = {value.value: value for value in facet.values}
        st.multiselect(
            facet.label,
            list(counts),
            key=FACET_KEYS[facet.key],
            format_func=lambda value, counts=counts: f"{counts[value].label} ({counts[value].count:,})",
            on_change=_write_view,
            placeholder="Any",
        )


def notices(said: tuple[str, ...]) -> None:
    for notice in said:
        st.info(plain(notice), icon=":material/info:")


def summary_line(results: Results) -> None:
    if not results.total:
        return
    first = (results.query.page - 1) * library.PAGE_SIZE + 1
    last = first + len(results.rows) - 1
    found = f"**{results.total:,}** finding{'s' if results.total != 1 else ''}"
    if results.words:
        found += " matching " + " ".join(literal(word) for word in results.words)
    shown = f" · showing {first:,}–{last:,}" if results.pages > 1 else ""
    st.markdown(found + shown)
    if results.dropped_words:
        st.caption("Left out as too common: " + ", ".join(plain(word) for word in results.dropped_words))


def nothing_found(results: Results) -> None:
    """The empty view: what was asked, and the ways out."""
    if results.query.filtered:
        st.info(
            "No findings match this search and these filters. Try fewer words, the start of a word, or fewer filters.",
            icon=":material/search_off:",
        )
        st.button("Clear the search and filters", key="library_clear", on_click=clear_view, icon=":material/close:")
    else:
        st.info("No findings have been published here yet.", icon=":material/inbox:")


def rows(results: Results, viewer: Viewer) -> None:
    """The page's findings as one markdown block, a rule between them: one element, not four a row,
    so a rerun sends and the browser draws a fraction of the messages (issue #9's speed budgets)."""
    with st.container(border=True, key="library_results"):
        st.markdown("\n\n---\n\n".join(_row(row, viewer) for row in results.rows))


def _row(row: library.Row, viewer: Viewer) -> str:
    """One finding in the list: its linked title, badges and place, the start of its summary, its themes."""
    shown = [KIND_BADGES.get(row.kind, "")] if row.kind else []
    if viewer.signed_in and row.status != "published":
        shown.append(STATUS_BADGES.get(row.status, label(row.status)))
    if row.is_example:
        shown.append(EXAMPLE_BADGE)
    place = [plain(row.partner_name)]
    if row.cycle:
        place.append(row.cycle)
    place.append(local_time(row.dated))
    lines = [
        f"**[{plain(row.title)}]({finding_url(row.id)})**",
        " ".join(part for part in shown if part) + " " + " · ".join(place),
    ]
    if row.excerpt:
        lines.append(f":small[:gray[{plain(row.excerpt)}]]")
    if row.themes:
        lines.append(":small[:gray[:material/sell: " + " · ".join(plain(theme) for theme in row.themes) + "]]")
    return "  \n".join(lines)


def pager(results: Results) -> None:
    if results.pages <= 1:
        return
    page = results.query.page
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    back.button(
        "Previous",
        key="library_previous",
        icon=":material/chevron_left:",
        disabled=page <= 1,
        on_click=_write_view,
        args=(page - 1,),
        width="stretch",
    )
    where.markdown(f"Page {page:,} of {results.pages:,}", text_alignment="center")
    forward.button(
        "Next",
        key="library_next",
        icon=":material/chevron_right:",
        disabled=page >= results.pages,
        on_click=_write_view,
        args=(page + 1,),
        width="stretch",
    )


def downloads(results: Results) -> None:
    st.markdown("**Download this view**")
    exports.library_buttons(replace(results.query, page=1), results.total, key="library")


def apply_chart_click() -> None:
    """A click on a chart's bar or cell adds what it stands for to the view's filters and shows the list.

    Read before anything is drawn; the chart's selection is then dropped, so removing the filter
    later is not undone by the old click.
    """
    added: dict[str, str] = {}
    if theme := library_charts.picked_theme(THEME_CHART):
        added["theme"] = theme
    if cycle := library_charts.picked_cycle(CYCLE_CHART):
        added["cycle"] = cycle
    if cell := library_charts.picked_cell(CELL_CHART):
        added["theme"], added["partner"] = cell
    if not added:
        return
    for key in (THEME_CHART, CYCLE_CHART, CELL_CHART):
        st.session_state.pop(key, None)
    params = {name: st.query_params.get_all(name) for name in st.query_params if name not in ("page", "view")}
    for name, value in added.items():
        params[name] = sorted({*params.get(name, []), value})
    st.session_state[VIEW_KEY] = VIEWS[0]
    st.query_params.from_dict(params)
    st.rerun()


def charts(counts: library.ChartCounts) -> None:
    """The view's findings in three charts, each with a sentence and its numbers as a table."""
    st.caption("Click a bar or a square to show just those findings.")
    library_charts.draw_kind_by_theme(counts.kind_by_theme, key=THEME_CHART)
    library_charts.draw_kind_by_cycle(counts.kind_by_cycle, key=CYCLE_CHART)
    library_charts.draw_theme_partner(counts.theme_by_partner, key=CELL_CHART)
