"""Markdown that people type (a finding's summary) as HTML that is safe to put on a page.

Two layers, so that a slip in one is caught by the other: markdown-it-py parses CommonMark and
ctdash drops from it every piece of raw HTML (a typed <script> block goes with its content), then
nh3 keeps only the tags and attributes that basic markdown produces. A link keeps a web or mail
address only: one to ``javascript:``, ``data:``, ``vbscript:`` or any other scheme is shown as its
text alone. Links get ``rel="noopener noreferrer nofollow"``. Pictures from other sites are shown as
their text alternative, since loading them would tell that site who reads the finding. Headings
start at level 3, below the page's own title and section headings.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
HEADING_SHIFT = 2  # "# Heading" becomes <h3>

# A scheme ("https:", "data:"), or two slashes of either kind, which browsers read as another site.
_NOT_RELATIVE = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:|[/\\]{2})|\\", re.IGNORECASE)

# Control characters and spaces, typed or percent-encoded: browsers ignore some inside a scheme
# ("java\tscript:"), so they are taken out before the scheme is read.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]|%[01][0-9a-f]|%20|%7f", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)

# Raw HTML is parsed (rather than escaped) so that it can be dropped whole; every link is parsed, and
# ``_is_safe_link`` then decides, so that a refused link shows its text rather than its markdown.
_parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_parser.validateLink = lambda url: True


def is_relative(url: str | None) -> bool:
    """Whether ``url`` points inside this site: no scheme, no host, no backslashes."""
    return bool(url) and not _NOT_RELATIVE.search(unquote(url))


def is_safe_link(url: str | None) -> bool:
    """Whether a link may point at ``url``: a web or mail address, or a page of this site."""
    if not url:
        return False
    scheme = _SCHEME.match(_IGNORED_IN_SCHEME.sub("", url))
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def render_markdown(text: str) -> str:
    """``text`` as sanitised HTML on one line (see the module's docstring); "" for empty text."""
    if not text or not text.strip():
        return ""
    tokens = [token for token in _parser.parse(text) if token.type != "html_block"]
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
        if token.children:
            token.children = _inline(token.children)
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
    )
    # Streamlit's st.markdown reads its text as markdown again before the HTML in it. One line that
    # starts with a block tag is a single HTML block to it, never re-read as markdown; a blank line
    # (in a code block, say) would end that block and let what follows be read as markdown.
    return clean.strip().replace("\r", "").replace("\n", "&#10;")


def _inline(children: list[Token]) -> list[Token]:
    """An inline run without raw HTML, unsafe links (their text kept) or pictures from other sites."""
    kept: list[Token] = []
    depth = 0
    dropped_depths: list[int] = []  # the depths of the open links shown as text only
    for child in children:
        if child.type == "html_inline":
            continue
        if child.type == "link_open":
            depth += 1
            if not is_safe_link(child.attrGet("href")):
                dropped_depths.append(depth)
                continue
        elif child.type == "link_close":
            closing = depth
            depth -= 1
            if dropped_depths and dropped_depths[-1] == closing:
                dropped_depths.pop()
                continue
        elif child.type == "image" and not is_relative(child.attrGet("src")):
            child = _alternative(child)
        kept.append(child)
    return kept


def _alternative(image: Token) -> Token:
    """A picture from another site, as its text alternative."""
    text = Token("text", "", 0)
    alt = "".join(child.content for child in image.children or ()) or image.content
    text.content = f"[picture: {alt}]" if alt else "[picture]"
    return text


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not is_relative(value):
        return None
    return value
