"""Hostile text in every text field of the newer forms (session details, text slides, wall posts, comments,
highlight notes, partner profiles), on SQLite and PostgreSQL: control characters and text-direction
overrides are refused with one sentence and change nothing; HTML, script and markdown links are kept as
typed and come out as plain characters on the page (``plain``) and in the PowerPoint, PDF and Word files."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pypdf import PdfReader
from sqlalchemy import func, select

from ctdash import comments, meeting_pack, meetings, partners, report, slides, wall
from ctdash.comments import FieldError
from ctdash.errors import CtdashError, InvalidInput
from ctdash.format import plain
from ctdash.markup import render_markdown
from ctdash.models import (
    AgendaItem,
    AuditEvent,
    Comment,
    FindingStatus,
    Highlight,
    Meeting,
    Partner,
    Visibility,
    WallPost,
)
from ctdash.text import clean_text
from tests.factories import make_finding, make_meeting, make_partner, make_user, viewer_for

INJECTIONS = {
    "script": "<script>alert('x')</script> Loan scheme",
    "img-onerror": '<img src=x onerror="alert(1)"> Loan scheme',
    "markdown-link": "[Loan scheme](javascript:alert(1)) and [site](https://tracker.example/p)",
    "markdown-image": "![pixel](https://tracker.example/p.png) Loan scheme",
    "html-link": '<a href="https://tracker.example">Loan scheme</a>',
    "sql": "Loan scheme'); DROP TABLE meeting; --",
}
CONTROLS = {
    "nul": "Loan\x00 scheme",
    "ansi-escape": "Loan \x1b[31mscheme",
    "rtl-override": "Loan \u202escheme",
    "zero-width-joiner": "Loan\u200d scheme",
}
TAG = re.compile(r"<(?!/?(p|em|strong|br|code|ul|ol|li|blockquote|hr|h\d)\b)[a-z!/]", re.IGNORECASE)
RENDER = MarkdownIt("commonmark")


def rendered(text: str) -> str:
    """How a page shows user text: ``plain`` then Streamlit's markdown (CommonMark) into HTML."""
    return RENDER.render(plain(text))


def assert_inert(html: str) -> None:
    assert "<a " not in html and "<img" not in html
    assert not TAG.search(html), html


@pytest.fixture
def scene(session):
    """fay (facilitator) and kit (a member); a service; a published finding; a session with a text slide."""
    partner = make_partner(session, name="Example service (test data)")
    fay = viewer_for(make_user(session, role="facilitator"))
    kit = viewer_for(make_user(session, partner=partner))
    finding = make_finding(
        session,
        partner,
        status=FindingStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
        title="Loans (test data)",
        cycle="2026-27",
    )
    meeting = make_meeting(session, title="Autumn session (test data)", held_on=dt.date(2026, 11, 26))
    meetings.add_item(session, meeting.id, viewer=fay, seen_version=meeting.version, kind="text", title="Welcome")
    session.refresh(meeting)
    return {"fay": fay, "kit": kit, "partner": partner.id, "finding": finding.id, "meeting": meeting.id}


def _snapshot(session) -> tuple:
    """Counts and versions a refused change must leave as they were."""
    return (
        session.scalar(select(func.count()).select_from(AuditEvent)),
        session.scalar(select(func.count()).select_from(AgendaItem)),
        session.scalar(select(func.count()).select_from(Comment)),
        session.scalar(select(func.count()).select_from(Highlight)),
        session.scalar(select(func.count()).select_from(WallPost)),
        tuple(session.execute(select(Meeting.id, Meeting.version, Meeting.title, Meeting.place).order_by(Meeting.id))),
        tuple(session.execute(select(Partner.id, Partner.version, Partner.profile_text).order_by(Partner.id))),
    )


def _version(session, meeting_id: int) -> int:
    session.expire_all()
    return session.get(Meeting, meeting_id).version


def _update_details(session, scene, **fields):
    values = {"title": "Autumn session (test data)", "held_on": dt.date(2026, 11, 26)} | fields
    meetings.update(
        session,
        scene["meeting"],
        viewer=scene["fay"],
        seen_version=_version(session, scene["meeting"]),
        **values,
    )


def _partner_version(session, partner_id: int) -> int:
    session.expire_all()
    return session.get(Partner, partner_id).version


