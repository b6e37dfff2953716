"""The presenter view: one slide a screen in type readable from the back of a room, and its controls.

The slide fills the page (the sidebar and header are hidden on this page only); a bar fixed at the
bottom holds Previous and Next (also the arrow keys, and PageUp and PageDown, which presentation
clickers send), where we are ("3 / 12" and a thin bar), the clock and an optional countdown. The place
is kept in the URL (``?session=7&slide=3``), so a reload, or a second screen given the link, stays on it.

Drawing a slide never shows a trace: anything unexpected is logged and the slide says calmly that it
cannot be shown, while the controls, drawn apart from it, still work.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import streamlit as st

from ctdash import clock
from ctdash.config import get_settings
from ctdash.format import link_id, plain
from ctdash.models import AgendaKind
from ctdash.slides import Deck, Slide

log = logging.getLogger("ctdash")

NEXT, PREVIOUS = "present_next", "present_previous"  # the buttons' keys (the keyboard script clicks them)
CLOCK = "present_clock"
MINUTES = "present_minutes"
TIMER_ENDS = "_present_timer_ends"  # when the countdown reaches zero (aware UTC), or absent
CANNOT_SHOW = "This slide cannot be shown just now and the problem has been logged; carry on with the next one."
TITLE = "Present a session"  # the heading when no session is named (a slide's own heading is its title)
NO_SESSION = "Open the session you want to present from the sessions list, then choose Present."
EMPTY = "This session's agenda is empty: add items to it on the session's page, then present it again."
TABLE_ROWS = 8  # rows that fit under a heading in full-size type; longer tables go in two halves, smaller
FONT_SCALE = 1.8  # chart lettering on a projector, against the library's sizes
STEP_SCALE = 1.6  # bar and row heights in charts, so bigger lettering still fits
BAR_ROOM = 420  # px for a chart's bars (its legend, axis and gaps take about as much again) on a 1080-line projector

STYLE = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2rem 4rem 9rem 4rem; }
.st-key-slide { color: #111418; }
.st-key-slide h1 { font-size: 3.2rem; line-height: 1.15; font-weight: 700; padding: 0 0 0.6rem 0; }
.st-key-slide h3 { font-size: 2rem; line-height: 1.3; font-weight: 500; color: #2b3440; padding: 0 0 1rem 0; }
.st-key-slide p, .st-key-slide li, .st-key-slide td, .st-key-slide th { font-size: 1.8rem; line-height: 1.45; }
.st-key-slide blockquote { border-left: 0.5rem solid #1d4e89; margin: 1.2rem 0; padding: 0.4rem 1.4rem; }
.st-key-slide blockquote p { font-size: 2.1rem; font-style: italic; color: #111418; }
.st-key-slide table { width: 100%; }
.st-key-slide th { text-align: left; }
.st-key-slide .st-key-long_table td, .st-key-slide .st-key-long_table th { font-size: 1.6rem; padding: 0.3rem 0.6rem; }
.st-key-slide [data-testid="stMetricValue"], .st-key-slide [data-testid="stMetricValue"] * {
  font-size: 3.6rem !important; line-height: 1.1; color: #111418; }
.st-key-slide [data-testid="stMetricLabel"], .st-key-slide [data-testid="stMetricLabel"] * {
  font-size: 1.6rem !important; color: #2b3440; }
.st-key-slide [data-testid="stAlert"] p { font-size: 1.8rem; }
.st-key-slide .st-key-chart_text p { font-size: 1.4rem; color: #2b3440; }
.st-key-present_controls { position: fixed; left: 0; right: 0; bottom: 0; z-index: 100; background: #ffffff;
  border-top: 1px solid #d0d7e2; padding: 0.6rem 4rem 0.8rem 4rem; }
.st-key-present_controls p { font-size: 1.25rem; }
.st-key-present_clock_face p { font-size: 1.6rem; font-variant-numeric: tabular-nums; text-align: right; }
</style>
"""

