"""Support and challenge on the finding page, and what's new on Home, on SQLite and PostgreSQL (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ctdash import comments
from ctdash.config import get_settings
from ctdash.models import Comment, Finding, FindingStatus, Partner, Visibility, Visit
from tests.factories import make_finding, make_user, viewer_for
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

HOSTILE = (
    "I agree **strongly**.\n\n"
    "<script>alert(1)</script>\n\n"
    '<img src=x onerror="alert(1)">\n\n'
    "[click me](javascript:alert(1))\n\n"
    "![tracker](http://tracker.example/pixel.png)"
)


@pytest.fixture
def group(database):
    """Cornwall's kit, Hull's lou, the facilitator fay; a published finding and a public one, both Cornwall's."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
        kit = viewer_for(make_user(session, username="kit", display_name="Kit Member", partner=cornwall))
        lou = viewer_for(make_user(session, username="lou", display_name="Lou Hull", partner=hull))
        fay = viewer_for(make_user(session, role="facilitator", username="fay", display_name="Fay Facilitator"))
        finding = make_finding(
            session,
            cornwall,
            title="Saturday sessions (test data)",
            status=FindingStatus.PUBLISHED,
            author_id=kit.user_id,
        )
        public = make_finding(
            session,
            cornwall,
            title="Open to all (test data)",
            status=FindingStatus.PUBLISHED,
            visibility=Visibility.PUBLIC,
        )
        return {"kit": kit, "lou": lou, "fay": fay, "finding": finding.id, "public": public.id}


def _open(open_app, username: str | None, finding_id: int):
    at = open_app()
    if username:
        signed_in_as(at, username)
    at.run()
    at.query_params["id"] = str(finding_id)
    return at.switch_page("pages/finding.py").run()


def _key(at, start: str, kind: str = "text_area") -> str:
    """The current key of a widget whose key starts with ``start`` (forms give widgets new keys after a save)."""
    keys = [widget.key for widget in getattr(at, kind) if widget.key and widget.key.startswith(start)]
    assert keys, f"no {kind} with a key starting {start!r}"
    return keys[-1]


def _post(at, finding_id: int, body: str, kind: str | None = "support"):
    if kind is not None:
        at.radio(key=_key(at, f"comment_new_{finding_id}_kind", "radio")).set_value(kind)
    at.text_area(key=_key(at, f"comment_new_{finding_id}_body")).input(body)
    return at.button(key=f"FormSubmitter:comment_new_{finding_id}-Post comment").click().run()


def _texts(at) -> str:
    return "\n".join(shown(block.value) for block in at.markdown)


def _errors(at) -> list[str]:
    return [shown(error.value) for error in at.error]


def _only_comment(database) -> Comment:
    with database() as session:
        return session.scalars(select(Comment)).one()


def test_a_member_posts_a_comment_and_sees_it(app_database, open_app, group, database):
    at = _open(open_app, "lou", group["finding"])
    assert not at.exception
    assert "Support and challenge" in [header.value for header in at.subheader]
    at = _post(at, group["finding"], "Hull saw the same (test data).", "challenge")
    assert not at.exception
    assert "Your comment is posted." in shown(at.success[0].value)
    text = _texts(at)
    assert "Hull saw the same (test data)." in text and "Lou Hull" in text and "Challenge" in text
    assert at.text_area(key=_key(at, f"comment_new_{group['finding']}_body")).value == ""  # ready for another
    with database() as session:
        assert session.scalars(select(Comment.body)).one() == "Hull saw the same (test data)."


def test_a_missing_kind_or_body_is_said_under_it_and_what_was_typed_is_kept(app_database, open_app, group, database):
    at = _open(open_app, "lou", group["finding"])
    at = _post(at, group["finding"], "Half a thought (test data).", kind=None)
    assert not at.exception
    assert any("support, a challenge or a question" in error for error in _errors(at))
    assert at.text_area(key=_key(at, f"comment_new_{group['finding']}_body")).value == "Half a thought (test data)."
    at = _post(at, group["finding"], "   ", kind="question")
    assert any("Write your comment" in error for error in _errors(at))
    with database() as session:
        assert session.scalars(select(Comment)).all() == []


