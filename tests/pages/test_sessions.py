"""The Sessions and Session pages in AppTest: preparing an agenda, reading one, and two facilitators at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from ctdash import audit, meetings
from ctdash.models import FindingStatus, Meeting, Partner
from ctdash.ui.forms import GENERATIONS
from tests.factories import make_finding, make_meeting, make_user, viewer_for
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def people(database):
    """fay and gil, facilitators; kit, a member; a published finding (test data); a past session with two items."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        fay = viewer_for(make_user(session, role="facilitator", username="fay"))
        make_user(session, role="facilitator", username="gil")
        make_user(session, username="kit", partner=cornwall)
        finding = make_finding(
            session, cornwall, status=FindingStatus.PUBLISHED, title="Loan instruments keep pupils playing (test data)"
        )
        past = make_meeting(session, title="Autumn working group (test data)", held_on=audit.today() - dt.timedelta(30))
        for title in ("Welcome to the autumn session", "What we heard"):
            meetings.add_item(session, past.id, viewer=fay, seen_version=past.version, kind="text", title=title)
            session.refresh(past)
        upcoming = make_meeting(
            session, title="Spring working group (test data)", held_on=audit.today() + dt.timedelta(7)
        )
        return {"finding": finding.id, "past": past.id, "upcoming": upcoming.id}


def _open(open_app, username: str, page: str = "pages/sessions.py", **query):
    at = signed_in_as(open_app(), username).run()
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.switch_page(page).run()


def _key(at, base: str) -> str:
    """A form widget's key as drawn now (a new one after each save, see ctdash.ui.forms)."""
    form, _, _ = base.rpartition("_")
    generation = at.session_state[GENERATIONS].get(form, 0) if GENERATIONS in at.session_state else 0
    return base if generation == 0 else f"{base}_{generation}"


def _agenda(at) -> list[str]:
    """The agenda's lines as read: "1. Text slide: Welcome", without icons or bold."""
    lines = [shown(block.value) for block in at.markdown if re.match(r"\d+\. ", shown(block.value))]
    return [re.sub(r":material/\w+: ", "", line).replace("**", "").split("  \n")[0] for line in lines]


def _add(at, meeting_id: int, kind: str, **fields):
    at.selectbox(key=f"meeting{meeting_id}_kind").select(kind).run()
    base = f"meeting{meeting_id}_add"
    for field, value in fields.items():
        key = _key(at, f"{base}_{field}")
        if field in ("finding_id", "partner_id", "chart"):
            at.selectbox(key=key).select(value)
        elif field == "body":
            at.text_area(key=key).input(value)
        else:
            at.text_input(key=key).input(value)
    return at.button(key=f"FormSubmitter:{base}_{kind}-Add to the agenda").click().run()


def test_a_facilitator_creates_a_session_adds_three_items_and_reorders_them(app_database, open_app, database, people):
    at = _open(open_app, "fay")
    assert not at.exception
    at.session_state["new_session"] = True
    at.run()
    at.text_input(key="new_meeting_title").input("Summer conference (test data)")
    at.date_input(key="new_meeting_held_on").set_value(audit.today() + dt.timedelta(days=30))
    at.text_input(key="new_meeting_place").input("Main hall")
    at.button(key="FormSubmitter:new_meeting-Create session").click().run()
    assert not at.exception
    assert "Summer conference (test data) is created" in shown(at.success[0].value)
    assert at.title[0].value == "Summer conference (test data)"
    with database() as session:
        meeting_id = session.scalar(select(Meeting.id).where(Meeting.title == "Summer conference (test data)"))
    # AppTest's own next run goes back to the page it last opened itself: open the new session's page there.
    at.query_params["id"] = str(meeting_id)
    at.switch_page("pages/session.py").run()

    _add(at, meeting_id, "finding", finding_id=people["finding"], body="Ask who has seen this.")
    _add(at, meeting_id, "text", title="Coffee break", body="Back at 11:15")
    _add(at, meeting_id, "chart", chart=meetings.CHART_KIND_BY_THEME)
    assert not at.exception and not at.error
    assert _agenda(at)[0].startswith("1. ") and len(_agenda(at)) == 3

    with database() as session:
        items = [line.id for line in meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items]
    at.button(key=f"item{items[2]}_up").click().run()
    at.button(key=f"item{items[0]}_down").click().run()
    assert not at.exception and not at.warning
    with database() as session:
        lines = meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items
    assert [line.label for line in lines] == [
        "Chart: Enablers and barriers by theme",
        "Finding: Loan instruments keep pupils playing (test data)",
        "Text slide: Coffee break",
    ]
    assert "Chart: Enablers and barriers by theme" in _agenda(at)[0]


