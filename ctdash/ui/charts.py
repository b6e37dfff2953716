"""Charts as pure functions (data in, Vega-Lite spec out), each with a sentence for screen readers.

Specs are plain dicts drawn with st.vega_lite_chart: building and validating an Altair chart costs
about 20 ms a chart on every rerun (bench/README.md), more than the whole cached page otherwise.
"""

from __future__ import annotations

import copy
import functools

from ctdash.overview import Count
from ctdash.ui.format import label

BAR_COLOUR = "#1d4e89"  # the theme's primary colour


def bar_chart(counts: list[Count], *, title: str) -> dict:
    """Horizontal bars in the given order, each labelled with its number so colour carries nothing alone."""
    rows = [{"label": label(count.label), "count": count.total} for count in counts]
    order = [row["label"] for row in rows]
    encoding = {
        "y": {
            "field": "label",
            "type": "nominal",
            "sort": order,
            "title": None,
            "axis": {"labelLimit": 220, "labelFontSize": 13, "labelOverlap": False},
        },
        "x": {"field": "count", "type": "quantitative", "title": None, "axis": {"tickMinStep": 1, "format": "d"}},
        "tooltip": [
            {"field": "label", "type": "nominal", "title": title},
            {"field": "count", "type": "quantitative", "title": "Number"},
        ],
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "data": {"values": rows},
        "height": {"step": 28},
        "encoding": encoding,
        "layer": [
            {"mark": {"type": "bar", "color": BAR_COLOUR, "cornerRadiusEnd": 3}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 13},
                "encoding": {"text": {"field": "count"}},
            },
        ],
    }


def describe(counts: list[Count], *, noun: str) -> str:
    """The chart's data as one sentence, e.g. 'Research projects: 2 planning, 1 analysis.'"""
    parts = [f"{count.total} {count.label}" for count in counts if count.total]
    return f"{noun}: " + (", ".join(parts) if parts else "none yet") + "."


# Stage colours from the Okabe-Ito palette (distinguishable with colour-blindness), each stage with
# its own shape too, so the legend reads in greyscale.
STAGE_COLOURS = {
    "proposed": "#999999",
    "planning": "#56B4E9",
    "data collection": "#E69F00",
    "analysis": "#0072B2",
    "sharing findings": "#009E73",
    "complete": "#000000",
    "paused": "#D55E00",
}
STAGE_SHAPES = {
    "proposed": "circle",
    "planning": "square",
    "data collection": "triangle-up",
    "analysis": "diamond",
    "sharing findings": "triangle-right",
    "complete": "cross",
    "paused": "triangle-down",
}


def project_timeline(rows: list[tuple[str, str, str, str]], cycles: list[str]) -> dict:
    """Projects by partner (rows) across cycles (columns), one mark per project, coloured and shaped by stage.

    ``rows`` are (partner, cycle, title, stage); ``cycles`` are every cycle to show, in order, so a
    cycle without projects still has its column. The chart is built and validated with Altair once
    per set of cycles (``_timeline_template``); the rows are added to the validated spec afterwards,
    since Altair's schema check costs about a third of a millisecond per row.
    """
    spec = copy.deepcopy(_timeline_template(tuple(cycles)))
    spec["datasets"] = {
        TIMELINE_DATA: [
            {"Partner": partner, "Cycle": cycle, "Project": title, "Stage": label(stage)}
            for partner, cycle, title, stage in rows
        ]
    }
    return spec


TIMELINE_DATA = "projects"


@functools.lru_cache(maxsize=16)
def _timeline_template(cycles: tuple[str, ...]) -> dict:
    import altair as alt  # imported here: only this chart needs it, and it takes a while to import

    stages = [label(stage) for stage in STAGE_COLOURS]
    chart = (
        alt.Chart(alt.NamedData(TIMELINE_DATA))
        .mark_point(filled=True, size=220, opacity=0.9)
        .encode(
            x=alt.X(
                "Cycle:O",
                sort=list(cycles),
                scale=alt.Scale(domain=list(cycles)),
                axis=alt.Axis(labelAngle=0, title=None),
            ),
            y=alt.Y("Partner:N", sort="ascending", axis=alt.Axis(title=None, labelLimit=220, labelFontSize=13)),
            xOffset=alt.XOffset("Project:N"),
            color=alt.Color(
                "Stage:N",
                sort=stages,
                scale=alt.Scale(domain=stages, range=list(STAGE_COLOURS.values())),
                legend=alt.Legend(title="Stage", orient="bottom", columns=4, labelFontSize=13),
            ),
            shape=alt.Shape("Stage:N", sort=stages, scale=alt.Scale(domain=stages, range=list(STAGE_SHAPES.values()))),
            tooltip=["Partner:N", "Cycle:O", "Project:N", "Stage:N"],
        )
        .properties(height=alt.Step(30))
    )
    return chart.to_dict()


def describe_timeline(rows: list[tuple[str, str, str, str]]) -> str:
    """The timeline as a sentence: how many projects, by how many services, over which cycles."""
    if not rows:
        return "No projects."
    cycles = sorted({cycle for _, cycle, _, _ in rows})
    partners = {partner for partner, _, _, _ in rows}
    span = cycles[0] if len(cycles) == 1 else f"{cycles[0]} to {cycles[-1]}"
    return (
        f"{len(rows)} project(s) by {len(partners)} partner service(s), {span}. "
        "The same projects are on the Board and listed under Counts and table."
    )
