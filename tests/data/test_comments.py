"""Support and challenge, and what's new since a visit: every rule, conflicts and parallel visits, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ctdash import audit, comments, db, visits
from ctdash.errors import Conflict, NotFound, PermissionDenied
from ctdash.findings import NOT_SHARED
from ctdash.markup import render_markdown
from ctdash.models import AuditEvent, Comment, Finding, FindingStatus, Visibility, Visit
from ctdash.seed import initialise
from ctdash.viewer import ANONYMOUS
from tests.factories import make_finding, make_partner, make_user, viewer_for

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
HOSTILE = (
    "I agree **strongly**.\n\n"
    "<script>alert(1)</script>\n\n"
    '<img src=x onerror="alert(1)">\n\n'
    "[click me](javascript:alert(1))\n\n"
    '<iframe src="https://evil.example/"></iframe>\n\n'
    "![tracker](http://tracker.example/pixel.png)"
)


@pytest.fixture
def fresh_engine(database_url):
    """A database of its own, for tests whose writers commit for real (other browsers, threads)."""
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def group(session):
    """Two services; kit and kim (Cornwall), lou (Hull); fay, a facilitator; ada, an administrator; findings."""
    cornwall, hull = make_partner(session, name="Cornwall (test)"), make_partner(session, name="Hull (test)")
    people = {
        "kit": viewer_for(make_user(session, partner=cornwall, display_name="Kit Member")),
        "kim": viewer_for(make_user(session, partner=cornwall, display_name="Kim Colleague")),
        "lou": viewer_for(make_user(session, partner=hull, display_name="Lou Hull")),
        "fay": viewer_for(make_user(session, role="facilitator", display_name="Fay Facilitator")),
        "ada": viewer_for(make_user(session, role="admin", display_name="Ada Admin")),
    }
    published = make_finding(session, cornwall, title="Published (test data)", status=FindingStatus.PUBLISHED)
    public = make_finding(
        session, cornwall, title="Public (test data)", status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC
    )
    draft = make_finding(session, cornwall, title="Cornwall draft (test data)", author_id=people["kit"].user_id)
    return {**people, "published": published.id, "public": public.id, "draft": draft.id}


def _add(session, viewer, finding_id, body="Same here (test data).", kind="support") -> int:
    return comments.add_comment(session, viewer=viewer, finding_id=finding_id, kind=kind, body=body)


def _line(session, viewer, finding_id, comment_id):
    found = [line for line in comments.discussion(session, viewer=viewer, finding_id=finding_id).comments]
    return next((line for line in found if line.id == comment_id), None)


def _version(session, comment_id) -> int:
    return session.scalar(select(Comment.version).where(Comment.id == comment_id))


def _actions(session, comment_id) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "comment", AuditEvent.entity_id == comment_id)
            .order_by(AuditEvent.id)
        )
    )


# --- reading and adding ---------------------------------------------------------------------------


def test_a_member_comments_on_a_published_finding_and_everyone_signed_in_reads_it(session, group):
    comment_id = _add(session, group["lou"], group["published"], "Hull saw this too (test data).", "challenge")
    for who in ("kit", "lou", "fay", "ada"):
        line = _line(session, group[who], group["published"], comment_id)
        assert (line.author, line.partner, line.kind, line.body) == (
            "Lou Hull",
            "Hull (test)",
            "challenge",
            "Hull saw this too (test data).",
        )
        assert line.edited_at is None and not line.hidden
        assert (line.may_edit, line.may_delete) == ((True, True) if who == "lou" else (False, False))
        assert line.may_hide == (who in ("fay", "ada")) and not line.may_unhide
    assert _actions(session, comment_id) == ["comment_added"]
    assert all(action in audit.ACTIONS for action in _actions(session, comment_id))


def test_a_visitor_neither_reads_nor_adds_comments_even_on_a_public_finding(session, group):
    _add(session, group["kit"], group["public"])
    with pytest.raises(PermissionDenied, match="Sign in"):
        comments.discussion(session, viewer=ANONYMOUS, finding_id=group["public"])
    with pytest.raises(PermissionDenied, match="Sign in"):
        _add(session, ANONYMOUS, group["public"])


def test_a_member_cannot_read_or_comment_on_another_services_draft_and_is_not_told_its_title(session, group):
    _add(session, group["kim"], group["draft"])  # a colleague in the same service may
    for call in (
        lambda: comments.discussion(session, viewer=group["lou"], finding_id=group["draft"]),
        lambda: _add(session, group["lou"], group["draft"]),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert str(caught.value) == NOT_SHARED and "draft" not in str(caught.value).lower()


def test_a_missing_body_or_kind_and_an_overlong_body_are_each_said_under_their_field(session, group):
    cases = [
        ("support", "   \n ", "body", "Write your comment"),
        ("support", "x" * (comments.MAX_BODY + 1), "body", "keep it to 2,000"),
        (None, "Fine (test data).", "kind", "support, a challenge or a question"),
        ("applause", "Fine (test data).", "kind", "support, a challenge or a question"),
    ]
    for kind, body, field, says in cases:
        with pytest.raises(comments.FieldError) as caught:
            _add(session, group["kit"], group["published"], body, kind)
        assert caught.value.field == field and says in str(caught.value)
    assert _add(session, group["kit"], group["published"], "y" * comments.MAX_BODY)


def test_a_hostile_body_is_kept_as_typed_and_renders_inert(session, group):
    comment_id = _add(session, group["kit"], group["published"], HOSTILE)
    line = _line(session, group["lou"], group["published"], comment_id)
    shown = render_markdown(line.body)
    assert "**strongly**" in shown
    for needle in ("<script", "onerror", "javascript:", "<iframe", "tracker.example", "<img"):
        assert needle not in shown.lower()


# --- editing and deleting -------------------------------------------------------------------------


def test_only_the_author_edits_and_deletes_a_comment(session, group):
    comment_id = _add(session, group["kit"], group["published"])
    for who in ("kim", "lou", "fay", "ada"):
        with pytest.raises(PermissionDenied, match="Only the person who wrote"):
            comments.edit_comment(
                session,
                viewer=group[who],
                comment_id=comment_id,
                expected_version=_version(session, comment_id),
                kind="support",
                body="Changed by someone else",
            )
        with pytest.raises(PermissionDenied, match="Only the person who wrote"):
            comments.delete_comment(
                session, viewer=group[who], comment_id=comment_id, expected_version=_version(session, comment_id)
            )
    comments.edit_comment(
        session,
        viewer=group["kit"],
        comment_id=comment_id,
        expected_version=1,
        kind="question",
        body="Which year was this? (test data)",
    )
    line = _line(session, group["lou"], group["published"], comment_id)
    assert (line.kind, line.body, line.version) == ("question", "Which year was this? (test data)", 2)
    assert line.edited_at is not None
    comments.delete_comment(session, viewer=group["kit"], comment_id=comment_id, expected_version=2)
    assert session.get(Comment, comment_id) is None
    assert _actions(session, comment_id) == ["comment_added", "comment_edited", "comment_deleted"]


def test_an_edit_that_changes_nothing_writes_nothing(session, group):
    comment_id = _add(session, group["kit"], group["published"], "Same words (test data).")
    comments.edit_comment(
        session,
        viewer=group["kit"],
        comment_id=comment_id,
        expected_version=1,
        kind="support",
        body="Same words (test data).",
    )
    assert _version(session, comment_id) == 1 and _actions(session, comment_id) == ["comment_added"]


@BOTH
def test_an_edit_from_a_form_opened_before_another_save_is_a_conflict_and_changes_nothing(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        kit = viewer_for(make_user(session, partner=partner))
        finding_id = make_finding(session, partner, status=FindingStatus.PUBLISHED).id
        comment_id = _add(session, kit, finding_id, "First words (test data).")
    # Two browsers of the same person read the comment, each keeping the version it saw.
    with db.session_scope(fresh_engine, read_only=True) as laptop:
        laptop_saw = _line(laptop, kit, finding_id, comment_id).version
    with db.session_scope(fresh_engine, read_only=True) as phone:
        phone_saw = _line(phone, kit, finding_id, comment_id).version
    with db.session_scope(fresh_engine) as session:
        comments.edit_comment(
            session,
            viewer=kit,
            comment_id=comment_id,
            expected_version=laptop_saw,
            kind="support",
            body="From the laptop (test data).",
        )
    with pytest.raises(Conflict, match="still in the form"), db.session_scope(fresh_engine) as session:
        comments.edit_comment(
            session,
            viewer=kit,
            comment_id=comment_id,
            expected_version=phone_saw,
            kind="challenge",
            body="From the phone (test data).",
        )
    with pytest.raises(Conflict, match="changed since you read it"), db.session_scope(fresh_engine) as session:
        comments.delete_comment(session, viewer=kit, comment_id=comment_id, expected_version=phone_saw)
    with db.session_scope(fresh_engine, read_only=True) as session:
        line = _line(session, kit, finding_id, comment_id)
        assert (line.body, line.kind) == ("From the laptop (test data).", "support")


# --- hiding ---------------------------------------------------------------------------------------


def test_only_facilitators_and_administrators_hide_and_a_reason_is_needed(session, group):
    comment_id = _add(session, group["lou"], group["published"])
    for who in ("kit", "lou"):
        with pytest.raises(PermissionDenied, match="Only facilitators and administrators"):
            comments.hide_comment(session, viewer=group[who], comment_id=comment_id, expected_version=1, reason="Rude")
    with pytest.raises(comments.FieldError) as caught:
        comments.hide_comment(session, viewer=group["fay"], comment_id=comment_id, expected_version=1, reason=" ")
    assert caught.value.field == "reason"
    with pytest.raises(PermissionDenied, match="Only facilitators and administrators"):
        comments.unhide_comment(session, viewer=ANONYMOUS, comment_id=comment_id, expected_version=1)


def test_a_hidden_comment_is_kept_audited_and_shown_only_to_moderators_and_as_a_notice_to_its_author(session, group):
    comment_id = _add(session, group["lou"], group["published"], "Something unkind (test data).")
    comments.hide_comment(
        session, viewer=group["fay"], comment_id=comment_id, expected_version=1, reason="Personal remark"
    )
    row = session.get(Comment, comment_id)
    assert row is not None and row.body == "Something unkind (test data)."
    assert row.hidden_by_id == group["fay"].user_id and row.hidden_reason == "Personal remark"
    assert _actions(session, comment_id) == ["comment_added", "comment_hidden"]

    assert _line(session, group["kit"], group["published"], comment_id) is None  # nothing, not even a placeholder
    assert comments.discussion(session, viewer=group["kit"], finding_id=group["published"]).shown == 0
    author = _line(session, group["lou"], group["published"], comment_id)
    assert author.hidden and author.body == "" and author.hidden_reason == "Personal remark"
    assert author.hidden_by is None and not (author.may_edit or author.may_delete)
    for who in ("fay", "ada"):
        moderator = _line(session, group[who], group["published"], comment_id)
        assert moderator.hidden and moderator.body == "Something unkind (test data)."
        assert moderator.hidden_by == "Fay Facilitator" and moderator.may_unhide and not moderator.may_hide
        assert moderator.edited_at is None  # hiding is not an edit

    with pytest.raises(PermissionDenied, match="hidden this comment"):
        comments.delete_comment(session, viewer=group["lou"], comment_id=comment_id, expected_version=2)
    with pytest.raises(PermissionDenied, match="hidden this comment"):
        comments.edit_comment(
            session, viewer=group["lou"], comment_id=comment_id, expected_version=2, kind="support", body="Sorry"
        )

    comments.unhide_comment(session, viewer=group["ada"], comment_id=comment_id, expected_version=2)
    line = _line(session, group["kit"], group["published"], comment_id)
    assert line.body == "Something unkind (test data)." and not line.hidden and line.edited_at is None
    assert _actions(session, comment_id) == ["comment_added", "comment_hidden", "comment_unhidden"]


def test_hiding_a_comment_changed_since_it_was_read_is_a_conflict(session, group):
    comment_id = _add(session, group["lou"], group["published"])
    seen = _line(session, group["fay"], group["published"], comment_id).version
    comments.edit_comment(
        session, viewer=group["lou"], comment_id=comment_id, expected_version=seen, kind="support", body="Kinder"
    )
    with pytest.raises(Conflict):
        comments.hide_comment(session, viewer=group["fay"], comment_id=comment_id, expected_version=seen, reason="x")


def test_a_facilitator_cannot_hide_a_comment_on_a_draft_they_may_not_see(session, group):
    comment_id = _add(session, group["kim"], group["draft"])
    with pytest.raises(NotFound):
        comments.hide_comment(session, viewer=group["fay"], comment_id=comment_id, expected_version=1, reason="x")


@BOTH
def test_a_comment_moves_only_the_comments_revision(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        kit = viewer_for(make_user(session, partner=partner))
        fay = viewer_for(make_user(session, role="facilitator"))
        finding_id = make_finding(session, partner, status=FindingStatus.PUBLISHED).id
    steps = [
        lambda s: _add(s, kit, finding_id),
        lambda s: comments.edit_comment(
            s, viewer=kit, comment_id=_first(s), expected_version=1, kind="question", body="Why? (test data)"
        ),
        lambda s: comments.hide_comment(s, viewer=fay, comment_id=_first(s), expected_version=2, reason="Test"),
        lambda s: comments.unhide_comment(s, viewer=fay, comment_id=_first(s), expected_version=3),
        lambda s: comments.delete_comment(s, viewer=kit, comment_id=_first(s), expected_version=4),
    ]
    for step in steps:
        with db.session_scope(fresh_engine, read_only=True) as session:
            before = dict(zip(db.AREAS, db.current_revisions(session), strict=True))
        with db.session_scope(fresh_engine) as session:
            step(session)
        with db.session_scope(fresh_engine, read_only=True) as session:
            after = dict(zip(db.AREAS, db.current_revisions(session), strict=True))
        assert after == {**before, db.COMMENTS: before[db.COMMENTS] + 1}


def _first(session) -> int:
    return session.scalar(select(func.min(Comment.id)))


# --- visits ---------------------------------------------------------------------------------------

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_a_first_visit_has_no_previous_one_and_a_visit_within_half_an_hour_is_the_same(session, group):
    user_id = group["kit"].user_id
    first = visits.record_visit(session, user_id, now=NOON)
    assert first.first and first.current_at == NOON
    again = visits.record_visit(session, user_id, now=NOON + dt.timedelta(minutes=29))
    assert (again.previous_at, again.current_at) == (None, NOON)
    later = visits.record_visit(session, user_id, now=NOON + dt.timedelta(minutes=31))
    assert (later.previous_at, later.current_at) == (NOON, NOON + dt.timedelta(minutes=31))
    next_day = visits.record_visit(session, user_id, now=NOON + dt.timedelta(days=1))
    assert (next_day.previous_at, next_day.current_at) == (NOON + dt.timedelta(minutes=31), NOON + dt.timedelta(days=1))
    assert session.scalar(select(func.count()).select_from(Visit)) == 1


@BOTH
def test_twenty_sessions_starting_at_once_leave_one_row_a_person_and_move_no_revision(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        people = [make_user(session, partner=partner).id for _ in range(10)]
    with db.session_scope(fresh_engine, read_only=True) as session:
        before = db.current_revisions(session)
    # Twenty sessions of one person, and one session each of ten others, all at once.
    starts = [people[0]] * 20 + people
    barrier = threading.Barrier(len(starts))

    def start(user_id: int) -> visits.VisitTimes:
        barrier.wait()
        with db.session_scope(fresh_engine) as session:
            return visits.record_visit(session, user_id)

    with ThreadPoolExecutor(max_workers=len(starts)) as pool:
        results = list(pool.map(start, starts))
    assert all(result.first for result in results)  # all within one visit: none moved current to previous
    with db.session_scope(fresh_engine, read_only=True) as session:
        rows = session.execute(select(Visit.user_id, func.count()).group_by(Visit.user_id)).all()
        assert sorted(rows) == sorted((user_id, 1) for user_id in people)
        assert db.current_revisions(session) == before


# --- what's new -----------------------------------------------------------------------------------


def _at(session, model, row_id, **times):
    row = session.get(model, row_id)
    for name, value in times.items():
        setattr(row, name, value)
    session.flush()


def test_whats_new_lists_what_the_viewer_may_see_since_then_newest_first(session, group):
    since = NOON
    old = make_finding(session, make_partner(session), title="Old (test data)", status=FindingStatus.PUBLISHED)
    _at(session, Finding, old.id, published_at=since - dt.timedelta(days=1))
    lou_draft = make_finding(session, make_partner(session), title="Another service's draft (test data)")
    for index, finding_id in enumerate((group["published"], group["public"])):
        _at(session, Finding, finding_id, published_at=since + dt.timedelta(hours=index + 1))
    on_draft = _add(session, group["kim"], group["draft"], "On the Cornwall draft (test data).")
    on_other_draft = comments.add_comment(
        session, viewer=group["ada"], finding_id=lou_draft.id, kind="question", body="Admin on a draft (test data)."
    )
    own = _add(session, group["lou"], group["published"], "Lou's own (test data).")
    hidden = _add(session, group["kit"], group["published"], "Hidden (test data).")
    comments.hide_comment(session, viewer=group["fay"], comment_id=hidden, expected_version=1, reason="Test")
    visible = _add(session, group["kit"], group["published"], "Seen (test data).")
    before = _add(session, group["kit"], group["published"], "Before the visit (test data).")
    for offset, comment_id in enumerate((on_draft, on_other_draft, own, hidden, visible)):
        _at(session, Comment, comment_id, created_at=since + dt.timedelta(minutes=offset + 1))
    _at(session, Comment, before, created_at=since - dt.timedelta(minutes=1))

    lou = comments.whats_new(session, viewer=group["lou"], since=since)
    assert [item.title for item in lou.findings] == ["Public (test data)", "Published (test data)"]
    assert [item.id for item in lou.comments] == [visible]  # not another service's drafts, own, hidden or older
    assert (lou.findings_total, lou.comments_total) == (2, 1)

    kim = comments.whats_new(session, viewer=group["kim"], since=since)
    assert [item.id for item in kim.comments] == [visible, own]  # the draft comment is her own
    kit = comments.whats_new(session, viewer=group["kit"], since=since)
    assert [item.id for item in kit.comments] == [own, on_draft]  # her service's draft; not her own
    ada = comments.whats_new(session, viewer=group["ada"], since=since)
    assert [item.id for item in ada.comments] == [visible, own, on_draft]
    assert [item.author for item in kit.comments] == ["Lou Hull", "Kim Colleague"]


def test_whats_new_gives_a_visitor_and_a_first_visit_nothing(session, group):
    _add(session, group["kit"], group["public"])
    assert comments.whats_new(session, viewer=ANONYMOUS, since=NOON - dt.timedelta(days=365)).empty
    assert comments.whats_new(session, viewer=group["lou"], since=None).empty


def test_whats_new_shows_the_newest_five_of_each_with_the_totals(session, group):
    for finding_id in (group["published"], group["public"]):
        _at(session, Finding, finding_id, published_at=NOON - dt.timedelta(days=1))
    partner = make_partner(session)
    for number in range(7):
        finding = make_finding(session, partner, title=f"Finding {number} (test data)", status=FindingStatus.PUBLISHED)
        _at(session, Finding, finding.id, published_at=NOON + dt.timedelta(minutes=number))
        comment_id = _add(session, group["kit"], finding.id)
        _at(session, Comment, comment_id, created_at=NOON + dt.timedelta(minutes=number))
    news = comments.whats_new(session, viewer=group["lou"], since=NOON - dt.timedelta(seconds=1))
    assert (news.findings_total, news.comments_total) == (7, 7)
    assert [item.title for item in news.findings] == [f"Finding {n} (test data)" for n in (6, 5, 4, 3, 2)]
    assert len(news.comments) == comments.WHATS_NEW_LIMIT
