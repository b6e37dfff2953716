"""The Programme report page: numbers, highlights and the Word and PDF downloads; facilitators and admins only."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from streamlit.runtime.media_file_manager import MediaFileManager

from ctdash.models import FindingKind, FindingStatus, Highlight, PartnerRole, PartnerRoleKind
from tests.factories import make_finding, make_meeting, make_partner, make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
PAGE = "pages/report.py"


@pytest.fixture
def programme(database):
    """fay (facilitator), kit (member), a 2024-25 partner with two published findings and a draft, a session."""
    with database() as session:
        partner = make_partner(session, name="Kernow Music Hub (test data)")
        partner.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH, cycle="2024-25"))
        published = make_finding(
            session,
            partner,
            title="Taster sessions (test data)",
            kind=FindingKind.ENABLER,
            status=FindingStatus.PUBLISHED,
            cycle="2024-25",
        )
        other = make_finding(
            session,
            partner,
            title="Second invoice (test data)",
            kind=FindingKind.BARRIER,
            status=FindingStatus.PUBLISHED,
            cycle="2024-25",
        )
        make_finding(session, partner, title="A draft (test data)", status=FindingStatus.DRAFT, cycle="2024-25")
        make_meeting(session, title="Spring session (test data)", held_on=dt.date(2025, 3, 12))
        make_user(session, role="facilitator", username="fay")
        make_user(session, role="member", username="kit", partner=partner)
        return {"published": published.id, "other": other.id}


@pytest.fixture
def downloads(monkeypatch):
    """The bytes each download button was given: {file name: bytes}."""
    registered = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return registered


def _open(open_app, username):
    at = open_app()
    signed_in_as(at, username)
    return at.switch_page(PAGE).run()


def test_a_facilitator_sees_the_cycles_numbers(open_app, programme):
    at = _open(open_app, "fay")
    assert not at.exception
    assert at.selectbox(key="report_cycle").value == "2024-25"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Published findings"] == "2"
    assert metrics["Working-group sessions held"] == "1"
    assert metrics["Partner services"] == "16", "the 15 seeded working-group members and the test partner"


def test_a_facilitator_builds_the_word_report_and_gets_a_download(open_app, programme, downloads):
    at = _open(open_app, "fay")
    assert not at.get("download_button")
    at.button(key="report_build_docx").click().run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 1
    assert buttons[0].proto.label == "Download the Word report"
    data = downloads["changing-tracks-report-2024-25.docx"]
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs)
    assert "Changing Tracks programme report 2024-25" in text
    at.run()  # the download stays offered on later runs, without building again
    assert len(at.get("download_button")) == 1


def test_a_facilitator_builds_the_pdf_report(open_app, programme, downloads):
    at = _open(open_app, "fay")
    at.button(key="report_build_pdf").click().run()
    assert not at.exception
    reader = PdfReader(io.BytesIO(downloads["changing-tracks-report-2024-25.pdf"]))
    assert "Kernow Music Hub (test data)" in "".join(page.extract_text() for page in reader.pages)


def test_a_facilitator_adds_and_removes_a_highlight(open_app, programme, database):
    at = _open(open_app, "fay")
    at.selectbox(key="report_highlight_pick").set_value(programme["published"])
    at.text_area(key="report_highlight_note").input("Schools opened doors.")
    at.button(key="FormSubmitter:report_highlight_add-Add to the highlights").click().run()
    assert not at.exception
    assert "Added “Taster sessions (test data) (Kernow Music Hub (test data))” to the highlights." in [
        shown(message.value) for message in at.success
    ]
    with database() as session:
        assert session.get(Highlight, programme["published"]).note == "Schools opened doors."
    at.button(key=f"highlight_drop_{programme['published']}").click().run()
    assert not at.exception
    with database() as session:
        assert session.scalars(select(Highlight)).all() == []


def test_adding_without_choosing_a_finding_keeps_the_note(open_app, programme):
    at = _open(open_app, "fay")
    at.text_area(key="report_highlight_note").input("A note worth keeping.")
    at.button(key="FormSubmitter:report_highlight_add-Add to the highlights").click().run()
    assert [message.value for message in at.error] == ["Choose a published finding to add, then press Add again."]
    assert at.text_area(key="report_highlight_note").value == "A note worth keeping."


def test_a_member_is_refused_by_url(open_app, programme):
    at = _open(open_app, "kit")
    assert not at.exception
    assert "Programme report" not in [title.value for title in at.title]
    assert "facilitators and administrators" in at.info[0].value
    assert [button.key for button in at.button] == ["sign_out"] and not at.metric


def test_the_page_says_so_when_no_cycle_has_anything(open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = _open(open_app, "ada")
    assert not at.exception
    assert "No cycle has published findings or research projects yet" in at.info[0].value
