import hashlib

import pytest
from sqlalchemy import func, select

from ctdash import demo
from ctdash.db import current_revisions
from ctdash.errors import Conflict
from ctdash.models import (
    AgendaItem,
    AgendaKind,
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Base,
    Comment,
    Finding,
    FindingStatus,
    Meeting,
    Partner,
    Project,
    Theme,
    User,
    WallJoin,
    WallPost,
    finding_themes,
    project_themes,
)
from ctdash.seed import seed
from tests.factories import make_finding, make_meeting, make_partner, make_project, make_user


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _example(session, model):
    return session.scalars(select(model).where(model.is_example).order_by(model.id)).first()


def _example_totals(session):
    return {model.__name__: _count(session, model, model.is_example) for model in (Partner, Project, Finding, Comment)}


def test_every_example_row_is_flagged_and_belongs_to_a_fictional_service(session):
    seed(session)
    demo.load(session)
    for model in (Project, Finding, Comment, Attachment):
        assert _count(session, model) > 0
        assert _count(session, model, model.is_example.is_(False)) == 0
    real = set(session.scalars(select(Partner.id).where(Partner.is_example.is_(False))))
    assert not real & set(session.scalars(select(Project.partner_id)))
    assert not real & set(session.scalars(select(Finding.partner_id)))
    assert all(name.startswith("Example: ") for name in session.scalars(select(Partner.name).where(Partner.is_example)))


def test_the_example_session_is_flagged_and_its_agenda_points_only_at_published_example_rows(session):
    seed(session)
    demo.load(session)
    meeting = session.scalars(select(Meeting)).one()
    assert meeting.is_example and meeting.title.startswith(demo.EXAMPLE_PREFIX)
    assert len(meeting.items) == len(demo.AGENDA) and not meeting.wall_open
    findings = [session.get(Finding, item.finding_id) for item in meeting.items if item.finding_id]
    partners = [session.get(Partner, item.partner_id) for item in meeting.items if item.partner_id]
    assert findings and all(f.is_example and f.status == FindingStatus.PUBLISHED for f in findings)
    assert partners and all(partner.is_example for partner in partners)


def test_loading_twice_adds_nothing_the_second_time(session):
    seed(session)
    first = demo.load(session)
    second = demo.load(session)
    assert first.findings > 0 and second.findings == 0
    assert _count(session, Finding) == first.findings


def test_loading_the_examples_is_audited_once(session):
    seed(session)
    demo.load(session)
    demo.load(session)
    events = session.execute(
        select(AuditEvent.actor, AuditEvent.entity_type, AuditEvent.summary).where(
            AuditEvent.action == "example_data_loaded"
        )
    ).all()
    summary = "3 services, 6 projects, 10 findings, 5 comments, 2 attachments, 1 session"
    assert events == [("command line", "example_data", summary)]


def test_remove_takes_out_examples_and_leaves_real_data(session):
    seed(session)
    demo.load(session)
    session.commit()
    before = current_revisions(session)
    report = demo.remove(session)
    assert report.findings > 0
    for model in (Project, Finding, Comment, Attachment, AttachmentBlob):
        assert _count(session, model) == 0
    assert _count(session, Partner) == 15
    session.commit()  # revisions move at commit
    assert all(after > was for after, was in zip(current_revisions(session), before, strict=True))


def test_remove_takes_out_the_example_session_with_its_agenda_and_wall(session):
    seed(session)
    demo.load(session)
    meeting = session.scalars(select(Meeting).where(Meeting.is_example)).one()
    session.add(WallJoin(meeting_id=meeting.id, device="example-device"))
    session.add(
        WallPost(
            meeting_id=meeting.id,
            kind="enabler",
            body="Example post",
            device="example-device",
            status="shown",
            post_token="example-token",
        )
    )
    session.flush()
    report = demo.remove(session)
    assert report.meetings == 1
    for model in (Meeting, AgendaItem, WallPost, WallJoin):
        assert _count(session, model) == 0


def test_a_real_session_keeps_its_agenda_item_when_the_example_finding_it_showed_goes(session):
    seed(session)
    demo.load(session)
    real = make_meeting(session)
    finding = session.scalars(select(Finding).where(Finding.is_example, Finding.status == "published")).first()
    session.add(AgendaItem(meeting_id=real.id, position=0, kind=AgendaKind.FINDING, finding_id=finding.id))
    session.flush()
    demo.remove(session)
    session.expire_all()
    item = session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == real.id)).one()
    assert item.finding_id is None and session.get(Meeting, real.id) is not None


def test_nothing_depends_on_freshly_loaded_examples(session):
    seed(session)
    demo.load(session)
    assert demo.dependants(session) == []


def test_a_real_comment_on_an_example_finding_survives_and_removal_refuses_naming_it(session):
    seed(session)
    demo.load(session)
    comment = Comment(finding=_example(session, Finding), body="A real reply from the working group.")
    session.add(comment)
    session.flush()
    examples = _example_totals(session)
    with pytest.raises(Conflict, match=rf"1 comment on example findings \(id {comment.id}\)"):
        demo.remove(session)
    assert session.get(Comment, comment.id) is not None
    assert _example_totals(session) == examples


