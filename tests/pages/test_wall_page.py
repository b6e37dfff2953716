"""The Live wall page (AppTest) on SQLite and PostgreSQL: posting from a phone, the board, moderation."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from ctdash import wall
from ctdash.models import Finding, FindingStatus, Partner, Theme, WallJoin, WallPost, WallPostStatus
from ctdash.ui.forms import GENERATIONS
from ctdash.viewer import ANONYMOUS
from tests.factories import make_meeting, make_user, viewer_for
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
PAGE = "pages/wall.py"
SUBMIT = "FormSubmitter:wall_post_form-Post to the wall"


@pytest.fixture
def room(database):
    """An open wall (code ROOM42) that takes anonymous posts; kit, a Cornwall member; fay, a facilitator."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        meeting = make_meeting(
            session, title="Autumn working group (test data)", join_code="ROOM42", anonymous_posts=True
        )
        kit = make_user(session, username="kit", partner=cornwall)
        fay = make_user(session, role="facilitator", username="fay")
        theme = session.scalars(select(Theme).where(Theme.active).order_by(Theme.position)).first()
        return {
            "meeting": meeting.id,
            "cornwall": cornwall.id,
            "theme": theme.id,
            "theme_name": theme.name,
            "kit": viewer_for(kit),
            "fay": viewer_for(fay),
        }


def _open(open_app, code: str | None = "ROOM42", username: str | None = None):
    at = open_app()
    if username:
        at = signed_in_as(at, username).run()
    if code is not None:
        at.query_params["s"] = code
    return at.switch_page(PAGE).run()


def _key(at, field: str) -> str:
    generation = at.session_state[GENERATIONS].get("wall_post", 0) if GENERATIONS in at.session_state else 0
    return f"wall_post_{field}" if generation == 0 else f"wall_post_{field}_{generation}"


def _fill(at, body: str, *, kind: str = "barrier", theme: int | None = None):
    at.radio(key=_key(at, "kind")).set_value(kind)
    at.text_area(key=_key(at, "body")).input(body)
    if theme is not None:
        at.selectbox(key=_key(at, "theme")).set_value(theme)
    return at.button(key=SUBMIT).click().run()


def _board(at) -> str:
    return " ".join(element.proto.body for element in at.html)


def _insert(database, meeting_id: int, body: str, *, status=WallPostStatus.SHOWN, theme_id=None) -> int:
    with database() as session:
        post = WallPost(
            meeting_id=meeting_id,
            kind="enabler",
            body=body,
            theme_id=theme_id,
            device=uuid.uuid4().hex,
            status=status,
            post_token=uuid.uuid4().hex,
        )
        session.add(post)
        session.flush()
        return post.id


def test_an_anonymous_attendee_posts_is_thanked_and_gets_an_empty_form(app_database, open_app, room, database):
    at = _open(open_app)
    assert not at.exception
    assert "Autumn working group (test data)" in shown(at.markdown[0].value)
    assert at.text_area(key=_key(at, "body")).max_chars == wall.MAX_BODY
    at = _fill(at, "The <b>late bus</b> home keeps our older players coming.", kind="enabler", theme=room["theme"])
    assert not at.exception
    assert "waiting for the facilitator's approval" in shown(at.success[0].value)
    assert at.text_area(key=_key(at, "body")).value == "", "the form is empty for the next post"
    assert at.radio(key=_key(at, "kind")).value is None
    with database() as session:
        post = session.scalars(select(WallPost)).one()
        assert (post.status, post.body, post.theme_id) == (
            WallPostStatus.PENDING,
            "The <b>late bus</b> home keeps our older players coming.",
            room["theme"],
        )
        assert session.scalar(select(func.count()).select_from(WallJoin)) == 1, "opening the form counted once"
    assert "late bus" not in _board(at), "an anonymous post waits for approval"


