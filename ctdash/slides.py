"""A working-group session's agenda as slides: what the presenter view shows and the meeting pack prints.

One ``Deck`` per session and viewer, made only of what may be presented: published findings (public
ones only when the session is presented to the public), never contact details, never a draft. An
item that cannot be shown becomes a slide with ``unavailable`` set, so the next one still works.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ctdash.models import AgendaKind


@dataclass(frozen=True)
class WallTheme:
    """One theme's posts on a session's live wall, for the wall slide and the pack's summary."""

    theme: str  # "No theme given" for posts without one
    enablers: int
    barriers: int
    posts: tuple[str, ...]  # the shown posts' words, newest first


@dataclass(frozen=True)
class Slide:
    kind: AgendaKind
    title: str
    subtitle: str = ""  # e.g. the service, cycle and kind of a finding
    body: str = ""  # plain text, paragraphs separated by blank lines (never markdown or HTML)
    quote: str = ""  # a finding's key quote
    facts: tuple[tuple[str, str], ...] = ()  # label and value lines: counts, stage, region
    chart: dict | None = None  # a Vega-Lite spec from ctdash.charts: drawn on screen, a picture in packs
    chart_text: str = ""  # the chart's text alternative
    table: tuple[tuple[str, ...], ...] = ()  # rows for the map and the status board; the first row is the header
    wall: tuple[WallTheme, ...] = ()  # the wall slide's posts by theme
    note: str = ""  # the presenter's note for this item
    unavailable: str = ""  # set when the item cannot be shown: one calm sentence instead of its content


@dataclass(frozen=True)
class Deck:
    meeting_id: int
    title: str
    held_on: dt.date
    place: str
    description: str
    join_code: str
    public_only: bool
    slides: tuple[Slide, ...]