def viewer_for_fay(session):
    from ctdash.models import User

    return viewer_for(session.scalars(select(User).where(User.username == "fay")).one())


def test_a_text_slide_without_a_title_is_refused_and_keeps_its_words(app_database, open_app, people):
    at = _open(open_app, "fay", "pages/session.py", id=people["upcoming"])
    _add(at, people["upcoming"], "text", body="Words I do not want to type again")
    assert "Give the text slide a title" in shown(at.error[0].value)
    assert at.text_area(key=f"meeting{people['upcoming']}_add_body").value == "Words I do not want to type again"


def test_the_present_and_wall_links_name_the_session_and_its_code(app_database, open_app, database, people):
    at = _open(open_app, "fay", "pages/session.py", id=people["upcoming"])
    with database() as session:
        code = session.get(Meeting, people["upcoming"]).join_code
    links = {button.proto.label: button.proto.url for button in at.get("link_button")}
    assert links == {"Present": f"present?session={people['upcoming']}", "Open the wall": f"wall?s={code}"}


def test_a_member_sees_past_sessions_and_reads_an_agenda_without_changing_it(app_database, open_app, people):
    at = _open(open_app, "kit")
    assert not at.exception
    links = {shown(link.proto.label): link.proto.query_string for link in at.get("page_link")}
    assert links.get("**Autumn working group (test data)**") == f"id={people['past']}"
    assert not any("Spring working group" in label for label in links)
    assert not at.get("expander") and not at.get("popover")

    at = _open(open_app, "kit", "pages/session.py", id=people["past"])
    assert not at.exception
    assert _agenda(at) == ["1. Text slide: Welcome to the autumn session", "2. Text slide: What we heard"]
    # Nothing to change: only the meeting pack's builds and signing out.
    assert [button.key for button in at.button] == ["pack_pptx_build", "pack_pdf_build", "sign_out"]
    assert not at.get("form") and not at.get("link_button")


def test_a_finding_on_a_past_agenda_links_to_its_page(app_database, open_app, database, people):
    with database() as session:
        past = session.get(Meeting, people["past"])
        meetings.add_item(
            session,
            past.id,
            viewer=viewer_for_fay(session),
            seen_version=past.version,
            kind="finding",
            finding_id=people["finding"],
        )
    at = _open(open_app, "kit", "pages/session.py", id=people["past"])
    assert not at.exception
    (line,) = [shown(block.value) for block in at.markdown if shown(block.value).startswith("3. ")]
    assert f"**[Finding: Loan instruments keep pupils playing (test data)](finding?id={people['finding']})**" in line


def test_a_member_opening_an_upcoming_session_by_its_address_is_told_it_is_not_shared(app_database, open_app, people):
    at = _open(open_app, "kit", "pages/session.py", id=people["upcoming"])
    assert not at.exception
    assert "does not exist or is not shared with you" in shown(at.error[0].value)


@pytest.mark.parametrize("page", ["pages/sessions.py", "pages/session.py"])
def test_a_visitor_is_refused_by_address(app_database, open_app, people, page):
    at = open_app()
    at.query_params["id"] = str(people["past"])
    at.switch_page(page).run()
    assert not at.exception
    assert "Sign in to see it" in shown(at.info[0].value)
    assert not any("test data" in shown(block.value) for block in at.markdown)


def test_the_second_of_two_facilitators_saving_the_details_gets_a_conflict_and_keeps_their_text(
    app_database, open_app, database, people
):
    meeting_id = people["upcoming"]
    fay = _open(open_app, "fay", "pages/session.py", id=meeting_id)
    gil = _open(open_app, "gil", "pages/session.py", id=meeting_id)  # Gil's form is drawn from the same version
    fay.text_input(key=f"meeting{meeting_id}_details_title").input("Changed by Fay (test data)")
    fay.button(key=f"FormSubmitter:meeting{meeting_id}_details-Save details").click().run()
    assert not fay.error and "Changed by Fay (test data) is saved." in shown(fay.success[0].value)

    gil.text_input(key=f"meeting{meeting_id}_details_title").input("Changed by Gil (test data)")
    gil.button(key=f"FormSubmitter:meeting{meeting_id}_details-Save details").click().run()
    assert "Someone else changed the session 'Changed by Fay (test data)'" in shown(gil.error[0].value)
    assert gil.text_input(key=f"meeting{meeting_id}_details_title").value == "Changed by Gil (test data)"
    with database() as session:
        assert session.get(Meeting, meeting_id).title == "Changed by Fay (test data)"


