"""The charts as data: valid Vega-Lite from Altair, their selections, kinds told apart by more than
colour, empty input, their sentences and tables, and the cache that spares a rerun any building."""

from __future__ import annotations

import copy
import json

import altair as alt
import pytest

from ctdash import charts
from ctdash.overview import Count
from ctdash.ui.library_charts import selected

THEMES = (
    ("send", "Special educational needs and disabilities (SEND)", "enabler", 8),
    ("send", "Special educational needs and disabilities (SEND)", "barrier", 4),
    ("rural", "Rural and geographic access", "barrier", 6),
    ("rural", "Rural and geographic access", "enabler", 2),
    ("youth-voice", "Youth voice and co-design", "insight", 3),
)
CYCLES = (("2023-24", "enabler", 5), ("2024-25", "barrier", 7), ("2024-25", "enabler", 6), ("2024-25", "insight", 2))
CELLS = (
    ("send", "SEND", "cornwall", "Cornwall", 4),
    ("rural", "Rural and geographic access", "cornwall", "Cornwall", 2),
    ("rural", "Rural and geographic access", "herts", "Hertfordshire", 5),
)


def _valid(spec: dict) -> dict:
    """The spec, after checking it against the Vega-Lite schema Altair carries (raises if invalid)."""
    alt.LayerChart.from_dict(copy.deepcopy(spec), validate=True)
    json.dumps(spec)  # plain JSON: no DataFrames or other objects left in it
    return spec


