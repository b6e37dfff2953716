"""The library's chart helpers under AppTest: each draws its chart, summary and table, hands back
what is selected in it, and draws only a sentence when the view is empty. (Real clicks are in
tests/browser/test_library_charts.py.)"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from ctdash.ui.library_charts import (
        draw_kind_by_cycle,
        draw_kind_by_theme,
        draw_theme_partner,
        picked_cell,
        picked_cycle,
        picked_theme,
    )

    themes = (("send", "SEND", "enabler", 8), ("rural", "Rural and geographic access", "barrier", 6))
    cycles = (("2024-25", "enabler", 3),)
    cells = (("send", "SEND", "cornwall", "Cornwall", 4),)
    empty = st.session_state.get("empty", False)
    st.write(f"before={picked_theme('themes')}, {picked_cycle('cycles')}, {picked_cell('cells')}")
    st.write(f"theme={draw_kind_by_theme(() if empty else themes, key='themes')}")
    st.write(f"cycle={draw_kind_by_cycle(() if empty else cycles, key='cycles')}")
    st.write(f"cell={draw_theme_partner(() if empty else cells, key='cells')}")


def _written(at) -> list[str]:
    """What the script wrote about the selections (the tables are markdown too)."""
    written = ("theme=", "cycle=", "cell=", "before=")
    return [element.value for element in at.markdown if element.value.startswith(written)]


def test_each_helper_draws_its_chart_with_a_summary_and_a_table():
    at = AppTest.from_function(_script).run()
    assert not at.exception
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert [spec["title"] for spec in specs] == [
        "Enablers and barriers by theme",
        "Findings per cycle by kind",
        "Findings by theme and partner service",
    ]
    selections = [list(chart.proto.selection_mode) for chart in at.get("vega_lite_chart")]
    assert selections == [["pick_theme"], ["pick_cycle"], ["pick_cell"]]
    captions = [caption.value for caption in at.caption]
    assert captions[0].startswith("Most findings are about SEND (8: 8 enablers)")
    assert [chart.proto.alt for chart in at.get("vega_lite_chart")] == captions  # the summary, for screen readers
    assert [expander.label for expander in at.expander] == ["The numbers as a table"] * 3
    assert _written(at) == ["before=None, None, None", "theme=None", "cycle=None", "cell=None"]


def test_each_helper_hands_back_what_is_selected_in_its_chart():
    at = AppTest.from_function(_script).run()
    at.session_state["themes"] = {"selection": {"pick_theme": [{"theme": "rural"}]}}
    at.session_state["cycles"] = {"selection": {"pick_cycle": [{"cycle": "2024-25"}]}}
    at.session_state["cells"] = {"selection": {"pick_cell": [{"theme": "send", "partner": "cornwall"}]}}
    at.run()
    assert not at.exception
    assert _written(at) == [
        "before=rural, 2024-25, ('send', 'cornwall')",  # known before the charts are drawn, to filter their rows
        "theme=rural",
        "cycle=2024-25",
        "cell=('send', 'cornwall')",
    ]


def test_an_empty_view_gets_a_sentence_and_no_chart():
    at = AppTest.from_function(_script)
    at.session_state["empty"] = True
    at.run()
    assert not at.exception
    assert not at.get("vega_lite_chart")
    assert [caption.value for caption in at.caption] == [
        "No findings to chart by theme.",
        "No findings to chart by cycle.",
        "No findings to chart by theme and partner service.",
    ]
    assert _written(at) == ["before=None, None, None", "theme=None", "cycle=None", "cell=None"]


def test_drawing_leaves_the_cached_specs_as_they_were():
    import copy

    from ctdash import charts

    at = AppTest.from_function(_script).run()
    themes = (("send", "SEND", "enabler", 8), ("rural", "Rural and geographic access", "barrier", 6))
    spec = charts.drawable(charts.kind_by_theme_chart, themes)
    before = copy.deepcopy(spec)
    at.run()
    assert not at.exception
    assert charts.drawable(charts.kind_by_theme_chart, themes) is spec
    assert spec == before  # Streamlit copies a spec before it edits it (autosize, datasets)
