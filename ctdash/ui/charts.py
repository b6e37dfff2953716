"""Charts as pure functions (data in, Vega-Lite spec out), each with a sentence for screen readers.

Specs are plain dicts drawn with st.vega_lite_chart: building and validating an Altair chart costs
about 20 ms a chart on every rerun (bench/README.md), more than the whole cached page otherwise.
"""

from __future__ import annotations

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