def test_a_members_post_shows_on_the_board_at_once_as_plain_text(app_database, open_app, room):
    at = _open(open_app, username="kit")
    at = _fill(at, "<script>alert(1)</script> Saturday sessions work.")
    assert not at.exception
    assert shown(at.success[0].value) == "Posted — thank you."
    board = _board(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Saturday sessions work." in board
    assert "<script>" not in board
    assert "1 post: 1 barrier, 0 enablers" in board


def test_a_refused_post_keeps_its_words_and_says_what_to_do(app_database, open_app, room, database):
    at = _open(open_app, username="kit")
    words = "Ask jo@example.org about the bus timetable."
    at = _fill(at, words)
    assert not at.exception
    assert "take it out and post again" in shown(at.error[0].value)
    assert at.text_area(key=_key(at, "body")).value == words
    at = at.button(key=SUBMIT).click().run()  # and again, without a kind: one sentence, words still there
    with database() as session:
        assert session.scalar(select(func.count()).select_from(WallPost)) == 0


def test_a_post_made_elsewhere_appears_on_the_board_on_the_next_run(app_database, open_app, room, database):
    at = _open(open_app)
    assert "No posts on the wall yet" in _board(at)
    _insert(database, room["meeting"], "Free instrument loans for the first year.", theme_id=room["theme"])
    at.run()  # as the fragment's timer would: AppTest runs the fragment with the script
    board = _board(at)
    assert "Free instrument loans for the first year." in board
    assert room["theme_name"] in board.replace("&amp;", "&")


@pytest.mark.parametrize("code", ["NOPE99", None, "<b>x</b>"])
def test_without_a_valid_code_the_page_says_so_calmly(app_database, open_app, room, code):
    at = _open(open_app, code=code)
    assert not at.exception
    assert [info.value for info in at.info] == [wall.NO_WALL]
    assert not at.text_area and not at.error


def test_a_closed_wall_shows_visitors_nothing_but_the_calm_sentence(app_database, open_app, room, database):
    with database() as session:
        wall.set_wall(session, room["meeting"], viewer=room["fay"], open=False, anonymous_posts=True)
    at = _open(open_app)
    assert [info.value for info in at.info] == [wall.NO_WALL]
    assert not at.text_area and not at.html


def test_an_anonymous_attendee_is_asked_to_sign_in_where_anonymous_posts_are_not_allowed(
    app_database, open_app, room, database
):
    with database() as session:
        make_meeting(session, join_code="MEMBERS", anonymous_posts=False)
    at = _open(open_app, code="MEMBERS")
    assert not at.exception
    assert wall.SIGN_IN_TO_POST in [shown(info.value) for info in at.info]
    assert not at.text_area


def test_a_facilitator_approves_a_waiting_post_and_it_joins_the_board(app_database, open_app, room, database):
    post_id = _insert(
        database, room["meeting"], "Peer mentors from the youth orchestra.", status=WallPostStatus.PENDING
    )
    at = _open(open_app, username="fay")
    assert not at.exception
    assert "Peer mentors" not in _board(at)
    assert any(subheader.value == "Waiting for approval (1)" for subheader in at.subheader)
    at = at.button(key=f"wall_approve_{post_id}").click().run()
    assert not at.exception
    at.run()
    assert "Peer mentors from the youth orchestra." in _board(at)
    with database() as session:
        assert session.get(WallPost, post_id).status == WallPostStatus.SHOWN
        assert session.scalar(select(func.count()).select_from(WallJoin)) == 0, "facilitators are not counted"


def test_a_facilitator_closes_the_wall_with_its_switch(app_database, open_app, room, database):
    at = _open(open_app, username="fay")
    at = at.toggle(key=f"wall_open_{room['meeting']}").set_value(False).run()
    assert not at.exception
    with database() as session:
        assert wall.find(session, viewer=ANONYMOUS, code="ROOM42") is None
    assert at.toggle(key=f"wall_open_{room['meeting']}").value is False
    assert not at.text_area, "no form while the wall is closed"


def test_a_facilitator_makes_a_draft_finding_from_a_post(app_database, open_app, room, database):
    post_id = _insert(database, room["meeting"], "Minibus pick-ups from village halls.")
    at = _open(open_app, username="fay")
    at = at.button(key=f"wall_draft_{post_id}").click().run()
    assert "choose the service" in shown(at.error[0].value)
    at.selectbox(key=f"wall_draft_partner_{post_id}").set_value(room["cornwall"])
    at = at.button(key=f"wall_draft_{post_id}").click().run()
    assert not at.exception
    with database() as session:
        finding = session.scalars(select(Finding)).one()
        assert (finding.status, finding.partner_id) == (FindingStatus.DRAFT, room["cornwall"])
        assert session.get(WallPost, post_id).finding_id == finding.id
    assert any("is made from the post" in shown(success.value) for success in at.success)


def test_a_member_sees_no_moderation(app_database, open_app, room, database):
    post_id = _insert(database, room["meeting"], "Waiting post.", status=WallPostStatus.PENDING)
    at = _open(open_app, username="kit")
    assert not at.exception
    assert not [button for button in at.button if button.key == f"wall_approve_{post_id}"]
    assert not at.toggle
