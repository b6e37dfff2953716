"""The research status board and the project page, for every role, on SQLite and PostgreSQL (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ctdash.models import AuditEvent, Partner, Project, ProjectStage
from ctdash.ui import project_views
from ctdash.ui.forms import GENERATIONS
from tests.factories import make_project, make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _partner(session, slug: str) -> Partner:
    return session.scalars(select(Partner).where(Partner.slug == slug)).one()


@pytest.fixture
def research(database):
    """Two test projects (Cornwall at analysis, Hull complete), a facilitator fay, a Cornwall member kit."""
    with database() as session:
        cornwall, hull = _partner(session, "cornwall"), _partner(session, "hull")
        first = make_project(session, cornwall, title="Listening to families (test data)", stage=ProjectStage.ANALYSIS)
        second = make_project(
            session, hull, title="Ensembles (test data)", cycle="2024-25", stage=ProjectStage.COMPLETE
        )
        make_user(session, role="facilitator", username="fay")
        make_user(session, role="facilitator", username="gil")
        make_user(session, username="kit", partner=cornwall)
        return {"cornwall": first.id, "hull": second.id, "cornwall_partner": cornwall.id}


def _board(open_app, username: str):
    at = signed_in_as(open_app(), username).run()
    return at.switch_page("pages/research.py").run()


def _view(at, name: str):
    """Open one of the page's views (tabs); only the open one is drawn."""
    at.session_state["view"] = name
    return at.run()


def _table(at):
    """The text alternative: every project on the board, the last table of the "Counts and table" view."""
    table = _view(at, "Counts and table").dataframe[-1].value
    _view(at, "Board")
    return table


def _column_heads(at) -> dict[str, int]:
    """Each stage's heading on the board, 'Analysis · 1', as {stage label: count}."""
    heads = {}
    for block in at.markdown:
        text = shown(block.value)
        if " · " in text and text.startswith(":material/") and "**" in text:
            name, count = text.split("**")[1], text.rsplit(" · ", 1)[1]
            heads[name] = int(count)
    return heads


def test_visitors_are_told_to_sign_in_and_see_no_project(app_database, open_app, research):
    at = open_app("pages/research.py")
    assert not at.exception
    assert "Sign in to see it" in shown(at.info[0].value)
    assert not any("test data" in shown(block.value) for block in at.markdown)


def test_the_board_has_a_column_per_stage_with_the_databases_counts(app_database, open_app, database, research):
    at = _board(open_app, "fay")
    assert not at.exception
    with database() as session:
        stored = dict(session.execute(select(Project.stage, func.count()).group_by(Project.stage)).all())
    heads = _column_heads(at)
    assert list(heads) == [
        "Proposed",
        "Planning",
        "Data collection",
        "Analysis",
        "Sharing findings",
        "Complete",
        "Paused",
    ]
    assert heads == {stage.value.capitalize(): stored.get(stage, 0) for stage in ProjectStage}
    assert not at.get("vega_lite_chart")  # only the open view is drawn
    assert _view(at, "Timeline").get("vega_lite_chart")
    _view(at, "Board")
    table = _table(at)
    assert set(table["Project"]) == {"Listening to families (test data)", "Ensembles (test data)"}


def test_the_filters_narrow_the_board(app_database, open_app, research):
    at = _board(open_app, "fay")
    at.selectbox(key="board_cycle").select("2024-25").run()
    assert list(_table(at)["Project"]) == ["Ensembles (test data)"]
    assert _column_heads(at)["Complete"] == 1 and _column_heads(at)["Analysis"] == 0
    at.selectbox(key="board_cycle").select(None).run()
    at.selectbox(key="board_stage").select("analysis").run()
    assert list(_table(at)["Project"]) == ["Listening to families (test data)"]


def _open_add(at):
    at.session_state["add_project"] = True
    return at.run()


def _move_key(at, project_id: int) -> str:
    """The key of a card's "Move" popover (a new one after each save, see ctdash.ui.forms)."""
    generations = at.session_state.get(GENERATIONS, {})
    generation = generations.get(f"stage_{project_id}", 0)
    return f"stage_{project_id}_popover" + (f"_{generation}" if generation else "")


def _open_move(at, project_id: int):
    at.session_state[_move_key(at, project_id)] = True
    return at.run()


