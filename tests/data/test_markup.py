"""ctdash.markup: markdown people typed, made safe to show."""

import pytest

from ctdash.format import literal
from ctdash.markup import render_markdown


def test_plain_markdown_is_kept():
    text = (
        "# Heading\n\n**Bold** and *emphasis*\n\n- one\n- two\n\n> a quotation\n\n[Report](https://example.org/r?a=1)"
    )
    shown = render_markdown(text)
    assert "# Heading" in shown
    assert "**Bold**" in shown
    assert "> a quotation" in shown
    assert "[Report](https://example.org/r?a=1" in shown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<iframe src='https://evil.example'></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_removed(hostile):
    shown = render_markdown(f"Before {hostile} after")
    assert "<" not in shown
    assert "alert" not in shown or "script" not in shown
    assert shown.startswith("Before") and shown.endswith("after")


def test_pictures_from_other_sites_are_replaced_by_their_description():
    shown = render_markdown("See ![a choir](https://tracker.example/pixel.png) and ![logo][ref]")
    assert shown == "See a choir and logo"


@pytest.mark.parametrize("address", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x"])
def test_script_links_keep_their_words_only(address):
    assert render_markdown(f"Click [here]({address}) now") == "Click here now"


def test_script_link_definitions_are_dropped():
    shown = render_markdown("Read [this][1]\n\n[1]: javascript:alert(1)\n[2]: https://example.org")
    assert "javascript" not in shown
    assert "[2]: https://example.org" in shown


def test_nothing_in_nothing_out():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("jo@example.org", "`jo@example.org`"),
        ("see https://example.org\n now", "`see https://example.org now`"),
        ("a `tick` here", "``a `tick` here``"),
        ("`starts", "`` `starts ``"),
        ("<b>bold</b> **not**", "`<b>bold</b> **not**`"),
    ],
)
def test_literal_text_is_one_inline_code_span_whatever_it_holds(text, shown):
    assert literal(text) == shown
