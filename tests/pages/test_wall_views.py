"""The presenter's wall screens on their own (AppTest), as the presenter view calls them: ``welcome_panel`` and
``live_board``, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import users, wall
from ctdash.models import WallPost, WallPostStatus
from ctdash.ui.who import ACCOUNT
from tests.factories import make_meeting, make_user
from tests.pages.conftest import shown

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _screens():
    import streamlit as st

    from ctdash.ui import wall_views

    meeting_id = st.session_state["meeting_id"]
    if st.session_state.get("screen") == "welcome":
        wall_views.welcome_panel(meeting_id)
    else:
        wall_views.live_board(meeting_id)


@pytest.fixture
def presenter(database):
    with database() as session:
        meeting = make_meeting(session, join_code="WELCOME7", anonymous_posts=True)
        fay = users.active_account(session, make_user(session, role="facilitator", username="fay").id)
        return {"meeting": meeting.id, "fay": fay}


def _run(screen: str, meeting_id: int, account=None) -> AppTest:
    at = AppTest.from_function(_screens, default_timeout=30)
    at.session_state["screen"] = screen
    at.session_state["meeting_id"] = meeting_id
    if account is not None:
        at.session_state[ACCOUNT] = account
    return at.run()


def _html(at) -> str:
    return " ".join(element.proto.body for element in at.html)


def test_the_welcome_panel_shows_the_qr_code_the_short_address_and_a_live_count(app_database, presenter, database):
    at = _run("welcome", presenter["meeting"], presenter["fay"])
    assert not at.exception
    panel = _html(at)
    picture = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', panel)
    assert picture, "the QR code is an image with a text alternative"
    assert picture.group(2) == "QR code: scan it to open http://localhost:8501/wall?s=WELCOME7"
    svg = base64.b64decode(picture.group(1)).decode()
    assert "<title>QR code for http://localhost:8501/wall?s=WELCOME7</title>" in svg, "it points at this app's wall"
    address = '>localhost:8501</span><span style="display:inline-block">/wall?s=WELCOME7</span></div>'
    assert address in panel, "the short address, without its scheme, in large type"
    assert "0 people have joined · 0 posts on the wall" in panel
    with database() as session:
        wall.join(session, "WELCOME7", device="phone-one-0001")
        wall.post(
            session,
            "WELCOME7",
            viewer=presenter["fay"].viewer(),
            device="phone-two-0002",
            post_token=uuid.uuid4().hex,
            kind="enabler",
            body="Free lessons in the first term.",
        )
    at.run()  # the count's fragment, as its timer would run it
    assert "2 people have joined · 1 post on the wall" in _html(at)


def test_the_public_url_setting_wins_for_the_qr_code(app_database, presenter, monkeypatch):
    monkeypatch.setenv("CTDASH_PUBLIC_URL", "https://ctdash.example.org")
    at = _run("welcome", presenter["meeting"], presenter["fay"])
    assert 'alt="QR code: scan it to open https://ctdash.example.org/wall?s=WELCOME7"' in _html(at)
    assert '>ctdash.example.org</span><span style="display:inline-block">/wall?s=WELCOME7</span>' in _html(at)


def test_the_live_board_groups_by_theme_and_escapes_every_word(app_database, presenter, database):
    at = _run("board", presenter["meeting"])
    assert "No posts on the wall yet" in _html(at)
    with database() as session:
        for body in ("<img src=x onerror=alert(1)> Buses stop at six.", "[link](javascript:alert(1)) Halls are free."):
            session.add(
                WallPost(
                    meeting_id=presenter["meeting"],
                    kind="barrier",
                    body=body,
                    device=uuid.uuid4().hex,
                    status=WallPostStatus.SHOWN,
                    post_token=uuid.uuid4().hex,
                )
            )
    at.run()
    board = _html(at)
    assert "2 posts: 2 barriers, 0 enablers" in board
    assert "&lt;img src=x onerror=alert(1)&gt; Buses stop at six." in board
    assert "<img" not in board and "<a " not in board
    assert "▲ Barrier" in board, "the kind is a word, not a colour alone"


def test_a_closed_wall_shows_the_room_a_calm_sentence_and_the_presenter_its_board(app_database, presenter, database):
    with database() as session:
        wall.set_wall(
            session, presenter["meeting"], viewer=presenter["fay"].viewer(), open=False, anonymous_posts=False
        )
    at = _run("board", presenter["meeting"])
    assert not at.exception and not at.error
    assert [shown(info.value) for info in at.info] == [wall.NO_WALL]
    at = _run("board", presenter["meeting"], presenter["fay"])
    assert not at.exception and "No posts on the wall yet" in _html(at)