def _rows(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def _selection(spec: dict) -> dict:
    (param,) = [param for param in spec["params"] if "select" in param]
    return param


LIBRARY_CHARTS = [
    (charts.kind_by_theme_chart, THEMES, charts.THEME_SELECTION, ["theme"]),
    (charts.kind_by_cycle_chart, CYCLES, charts.CYCLE_SELECTION, ["cycle"]),
    (charts.theme_partner_heatmap, CELLS, charts.CELL_SELECTION, ["theme", "partner"]),
]


@pytest.mark.parametrize(("build", "rows", "name", "fields"), LIBRARY_CHARTS)
def test_each_library_chart_is_valid_vega_lite_with_a_point_selection_on_what_it_filters(build, rows, name, fields):
    spec = _valid(build(rows))
    selection = _selection(spec)
    assert selection["name"] == name
    assert selection["select"]["type"] == "point"
    assert selection["select"]["fields"] == fields
    assert all(field in row for row in _rows(spec) for field in fields)  # every mark carries what is selected


@pytest.mark.parametrize(("build", "rows", "name", "fields"), LIBRARY_CHARTS)
def test_an_empty_view_draws_no_chart(build, rows, name, fields):
    assert build(()) is None
    zeros = tuple((*row[:-1], 0) for row in rows)
    assert build(zeros) is None


KIND_CHARTS = [(charts.kind_by_theme_chart, THEMES), (charts.kind_by_cycle_chart, CYCLES)]


@pytest.mark.parametrize(("build", "rows"), KIND_CHARTS)
def test_kinds_are_told_apart_by_label_and_place_not_by_colour_alone(build, rows):
    spec = build(rows)
    assert {"8 enablers", "4 barriers"} <= {row["text"] for row in _rows(spec)} or {"7 barriers", "5 enablers"} <= {
        row["text"] for row in _rows(spec)
    }
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["bar", "text"]
    assert layers[1]["encoding"]["text"]["field"] == "text"  # every bar labelled "8 enablers"
    offset = layers[0]["encoding"]["yOffset"]
    assert offset["field"] == "kind" and offset["sort"] == ["Enablers", "Barriers", "Insights"]  # a fixed place
    colour = layers[0]["encoding"]["color"]["scale"]
    assert colour["range"] == ["#009E73", "#D55E00", "#0072B2"]  # Okabe-Ito, safe with colour-blindness


def test_bars_are_labelled_in_words_with_singulars_and_a_kind_left_blank():
    spec = charts.kind_by_cycle_chart((("2024-25", "enabler", 1), ("2024-25", None, 2)))
    assert [row["text"] for row in _rows(spec)] == ["1 enabler", "2 without a kind"]
    assert _valid(spec)["layer"][0]["encoding"]["color"]["scale"]["domain"][-1] == "No kind given"


def test_themes_are_ordered_by_findings_and_cycles_by_year():
    themes = [row["theme"] for row in _rows(charts.kind_by_theme_chart(THEMES))]
    assert list(dict.fromkeys(themes)) == ["send", "rural", "youth-voice"]
    cycles = [row["cycle"] for row in _rows(charts.kind_by_cycle_chart(tuple(reversed(CYCLES))))]
    assert list(dict.fromkeys(cycles)) == ["2023-24", "2024-25"]


def test_the_count_axis_leaves_room_for_the_longest_bars_label():
    spec = charts.kind_by_cycle_chart(CYCLES)
    (room,) = [param for param in spec["params"] if param["name"] == charts.ROOM]
    assert room["value"] == 7 * charts.LABEL_ROOM


def test_a_heat_map_of_200_services_draws_the_busiest_and_says_how_many_are_left_out():
    rows = tuple(("send", "SEND", f"service-{number}", f"Service {number}", number % 7 + 1) for number in range(200))
    spec = _valid(charts.theme_partner_heatmap(rows))
    drawn = {row["partner"] for row in _rows(spec)}
    assert len(drawn) == charts.HEATMAP_PARTNERS
    assert all(int(partner.split("-")[1]) % 7 == 6 for partner in drawn)  # the ones with 7 findings
    summary = charts.describe_theme_partner(rows)
    assert f"The chart shows the {charts.HEATMAP_PARTNERS} services with the most findings; 185 more" in summary
    assert charts.theme_partner_table(rows).count("\n") == charts.HEATMAP_PARTNERS + 1


def test_heat_map_numbers_are_white_on_the_darker_cells():
    cells = _rows(charts.theme_partner_heatmap(CELLS))
    dark = {row["partner"]: row["dark"] for row in cells if row["theme"] == "rural"}
    assert dark == {"cornwall": False, "herts": True}


def test_marks_carry_a_sentence_for_screen_readers():
    spec = charts.theme_partner_heatmap(CELLS)
    assert spec["layer"][0]["encoding"]["description"]["field"] == "description"
    assert "Hertfordshire, Rural and geographic access: 5 findings." in {row["description"] for row in _rows(spec)}
    assert spec["layer"][1]["mark"]["aria"] is False  # the numbers are not read out twice


def test_a_second_call_with_the_same_data_builds_nothing():
    charts.kind_by_theme_chart.cache_clear()
    first = charts.kind_by_theme_chart(THEMES)
    again = charts.kind_by_theme_chart(tuple(THEMES))
    assert again is first
    info = charts.kind_by_theme_chart.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_new_data_reuses_the_validated_template():
    charts.kind_by_cycle_chart(CYCLES)
    before = charts._kind_bars_template.cache_info()
    charts.kind_by_cycle_chart(CYCLES[:2])
    after = charts._kind_bars_template.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 1


def test_handing_out_a_cached_spec_leaves_the_template_unchanged():
    template = copy.deepcopy(charts._kind_bars_template(charts.THEME_DATA, False))
    charts.kind_by_theme_chart(THEMES[:1])
    charts.kind_by_theme_chart(THEMES[2:])
    assert charts._kind_bars_template(charts.THEME_DATA, False) == template
    assert "datasets" not in template


# --- the sentences -------------------------------------------------------------------------------


def test_theme_summary_names_the_biggest_theme_with_its_kinds_and_where_barriers_lead():
    assert charts.describe_kind_by_theme(THEMES) == (
        "Most findings are about Special educational needs and disabilities (SEND) (12: 8 enablers, 4 barriers), "
        "then Rural and geographic access (8) and Youth voice and co-design (3). "
        "Barriers outnumber enablers in Rural and geographic access."
    )


def test_theme_summary_counts_the_themes_it_does_not_name():
    rows = tuple((f"t{number}", f"Theme {number}", "enabler", 10 - number) for number in range(5))
    assert charts.describe_kind_by_theme(rows) == (
        "Most findings are about Theme 0 (10: 10 enablers), then Theme 1 (9) and Theme 2 (8). 5 themes in all."
    )


def test_cycle_summary_gives_the_span_and_the_busiest_cycle():
    assert charts.describe_kind_by_cycle(CYCLES) == (
        "20 findings from 2023-24 to 2024-25; most in 2024-25 (15: 6 enablers, 7 barriers, 2 insights)."
    )
    assert charts.describe_kind_by_cycle((("2024-25", "barrier", 1),)) == "1 finding in 2024-25: 1 barrier."


def test_heat_map_summary_names_the_largest_cell():
    assert charts.describe_theme_partner(CELLS) == (
        "The most findings on one theme from one service: Hertfordshire on Rural and geographic access (5). "
        "2 services and 2 themes have findings."
    )


def test_empty_views_have_a_sentence_instead_of_a_chart():
    assert charts.describe_kind_by_theme(()) == "No findings to chart by theme."
    assert charts.describe_kind_by_cycle(()) == "No findings to chart by cycle."
    assert charts.describe_theme_partner(()) == "No findings to chart by theme and partner service."


def test_tables_give_every_number_and_show_names_as_typed():
    table = charts.kind_by_theme_table(THEMES + (("x", "Drums *and* [bass](x)", "enabler", 1),))
    lines = table.splitlines()
    assert lines[0] == "| Theme | Enablers | Barriers | Insights | Total |"
    assert lines[2] == "| Special educational needs and disabilities \\(SEND\\) | 8 | 4 | 0 | 12 |"
    assert "Drums \\*and\\* \\[bass\\]\\(x\\)" in table
    assert charts.kind_by_cycle_table(CYCLES).splitlines()[-1] == "| 2024\\-25 | 6 | 7 | 2 | 15 |"


# --- reading a click ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (None, None),
        ({"selection": {"pick_theme": {}}}, None),  # before any click
        ({"selection": {"pick_theme": []}}, None),
        ({"selection": {"pick_theme": [{"theme": "send"}]}}, {"theme": "send"}),
        ({"selection": {"pick_cycle": [{"cycle": "2024-25"}]}}, None),  # another chart's selection
    ],
)
def test_a_click_is_read_from_the_charts_event(event, expected):
    assert selected(event, "pick_theme") == expected