WRITERS = {
    "session-title": lambda s, x, text: _update_details(s, x, title=text),
    "session-place": lambda s, x, text: _update_details(s, x, place=text),
    "session-description": lambda s, x, text: _update_details(s, x, description=text),
    "new-session-title": lambda s, x, text: meetings.create(
        s, viewer=x["fay"], title=text, held_on=dt.date(2026, 12, 1)
    ),
    "text-slide-title": lambda s, x, text: meetings.add_item(
        s, x["meeting"], viewer=x["fay"], seen_version=_version(s, x["meeting"]), kind="text", title=text
    ),
    "text-slide-words": lambda s, x, text: meetings.add_item(
        s, x["meeting"], viewer=x["fay"], seen_version=_version(s, x["meeting"]), kind="text", title="T", body=text
    ),
    "comment": lambda s, x, text: comments.add_comment(
        s, viewer=x["kit"], finding_id=x["finding"], kind="support", body=text
    ),
    "highlight-note": lambda s, x, text: report.choose_highlight(s, x["finding"], viewer=x["fay"], note=text),
    "partner-profile": lambda s, x, text: partners.update_profile_text(
        s,
        viewer=x["kit"],
        partner_id=x["partner"],
        expected_version=_partner_version(s, x["partner"]),
        profile_text=text,
    ),
}


@pytest.mark.parametrize("field", WRITERS)
@pytest.mark.parametrize("text", CONTROLS.values(), ids=CONTROLS.keys())
def test_hostile_control_characters_are_refused_in_one_sentence(session, scene, field, text):
    before = _snapshot(session)
    with pytest.raises((InvalidInput, FieldError)) as caught:
        WRITERS[field](session, scene, text)
    message = str(caught.value)
    assert "invisible or control characters" in message and message.endswith(".") and "\n" not in message
    assert _snapshot(session) == before


@pytest.mark.parametrize("field", ["session-title", "session-place", "text-slide-title", "comment", "highlight-note"])
def test_hostile_very_long_text_is_refused_with_its_limit(session, scene, field):
    before = _snapshot(session)
    with pytest.raises((InvalidInput, FieldError), match=r"characters long; keep it to [\d,]+\."):
        WRITERS[field](session, scene, "Loan scheme " * 20_000)
    assert _snapshot(session) == before


def test_hostile_wall_post_with_control_characters_is_stored_without_them(session, scene):
    """The wall is typed on phones: invisible characters are dropped rather than refused, and the rest kept."""
    session.execute(Meeting.__table__.update().values(wall_open=True))
    code = session.get(Meeting, scene["meeting"]).join_code
    receipt = wall.post(
        session,
        code,
        viewer=scene["kit"],
        device="device-token-1",
        post_token="post-token-0001",
        kind="barrier",
        body="Bus\x00 fares \u202e<b>too</b>\u200b high [x](javascript:1)",
    )
    stored = session.get(WallPost, receipt.post_id).body
    assert stored == "Bus fares <b>too</b> high [x](javascript:1)"
    assert_inert(rendered(stored))


# --- markup is stored as typed and shown as text ------------------------------------------------------


@pytest.fixture
def marked(session, scene):
    """Every newer text field holding markup, script and links, as typed."""
    text = " ".join(INJECTIONS.values())[:150]
    fay = scene["fay"]
    _update_details(
        session, scene, title=text, place=INJECTIONS["markdown-link"], description="\n".join(INJECTIONS.values())
    )
    meetings.add_item(
        session,
        scene["meeting"],
        viewer=fay,
        seen_version=_version(session, scene["meeting"]),
        kind="text",
        title=INJECTIONS["script"],
        body="\n\n".join(INJECTIONS.values()),
    )
    comments.add_comment(
        session, viewer=scene["kit"], finding_id=scene["finding"], kind="challenge", body=INJECTIONS["html-link"]
    )
    report.choose_highlight(session, scene["finding"], viewer=fay, note=INJECTIONS["markdown-link"])
    partners.update_profile_text(
        session,
        viewer=scene["kit"],
        partner_id=scene["partner"],
        expected_version=_partner_version(session, scene["partner"]),
        profile_text="\n".join(INJECTIONS.values()),
    )
    session.expire_all()
    return scene | {"title": text}


