"""The partner map: a pydeck chart built from ``partners.map_rows``, its legend, and what a click selects.

Built as plain functions (rows in, ``pdk.Deck`` out; event in, partner id out) so tests can check the
spec and the selection without a browser. Roles are told apart by colour *and* by shape and label:
action research partners have a ring and a star in their label; working-group members a plain dot.

``prepare`` is a read service for ``ui.read``: the rows and the map's JSON together, built once per
data revision and filter choice. Turning 200 partners into deck.gl JSON took most of a rerun (about
60 ms of a 65 ms warm rerun on the generated dataset) when the deck was rebuilt every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
from pydeck.types import String  # a literal: pydeck reads plain strings as JavaScript expressions
from sqlalchemy.orm import Session

from ctdash import partners
from ctdash.db import areas_read_by, reads
from ctdash.viewer import Viewer

LAYER = "partners"  # the selection event names the layer by this id
LABELS = "partner-labels"
ACTION_RESEARCH_COLOUR = [214, 96, 18, 230]  # orange, 4.6:1 on white with its dark ring
WORKING_GROUP_COLOUR = [29, 78, 137, 220]  # the theme's blue
RING_COLOUR = [40, 20, 0, 255]
STAR = "★"
ENGLAND = pdk.ViewState(latitude=53.0, longitude=-1.8, zoom=5.3, min_zoom=4, max_zoom=11)
LEGEND = (
    f"**{STAR} Orange dot with a dark ring**: action research partner (funded to research inclusion; "
    "all are also working-group members)  \n"
    "**Blue dot**: working-group member  \n"
    "Bigger dots have more published findings."
)
TOOLTIP = {"html": "<b>{name}</b><br/>{roles}<br/>{project_line}<br/>{published_findings} published findings"}


def _points(rows: pd.DataFrame) -> pd.DataFrame:
    points = rows[rows["latitude"].notna() & rows["longitude"].notna()].copy()
    points["colour"] = [ACTION_RESEARCH_COLOUR if flag else WORKING_GROUP_COLOUR for flag in points["action_research"]]
    points["ring"] = [2 if flag else 0 for flag in points["action_research"]]
    points["radius"] = [6 + 3 * math.sqrt(count) for count in points["published_findings"]]
    points["label"] = [
        f"{STAR} {name}" if flag else name for name, flag in zip(points["name"], points["action_research"], strict=True)
    ]
    points["project_line"] = [
        f"{project} ({stage})" if project else "No project recorded"
        for project, stage in zip(points["current_project"], points["current_stage"], strict=True)
    ]
    columns = [
        "id",
        "name",
        "roles",
        "latitude",
        "longitude",
        "colour",
        "ring",
        "radius",
        "label",
        "project_line",
        "published_findings",
    ]
    return points[columns].astype({"id": int, "published_findings": int})


def _view(points: pd.DataFrame) -> pdk.ViewState:
    """Centred on the partners shown, close enough to tell neighbours apart; England when none have a place."""
    if points.empty:
        return ENGLAND
    view = pdk.data_utils.compute_view(points[["longitude", "latitude"]], view_proportion=1)
    view.zoom = min(max(view.zoom, 5.0), 9.0)
    return view


def build_deck(rows: pd.DataFrame) -> pdk.Deck:
    """The map of ``rows`` (``partners.map_rows``). No API key: Carto's free basemap, and without a
    network the dots, labels and tooltips still draw on a plain background."""
    points = _points(rows)
    dots = pdk.Layer(
        "ScatterplotLayer",
        id=LAYER,
        data=points.to_dict(orient="records"),  # records: pydeck cannot serialise a pandas 3 frame itself
        get_position=["longitude", "latitude"],
        get_fill_color="colour",
        get_line_color=RING_COLOUR,
        get_line_width="ring",
        line_width_units=String("pixels"),
        stroked=True,
        get_radius="radius",
        radius_units=String("pixels"),
        pickable=True,
        auto_highlight=True,
    )
    labels = pdk.Layer(
        "TextLayer",
        id=LABELS,
        data=points[["longitude", "latitude", "label"]].to_dict(orient="records"),
        get_position=["longitude", "latitude"],
        get_text="label",
        get_size=13,
        get_color=[27, 31, 36, 255],
        get_pixel_offset=[0, -18],
        get_text_anchor=String("middle"),
        get_alignment_baseline=String("bottom"),
        character_set=String("auto"),
        font_family=String("sans-serif"),
        pickable=False,
    )
    return pdk.Deck(
        layers=[dots, labels],
        initial_view_state=_view(points),
        map_provider="carto",
        map_style=pdk.map_styles.CARTO_LIGHT_NO_LABELS,
        tooltip=TOOLTIP,
    )


class PreparedDeck(pdk.Deck):
    """A deck whose JSON was written before (``MapView.spec``), for ``st.pydeck_chart``: it sends what
    ``to_json()`` returns and the tooltip, so handing it this skips turning the points into JSON again."""

    def __init__(self, spec: str) -> None:
        super().__init__(layers=[], tooltip=TOOLTIP)
        self._spec = spec

    def to_json(self) -> str:
        return self._spec


@dataclass(frozen=True)
class MapView:
    """The partner map page's data for one choice of filters: its rows and the map drawn from them."""

    rows: pd.DataFrame  # partners.map_rows
    spec: str  # build_deck(rows) as JSON

    def deck(self) -> PreparedDeck:
        return PreparedDeck(self.spec)


@reads(*areas_read_by(partners.map_rows))
def prepare(session: Session, *, viewer: Viewer, **filters: str | None) -> MapView:
    """The map page's rows (``partners.map_rows`` with ``filters``) and map, for ``ui.read``: cached
    with the rows, so a rerun reuses the JSON."""
    rows = partners.map_rows(session, viewer=viewer, **filters)
    return MapView(rows=rows, spec=build_deck(rows).to_json() if not rows.empty else "")


def selected_partner(event) -> int | None:
    """The partner id a map click selected, from Streamlit's selection event, if any."""
    try:
        objects = event["selection"]["objects"].get(LAYER) or []
    except (KeyError, TypeError, AttributeError):
        return None
    if not objects:
        return None
    try:
        return int(objects[0]["id"])
    except (KeyError, TypeError, ValueError):
        return None


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """The text alternative to the map: the same partners and facts, sortable, with profile links."""
    return pd.DataFrame(
        {
            "Partner service": rows["name"],
            "Profile": [f"partner?id={partner_id}" for partner_id in rows["id"]],
            "Roles": rows["roles"],
            "Region": rows["region"],
            "Area": rows["local_authority"],
            "Current project": rows["current_project"].fillna("—"),
            "Stage": rows["current_stage"].fillna("—"),
            "Published findings": rows["published_findings"].astype(int),
        }
    )
