"""The live wall on SQLite and PostgreSQL: joining, posting, moderation, drafts, hostile text and a room of phones."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ctdash import audit, db, findings, wall
from ctdash.errors import InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    AuditEvent,
    Finding,
    FindingKind,
    FindingStatus,
    Role,
    Theme,
    Visibility,
    WallJoin,
    WallPost,
    WallPostStatus,
)
from ctdash.seed import initialise
from ctdash.viewer import ANONYMOUS, Viewer
from tests.factories import make_meeting, make_partner, make_user, viewer_for

STAFF = Viewer(role=Role.FACILITATOR, name="Facilitator")
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _token() -> str:
    return uuid.uuid4().hex


def _theme(session, name: str) -> Theme:
    theme = Theme(slug=name.lower().replace(" ", "-"), name=name, position=1)
    session.add(theme)
    session.flush()
    return theme


@pytest.fixture
def room(session):
    """A session with an open wall that allows anonymous posts; kit, a Cornwall member; fay, a facilitator."""
    cornwall = make_partner(session, name="Cornwall (test)")
    return {
        "meeting": make_meeting(session, join_code="ROOM1", anonymous_posts=True),
        "closed": make_meeting(session, join_code="SHUT1", wall_open=False),
        "members_only": make_meeting(session, join_code="MEMB1", anonymous_posts=False),
        "cornwall": cornwall,
        "kit": viewer_for(make_user(session, partner=cornwall, display_name="Kit Member")),
        "fay": viewer_for(make_user(session, role="facilitator", display_name="Fay Facilitator")),
        "ada": viewer_for(make_user(session, role="admin", display_name="Ada Admin")),
        "rural": _theme(session, "Rural access (test)"),
        "send": _theme(session, "SEND (test)"),
    }


def _post(session, code="ROOM1", *, viewer=ANONYMOUS, device="phone-0001", token=None, kind="barrier", **fields):
    body = fields.pop("body", "The bus stops running before the evening band rehearsal ends.")
    return wall.post(
        session, code, viewer=viewer, device=device, post_token=token or _token(), kind=kind, body=body, **fields
    )


def test_a_signed_in_members_post_is_shown_at_once(session, room):
    receipt = _post(session, viewer=room["kit"], theme_id=room["rural"].id, partner_id=room["cornwall"].id)
    assert receipt.shown and receipt.message == "Posted — thank you."
    board = wall.board(session, viewer=ANONYMOUS, meeting_id=room["meeting"].id)
    assert board.shown == 1 and board.barriers == 1 and board.enablers == 0
    [group] = board.groups
    assert (group.theme, group.barriers, group.count) == ("Rural access (test)", 1, 1)
    assert group.posts[0].partner == "Cornwall (test)"
    assert group.posts[0].author is None, "the room never sees who posted"
    assert board.pending is None, "waiting posts are counted for facilitators only"


def test_an_anonymous_post_waits_for_approval_then_appears(session, room):
    receipt = _post(session)
    assert receipt.status == "pending" and "approval" in receipt.message
    meeting_id = room["meeting"].id
    assert wall.board(session, viewer=ANONYMOUS, meeting_id=meeting_id).shown == 0
    assert wall.board(session, viewer=room["fay"], meeting_id=meeting_id).pending == 1
    [waiting] = wall.pending(session, viewer=room["fay"], meeting_id=meeting_id)
    assert waiting.id == receipt.post_id and not waiting.signed_in
    wall.moderate(session, receipt.post_id, viewer=room["fay"], approve=True)
    board = wall.board(session, viewer=ANONYMOUS, meeting_id=meeting_id)
    assert board.shown == 1 and board.groups[0].theme == wall.NO_THEME
    assert wall.pending(session, viewer=room["fay"], meeting_id=meeting_id) == ()
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == receipt.post_id)) == "wall_post_shown"


def test_a_hidden_post_leaves_the_wall(session, room):
    receipt = _post(session, viewer=room["kit"])
    wall.moderate(session, receipt.post_id, viewer=room["ada"], approve=False)
    assert wall.board(session, viewer=ANONYMOUS, meeting_id=room["meeting"].id).shown == 0
    [line] = wall.moderation(session, viewer=room["fay"], meeting_id=room["meeting"].id)
    assert line.status == "hidden" and line.author == "Kit Member"


def test_an_anonymous_post_is_refused_where_the_session_does_not_allow_them(session, room):
    with pytest.raises(PermissionDenied, match="sign in to post"):
        _post(session, "MEMB1")
    assert _post(session, "MEMB1", viewer=room["kit"]).shown


@pytest.mark.parametrize("code", ["SHUT1", "NOPE1", "", "x" * 40, "<script>"])
def test_a_closed_or_unknown_wall_refuses_joins_and_posts(session, room, code):
    with pytest.raises(NotFound, match="no open wall"):
        wall.join(session, code, device="phone-0001")
    with pytest.raises(NotFound, match="no open wall"):
        _post(session, code, viewer=room["kit"])
    assert wall.find(session, viewer=room["kit"], code=code) is None


def test_staff_find_a_closed_wall_to_open_it_and_the_room_then_can(session, room):
    assert wall.find(session, viewer=room["fay"], code="shut1").wall_open is False
    assert wall.meeting(session, viewer=room["kit"], meeting_id=room["closed"].id) is None
    wall.set_wall(session, room["closed"].id, viewer=room["fay"], open=True, anonymous_posts=True)
    assert wall.find(session, viewer=ANONYMOUS, code="SHUT1").anonymous_posts
    assert wall.join(session, "SHUT1", device="phone-0001").id == room["closed"].id


def test_the_form_offers_active_themes_in_order_and_active_services_by_name(session, room):
    room["send"].position = 0
    make_partner(session, name="Aardvark (test, closed)", active=False)
    offered = wall.choices(session, viewer=ANONYMOUS)
    assert [name for _, name in offered.themes][:2] == ["SEND (test)", "Rural access (test)"]
    assert "Cornwall (test)" in [name for _, name in offered.partners]
    assert "Aardvark (test, closed)" not in [name for _, name in offered.partners]


def test_codes_are_read_without_regard_to_case_or_spaces(session, room):
    assert wall.join(session, " room1 ", device="phone-0001").title == room["meeting"].title


def test_each_device_joins_once_and_posting_counts_as_joining(session, room):
    meeting_id = room["meeting"].id
    for _ in range(3):
        wall.join(session, "ROOM1", device="phone-0001")
    wall.join(session, "ROOM1", device="phone-0002")
    _post(session, device="phone-0003")
    board = wall.board(session, viewer=room["fay"], meeting_id=meeting_id)
    assert (board.joined, board.posters, board.taking_part) == (3, 1, 3)
    stored = set(session.scalars(select(WallJoin.device).where(WallJoin.meeting_id == meeting_id)))
    assert "phone-0001" not in stored and all(len(device) == 64 for device in stored), "devices are stored hashed"


def test_the_same_post_token_twice_stores_one_post_and_returns_the_same_receipt(session, room):
    token = _token()
    first = _post(session, viewer=room["kit"], token=token)
    again = _post(session, viewer=room["kit"], token=token, body="A different retry body that must not be stored.")
    assert first == again
    assert session.scalar(select(func.count()).select_from(WallPost)) == 1


def test_a_token_from_another_device_is_refused(session, room):
    token = _token()
    _post(session, token=token)
    with pytest.raises(InvalidInput, match="reload the page"):
        _post(session, token=token, device="phone-9999")


def test_a_device_posts_five_times_a_minute_and_is_told_when_to_try_again(session, room):
    for number in range(wall.POSTS_PER_MINUTE):
        _post(session, viewer=room["kit"], body=f"Reflection number {number} about access.")
    with pytest.raises(wall.RateLimited, match=r"wait \d+ seconds? and post again") as refused:
        _post(session, viewer=room["kit"], body="One more reflection about access.")
    assert 1 <= refused.value.retry_after <= 60
    assert _post(session, viewer=room["kit"], device="phone-0002").shown, "another phone is not held back"
    assert _post(session, "MEMB1", viewer=room["kit"]).shown, "another wall is not held back"


@pytest.mark.parametrize(
    "body, stored",
    [
        ("<script>alert(1)</script> buses", "<script>alert(1)</script> buses"),
        ("[click](javascript:alert(1)) **bold**", "[click](javascript:alert(1)) **bold**"),
        ('<img src=x onerror="alert(1)"> late buses', '<img src=x onerror="alert(1)"> late buses'),
        ("Late\x00 buses\x1b[31m\u202e here\n\n\tand   there", "Late buses[31m here and there"),
    ],
)
def test_hostile_text_is_kept_as_plain_characters(session, room, body, stored):
    _post(session, viewer=room["kit"], body=body)
    assert session.scalar(select(WallPost.body)) == stored


@pytest.mark.parametrize(
    "body, says",
    [
        ("x" * 10_000, "10,000 characters long; keep it to 280"),
        ("x" * 281, "281 characters long"),
        ("  \x00\x01 ", "at least a few words"),
        ("ok", "at least a few words"),
        ("Email me at jo@example.org about buses", "An email address ('jo@example.org')"),
        ("Amira, aged 9, stopped coming", "A child's name next to their age"),
    ],
)
def test_unacceptable_text_is_refused_in_one_sentence(session, room, body, says):
    with pytest.raises(InvalidInput, match=None) as refused:
        _post(session, viewer=room["kit"], body=body)
    assert says in str(refused.value)
    assert session.scalar(select(func.count()).select_from(WallPost)) == 0


def test_a_post_of_exactly_280_characters_is_taken(session, room):
    assert _post(session, viewer=room["kit"], body="a" * 280).shown


@pytest.mark.parametrize("kind", ["insight", "", None, "<b>"])
def test_a_post_is_a_barrier_or_an_enabler(session, room, kind):
    with pytest.raises(InvalidInput, match="barrier or an enabler"):
        _post(session, viewer=room["kit"], kind=kind)


def test_an_unknown_theme_or_service_is_refused(session, room):
    with pytest.raises(InvalidInput, match="theme"):
        _post(session, viewer=room["kit"], theme_id=999_999)
    with pytest.raises(InvalidInput, match="service"):
        _post(session, viewer=room["kit"], partner_id=999_999)


def test_the_board_groups_by_theme_most_posts_first_newest_first(session, room):
    meeting_id = room["meeting"].id
    _post(session, viewer=room["kit"], device="a-phone-1", theme_id=room["send"].id, body="Ramps at the hall.")
    _post(session, viewer=room["kit"], device="a-phone-2", kind="enabler", theme_id=room["rural"].id, body="Lifts.")
    _post(session, viewer=room["kit"], device="a-phone-3", theme_id=room["rural"].id, body="No late buses.")
    _post(session, viewer=room["kit"], device="a-phone-4", body="Nothing to add.")
    board = wall.board(session, viewer=ANONYMOUS, meeting_id=meeting_id)
    assert [(group.theme, group.barriers, group.enablers) for group in board.groups] == [
        ("Rural access (test)", 1, 1),
        ("SEND (test)", 1, 0),
        (wall.NO_THEME, 1, 0),
    ]
    assert [line.body for line in board.groups[0].posts] == ["No late buses.", "Lifts."]
    assert (board.shown, board.barriers, board.enablers, board.posters) == (4, 3, 1, 4)


def test_the_room_sees_a_wall_only_while_it_is_open(session, room):
    meeting_id = room["meeting"].id
    wall.set_wall(session, meeting_id, viewer=room["fay"], open=False, anonymous_posts=True)
    with pytest.raises(NotFound):
        wall.board(session, viewer=ANONYMOUS, meeting_id=meeting_id)
    with pytest.raises(NotFound):
        wall.board(session, viewer=room["kit"], meeting_id=meeting_id)
    assert wall.board(session, viewer=room["fay"], meeting_id=meeting_id).meeting.wall_open is False


@pytest.mark.parametrize("who", ["kit", "anonymous"])
def test_members_and_visitors_cannot_run_a_wall(session, room, who):
    viewer = ANONYMOUS if who == "anonymous" else room[who]
    receipt = _post(session)
    meeting_id = room["meeting"].id
    with pytest.raises(PermissionDenied):
        wall.moderate(session, receipt.post_id, viewer=viewer, approve=True)
    with pytest.raises(PermissionDenied):
        wall.pending(session, viewer=viewer, meeting_id=meeting_id)
    with pytest.raises(PermissionDenied):
        wall.set_wall(session, meeting_id, viewer=viewer, open=False, anonymous_posts=False)
    with pytest.raises(PermissionDenied):
        wall.to_draft(session, receipt.post_id, viewer=viewer)
    assert session.get(WallPost, receipt.post_id).status == WallPostStatus.PENDING


def test_a_post_becomes_one_draft_finding_with_its_words_kind_theme_and_service(session, room):
    receipt = _post(
        session,
        viewer=room["kit"],
        kind="enabler",
        theme_id=room["rural"].id,
        partner_id=room["cornwall"].id,
        body="Minibus pick-ups from village halls doubled attendance.",
    )
    finding_id = wall.to_draft(session, receipt.post_id, viewer=room["fay"])
    assert wall.to_draft(session, receipt.post_id, viewer=room["ada"]) == finding_id, "converting twice: same one"
    assert session.scalar(select(func.count()).select_from(Finding)) == 1
    finding = session.get(Finding, finding_id)
    assert (finding.status, finding.kind, finding.partner_id, finding.visibility) == (
        FindingStatus.DRAFT,
        FindingKind.ENABLER,
        room["cornwall"].id,
        Visibility.GROUP,
    )
    assert finding.title == "Minibus pick-ups from village halls doubled attendance."
    assert finding.summary.startswith("Minibus pick-ups from village halls doubled attendance.")
    assert [theme.slug for theme in finding.themes] == [room["rural"].slug]
    assert finding.author_id == room["fay"].user_id
    assert session.get(WallPost, receipt.post_id).finding_id == finding_id
    assert findings.detail(session, viewer=room["fay"], finding_id=finding_id).may_edit


def test_a_post_without_a_service_asks_for_one_before_it_becomes_a_draft(session, room):
    receipt = _post(session, viewer=room["kit"], body="word " * 55 + "end")
    with pytest.raises(InvalidInput, match="choose the service"):
        wall.to_draft(session, receipt.post_id, viewer=room["fay"])
    finding_id = wall.to_draft(session, receipt.post_id, viewer=room["fay"], partner_id=room["cornwall"].id)
    title = session.get(Finding, finding_id).title
    assert len(title) <= wall.MAX_TITLE and title.endswith("…")


def test_a_waiting_post_is_approved_before_it_becomes_a_draft(session, room):
    receipt = _post(session, partner_id=room["cornwall"].id)
    with pytest.raises(InvalidInput, match="Approve this post"):
        wall.to_draft(session, receipt.post_id, viewer=room["fay"])


# --- a room of phones, committing for real -----------------------------------------------------


@pytest.fixture
def fresh_engine(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


@BOTH
def test_a_hundred_phones_join_and_post_within_seconds_and_every_post_is_stored_once(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        meeting_id = make_meeting(session, join_code="HUNDRED", anonymous_posts=True).id
    start = threading.Barrier(100, timeout=60)
    tokens = [_token() for _ in range(100)]

    def phone(number: int) -> str:
        device = f"phone-{number:04d}-{uuid.uuid4().hex}"
        start.wait()
        with db.session_scope(fresh_engine) as session:
            wall.join(session, "HUNDRED", device=device)
        with db.session_scope(fresh_engine) as session:
            receipt = wall.post(
                session,
                "HUNDRED",
                viewer=ANONYMOUS,
                device=device,
                post_token=tokens[number],
                kind="enabler" if number % 2 else "barrier",
                body=f"Reflection from phone {number} about getting to rehearsals.",
            )
        return receipt.post_token

    started = time.monotonic()
    with ThreadPoolExecutor(100) as pool:
        posted = [future.result(timeout=120) for future in [pool.submit(phone, number) for number in range(100)]]
    assert time.monotonic() - started < 60, "the room's minute, with plenty to spare on a busy 2-core machine"
    assert sorted(posted) == sorted(tokens)
    with db.session_scope(fresh_engine, read_only=True) as session:
        bodies = list(session.scalars(select(WallPost.body).where(WallPost.meeting_id == meeting_id)))
        assert len(bodies) == 100 and len(set(bodies)) == 100
        assert session.scalar(select(func.count()).select_from(WallJoin)) == 100
        board = wall.board(session, viewer=STAFF, meeting_id=meeting_id)
    assert (board.joined, board.posters, board.pending) == (100, 100, 100)


@BOTH
def test_a_double_tapped_post_sent_twice_at_once_is_stored_once(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        make_meeting(session, join_code="TWICE", anonymous_posts=True)
    token, start = _token(), threading.Barrier(8, timeout=60)

    def tap() -> wall.PostReceipt:
        start.wait()
        with db.session_scope(fresh_engine) as session:
            return wall.post(
                session,
                "TWICE",
                viewer=ANONYMOUS,
                device="phone-0001",
                post_token=token,
                kind="barrier",
                body="The hall is up three flights of stairs.",
            )

    with ThreadPoolExecutor(8) as pool:
        receipts = {future.result(timeout=60) for future in [pool.submit(tap) for _ in range(8)]}
    assert len(receipts) == 1
    with db.session_scope(fresh_engine, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(WallPost)) == 1


@BOTH
def test_a_post_moves_only_the_wall_revision(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        make_meeting(session, join_code="REVS1", anonymous_posts=True)
    with db.session_scope(fresh_engine) as session:
        before = dict(zip(db.AREAS, db.current_revisions(session), strict=True))
    with db.session_scope(fresh_engine) as session:
        wall.join(session, "REVS1", device="phone-0001")
    with db.session_scope(fresh_engine) as session:
        _post(session, "REVS1")
    with db.session_scope(fresh_engine) as session:
        after = dict(zip(db.AREAS, db.current_revisions(session), strict=True))
    assert after[db.WALL] == before[db.WALL] + 2
    assert {area: after[area] for area in db.AREAS if area != db.WALL} == {
        area: before[area] for area in db.AREAS if area != db.WALL
    }


def test_every_change_a_facilitator_makes_is_in_the_audit_log_by_name(session, room):
    receipt = _post(session)
    wall.moderate(session, receipt.post_id, viewer=room["fay"], approve=True)
    wall.moderate(session, receipt.post_id, viewer=room["fay"], approve=False)
    wall.set_wall(session, room["meeting"].id, viewer=room["fay"], open=False, anonymous_posts=False)
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["wall_post_shown", "wall_post_hidden", "wall_changed"]
    assert all(action in audit.ACTIONS for action in actions)