def test_hostile_markup_is_stored_exactly_as_typed(session, marked):
    meeting = session.get(Meeting, marked["meeting"])
    assert meeting.title == marked["title"]
    assert meeting.place == INJECTIONS["markdown-link"]
    assert meeting.description == "\n".join(INJECTIONS.values())
    assert session.scalar(select(Comment.body)) == INJECTIONS["html-link"]
    assert session.scalar(select(Highlight.note)) == INJECTIONS["markdown-link"]
    assert session.get(Partner, marked["partner"]).profile_text == "\n".join(INJECTIONS.values())


@pytest.mark.parametrize("name", INJECTIONS)
def test_hostile_markup_renders_as_plain_characters_on_a_page(name):
    html = rendered(INJECTIONS[name])
    assert_inert(html)
    assert "Loan scheme" in html or "DROP TABLE" in html or "tracker.example" in html


def test_hostile_session_detail_shows_markup_as_typed_to_a_member(session, marked):
    detail = meetings.get(session, marked["meeting"], viewer=marked["kit"], today=dt.date(2026, 12, 30))
    assert detail.title == marked["title"] and detail.place == INJECTIONS["markdown-link"]
    for text in (detail.title, detail.place, detail.description, *(line.title or "" for line in detail.items)):
        assert_inert(rendered(text))


def _pptx_parts(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith((".xml", ".rels"))
        )


def test_hostile_markup_in_the_powerpoint_is_text_and_never_a_link(session, marked):
    deck = slides.for_pack(session, marked["meeting"], viewer=marked["fay"])
    xml = _pptx_parts(meeting_pack.to_pptx(deck))
    assert "hlinkClick" not in xml and "relationships/hyperlink" not in xml
    assert "&lt;script&gt;alert(" in xml  # the characters typed, escaped in the XML, on the slide
    outside_text = re.sub(r"<(a:t|dc:title)>.*?</\1>", "", xml, flags=re.DOTALL)
    assert "javascript:" not in outside_text and "tracker.example" not in outside_text


def test_hostile_markup_in_the_pdf_handout_is_text(session, marked):
    deck = slides.for_pack(session, marked["meeting"], viewer=marked["fay"])
    pdf = PdfReader(io.BytesIO(meeting_pack.to_pdf(deck)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "<script>" in text
    assert not any("/Annots" in page for page in pdf.pages)  # no link annotations at all


def test_hostile_highlight_note_in_the_word_report_is_text_and_never_a_link(session, marked):
    data = report.document(session, cycle="2026-27", kind="docx")
    document = Document(io.BytesIO(data))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "[Loan scheme](javascript:alert(1))" in text
    assert "<w:hyperlink" not in body


# --- property-style: any text through the cleaners never becomes a link or a tag ---------------------------


HOSTILE_ALPHABET = st.sampled_from(
    list("<>[]()!\"'`*_#&;:/\\=") + ["javascript:", "https://x.example", "<script>", "</a>", "\u202e", "\x00", "a", " "]
)
hostile_text = st.one_of(st.text(max_size=300), st.lists(HOSTILE_ALPHABET, max_size=60).map("".join))


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_hostile_any_wall_post_text_is_refused_or_shown_inert(text):
    try:
        cleaned = wall.clean_body(text)
    except CtdashError as error:
        assert str(error).endswith(".")
        return
    assert all(ord(char) >= 32 for char in cleaned) and "\u202e" not in cleaned
    assert_inert(rendered(cleaned))


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_hostile_any_comment_body_is_refused_or_rendered_without_script_or_unsafe_links(text):
    """Comments are markdown: emphasis and web links stay, but never HTML, pictures or a script link."""
    try:
        body = comments.check_body(text)
    except FieldError as error:
        assert str(error).endswith(".")
        return
    html = RENDER.render(render_markdown(body))
    assert "<img" not in html and "<script" not in html.lower() and "<iframe" not in html.lower()
    for target in re.findall(r'<a href="([^"]*)"', html):
        assert target.lower().startswith(("https://", "http://", "mailto:")), target


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_hostile_any_session_title_is_refused_or_kept_on_one_visible_line(text):
    try:
        title = clean_text(text, field="The session's title", limit=120)
    except InvalidInput as error:
        assert "keep it to" in str(error) or "invisible or control characters" in str(error)
        return
    if title is not None:
        assert "\n" not in title and title == title.strip()
        assert_inert(rendered(title))