# Presentation clickers send PageDown and PageUp (the buttons' own shortcuts take the arrow keys); F
# toggles full screen, which a browser allows only in answer to a key or a click in the page itself.
KEYS = f"""
<script>
(() => {{
  if (window.__ctdashPresenterKeys) return;
  window.__ctdashPresenterKeys = true;
  const buttons = {{PageDown: "{NEXT}", PageUp: "{PREVIOUS}"}};
  document.addEventListener("keydown", event => {{
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if (!document.querySelector(".st-key-{NEXT}")) return;  // not on the presenter view
    if (event.key === "f" || event.key === "F") {{
      event.preventDefault();
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {{}});
      return;
    }}
    const key = buttons[event.key];
    const button = key && document.querySelector(`.st-key-${{key}} button`);
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  }});
}})();
</script>
"""


def style() -> None:
    """This page's large type, its full width without the sidebar, and the clicker keys."""
    st.html(STYLE)
    st.html(KEYS, unsafe_allow_javascript=True)


def meeting_from_url() -> int:
    """The session named by ``?session=``; without a usable one, say what to do and stop."""
    raw = st.query_params.get("session", "")
    if link_id(raw) is None:
        st.title(TITLE)
        st.info(NO_SESSION, icon=":material/slideshow:")
        st.stop()
    return link_id(raw)


def public_only_key(deck: Deck) -> str:
    return f"present_public_only_{deck.meeting_id}"


def public_only(deck: Deck) -> bool:
    """Whether to present only public content: always when the session is set so, else the switch."""
    if deck.public_only:
        return True
    return bool(st.session_state.get(public_only_key(deck), False))


def position(total: int) -> int:
    """The slide to show (1 to ``total``) from ``?slide=``, brought within range and written back."""
    raw = st.query_params.get("slide", "1")
    number = link_id(raw) or 1
    number = min(max(number, 1), max(total, 1))
    if raw != str(number):
        st.query_params["slide"] = str(number)
    return number


def _go(to: int) -> None:
    st.query_params["slide"] = str(to)


# --- the slide --------------------------------------------------------------------------------


def draw(slide: Slide, deck: Deck, *, live_panel: Callable[[Slide, Deck], None]) -> None:
    """One slide, full width; a welcome or wall slide also gets ``live_panel`` (the wall's way in)."""
    with st.container(key="slide"):
        area = st.empty()
        try:
            with area.container():
                _draw(slide, deck, live_panel)
        except Exception:
            log.exception("slide %r of session %s could not be drawn", slide.title, deck.meeting_id)
            with area.container():
                if slide.title:
                    st.markdown(f"# {plain(slide.title)}")
                st.info(CANNOT_SHOW, icon=":material/info:")
    if slide.note:
        with st.expander("Presenter's note", icon=":material/sticky_note_2:"):
            st.markdown(_lines(slide.note))


def _draw(slide: Slide, deck: Deck, live_panel: Callable[[Slide, Deck], None]) -> None:
    if slide.title:
        st.markdown(f"# {plain(slide.title)}")
    if slide.unavailable:
        st.info(plain(slide.unavailable), icon=":material/info:")
        return
    if slide.subtitle:
        st.markdown(f"### {plain(slide.subtitle)}")
    if slide.kind in (AgendaKind.WELCOME, AgendaKind.WALL):
        _body(slide)
        live_panel(slide, deck)  # full width: the QR code and address, or the wall's columns of themes
        return
    if slide.chart is not None:
        chart, beside = st.columns([3, 1], gap="large") if _number_facts(slide) else (st.container(), None)
        with chart:
            st.vega_lite_chart(projected(slide.chart), width="stretch")
            if slide.chart_text:
                st.container(key="chart_text").markdown(plain(slide.chart_text))
        if beside is not None:
            with beside:
                _facts(slide)
        return
    _body(slide)
    if slide.quote:
        st.markdown(f"> {plain(slide.quote)}")
    _facts(slide)
    if slide.chart_text:  # a chart with nothing to draw still has its sentence
        st.markdown(plain(slide.chart_text))
    if slide.table:
        _tables(slide.table)


