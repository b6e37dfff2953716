"""Charts as pure functions (data in, Vega-Lite spec dict out), each with sentences for screen readers.

Every chart is authored with Altair, but building and validating an Altair chart costs 20-75 ms (a
layered chart with a selection about 40 ms on the benchmark machine), too much for every rerun. So
each chart's Altair template (everything but its rows) is built and validated once per process, and
its rows are added as top-level ``datasets``; the finished spec is cached per distinct input
(``functools.lru_cache`` on hashable tuples), so a rerun with the same data returns the very same
dict without building anything. Pages draw ``drawable(chart, ...)``, the same spec with its rows
already in Arrow, so a rerun does not convert them either (bench/README.md has the figures). Specs
handed out are shared: callers must not change them (``st.vega_lite_chart`` copies before it edits)."""

from __future__ import annotations

import copy
import functools
import textwrap
from collections.abc import Callable, Hashable, Sequence

from ctdash.format import label, plain
from ctdash.overview import Count

BAR_COLOUR = "#1d4e89"  # the theme's primary colour
# Every word on a chart in the theme's text colour (.streamlit/config.toml): Streamlit's chart theme
# draws axis labels and titles in a grey of about 3.7:1 on white, under the 4.5:1 that WCAG asks.
TEXT_COLOUR = "#111418"
COUNTS_DATA = "counts"


def bar_chart(counts: Sequence[Count], *, title: str) -> dict:
    """Horizontal bars in the given order, each labelled with its number so colour carries nothing alone.

    Cached per (counts, title): a rerun with the same counts returns the same dict.
    """
    return _bar_chart(tuple(counts), title)


@functools.lru_cache(maxsize=64)
def _bar_chart(counts: tuple[Count, ...], title: str) -> dict:
    rows = [
        {"position": position, "label": label(count.label), "count": count.total}
        for position, count in enumerate(counts)
    ]
    return _with_datasets(_bar_template(title), {COUNTS_DATA: rows})


