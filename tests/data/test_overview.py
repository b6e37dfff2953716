"""Home page numbers, and that they respect who is looking."""

from ctdash.models import FindingKind, FindingStatus, ProjectStage, Role, Visibility
from ctdash.overview import load_overview
from ctdash.seed import seed
from ctdash.viewer import ANONYMOUS, Viewer
from tests.factories import make_finding, make_partner, make_project


def _titles(overview):
    return {card.title for card in overview.latest_findings}


def test_partner_numbers_count_real_services_by_role(session):
    seed(session)
    make_partner(session, is_example=True)
    overview = load_overview(session, viewer=ANONYMOUS)
    assert overview.partners == 15
    assert overview.example_partners == 1
    assert [(count.label, count.total) for count in overview.partners_by_role] == [
        ("Action research partners", 9),
        ("Working group members", 15),
    ]


def test_projects_are_counted_by_stage_in_stage_order(session):
    partner = make_partner(session)
    make_project(session, partner, stage=ProjectStage.ANALYSIS)
    make_project(session, partner, stage=ProjectStage.ANALYSIS, is_example=True)
    overview = load_overview(session, viewer=ANONYMOUS)
    analysis = next(count for count in overview.projects_by_stage if count.label == "analysis")
    assert (analysis.total, analysis.examples) == (2, 1)
    assert overview.projects_by_stage[0].label == "proposed"


def test_visitor_sees_only_published_public_findings(session):
    partner = make_partner(session)
    make_finding(session, partner, title="public", status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    make_finding(session, partner, title="group", status=FindingStatus.PUBLISHED, visibility=Visibility.GROUP)
    make_finding(session, partner, title="draft", status=FindingStatus.DRAFT, visibility=Visibility.PUBLIC)
    overview = load_overview(session, viewer=ANONYMOUS)
    assert _titles(overview) == {"public"}
    assert overview.findings == 1


def test_member_never_sees_another_services_drafts(session):
    own, other = make_partner(session), make_partner(session)
    make_finding(session, own, title="own draft", kind=FindingKind.BARRIER)
    make_finding(session, other, title="other draft", kind=FindingKind.BARRIER)
    make_finding(session, other, title="other published", status=FindingStatus.PUBLISHED)
    member = Viewer(user_id=1, role=Role.MEMBER, partner_id=own.id)
    overview = load_overview(session, viewer=member)
    barrier = next(count for count in overview.findings_by_kind if count.label == "barrier")
    assert barrier.total == 1
    assert overview.findings == 2
    assert _titles(overview) == {"other published"}


def test_facilitator_sees_submitted_work_but_not_drafts(session):
    partner = make_partner(session)
    make_finding(session, partner, status=FindingStatus.SUBMITTED)
    make_finding(session, partner, status=FindingStatus.DRAFT)
    facilitator = Viewer(user_id=2, role=Role.FACILITATOR)
    assert load_overview(session, viewer=facilitator).findings == 1
    assert load_overview(session, viewer=Viewer(user_id=3, role=Role.ADMIN)).findings == 2


def test_latest_findings_are_newest_first(session):
    partner = make_partner(session)
    for title in ("first", "second", "third"):
        make_finding(session, partner, title=title, status=FindingStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    assert [card.title for card in load_overview(session, viewer=ANONYMOUS, latest=2).latest_findings] == [
        "third",
        "second",
    ]