def test_a_facilitator_moves_a_project_and_a_second_with_a_stale_copy_is_told_and_keeps_their_choice(
    app_database, open_app, database, research
):
    project = research["cornwall"]
    fay, gil = _open_move(_board(open_app, "fay"), project), _open_move(_board(open_app, "gil"), project)
    # Both see the form at the same version; fay saves first.
    fay.selectbox(key=f"stage_{project}_stage").select("sharing findings")
    fay.button(key=f"FormSubmitter:stage_{project}-Save stage").click().run()
    assert not fay.exception
    assert "is now at “Sharing findings”" in shown(fay.success[0].value)
    gil.selectbox(key=f"stage_{project}_stage").select("paused")
    gil.date_input(key=f"stage_{project}_end_date").set_value(dt.date(2026, 3, 31))
    gil.button(key=f"FormSubmitter:stage_{project}-Save stage").click().run()
    assert "Someone else changed the project" in shown(gil.error[0].value)
    assert gil.selectbox(key=f"stage_{project}_stage").value == "paused"  # nothing gil chose is lost
    assert gil.date_input(key=f"stage_{project}_end_date").value == dt.date(2026, 3, 31)
    assert _column_heads(gil)  # the board is still drawn behind the message
    with database() as session:
        assert session.get(Project, project).stage == ProjectStage.SHARING
        history = session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == project)).all()
        assert history == ["Listening to families (test data): stage: analysis -> sharing findings"]
    # Loading the latest version shows fay's change, and gil can then save his own.
    gil.button(key=f"stage_{project}_reload").click().run()
    gil = _open_move(gil, project)
    assert gil.selectbox(key=f"stage_{project}_stage_1").value == "sharing findings"


def test_a_member_can_move_only_their_own_services_projects(app_database, open_app, research):
    at = _board(open_app, "kit")
    assert len(at.get("popover")) == 1  # on Cornwall's card only
    assert _move_key(at, research["cornwall"]) in at.session_state
    assert _move_key(at, research["hull"]) not in at.session_state


def test_a_member_adds_a_project_for_their_own_service_and_lands_on_its_page(
    app_database, open_app, database, research
):
    at = _open_add(_board(open_app, "kit"))
    partner_box = at.selectbox(key="new_project_partner_id")
    assert partner_box.options == ["Cornwall"]  # a member adds projects for their own service only
    at.selectbox(key="new_project_cycle").select("2025-26")
    at.text_input(key="new_project_title").input("Who stops coming (test data)")
    at.button(key="FormSubmitter:new_project-Add project").click().run()
    assert not at.exception
    assert "Who stops coming (test data) is added." in shown(at.success[0].value)
    assert at.title[0].value == "Who stops coming (test data)"
    with database() as session:
        project = session.scalars(select(Project).where(Project.title == "Who stops coming (test data)")).one()
        assert (project.partner_id, project.cycle, project.stage) == (
            research["cornwall_partner"],
            "2025-26",
            ProjectStage.PROPOSED,
        )


def test_a_project_with_mistakes_is_refused_and_the_form_keeps_what_was_typed(app_database, open_app, research):
    at = _board(open_app, "fay")
    assert not at.text_input  # the form is drawn only when its expander is open
    at = _open_add(at)
    at.text_input(key="new_project_title").input("A title (test data)")
    at.text_area(key="new_project_summary").input("A long summary I do not want to type again.")
    at.button(key="FormSubmitter:new_project-Add project").click().run()
    assert "Choose the partner service" in shown(at.error[0].value)
    assert at.text_area(key="new_project_summary").value == "A long summary I do not want to type again."
    assert _column_heads(at)  # the board is still there


def test_the_project_page_shows_the_project_and_its_history(app_database, open_app, research):
    board = _board(open_app, "fay")
    project = research["cornwall"]
    board = _open_move(board, project)
    board.selectbox(key=f"stage_{project}_stage").select("sharing findings")
    board.button(key=f"FormSubmitter:stage_{project}-Save stage").click().run()
    at = signed_in_as(open_app(), "fay").run()
    at.query_params["id"] = str(project)
    at.switch_page("pages/project.py").run()
    assert not at.exception
    assert at.title[0].value == "Listening to families (test data)"
    text = " ".join(shown(block.value) for block in at.markdown)
    assert "stage: analysis -> sharing findings" in text


def test_a_member_cannot_edit_another_services_project_on_its_page(app_database, open_app, research):
    at = signed_in_as(open_app(), "kit").run()
    at.query_params["id"] = str(research["hull"])
    at.switch_page("pages/project.py").run()
    assert not at.exception
    assert at.title[0].value == "Ensembles (test data)"
    assert not [form for form in at.get("form")]


def test_a_project_link_with_a_forged_or_unknown_id_says_so(app_database, open_app, research):
    for raw, message in (("1 OR 1=1", "does not name a research project"), ("987654", "does not exist")):
        at = signed_in_as(open_app(), "fay").run()
        at.query_params["id"] = raw
        at.switch_page("pages/project.py").run()
        assert not at.exception
        assert message in shown((at.info or at.error)[0].value)


