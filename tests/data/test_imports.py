"""Importing partner services and research projects from spreadsheets, on SQLite and PostgreSQL.

Files are built here as people's programs save them: CSV text (commas or semicolons) and XLSX
workbooks from XlsxWriter (formulas with their saved values, merged title rows, date cells).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import xlsxwriter
from sqlalchemy import func, select

from ctdash import audit, db, export, imports, projects
from ctdash.errors import Conflict, InvalidInput, PermissionDenied
from ctdash.models import AuditEvent, Partner, Project, ProjectStage, Role
from ctdash.seed import initialise, seed
from ctdash.viewer import Viewer
from tests.factories import make_partner, make_project, make_user, viewer_for

CLI = Viewer(role=Role.ADMIN, name="command line")
PROJECT_HEADINGS = ["Partner", "Cycle", "Title", "Stage", "Themes", "Start date", "End date"]


@pytest.fixture(autouse=True)
def _seeded(request):
    # The real partner services and themes, in the rolled-back test transaction.
    if "session" in request.fixturenames:
        seed(request.getfixturevalue("session"))


def csv_file(rows: list[list], headings: list[str] = PROJECT_HEADINGS, delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headings)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def dry_run(session, data: bytes, kind: str = "projects", filename: str = "projects.csv", **options):
    return imports.plan(session, viewer=CLI, kind=kind, data=data, filename=filename, **options)


def import_file(session, data: bytes, kind: str = "projects", filename: str = "projects.csv", viewer=CLI):
    plan = imports.plan(session, viewer=viewer, kind=kind, data=data, filename=filename)
    return imports.run(
        session, viewer=viewer, kind=kind, data=data, filename=filename, expected_signature=plan.signature
    )


def errors_by_row(plan) -> dict[int, list[str]]:
    return {row.number: list(row.errors) for row in plan.rows if row.errors}


def rows_by_number(plan) -> dict:
    return {row.number: row for row in plan.rows}


def partner_named(session, name: str) -> Partner:
    return session.scalars(select(Partner).where(Partner.name == name)).one()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


# Projects: every error of every row


def test_a_file_of_bad_rows_reports_every_error_of_every_row_by_its_number(session):
    data = csv_file(
        [
            ["Cornwal", "2024-25", "Listening (test data)", "planning", "", "", ""],
            ["Atlantis", "2024-25", "Lost (test data)", "planning", "", "", ""],
            ["Hull", "next year", "Two mistakes (test data)", "fieldwork", "", "", ""],
            ["Hull", "2024-25", "Backwards (test data)", "planning", "", "01/09/2024", "31/08/2024"],
            ["Hull", "2024-25", "Themes (test data)", "planning", "SEND; Rural and geographic acess; Zither", "", ""],
            ["Hull", "2024/25", "Ensembles (test data)", "planning", "", "", ""],
            ["hull", "24-25", "ENSEMBLES  (test data)", "analysis", "", "", ""],
            [],
            ["Norfolk", "2024-25", "No such day (test data)", "planning", "", "31/02/2024", "2016-09-01"],
            ["Norfolk", "2024-25", "", "", "", "", ""],
        ]
    )
    plan = dry_run(session, data)
    assert errors_by_row(plan) == {
        2: ["Unknown partner 'Cornwal'; did you mean 'Cornwall'?"],
        3: [
            "Unknown partner 'Atlantis'; write the name of a service on the partner map "
            "(a project import never adds services: import partners first)."
        ],
        4: [
            "'next year' is not a research cycle: write the academic year like 2024-25.",
            "'fieldwork' is not a stage; use one of: proposed, planning, data collection, analysis, "
            "sharing findings, complete, paused.",
        ],
        5: ["The end date (31/08/2024) is before the start date (01/09/2024); check both."],
        6: [
            "Unknown theme 'Rural and geographic acess'; did you mean 'Rural and geographic access'?",
            "Unknown theme 'Zither'; use the theme names listed on the Import spreadsheets page, "
            "separated by semicolons.",
        ],
        8: ["Repeats row 7 (the same partner, cycle and title); keep one of the two rows."],
        # row 9 is blank; the spreadsheet's numbers are kept
        10: [
            "Start date: '31/02/2024' is not a date; write dates day first, like 01/09/2024.",
            "The end date 01/09/2016 is outside the programme; check the year (projects run from 2018).",
        ],
        11: ["Enter the project's title, a few words saying what it looks into.", "Choose the project's stage."],
    }
    assert plan.counts == {"create": 1, "update": 0, "no change": 0, "error": 8}
    assert plan.has_errors
    assert plan.summary() == "1 to create, 8 with errors."
    assert list(plan.error_lines())[0] == "Row 2: Unknown partner 'Cornwal'; did you mean 'Cornwall'?"


def test_rows_with_errors_come_first_in_the_preview_with_their_cells_as_written(session):
    data = csv_file(
        [
            ["Hull", "2024-25", "Fine (test data)", "planning", "", "1/9/24", ""],
            ["Hull", "someday", "Not fine (test data)", "planning", "", "", ""],
        ]
    )
    preview = dry_run(session, data).preview()
    assert list(preview["Row"]) == [3, 2]
    assert list(preview["Action"]) == ["error", "create"]
    assert list(preview["Cycle"]) == ["someday", "2024-25"]
    assert list(preview["Start date"]) == ["", "01/09/2024"]


@pytest.mark.parametrize("written", ["2024-25", "2024/25", "24-25", "24/25", "2024", "2024-2025", "2024 to 2025"])
def test_a_cycle_written_any_usual_way_is_read_as_2024_25(session, written):
    plan = dry_run(session, csv_file([["Hull", written, "Cycles (test data)", "planning", "", "", ""]]))
    assert plan.rows[0].shown["Cycle"] == "2024-25"
    assert plan.rows[0].action == "create"


def test_partners_are_matched_by_name_short_name_or_slug_whatever_the_case_and_archived_ones_too(session):
    make_partner(session, name="Testshire Music Service (test data)", short_name="Testshire")
    make_partner(session, name="Closed service (test data)", short_name="Closed", active=False)
    data = csv_file(
        [
            [written, "2024-25", f"Match {number} (test data)", "planning", "", "", ""]
            for number, written in enumerate(
                ["CORNWALL", " waltham  forest ", "liverpool-resonate", "testshire", "Closed service (test data)"]
            )
        ]
    )
    plan = dry_run(session, data)
    assert not plan.has_errors
    assert [row.shown["Partner"] for row in plan.rows] == [
        "Cornwall",
        "Waltham Forest",
        "Liverpool Resonate",
        "Testshire Music Service (test data)",
        "Closed service (test data)",
    ]


def test_a_short_name_two_services_share_asks_for_the_full_name(session):
    make_partner(session, name="Testbury North (test data)", short_name="Testbury")
    make_partner(session, name="Testbury South (test data)", short_name="Testbury")
    plan = dry_run(session, csv_file([["testbury", "2024-25", "Which one (test data)", "planning", "", "", ""]]))
    assert plan.rows[0].errors == (
        "'testbury' could be 'Testbury North (test data)' or 'Testbury South (test data)'; "
        "write the service's full name.",
    )


def test_themes_by_name_or_slug_separated_by_semicolons_commas_or_lines(session):
    written = "send, Pricing, remissions and instrument access\nrural-and-geographic-access;  YOUTH VOICE AND CO-DESIGN"
    plan = dry_run(session, csv_file([["Hull", "2024-25", "Themes (test data)", "planning", written, "", ""]]))
    row = plan.rows[0]
    assert row.errors == ()
    assert row.values["themes"] == (
        "send",
        "rural-and-geographic-access",
        "youth-voice-and-co-design",
        "pricing-remissions-and-instrument-access",
    )
    assert row.shown["Themes"].startswith("Special educational needs and disabilities (SEND); Rural")


def test_a_project_matching_a_stored_one_is_an_update_that_says_what_changes(session):
    hull = partner_named(session, "Hull")
    stored = make_project(session, hull, cycle="2024-25", title="Ensembles (test data)", stage=ProjectStage.PLANNING)
    version = stored.version
    data = csv_file([["hull", "2024/25", "ensembles (TEST DATA)", "Analysis", "send", "", ""]])
    row = dry_run(session, data).rows[0]
    assert (row.action, row.record_id, row.record) == (
        "update",
        stored.id,
        f"project #{stored.id}: Ensembles (test data)",
    )
    assert row.changes == (
        "title: Ensembles (test data) -> ensembles (TEST DATA)",
        "themes: empty -> send",
        "stage: planning -> analysis",
    )
    report = imports.run(
        session,
        viewer=CLI,
        kind="projects",
        data=data,
        filename="projects.csv",
        expected_signature=dry_run(session, data).signature,
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    changed = session.get(Project, stored.id)
    assert (changed.stage, changed.version, [theme.slug for theme in changed.themes]) == (
        ProjectStage.ANALYSIS,
        version + 1,
        ["send"],
    )


def test_rows_equal_to_what_is_stored_are_no_change_and_columns_left_out_keep_their_values(session):
    hull = partner_named(session, "Hull")
    make_project(
        session,
        hull,
        cycle="2024-25",
        title="Ensembles (test data)",
        stage=ProjectStage.PLANNING,
        research_question="Who comes back? (test data)",
    )
    data = csv_file([["Hull", "2024-25", "Ensembles (test data)", "planning"]], headings=PROJECT_HEADINGS[:4])
    plan = dry_run(session, data)
    assert plan.rows[0].action == "no change"
    assert plan.rows[0].shown["Research question"] == "Who comes back? (test data)"
    assert any("no column for Research question, Themes" in notice for notice in plan.notices)
    assert import_file(session, data).message == "Created 0, updated 0, unchanged 1."


def test_a_project_import_never_adds_a_partner_service(session):
    before = count(session, Partner)
    data = csv_file([["New service (test data)", "2024-25", "Orphan (test data)", "planning", "", "", ""]])
    plan = dry_run(session, data)
    assert plan.has_errors
    with pytest.raises(InvalidInput, match="1 row has errors, so nothing was imported"):
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )
    assert count(session, Partner) == before


def test_one_bad_row_means_nothing_is_written(session):
    data = csv_file(
        [
            ["Hull", "2024-25", "Good (test data)", "planning", "", "", ""],
            ["Hull", "2024-25", "Bad (test data)", "no such stage", "", "", ""],
        ]
    )
    plan = dry_run(session, data)
    with pytest.raises(InvalidInput, match="fix them in the file"):
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )
    assert count(session, Project) == 0
    assert count(session, AuditEvent) == 0


def test_an_import_creates_and_updates_and_is_audited_with_a_history_line_per_project(session):
    hull = partner_named(session, "Hull")
    stored = make_project(session, hull, cycle="2024-25", title="Ensembles (test data)", stage=ProjectStage.PLANNING)
    data = csv_file(
        [
            ["Hull", "2024-25", "Ensembles (test data)", "complete", "", "", ""],
            ["Cornwall", "2025-26", "Listening (test data)", "proposed", "send", "01/09/2025", "31/07/2026"],
            ["Cornwall", "2025-26", "Second (test data)", "planning", "", "", ""],
        ]
    )
    report = import_file(session, data, filename="term plan.csv")
    assert report.message == "Created 2, updated 1, unchanged 0."
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert {(event.actor, event.actor_id) for event in events} == {("command line", None)}
    summary = [event for event in events if event.action == "projects_imported"]
    assert [event.summary for event in summary] == ["term plan.csv: 2 created, 1 updated, 0 unchanged"]
    assert audit.ACTIONS["projects_imported"] == "Research projects imported"
    listening = session.scalars(select(Project).where(Project.title == "Listening (test data)")).one()
    detail = projects.detail(session, viewer=CLI, project_id=listening.id)
    assert [line.what for line in detail.history] == [
        "Listening (test data): created in 2025-26 at stage proposed (imported from term plan.csv)"
    ]
    assert [theme for theme in detail.themes] == ["send"]
    assert (listening.start_date, listening.end_date) == (dt.date(2025, 9, 1), dt.date(2026, 7, 31))
    assert [line.what for line in projects.detail(session, viewer=CLI, project_id=stored.id).history] == [
        "Ensembles (test data): stage: planning -> complete (imported from term plan.csv)"
    ]


def test_an_import_by_a_signed_in_admin_names_them_in_the_audit(session):
    admin = viewer_for(make_user(session, role="admin", display_name="Ada Admin"))
    import_file(session, csv_file([["Hull", "2024-25", "By Ada (test data)", "planning", "", "", ""]]), viewer=admin)
    assert set(session.execute(select(AuditEvent.actor, AuditEvent.actor_id)).all()) == {("Ada Admin", admin.user_id)}


def test_an_import_moves_the_research_and_findings_revisions(session):
    session.commit()
    before = db.current_revisions(session)
    import_file(session, csv_file([["Hull", "2024-25", "Revisions (test data)", "planning", "", "", ""]]))
    session.commit()
    after = db.current_revisions(session)
    moved = {area for area, old, new in zip(db.AREAS, before, after, strict=True) if new != old}
    assert moved == {db.RESEARCH, db.FINDINGS}


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_members_and_facilitators_may_not_import(session, role):
    viewer = viewer_for(make_user(session, role=role))
    data = csv_file([["Hull", "2024-25", "Refused (test data)", "planning", "", "", ""]])
    with pytest.raises(PermissionDenied, match="Only administrators can import spreadsheets."):
        imports.plan(session, viewer=viewer, kind="projects", data=data, filename="p.csv")
    with pytest.raises(PermissionDenied):
        imports.run(session, viewer=viewer, kind="projects", data=data, filename="p.csv", expected_signature="")
    with pytest.raises(PermissionDenied):
        imports.theme_names(session, viewer=viewer)


def test_text_that_looks_like_a_formula_is_stored_as_typed_and_defused_when_exported(session):
    titles = ["=1+1", "+44 1234 567890 (test data)", "@SUM(A1:A2)", '=HYPERLINK("http://example.org","x")']
    import_file(session, csv_file([["Hull", "2024-25", title, "planning", "", "", ""] for title in titles]))
    stored = set(session.scalars(select(Project.title)))
    assert stored == set(titles)
    board = projects.board(session, viewer=CLI)
    safe = export.spreadsheet_safe(board)
    assert set(safe["title"]) == {"'" + title for title in titles}
    assert b"'=1+1" in export.to_csv(board)


def test_a_workbook_with_a_merged_title_row_formulas_and_day_numbers_imports_end_to_end(session):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Projects 2024")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.merge_range("A1:G1", "Research projects (test data)")
    sheet.write_row(2, 0, ["Service", "Academic year", "Project title", "Status", "Themes", "Start", "End", "Notes"])
    sheet.write_string(3, 0, "Hull")
    sheet.write_number(3, 1, 2024)  # a year typed into a number cell
    sheet.write_formula(3, 2, '="Ensembles"&" (test data)"', None, "Ensembles (test data)")
    sheet.write_string(3, 3, "Data collection")
    sheet.write_string(3, 4, "SEND")
    sheet.write_number(3, 5, 45536)  # 1 September 2024 as Excel's day number, in a cell not formatted as a date
    sheet.write_datetime(3, 6, dt.datetime(2025, 7, 31), dates)
    sheet.write_string(3, 7, "ignored")
    book.close()
    data = buffer.getvalue()

    plan = dry_run(session, data, filename="projects.xlsx")
    assert plan.notices[:2] == (
        'Read the sheet "Projects 2024" of the workbook.',
        'These columns are not ones the importer knows, so they are left out: "Notes".',
    )
    [row] = plan.rows
    assert row.number == 4
    assert {label: row.shown[label] for label in ("Cycle", "Title", "Stage", "Start date", "End date")} == {
        "Cycle": "2024-25",
        "Title": "Ensembles (test data)",
        "Stage": "data collection",
        "Start date": "01/09/2024",
        "End date": "31/07/2025",
    }
    assert import_file(session, data, filename="projects.xlsx").created == 1
    project = session.scalars(select(Project).where(Project.title == "Ensembles (test data)")).one()
    assert (project.cycle, project.start_date, project.end_date) == (
        "2024-25",
        dt.date(2024, 9, 1),
        dt.date(2025, 7, 31),
    )


def test_a_change_since_the_preview_is_a_conflict_and_nothing_is_written(session):
    data = csv_file([["Hull", "2024-25", "Ensembles (test data)", "planning", "", "", ""]])
    plan = dry_run(session, data)
    make_project(session, partner_named(session, "Hull"), cycle="2024-25", title="Ensembles (test data)")
    with pytest.raises(
        Conflict, match=r"^The data changed since your preview .*; check the new preview and import again\.$"
    ):
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )
    assert count(session, AuditEvent) == 0


def test_an_edit_to_a_previewed_project_is_a_conflict(session):
    stored = make_project(session, partner_named(session, "Hull"), cycle="2024-25", title="Ensembles (test data)")
    data = csv_file([["Hull", "2024-25", "Ensembles (test data)", "complete", "", "", ""]])
    plan = dry_run(session, data)
    stored.lead_contact = "Edited meanwhile (test data)"
    session.flush()
    with pytest.raises(Conflict):
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )


def test_progress_is_reported_from_reading_to_the_last_row(session):
    reports = []
    rows = [["Hull", "2024-25", f"Progress {number} (test data)", "planning", "", "", ""] for number in range(2500)]
    dry_run(session, csv_file(rows), progress=lambda fraction, text: reports.append((fraction, text)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert reports[-1][1] == "Checked 2,500 rows"
    assert any(text.startswith("Reading the file") for _, text in reports)


def test_a_file_with_headings_only_has_nothing_to_import(session):
    plan = dry_run(session, csv_file([]))
    assert (plan.rows, plan.has_errors, plan.to_import) == ((), False, 0)
    assert plan.summary() == "The file has headings but no rows to import."


def test_a_file_missing_a_required_column_is_refused_in_one_sentence(session):
    with pytest.raises(InvalidInput, match=r"^The file has no column for Stage; the first row must name the columns"):
        dry_run(session, csv_file([["Hull", "2024-25", "x"]], headings=["Partner", "Cycle", "Title"]))


def test_a_template_has_just_the_heading_row():
    assert imports.template("projects").decode("utf-8-sig") == (
        "Partner,Cycle,Title,Stage,Research question,Themes,Start date,End date,Lead contact,Summary\r\n"
    )
    assert imports.template("partners").decode("utf-8-sig").startswith("Name,Short name,Lead organisation,")


# Partners

PARTNER_HEADINGS = ["Name", "Short name", "Region", "Latitude", "Longitude", "Website", "Contact email"]


def test_partners_from_a_semicolon_file_with_decimal_commas(session):
    data = csv_file(
        [
            ["Testshire Music Hub (test data)", "Testshire", "South West", "50,5", "-4,25", "https://example.org", ""],
            ["hull", "Hull", "Yorkshire and the Humber", "53,745", "-0,336", "https://example.org/hull", ""],
        ],
        headings=PARTNER_HEADINGS,
        delimiter=";",
    )
    plan = dry_run(session, data, kind="partners", filename="partners.csv")
    assert any("decimal point (53,745 is 53.745)" in notice for notice in plan.notices)
    first, second = plan.rows
    assert (first.action, first.shown["Latitude"], first.shown["Longitude"]) == ("create", "50.5", "-4.25")
    assert (second.action, second.changes) == ("update", ("website: empty -> https://example.org/hull",))
    report = import_file(session, data, kind="partners", filename="partners.csv")
    assert report.message == "Created 1, updated 1, unchanged 0."
    added = partner_named(session, "Testshire Music Hub (test data)")
    assert (added.slug, added.short_name, added.latitude, added.longitude, added.active) == (
        "testshire-music-hub-test-data",
        "Testshire",
        50.5,
        -4.25,
        True,
    )
    hull = partner_named(session, "Hull")
    assert (hull.website, hull.version) == ("https://example.org/hull", 2)
    actions = session.execute(select(AuditEvent.action, AuditEvent.summary).order_by(AuditEvent.id)).all()
    assert [action for action, _ in actions] == ["partner_created", "partner_changed", "partners_imported"]
    assert actions[1].summary == "Hull: website: empty -> https://example.org/hull (imported from partners.csv)"


def test_partner_rows_with_bad_coordinates_are_errors(session):
    data = csv_file(
        [
            ["Test A (test data)", "", "", "fifty", "-4.2", "", ""],
            ["Test B (test data)", "", "", "40.4", "-3.7", "", ""],
            ["Test C (test data)", "", "", "-4.2", "50.5", "", ""],
            ["Test D (test data)", "", "", "50.5", "", "", ""],
            ["Test E (test data)", "", "", "", "", "example.org", "not an address"],
        ],
        headings=PARTNER_HEADINGS,
    )
    outside = (
        "That place is outside the UK: latitude must be between 49.8 and 60.9 and longitude between -8.7 and 1.8; "
        "check the numbers and their order."
    )
    assert errors_by_row(dry_run(session, data, kind="partners")) == {
        2: ["Latitude: 'fifty' is not a number; write numbers with digits only, like 53.745."],
        3: [outside],
        4: [outside],
        5: ["Enter both latitude and longitude, or leave both empty to keep the service off the map."],
        6: [
            "Enter the website as a full address starting with https:// or http://, such as https://www.example.org.",
            "'not an address' does not look like an email address; check it and try again.",
        ],
    }


def test_a_service_named_twice_in_a_file_is_an_error_on_the_second_row(session):
    data = csv_file([["Test (test data)"], ["Other (test data)"], ["TEST  (test data)"]], headings=["Name"])
    assert errors_by_row(dry_run(session, data, kind="partners")) == {
        4: ["Repeats row 2 (the same service name); keep one of the two rows."]
    }


def test_a_service_is_found_by_its_slug_and_never_renamed(session):
    cornwall = partner_named(session, "Cornwall")
    cornwall.name, cornwall.active = "Kernow (test data)", False  # renamed and archived since the seed
    session.flush()
    data = csv_file([["cornwall", "South West"]], headings=["Name", "Region"])
    row = dry_run(session, data, kind="partners").rows[0]
    assert (row.action, row.record_id, row.shown["Name"]) == ("no change", cornwall.id, "Kernow (test data)")
    assert row.record == f"Kernow (test data) (#{cornwall.id})"
    data = csv_file([["cornwall", "Somewhere (test data)"]], headings=["Name", "Region"])
    assert import_file(session, data, kind="partners").updated == 1
    assert (cornwall.name, cornwall.region, cornwall.active) == ("Kernow (test data)", "Somewhere (test data)", False)
    assert seed(session).partners_added == 0, "the seed never adds a renamed or archived service again"


def test_new_services_get_a_slug_of_their_own(session):
    assert imports.slug_for("Cornwall", {"cornwall"}) == "cornwall-2"
    assert imports.slug_for("Cornwall", {"cornwall", "cornwall-2"}) == "cornwall-3"
    assert imports.slug_for("Brontë Music Hub (test data)", set()) == "bronte-music-hub-test-data"
    assert imports.slug_for("!!!", set()) == "partner"
    import_file(session, csv_file([["Cornwall!"]], headings=["Name"]), kind="partners")
    assert partner_named(session, "Cornwall!").slug == "cornwall-2"


def test_an_empty_short_name_is_the_name(session):
    import_file(session, csv_file([["Test (test data)", ""]], headings=["Name", "Short name"]), kind="partners")
    assert partner_named(session, "Test (test data)").short_name == "Test (test data)"


# All or nothing, with real commits


@pytest.fixture
def committed(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_failure_half_way_through_the_write_writes_nothing(committed, monkeypatch):
    data = csv_file(
        [["Hull", "2024-25", f"Half way {number} (test data)", "planning", "send", "", ""] for number in range(50)]
    )
    with db.session_scope(committed, read_only=True) as session:
        plan = dry_run(session, data)
        revisions = db.current_revisions(session)

    def fail(*args, **kwargs):
        raise RuntimeError("the write failed half-way (test)")

    monkeypatch.setattr(audit, "record", fail)  # called after the projects and their themes are written
    with pytest.raises(RuntimeError, match="half-way"), db.session_scope(committed) as session:
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )
    with db.session_scope(committed, read_only=True) as session:
        assert count(session, Project) == 0
        assert count(session, AuditEvent) == 0
        assert db.current_revisions(session) == revisions


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_committed_import_is_there_for_every_session(committed):
    data = csv_file([["Hull", "2024-25", "Committed (test data)", "planning", "send", "", ""]])
    with db.session_scope(committed, read_only=True) as session:
        plan = dry_run(session, data)
    with db.session_scope(committed) as session:
        imports.run(
            session, viewer=CLI, kind="projects", data=data, filename="p.csv", expected_signature=plan.signature
        )
    with db.session_scope(committed, read_only=True) as session:
        assert dry_run(session, data).rows[0].action == "no change"
        board = projects.board(session, viewer=CLI)
        assert board["themes"].tolist() == [["Special educational needs and disabilities (SEND)"]]


def _run_with_a_change_after_the_check(engine, data: bytes, change, texts: list[str]) -> imports.ImportReport:
    """Run an import, making ``change`` (in a session of its own) once the rows are checked, before the write;
    ``texts`` gets the progress messages."""
    with db.session_scope(engine, read_only=True) as session:
        plan = dry_run(session, data)
    changed = []

    def progress(_fraction, text):
        texts.append(text)
        if text.startswith("Checked") and not changed:
            changed.append(1)
            with db.session_scope(engine) as other:
                change(other)

    with db.session_scope(engine) as session:
        return imports.run(
            session,
            viewer=CLI,
            kind="projects",
            data=data,
            filename="p.csv",
            expected_signature=plan.signature,
            progress=progress,
        )


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_project_added_between_the_check_and_the_write_stops_the_import(committed):
    data = csv_file([["Hull", "2024-25", "Raced (test data)", "planning", "", "", ""]])

    def add_the_same_project(other):
        make_project(other, partner_named(other, "Hull"), cycle="2024-25", title="Raced (test data)")

    with pytest.raises(Conflict, match="The data changed since your preview"):
        _run_with_a_change_after_the_check(committed, data, add_the_same_project, [])
    with db.session_scope(committed, read_only=True) as session:
        assert count(session, Project) == 1
        assert count(session, AuditEvent) == 0


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_an_unrelated_change_between_the_check_and_the_write_is_checked_again_and_lets_the_import_through(
    committed,
):
    data = csv_file([["Hull", "2024-25", "Raced (test data)", "planning", "", "", ""]])

    def edit_another_service(other):
        partner_named(other, "Norfolk").region = "Somewhere else (test data)"

    texts = []
    report = _run_with_a_change_after_the_check(committed, data, edit_another_service, texts)
    assert report.created == 1
    assert [text for text in texts if text.startswith("Checked")] == ["Checked 1 row"] * 2, "checked again"


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_without_a_change_meanwhile_the_rows_are_checked_once_before_the_write(committed):
    texts = []
    _run_with_a_change_after_the_check(
        committed,
        csv_file([["Hull", "2024-25", "Calm (test data)", "planning", "", "", ""]]),
        lambda other: None,
        texts,
    )
    assert [text for text in texts if text.startswith("Checked")] == ["Checked 1 row"]
    assert texts[-1] == "Saving 1 row…"
