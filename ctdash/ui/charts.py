"""Charts as pure functions (data in, Altair chart out), each with a sentence for screen readers."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ctdash.overview import Count
from ctdash.ui.format import label

PALETTE = ["#1d4e89", "#00798c", "#d1495b", "#edae49", "#66a182", "#2e4057", "#8d96a3"]


def counts_frame(counts: list[Count]) -> pd.DataFrame:
    return pd.DataFrame({"label": [label(count.label) for count in counts], "count": [count.total for count in counts]})


def bar_chart(counts: list[Count], *, title: str) -> alt.Chart:
    """Horizontal bars in the given order, each bar labelled with its number so colour carries nothing alone."""
    frame = counts_frame(counts)
    order = list(frame["label"])
    base = alt.Chart(frame, title=title).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=13, labelOverlap=False)),
        x=alt.X("count:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("count:Q", title="Number")],
    )
    bars = base.mark_bar(color=PALETTE[0], cornerRadiusEnd=3)
    text = base.mark_text(align="left", dx=4, fontSize=13).encode(text="count:Q")
    return (bars + text).properties(height=alt.Step(28))


def describe(counts: list[Count], *, noun: str) -> str:
    """The chart's data as one sentence, e.g. 'Research projects: 2 planning, 1 analysis.'"""
    parts = [f"{count.total} {count.label}" for count in counts if count.total]
    return f"{noun}: " + (", ".join(parts) if parts else "none yet") + "."
