"""A finding's summary as HTML: hostile input renders inert, ordinary markdown is kept."""

from __future__ import annotations

import re

import pytest

from ctdash.markup import render_markdown

HOSTILE = {
    "script block": "<script>alert(1)</script>",
    "script inline": "Attendance rose <script>alert(1)</script> by a third.",
    "image with onerror": '<img src=x onerror="alert(1)">',
    "javascript link": "[x](javascript:alert(1))",
    "javascript link, mixed case": "[x](JaVaScRiPt:alert(1))",
    "javascript link, tab inside": "[x](java&#09;script:alert(1))",
    "javascript link, raw html": '<a href="javascript:alert(1)">x</a>',
    "vbscript link": "[x](vbscript:msgbox(1))",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "style block": "<style>body { display: none }</style>",
    "style attribute": '<p style="position:fixed;top:0">Pay here</p>',
    "html comment": "<!-- hidden note -->",
    "svg": '<svg onload="alert(1)"><circle r="4"/></svg>',
    "form": '<form action="https://evil.example/"><input name="password"></form>',
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_summaries_render_inert(text):
    html = render_markdown(text).lower()
    for needle in ("<script", "onerror", "onload", "javascript:", "vbscript:", "data:", "<iframe", "<style"):
        assert needle not in html
    for needle in ("style=", "<!--", "<svg", "<form", "<input", "hidden note"):
        assert needle not in html


def test_a_picture_from_another_site_shows_its_text_alternative_instead():
    html = render_markdown("![Our ensemble](https://tracker.example/pixel.png)")
    assert "<img" not in html
    assert "tracker.example" not in html
    assert "[picture: Our ensemble]" in html


@pytest.mark.parametrize(
    "source",
    ["//tracker.example/x.png", "/\\tracker.example/x.png", "data:image/png;base64,iVBORw0KGgo=", "http://x.org/a.png"],
)
def test_pictures_that_could_load_from_elsewhere_are_never_drawn(source):
    assert "<img" not in render_markdown(f"![alt]({source})")


def test_a_picture_from_this_site_is_kept():
    assert '<img src="app/static/logo.png" alt="logo">' in render_markdown("![logo](app/static/logo.png)")


def test_ordinary_markdown_is_kept():
    html = render_markdown(
        "# What we found\n\nAttendance rose **by a third** and *stayed*.\n\n"
        "- weekly sessions\n- a named contact\n\n1. first\n2. second\n\n"
        "See [the report](https://www.example.org/report) and [the notes](http://example.org/notes)."
    )
    assert "<h3>What we found</h3>" in html  # below the page's own headings
    assert "<strong>by a third</strong>" in html and "<em>stayed</em>" in html
    assert "<ul>" in html and "<li>weekly sessions</li>" in html
    assert "<ol>" in html and "<li>second</li>" in html
    assert '<a href="https://www.example.org/report" rel="noopener noreferrer nofollow">the report</a>' in html
    assert '<a href="http://example.org/notes" rel="noopener noreferrer nofollow">the notes</a>' in html


def test_a_refused_link_keeps_its_words():
    assert render_markdown("Read [the **notes**](javascript:alert(1)) first") == (
        "<p>Read the <strong>notes</strong> first</p>"
    )


def test_text_that_looks_like_markup_stays_text():
    assert render_markdown("Ages 5 < 7 & 9 > 8") == "<p>Ages 5 &lt; 7 &amp; 9 &gt; 8</p>"


def test_the_html_is_one_line_so_streamlit_never_reads_it_as_markdown_again():
    # A blank line in a code block would otherwise end Streamlit's HTML block and let the rest be
    # read as markdown, where [x](...) is a link again.
    html = render_markdown("```\nfirst\n\n[x](https://example.org)\n```\n\nAfter")
    assert "\n" not in html
    assert re.fullmatch(r"<pre><code>.*</code></pre><p>After</p>", html.replace("&#10;", ""))


def test_empty_text_is_empty():
    assert render_markdown("") == "" and render_markdown("  \n") == ""