def _body(slide: Slide) -> None:
    for paragraph in slide.body.split("\n\n"):
        if paragraph.strip():
            st.markdown(_lines(paragraph))


def _lines(text: str) -> str:
    """Plain text as markdown that keeps its line breaks (and a list's indent) and nothing else."""
    return "  \n".join(("&nbsp;" * (len(line) - len(line.lstrip()))) + plain(line) for line in text.splitlines())


def _number_facts(slide: Slide) -> list[tuple[str, str]]:
    return [(label, value) for label, value in slide.facts if value.isdigit()]


def _facts(slide: Slide) -> None:
    numbers = _number_facts(slide)
    words = [(label, value) for label, value in slide.facts if not value.isdigit()]
    for label, value in words:
        st.markdown(f"**{plain(label)}:** {plain(value)}")
    if numbers:
        if slide.chart is not None:  # beside a chart: one under another
            for label, value in numbers:
                st.metric(label, int(value))
        else:
            for column, (label, value) in zip(st.columns(len(numbers)), numbers, strict=True):
                column.metric(label, int(value))


def _tables(rows: tuple[tuple[str, ...], ...]) -> None:
    """A table that fits the screen: a long one (the map's fifteen services) in two halves side by side."""
    header, *body = rows
    if len(body) <= TABLE_ROWS:
        st.markdown(_table(rows))
        return
    half = -(-len(body) // 2)
    with st.container(key="long_table"):
        for column, part in zip(st.columns(2, gap="medium"), (body[:half], body[half:]), strict=True):
            column.markdown(_table((header, *part)))


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    header, *body = rows

    def line(cells) -> str:
        return "| " + " | ".join(plain(cell) or " " for cell in cells) + " |"

    return "\n".join([line(header), "|" + " --- |" * len(header), *(line(row) for row in body)])


INK = "#1b1f24"
PROJECTOR_CONFIG = {
    "axis": {"labelFontSize": 20, "titleFontSize": 20, "labelColor": INK, "titleColor": INK},
    "legend": {"labelFontSize": 22, "titleFontSize": 22, "labelColor": INK, "titleColor": INK, "symbolSize": 220},
}


def projected(spec: dict) -> dict:
    """A chart spec made for a projector: bigger lettering and bars in dark ink, without its own title
    (the slide's heading names the chart). A copy: the cached spec and its rows are left as they were."""
    scaled = _scaled({key: value for key, value in spec.items() if key not in ("datasets", "title")})
    scaled["config"] = _merged(scaled.get("config", {}), PROJECTOR_CONFIG)
    height = scaled.get("height")
    if isinstance(height, dict) and "step" in height:
        # Thinner bars when there are many, so the whole chart stays above the controls.
        bars = _categories(spec) * _offsets(spec)
        if bars and bars * height["step"] > BAR_ROOM:
            scaled["height"] = {**height, "step": max(8, BAR_ROOM // bars)}
    if "datasets" in spec:
        scaled["datasets"] = spec["datasets"]
    return scaled


def _categories(spec: dict) -> int:
    """How many rows (labels) the chart's data has."""
    labels = {
        row.get("label")
        for rows in spec.get("datasets", {}).values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict)
    }
    return len(labels)


def _offsets(spec) -> int:
    """How many bars share one row: the size of a ``yOffset`` domain anywhere in the spec, else 1."""
    if isinstance(spec, dict):
        offset = spec.get("yOffset")
        domain = offset.get("scale", {}).get("domain") if isinstance(offset, dict) else None
        if isinstance(domain, list):
            return len(domain)
        return max((_offsets(value) for key, value in spec.items() if key != "datasets"), default=1)
    if isinstance(spec, list):
        return max((_offsets(item) for item in spec), default=1)
    return 1


def _merged(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merged(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


_SCALED_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "labelLimit")  # lettering, and room for it


def _scaled(value):
    if isinstance(value, dict):
        scaled = {}
        for key, item in value.items():
            if key in _SCALED_KEYS and isinstance(item, int | float):
                scaled[key] = round(item * FONT_SCALE)
            elif key == "height" and isinstance(item, dict) and isinstance(item.get("step"), int | float):
                scaled[key] = {**item, "step": round(item["step"] * STEP_SCALE)}
            else:
                scaled[key] = _scaled(item)
        return scaled
    if isinstance(value, list):
        return [_scaled(item) for item in value]
    return copy.copy(value)


# --- the controls -----------------------------------------------------------------------------


def controls(deck: Deck, at: int, *, public_session: bool) -> None:
    """The bar at the bottom: Previous, where we are, Next, the clock, and the options.

    ``public_session``: the session itself is set to public only, so the switch stays on.
    """
    total = len(deck.slides)
    with st.container(key="present_controls"):
        back, where, forward, time_area, options = st.columns([2, 5, 2, 2, 1.5], vertical_alignment="center")
        back.button(
            "Previous",
            key=PREVIOUS,
            icon=":material/arrow_back:",
            shortcut="Left",
            on_click=_go,
            args=(at - 1,),
            disabled=at <= 1,
            width="stretch",
        )
        with where:
            public = " · **Public only**" if deck.public_only else ""
            st.markdown(f"**{at} / {total}** · {plain(deck.title)}{public}")
            st.progress(at / total if total else 0.0)
        forward.button(
            "Next",
            key=NEXT,
            icon=":material/arrow_forward:",
            icon_position="right",
            shortcut="Right",
            on_click=_go,
            args=(at + 1,),
            disabled=at >= total,
            type="primary",
            width="stretch",
        )
        with time_area:
            if st.session_state.get(CLOCK, True):
                _clock()
        with options, st.popover("Options", icon=":material/settings:"):
            _options(deck, public_session)


def _options(deck: Deck, public_session: bool) -> None:
    st.toggle(
        "Public only",
        key=public_only_key(deck),
        value=public_session,
        disabled=public_session,
        help="This session is set to public content only."
        if public_session
        else "Show only findings published for everyone: for open conferences.",
    )
    st.toggle("Clock", key=CLOCK, value=True)
    st.number_input("Countdown (minutes)", key=MINUTES, min_value=1, max_value=240, value=10, step=1)
    start, stop = st.columns(2)
    start.button("Start countdown", key="present_timer_start", on_click=_start_timer, width="stretch")
    stop.button("Stop", key="present_timer_stop", on_click=_stop_timer, width="stretch")
    st.caption("Keys: → or PageDown for the next slide, ← or PageUp for the one before, F for full screen.")
    back = {"id": deck.meeting_id}
    st.page_link("pages/session.py", label="Leave the presenter view", icon=":material/close:", query_params=back)


def _start_timer() -> None:
    minutes = int(st.session_state.get(MINUTES) or 10)
    st.session_state[TIMER_ENDS] = clock.now() + dt.timedelta(minutes=minutes)
    st.session_state[CLOCK] = True


def _stop_timer() -> None:
    st.session_state.pop(TIMER_ENDS, None)


@st.fragment(run_every=1)
def _clock() -> None:
    """The time in the UK and what is left of the countdown; only this part reruns every second."""
    now = clock.now()
    face = f"{now.astimezone(ZoneInfo(get_settings().timezone)):%H:%M}"
    ends = st.session_state.get(TIMER_ENDS)
    if ends is not None:
        left = int((ends - now).total_seconds())
        face += f" · {left // 60}:{left % 60:02d} left" if left > 0 else " · time is up"
    st.container(key="present_clock_face").markdown(f"**{face}**")
