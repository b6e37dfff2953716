"""Markdown that people typed, made safe to show: no raw HTML, no pictures from other sites, no script links.

A finding's summary is markdown written by one person and read by many, so before a page shows it
``render_markdown`` passes it through nh3 (the Rust ``ammonia`` sanitiser) with no tag allowed:
every HTML tag goes (a script or style with its content), and what is left of ``<`` and ``&`` is
escaped, so no markup survives to be interpreted. Markdown's own pictures and links are then
checked: a picture is replaced by its description (the app serves none of its own in a summary, so
every picture would come from another site and tell it who is reading), and a link whose address
is not http, https or mailto keeps its words and loses its address. The result is markdown for
``st.markdown``, whose parser decodes the escapes back into the characters typed.

Pure functions: no Streamlit, so the finding page, the share form's preview and tests call them alike.
"""

from __future__ import annotations

import re

import nh3

SAFE_SCHEMES = ("http://", "https://", "mailto:")

# ![description](address "title"): the address may hold one level of balanced brackets.
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
# ![description][reference] and ![reference]
_IMAGE_REFERENCE = re.compile(r"!\[([^\]\n]*)\](?:\[[^\]\n]*\])?")
_LINK = re.compile(r"\[([^\]\n]*)\]\([ \t]*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:[ \t]+[^)\n]*)?\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?(\S*?)>?(?:[ \t].*)?$", re.MULTILINE)
_QUOTE = re.compile(r"^((?: {0,3}&gt;)+)", re.MULTILINE)


def _is_safe(address: str) -> bool:
    text = address.strip().lower()
    # Anything that is not clearly a web or mail address (javascript:, data:, vbscript:, //host) goes.
    return text.startswith(SAFE_SCHEMES) or (text.startswith("#") and ":" not in text)


def render_markdown(text: str | None) -> str:
    """``text`` as markdown that is safe to show: see the module's docstring. Empty for None."""
    if not text:
        return ""
    cleaned = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    # A ">" that starts a line begins a quotation, never a tag: give markdown its quotation back.
    cleaned = _QUOTE.sub(lambda match: match.group(1).replace("&gt;", ">"), cleaned)
    cleaned = _IMAGE.sub(lambda match: match.group(1), cleaned)
    cleaned = _IMAGE_REFERENCE.sub(lambda match: match.group(1), cleaned)
    cleaned = _LINK.sub(lambda match: match.group(0) if _is_safe(match.group(2)) else match.group(1), cleaned)
    return _DEFINITION.sub(lambda match: match.group(0) if _is_safe(match.group(1)) else "", cleaned)
