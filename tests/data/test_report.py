"""The programme report: what a cycle's report counts, its highlights, and its Word and PDF files."""

import datetime as dt
import io

import docx
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select

from ctdash import report
from ctdash.cli import main
from ctdash.db import make_engine, session_scope
from ctdash.errors import InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    AuditEvent,
    FindingKind,
    FindingStatus,
    Highlight,
    PartnerRole,
    PartnerRoleKind,
    ProjectStage,
    Theme,
    Visibility,
)
from tests.factories import make_finding, make_meeting, make_partner, make_project, make_user, viewer_for

CYCLE = "2024-25"
PUBLISHED = FindingStatus.PUBLISHED


@pytest.fixture
def programme(session):
    """Two services with roles, projects and findings in 2024-25 and around it, two themes, sessions."""
    send = Theme(slug="test-send", name="SEND (test data)", position=1)
    rural = Theme(slug="test-rural", name="Rural access (test data)", position=2)
    session.add_all([send, rural])
    kernow = make_partner(session, name="Kernow Music Hub (test data)", region="South West")
    fenland = make_partner(session, name="Fenland Music Service (test data)", region="East of England")
    archived = make_partner(session, name="Archived Hub (test data)", active=False)
    archived.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH, cycle=CYCLE))
    later = make_partner(session, name="Later Hub (test data)")
    later.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH, cycle="2025-26"))
    kernow.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH, cycle=CYCLE))
    kernow.roles.append(PartnerRole(role=PartnerRoleKind.WORKING_GROUP, since_year=2021))
    fenland.roles.append(PartnerRole(role=PartnerRoleKind.WORKING_GROUP, since_year=2024))
    project = make_project(session, kernow, cycle=CYCLE, stage=ProjectStage.ANALYSIS)
    make_project(session, fenland, cycle=CYCLE, stage=ProjectStage.ANALYSIS)
    make_project(session, fenland, cycle=CYCLE, stage=ProjectStage.COMPLETE)
    make_project(session, fenland, cycle="2023-24", stage=ProjectStage.PLANNING)
    make_project(session, fenland, cycle=CYCLE, stage=ProjectStage.PLANNING, is_example=True)

    def finding(partner, **fields):
        themes = fields.pop("themes", [])
        row = make_finding(session, partner, **{"cycle": CYCLE, "status": PUBLISHED, **fields})
        row.themes.extend(themes)
        return row

    counted = {
        "enabler": finding(
            kernow,
            kind=FindingKind.ENABLER,
            themes=[send],
            visibility=Visibility.PUBLIC,
            summary="Taster sessions **in school** worked.",
        ),
        "barrier": finding(fenland, kind=FindingKind.BARRIER, themes=[send, rural]),
        "via project": finding(kernow, kind=FindingKind.BARRIER, cycle=None, project=project, themes=[rural]),
    }
    finding(kernow, kind=FindingKind.ENABLER, status=FindingStatus.DRAFT, themes=[send])
    finding(kernow, kind=FindingKind.ENABLER, status=FindingStatus.SUBMITTED, themes=[send])
    finding(kernow, kind=FindingKind.ENABLER, status=FindingStatus.RETURNED, themes=[send])
    finding(kernow, kind=FindingKind.ENABLER, cycle="2023-24", themes=[send])
    finding(kernow, kind=FindingKind.ENABLER, is_example=True, themes=[send])
    for day in (dt.date(2024, 8, 31), dt.date(2024, 9, 1), dt.date(2025, 8, 31), dt.date(2025, 9, 1)):
        make_meeting(session, title=f"Session of {day} (test data)", held_on=day, place="Online")
    make_meeting(session, held_on=dt.date(2025, 1, 15), is_example=True)
    staff = viewer_for(make_user(session, role="facilitator"))
    member = viewer_for(make_user(session, role="member", partner=kernow))
    session.flush()
    return {"findings": counted, "staff": staff, "member": member, "project": project}


def test_only_published_findings_of_the_cycle_are_counted(session, programme):
    gathered = report.gather(session, CYCLE)
    assert {count.label: count.total for count in gathered.findings_by_kind} == {
        "enabler": 1,
        "barrier": 2,
        "insight": 0,
    }
    assert gathered.findings == 3


def test_findings_by_theme_count_each_theme_of_a_published_finding(session, programme):
    rows = report.gather(session, CYCLE).findings_by_theme
    assert sorted(rows) == [
        ("test-rural", "Rural access (test data)", "barrier", 2),
        ("test-send", "SEND (test data)", "barrier", 1),
        ("test-send", "SEND (test data)", "enabler", 1),
    ]
    assert [row[0] for row in rows][0] == "test-send", "themes in their vocabulary order"


