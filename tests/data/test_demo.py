from sqlalchemy import func, select

from ctdash import demo
from ctdash.db import current_revision
from ctdash.models import Attachment, AttachmentBlob, AuditEvent, Comment, Finding, Partner, Project
from ctdash.seed import seed


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


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
    summary = "3 services, 6 projects, 10 findings, 5 comments, 2 attachments"
    assert events == [("command line", "example_data", summary)]


def test_remove_takes_out_examples_and_leaves_real_data(session):
    seed(session)
    demo.load(session)
    before = current_revision(session)
    report = demo.remove(session)
    assert report.findings > 0
    for model in (Project, Finding, Comment, Attachment, AttachmentBlob):
        assert _count(session, model) == 0
    assert _count(session, Partner) == 15
    assert current_revision(session) > before
