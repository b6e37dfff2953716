"""The finding page, My findings and the review queue, for every role, on SQLite and PostgreSQL (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ctdash import findings
from ctdash.findings import NewAttachment
from ctdash.models import Finding, FindingStatus, Partner
from ctdash.seed import seed
from tests.factories import finding_fields, finding_version, make_finding, make_project, make_user, viewer_for
from tests.pages.conftest import shown, signed_in_as
from tests.samples import pdf_document, picture

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

THEME = "socio-economic-disadvantage"
HOSTILE = (
    "Attendance rose **by a third**.\n\n"
    "<script>alert(1)</script>\n\n"
    '<img src=x onerror="alert(1)">\n\n'
    "[click me](javascript:alert(1))\n\n"
    '<iframe src="https://evil.example/"></iframe>\n\n'
    "![tracker](http://tracker.example/pixel.png)"
)


def _partner(session, slug: str) -> Partner:
    return session.scalars(select(Partner).where(Partner.slug == slug)).one()


def _submit(session, viewer, partner, submitted_days_ago: int = 0, **changes) -> int:
    finding_id = findings.save_draft(session, viewer=viewer, **finding_fields(partner, **changes))
    findings.submit(
        session, viewer=viewer, finding_id=finding_id, expected_version=finding_version(session, finding_id)
    )
    finding = session.get(Finding, finding_id)
    finding.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=submitted_days_ago)
    session.flush()
    return finding_id


@pytest.fixture
def work(database):
    """Cornwall's member kit with a finding at every stage; Hull's member lou; facilitators fay and gil."""
    with database() as session:
        seed(session)
        cornwall, hull = _partner(session, "cornwall"), _partner(session, "hull")
        kit = viewer_for(make_user(session, username="kit", display_name="Kit Member", partner=cornwall))
        make_user(session, username="lou", partner=hull)
        fay = viewer_for(make_user(session, role="facilitator", username="fay", display_name="Fay Facilitator"))
        make_user(session, role="facilitator", username="gil")
        project = make_project(session, cornwall, title="Listening to families (test data)", cycle="2024-25")
        ids = {"project": project.id, "cornwall": cornwall.id}
        ids["draft"] = findings.save_draft(
            session, viewer=kit, **finding_fields(cornwall, title="Draft notes (test data)")
        )
        ids["submitted"] = _submit(
            session,
            kit,
            cornwall,
            submitted_days_ago=2,
            title="Hostile summary (test data)",
            summary=HOSTILE,
            project_id=project.id,
            new_files=[
                NewAttachment("Attendance chart.png", picture("PNG"), "Attendance by term, as bars", consent=True),
                NewAttachment("Report.pdf", pdf_document(), "The full report", consent=True),
            ],
        )
        ids["older"] = _submit(session, kit, cornwall, submitted_days_ago=9, title="Waiting longest (test data)")
        ids["public"] = _submit(session, kit, cornwall, title="Public finding (test data)", visibility="public")
        findings.publish(
            session, viewer=fay, finding_id=ids["public"], expected_version=finding_version(session, ids["public"])
        )
        ids["group"] = _submit(session, kit, cornwall, title="Group finding (test data)")
        findings.publish(
            session, viewer=fay, finding_id=ids["group"], expected_version=finding_version(session, ids["group"])
        )
        ids["returned"] = _submit(session, kit, cornwall, title="Needs another look (test data)")
        findings.return_to_author(
            session,
            viewer=fay,
            finding_id=ids["returned"],
            expected_version=finding_version(session, ids["returned"]),
            reason="Say which term the figures are from.",
        )
        return ids


def _as(open_app, username: str | None):
    at = open_app()
    if username:
        signed_in_as(at, username)
    return at.run()


def _finding(open_app, username: str | None, finding_id):
    at = _as(open_app, username)
    at.query_params["id"] = str(finding_id)
    return at.switch_page("pages/finding.py").run()


def _texts(at) -> str:
    return "\n".join(shown(block.value) for block in at.markdown)


def _not_shared(at) -> bool:
    return any(findings.NOT_SHARED in shown(error.value) for error in at.error)


# --- who sees what --------------------------------------------------------------------------------


def test_a_visitor_sees_a_public_published_finding_without_the_working_groups_details(app_database, open_app, work):
    at = _finding(open_app, None, work["public"])
    assert not at.exception
    assert at.title[0].value == "Public finding (test data)"
    text = _texts(at)
    assert "twice as often" in text  # the summary
    assert "Published" in text and "Cornwall" in text
    assert "Kit Member" not in text and "History" not in str([e.label for e in at.expander])


@pytest.mark.parametrize("which", ["group", "submitted", "draft", "returned"])
def test_a_visitor_is_told_a_finding_is_not_shared_without_its_title(app_database, open_app, work, which):
    at = _finding(open_app, None, work[which])
    assert not at.exception
    assert _not_shared(at)
    assert [title.value for title in at.title] == ["Finding"]
    assert "test data" not in _texts(at)


def test_a_forged_id_says_not_shared(app_database, open_app, work):
    at = _finding(open_app, "kit", 999_999)
    assert _not_shared(at) and [title.value for title in at.title] == ["Finding"]
    at = _finding(open_app, "kit", "12abc")
    assert not at.exception and "does not name a finding" in shown(at.info[0].value)


def test_a_member_sees_their_own_services_draft_and_another_services_member_does_not(app_database, open_app, work):
    kit = _finding(open_app, "kit", work["draft"])
    assert kit.title[0].value == "Draft notes (test data)"
    assert "Edit this finding" in _texts(kit)
    lou = _finding(open_app, "lou", work["draft"])
    assert _not_shared(lou) and "Draft notes" not in _texts(lou)
    lou = _finding(open_app, "lou", work["group"])  # published: the whole working group sees it
    assert lou.title[0].value == "Group finding (test data)"
    assert "Edit this finding" not in _texts(lou)


def test_the_author_sees_the_return_reason_and_history(app_database, open_app, work):
    at = _finding(open_app, "kit", work["returned"])
    assert "Returned: Say which term the figures are from." in shown(at.warning[0].value)
    assert any(expander.label.startswith("History") for expander in at.expander)
    assert "Fay Facilitator" in _texts(at)
    lou = _finding(open_app, "lou", work["group"])
    assert not lou.warning


# --- what the page shows --------------------------------------------------------------------------


def test_a_hostile_summary_renders_inert(app_database, open_app, work):
    at = _finding(open_app, "fay", work["submitted"])
    assert not at.exception
    assert not [block for block in at.markdown if block.allow_html], "nothing on the page is drawn as raw HTML"
    [summary] = [block.value for block in at.markdown if "by a third" in block.value]
    assert "**by a third**" in summary  # markdown's own formatting is kept
    for needle in ("<script", "onerror", "javascript:", "<iframe", "tracker.example", "<img"):
        assert needle not in summary.lower()


def test_files_are_listed_with_downloads_and_pictures_are_previewed(app_database, open_app, work):
    at = _finding(open_app, "fay", work["submitted"])
    downloads = at.get("download_button")
    assert len(downloads) == 2
    names = {button.proto.label for button in downloads}
    assert names == {"Download"}
    text = _texts(at)
    assert "Attendance chart.png" in text and "Report.pdf" in text
    images = at.get("image")
    assert len(images) == 1
    assert images[0].captions == ["Attendance by term, as bars"]
    assert images[0].proto.imgs[0].alt == "Attendance by term, as bars"
    # The project and partner are links; the kind, status and visibility are badges.
    assert f"project?id={work['project']}" in text and f"partner?id={work['cornwall']}" in text
    assert "Submitted for review" in text and "Working group only" in text and "Barrier" in text


# --- reviewing ------------------------------------------------------------------------------------


def _review_keys(finding_id):
    return (
        f"review_{finding_id}_reason",
        f"FormSubmitter:review_{finding_id}-Publish",
        f"FormSubmitter:review_{finding_id}-Return to the author",
    )


def test_a_facilitator_publishes_from_the_page(app_database, open_app, database, work):
    _, publish, _ = _review_keys(work["submitted"])
    at = _finding(open_app, "fay", work["submitted"])
    at.button(key=publish).click().run()
    assert not at.exception
    assert "is published" in shown(at.success[0].value)
    assert "Published" in _texts(at)
    assert not [button for button in at.button if button.key == publish], "nothing left to review"
    with database() as session:
        assert session.get(Finding, work["submitted"]).status == FindingStatus.PUBLISHED


def test_the_author_and_members_get_no_review_box(app_database, open_app, work):
    _, publish, _ = _review_keys(work["submitted"])
    kit = _finding(open_app, "kit", work["submitted"])
    assert kit.title[0].value == "Hostile summary (test data)"
    assert not [button for button in kit.button if button.key == publish]


def test_returning_needs_a_reason_said_under_it(app_database, open_app, database, work):
    reason, _, send_back = _review_keys(work["submitted"])
    at = _finding(open_app, "fay", work["submitted"])
    at.button(key=send_back).click().run()
    assert not at.exception
    assert "Say what the author should change" in shown(at.error[0].value)
    with database() as session:
        assert session.get(Finding, work["submitted"]).status == FindingStatus.SUBMITTED
    at.text_area(key=reason).input("Please add the term the figures come from.")
    at.button(key=send_back).click().run()
    assert "returned to its author" in shown(at.success[0].value)
    with database() as session:
        finding = session.get(Finding, work["submitted"])
        assert finding.status == FindingStatus.RETURNED
        assert finding.return_reason == "Please add the term the figures come from."


def test_a_stale_page_gets_the_conflict_and_keeps_the_reason(app_database, open_app, database, work):
    reason, publish, send_back = _review_keys(work["submitted"])
    fay = _finding(open_app, "fay", work["submitted"])
    gil = _finding(open_app, "gil", work["submitted"])
    fay.button(key=publish).click().run()
    assert "is published" in shown(fay.success[0].value)

    gil.text_area(key=reason).input("The chart needs a source.")
    gil.button(key=send_back).click().run()
    assert not gil.exception
    assert "Someone else changed the finding" in shown(gil.error[0].value)
    assert gil.text_area(key=reason).value == "The chart needs a source."  # nothing gil typed is lost
    with database() as session:
        assert session.get(Finding, work["submitted"]).status == FindingStatus.PUBLISHED

    # Loading the latest version shows the finding as published, with nothing left to review.
    gil.button(key=f"review_{work['submitted']}_reload").click().run()
    assert not gil.exception
    assert not [button for button in gil.button if button.key.startswith("FormSubmitter:review_")]
    assert "Published" in _texts(gil)


# --- My findings and the review queue -------------------------------------------------------------


def test_my_findings_puts_returned_first_with_the_reason_and_says_what_is_published(app_database, open_app, work):
    at = _as(open_app, "kit").switch_page("pages/my_findings.py").run()
    assert not at.exception
    assert at.title[0].value == "My findings"
    warning = shown(at.warning[0].value)
    assert (
        f"Returned: Say which term the figures are from. — [edit and resubmit](share?id={work['returned']})" in warning
    )
    text = _texts(at)
    assert text.index("Needs another look") < text.index("Draft notes")
    assert f"finding?id={work['public']}" in text and "Published on" in text
    assert f"share?id={work['draft']}" in text
    assert "Waiting for review" in text


def test_my_findings_without_any_points_to_sharing_one(app_database, open_app, work):
    at = _as(open_app, "lou").switch_page("pages/my_findings.py").run()
    assert "You have not shared a finding yet" in shown(at.info[0].value)
    assert "(share)" in at.info[0].value


def test_the_review_queue_lists_the_longest_waiting_first(app_database, open_app, work):
    at = _as(open_app, "fay").switch_page("pages/review.py").run()
    assert not at.exception
    assert at.title[0].value == "Review queue"
    assert "2 findings waiting for review" in shown(at.caption[0].value)
    text = _texts(at)
    assert text.index("Waiting longest") < text.index("Hostile summary")
    assert f"finding?id={work['older']}" in text
    assert "Waiting for 9 days" in text and "2 files" in text
    assert "Public finding" not in text and "Draft notes" not in text


def test_a_long_review_queue_draws_fifty_at_a_time(app_database, open_app, database, monkeypatch):
    from ctdash.ui import finding_views

    monkeypatch.setattr(finding_views, "QUEUE_STEP", 2)
    with database() as session:
        seed(session)
        hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
        make_user(session, role="facilitator", username="fay")
        for number in range(5):
            make_finding(session, hull, title=f"Queued finding {number} (test data)", status=FindingStatus.SUBMITTED)
    at = _as(open_app, "fay").switch_page("pages/review.py").run()
    assert "5 findings waiting for review" in shown(at.caption[0].value)
    assert _texts(at).count("Queued finding") == 2
    assert "Showing the 2 longest waiting of 5." in shown(at.caption[1].value)
    at.button(key="review_queue_more").click().run()
    at.button(key="review_queue_more").click().run()
    assert _texts(at).count("Queued finding") == 5
    assert "review_queue_more" not in [button.key for button in at.button]


def test_members_are_refused_the_review_queue(app_database, open_app, work):
    at = _as(open_app, "kit").switch_page("pages/review.py").run()
    assert "This page is for facilitators and administrators" in shown(at.info[0].value)
    assert "Hostile summary" not in _texts(at)


def test_profiles_and_projects_link_their_findings(app_database, open_app, work):
    at = _as(open_app, None)
    at.query_params["id"] = str(work["cornwall"])
    at.switch_page("pages/partner.py").run()
    assert f"finding?id={work['public']}" in _texts(at)
    at = _as(open_app, "fay")
    at.query_params["id"] = str(work["project"])
    at.switch_page("pages/project.py").run()
    assert f"finding?id={work['submitted']}" in _texts(at)


def test_a_text_file_in_windows_1252_or_with_a_byte_order_mark_reads_correctly(app_database, open_app, database):
    with database() as session:
        seed(session)
        cornwall = _partner(session, "cornwall")
        make_user(session, role="facilitator", username="fay")
        kit = viewer_for(make_user(session, username="kit", partner=cornwall))
        finding_id = _submit(
            session,
            kit,
            cornwall,
            title="Notes from the café (test data)",
            new_files=[
                NewAttachment("notes.txt", "Café notes: 12 families".encode("cp1252"), "Notes", consent=True),
                NewAttachment("counts.csv", "\ufeffterm,families\nSpring,12\n".encode(), "Counts", consent=True),
            ],
        )
    at = _finding(open_app, "fay", finding_id)
    assert not at.exception
    previews = [block.value for block in at.code]
    assert "Café notes: 12 families" in previews
    assert "term,families\nSpring,12" in previews  # the byte-order mark is not shown
