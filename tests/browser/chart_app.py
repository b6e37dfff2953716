"""A tiny Streamlit script for the browser tests of the findings library's charts: the three charts on
fixed rows (test data), each followed by what was clicked in it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by `streamlit run`: make ctdash importable

import streamlit as st  # noqa: E402

from ctdash.ui.library_charts import (  # noqa: E402
    draw_kind_by_cycle,
    draw_kind_by_theme,
    draw_theme_partner,
    picked_theme,
)

THEMES = (
    ("send", "Special educational needs and disabilities (SEND)", "enabler", 8),
    ("send", "Special educational needs and disabilities (SEND)", "barrier", 4),
    ("rural", "Rural and geographic access", "barrier", 6),
    ("rural", "Rural and geographic access", "enabler", 2),
    ("rural", "Rural and geographic access", "insight", 1),
    ("youth-voice", "Youth voice and co-design", "insight", 3),
    ("pricing", "Pricing, remissions and instrument access", "barrier", 2),
)
CYCLES = (
    ("2021-22", "enabler", 2),
    ("2022-23", "barrier", 3),
    ("2023-24", "enabler", 5),
    ("2023-24", "insight", 1),
    ("2024-25", "enabler", 6),
    ("2024-25", "barrier", 7),
    ("2024-25", "insight", 2),
)
# 40 example services (test data), so the heat map has to leave some out.
CELLS = tuple(
    (theme, name, f"example-{number}", f"Example {number}", (number * 7 + index * 3) % 9)
    for number in range(1, 41)
    for index, (theme, name) in enumerate(dict((row[0], row[1]) for row in THEMES).items())
)

st.title("Chart test (test data)")
# With ?filter=1 a click filters the chart's own rows, as the library does with its current view.
chosen = picked_theme("themes") if st.query_params.get("filter") else None
with st.container(key="theme_chart"):
    theme = draw_kind_by_theme(tuple(row for row in THEMES if row[0] == chosen) if chosen else THEMES, key="themes")
st.write(f"Theme picked: {theme}")
with st.container(key="cycle_chart"):
    cycle = draw_kind_by_cycle(CYCLES, key="cycles")
st.write(f"Cycle picked: {cycle}")
with st.container(key="cell_chart"):
    cell = draw_theme_partner(CELLS, key="cells")
st.write(f"Cell picked: {cell[0]} at {cell[1]}" if cell else "Cell picked: None")