def test_projects_of_the_cycle_are_counted_by_stage_without_example_data(session, programme):
    gathered = report.gather(session, CYCLE)
    totals = {count.label: count.total for count in gathered.projects_by_stage}
    assert totals["analysis"] == 2 and totals["complete"] == 1 and totals["planning"] == 0
    assert (gathered.projects, gathered.project_partners) == (3, 2)


def test_partners_are_those_with_a_role_in_the_cycle(session, programme):
    partners = report.gather(session, CYCLE).partners
    assert [(line.name, line.roles) for line in partners] == [
        ("Fenland Music Service (test data)", ("Working-group member since 2024",)),
        ("Kernow Music Hub (test data)", ("Action research partner, 2024-25", "Working-group member since 2021")),
    ]


def test_an_action_research_partner_whose_cycles_are_not_recorded_is_listed_as_such(session, programme):
    # The seeded partners' action research years are not known: the report says so rather than drop them.
    partner = make_partner(session, name="Tamar Music Hub (test data)")
    partner.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH))
    session.flush()
    lines = {line.name: line.roles for line in report.gather(session, CYCLE).partners}
    assert lines["Tamar Music Hub (test data)"] == ("Action research partner (cycles not recorded)",)


def test_sessions_held_are_those_from_1_september_to_31_august(session, programme):
    sessions = report.gather(session, CYCLE).sessions
    assert [line.held_on for line in sessions] == [dt.date(2024, 9, 1), dt.date(2025, 8, 31)]
    assert sessions[0].title == "Session of 2024-09-01 (test data)"


def test_a_session_planned_for_later_in_the_year_is_not_yet_held(session, programme, monkeypatch):
    from ctdash import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    assert [line.held_on for line in report.gather(session, CYCLE).sessions] == [dt.date(2024, 9, 1)]


def test_cycles_offered_are_those_with_published_findings_or_projects(session, programme):
    assert report.cycles(session)[:2] == ("2024-25", "2023-24")


@pytest.mark.parametrize("cycle", ["2024", "24-25", "2024-26", "report", ""])
def test_a_malformed_cycle_is_refused_with_the_format_to_use(session, cycle):
    with pytest.raises(InvalidInput, match="2024-25"):
        report.gather(session, cycle)


def test_a_member_may_not_build_the_report(session, programme):
    with pytest.raises(PermissionDenied, match="facilitators and administrators"):
        report.gather(session, CYCLE, viewer=programme["member"])
    assert report.gather(session, CYCLE, viewer=programme["staff"]).cycle == CYCLE


# --- highlights ------------------------------------------------------------------------------------


def test_a_facilitator_chooses_a_published_finding_as_a_highlight_with_a_note(session, programme):
    chosen = programme["findings"]["barrier"]
    report.choose_highlight(session, chosen.id, viewer=programme["staff"], note="Shows the cost of travel.")
    lines = report.highlights(session, CYCLE)
    assert [(line.finding_id, line.note, line.partner) for line in lines] == [
        (chosen.id, "Shows the cost of travel.", "Fenland Music Service (test data)")
    ]
    assert lines[0].themes == ("SEND (test data)", "Rural access (test data)")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "highlight_chosen")).one()
    assert event.entity_id == chosen.id and "Shows the cost of travel." in event.summary


def test_choosing_again_changes_the_note_and_dropping_removes_it(session, programme):
    chosen = programme["findings"]["enabler"].id
    report.choose_highlight(session, chosen, viewer=programme["staff"], note="First")
    report.choose_highlight(session, chosen, viewer=programme["staff"], note="Second")
    assert session.get(Highlight, chosen).note == "Second"
    assert report.drop_highlight(session, chosen, viewer=programme["staff"]) is True
    assert report.drop_highlight(session, chosen, viewer=programme["staff"]) is False
    assert report.highlights(session, CYCLE) == ()
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == chosen)).all()
    assert actions == ["highlight_chosen", "highlight_chosen", "highlight_dropped"]


def test_a_draft_cannot_be_a_highlight(session, programme):
    draft = make_finding(session, make_partner(session), status=FindingStatus.DRAFT, cycle=CYCLE)
    with pytest.raises(InvalidInput, match="Only a published finding"):
        report.choose_highlight(session, draft.id, viewer=programme["staff"], note="")
    with pytest.raises(NotFound):
        report.choose_highlight(session, 999_999, viewer=programme["staff"], note="")


