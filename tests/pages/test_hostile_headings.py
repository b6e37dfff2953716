"""Hostile titles and details on the pages that show one record, in AppTest on SQLite and PostgreSQL:
Streamlit reads a page title as markdown, so a title typed as a link, picture, HTML or coloured text
must come out as the characters typed. Nothing is drawn as raw HTML and nothing is stored on a visit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from ctdash import audit, meetings, wall
from ctdash.format import heading
from ctdash.models import AuditEvent, FindingStatus, Meeting, Partner, User, Visibility, WallPost
from tests.factories import make_finding, make_meeting, make_project, make_user, viewer_for
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

TITLES = {
    "markdown-link": "[Loans help](https://tracker.example/p) (test data)",
    "image": "![x](https://tracker.example/p.png) Loans (test data)",
    "html": "<b>Loans</b><script>alert(1)</script> (test data)",
    "colour-directive": ":red[Loans] :material/warning: *help* (test data)",
    "ordered-list": "1. Loans help (test data)",
    "quote": "> Loans help (test data)",
    "math": "$x^2$ Loans ~~help~~ (test data)",
}
# Markdown that would act: a link or picture, an HTML tag, emphasis, a colour or a list, unescaped.
ACTIVE = re.compile(r"(?<!\\)\[|(?<!\\)<[a-z/]|(?<!\\)\*|(?<!\\)\$|^(?:\d+\.|>|-|#)\s")


def _visit(open_app, page: str, who: str | None, **query):
    at = open_app()
    if who:
        signed_in_as(at, who).run()
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.switch_page(page).run()


def _audit_rows(database) -> int:
    with database() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def _assert_title_as_typed(at, typed: str) -> None:
    assert not at.exception
    value = at.title[0].value
    assert value == heading(typed)
    assert shown(value) == typed, "the title reads exactly as typed"
    assert not ACTIVE.search(value), value
    assert not [block for block in at.markdown if block.allow_html]


@pytest.fixture
def records(database):
    """fay (facilitator), kit (Cornwall member); per hostile title a public finding, a project and a past session."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        make_user(session, role="facilitator", username="fay")
        make_user(session, username="kit", partner=cornwall)
        made = {}
        for name, title in TITLES.items():
            finding = make_finding(
                session, cornwall, title=title, status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC
            )
            project = make_project(session, cornwall, title=title)
            meeting = make_meeting(session, title=title, held_on=audit.today() - dt.timedelta(10))
            made[name] = {"finding": finding.id, "project": project.id, "session": meeting.id}
        return made


@pytest.mark.parametrize("name", TITLES)
def test_hostile_finding_title_shows_as_typed_to_a_visitor(app_database, open_app, database, records, name):
    before = _audit_rows(database)
    _assert_title_as_typed(_visit(open_app, "pages/finding.py", None, id=records[name]["finding"]), TITLES[name])
    assert _audit_rows(database) == before


@pytest.mark.parametrize("name", ["markdown-link", "html", "ordered-list"])
def test_hostile_project_title_shows_as_typed(app_database, open_app, database, records, name):
    before = _audit_rows(database)
    _assert_title_as_typed(_visit(open_app, "pages/project.py", "kit", id=records[name]["project"]), TITLES[name])
    assert _audit_rows(database) == before


@pytest.mark.parametrize("name", ["markdown-link", "image", "colour-directive", "quote"])
def test_hostile_session_title_shows_as_typed_to_a_member(app_database, open_app, database, records, name):
    before = _audit_rows(database)
    _assert_title_as_typed(_visit(open_app, "pages/session.py", "kit", id=records[name]["session"]), TITLES[name])
    assert _audit_rows(database) == before


def test_hostile_session_place_description_and_text_slide_show_as_text(app_database, open_app, database, records):
    with database() as session:
        fay = viewer_for(session.scalars(select(User).where(User.username == "fay")).one())
        meeting = session.get(Meeting, records["html"]["session"])
        meetings.update(
            session,
            meeting.id,
            viewer=fay,
            seen_version=meeting.version,
            title=meeting.title,
            held_on=meeting.held_on,
            place="[Room 2](javascript:alert(1))",
            description="<img src=x onerror=alert(1)>\n[Read more](https://tracker.example)",
        )
        session.refresh(meeting)
        meetings.add_item(
            session,
            meeting.id,
            viewer=fay,
            seen_version=meeting.version,
            kind="text",
            title="<script>alert(1)</script>",
            body="![pixel](https://tracker.example/p.png)",
        )
    before = _audit_rows(database)
    at = _visit(open_app, "pages/session.py", "kit", id=records["html"]["session"])
    assert not at.exception
    blocks = [block.value for block in at.markdown]
    text = "\n".join(shown(block) for block in blocks)
    for typed in ("[Room 2](javascript:alert(1))", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>"):
        assert typed in text
    for block in blocks:
        assert "](" not in block.replace("\\](", ""), block  # no markdown link or picture survives
        assert not re.search(r"(?<!\\)<[a-z]", block), block
    assert not [block for block in at.markdown if block.allow_html]
    assert _audit_rows(database) == before


def test_hostile_wall_posts_show_as_escaped_text_on_the_board(app_database, open_app, database, records):
    with database() as session:
        meeting = session.get(Meeting, records["html"]["session"])
        meeting.wall_open, code = True, meeting.join_code
        kit = viewer_for(session.scalars(select(User).where(User.username == "kit")).one())
        bodies = ["<script>alert(1)</script> buses", "[Free loans](javascript:alert(1)) help", "<img src=x onerror=1>"]
        for number, body in enumerate(bodies):
            wall.post(
                session,
                code,
                viewer=kit,
                device="kit-device-token",
                post_token=f"hostile-post-{number:04d}",
                kind="barrier",
                body=body,
            )
    before = _audit_rows(database), _posts(database)
    at = _visit(open_app, "pages/wall.py", "fay", s=code)
    assert not at.exception
    board = "\n".join(block.proto.body for block in at.get("html"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; buses" in board and "&lt;img src=x onerror=1&gt;" in board
    assert "<script" not in board and "<img" not in board and "href" not in board
    for block in at.markdown:
        assert not re.search(r"(?<!\\)<[a-z]", block.value) and "](" not in block.value.replace("\\](", "")
    assert (_audit_rows(database), _posts(database)) == before


def test_hostile_partner_profile_text_shows_as_text(app_database, open_app, database, records):
    typed = "<iframe src=https://tracker.example></iframe> [Our site](javascript:alert(1)) **bold**"
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        cornwall.profile_text, partner_id = typed, cornwall.id
    before = _audit_rows(database)
    at = _visit(open_app, "pages/partner.py", None, id=partner_id)
    assert not at.exception
    [block] = [block.value for block in at.markdown if "Our site" in block.value]
    assert shown(block) == typed
    assert not ACTIVE.search(block) and "](" not in block.replace("\\](", "")
    assert _audit_rows(database) == before


def _posts(database) -> int:
    with database() as session:
        return session.scalar(select(func.count()).select_from(WallPost))
