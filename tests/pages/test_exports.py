"""The download buttons a findings view offers: CSV and Excel, built only when clicked, in the viewer's scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from ctdash import export, users
from ctdash.models import FindingStatus, Visibility
from ctdash.ui.who import ACCOUNT
from tests.factories import make_finding, make_partner, make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _view():
    import streamlit as st

    from ctdash.ui.exports import download_buttons

    download_buttons(st.session_state["view"], key="library")


@pytest.fixture
def downloads(monkeypatch):
    """What each download button registered to run when clicked: {file name: callable}."""
    registered = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = (mimetype, data_callable)
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return registered


@pytest.fixture
def built(monkeypatch):
    """Each time the export service runs, the ids it was asked for."""
    calls = []
    original = export.findings_tables

    def findings_tables(session, *, viewer, finding_ids):
        calls.append(list(finding_ids))
        return original(session, viewer=viewer, finding_ids=finding_ids)

    monkeypatch.setattr(export, "findings_tables", findings_tables)
    return calls


@pytest.fixture
def view(database):
    """A draft, a published working-group finding and a published public one, in the view's order."""
    with database() as session:
        partner = make_partner(session, name="Kernow Music Hub (test data)")
        public = make_finding(
            session,
            partner,
            title="Public one (test data)",
            status=FindingStatus.PUBLISHED,
            visibility=Visibility.PUBLIC,
        )
        group = make_finding(session, partner, title="Group one (test data)", status=FindingStatus.PUBLISHED)
        draft = make_finding(session, partner, title="Draft one (test data)")
        facilitator = users.active_account(session, make_user(session, role="facilitator", username="fay").id)
        return {"ids": [group.id, draft.id, public.id], "fay": facilitator}


def _run(view_ids, account=None) -> AppTest:
    at = AppTest.from_function(_view, default_timeout=30)
    at.session_state["view"] = view_ids
    if account is not None:
        at.session_state[ACCOUNT] = account
    return at.run()


def _titles(workbook_bytes: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes))["Findings"]
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_two_buttons_offer_the_view_as_csv_and_excel_without_building_either(app_database, view, downloads, built):
    at = _run(view["ids"])
    assert not at.exception
    buttons = at.get("download_button")
    assert [button.proto.label for button in buttons] == ["CSV", "Excel"]
    assert not any(button.proto.disabled for button in buttons)
    assert sorted(downloads) == [export.file_name("csv"), export.file_name("xlsx")]
    assert downloads[export.file_name("xlsx")][0] == export.XLSX_MIME
    assert built == [], "nothing is read or built until a button is clicked"


def test_a_click_builds_the_workbook_with_only_what_the_viewer_may_see(app_database, view, downloads, built):
    _run(view["ids"])  # a visitor
    _, workbook = downloads[export.file_name("xlsx")]
    assert _titles(workbook()) == ["Public one (test data)"]
    assert built == [view["ids"]]


def test_a_facilitator_gets_the_view_in_its_order_as_csv(app_database, view, downloads):
    _run(view["ids"], view["fay"])
    _, csv = downloads[export.file_name("csv")]
    lines = csv().decode("utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["Group one (test data)", "Public one (test data)"]
    _, workbook = downloads[export.file_name("xlsx")]
    assert _titles(workbook()) == ["Group one (test data)", "Public one (test data)"]  # not another's draft


def test_an_empty_view_offers_no_download(app_database, downloads):
    at = _run([])
    assert not at.exception
    assert all(button.proto.disabled for button in at.get("download_button"))