def test_a_facilitators_own_agenda_change_does_not_make_their_details_form_conflict(
    app_database, open_app, database, people
):
    meeting_id = people["upcoming"]
    fay = _open(open_app, "fay", "pages/session.py", id=meeting_id)
    _add(fay, meeting_id, "map")
    fay.text_input(key=f"meeting{meeting_id}_details_place").input("Room 4")
    fay.button(key=f"FormSubmitter:meeting{meeting_id}_details-Save details").click().run()
    assert not fay.error
    with database() as session:
        assert session.get(Meeting, meeting_id).place == "Room 4"


def test_a_button_pressed_on_an_agenda_someone_else_just_changed_says_so_and_shows_the_agenda_now(
    app_database, open_app, database, people
):
    meeting_id = people["past"]
    fay = _open(open_app, "fay", "pages/session.py", id=meeting_id)
    gil = _open(open_app, "gil", "pages/session.py", id=meeting_id)
    with database() as session:
        first, second = (line.id for line in meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items)
    fay.button(key=f"item{second}_up").click().run()
    gil.button(key=f"item{first}_remove").click().run()
    assert not gil.exception
    assert "Someone else changed this session's agenda" in gil.warning[0].value
    assert _agenda(gil) == ["1. Text slide: What we heard", "2. Text slide: Welcome to the autumn session"]


def test_a_facilitator_duplicates_a_past_session_and_lands_on_the_copy(app_database, open_app, database, people):
    at = _open(open_app, "fay")
    at.session_state[f"duplicate_{people['past']}"] = True
    at.run()
    at.date_input(key=f"duplicate_{people['past']}_on").set_value(audit.today() + dt.timedelta(days=60))
    at.button(key=f"FormSubmitter:duplicate_{people['past']}_form-Duplicate").click().run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Autumn working group (test data)"
    assert len(_agenda(at)) == 2
    with database() as session:
        assert session.query(Meeting).filter(Meeting.title == "Autumn working group (test data)").count() == 2


def test_a_facilitator_changes_a_text_slide_in_its_edit_popover(app_database, open_app, database, people):
    meeting_id = people["past"]
    at = _open(open_app, "fay", "pages/session.py", id=meeting_id)
    with database() as session:
        first = meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items[0].id
    at.session_state[f"meeting{meeting_id}_item{first}_popover"] = True
    at.run()
    at.text_input(key=f"meeting{meeting_id}_item{first}_title").input("Welcome, everyone")
    at.text_area(key=f"meeting{meeting_id}_item{first}_body").input("Tea and coffee at the back")
    at.button(key=f"FormSubmitter:meeting{meeting_id}_item{first}-Save item").click().run()
    assert not at.exception and not at.error
    assert _agenda(at)[0] == "1. Text slide: Welcome, everyone"
    with database() as session:
        line = meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items[0]
    assert line.body == "Tea and coffee at the back"


def test_removing_an_item_someone_else_already_removed_says_so_and_shows_the_agenda(
    app_database, open_app, database, people
):
    meeting_id = people["past"]
    fay = _open(open_app, "fay", "pages/session.py", id=meeting_id)
    gil = _open(open_app, "gil", "pages/session.py", id=meeting_id)
    with database() as session:
        first = meetings.get(session, meeting_id, viewer=viewer_for_fay(session)).items[0].id
    fay.button(key=f"item{first}_remove").click().run()
    gil.button(key=f"item{first}_remove").click().run()
    assert not gil.exception and not gil.error
    assert "Someone else changed this session's agenda" in gil.warning[0].value
    assert _agenda(gil) == ["1. Text slide: What we heard"]


def test_past_sessions_are_drawn_twenty_at_a_time_the_most_recent_first(app_database, open_app, database, people):
    from ctdash.ui import meeting_views

    with database() as session:
        for days in range(1, 23):  # 22 more past sessions: 23 in all, each more recent than the autumn one
            make_meeting(
                session, title=f"Past session {days:02d} (test data)", held_on=audit.today() - dt.timedelta(days)
            )
    at = _open(open_app, "fay")
    assert not at.exception

    def titles():
        labels = [shown(link.proto.label).strip("*") for link in at.get("page_link")]
        return [label for label in labels if label.endswith("(test data)")]

    assert titles()[:3] == [
        "Spring working group (test data)",
        "Past session 01 (test data)",
        "Past session 02 (test data)",
    ]
    assert len(titles()) == 1 + meeting_views.PAST_STEP
    assert "Showing the 20 most recent of 23." in [shown(caption.value) for caption in at.caption]
    at.button(key="past_sessions_more").click().run()
    assert not at.exception
    assert len(titles()) == 1 + 23 and titles()[-1] == "Autumn working group (test data)"
    assert "past_sessions_more" not in [button.key for button in at.button]