def test_the_project_edit_form_saves_and_a_stale_copy_is_a_conflict(app_database, open_app, research):
    project = research["cornwall"]

    def page_as(username):
        at = signed_in_as(open_app(), username).run()
        at.query_params["id"] = str(project)
        return at.switch_page("pages/project.py").run()

    fay, kit = page_as("fay"), page_as("kit")
    fay.text_input(key=f"project_{project}_lead_contact").input("Lead teacher (test data)")
    fay.button(key=f"FormSubmitter:project_{project}-Save project").click().run()
    assert "is saved." in shown(fay.success[0].value)
    kit.text_area(key=f"project_{project}_summary").input("Our summary (test data).")
    kit.button(key=f"FormSubmitter:project_{project}-Save project").click().run()
    assert "Someone else changed the project" in shown(kit.error[0].value)
    assert kit.text_area(key=f"project_{project}_summary").value == "Our summary (test data)."


def test_a_crowded_stage_shows_the_most_recent_cards_says_where_the_rest_are_and_shows_more_on_request(
    app_database, open_app, database, research
):
    crowd = project_views.MAX_CARDS + 2
    with database() as session:
        hull = _partner(session, "hull")
        made = [
            make_project(session, hull, title=f"Crowd {number} (test data)", stage=ProjectStage.PROPOSED).id
            for number in range(crowd)
        ]
    at = _board(open_app, "fay")
    assert _column_heads(at)["Proposed"] == crowd
    assert f"The {project_views.MAX_CARDS} most recently updated of {crowd}" in " ".join(
        shown(caption.value) for caption in at.caption
    )
    drawn = [project for project in made if _move_key(at, project) in at.session_state]
    assert drawn == made[-project_views.MAX_CARDS :]  # the newest, each with its Move button
    assert len(_table(at)) == crowd + 2  # the table lists every project
    at.button(key="more_proposed").click().run()
    assert not at.exception
    assert all(_move_key(at, project) in at.session_state for project in made)  # every card now
    assert "more_proposed" not in [button.key for button in at.button]
    assert "most recently updated" not in " ".join(shown(caption.value) for caption in at.caption)


def test_a_move_form_being_filled_in_stays_when_another_update_pushes_its_card_down_the_column(
    app_database, open_app, database, research
):
    with database() as session:
        hull = _partner(session, "hull")
        made = [
            make_project(session, hull, title=f"Crowd {number} (test data)", stage=ProjectStage.PROPOSED).id
            for number in range(project_views.MAX_CARDS)
        ]
    oldest = made[0]  # the last of the six cards drawn
    fay = _open_move(_board(open_app, "fay"), oldest)  # fay starts filling in its Move form
    # Meanwhile gil moves another project into the column: it is now the most recent of seven.
    gil = _open_move(_board(open_app, "gil"), research["cornwall"])
    gil.selectbox(key=f"stage_{research['cornwall']}_stage").select("proposed")
    gil.button(key=f"FormSubmitter:stage_{research['cornwall']}-Save stage").click().run()
    assert "is now at “Proposed”" in shown(gil.success[0].value)
    assert _move_key(gil, oldest) not in gil.session_state  # pushed out of the six for gil

    # fay, who saw none of that, chooses in the open form and saves: in the browser the Save button is the
    # one thing in an open popover that reruns the page (a click outside it closes it). The run that saves
    # reads the new board: her card must still be drawn, or her Save and her choices are silently lost.
    fay.selectbox(key=f"stage_{oldest}_stage").select("paused")
    fay.date_input(key=f"stage_{oldest}_end_date").set_value(dt.date(2026, 7, 31))
    fay.button(key=f"FormSubmitter:stage_{oldest}-Save stage").click().run()
    assert not fay.exception
    assert "is now at “Paused”" in shown(fay.success[0].value)
    with database() as session:
        saved = session.get(Project, oldest)
        assert (saved.stage, saved.end_date) == (ProjectStage.PAUSED, dt.date(2026, 7, 31))


def test_a_move_form_stays_when_another_move_takes_its_card_out_of_the_filters_and_saving_is_a_conflict(
    app_database, open_app, database, research
):
    project = research["cornwall"]  # at analysis
    fay = _board(open_app, "fay")
    fay.selectbox(key="board_stage").select("analysis").run()
    fay = _open_move(fay, project)
    gil = _open_move(_board(open_app, "gil"), project)
    gil.selectbox(key=f"stage_{project}_stage").select("paused")
    gil.button(key=f"FormSubmitter:stage_{project}-Save stage").click().run()
    assert "is now at “Paused”" in shown(gil.success[0].value)

    # fay saves from the form she opened: the project no longer matches her filter, yet its card is kept
    # with her choice, and the version she saw is the one checked.
    fay.selectbox(key=f"stage_{project}_stage").select("complete")
    fay.button(key=f"FormSubmitter:stage_{project}-Save stage").click().run()
    assert not fay.exception and not fay.info
    assert "Someone else changed the project" in shown(fay.error[0].value)
    assert "Kept on the board while you change its stage." in [shown(caption.value) for caption in fay.caption]
    assert fay.session_state[_move_key(fay, project)] is True
    assert fay.selectbox(key=f"stage_{project}_stage").value == "complete"
    with database() as session:
        assert session.get(Project, project).stage == ProjectStage.PAUSED