# --- the home page's bars -----------------------------------------------------------------------


def test_home_bars_are_valid_vega_lite_in_the_order_given_and_labelled_with_numbers():
    counts = [Count("proposed", 2), Count("planning", 0), Count("analysis", 5)]
    spec = _valid(charts.bar_chart(counts, title="Research projects by stage"))
    assert [(row["label"], row["count"]) for row in _rows(spec)] == [("Proposed", 2), ("Planning", 0), ("Analysis", 5)]
    assert spec["title"] == "Research projects by stage"
    assert spec["layer"][1]["encoding"]["text"]["field"] == "count"


def test_home_bars_are_built_once_per_data():
    counts = [Count("enabler", 3), Count("barrier", 1)]
    first = charts.bar_chart(counts, title="Findings by kind")
    assert charts.bar_chart(list(counts), title="Findings by kind") is first
    assert charts.bar_chart([Count("enabler", 4), Count("barrier", 1)], title="Findings by kind") is not first


def test_a_drawable_spec_carries_its_rows_as_arrow_and_is_made_once():
    spec = charts.kind_by_theme_chart(THEMES)
    ready = charts.drawable(charts.kind_by_theme_chart, THEMES)
    assert isinstance(ready["datasets"][charts.THEME_DATA], bytes)
    assert {key: value for key, value in ready.items() if key != "datasets"} == {
        key: value for key, value in spec.items() if key != "datasets"
    }
    assert charts.drawable(charts.kind_by_theme_chart, THEMES) is ready
    assert charts.drawable(charts.kind_by_theme_chart, ()) is None
