"""The Share a finding page, on SQLite and PostgreSQL (AppTest): the form, drafts, files, safeguarding, receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ctdash import findings
from ctdash.config import get_settings
from ctdash.models import Finding, FindingStatus, Partner
from ctdash.ui.forms import GENERATIONS
from tests.factories import make_project
from tests.pages.conftest import shown, signed_in_as
from tests.samples import pdf_document, photo_with_location_and_artist, picture

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
PAGE = "pages/share.py"


def _open(open_app, username: str = "kit"):
    at = signed_in_as(open_app(), username).run()
    return at.switch_page(PAGE).run()


def _key(at, field: str) -> str:
    generation = at.session_state[GENERATIONS].get("share", 0) if GENERATIONS in at.session_state else 0
    return f"share_{field}" if generation == 0 else f"share_{field}_{generation}"


def _fill(at, sharers, *, summary: str = "Families came back when sessions moved to Saturdays."):
    at.text_input(key=_key(at, "title")).input("Saturday sessions (test data)")
    at.text_area(key=_key(at, "summary")).input(summary)
    at.radio(key=_key(at, "kind")).set_value("enabler")
    at.multiselect(key=_key(at, "themes")).set_value(sharers["themes"][:1])
    at.selectbox(key=_key(at, "evidence_type")).set_value("survey")
    at.text_area(key=_key(at, "links")).input("https://www.example.org/report")
    return at.run()


def _click(at, name: str):
    return at.button(key=_key(at, name)).click().run()


def _upload(at, *files):
    uploader = next(widget for widget in at.get("file_uploader") if widget.key.startswith(_key(at, "uploader")))
    at.file_uploader(key=uploader.key).set_value(list(files))
    return at.run()


def _errors(at) -> list[str]:
    return [shown(error.value) for error in at.error]


def test_a_visitor_is_refused_the_page(app_database, open_app, sharers):
    at = open_app().switch_page(PAGE).run()
    assert not at.exception
    assert "Sign in to see it" in shown(at.info[0].value)
    assert not at.text_input


def test_a_members_service_is_fixed_to_their_own(app_database, open_app, sharers):
    at = _open(open_app)
    assert not at.exception
    partner = at.selectbox(key=_key(at, "partner_id"))
    assert partner.disabled
    assert partner.value == sharers["cornwall"]
    limits = get_settings()
    assert any(
        f"Up to {limits.upload_max_files} files, {limits.upload_max_mb} MB each, {limits.finding_max_mb} MB in all"
        in caption.value
        for caption in at.caption
    )


def test_every_problem_is_shown_by_its_field_in_one_pass_and_nothing_is_lost(app_database, open_app, sharers):
    at = _open(open_app)
    at.text_area(key=_key(at, "summary")).input("Half a thought")
    at.text_area(key=_key(at, "links")).input("javascript:alert(1)")
    at = _click(at.run(), "submit")
    assert not at.exception
    errors = _errors(at)
    assert errors[0].startswith("5 fields need attention: Title, Kind, Themes, Evidence type, Links.")
    assert any(error.startswith("Enter a title") for error in errors)
    assert any("enabler, a barrier or an insight" in error for error in errors)
    assert any("at least one theme" in error for error in errors)
    assert any("is not a web address" in error for error in errors)
    assert at.text_area(key=_key(at, "summary")).value == "Half a thought"
    with_database = at.text_area(key=_key(at, "links")).value
    assert with_database == "javascript:alert(1)"


def test_a_saved_draft_is_resumed_in_another_browser(app_database, open_app, database, sharers):
    at = _fill(_open(open_app), sharers)
    at = _click(at, "save")
    assert not at.exception
    assert "is saved" in shown(at.success[0].value)
    with database() as session:
        finding = session.scalars(select(Finding)).one()
        assert finding.status == FindingStatus.DRAFT
        finding_id = finding.id

    other = signed_in_as(open_app(), "kit").run()
    other.query_params["id"] = str(finding_id)
    other = other.switch_page(PAGE).run()
    assert not other.exception
    assert other.text_input(key=_key(other, "title")).value == "Saturday sessions (test data)"
    assert other.radio(key=_key(other, "kind")).value == "enabler"
    assert other.multiselect(key=_key(other, "themes")).value == sharers["themes"][:1]

    third = _open(open_app)
    third.selectbox(key=_key(third, "resume")).set_value(finding_id)
    third.run()
    assert third.text_input(key=_key(third, "title")).value == "Saturday sessions (test data)"


def test_values_are_kept_after_going_to_another_page_and_back(app_database, open_app, sharers):
    at = _fill(_open(open_app), sharers)
    at = _upload(at, ("chart.png", picture("PNG"), "image/png"))
    at.text_input(key=[w.key for w in at.text_input if "description_new" in w.key][0]).input("A bar chart")
    at.run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_input(key=_key(at, "title")).value == "Saturday sessions (test data)"
    assert at.text_area(key=_key(at, "summary")).value.startswith("Families came back")
    assert at.multiselect(key=_key(at, "themes")).value == sharers["themes"][:1]
    descriptions = [w for w in at.text_input if "description_new" in w.key]
    assert [w.value for w in descriptions] == ["A bar chart"]


def test_values_are_kept_while_the_database_is_unreachable_and_a_retry_works(
    app_database, open_app, database, sharers, monkeypatch
):
    at = _fill(_open(open_app), sharers)
    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:9/ctdash")
    get_settings.cache_clear()
    at = _click(at, "save")
    assert not at.exception
    assert any("cannot reach its database" in error for error in _errors(at))
    at.run()  # still down: the page stops before the form, and the widgets are forgotten
    monkeypatch.setenv("CTDASH_DATABASE_URL", app_database)
    get_settings.cache_clear()
    at.run()
    assert at.text_input(key=_key(at, "title")).value == "Saturday sessions (test data)"
    assert at.text_area(key=_key(at, "summary")).value.startswith("Families came back")
    at = _click(at, "save")
    assert "is saved" in shown(at.success[0].value)
    with database() as session:
        assert session.scalars(select(Finding.title)).one() == "Saturday sessions (test data)"


def _submit_with_files(at):
    at = _upload(at, ("chart.png", picture("PNG"), "image/png"), ("report.pdf", pdf_document(), "application/pdf"))
    for widget in at.text_input:
        if "description_new" in widget.key:
            widget.input("A chart of attendance by month")
    for widget in at.checkbox:
        if "consent_new" in widget.key:
            widget.check()
    return _click(at.run(), "submit")


def test_an_email_address_is_shown_then_fixed_and_the_finding_submitted(app_database, open_app, database, sharers):
    at = _fill(_open(open_app), sharers, summary="Ask jo@example.org for the survey.")
    at = _click(at, "submit")
    assert not at.exception
    warning = at.get("markdown")
    assert any("An email address, `jo@example.org`, in Summary" in shown(block.value) for block in warning)
    with database() as session:
        assert session.scalars(select(Finding)).first() is None, "nothing is saved until it is submitted"
    at.text_area(key=_key(at, "summary")).input("Ask the service lead for the survey.")
    at = _click(at.run(), "submit")
    assert not at.exception
    with database() as session:
        finding = session.scalars(select(Finding)).one()
        assert finding.status == FindingStatus.SUBMITTED
    assert findings.reference(finding.id) in shown(at.success[0].value)
    assert not at.text_input, "the receipt replaces the form until the person starts another"


def test_confirming_consent_submits_a_finding_with_an_email_address(app_database, open_app, database, sharers):
    at = _fill(_open(open_app), sharers, summary="Ask jo@example.org for the survey.")
    at = _click(at, "submit")
    at.checkbox(key=_key(at, "confirm")).check()
    at = _click(at.run(), "submit")
    assert not at.exception
    with database() as session:
        assert session.scalars(select(Finding.status)).one() == FindingStatus.SUBMITTED


def test_a_picture_and_a_pdf_are_stored_with_their_descriptions_and_consent(app_database, open_app, database, sharers):
    at = _submit_with_files(_fill(_open(open_app), sharers))
    assert not at.exception
    receipt = " ".join(shown(block.value) for block in at.markdown)
    assert "chart.png" in receipt and "report.pdf" in receipt
    with database() as session:
        finding_id = session.scalars(select(Finding.id)).one()
        detail = findings.detail(session, viewer=sharers["kit"], finding_id=finding_id)
    assert sorted(line.name for line in detail.attachments) == ["chart.png", "report.pdf"]
    assert all(line.consent and line.description == "A chart of attendance by month" for line in detail.attachments)
    assert detail.status == "submitted"
    # The form is empty again for the next finding.
    at.button(key="share_another").click().run()
    assert at.text_input(key=_key(at, "title")).value == ""
    assert not [widget for widget in at.text_input if "description_new" in widget.key]


def test_a_disguised_file_is_refused_by_name_and_the_fields_are_kept(app_database, open_app, database, sharers):
    at = _fill(_open(open_app), sharers)
    at = _upload(at, ("report.pdf", b"<!doctype html><script>alert(1)</script>", "application/pdf"))
    assert not at.exception
    refusals = [error for error in _errors(at) if "report.pdf" in error]
    assert len(refusals) == 1
    assert not [widget for widget in at.text_input if "description_new" in widget.key]
    assert at.text_input(key=_key(at, "title")).value == "Saturday sessions (test data)"
    at = _click(at, "save")
    with database() as session:
        finding_id = session.scalars(select(Finding.id)).one()
        assert not findings.detail(session, viewer=sharers["kit"], finding_id=finding_id).attachments


def test_a_stale_draft_save_shows_the_conflict_and_keeps_the_text(app_database, open_app, database, sharers):
    at = _click(_fill(_open(open_app), sharers), "save")
    with database() as session:
        finding_id = session.scalars(select(Finding.id)).one()
        version = findings.detail(session, viewer=sharers["kit"], finding_id=finding_id).version
    other = signed_in_as(open_app(), "kit").run()
    other.query_params["id"] = str(finding_id)
    other = other.switch_page(PAGE).run()
    other.text_input(key=_key(other, "title")).input("Saturday sessions, changed elsewhere (test data)")
    _click(other.run(), "save")
    with database() as session:
        assert findings.detail(session, viewer=sharers["kit"], finding_id=finding_id).version > version

    at.text_area(key=_key(at, "summary")).input("My longer summary, typed meanwhile.")
    at = _click(at.run(), "save")
    assert not at.exception
    assert any("Someone else changed the finding" in error for error in _errors(at))
    assert at.text_area(key=_key(at, "summary")).value == "My longer summary, typed meanwhile."
    at.button(key="share_reload").click().run()
    assert at.text_input(key=_key(at, "title")).value == "Saturday sessions, changed elsewhere (test data)"


def test_the_preview_shows_a_hostile_summary_inert(app_database, open_app, sharers):
    at = _open(open_app)
    at.text_area(key=_key(at, "summary")).input(
        "**Bold** <script>alert(1)</script> [click](javascript:alert(2)) ![x](https://tracker.example/p.png)"
    )
    at.toggle(key="share_preview").set_value(True)
    at.run()
    assert not at.exception
    preview = [block.value for block in at.markdown if "Bold" in block.value and "<script" not in block.value]
    assert preview == ["**Bold**  click x"]


def test_a_facilitator_chooses_the_service_and_sees_only_its_projects(app_database, open_app, database, sharers):
    with database() as session:
        cornwall = session.get(Partner, sharers["cornwall"])
        hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
        mine = make_project(session, cornwall, title="Listening to families (test data)")
        make_project(session, hull, title="Ensembles (test data)")
        mine_id = mine.id
    at = _open(open_app, "fay")
    partner = at.selectbox(key=_key(at, "partner_id"))
    assert not partner.disabled
    partner.set_value(sharers["cornwall"]).run()
    options = at.selectbox(key=_key(at, "project_id")).options
    assert options[0] == "None"
    assert [option.rsplit(" (", 1)[0] for option in options[1:]] == ["Listening to families (test data)"]
    at.selectbox(key=_key(at, "project_id")).set_value(mine_id).run()
    assert at.selectbox(key=_key(at, "project_id")).value == mine_id


def test_someone_else_signing_in_here_gets_an_empty_form(app_database, open_app, sharers):
    at = _fill(_open(open_app), sharers)
    at.session_state["username"] = "fay"
    signed_in_as(at, "fay").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_input(key=_key(at, "title")).value == ""


def test_a_link_to_a_finding_that_cannot_be_changed_starts_a_new_one(app_database, open_app, database, sharers):
    _click(_fill(_open(open_app), sharers), "submit")
    with database() as session:
        finding_id = session.scalars(select(Finding.id)).one()
    other = signed_in_as(open_app(), "kit").run()
    other.query_params["id"] = str(finding_id)
    other = other.switch_page(PAGE).run()
    assert not other.exception
    assert "can no longer be changed" in shown(other.info[0].value)
    assert other.text_input(key=_key(other, "title")).value == ""
    other.query_params["id"] = "999999"
    other.session_state["share_requested"] = None
    other.run()
    assert "does not exist or is not shared with you" in shown(other.info[0].value)


def test_files_beyond_the_limit_are_refused_by_name_when_they_arrive(app_database, open_app, sharers):
    limit = get_settings().upload_max_files
    at = _open(open_app)
    files = [(f"chart{n}.png", picture("PNG", colour=(n * 20, 90, 90)), "image/png") for n in range(limit + 1)]
    at = _upload(at, *files)
    assert not at.exception
    assert len([widget for widget in at.text_input if "description_new" in widget.key]) == limit
    assert any(f'"chart{limit}.png" was not added' in error for error in _errors(at))


def test_the_uploader_is_told_when_a_photos_location_and_author_will_be_removed(app_database, open_app, sharers):
    at = _upload(_fill(_open(open_app), sharers), ("beach.jpg", photo_with_location_and_artist(), "image/jpeg"))
    assert not at.exception
    captions = " ".join(shown(caption.value) for caption in at.caption)
    assert 'Removed from "beach.jpg": the picture\'s location (GPS), the name of its author or owner' in captions