def test_members_may_not_choose_or_drop_highlights(session, programme):
    finding_id = programme["findings"]["enabler"].id
    with pytest.raises(PermissionDenied):
        report.choose_highlight(session, finding_id, viewer=programme["member"], note="")
    with pytest.raises(PermissionDenied):
        report.drop_highlight(session, finding_id, viewer=programme["member"])
    with pytest.raises(PermissionDenied):
        report.highlight_choices(session, CYCLE, viewer=programme["member"])


def test_a_highlight_whose_finding_is_no_longer_published_leaves_the_report(session, programme):
    chosen = programme["findings"]["barrier"]
    report.choose_highlight(session, chosen.id, viewer=programme["staff"], note="")
    chosen.status = FindingStatus.RETURNED
    session.flush()
    assert report.highlights(session, CYCLE) == ()


def test_highlight_choices_list_the_cycles_published_findings(session, programme):
    chosen = programme["findings"]["barrier"].id
    report.choose_highlight(session, chosen, viewer=programme["staff"], note="Why")
    choices = report.highlight_choices(session, CYCLE, viewer=programme["staff"])
    assert {choice.finding_id for choice in choices} == {finding.id for finding in programme["findings"].values()}
    assert [(choice.chosen, choice.note) for choice in choices if choice.finding_id == chosen] == [(True, "Why")]


# --- the documents ---------------------------------------------------------------------------------


@pytest.fixture
def gathered(session, programme):
    report.choose_highlight(
        session, programme["findings"]["enabler"].id, viewer=programme["staff"], note="Schools opened doors."
    )
    return report.gather(session, CYCLE)


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_word_report_holds_the_cycles_numbers_partners_and_highlights(gathered):
    data = report.to_docx(gathered)
    text = _docx_text(data)
    assert "Changing Tracks programme report 2024-25" in text
    for label, value in gathered.numbers:
        assert label in text and value in text
    assert "Kernow Music Hub (test data)" in text and "Fenland Music Service (test data)" in text
    assert "Schools opened doors." in text and "Taster sessions in school worked." in text
    assert "2 working-group sessions held in 2024-25." in text
    assert "Sunday 31 August 2025" in text
    document = docx.Document(io.BytesIO(data))
    pictures = document.inline_shapes
    assert len(pictures) == 2
    assert pictures[0]._inline.docPr.get("descr") == gathered.stage_text()
    assert "PAGE" in document.sections[0].footer._element.xml


def test_the_pdf_report_holds_the_same_content(gathered):
    reader = PdfReader(io.BytesIO(report.to_pdf(gathered)))
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Changing Tracks programme report 2024-25" in text
    assert "Kernow Music Hub (test data)" in text and "Schools opened doors." in text
    assert "Published findings: 3" in text
    assert "2 working-group sessions held in 2024-25." in text


def test_a_cycle_with_nothing_in_it_still_makes_both_files(session):
    empty = report.gather(session, "2019-20")
    assert "No findings of this cycle were chosen as highlights." in _docx_text(report.to_docx(empty))
    assert len(PdfReader(io.BytesIO(report.to_pdf(empty))).pages) >= 1


# --- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_command_line_writes_the_report_as_word_and_pdf(cli, database_url, tmp_path):
    cli("init")
    with session_scope(make_engine(database_url)) as session:
        partner = make_partner(session, name="Command Line Hub (test data)")
        partner.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH, cycle=CYCLE))
        make_finding(session, partner, status=PUBLISHED, cycle=CYCLE)
    for name in ("report.docx", "report.PDF"):
        path = tmp_path / name
        result = cli("report", CYCLE, str(path))
        assert result.exit_code == 0, result.output
        assert result.output == (
            f"Wrote the 2024-25 report to {path}: 1 published finding, 0 research projects, 0 highlights "
            "and 0 sessions held.\n"
        )
    assert "Command Line Hub (test data)" in _docx_text((tmp_path / "report.docx").read_bytes())
    assert (tmp_path / "report.PDF").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2024", "r.docx"], "Error: '2024' is not a cycle: write the academic year like 2024-25.\n"),
        (
            ["2024-25", "r.odt"],
            "Error: Name the file with .docx (a Word document) or .pdf, for example "
            "report-2024-25.docx; 'r.odt' is neither.\n",
        ),
    ],
)
def test_the_command_line_refuses_a_bad_cycle_or_file_type_in_one_line(cli, tmp_path, args, message):
    result = cli("report", args[0], str(tmp_path / args[1]))
    assert (result.exit_code, result.output) == (2, message)
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_says_when_the_folder_does_not_exist(cli, tmp_path):
    path = tmp_path / "missing" / "report.pdf"
    result = cli("report", CYCLE, str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Could not write {path}: the folder does not exist; choose a file in a folder that exists "
        "and that you may write to.\n"
    )