@functools.lru_cache(maxsize=16)
def _bar_template(title: str) -> dict:
    import altair as alt  # imported here: it takes a while to import, and only chart building needs it

    base = alt.Chart(alt.NamedData(COUNTS_DATA)).encode(
        y=alt.Y(
            "label:N",
            sort=alt.EncodingSortField("position", op="min"),
            title=None,
            axis=alt.Axis(labelLimit=220, labelFontSize=13, labelOverlap=False),
        ),
        x=alt.X("count:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("count:Q", title="Number")],
    )
    chart = alt.layer(
        base.mark_bar(color=BAR_COLOUR, cornerRadiusEnd=3),
        base.mark_text(align="left", dx=4, fontSize=13).encode(text="count:Q"),
    ).properties(title=title, height=alt.Step(28))
    return _readable(chart)


@functools.lru_cache(maxsize=128)
def drawable(build: Callable[..., dict | None], *args: Hashable, **kwargs: Hashable) -> dict | None:
    """``build(*args, **kwargs)``'s spec with its rows already turned into Arrow, ready to draw.

    ``st.vega_lite_chart`` turns a spec's ``datasets`` into Arrow on every call (1-4 ms a chart on
    the benchmark machine) unless they are Arrow bytes already, which it sends as they are; doing
    it here once per distinct input leaves a rerun only the JSON of the spec to send. The result
    is for drawing only (bytes are not Vega-Lite); tests and other callers use ``build`` itself.
    """
    from streamlit import dataframe_util

    spec = build(*args, **kwargs)
    if spec is None or not spec.get("datasets"):
        return spec
    arrow = {name: dataframe_util.convert_anything_to_arrow_bytes(rows) for name, rows in spec["datasets"].items()}
    return {**spec, "datasets": arrow}


def _readable(chart) -> dict:
    """The chart's spec with axis, legend, title and label text in the text colour."""
    chart = (
        chart.configure_axis(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR)
        .configure_legend(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR)
        .configure_title(color=TEXT_COLOUR)
        .configure_text(color=TEXT_COLOUR)
    )
    return chart.to_dict()


def _with_datasets(template: dict, datasets: dict[str, list[dict]]) -> dict:
    """The validated template with its rows: a shallow copy, so the template itself stays unchanged."""
    spec = dict(template)
    spec["datasets"] = datasets
    return spec


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
    return _readable(chart)


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


# --- the findings library's charts --------------------------------------------------------------
#
# Each takes the library's cross counts for the current view as hashable tuples and returns a spec
# with one point selection, or None when there is nothing to draw (the caller shows the sentence from
# the matching describe_* function instead). Kinds are told apart by colour (Okabe-Ito, safe for
# colour-blindness), by their place within each group (always enablers, barriers, insights, in that
# order) and by a direct label on every bar ("8 enablers"), so colour carries nothing alone.

KindByTheme = tuple[tuple[str, str, str, int], ...]  # (theme slug, theme name, kind, count)
KindByCycle = tuple[tuple[str, str, int], ...]  # (cycle such as "2024-25", kind, count)
ThemeByPartner = tuple[tuple[str, str, str, str, int], ...]  # (theme slug, theme name, partner slug, short name, count)

# Selection parameter names: ``event.selection[NAME]`` is a list of dicts of the selected fields.
THEME_SELECTION = "pick_theme"  # fields: "theme" (the theme slug)
CYCLE_SELECTION = "pick_cycle"  # fields: "cycle"
CELL_SELECTION = "pick_cell"  # fields: "theme" (theme slug) and "partner" (partner slug)

KINDS = ("enabler", "barrier", "insight")
OTHER_KIND = "none"  # a finding saved without a kind
KIND_COLOURS = {"enabler": "#009E73", "barrier": "#D55E00", "insight": "#0072B2", OTHER_KIND: "#999999"}
KIND_NAMES = {"enabler": "Enablers", "barrier": "Barriers", "insight": "Insights", OTHER_KIND: "No kind given"}
KIND_WORDS = {
    "enabler": ("enabler", "enablers"),
    "barrier": ("barrier", "barriers"),
    "insight": ("insight", "insights"),
    OTHER_KIND: ("without a kind", "without a kind"),
}
# Caches hold one entry per distinct view (search and filters) and chart: a heat map's key holds its
# rows, up to 200 services x 13 themes (about 300 kB), hence 64 entries a function.

# The heat map shows the services with the most findings, so that its cells stay big enough to read
# (and to click) even at 200 services; the caption and the table below it say how many were left out.
HEATMAP_PARTNERS = 15

THEME_DATA = "kind_by_theme"
CYCLE_DATA = "kind_by_cycle"
CELL_DATA = "theme_by_partner"


def _kind(kind: str | None) -> str:
    return kind if kind in KINDS else OTHER_KIND


def _counted(total: int, kind: str) -> str:
    """'1 enabler', '8 barriers', '2 without a kind'."""
    singular, plural = KIND_WORDS[kind]
    return f"{total} {singular if total == 1 else plural}"


def _kind_totals(rows: list[tuple[str, int]]) -> dict[str, int]:
    """Counts by kind in the fixed kind order, kinds without findings left out."""
    totals: dict[str, int] = {}
    for kind, total in rows:
        if total > 0:
            totals[_kind(kind)] = totals.get(_kind(kind), 0) + total
    order = (*KINDS, OTHER_KIND)
    return {kind: totals[kind] for kind in order if kind in totals}


def _breakdown(totals: dict[str, int]) -> str:
    """'8 enablers, 4 barriers'."""
    return ", ".join(_counted(total, kind) for kind, total in totals.items())


def _group_totals(rows: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """(group, kind, count) rows as {group: {kind: count}}, zero and negative counts dropped."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for group, kind, total in rows:
        groups.setdefault(group, []).append((kind, total))
    return {group: totals for group, kinds in groups.items() if (totals := _kind_totals(kinds))}


@functools.lru_cache(maxsize=64)
def kind_by_theme_chart(rows: KindByTheme) -> dict | None:
    """Enablers, barriers and insights per theme, the theme with most findings first; None when empty.

    Clicking a bar selects its theme: ``event.selection["pick_theme"] == [{"theme": slug}]``.
    """
    names = {slug: name for slug, name, _, _ in rows}
    groups = _group_totals([(slug, kind, total) for slug, _, kind, total in rows])
    if not groups:
        return None
    ranked = sorted(groups, key=lambda slug: (-sum(groups[slug].values()), names[slug].casefold()))
    return _kind_bars(THEME_DATA, [(slug, names[slug], groups[slug]) for slug in ranked])


@functools.lru_cache(maxsize=64)
def kind_by_cycle_chart(rows: KindByCycle) -> dict | None:
    """Enablers, barriers and insights per cycle, oldest cycle first; None when empty.

    Clicking a bar selects its cycle: ``event.selection["pick_cycle"] == [{"cycle": "2024-25"}]``.
    """
    groups = _group_totals(list(rows))
    if not groups:
        return None
    return _kind_bars(CYCLE_DATA, [(cycle, cycle, groups[cycle]) for cycle in sorted(groups)])


_KIND_BARS = {
    # dataset: (title, what a group is, the field the selection carries, the selection's name)
    THEME_DATA: ("Enablers and barriers by theme", "Theme", "theme", THEME_SELECTION),
    CYCLE_DATA: ("Findings per cycle by kind", "Cycle", "cycle", CYCLE_SELECTION),
}
ROOM = "room"  # a chart variable: the end of the count axis, beyond the longest bar so its label fits
LABEL_ROOM = 1.5  # the axis runs to 1.5 times the longest bar: room for "12 barriers" on a phone


def _kind_bars(dataset: str, groups: list[tuple[str, str, dict[str, int]]]) -> dict:
    """The grouped bars' spec for (key, name, {kind: count}) groups, in the order given."""
    _, group_title, field, _ = _KIND_BARS[dataset]
    with_other = any(OTHER_KIND in kinds for _, _, kinds in groups)
    data = [
        {
            field: key,
            "name": name,
            "label": _wrapped(name),
            "rank": rank,
            "kind": KIND_NAMES[kind],
            "count": total,
            "text": _counted(total, kind),
            "description": f"{group_title} {name}: {_counted(total, kind)}.",
        }
        for rank, (key, name, kinds) in enumerate(groups)
        for kind, total in kinds.items()
    ]
    longest = max(row["count"] for row in data)
    spec = _with_datasets(_kind_bars_template(dataset, with_other), {dataset: data})
    spec["params"] = [
        {**param, "value": longest * LABEL_ROOM} if param["name"] == ROOM else param for param in spec["params"]
    ]
    return spec


def _wrapped(name: str, width: int = 24) -> str:
    """A long axis label over lines of at most ``width`` characters (the axis splits it at each newline)."""
    return "\n".join(textwrap.wrap(name, width)) or name


# An axis label over several lines: Vega draws a label that is a list of strings as one line each.
WRAPPED_LABEL = "split(datum.label, '\\n')"


@functools.lru_cache(maxsize=8)
def _kind_bars_template(dataset: str, with_other: bool) -> dict:
    """Grouped horizontal bars: one group per theme or cycle, one bar per kind, each bar labelled."""
    import altair as alt

    title, group, field, selection_name = _KIND_BARS[dataset]
    kinds = (*KINDS, OTHER_KIND) if with_other else KINDS
    names = [KIND_NAMES[kind] for kind in kinds]
    picked = alt.selection_point(name=selection_name, fields=[field], toggle=False)
    room = alt.param(name=ROOM, value=1)
    base = alt.Chart(alt.NamedData(dataset)).encode(
        y=alt.Y(
            "label:N",
            sort=alt.EncodingSortField("rank", op="min"),
            title=None,
            axis=alt.Axis(labelExpr=WRAPPED_LABEL, labelLimit=200, labelFontSize=13, labelPadding=6),
        ),
        yOffset=alt.YOffset("kind:N", sort=names, scale=alt.Scale(domain=names)),
        x=alt.X(
            "count:Q",
            title="Findings",
            axis=alt.Axis(tickMinStep=1, format="d"),
            scale=alt.Scale(domainMin=0, domainMax=alt.ExprRef(ROOM), nice=False),
        ),
        description="description:N",
        tooltip=[
            alt.Tooltip("name:N", title=group),
            alt.Tooltip("kind:N", title="Kind"),
            alt.Tooltip("count:Q", title="Findings"),
        ],
    )
    bars = (
        base.mark_bar(cornerRadiusEnd=2, cursor="pointer")
        .encode(
            color=alt.Color(
                "kind:N",
                sort=names,
                scale=alt.Scale(domain=names, range=[KIND_COLOURS[kind] for kind in kinds]),
                legend=alt.Legend(title="Kind", orient="top", labelFontSize=13, titleFontSize=13),
            ),
            opacity=alt.condition(picked, alt.value(1.0), alt.value(0.35)),
        )
        .add_params(picked)
    )
    # A click on a label ("6 barriers") selects as one on its bar does: the selection listens to
    # clicks anywhere in the layer and reads the clicked item's fields, which the label has too.
    labels = base.mark_text(align="left", baseline="middle", dx=4, fontSize=12, aria=False, cursor="pointer").encode(
        text="text:N"
    )
    # With an offset channel the height step is that of one bar, not of a group.
    chart = alt.layer(bars, labels).add_params(room).properties(title=title, height=alt.Step(20))
    return _readable(chart)


@functools.lru_cache(maxsize=64)
def theme_partner_heatmap(rows: ThemeByPartner, *, partners: int = HEATMAP_PARTNERS) -> dict | None:
    """Findings per theme (rows) and partner service (columns) as shaded, numbered cells; None when empty.

    Only the ``partners`` services with the most findings are drawn, so that 200 services stay
    readable; ``describe_theme_partner`` says how many more there are. Clicking a cell selects it:
    ``event.selection["pick_cell"] == [{"theme": theme slug, "partner": partner slug}]``.
    """
    shown, _ = _top_partners(rows, partners)
    cells = [row for row in rows if row[4] > 0 and row[2] in shown]
    if not cells:
        return None
    theme_totals: dict[str, int] = {}
    theme_names: dict[str, str] = {}
    for theme, name, _, _, total in cells:
        theme_totals[theme] = theme_totals.get(theme, 0) + total
        theme_names[theme] = name
    ranked = sorted(theme_totals, key=lambda theme: (-theme_totals[theme], theme_names[theme].casefold()))
    theme_rank = {theme: rank for rank, theme in enumerate(ranked)}
    largest = max(row[4] for row in cells)
    data = [
        {
            "theme": theme,
            "name": name,
            "label": _wrapped(name, 30),  # two lines at most for the themes seeded, to fit a row
            "theme_rank": theme_rank[theme],
            "partner": partner,
            "short_name": short_name,
            "partner_rank": shown[partner],
            "count": total,
            # White numbers on the darker half of the scale, dark ones on the lighter half.
            "dark": total > largest / 2,
            "description": f"{short_name}, {name}: {total} finding{'s' if total != 1 else ''}.",
        }
        for theme, name, partner, short_name, total in cells
    ]
    return _with_datasets(_heatmap_template(), {CELL_DATA: data})


def _top_partners(rows: ThemeByPartner, limit: int) -> tuple[dict[str, int], int]:
    """The ``limit`` partners with most findings as {slug: rank}, and how many partners there are in all."""
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    for _, _, partner, short_name, total in rows:
        if total > 0:
            totals[partner] = totals.get(partner, 0) + total
            names[partner] = short_name
    ranked = sorted(totals, key=lambda partner: (-totals[partner], names[partner].casefold()))
    return {partner: rank for rank, partner in enumerate(ranked[:limit])}, len(ranked)


@functools.lru_cache(maxsize=1)
def _heatmap_template() -> dict:
    import altair as alt

    picked = alt.selection_point(name=CELL_SELECTION, fields=["theme", "partner"], toggle=False)
    base = alt.Chart(alt.NamedData(CELL_DATA)).encode(
        y=alt.Y(
            "label:N",
            sort=alt.EncodingSortField("theme_rank", op="min"),
            title=None,
            axis=alt.Axis(
                labelExpr=WRAPPED_LABEL, labelLimit=210, labelFontSize=13, labelPadding=6, labelOverlap=False
            ),
        ),
        x=alt.X(
            "short_name:N",
            sort=alt.EncodingSortField("partner_rank", op="min"),
            title=None,
            # Upright names, one a column, never thinned out however narrow the screen.
            axis=alt.Axis(orient="top", labelAngle=-90, labelLimit=120, labelFontSize=12, labelOverlap=False),
        ),
        description="description:N",
        tooltip=[
            alt.Tooltip("name:N", title="Theme"),
            alt.Tooltip("short_name:N", title="Partner service"),
            alt.Tooltip("count:Q", title="Findings"),
        ],
    )
    cells = (
        base.mark_rect(stroke="white", strokeWidth=1, cursor="pointer")
        .encode(
            color=alt.Color(
                "count:Q",
                # One hue from light to dark reads the same with colour-blindness and in greyscale;
                # every cell also carries its number.
                scale=alt.Scale(scheme="blues", domainMin=0),
                legend=alt.Legend(title="Findings", orient="bottom", format="d", tickMinStep=1, gradientLength=160),
            ),
            opacity=alt.condition(picked, alt.value(1.0), alt.value(0.35)),
        )
        .add_params(picked)
    )
    # The numbers sit on top of the cells; a click on one selects its cell (see the bars' labels).
    numbers = base.mark_text(fontSize=12, aria=False, cursor="pointer").encode(
        text="count:Q", color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("#1a1a1a"))
    )
    chart = alt.layer(cells, numbers).properties(title="Findings by theme and partner service", height=alt.Step(42))
    return _readable(chart)


# --- their sentences and tables -----------------------------------------------------------------


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@functools.lru_cache(maxsize=64)
def describe_kind_by_theme(rows: KindByTheme) -> str:
    """The theme chart in one or two sentences, e.g. 'Most findings are about SEND (12: 8 enablers, 4 barriers)...'."""
    names = {slug: name for slug, name, _, _ in rows}
    groups = _group_totals([(slug, kind, total) for slug, _, kind, total in rows])
    if not groups:
        return "No findings to chart by theme."
    ranked = sorted(groups, key=lambda slug: (-sum(groups[slug].values()), names[slug].casefold()))
    top = ranked[0]
    text = f"Most findings are about {names[top]} ({sum(groups[top].values())}: {_breakdown(groups[top])})"
    others = [f"{names[slug]} ({sum(groups[slug].values())})" for slug in ranked[1:3]]
    text += f", then {_listed(others)}." if others else "."
    if len(ranked) > 3:
        text += f" {len(ranked)} themes in all."
    mostly_barriers = [
        names[slug] for slug in ranked if groups[slug].get("barrier", 0) > groups[slug].get("enabler", 0)
    ]
    if mostly_barriers:
        shown = mostly_barriers[:3] + ([f"{len(mostly_barriers) - 3} more"] if len(mostly_barriers) > 3 else [])
        text += f" Barriers outnumber enablers in {_listed(shown)}."
    return text


@functools.lru_cache(maxsize=64)
def describe_kind_by_cycle(rows: KindByCycle) -> str:
    """The cycle chart in one or two sentences: the span of cycles and the busiest one."""
    groups = _group_totals(list(rows))
    if not groups:
        return "No findings to chart by cycle."
    cycles = sorted(groups)
    busiest = max(cycles, key=lambda cycle: (sum(groups[cycle].values()), cycle))
    total = sum(sum(kinds.values()) for kinds in groups.values())
    span = f"in {cycles[0]}" if len(cycles) == 1 else f"from {cycles[0]} to {cycles[-1]}"
    text = f"{total} finding{'s' if total != 1 else ''} {span}"
    if len(cycles) == 1:
        return f"{text}: {_breakdown(groups[busiest])}."
    busiest_total = sum(groups[busiest].values())
    return f"{text}; most in {busiest} ({busiest_total}: {_breakdown(groups[busiest])})."


@functools.lru_cache(maxsize=64)
def describe_theme_partner(rows: ThemeByPartner, *, partners: int = HEATMAP_PARTNERS) -> str:
    """The heat map in one or two sentences: the largest cell, how many services and themes, and who is left out."""
    cells = [row for row in rows if row[4] > 0]
    if not cells:
        return "No findings to chart by theme and partner service."
    # The largest cell; of equal ones, the first by theme and then service name.
    _, theme, partner, total = min((-row[4], row[1], row[3], row[4]) for row in cells)
    shown, all_partners = _top_partners(rows, partners)
    themes = len({row[0] for row in cells})
    text = (
        f"The most findings on one theme from one service: {partner} on {theme} ({total}). "
        f"{all_partners} service{'s' if all_partners != 1 else ''} and {themes} theme{'s' if themes != 1 else ''} "
        "have findings."
    )
    if all_partners > len(shown):
        text += (
            f" The chart shows the {len(shown)} services with the most findings; "
            f"{all_partners - len(shown)} more are not drawn."
        )
    return text


@functools.lru_cache(maxsize=64)
def kind_by_theme_table(rows: KindByTheme) -> str:
    """The theme chart's numbers as a markdown table, for reading aloud and copying."""
    names = {slug: name for slug, name, _, _ in rows}
    groups = _group_totals([(slug, kind, total) for slug, _, kind, total in rows])
    ranked = sorted(groups, key=lambda slug: (-sum(groups[slug].values()), names[slug].casefold()))
    return _kind_table("Theme", [(names[slug], groups[slug]) for slug in ranked])


@functools.lru_cache(maxsize=64)
def kind_by_cycle_table(rows: KindByCycle) -> str:
    """The cycle chart's numbers as a markdown table."""
    groups = _group_totals(list(rows))
    return _kind_table("Cycle", [(cycle, groups[cycle]) for cycle in sorted(groups)])


def _kind_table(group: str, rows: list[tuple[str, dict[str, int]]]) -> str:
    other = any(OTHER_KIND in kinds for _, kinds in rows)
    kinds = (*KINDS, OTHER_KIND) if other else KINDS
    lines = [
        "| " + " | ".join([group, *(KIND_NAMES[kind] for kind in kinds), "Total"]) + " |",
        "|" + " --- |" + " ---: |" * (len(kinds) + 1),
    ]
    for name, totals in rows:
        numbers = [str(totals.get(kind, 0)) for kind in kinds]
        lines.append("| " + " | ".join([plain(name), *numbers, str(sum(totals.values()))]) + " |")
    return "\n".join(lines)


@functools.lru_cache(maxsize=64)
def theme_partner_table(rows: ThemeByPartner, *, partners: int = HEATMAP_PARTNERS) -> str:
    """The heat map's cells as a markdown table (the services drawn), most findings first."""
    shown, _ = _top_partners(rows, partners)
    cells = sorted(
        (row for row in rows if row[4] > 0 and row[2] in shown),
        key=lambda row: (-row[4], row[3].casefold(), row[1].casefold()),
    )
    lines = ["| Partner service | Theme | Findings |", "| --- | --- | ---: |"]
    lines += [f"| {plain(short_name)} | {plain(name)} | {total} |" for _, name, _, short_name, total in cells]
    return "\n".join(lines)
