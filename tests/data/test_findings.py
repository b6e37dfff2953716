"""Findings: the form's checks, drafts with attachments, submitting, review, visibility and conflicts, on SQLite and
PostgreSQL.

Files are real ones made with fpdf2 and Pillow (tests/samples.py); text files are plain bytes.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ctdash import audit, db, findings
from ctdash.attachments import MB
from ctdash.config import get_settings
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.findings import AttachmentEdit, FieldErrors, NewAttachment, SafeguardingNeeded
from ctdash.models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Finding,
    FindingKind,
    FindingStatus,
    Visibility,
)
from ctdash.seed import initialise, seed
from ctdash.viewer import ANONYMOUS
from tests.factories import (
    finding_fields,
    finding_version,
    make_finding,
    make_partner,
    make_project,
    make_user,
    viewer_for,
)
from tests.samples import pdf_document, picture

THEME = "socio-economic-disadvantage"
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def _themes(request):
    # The real themes vocabulary, in the rolled-back test transaction.
    if "session" in request.fixturenames:
        seed(request.getfixturevalue("session"))


@pytest.fixture
def fresh_engine(database_url):
    """A database of its own, for tests whose writers commit for real (other browsers, threads)."""
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


def _member(session, partner):
    return viewer_for(make_user(session, partner=partner))


def _staff(session, role="facilitator"):
    return viewer_for(make_user(session, role=role))


def _draft(session, viewer, partner, **changes):
    return findings.save_draft(session, viewer=viewer, **finding_fields(partner, **changes))


def _submitted(session, viewer, partner, **changes):
    finding_id = _draft(session, viewer, partner, **changes)
    findings.submit(
        session, viewer=viewer, finding_id=finding_id, expected_version=finding_version(session, finding_id)
    )
    return finding_id


def _errors(call) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        call()
    return caught.value.errors


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _text_file(size: int, line: str = "Attendance notes (test data).\n") -> bytes:
    return (line.encode() * (size // len(line) + 1))[:size]


# --- the form's checks --------------------------------------------------------------------------


def test_every_mistake_is_reported_at_once_under_its_own_field(session):
    partner = make_partner(session)
    member = _member(session, partner)
    errors = _errors(
        lambda: findings.check_values(
            session,
            viewer=member,
            **finding_fields(
                partner,
                title=" ",
                summary="",
                kind="opportunity",
                themes=["no-such-theme"],
                partner_id=make_partner(session).id,
                cycle="2030-31",
                evidence_type="hearsay",
                key_quote="q" * 1001,
                links="javascript:alert(1)",
                visibility="everyone",
            ),
        )
    )
    assert list(errors) == [
        "title",
        "summary",
        "kind",
        "themes",
        "partner_id",
        "cycle",
        "evidence_type",
        "key_quote",
        "links",
        "visibility",
    ]
    with pytest.raises(FieldErrors) as caught:
        findings.check_values(
            session, viewer=member, **finding_fields(partner, title="", themes=[], links="ftp://x.org")
        )
    assert str(caught.value) == "3 fields need attention: Title, Themes, Links."
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"title": "   "}, "title", "Enter a title"),
        ({"title": "t" * 201}, "title", "The title is 201 characters long; keep it to 200."),
        ({"title": "bad\x00byte"}, "title", "invisible or control characters"),
        ({"summary": None}, "summary", "Write a summary"),
        ({"summary": "s" * 10_001}, "summary", "keep it to 10,000"),
        ({"kind": None}, "kind", "enabler, a barrier or an insight"),
        ({"kind": "opportunity"}, "kind", "'opportunity' is not a kind of finding"),
        ({"themes": []}, "themes", "at least one theme"),
        ({"themes": [THEME, "no-such-theme"]}, "themes", "'no-such-theme' is not one of the themes"),
        ({"cycle": "2030-31"}, "cycle", "outside the programme"),
        ({"cycle": "next year"}, "cycle", "is not a research cycle"),
        ({"evidence_type": ""}, "evidence_type", "kind of evidence"),
        ({"evidence_type": "hearsay"}, "evidence_type", "'hearsay' is not one of the kinds of evidence"),
        ({"key_quote": "q" * 1001}, "key_quote", "keep it to 1,000"),
        ({"visibility": "everyone"}, "visibility", "the working group only, or everyone"),
        ({"visibility": None}, "visibility", "the working group only, or everyone"),
    ],
)
def test_each_mistake_is_one_sentence_under_its_field(session, changes, field, says):
    partner = make_partner(session)
    errors = _errors(
        lambda: findings.check_values(session, viewer=_member(session, partner), **finding_fields(partner, **changes))
    )
    assert list(errors) == [field]
    assert says in errors[field]
    assert errors[field].endswith(".")


def test_values_at_each_limit_are_accepted_and_tidied(session):
    partner = make_partner(session)
    values = findings.check_values(
        session,
        viewer=_member(session, partner),
        **finding_fields(
            partner,
            title="  A   title  " + "t" * 188,
            summary="s" * 10_000,
            kind="Enabler",
            themes=[THEME, THEME],
            cycle="2024/25",
            evidence_type="  Focus   Group ",
            key_quote="q" * 1000,
            visibility=Visibility.PUBLIC,
        ),
    )
    assert values.title == "A title " + "t" * 188
    assert (len(values.summary), len(values.key_quote)) == (10_000, 1000)
    assert (values.kind, values.themes, values.cycle, values.evidence_type, values.visibility) == (
        FindingKind.ENABLER,
        (THEME,),
        "2024-25",
        "focus group",
        Visibility.PUBLIC,
    )


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript://example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/report.pdf",
        "/reports/2024.pdf",
        "www.example.org/report",
        "https:example.org",
        "https://",
        "http:///path-only",
        "https://exa mple.org/report",
        "https://example.org/report\u202egnp.exe",
        "https://example.org:port/",
    ],
)
def test_a_link_that_is_not_a_web_address_is_refused(session, link):
    partner = make_partner(session)
    errors = _errors(
        lambda: findings.check_values(
            session, viewer=_member(session, partner), **finding_fields(partner, links=["https://example.org", link])
        )
    )
    assert list(errors) == ["links"]
    assert "is not a web address; each link must be a full web address starting with https://" in errors["links"]


def test_links_come_as_a_list_or_one_a_line_and_repeats_and_blank_lines_go():
    text = "https://example.org/a\n\n  HTTP://Example.org/b?x=1#top  \r\nhttps://example.org/a\n"
    assert findings.check_links(text) == ("https://example.org/a", "HTTP://Example.org/b?x=1#top")
    assert findings.check_links(["https://example.org/a", "", None]) == ("https://example.org/a",)
    assert findings.check_links(None) == findings.check_links("") == ()


def test_at_most_ten_links_of_at_most_500_characters():
    ten = [f"https://example.org/{number}" for number in range(10)]
    assert len(findings.check_links(ten)) == 10
    with pytest.raises(InvalidInput, match="There are 11 links; keep to the 10 that matter most."):
        findings.check_links([*ten, "https://example.org/10"])
    at_limit = "https://example.org/" + "a" * (500 - len("https://example.org/"))
    assert findings.check_links([at_limit]) == (at_limit,)
    with pytest.raises(InvalidInput, match="A link is 501 characters long; keep each link to 500"):
        findings.check_links([at_limit + "a"])


def test_several_bad_links_are_named_together():
    with pytest.raises(InvalidInput) as caught:
        findings.check_links(["javascript:x()", "https://ok.example.org", "data:,hi"])
    assert str(caught.value).startswith("'javascript:x()', 'data:,hi' are not web addresses; each link")


def test_a_member_shares_for_their_own_service_only(session):
    own, other = make_partner(session), make_partner(session)
    member = _member(session, own)
    assert findings.check_values(session, viewer=member, **finding_fields(None)).partner_id == own.id
    errors = _errors(lambda: findings.check_values(session, viewer=member, **finding_fields(other)))
    assert errors == {
        "partner_id": "You can share findings for your own service only; choose it as the partner service."
    }


def test_staff_choose_any_existing_service(session):
    partner = make_partner(session)
    staff = _staff(session)
    assert findings.check_values(session, viewer=staff, **finding_fields(partner)).partner_id == partner.id
    for missing in (None, 987_654):
        errors = _errors(
            lambda missing=missing: findings.check_values(
                session, viewer=staff, **finding_fields(None, partner_id=missing)
            )
        )
        assert errors == {"partner_id": "Choose the partner service the finding comes from."}


def test_the_research_project_must_be_the_services_and_gives_its_cycle(session):
    partner, other = make_partner(session, name="Hull (test data)"), make_partner(session)
    own_project = make_project(session, partner, cycle="2023-24", title="Ensembles (test data)")
    other_project = make_project(session, other, title="Theirs (test data)")
    member = _member(session, partner)
    values = findings.check_values(
        session, viewer=member, **finding_fields(partner, project_id=own_project.id, cycle="")
    )
    assert (values.project_id, values.cycle) == (own_project.id, "2023-24")
    errors = _errors(
        lambda: findings.check_values(session, viewer=member, **finding_fields(partner, project_id=other_project.id))
    )
    assert errors == {
        "project_id": "The research project 'Theirs (test data)' belongs to another service; "
        "choose one of Hull (test data)'s projects, or none."
    }
    errors = _errors(
        lambda: findings.check_values(
            session, viewer=member, **finding_fields(partner, project_id=own_project.id, cycle="2024-25")
        )
    )
    assert errors == {
        "cycle": "The research project 'Ensembles (test data)' is in 2023-24; choose that cycle or leave it empty."
    }
    errors = _errors(
        lambda: findings.check_values(session, viewer=member, **finding_fields(partner, project_id=999_999))
    )
    assert list(errors) == ["project_id"]


def test_a_draft_needs_only_a_title_but_malformed_values_are_still_refused(session):
    partner = make_partner(session)
    member = _member(session, partner)
    values = findings.check_values(session, viewer=member, for_draft=True, title="Just a title (test data)")
    assert (values.title, values.partner_id, values.kind, values.themes, values.visibility) == (
        "Just a title (test data)",
        partner.id,
        None,
        (),
        Visibility.GROUP,
    )
    errors = _errors(
        lambda: findings.check_values(
            session, viewer=member, for_draft=True, title="", links="javascript:alert(1)", themes=["nope"]
        )
    )
    assert list(errors) == ["title", "themes", "links"]


def test_a_facilitators_draft_needs_its_service(session):
    errors = _errors(
        lambda: findings.save_draft(session, viewer=_staff(session), title="A draft (test data)", partner_id=None)
    )
    assert list(errors) == ["partner_id"]


def test_only_signed_in_people_with_a_service_share_findings(session):
    with pytest.raises(PermissionDenied, match="Sign in to share a finding."):
        findings.save_draft(session, viewer=ANONYMOUS, title="A draft (test data)")
    unlinked = viewer_for(make_user(session, partner=make_partner(session)))
    unlinked = dataclasses.replace(unlinked, partner_id=None)
    with pytest.raises(PermissionDenied, match="not linked to a partner service yet"):
        findings.save_draft(session, viewer=unlinked, title="A draft (test data)")
    assert _count(session, Finding) == 0


# --- drafts -------------------------------------------------------------------------------------


def test_a_draft_is_started_with_its_author_and_history(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(session, viewer=member, title="Barely begun (test data)")
    finding = session.get(Finding, finding_id)
    assert (finding.status, finding.author_id, finding.partner_id, finding.kind, finding.version) == (
        FindingStatus.DRAFT,
        member.user_id,
        partner.id,
        None,
        1,
    )
    [line] = findings.detail(session, viewer=member, finding_id=finding_id).history
    assert (line.who, line.what) == (member.name, "Barely begun (test data): draft started")


def test_a_change_is_audited_field_by_field_and_moves_the_version_once(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(session, viewer=member, title="Barely begun (test data)")
    findings.save_draft(
        session,
        viewer=member,
        finding_id=finding_id,
        expected_version=1,
        **finding_fields(
            partner, title="Barely begun (test data)", links=["https://example.org/a", "https://example.org/b"]
        ),
    )
    assert finding_version(session, finding_id) == 2
    what = findings.detail(session, viewer=member, finding_id=finding_id).history[0].what
    assert what == (
        "Barely begun (test data): summary: empty -> 78 characters; kind: empty -> barrier; "
        f"themes: empty -> {THEME}; cycle: empty -> 2024-25; evidence type: empty -> participation data; "
        "key quote: empty -> 40 characters; links: empty -> 2 links"
    )


def test_saving_an_unchanged_draft_writes_nothing(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(session, member, partner)
    findings.save_draft(session, viewer=member, finding_id=finding_id, expected_version=1, **finding_fields(partner))
    assert finding_version(session, finding_id) == 1
    assert _count(session, AuditEvent, AuditEvent.entity_id == finding_id) == 1


@BOTH
def test_a_draft_saved_incomplete_is_resumed_in_another_browser_and_submitted(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        member = _member(session, partner)
    with db.session_scope(fresh_engine) as session:  # the laptop, before a meeting
        finding_id = findings.save_draft(
            session,
            viewer=member,
            title="Half an idea (test data)",
            summary="Started on the train.",
            new_files=[NewAttachment("chart.png", picture("PNG"), "Attendance by term", consent=True)],
        )
    with db.session_scope(fresh_engine, read_only=True) as session:  # the phone, later
        seen = findings.detail(session, viewer=member, finding_id=finding_id)
    assert (seen.title, seen.summary, seen.kind, seen.status) == (
        "Half an idea (test data)",
        "Started on the train.",
        None,
        "draft",
    )
    assert [(a.name, a.description, a.consent) for a in seen.attachments] == [("chart.png", "Attendance by term", True)]
    with db.session_scope(fresh_engine) as session:
        findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=seen.version,
            **finding_fields(partner, title=seen.title, summary=seen.summary),
        )
    with db.session_scope(fresh_engine) as session:
        receipt = findings.submit(session, viewer=member, finding_id=finding_id, expected_version=seen.version + 1)
    assert receipt.reference == f"CT-{finding_id:06d}"
    with db.session_scope(fresh_engine, read_only=True) as session:
        assert findings.detail(session, viewer=member, finding_id=finding_id).status == "submitted"


@BOTH
def test_a_save_from_a_form_drawn_before_anothers_save_is_a_conflict_and_changes_nothing(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        member = _member(session, partner)
        finding_id = _draft(session, member, partner)
    with db.session_scope(fresh_engine, read_only=True) as session:
        drawn = findings.detail(session, viewer=member, finding_id=finding_id).version  # both tabs open the form
    with db.session_scope(fresh_engine) as session:
        findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=drawn,
            **finding_fields(partner, title="First"),
        )
    conflict = "Someone else changed the finding 'First' while you were working on it"
    with pytest.raises(Conflict, match=conflict), db.session_scope(fresh_engine) as session:
        findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=drawn,
            **finding_fields(partner, title="Second"),
            new_files=[NewAttachment("notes.txt", b"Second tab's notes (test data)", consent=True)],
        )
    with db.session_scope(fresh_engine, read_only=True) as session:
        assert session.get(Finding, finding_id).title == "First"
        assert _count(session, Attachment) == 0


def test_a_new_finding_saved_again_with_its_save_token_is_not_made_twice(session):
    # The first save was committed, but the form never heard so (the database went away during the
    # commit): it still holds no finding id, and sends the same token with what was typed since.
    partner = make_partner(session)
    member = _member(session, partner)
    first = findings.save_draft(session, viewer=member, save_token="a" * 32, **finding_fields(partner))
    again = findings.save_draft(
        session, viewer=member, save_token="a" * 32, **finding_fields(partner, title="Typed after the outage")
    )
    assert again == first
    assert session.scalars(select(Finding.title)).all() == ["Typed after the outage"]
    assert findings.saved_with(session, viewer=member, save_token="a" * 32)
    assert not findings.saved_with(session, viewer=member, save_token="b" * 32)


def test_a_change_saved_again_with_its_save_token_is_not_a_conflict_with_itself(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(session, member, partner)
    seen = finding_version(session, finding_id)
    change = {"finding_id": finding_id, "expected_version": seen, "save_token": "c" * 32}
    findings.save_draft(session, viewer=member, **change, **finding_fields(partner, title="Once"))
    findings.save_draft(session, viewer=member, **change, **finding_fields(partner, title="Once, and more"))
    assert session.get(Finding, finding_id).title == "Once, and more"
    with pytest.raises(Conflict):  # another save (another token) from the version seen then is one
        findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=seen,
            save_token="d" * 32,
            **finding_fields(partner, title="A second tab"),
        )


def test_a_save_token_finds_only_the_viewers_own_finding(session):
    partner = make_partner(session)
    member, colleague = _member(session, partner), _member(session, partner)
    findings.save_draft(session, viewer=member, save_token="e" * 32, **finding_fields(partner))
    assert not findings.saved_with(session, viewer=colleague, save_token="e" * 32)
    assert findings.submitted_with(session, viewer=colleague, save_token="e" * 32) is None


def test_a_submit_made_after_all_gives_its_receipt_to_the_same_token(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(session, viewer=member, save_token="f" * 32, **finding_fields(partner))
    assert findings.submitted_with(session, viewer=member, save_token="f" * 32) is None, "a draft is not submitted"
    made = findings.submit(
        session, viewer=member, finding_id=finding_id, expected_version=finding_version(session, finding_id)
    )
    again = findings.submitted_with(session, viewer=member, save_token="f" * 32)
    assert again == made


# --- attachments --------------------------------------------------------------------------------


def test_files_are_stored_with_the_finding_metadata_and_bytes_apart(session):
    partner = make_partner(session)
    member = _member(session, partner)
    pdf, png = pdf_document(), picture("PNG")
    finding_id = findings.save_draft(
        session,
        viewer=member,
        title="With files (test data)",
        new_files=[
            NewAttachment("../Term report.PDF", pdf, "The term's report", consent=True),
            NewAttachment("chart\u202egnp.exe", png, None),
        ],
    )
    stored = session.scalars(
        select(Attachment).where(Attachment.finding_id == finding_id).order_by(Attachment.id)
    ).all()
    assert [(a.original_name, a.filename, a.content_type, a.size_bytes, a.description, a.consent) for a in stored] == [
        ("Term report.PDF", "Term report.PDF", "application/pdf", len(pdf), "The term's report", True),
        ("chartgnp.exe", "chartgnp.png", "image/png", len(png), None, False),
    ]
    assert all(a.uploaded_by_id == member.user_id for a in stored)
    assert findings.attachment_data(session, viewer=member, attachment_id=stored[0].id) == (
        "Term report.PDF",
        "application/pdf",
        pdf,
    )
    history = findings.detail(session, viewer=member, finding_id=finding_id).history[0].what
    sizes = findings.describe_size(len(pdf)), findings.describe_size(len(png))
    assert history.endswith(f"attachments: added Term report.PDF ({sizes[0]}), chartgnp.exe ({sizes[1]})")


@BOTH
def test_a_bad_file_refuses_the_whole_save_and_nothing_is_written(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        member = _member(session, partner)
        finding_id = _draft(session, member, partner)
    totals = {}
    with db.session_scope(fresh_engine, read_only=True) as session:
        for model in (Finding, Attachment, AttachmentBlob, AuditEvent):
            totals[model] = _count(session, model)
        revisions = db.current_revisions(session)
    hostile = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
    for attempt in (
        lambda session: findings.save_draft(
            session,
            viewer=member,
            title="New, with a bad file (test data)",
            new_files=[NewAttachment("report.pdf", pdf_document()), NewAttachment("setup.pdf", hostile)],
        ),
        lambda session: findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            **finding_fields(partner, title="Changed title"),
            new_files=[NewAttachment("chart.png", picture("PNG")), NewAttachment("setup.pdf", hostile)],
        ),
    ):
        with pytest.raises(FieldErrors) as caught, db.session_scope(fresh_engine) as session:
            attempt(session)
        assert list(caught.value.errors) == ["attachments"]
        assert caught.value.errors["attachments"].startswith('"setup.pdf" is a program, not a document')
    with db.session_scope(fresh_engine, read_only=True) as session:
        assert {model: _count(session, model) for model in totals} == totals
        assert db.current_revisions(session) == revisions
        assert session.get(Finding, finding_id).title == finding_fields()["title"]


def test_field_and_file_problems_are_reported_together(session):
    partner = make_partner(session)
    errors = _errors(
        lambda: findings.save_draft(
            session,
            viewer=_member(session, partner),
            title="",
            links="data:,x",
            new_files=[NewAttachment("empty.txt", b""), NewAttachment("notes.txt", b"ok (test data)", "d" * 301)],
        )
    )
    assert list(errors) == ["title", "links", "attachments"]
    assert errors["attachments"] == (
        '"empty.txt" is empty; check that you chose the right file and upload it again. '
        'The description of "notes.txt" is 301 characters long; keep it to 300.'
    )
    assert _count(session, Finding) == 0


def _limits(monkeypatch, **limits):
    settings = dataclasses.replace(get_settings(), **limits)
    monkeypatch.setattr(findings, "get_settings", lambda: settings)


def test_all_of_a_findings_files_may_come_to_the_limit_and_not_a_byte_more(session, monkeypatch):
    _limits(monkeypatch, finding_max_mb=1, upload_max_files=5)
    partner = make_partner(session)
    member = _member(session, partner)
    half = MB // 2
    finding_id = findings.save_draft(
        session,
        viewer=member,
        title="Heavy (test data)",
        new_files=[NewAttachment("a.txt", _text_file(half)), NewAttachment("b.txt", _text_file(half, "Other.\n"))],
    )
    assert session.scalar(select(func.sum(Attachment.size_bytes)).where(Attachment.finding_id == finding_id)) == MB
    errors = _errors(
        lambda: findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            title="Heavy (test data)",
            new_files=[NewAttachment("c.txt", b"x")],
        )
    )
    assert errors == {
        "attachments": "With these files the finding's attachments would come to 1.1 MB, over the 1 MB one finding "
        "may hold; remove a file or attach smaller ones."
    }
    # Removing a file makes room for another of its size.
    first = session.scalar(
        select(Attachment.id).where(Attachment.finding_id == finding_id, Attachment.original_name == "a.txt")
    )
    findings.save_draft(
        session,
        viewer=member,
        finding_id=finding_id,
        expected_version=1,
        title="Heavy (test data)",
        remove_attachment_ids=[first],
        new_files=[NewAttachment("c.txt", _text_file(half, "Third.\n"))],
    )
    assert [a.name for a in findings.detail(session, viewer=member, finding_id=finding_id).attachments] == [
        "b.txt",
        "c.txt",
    ]
    assert _count(session, AttachmentBlob, AttachmentBlob.attachment_id == first) == 0


def test_a_finding_holds_at_most_the_set_number_of_files(session, monkeypatch):
    _limits(monkeypatch, upload_max_files=2)
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(
        session, viewer=member, title="Files (test data)", new_files=[NewAttachment("a.txt", b"first (test data)")]
    )
    errors = _errors(
        lambda: findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            title="Files (test data)",
            new_files=[NewAttachment("b.txt", b"second (test data)"), NewAttachment("c.txt", b"third (test data)")],
        )
    )
    assert errors == {
        "attachments": "A finding can hold 2 files and this one has 1, so attach at most 1 more, or remove one first."
    }


def test_a_file_already_attached_is_refused_the_second_time(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(
        session, viewer=member, title="Files (test data)", new_files=[NewAttachment("chart.png", picture("PNG"))]
    )
    errors = _errors(
        lambda: findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            title="Files (test data)",
            new_files=[NewAttachment("chart copy.png", picture("PNG"))],
        )
    )
    assert errors == {"attachments": '"chart copy.png" is the same file as "chart.png"; attach it only once.'}


def test_removing_a_file_that_is_gone_asks_for_a_reload(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(session, viewer=member, title="Files (test data)")
    errors = _errors(
        lambda: findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            title="Files (test data)",
            remove_attachment_ids=[987_654],
        )
    )
    assert errors == {
        "attachments": "A file you removed is no longer part of this finding; reload the page to see its files."
    }


# --- submitting ---------------------------------------------------------------------------------


def test_submitting_checks_every_field_in_full(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = findings.save_draft(session, viewer=member, title="Barely begun (test data)")
    errors = _errors(lambda: findings.submit(session, viewer=member, finding_id=finding_id, expected_version=1))
    assert list(errors) == ["summary", "kind", "themes", "evidence_type"]
    assert session.get(Finding, finding_id).status == FindingStatus.DRAFT


def test_an_email_in_the_summary_stops_submitting_until_the_author_confirms(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(session, member, partner, summary="Ask the lead on jo.bloggs@example.org for the data.")
    with pytest.raises(SafeguardingNeeded) as caught:
        findings.submit(session, viewer=member, finding_id=finding_id, expected_version=1)
    [hit] = caught.value.hits
    assert (hit.field, hit.kind, hit.text) == ("summary", "email", "jo.bloggs@example.org")
    assert str(caught.value) == (
        "The finding may contain personal data (an email address, 'jo.bloggs@example.org', in Summary); remove it, "
        "or confirm that the people concerned agreed and that nothing identifies a child or young person."
    )
    assert (session.get(Finding, finding_id).status, finding_version(session, finding_id)) == (FindingStatus.DRAFT, 1)
    receipt = findings.submit(
        session, viewer=member, finding_id=finding_id, expected_version=1, confirmed_safeguarding=True
    )
    assert receipt.confirmed_hits == 1
    assert session.get(Finding, finding_id).status == FindingStatus.SUBMITTED
    assert (
        findings.detail(session, viewer=member, finding_id=finding_id)
        .history[0]
        .what.endswith("submitted for review; 1 possible personal detail confirmed as agreed (an email address)")
    )


def test_fixing_the_email_lets_the_finding_through_without_a_confirmation(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(session, member, partner, summary="Ask jo.bloggs@example.org.")
    findings.save_draft(
        session,
        viewer=member,
        finding_id=finding_id,
        expected_version=1,
        **finding_fields(partner, summary="Ask the music lead."),
    )
    assert findings.submit(session, viewer=member, finding_id=finding_id, expected_version=2).confirmed_hits == 0


def test_the_check_reads_every_field_link_and_file_name_and_description(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(
        session,
        member,
        partner,
        title="Amira, aged 9, kept coming (test data)",
        key_quote="Born 03/04/2015, she said so.",
        links="https://example.org/?contact=jo@example.org",
        new_files=[NewAttachment("Sam_age10_photo.png", picture("PNG"), "Call 020 7946 0958", consent=True)],
    )
    with pytest.raises(SafeguardingNeeded) as caught:
        findings.submit(session, viewer=member, finding_id=finding_id, expected_version=1)
    assert [(hit.field, hit.kind) for hit in caught.value.hits] == [
        ("title", "child_named_with_age"),
        ("key_quote", "date_of_birth"),
        ("links", "email"),
        ("description of Sam_age10_photo.png", "phone"),
        ("attachment: Sam_age10_photo.png", "child_named_with_age"),
    ]
    assert "and 4 more" in str(caught.value)


def test_every_file_needs_consent_before_submitting(session):
    partner = make_partner(session)
    member = _member(session, partner)
    finding_id = _draft(
        session,
        member,
        partner,
        new_files=[
            NewAttachment("report.pdf", pdf_document(), consent=True),
            NewAttachment("group.jpg", picture("JPEG")),
        ],
    )
    errors = _errors(lambda: findings.submit(session, viewer=member, finding_id=finding_id, expected_version=1))
    assert errors == {
        "attachments": 'Confirm that the people shown or named in "group.jpg" agreed to it being shared, '
        "or remove that file."
    }
    photo = session.scalar(select(Attachment.id).where(Attachment.original_name == "group.jpg"))
    findings.save_draft(
        session,
        viewer=member,
        finding_id=finding_id,
        expected_version=1,
        **finding_fields(partner),
        attachment_edits=[AttachmentEdit(photo, "The ensemble on stage", consent=True)],
    )
    findings.submit(session, viewer=member, finding_id=finding_id, expected_version=2)
    assert session.get(Finding, finding_id).status == FindingStatus.SUBMITTED


def test_the_receipt_says_what_was_saved_and_what_happens_next(session):
    partner = make_partner(session, name="Cornwall (test data)")
    project = make_project(session, partner, cycle="2024-25", title="First term (test data)")
    member = _member(session, partner)
    pdf = pdf_document()
    finding_id = _draft(
        session,
        member,
        partner,
        project_id=project.id,
        cycle=None,
        new_files=[NewAttachment("report.pdf", pdf, "Report", consent=True)],
    )
    receipt = findings.submit(session, viewer=member, finding_id=finding_id, expected_version=1)
    assert receipt.reference == f"CT-{finding_id:06d}"
    assert receipt.title == "Who stops coming after the first term (test data)"
    assert dict(receipt.fields) == {
        "Title": "Who stops coming after the first term (test data)",
        "Summary": "78 characters",
        "Kind": "Barrier",
        "Themes": "Socio-economic disadvantage",
        "Partner service": "Cornwall (test data)",
        "Research project": "First term (test data)",
        "Cycle": "2024-25",
        "Evidence type": "Participation data",
        "Key quote or data point": "We stopped when the second invoice came.",
        "Links": "https://www.example.org/report",
        "Visibility": "Working group only",
    }
    assert [(a.name, a.size_bytes, a.size) for a in receipt.attachments] == [
        ("report.pdf", len(pdf), findings.describe_size(len(pdf)))
    ]
    assert receipt.next_steps == findings.NEXT_STEPS
    stored = session.get(Finding, finding_id)
    assert stored.submitted_at == receipt.submitted_at


def test_references_and_sizes_read_as_people_write_them():
    assert findings.reference(123) == "CT-000123"
    assert [findings.describe_size(size) for size in (0, 1023, 1024, 14_000, MB, 2.4 * MB)] == [
        "0 bytes",
        "1,023 bytes",
        "1 KB",
        "14 KB",
        "1 MB",
        "2.4 MB",
    ]


# --- review and who may do what -----------------------------------------------------------------


def test_a_member_cannot_publish_or_return_and_a_facilitator_can(session):
    partner = make_partner(session)
    author = _member(session, partner)
    finding_id = _submitted(session, author, partner)
    version = finding_version(session, finding_id)
    for viewer in (author, _member(session, partner), ANONYMOUS):
        with pytest.raises(PermissionDenied, match="Only facilitators and administrators can review findings."):
            findings.publish(session, viewer=viewer, finding_id=finding_id, expected_version=version)
        with pytest.raises(PermissionDenied, match="Only facilitators and administrators can review findings."):
            findings.return_to_author(
                session, viewer=viewer, finding_id=finding_id, expected_version=version, reason="No."
            )
    findings.publish(session, viewer=_staff(session), finding_id=finding_id, expected_version=version)
    finding = session.get(Finding, finding_id)
    assert (finding.status, finding.published_at is not None) == (FindingStatus.PUBLISHED, True)


def test_an_administrator_may_return_a_finding_with_a_reason(session):
    partner = make_partner(session)
    author = _member(session, partner)
    finding_id = _submitted(session, author, partner)
    admin = _staff(session, "admin")
    version = finding_version(session, finding_id)
    for reason, says in ((" ", "Say what the author should change"), ("r" * 2001, "keep it to 2,000")):
        errors = _errors(
            lambda: findings.return_to_author(
                session,
                viewer=admin,
                finding_id=finding_id,
                expected_version=version,
                reason=reason,  # noqa: B023
            )
        )
        assert list(errors) == ["reason"] and says in errors["reason"]
    findings.return_to_author(
        session, viewer=admin, finding_id=finding_id, expected_version=version, reason="Add how many families."
    )
    finding = session.get(Finding, finding_id)
    assert (finding.status, finding.return_reason) == (FindingStatus.RETURNED, "Add how many families.")


@pytest.mark.parametrize("status", [FindingStatus.DRAFT, FindingStatus.RETURNED, FindingStatus.PUBLISHED])
def test_only_a_submitted_finding_can_be_published_or_returned(session, status):
    partner = make_partner(session)
    finding = make_finding(session, partner, status=status, author_id=_member(session, partner).user_id)
    admin = _staff(session, "admin")
    with pytest.raises(InvalidInput, match="Only a finding submitted for review can be published; this one is"):
        findings.publish(session, viewer=admin, finding_id=finding.id, expected_version=finding.version)
    with pytest.raises(InvalidInput, match="Only a finding submitted for review can be returned"):
        findings.return_to_author(
            session, viewer=admin, finding_id=finding.id, expected_version=finding.version, reason="Why"
        )
    assert session.get(Finding, finding.id).status == status


def test_a_returned_finding_is_changed_by_its_author_and_resubmitted(session):
    partner = make_partner(session)
    author, colleague = _member(session, partner), _member(session, partner)
    facilitator = _staff(session)
    finding_id = _submitted(session, author, partner)
    findings.return_to_author(
        session,
        viewer=facilitator,
        finding_id=finding_id,
        expected_version=finding_version(session, finding_id),
        reason="Please say how many families took part.",
    )
    [mine] = findings.my_findings(session, viewer=author)
    assert (mine.status, mine.returned, mine.return_reason) == (
        "returned",
        True,
        "Please say how many families took part.",
    )
    assert findings.detail(session, viewer=author, finding_id=finding_id).return_reason == mine.return_reason
    seen_by_colleague = findings.detail(session, viewer=colleague, finding_id=finding_id)
    assert seen_by_colleague.return_reason is None
    assert seen_by_colleague.history[0].what == f"{finding_fields()['title']}: returned to the author"
    assert not seen_by_colleague.may_edit
    with pytest.raises(PermissionDenied, match="Only the person who wrote this finding, or a facilitator"):
        findings.save_draft(
            session, viewer=colleague, finding_id=finding_id, expected_version=mine.version, **finding_fields(partner)
        )

    findings.save_draft(
        session,
        viewer=author,
        finding_id=finding_id,
        expected_version=mine.version,
        **finding_fields(partner, summary="Forty families took part; those who pay drop out twice as often."),
    )
    assert session.get(Finding, finding_id).status == FindingStatus.RETURNED  # still flagged while being fixed
    findings.submit(session, viewer=author, finding_id=finding_id, expected_version=mine.version + 1)
    finding = session.get(Finding, finding_id)
    assert (finding.status, finding.return_reason) == (FindingStatus.SUBMITTED, None)
    history = findings.detail(session, viewer=facilitator, finding_id=finding_id).history
    assert "returned to the author: Please say how many families took part." in history[2].what


def test_nobody_changes_a_submitted_or_published_finding(session):
    partner = make_partner(session)
    author = _member(session, partner)
    finding_id = _submitted(session, author, partner)
    for viewer in (author, _staff(session, "admin")):
        with pytest.raises(PermissionDenied, match="This finding has been submitted, so it can no longer be changed"):
            findings.save_draft(
                session,
                viewer=viewer,
                finding_id=finding_id,
                expected_version=finding_version(session, finding_id),
                **finding_fields(partner),
            )
        with pytest.raises(PermissionDenied, match="has been submitted"):
            findings.submit(
                session, viewer=viewer, finding_id=finding_id, expected_version=finding_version(session, finding_id)
            )
    assert not findings.detail(session, viewer=author, finding_id=finding_id).may_edit


def test_a_facilitator_fixes_a_returned_finding_but_never_sees_anothers_draft(session):
    partner = make_partner(session)
    author = _member(session, partner)
    facilitator = _staff(session)
    draft_id = _draft(session, author, partner)
    with pytest.raises(NotFound, match=findings.NOT_SHARED):
        findings.save_draft(
            session, viewer=facilitator, finding_id=draft_id, expected_version=1, **finding_fields(partner)
        )
    returned = make_finding(session, partner, status=FindingStatus.RETURNED, author_id=author.user_id, kind=None)
    findings.save_draft(
        session,
        viewer=facilitator,
        finding_id=returned.id,
        expected_version=returned.version,
        **finding_fields(partner, title="Tidied by a facilitator (test data)"),
    )
    assert session.get(Finding, returned.id).title == "Tidied by a facilitator (test data)"
    assert session.get(Finding, returned.id).author_id == author.user_id


@pytest.mark.parametrize("operation", ["save_draft", "submit", "publish", "return_to_author"])
def test_every_write_with_a_stale_version_is_a_conflict(session, operation):
    partner = make_partner(session)
    author = _member(session, partner)
    facilitator = _staff(session)
    finding_id = _submitted(session, author, partner) if operation in ("publish", "return_to_author") else None
    finding_id = finding_id or _draft(session, author, partner)
    drawn = finding_version(session, finding_id)
    # Someone else's change, made after the form was drawn: touching the row moves its version.
    session.get(Finding, finding_id).updated_at = session.get(Finding, finding_id).updated_at.replace(microsecond=1)
    session.flush()
    assert finding_version(session, finding_id) == drawn + 1
    calls = {
        "save_draft": lambda: findings.save_draft(
            session,
            viewer=author,
            finding_id=finding_id,
            expected_version=drawn,
            **finding_fields(partner, title="Mine"),
        ),
        "submit": lambda: findings.submit(session, viewer=author, finding_id=finding_id, expected_version=drawn),
        "publish": lambda: findings.publish(session, viewer=facilitator, finding_id=finding_id, expected_version=drawn),
        "return_to_author": lambda: findings.return_to_author(
            session, viewer=facilitator, finding_id=finding_id, expected_version=drawn, reason="Why"
        ),
    }
    status = session.get(Finding, finding_id).status
    with pytest.raises(Conflict, match="Your changes are still in the form"):
        calls[operation]()
    assert (session.get(Finding, finding_id).status, finding_version(session, finding_id)) == (status, drawn + 1)


# --- who sees what ------------------------------------------------------------------------------


def test_each_viewer_sees_exactly_the_findings_the_rules_allow(session):
    own, other = make_partner(session), make_partner(session)
    author, colleague, elsewhere = _member(session, own), _member(session, own), _member(session, other)
    facilitator, admin = _staff(session), _staff(session, "admin")
    rows = {
        "draft": make_finding(session, own, status=FindingStatus.DRAFT, author_id=author.user_id, kind=None),
        "submitted": make_finding(session, own, status=FindingStatus.SUBMITTED, author_id=author.user_id),
        "returned": make_finding(session, own, status=FindingStatus.RETURNED, author_id=author.user_id),
        "published group": make_finding(session, own, status=FindingStatus.PUBLISHED),
        "published public": make_finding(session, own, status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC),
        "other's submitted": make_finding(session, other, status=FindingStatus.SUBMITTED),
        "other's published": make_finding(session, other, status=FindingStatus.PUBLISHED),
        "facilitator's draft": make_finding(session, other, status=FindingStatus.DRAFT, author_id=facilitator.user_id),
    }

    def seen(viewer):
        names = set()
        for name, finding in rows.items():
            try:
                findings.detail(session, viewer=viewer, finding_id=finding.id)
            except NotFound as error:
                assert str(error) == findings.NOT_SHARED
                assert finding.title not in str(error)
            else:
                names.add(name)
        return names

    published = {"published group", "published public", "other's published"}
    own_work = {"draft", "submitted", "returned", "published group", "published public"}
    assert seen(ANONYMOUS) == {"published public"}
    assert seen(author) == seen(colleague) == published | own_work
    assert seen(elsewhere) == published | {"other's submitted", "facilitator's draft"}  # their service's work
    assert seen(facilitator) == set(rows) - {"draft"}
    assert seen(admin) == set(rows)


def test_an_author_always_sees_what_they_wrote(session):
    partner = make_partner(session)
    facilitator = _staff(session)
    finding_id = findings.save_draft(
        session, viewer=facilitator, title="A facilitator's own draft (test data)", partner_id=partner.id
    )
    assert findings.detail(session, viewer=facilitator, finding_id=finding_id).may_edit
    assert [line.id for line in findings.my_findings(session, viewer=facilitator)] == [finding_id]
    with pytest.raises(NotFound):
        findings.detail(session, viewer=_staff(session), finding_id=finding_id)


def test_visitors_see_a_public_finding_without_the_working_groups_details(session):
    partner = make_partner(session)
    project = make_project(session, partner)
    author = make_user(session, partner=partner)
    finding = make_finding(
        session,
        partner,
        project=project,
        author=author,
        status=FindingStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
        links="https://example.org/a\nhttps://example.org/b",
    )
    shown = findings.detail(session, viewer=ANONYMOUS, finding_id=finding.id)
    assert (shown.author, shown.project, shown.project_id, shown.history) == (None, None, None, ())
    assert shown.links == ("https://example.org/a", "https://example.org/b")
    assert not shown.may_edit and not shown.may_review
    signed_in = findings.detail(session, viewer=_member(session, partner), finding_id=finding.id)
    assert (signed_in.author, signed_in.project_id) == (author.display_name, project.id)


def test_a_file_is_downloaded_only_by_those_who_may_see_its_finding(session):
    partner = make_partner(session)
    author = _member(session, partner)
    finding_id = _submitted(
        session, author, partner, new_files=[NewAttachment("notes.txt", b"Notes (test data)", consent=True)]
    )
    attachment_id = session.scalar(select(Attachment.id).where(Attachment.finding_id == finding_id))
    for viewer in (ANONYMOUS, _member(session, make_partner(session))):
        with pytest.raises(NotFound) as caught:
            findings.attachment_data(session, viewer=viewer, attachment_id=attachment_id)
        assert str(caught.value) == "That file does not exist or is not shared with you."
    for viewer in (author, _member(session, partner), _staff(session)):
        assert findings.attachment_data(session, viewer=viewer, attachment_id=attachment_id) == (
            "notes.txt",
            "text/plain",
            b"Notes (test data)",
        )
    with pytest.raises(NotFound):
        findings.attachment_data(session, viewer=author, attachment_id=987_654)


def test_my_findings_lists_only_the_viewers_own_newest_first(session):
    partner = make_partner(session)
    author, colleague = _member(session, partner), _member(session, partner)
    first = findings.save_draft(session, viewer=author, title="First (test data)")
    findings.save_draft(session, viewer=colleague, title="A colleague's (test data)")
    second = _submitted(session, author, partner, title="Second (test data)")
    assert [(line.id, line.status, line.reference) for line in findings.my_findings(session, viewer=author)] == [
        (second, "submitted", findings.reference(second)),
        (first, "draft", findings.reference(first)),
    ]
    with pytest.raises(PermissionDenied, match="Sign in to see the findings you have shared."):
        findings.my_findings(session, viewer=ANONYMOUS)


def test_the_review_queue_is_for_reviewers_and_puts_the_longest_waiting_first(session):
    partner = make_partner(session, name="Hull (test data)")
    author = _member(session, partner)
    first = _submitted(session, author, partner, title="Waiting longest (test data)")
    second = _submitted(
        session,
        author,
        partner,
        title="Waiting less (test data)",
        new_files=[NewAttachment("n.txt", b"n", consent=True)],
    )
    _draft(session, author, partner, title="Not submitted (test data)")
    earlier = session.get(Finding, first).submitted_at.replace(year=2024)
    session.get(Finding, first).submitted_at = earlier
    session.flush()
    queue = findings.review_queue(session, viewer=_staff(session))
    assert queue.waiting == 2
    assert [(item.id, item.partner, item.author, item.attachments) for item in queue.items] == [
        (first, "Hull (test data)", author.name, 0),
        (second, "Hull (test data)", author.name, 1),
    ]
    assert queue.items[0].themes == ["Socio-economic disadvantage"]
    start = findings.review_queue(session, viewer=_staff(session), limit=1)
    assert (start.waiting, [item.id for item in start.items]) == (2, [first])
    assert findings.review_queue(session, viewer=_staff(session), limit=5).waiting == 2
    with pytest.raises(PermissionDenied, match="Only facilitators and administrators can review findings."):
        findings.review_queue(session, viewer=author)


def test_the_form_offers_a_member_their_own_service_and_its_projects(session):
    own, other = make_partner(session, name="Own (test data)"), make_partner(session)
    project = make_project(session, own, cycle="2024-25", title="Ours (test data)")
    make_project(session, other)
    choices = findings.form_choices(session, viewer=_member(session, own))
    assert choices.partners == {own.id: "Own (test data)"}
    assert choices.projects == {own.id: [(project.id, "Ours (test data)", "2024-25")]}
    assert choices.evidence_types == findings.EVIDENCE_TYPES
    assert list(choices.kinds) == ["enabler", "barrier", "insight"]
    assert choices.visibilities == {"working_group": "Working group only", "public": "Public once published"}
    assert other.id in findings.form_choices(session, viewer=_staff(session)).partners


# --- the trail ----------------------------------------------------------------------------------


def test_every_step_of_the_workflow_writes_one_audit_row(session):
    partner = make_partner(session)
    author = _member(session, partner)
    facilitator = _staff(session)
    finding_id = findings.save_draft(session, viewer=author, title="Trail (test data)")
    findings.save_draft(
        session, viewer=author, finding_id=finding_id, expected_version=1, **finding_fields(partner, title="Trail")
    )
    findings.submit(session, viewer=author, finding_id=finding_id, expected_version=2)
    findings.return_to_author(session, viewer=facilitator, finding_id=finding_id, expected_version=3, reason="More.")
    findings.save_draft(
        session,
        viewer=author,
        finding_id=finding_id,
        expected_version=4,
        **finding_fields(partner, title="Trail, more"),
    )
    findings.submit(session, viewer=author, finding_id=finding_id, expected_version=5)
    findings.publish(session, viewer=facilitator, finding_id=finding_id, expected_version=6)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.actor_id)
        .where(AuditEvent.entity_id == finding_id)
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("finding_drafted", "finding", author.user_id),
        ("finding_changed", "finding", author.user_id),
        ("finding_submitted", "finding", author.user_id),
        ("finding_returned", "finding", facilitator.user_id),
        ("finding_changed", "finding", author.user_id),
        ("finding_submitted", "finding", author.user_id),
        ("finding_published", "finding", facilitator.user_id),
    ]
    assert all(row.action in audit.ACTIONS for row in rows)


@BOTH
def test_each_committed_change_moves_the_findings_revision(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        member = _member(session, partner)

    def findings_revision():
        with db.session_scope(fresh_engine, read_only=True) as session:
            return db.current_revisions(session, (db.FINDINGS,))[0]

    before = findings_revision()
    with db.session_scope(fresh_engine) as session:
        finding_id = findings.save_draft(session, viewer=member, title="Revision (test data)")
    assert findings_revision() == before + 1
    with db.session_scope(fresh_engine) as session:
        findings.save_draft(
            session,
            viewer=member,
            finding_id=finding_id,
            expected_version=1,
            title="Revision (test data)",
            new_files=[NewAttachment("n.txt", b"notes (test data)")],
        )
    assert findings_revision() == before + 2
    for read in (findings.detail, findings.my_findings, findings.review_queue, findings.attachment_data):
        assert db.areas_read_by(read) == (db.FINDINGS,)


@BOTH
def test_two_facilitators_deciding_on_one_finding_at_once_one_wins_the_other_is_told(fresh_engine):
    with db.session_scope(fresh_engine) as session:
        partner = make_partner(session)
        author = _member(session, partner)
        finding_id = _submitted(session, author, partner)
        seen = finding_version(session, finding_id)
        publisher, returner = _staff(session), _staff(session, "admin")
    start = threading.Barrier(2)

    def decide(viewer, decision):
        start.wait(10)
        try:
            with db.session_scope(fresh_engine) as session:
                if decision == "publish":
                    findings.publish(session, viewer=viewer, finding_id=finding_id, expected_version=seen)
                else:
                    findings.return_to_author(
                        session, viewer=viewer, finding_id=finding_id, expected_version=seen, reason="Not yet."
                    )
        except Conflict:
            return "conflict"
        return decision

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(decide, [publisher, returner], ["publish", "return"]))
    assert sorted(outcomes) in (["conflict", "publish"], ["conflict", "return"])
    with db.session_scope(fresh_engine, read_only=True) as session:
        finding = session.get(Finding, finding_id)
        winner = next(outcome for outcome in outcomes if outcome != "conflict")
        assert finding.status == {"publish": FindingStatus.PUBLISHED, "return": FindingStatus.RETURNED}[winner]
        assert finding.version == seen + 1
        decisions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_id == finding_id, AuditEvent.action.in_(["finding_published", "finding_returned"])
            )
        ).all()
        assert len(decisions) == 1
