"""The partner map and partner profile pages, for every role, on SQLite and PostgreSQL (AppTest)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ctdash.models import Partner
from ctdash.ui import partner_map
from tests.factories import make_finding, make_partner, make_project, make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def _partner_id(database, slug: str) -> int:
    with database() as session:
        return session.scalar(select(Partner.id).where(Partner.slug == slug))


def _deck(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def test_the_map_shows_all_fifteen_services_with_a_text_table(app_database, open_app):
    at = open_app("pages/partners.py")
    assert not at.exception
    points = next(layer for layer in _deck(at)["layers"] if layer["id"] == partner_map.LAYER)["data"]
    assert len(points) == 15
    assert sum(point["label"].startswith(partner_map.STAR) for point in points) == 9  # action research partners
    table = at.dataframe[0].value
    assert len(table) == 15 and "Cornwall" in set(table["Partner service"])


def test_the_map_drawn_from_the_cache_shows_a_change_made_elsewhere_on_the_next_rerun(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    at = open_app("pages/partners.py")
    assert _deck(at) == json.loads(at.run().get("deck_gl_json_chart")[0].proto.json)  # a warm rerun: the same map
    with database() as session:  # another replica's write
        session.get(Partner, cornwall).name = "Cornwall Music Service Trust (renamed)"
    at.run()
    points = next(layer for layer in _deck(at)["layers"] if layer["id"] == partner_map.LAYER)["data"]
    assert "Cornwall Music Service Trust (renamed)" in {point["name"] for point in points}
    assert json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip) == partner_map.TOOLTIP


def test_visitors_see_no_research_projects_on_the_map(app_database, open_app):
    at = open_app("pages/partners.py")
    assert set(at.dataframe[0].value["Current project"]) == {"—"}


def test_the_region_filter_narrows_map_and_table(app_database, open_app):
    at = open_app("pages/partners.py")
    at.selectbox(key="map_region").select("South West").run()
    assert list(at.dataframe[0].value["Partner service"]) == ["Cornwall"]


def test_clicking_a_partner_on_the_map_opens_its_profile(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    at = open_app("pages/partners.py")
    at.session_state["partner_map"] = {
        "selection": {"indices": {partner_map.LAYER: [1]}, "objects": {partner_map.LAYER: [{"id": cornwall}]}}
    }
    at.run()
    assert not at.exception
    assert at.title[0].value == "Cornwall"
    assert at.query_params.get("id") == str(cornwall)  # the profile's URL can be shared


def test_choosing_a_partner_in_the_select_box_opens_its_profile(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    at = open_app("pages/partners.py")
    at.selectbox(key="map_pick").select(cornwall).run()
    assert at.title[0].value == "Cornwall"


def test_a_profile_link_with_a_forged_id_says_so_and_offers_a_choice(app_database, open_app):
    at = open_app()
    at.query_params["id"] = "1 OR 1=1"
    at.switch_page("pages/partner.py").run()
    assert not at.exception
    assert "does not name a partner service we know" in shown(at.info[0].value)
    assert at.selectbox(key="profile_pick")


def test_a_profile_shows_published_findings_and_hides_contacts_from_visitors(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    with database() as session:
        partner = session.get(Partner, cornwall)
        partner.contact_name = "Example contact (test data)"
        make_finding(session, partner, title="A public finding", status="published", visibility="public")
    visitor = open_app()
    visitor.query_params["id"] = str(cornwall)
    visitor.switch_page("pages/partner.py").run()
    page_text = " ".join(shown(element.value) for element in visitor.markdown)
    assert "A public finding" in page_text
    assert "Example contact" not in page_text


def test_signed_in_people_see_a_partners_contact(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    with database() as session:
        session.get(Partner, cornwall).contact_name = "Example contact (test data)"
        make_user(session, role="facilitator", username="fay")
    at = signed_in_as(open_app(), "fay").run()
    at.query_params["id"] = str(cornwall)
    at.switch_page("pages/partner.py").run()
    assert "Example contact (test data)" in " ".join(shown(element.value) for element in at.markdown)


def test_a_facilitator_edits_a_partner_and_a_stale_second_edit_is_a_conflict(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    with database() as session:
        make_user(session, role="facilitator", username="fay")
        make_user(session, role="facilitator", username="gil")

    def profile_as(username):
        at = signed_in_as(open_app(), username).run()
        at.query_params["id"] = str(cornwall)
        return at.switch_page("pages/partner.py").run()

    fay, gil = profile_as("fay"), profile_as("gil")
    fay.text_input(key=f"partner_{cornwall}_lead_organisation").input("Lead organisation (test data)")
    fay.button(key=f"FormSubmitter:partner_{cornwall}-Save partner").click().run()
    assert "Cornwall is saved." in shown(fay.success[0].value)
    gil.text_input(key=f"partner_{cornwall}_website").input("https://example.org/cornwall")
    gil.button(key=f"FormSubmitter:partner_{cornwall}-Save partner").click().run()
    assert "Someone else changed Cornwall" in shown(gil.error[0].value)
    assert gil.text_input(key=f"partner_{cornwall}_website").value == "https://example.org/cornwall"


def test_coordinates_outside_the_uk_are_refused_with_a_clear_message(app_database, open_app, database):
    cornwall = _partner_id(database, "cornwall")
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = signed_in_as(open_app(), "ada").run()
    at.query_params["id"] = str(cornwall)
    at.switch_page("pages/partner.py").run()
    at.number_input(key=f"partner_{cornwall}_latitude").set_value(10.0)
    at.button(key=f"FormSubmitter:partner_{cornwall}-Save partner").click().run()
    assert "49.8" in shown(at.error[0].value)
    assert at.number_input(key=f"partner_{cornwall}_latitude").value == 10.0


def test_a_member_edits_only_their_own_services_profile_text(app_database, open_app, database):
    cornwall, hull = _partner_id(database, "cornwall"), _partner_id(database, "hull")
    with database() as session:
        make_user(session, username="kit", partner=session.get(Partner, cornwall))
    own = signed_in_as(open_app(), "kit").run()
    own.query_params["id"] = str(cornwall)
    own.switch_page("pages/partner.py").run()
    own.text_area(key=f"partner_text_{cornwall}_profile_text").input("Our service in Cornwall (test data).")
    own.button(key=f"FormSubmitter:partner_text_{cornwall}-Save").click().run()
    assert "Your service's profile is saved." in shown(own.success[0].value)
    other = signed_in_as(open_app(), "kit").run()
    other.query_params["id"] = str(hull)
    other.switch_page("pages/partner.py").run()
    assert not other.text_area
    assert not [form for form in other.get("form")]


def test_an_archived_services_profile_link_still_works(app_database, open_app, database):
    with database() as session:
        partner = make_partner(session, name="Archived service (test data)", active=False)
        make_user(session, role="facilitator", username="fay")
        project = make_project(session, partner, title="Old project (test data)", cycle="2019-20")
        partner_id, project_id = partner.id, project.id
    at = signed_in_as(open_app(), "fay").run()
    at.query_params["id"] = str(partner_id)
    at.switch_page("pages/partner.py").run()
    assert not at.exception
    assert at.title[0].value == "Archived service (test data)"
    assert "Archived" in shown(at.markdown[0].value)
    projects = at.dataframe[0].value
    assert list(projects["Project"]) == ["Old project (test data)"]
    assert list(projects["Open"]) == [f"project?id={project_id}"]  # each project opens its own page