def test_a_real_attachment_on_an_example_finding_survives_and_removal_refuses_naming_it(session):
    seed(session)
    demo.load(session)
    data = b"real notes"
    attachment = Attachment(
        finding=_example(session, Finding),
        filename="real-notes.txt",
        original_name="real-notes.txt",
        content_type="text/plain",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        blob=AttachmentBlob(data=data),
    )
    session.add(attachment)
    session.flush()
    examples = _example_totals(session)
    with pytest.raises(Conflict, match=rf"1 attachment on example findings \(id {attachment.id}\)"):
        demo.remove(session)
    assert session.get(Attachment, attachment.id) is not None
    assert _count(session, AttachmentBlob, AttachmentBlob.attachment_id == attachment.id) == 1
    assert _example_totals(session) == examples


def test_an_account_of_an_example_service_keeps_its_service_and_removal_refuses_naming_it(session):
    seed(session)
    demo.load(session)
    service = _example(session, Partner)
    account = make_user(session, partner=service, username="sam.t")
    with pytest.raises(Conflict, match=r"1 account belongs to an example service \(sam\.t\)"):
        demo.remove(session)
    session.expire_all()
    assert session.get(User, account.id).partner_id == service.id


def test_a_real_finding_in_an_example_project_keeps_its_project_and_removal_refuses(session):
    seed(session)
    demo.load(session)
    real_service = session.scalars(select(Partner).where(Partner.is_example.is_(False))).first()
    project = _example(session, Project)
    finding = make_finding(session, real_service, project=project)
    with pytest.raises(Conflict, match=rf"1 finding under an example service or project \(id {finding.id}\)"):
        demo.remove(session)
    session.expire_all()
    assert session.get(Finding, finding.id).project_id == project.id


def test_a_real_project_of_an_example_service_survives_and_removal_refuses(session):
    seed(session)
    demo.load(session)
    project = make_project(session, _example(session, Partner))
    with pytest.raises(Conflict, match=rf"1 project of an example service \(id {project.id}\)"):
        demo.remove(session)
    assert session.get(Project, project.id) is not None


def test_a_refusal_lists_every_kind_in_one_message_and_caps_long_lists(session):
    seed(session)
    demo.load(session)
    finding = _example(session, Finding)
    comments = [Comment(finding=finding, body=f"Real comment {number}") for number in range(12)]
    session.add_all(comments)
    make_user(session, partner=_example(session, Partner), username="sam.t")
    with pytest.raises(Conflict) as refusal:
        demo.remove(session)
    first_ten = ", ".join(str(comment.id) for comment in comments[:10])
    assert str(refusal.value) == (
        "Example data was not removed: real records depend on it. "
        f"12 comments on example findings (ids {first_ten} and 2 more); "
        "1 account belongs to an example service (sam.t). "
        "Move or delete these first, then run `python -m ctdash demo --remove` again."
    )


def test_a_clean_removal_keeps_every_real_row_and_is_audited(session):
    seed(session)
    themes = _count(session, Theme)
    real_service = make_partner(session)
    real_project = make_project(session, real_service)
    real_finding = make_finding(session, real_service, project=real_project)
    theme = session.scalars(select(Theme)).first()
    real_project.themes = [theme]
    real_finding.themes = [theme]
    admin = make_user(session, role="admin")
    member = make_user(session, partner=real_service)
    demo.load(session)
    # An example comment on a real finding goes; the finding stays.
    session.add(Comment(finding=real_finding, body="Example reply", is_example=True))
    session.flush()

    report = demo.remove(session)

    session.expire_all()
    assert report.comments == 6
    assert _count(session, Partner) == 16 and _count(session, Partner, Partner.is_example) == 0
    assert _count(session, Theme) == themes
    assert session.get(User, admin.id) is not None
    assert session.get(User, member.id).partner_id == real_service.id
    assert session.get(Project, real_project.id) is not None
    assert session.get(Finding, real_finding.id).project_id == real_project.id
    assert _count(session, project_themes, project_themes.c.project_id == real_project.id) == 1
    assert _count(session, finding_themes, finding_themes.c.finding_id == real_finding.id) == 1
    assert _count(session, Comment) == 0
    assert session.execute(
        select(AuditEvent.actor, AuditEvent.entity_type, AuditEvent.summary).where(
            AuditEvent.action == "example_data_removed"
        )
    ).all() == [
        ("command line", "example_data", "3 services, 6 projects, 10 findings, 6 comments, 2 attachments, 1 session")
    ]


def test_every_foreign_key_into_example_tables_is_known_to_the_removal():
    # A new reference to an example table needs a check in demo.dependants or a delete in
    # demo.remove; add it there, then here.
    example_tables = {"partners", "projects", "findings", "attachments", "comments"}
    references = {
        f"{key.parent.table.name}.{key.parent.name}"
        for table in Base.metadata.tables.values()
        for key in table.foreign_keys
        if key.column.table.name in example_tables
    }
    assert references == {
        "partner_roles.partner_id",
        "users.partner_id",
        "projects.partner_id",
        "findings.partner_id",
        "findings.project_id",
        "project_themes.project_id",
        "finding_themes.finding_id",
        "attachments.finding_id",
        "comments.finding_id",
        "attachment_blobs.attachment_id",
        "highlights.finding_id",
        "agenda_items.finding_id",
        "agenda_items.partner_id",
        "wall_posts.finding_id",
        "wall_posts.partner_id",
    }
