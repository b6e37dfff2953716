"""The findings library's charts, drawn with their sentences and tables; a click on a bar or cell filters.

Each ``draw_*`` takes the library service's cross counts for the current view and returns what the
person has selected in the chart (or None), for the page to apply as a filter. The selection is kept
by Streamlit under ``key`` until the person clicks the same chart somewhere else or the chart goes
away (no rows), so the value comes back on every rerun, not only on the one after the click.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from ctdash import charts


def draw_kind_by_theme(rows: charts.KindByTheme, *, key: str) -> str | None:
    """Enablers and barriers by theme; returns the slug of the theme clicked, or None."""
    picked = _draw(
        charts.drawable(charts.kind_by_theme_chart, rows),
        charts.describe_kind_by_theme(rows),
        lambda: charts.kind_by_theme_table(rows),
        selection=charts.THEME_SELECTION,
        key=key,
    )
    return _field(picked, "theme")


def draw_kind_by_cycle(rows: charts.KindByCycle, *, key: str) -> str | None:
    """Findings per cycle by kind; returns the cycle clicked (e.g. "2024-25"), or None."""
    picked = _draw(
        charts.drawable(charts.kind_by_cycle_chart, rows),
        charts.describe_kind_by_cycle(rows),
        lambda: charts.kind_by_cycle_table(rows),
        selection=charts.CYCLE_SELECTION,
        key=key,
    )
    return _field(picked, "cycle")


def draw_theme_partner(rows: charts.ThemeByPartner, *, key: str) -> tuple[str, str] | None:
    """The theme by partner heat map; returns (theme slug, partner slug) of the cell clicked, or None."""
    picked = _draw(
        charts.drawable(charts.theme_partner_heatmap, rows),
        charts.describe_theme_partner(rows),
        lambda: charts.theme_partner_table(rows),
        selection=charts.CELL_SELECTION,
        key=key,
    )
    theme, partner = _field(picked, "theme"), _field(picked, "partner")
    return (theme, partner) if theme and partner else None


def picked_theme(key: str) -> str | None:
    """The theme slug selected in the chart drawn under ``key``, read before the chart is drawn this run
    (so the page can filter the rows the chart then shows); None if nothing is selected."""
    return _field(selected(st.session_state.get(key), charts.THEME_SELECTION), "theme")


def picked_cycle(key: str) -> str | None:
    """The cycle selected in the chart drawn under ``key``, read before the chart is drawn this run."""
    return _field(selected(st.session_state.get(key), charts.CYCLE_SELECTION), "cycle")


def picked_cell(key: str) -> tuple[str, str] | None:
    """(theme slug, partner slug) selected in the heat map drawn under ``key``, read before it is drawn."""
    point = selected(st.session_state.get(key), charts.CELL_SELECTION)
    theme, partner = _field(point, "theme"), _field(point, "partner")
    return (theme, partner) if theme and partner else None


def _draw(spec: dict | None, summary: str, table, *, selection: str, key: str) -> Mapping[str, Any] | None:
    """The chart (when there is something to draw), its summary under it, and its numbers as a table."""
    if spec is None:
        st.caption(summary)
        return None
    event = st.vega_lite_chart(
        spec=spec, on_select="rerun", selection_mode=selection, key=key, width="stretch", alt=summary
    )
    st.caption(summary)
    with st.expander("The numbers as a table", icon=":material/table:"):
        st.markdown(table())
    return selected(event, selection)


def selected(event: Mapping[str, Any] | None, selection: str) -> Mapping[str, Any] | None:
    """The first selected point of ``selection`` in a chart's event, as a dict of its fields, or None.

    The event is ``{"selection": {name: [{field: value, ...}, ...]}}``, with ``{}`` or ``[]`` in
    place of the list before any click and after the selection is cleared.
    """
    points = ((event or {}).get("selection") or {}).get(selection) or []
    if isinstance(points, list) and points and isinstance(points[0], Mapping):
        return points[0]
    return None


def _field(point: Mapping[str, Any] | None, field: str) -> str | None:
    value = (point or {}).get(field)
    return str(value) if value not in (None, "") else None
