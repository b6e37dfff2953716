"""The findings library: search and filter every finding the viewer may see; the view is in the URL."""

import streamlit as st

from ctdash import library, ui
from ctdash.ui import library_views as views

viewer = ui.guard(__file__)
st.title("Findings library")
st.caption(
    "What the working group's services have found about the enablers of and barriers to inclusion."
    if viewer.signed_in
    else "Findings the Changing Tracks partner services have published for everyone. "
    "Members of the working group sign in to see more."
)

views.apply_chart_click()
query, notices = ui.read(library.read_query, params=views.url_params())
views.show_view(query)
results = ui.read(library.browse, query=query)
views.notices(notices + results.notices)

views.search_box()
# Results first: on a phone the columns stack, and the list should not wait below six filters.
listing, filters = st.columns([3, 1], gap="large")
with filters:
    views.facets(results)
with listing:
    count, order = st.columns([3, 1], vertical_alignment="bottom")
    with count:
        views.summary_line(results)
    with order:
        views.sort_box(results)
    # Only the open view is drawn; the URL names it (?view=Charts).
    list_tab, charts_tab = st.tabs(views.VIEWS, key=views.VIEW_KEY, on_change="rerun", bind="query-params")
    with list_tab:
        if list_tab.open:
            if results.total:
                views.rows(results, viewer)
                views.pager(results)
                views.downloads(results)
            else:
                views.nothing_found(results)
    with charts_tab:
        if charts_tab.open:
            views.charts(ui.read(library.chart_counts, query=query))