def test_what_was_typed_is_kept_while_the_database_is_unreachable(app_database, open_app, group, database, monkeypatch):
    at = _open(open_app, "lou", group["finding"])
    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:9/ctdash")
    get_settings.cache_clear()
    at = _post(at, group["finding"], "Typed while it was down (test data).", "question")
    assert not at.exception
    assert any("cannot reach its database" in error for error in _errors(at))
    at.run()  # still down: the page stops before the section, and its widgets are forgotten
    monkeypatch.setenv("CTDASH_DATABASE_URL", app_database)
    get_settings.cache_clear()
    at.run()
    body = at.text_area(key=_key(at, f"comment_new_{group['finding']}_body"))
    assert body.value == "Typed while it was down (test data)."
    assert at.radio(key=_key(at, f"comment_new_{group['finding']}_kind", "radio")).value == "question"
    at.button(key=f"FormSubmitter:comment_new_{group['finding']}-Post comment").click().run()
    assert "Your comment is posted." in shown(at.success[0].value)
    assert _only_comment(database).body == "Typed while it was down (test data)."


def test_the_author_edits_their_comment_and_it_is_marked_edited(app_database, open_app, group, database):
    with database() as session:
        comment_id = comments.add_comment(
            session, viewer=group["lou"], finding_id=group["finding"], kind="support", body="First (test data)."
        )
    at = _open(open_app, "lou", group["finding"])
    at.button(key=f"comment_edit_open_{comment_id}").click().run()
    at.text_area(key=_key(at, f"comment_edit_{comment_id}_body")).input("Second thoughts (test data).")
    at.button(key=f"FormSubmitter:comment_edit_{comment_id}-Save changes").click().run()
    assert not at.exception
    assert "Your comment is changed." in shown(at.success[0].value)
    assert "Second thoughts (test data)." in _texts(at) and "edited" in _texts(at)
    assert _only_comment(database).body == "Second thoughts (test data)."
    kit = _open(open_app, "kit", group["finding"])
    assert f"comment_edit_open_{comment_id}" not in [button.key for button in kit.button]  # not kit's to change


def test_an_edit_saved_after_another_browsers_edit_is_a_conflict_that_keeps_the_text(
    app_database, open_app, group, database
):
    with database() as session:
        comment_id = comments.add_comment(
            session, viewer=group["lou"], finding_id=group["finding"], kind="support", body="First (test data)."
        )
    at = _open(open_app, "lou", group["finding"])
    at.button(key=f"comment_edit_open_{comment_id}").click().run()
    with database() as session:  # lou's phone, meanwhile
        comments.edit_comment(
            session,
            viewer=group["lou"],
            comment_id=comment_id,
            expected_version=1,
            kind="support",
            body="From the phone (test data).",
        )
    at.run()  # any rerun meanwhile keeps the version the form was opened with
    at.text_area(key=_key(at, f"comment_edit_{comment_id}_body")).input("From the laptop (test data).")
    at.button(key=f"FormSubmitter:comment_edit_{comment_id}-Save changes").click().run()
    assert not at.exception
    assert any("since you opened it to edit" in error for error in _errors(at))
    assert at.text_area(key=_key(at, f"comment_edit_{comment_id}_body")).value == "From the laptop (test data)."
    assert _only_comment(database).body == "From the phone (test data)."
    at.button(key=f"comment_edit_{comment_id}_reload").click().run()
    assert at.text_area(key=_key(at, f"comment_edit_{comment_id}_body")).value == "From the phone (test data)."


def test_the_author_deletes_their_comment(app_database, open_app, group, database):
    with database() as session:
        comment_id = comments.add_comment(
            session, viewer=group["lou"], finding_id=group["finding"], kind="support", body="Oops (test data)."
        )
    at = _open(open_app, "lou", group["finding"])
    at.button(key=f"comment_delete_{comment_id}").click().run()
    assert not at.exception
    assert "Your comment is deleted." in shown(at.success[0].value)
    assert "Oops (test data)." not in _texts(at)
    with database() as session:
        assert session.scalars(select(Comment)).all() == []


