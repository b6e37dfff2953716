"""The Import spreadsheets page, on SQLite and PostgreSQL (AppTest, whose file uploader takes files as bytes)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ctdash.models import AuditEvent, Partner, Project
from ctdash.ui import imports as import_views
from tests.factories import make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
HEADINGS = "Partner,Cycle,Title,Stage,Start date,End date\n"
GOOD = (
    HEADINGS
    + "Cornwall,2024/25,Listening to families (test data),planning,01/09/2024,31/07/2025\n"
    + "hull,24-25,Ensembles (test data),Data collection,,\n"
)
BAD = (
    HEADINGS
    + "Cornwal,2024/25,Listening to families (test data),planning,01/09/2024,31/07/2025\n"
    + "hull,next year,Ensembles (test data),fieldwork,,\n"
)


@pytest.fixture
def admin_page(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = signed_in_as(open_app(), "ada").run()
    return at.switch_page("pages/import.py").run()


def _upload(at, data: str | bytes, filename: str = "projects.csv", kind: str = "projects"):
    content = data.encode() if isinstance(data, str) else data
    at.file_uploader(key=f"import_file_{kind}_0").set_value((filename, content, "text/csv")).run()
    return at


def _texts(elements) -> list[str]:
    return [shown(element.value) for element in elements]


def _import_buttons(at) -> list:
    return [button for button in at.button if (button.key or "").startswith("import_run_")]


def _count(database, model) -> int:
    with database() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_admin_sees_the_columns_the_limit_and_a_template(admin_page):
    at = admin_page
    assert not at.exception
    assert at.title[0].value == "Import spreadsheets"
    assert "50,000 rows" in " ".join(_texts(at.caption))
    assert at.download_button(key="import_template_projects")
    assert at.file_uploader(key="import_file_projects_0").allowed_type == [".csv", ".xlsx"]


def test_a_file_with_errors_shows_every_error_row_and_no_import_button(admin_page, database):
    at = _upload(admin_page, BAD)
    assert not at.exception
    assert "Nothing will be imported until the 2 rows with errors are fixed" in " ".join(_texts(at.error))
    preview = at.dataframe[0].value
    errors = dict(zip(preview["Row"], preview["Errors"], strict=True))
    assert errors[2] == "Unknown partner 'Cornwal'; did you mean 'Cornwall'?"
    assert "'next year' is not a research cycle" in errors[3] and "'fieldwork' is not a stage" in errors[3]
    assert not _import_buttons(at)
    assert _count(database, Project) == 0


def test_a_fixed_file_imports_and_says_what_it_did(admin_page, database):
    at = _upload(admin_page, BAD)
    at = _upload(at, GOOD)
    assert not at.error
    assert "2 to create." in " ".join(_texts(at.markdown))
    preview = at.dataframe[0].value
    assert list(preview["Start date"]) == ["01/09/2024", ""]  # as interpreted, day first
    [button] = _import_buttons(at)
    assert button.label == "Import 2 rows"
    button.click().run()
    assert not at.exception
    assert "Imported research projects from projects.csv: created 2, updated 0." in _texts(at.success)
    assert _count(database, Project) == 2
    assert not at.dataframe, "the page starts afresh, with an empty uploader"
    with database() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("project%"))).all()
    assert sorted(actions) == ["project_created", "project_created", "projects_imported"]


def test_a_preview_made_stale_by_another_change_is_checked_again_before_anything_is_imported(admin_page, database):
    at = _upload(admin_page, GOOD)
    [stale] = _import_buttons(at)
    with database() as session:  # someone adds one of the file's projects meanwhile
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        session.add(
            Project(partner=cornwall, cycle="2024-25", title="Listening to families (test data)", stage="proposed")
        )
    stale.click().run()
    assert not at.exception
    assert _count(database, Project) == 1, "the click on the old preview's button imported nothing"
    assert "1 to create, 1 to update." in " ".join(_texts(at.markdown))
    assert _import_buttons(at)[0].label == "Import 2 rows"


def test_partners_are_imported_from_a_semicolon_file_with_decimal_commas(admin_page, database):
    at = admin_page
    at.segmented_control(key="import_kind").set_value("partners").run()
    assert at.download_button(key="import_template_partners")
    data = "Name;Region;Latitude;Longitude\nTest service (test data);South West;50,5;-4,2\n"
    at = _upload(at, data, "partners.csv", kind="partners")
    assert any("decimal point" in text for text in _texts(at.info))
    assert list(at.dataframe[0].value["Latitude"]) == ["50.5"]
    _import_buttons(at)[0].click().run()
    assert "Imported partner services from partners.csv: created 1, updated 0." in _texts(at.success)
    with database() as session:
        added = session.scalars(select(Partner).where(Partner.name == "Test service (test data)")).one()
        assert (added.latitude, added.longitude, added.slug) == (50.5, -4.2, "test-service-test-data")


def test_a_file_that_is_not_a_spreadsheet_gets_one_sentence_and_the_page_stays(admin_page):
    at = _upload(admin_page, b"%PDF-1.7 not really a spreadsheet", "projects.csv")
    assert not at.exception
    assert _texts(at.error) == [
        "That file is a PDF, not a spreadsheet: export the table as .xlsx or .csv and upload that."
    ]
    assert at.segmented_control(key="import_kind").value == "projects"
    assert at.download_button(key="import_template_projects")


def test_the_filter_shows_only_the_rows_with_errors(admin_page):
    at = _upload(admin_page, GOOD + "Atlantis,2024-25,Lost (test data),planning,,\n")
    assert len(at.dataframe[0].value) == 3
    at.segmented_control(key="import_show").set_value("error").run()
    assert list(at.dataframe[0].value["Row"]) == [4]


def test_the_dry_run_is_kept_between_reruns(admin_page, monkeypatch):
    at = _upload(admin_page, GOOD)
    calls = []
    original = import_views.imports.plan
    monkeypatch.setattr(
        import_views.imports, "plan", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    )
    at.segmented_control(key="import_show").set_value("create").run()
    assert not at.exception
    assert calls == [], "choosing a filter does not check the file again"
    _upload(at, GOOD.replace("planning", "analysis"))
    assert calls == [1], "another file is checked"


def test_a_member_is_refused_the_page(app_database, open_app, database):
    with database() as session:
        make_user(session, username="kit")
    at = signed_in_as(open_app(), "kit").run()
    at.switch_page("pages/import.py").run()
    assert "This page is for administrators" in shown(at.info[0].value)
    assert not at.file_uploader


def test_a_filter_for_rows_a_new_file_lacks_falls_back_to_every_row(admin_page):
    at = _upload(admin_page, BAD)
    at.segmented_control(key="import_show").set_value("error").run()
    at = _upload(at, GOOD)
    assert not at.exception
    assert len(at.dataframe[0].value) == 2
