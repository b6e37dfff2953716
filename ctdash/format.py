"""Turning stored values into text for people: times in Europe/London, safe inline text."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ctdash.config import get_settings

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@])")
_HEADING_SPECIALS = re.compile(r"([\\`*_\[\]<>~$|])")
_BLOCK_START = re.compile(r"^(\d+(?=[.)])|)([-+#>=]|(?<=\d)[.)])")  # "1. ", "2) ", "- ", "> ", "# "


def local_time(value: dt.datetime | None, *, with_time: bool = False) -> str:
    """A stored UTC time as people in the UK read it, e.g. '3 March 2026' or '3 March 2026, 14:05'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(get_settings().timezone))
    text = f"{local.day} {local:%B %Y}"
    return f"{text}, {local:%H:%M}" if with_time else text


def plain(text: str) -> str:
    """User text shown inside Streamlit markdown exactly as typed: no markdown links, images, HTML or formatting.

    A bare web or email address is still shown as a link (GitHub-flavoured markdown finds them after
    escapes are read); ``literal`` shows text that must not be one.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def heading(text: str) -> str:
    """User text as a page title (st.title reads markdown): no link, picture, HTML, formatting or colour.

    Lighter than ``plain``: parentheses, full stops and hyphens are left alone inside the text, so a
    heading reads as typed; one that starts like a list, quotation or heading ("1. ", "- ", "> ") has
    that mark escaped. A bare web address is still a link, as with ``plain``.
    """
    escaped = _HEADING_SPECIALS.sub(r"\\\1", " ".join(text.split()))
    return _BLOCK_START.sub(r"\1\\\2", escaped)


def literal(text: str) -> str:
    """User text as an inline code span in Streamlit markdown: shown exactly, never a link (not even an
    email address or web address, which GitHub-flavoured markdown links however they are escaped)."""
    text = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def label(value: str) -> str:
    """An enum value as a heading word: 'data collection' -> 'Data collection'."""
    return value.replace("_", " ").capitalize()


def link_id(text: str | None) -> int | None:
    """The row id a link's ``?id=`` names: 1 to 9 ASCII digits; None for anything else.

    ``int()`` alone takes "²"-like digits it then cannot read, other scripts' digits, spaces and ids too
    large for SQLite's or PostgreSQL's integers (an overflow error instead of "not found").
    """
    if text is None or not (0 < len(text) < 10 and text.isascii() and text.isdigit()):
        return None
    return int(text)
