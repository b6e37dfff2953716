"""Research projects: the board, one project, and creating and changing them, on SQLite and PostgreSQL."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from ctdash import db, projects
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import AuditEvent, FindingStatus, Project, ProjectStage, Theme, Visibility
from ctdash.seed import initialise, seed
from ctdash.viewer import ANONYMOUS
from tests.factories import make_finding, make_partner, make_project, make_user, viewer_for


@pytest.fixture(autouse=True)
def _themes(request):
    # The real themes vocabulary, in the rolled-back test transaction.
    if "session" in request.fixturenames:
        seed(request.getfixturevalue("session"))


def _staff(session, role="facilitator"):
    return viewer_for(make_user(session, role=role))


def _theme(session, slug="socio-economic-disadvantage"):
    return session.scalars(select(Theme).where(Theme.slug == slug)).one()


def _fields(partner, **changes):
    values = {
        "partner_id": partner.id,
        "cycle": "2025-26",
        "title": "Who stops coming, and why",
        "research_question": "What keeps young people in ensembles?",
        "themes": ["socio-economic-disadvantage"],
        "stage": "planning",
        "start_date": dt.date(2025, 9, 1),
        "end_date": dt.date(2026, 7, 31),
        "lead_contact": "Lead teacher",
        "summary": "A first look.",
    }
    return {**values, **changes}


@pytest.mark.parametrize(
    ("written", "cycle"),
    [
        ("2024-25", "2024-25"),
        ("2024/25", "2024-25"),
        ("2024-2025", "2024-25"),
        ("2024 to 2025", "2024-25"),
        ("24/25", "2024-25"),
        ("24-25", "2024-25"),
        (" 2024 – 25 ", "2024-25"),
        ("2024 25", "2024-25"),
        ("2024", "2024-25"),
        (2024, "2024-25"),
        (2024.0, "2024-25"),
        ("2018-19", "2018-19"),
        ("2099-00", None),
        ("2017-18", None),
        ("2024-26", None),
        ("2025-24", None),
        ("next year", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_cycles_are_normalised_or_refused_in_a_sentence(written, cycle):
    if cycle is None:
        with pytest.raises(InvalidInput, match=r"cycle|2024-25|programme"):
            projects.normalise_cycle(written)
    else:
        assert projects.normalise_cycle(written) == cycle


def test_stages_are_read_from_the_spellings_people_use():
    assert projects.stage_of("Data collection") == ProjectStage.DATA_COLLECTION
    assert projects.stage_of("sharing_findings") == ProjectStage.SHARING
    assert projects.stage_of("COMPLETED") == ProjectStage.COMPLETE
    with pytest.raises(InvalidInput, match="'finished' is not a stage; use one of: proposed, planning"):
        projects.stage_of("finished")


def test_the_board_filters_by_cycle_partner_theme_and_stage(session):
    hull, cornwall = make_partner(session, name="Hull test"), make_partner(session, name="Cornwall test")
    theme = _theme(session)
    a = make_project(session, hull, cycle="2024-25", stage=ProjectStage.ANALYSIS, themes=[theme])
    b = make_project(session, cornwall, cycle="2025-26", stage=ProjectStage.ANALYSIS)
    c = make_project(session, cornwall, cycle="2024-25", stage=ProjectStage.COMPLETE)
    viewer = _staff(session)

    def ids(**filters):
        return set(projects.board(session, viewer=viewer, **filters)["id"]) & {a.id, b.id, c.id}

    assert ids() == {a.id, b.id, c.id}
    assert ids(cycle="2024-25") == {a.id, c.id}
    assert ids(partner_id=cornwall.id) == {b.id, c.id}
    assert ids(theme=theme.slug) == {a.id}
    assert ids(stage="analysis") == {a.id, b.id}
    assert ids(cycle="2024-25", stage="analysis", partner_id=hull.id) == {a.id}
    row = projects.board(session, viewer=viewer, partner_id=hull.id).iloc[0]
    assert (row["partner"], row["themes"], row["stage"]) == ("Hull test", [theme.name], "analysis")


def test_the_boards_columns_count_every_project_and_hold_the_most_recently_updated_as_cards(session):
    hull, cornwall = make_partner(session, name="Hull test"), make_partner(session, name="Cornwall test")
    theme = _theme(session)
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    analysing = [
        make_project(session, hull, stage=ProjectStage.ANALYSIS, updated_at=day + dt.timedelta(days=number))
        for number in range(4)
    ]
    older = make_project(session, cornwall, stage=ProjectStage.ANALYSIS, updated_at=day - dt.timedelta(days=1))
    paused = make_project(session, cornwall, stage=ProjectStage.PAUSED, cycle="2024-25", themes=[theme])
    viewer = _staff(session)

    def columns(**filters):
        found = projects.board_columns(session, viewer=viewer, per_stage=3, **filters)
        assert [column.stage for column in found] == [stage.value for stage in ProjectStage]
        return {column.stage: column for column in found}

    board = columns(partner_id=hull.id)
    assert board["analysis"].count == 4
    assert [card.id for card in board["analysis"].cards] == [project.id for project in analysing[:0:-1]]
    assert board["paused"].count == 0 and board["paused"].cards == ()
    board = columns(cycle="2024-25")
    assert {stage: column.count for stage, column in board.items() if column.count} == {"paused": 1}
    (card,) = board["paused"].cards
    assert (card.id, card.partner, card.themes, card.stage, card.cycle) == (
        paused.id,
        "Cornwall test",
        (theme.name,),
        "paused",
        "2024-25",
    )
    assert columns(theme=theme.slug, partner_id=hull.id)["paused"].count == 0
    assert older.id in {card.id for card in columns(partner_id=cornwall.id, stage="analysis")["analysis"].cards}
    # A card with an open Move form is read whatever its rank or the filters, as its stage's kept cards.
    kept = projects.board_columns(session, viewer=viewer, per_stage=3, partner_id=hull.id, keep=(older.id, paused.id))
    kept = {column.stage: column for column in kept}
    assert [card.id for card in kept["analysis"].cards] == [project.id for project in analysing[:0:-1]]
    assert [card.id for card in kept["analysis"].kept] == [older.id]
    assert ([card.id for card in kept["paused"].kept], kept["paused"].cards) == ([paused.id], ())
    assert (kept["analysis"].count, kept["paused"].count) == (4, 0)  # the counts stay the filters'
    with pytest.raises(NotFound, match="Sign in to see them"):
        projects.board_columns(session, viewer=ANONYMOUS, per_stage=3)


def test_visitors_see_no_projects_and_no_project_page(session):
    project = make_project(session, make_partner(session))
    with pytest.raises(NotFound, match="Sign in to see them"):
        projects.board(session, viewer=ANONYMOUS)
    with pytest.raises(NotFound, match="Sign in to see them"):
        projects.detail(session, viewer=ANONYMOUS, project_id=project.id)


def test_the_summary_counts_every_stage_in_board_order_and_each_cycle_and_theme(session):
    partner = make_partner(session)
    theme = _theme(session)
    make_project(session, partner, cycle="2024-25", stage=ProjectStage.ANALYSIS, themes=[theme])
    make_project(session, partner, cycle="2025-26", stage=ProjectStage.ANALYSIS, themes=[theme])
    make_project(session, partner, cycle="2025-26", stage=ProjectStage.PAUSED)
    frame = projects.board(session, viewer=_staff(session), partner_id=partner.id)
    summary = projects.summary(frame)
    assert [stage for stage, _ in summary["stage"]] == [stage.value for stage in ProjectStage]
    assert dict(summary["stage"]) == {**{stage.value: 0 for stage in ProjectStage}, "analysis": 2, "paused": 1}
    assert summary["cycle"] == [("2024-25", 1), ("2025-26", 2)]
    assert summary["theme"] == [(theme.name, 2)]
    assert projects.summary(projects.board(session, viewer=_staff(session), partner_id=-1))["cycle"] == []


def test_a_member_creates_a_project_for_their_own_service_only(session):
    own, other = make_partner(session), make_partner(session)
    member = viewer_for(make_user(session, partner=own))
    project_id = projects.create_project(session, viewer=member, **_fields(own, cycle="2025/26"))
    project = session.get(Project, project_id)
    assert (project.cycle, project.stage, [t.slug for t in project.themes]) == (
        "2025-26",
        ProjectStage.PLANNING,
        ["socio-economic-disadvantage"],
    )
    with pytest.raises(PermissionDenied, match="You can change the projects of your own service only."):
        projects.create_project(session, viewer=member, **_fields(other))
    with pytest.raises(PermissionDenied, match="Sign in"):
        projects.create_project(session, viewer=ANONYMOUS, **_fields(own, title="Another"))
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == project_id)).all()
    assert [(e.action, e.entity_type) for e in events] == [("project_created", "project")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Enter the project's title"),
        ({"title": "x" * 201}, "The title"),
        ({"partner_id": None}, "Choose the partner service"),
        ({"partner_id": 999_999}, "Choose the partner service"),
        ({"cycle": "2030-31"}, "outside the programme"),
        ({"stage": "done"}, "'done' is not a stage"),
        ({"themes": ["no-such-theme"]}, "'no-such-theme' is not one of the themes"),
        ({"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2025, 1, 1)}, "before the start date"),
        ({"start_date": dt.date(1999, 1, 1)}, "outside the programme"),
        ({"summary": "a" * 5001}, "The summary"),
        ({"title": "bad\x00byte"}, "The title"),
    ],
)
def test_each_mistake_in_a_project_is_one_clear_sentence(session, changes, message):
    partner = make_partner(session)
    with pytest.raises(InvalidInput, match=message):
        projects.create_project(session, viewer=_staff(session), **_fields(partner, **changes))
    assert session.scalars(select(Project).where(Project.partner_id == partner.id)).all() == []


def test_a_second_project_with_the_same_title_in_a_cycle_is_refused(session):
    partner = make_partner(session)
    staff = _staff(session)
    projects.create_project(session, viewer=staff, **_fields(partner))
    with pytest.raises(InvalidInput, match="already has a project called 'WHO STOPS COMING, AND WHY' in 2025-26"):
        projects.create_project(session, viewer=staff, **_fields(partner, title="WHO STOPS COMING, AND WHY"))
    projects.create_project(session, viewer=staff, **_fields(partner, cycle="2024-25"))  # another cycle is fine


def test_changing_a_project_records_who_what_and_when_on_its_history(session):
    partner = make_partner(session)
    facilitator = _staff(session)
    project = make_project(session, partner, stage=ProjectStage.ANALYSIS, title="Listening")
    changes = projects.change_stage(
        session,
        viewer=facilitator,
        project_id=project.id,
        expected_version=project.version,
        stage="sharing findings",
        start_date=dt.date(2025, 9, 1),
        end_date=None,
    )
    assert changes == ["stage: analysis -> sharing findings", "start date: empty -> 01/09/2025"]
    detail = projects.detail(session, viewer=facilitator, project_id=project.id)
    assert detail.stage == "sharing findings"
    assert detail.version == project.version
    [line] = detail.history
    assert (line.who, line.what) == (
        facilitator.name,
        "Listening: stage: analysis -> sharing findings; start date: empty -> 01/09/2025",
    )
    assert line.at.tzinfo is not None


def test_a_change_to_themes_alone_moves_the_version_and_the_history(session):
    partner = make_partner(session)
    staff = _staff(session)
    project_id = projects.create_project(session, viewer=staff, **_fields(partner, themes=[]))
    before = session.get(Project, project_id).version
    projects.update_project(
        session,
        viewer=staff,
        project_id=project_id,
        expected_version=before,
        **_fields(partner, themes=["socio-economic-disadvantage"]),
    )
    assert session.get(Project, project_id).version == before + 1
    assert (
        "themes: empty -> socio-economic-disadvantage"
        in projects.detail(session, viewer=staff, project_id=project_id).history[0].what
    )


def test_a_save_from_a_stale_copy_is_a_conflict_and_changes_nothing(session):
    project = make_project(session, make_partner(session), stage=ProjectStage.ANALYSIS)
    first, second = _staff(session), _staff(session)
    seen = project.version  # both facilitators opened the project at this version
    projects.change_stage(
        session, viewer=first, project_id=project.id, expected_version=seen, stage="sharing findings",
        start_date=None, end_date=None,
    )  # fmt: skip
    with pytest.raises(Conflict, match="Someone else changed the project"):
        projects.change_stage(
            session, viewer=second, project_id=project.id, expected_version=seen, stage="paused",
            start_date=None, end_date=None,
        )  # fmt: skip
    assert session.get(Project, project.id).stage == ProjectStage.SHARING


def test_a_member_cannot_change_or_take_over_another_services_project(session):
    own, other = make_partner(session), make_partner(session)
    member = viewer_for(make_user(session, partner=own))
    theirs = make_project(session, other, stage=ProjectStage.ANALYSIS)
    with pytest.raises(PermissionDenied, match="your own service only"):
        projects.change_stage(
            session, viewer=member, project_id=theirs.id, expected_version=theirs.version, stage="complete",
            start_date=None, end_date=None,
        )  # fmt: skip
    mine = make_project(session, own)
    with pytest.raises(PermissionDenied, match="your own service only"):
        projects.update_project(
            session, viewer=member, project_id=mine.id, expected_version=mine.version, **_fields(other)
        )
    assert session.get(Project, theirs.id).stage == ProjectStage.ANALYSIS
    assert session.get(Project, mine.id).partner_id == own.id
    assert projects.may_edit(member, own.id) and not projects.may_edit(member, other.id)
    assert not projects.may_edit(ANONYMOUS, own.id)


def test_the_project_page_lists_the_findings_the_viewer_may_see(session):
    partner, other = make_partner(session), make_partner(session)
    project = make_project(session, partner)
    published = make_finding(session, partner, project=project, status=FindingStatus.PUBLISHED)
    draft = make_finding(session, partner, project=project, status=FindingStatus.DRAFT)
    make_finding(session, partner, status=FindingStatus.PUBLISHED)  # another project's
    own_member = viewer_for(make_user(session, partner=partner))
    other_member = viewer_for(make_user(session, partner=other))
    assert [f.id for f in projects.detail(session, viewer=other_member, project_id=project.id).findings] == [
        published.id
    ]
    seen = projects.detail(session, viewer=own_member, project_id=project.id).findings
    assert {(f.id, f.status) for f in seen} == {(published.id, "published"), (draft.id, "draft")}
    assert published.visibility == Visibility.GROUP


def test_an_unknown_project_is_not_found(session):
    with pytest.raises(NotFound, match="research status board"):
        projects.detail(session, viewer=_staff(session), project_id=987_654)


BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH
def test_two_facilitators_saving_the_same_project_at_once_one_wins_one_is_told(database_url):
    engine = db.make_engine(database_url)
    try:
        initialise(engine)
        with db.session_scope(engine) as session:
            project = make_project(session, make_partner(session), stage=ProjectStage.ANALYSIS)
            project_id, seen = project.id, project.version
            viewers = [_staff(session), _staff(session)]
        start = threading.Barrier(2)

        def save(viewer, stage):
            start.wait(10)
            try:
                with db.session_scope(engine) as session:
                    projects.change_stage(
                        session, viewer=viewer, project_id=project_id, expected_version=seen, stage=stage,
                        start_date=None, end_date=None,
                    )  # fmt: skip
            except Conflict:
                return "conflict"
            return "saved"

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(save, viewers, ["sharing findings", "paused"]))
        assert sorted(outcomes) == ["conflict", "saved"]
        with db.session_scope(engine, read_only=True) as session:
            stored = session.get(Project, project_id)
            assert stored.version == seen + 1
            history = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == project_id)).all()
            assert len(history) == 1
    finally:
        engine.dispose()