def test_a_facilitator_hides_a_comment_with_a_reason_and_others_no_longer_see_it(
    app_database, open_app, group, database
):
    with database() as session:
        comment_id = comments.add_comment(
            session, viewer=group["lou"], finding_id=group["finding"], kind="challenge", body="Unkind (test data)."
        )
    at = _open(open_app, "fay", group["finding"])
    hide = f"FormSubmitter:comment_hide_{comment_id}-Hide this comment"
    at.button(key=hide).click().run()
    assert any("Say why the comment is hidden" in error for error in _errors(at))
    at.text_area(key=_key(at, f"comment_hide_{comment_id}_reason")).input("A personal remark")
    at.button(key=hide).click().run()
    assert not at.exception
    assert "The comment is hidden." in shown(at.success[0].value)
    assert any("Hidden by Fay Facilitator" in shown(warning.value) for warning in at.warning)
    assert _only_comment(database).hidden_reason == "A personal remark"

    kit = _open(open_app, "kit", group["finding"])
    assert "Unkind (test data)." not in _texts(kit) and "hid" not in _texts(kit)
    lou = _open(open_app, "lou", group["finding"])
    assert "A facilitator hid your comment" in _texts(lou) and "Unkind (test data)." not in _texts(lou)

    at.button(key=f"comment_unhide_{comment_id}").click().run()
    assert "The comment is shown again." in shown(at.success[0].value)
    assert "Unkind (test data)." in _texts(_open(open_app, "kit", group["finding"]))


def test_a_hostile_comment_renders_inert(app_database, open_app, group, database):
    with database() as session:
        comments.add_comment(session, viewer=group["lou"], finding_id=group["finding"], kind="support", body=HOSTILE)
    at = _open(open_app, "kit", group["finding"])
    assert not at.exception
    assert not [block for block in at.markdown if block.allow_html]
    [body] = [block.value for block in at.markdown if "strongly" in block.value]
    assert "**strongly**" in body
    for needle in ("<script", "onerror", "javascript:", "tracker.example", "<img"):
        assert needle not in body.lower()


def test_a_visitor_sees_no_comments_and_no_form_on_a_public_finding(app_database, open_app, group, database):
    with database() as session:
        comments.add_comment(
            session, viewer=group["lou"], finding_id=group["public"], kind="support", body="Members only (test data)."
        )
    at = _open(open_app, None, group["public"])
    assert not at.exception
    assert at.title[0].value == "Open to all (test data)"
    assert "Support and challenge" not in [header.value for header in at.subheader]
    assert "Members only" not in _texts(at) and not at.text_area


# --- what's new on Home ---------------------------------------------------------------------------


def _home(open_app, username: str):
    return signed_in_as(open_app(), username).run()


def _whats_new(at) -> str:
    return "\n".join(shown(block.value) for block in at.markdown) + "\n".join(shown(c.value) for c in at.caption)


def test_a_first_visit_says_so(app_database, open_app, group):
    at = _home(open_app, "lou")
    assert not at.exception
    assert "this is your first visit" in _whats_new(at)


def test_home_lists_what_is_new_since_the_last_visit_with_links(app_database, open_app, group, database):
    last_visit = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with database() as session:
        session.add(Visit(user_id=group["lou"].user_id, previous_at=None, current_at=last_visit))
        comments.add_comment(
            session, viewer=group["kit"], finding_id=group["finding"], kind="question", body="Any data? (test data)"
        )
    at = _home(open_app, "lou")
    assert not at.exception
    text = _whats_new(at)
    assert "What's new since your last visit on" in text
    assert "2 findings published" in text and "1 comment added" in text
    assert f"(finding?id={group['finding']})" in "\n".join(block.value for block in at.markdown)
    assert f"Question from Kit Member on [Saturday sessions (test data)](finding?id={group['finding']})" in text


def test_home_says_when_nothing_is_new(app_database, open_app, group, database):
    now = dt.datetime.now(dt.UTC)
    with database() as session:
        session.add(Visit(user_id=group["lou"].user_id, previous_at=None, current_at=now - dt.timedelta(days=1)))
        for finding in session.scalars(select(Finding)):
            finding.published_at = now - dt.timedelta(days=3)
    at = _home(open_app, "lou")
    assert not at.exception
    assert "Nothing new since then" in _whats_new(at)


def test_a_visitor_sees_no_whats_new(app_database, open_app, group):
    at = open_app()
    assert not at.exception
    assert "What's new" not in _whats_new(at) and "first visit" not in _whats_new(at)
