"""Partner services: the map rows, the profile and edits to them, on SQLite and PostgreSQL."""

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from ctdash import partners
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    AuditEvent,
    FindingStatus,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    ProjectStage,
    Role,
    Theme,
    Visibility,
)
from ctdash.seed import seed
from ctdash.viewer import ANONYMOUS, Viewer
from tests.factories import make_finding, make_partner, make_project, make_user, viewer_for

PUBLISHED = FindingStatus.PUBLISHED


# Research projects are shown to signed-in people only (permissions.sees_working_group_work).
SIGNED_IN = Viewer(role=Role.FACILITATOR, name="A facilitator")


def _admin(session):
    return viewer_for(make_user(session, role="admin"))


def _row(frame, partner):
    return frame.set_index("id").loc[partner.id]


def _ids(frame):
    return set(frame["id"])


def _theme(session, slug="socio-economic-disadvantage"):
    return session.scalars(select(Theme).where(Theme.slug == slug)).one()


def _edit(session, viewer, partner, **changes):
    values = {
        "name": partner.name,
        "short_name": partner.short_name,
        "lead_organisation": partner.lead_organisation,
        "region": partner.region,
        "local_authority": partner.local_authority,
        "website": partner.website,
        "latitude": partner.latitude,
        "longitude": partner.longitude,
        "contact_name": partner.contact_name,
        "contact_email": partner.contact_email,
        "profile_text": partner.profile_text,
        "active": partner.active,
    }
    return partners.update_partner(
        session,
        viewer=viewer,
        partner_id=partner.id,
        expected_version=changes.pop("expected_version", partner.version),
        **{**values, **changes},
    )


# --- the map ------------------------------------------------------------------------------------


def test_map_shows_the_fifteen_seeded_services_with_their_roles(session):
    seed(session)
    frame = partners.map_rows(session, viewer=ANONYMOUS)
    assert list(frame.columns) == partners.MAP_COLUMNS
    assert len(frame) == 15
    assert frame["action_research"].sum() == 9
    assert frame["working_group"].sum() == 15
    hull = frame.set_index("name").loc["Hull"]
    assert hull["roles"] == "Action research partner · Working-group member"
    assert frame.set_index("name").loc["Luton", "roles"] == "Working-group member"
    assert not frame["is_example"].any()


def test_published_finding_counts_respect_the_viewer(session):
    partner = make_partner(session)
    make_finding(session, partner, status=PUBLISHED, visibility=Visibility.PUBLIC)
    make_finding(session, partner, status=PUBLISHED, visibility=Visibility.GROUP)
    make_finding(session, partner, status=FindingStatus.SUBMITTED, visibility=Visibility.PUBLIC)
    anonymous = partners.map_rows(session, viewer=ANONYMOUS)
    admin = partners.map_rows(session, viewer=_admin(session))
    assert _row(anonymous, partner)["published_findings"] == 1
    assert _row(admin, partner)["published_findings"] == 2


def test_role_filter_keeps_partners_with_that_role(session):
    seed(session)
    frame = partners.map_rows(session, viewer=ANONYMOUS, role=PartnerRoleKind.ACTION_RESEARCH.value)
    assert len(frame) == 9 and frame["action_research"].all()


def test_an_unknown_role_is_refused_with_the_choices(session):
    with pytest.raises(InvalidInput, match="Choose a role from the list"):
        partners.map_rows(session, viewer=ANONYMOUS, role="sponsor")


def test_cycle_filter_keeps_partners_with_a_project_or_a_role_in_that_cycle(session):
    with_project, with_role, other = make_partner(session), make_partner(session), make_partner(session)
    make_project(session, with_project, cycle="2023-24")
    make_project(session, other, cycle="2024-25")
    session.add(PartnerRole(partner_id=with_role.id, role=PartnerRoleKind.ACTION_RESEARCH, cycle="2023-24"))
    session.flush()
    frame = partners.map_rows(session, viewer=ANONYMOUS, cycle="2023-24")
    assert _ids(frame) == {with_project.id, with_role.id}


def test_theme_filter_keeps_partners_with_a_project_or_a_visible_published_finding_in_it(session):
    seed(session)
    theme = _theme(session)
    by_project, by_finding, by_group_finding = make_partner(session), make_partner(session), make_partner(session)
    rows = [
        make_project(session, by_project),
        make_finding(session, by_finding, status=PUBLISHED, visibility=Visibility.PUBLIC),
        make_finding(session, by_group_finding, status=PUBLISHED, visibility=Visibility.GROUP),
    ]
    for row in rows:
        row.themes.append(theme)
    session.flush()
    assert _ids(partners.map_rows(session, viewer=ANONYMOUS, theme=theme.slug)) == {by_project.id, by_finding.id}
    admin_view = partners.map_rows(session, viewer=_admin(session), theme=theme.slug)
    assert _ids(admin_view) == {by_project.id, by_finding.id, by_group_finding.id}


def test_region_filter_is_exact(session):
    seed(session)
    frame = partners.map_rows(session, viewer=ANONYMOUS, region="London")
    assert set(frame["name"]) == {"Ealing", "Waltham Forest"}


def test_archived_partners_are_hidden_unless_the_cycle_reaches_back_to_them(session):
    archived = make_partner(session, active=False)
    project = make_project(session, archived, cycle="2022-23", stage=ProjectStage.COMPLETE)
    assert archived.id not in _ids(partners.map_rows(session, viewer=ANONYMOUS))
    assert archived.id not in _ids(partners.map_rows(session, viewer=ANONYMOUS, cycle="2023-24"))
    back_then = partners.map_rows(session, viewer=SIGNED_IN, cycle="2022-23")
    assert _row(back_then, archived)["current_project"] == project.title


def test_current_project_is_the_unfinished_one_of_the_latest_cycle(session):
    partner = make_partner(session)
    make_project(session, partner, cycle="2023-24", title="Old", stage=ProjectStage.DATA_COLLECTION)
    make_project(session, partner, cycle="2024-25", title="Done", stage=ProjectStage.COMPLETE)
    make_project(session, partner, cycle="2024-25", title="Going", stage=ProjectStage.ANALYSIS)
    row = _row(partners.map_rows(session, viewer=SIGNED_IN), partner)
    assert (row["current_project"], row["current_stage"]) == ("Going", "analysis")


def test_current_project_falls_back_to_the_latest_when_all_are_complete(session):
    partner = make_partner(session)
    make_project(session, partner, cycle="2023-24", title="Older", stage=ProjectStage.COMPLETE)
    make_project(session, partner, cycle="2024-25", title="Latest", stage=ProjectStage.COMPLETE)
    row = _row(partners.map_rows(session, viewer=SIGNED_IN), partner)
    assert (row["current_project"], row["current_stage"]) == ("Latest", "complete")


def test_a_partner_without_projects_has_no_current_project(session):
    partner = make_partner(session)
    row = _row(partners.map_rows(session, viewer=SIGNED_IN), partner)
    assert row["current_project"] is None and row["current_stage"] is None


def test_example_partners_are_shown_and_flagged(session):
    example = make_partner(session, is_example=True)
    assert bool(_row(partners.map_rows(session, viewer=ANONYMOUS), example)["is_example"]) is True


def test_map_rows_takes_a_handful_of_queries_however_many_partners(session):
    seed(session)
    theme = _theme(session)
    for partner in session.scalars(select(Partner)).all():
        project = make_project(session, partner)
        project.themes.append(theme)
        make_finding(session, partner, status=PUBLISHED, visibility=Visibility.PUBLIC)
    session.flush()
    statements = []

    def count(*_args):
        statements.append(1)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        frame = partners.map_rows(session, viewer=ANONYMOUS, role="working_group_member", theme=theme.slug)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(frame) == 15
    assert len(statements) <= 6


def test_filter_choices_list_regions_cycles_newest_first_and_themes_in_order(session):
    seed(session)
    partner = make_partner(session)
    make_project(session, partner, cycle="2023-24")
    session.add(PartnerRole(partner_id=partner.id, role=PartnerRoleKind.ACTION_RESEARCH, cycle="2025-26"))
    session.flush()
    choices = partners.filter_choices(session, viewer=ANONYMOUS)
    assert choices.cycles == ["2025-26", "2023-24"]
    assert "London" in choices.regions and choices.regions == sorted(choices.regions)
    assert list(choices.themes.values())[0] == "Socio-economic disadvantage"
    assert len(choices.themes) == 13


# --- the profile --------------------------------------------------------------------------------


def test_profile_hides_contacts_from_anonymous_visitors(session):
    partner = make_partner(session, contact_name="Sam Taylor", contact_email="sam@example.org")
    member = viewer_for(make_user(session, partner=partner))
    seen = partners.profile(session, viewer=ANONYMOUS, partner_id=partner.id)
    assert (seen.contact_name, seen.contact_email) == (None, None)
    signed_in = partners.profile(session, viewer=member, partner_id=partner.id)
    assert (signed_in.contact_name, signed_in.contact_email) == ("Sam Taylor", "sam@example.org")


def test_profile_findings_are_published_visible_and_newest_first(session):
    partner = make_partner(session)
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    older = make_finding(session, partner, status=PUBLISHED, visibility=Visibility.PUBLIC, published_at=day)
    newer = make_finding(
        session, partner, status=PUBLISHED, visibility=Visibility.PUBLIC, published_at=day + dt.timedelta(days=1)
    )
    group = make_finding(session, partner, status=PUBLISHED, visibility=Visibility.GROUP, published_at=day)
    make_finding(session, partner, status=FindingStatus.DRAFT)
    anonymous = partners.profile(session, viewer=ANONYMOUS, partner_id=partner.id)
    assert [line.id for line in anonymous.findings] == [newer.id, older.id]
    admin = partners.profile(session, viewer=_admin(session), partner_id=partner.id)
    assert [line.id for line in admin.findings] == [newer.id, group.id, older.id]  # same day: newest id first


def test_profile_lists_roles_and_projects_newest_cycle_first(session):
    seed(session)
    hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
    make_project(session, hull, cycle="2023-24", title="Earlier")
    later = make_project(session, hull, cycle="2024-25", title="Later")
    later.themes.append(_theme(session))
    session.flush()
    seen = partners.profile(session, viewer=SIGNED_IN, partner_id=hull.id)
    assert [line.role_label for line in seen.roles] == ["Action research partner", "Working-group member"]
    assert [line.title for line in seen.projects] == ["Later", "Earlier"]
    assert seen.projects[0].themes == ["Socio-economic disadvantage"]
    assert seen.lead_organisation is None and seen.website is None


def test_profile_of_an_unknown_partner_says_where_to_look(session):
    with pytest.raises(NotFound, match="choose one from the partner map"):
        partners.profile(session, viewer=ANONYMOUS, partner_id=987654)


# --- editing ------------------------------------------------------------------------------------


def test_facilitators_and_admins_edit_partners_and_the_change_is_audited(session):
    partner = make_partner(session)
    facilitator = viewer_for(make_user(session, role="facilitator"))
    before = partner.version
    changed = _edit(session, facilitator, partner, region="North West", latitude="53.4", longitude=-2.99)
    assert (changed.region, changed.latitude, changed.longitude) == ("North West", 53.4, -2.99)
    assert changed.version == before + 1
    event_row = session.scalars(select(AuditEvent).where(AuditEvent.action == "partner_changed")).one()
    assert event_row.entity_type == "partner" and event_row.entity_id == partner.id
    assert "region: empty -> North West" in event_row.summary


def test_members_and_visitors_cannot_edit_partner_details(session):
    partner = make_partner(session)
    member = viewer_for(make_user(session, partner=partner))
    for viewer in (member, ANONYMOUS):
        with pytest.raises(PermissionDenied, match="Only facilitators and administrators can edit partner services."):
            _edit(session, viewer, partner, region="London")


def test_archiving_keeps_the_partner_and_hides_it_from_the_map(session):
    partner = make_partner(session)
    changed = _edit(session, _admin(session), partner, active=False)
    assert changed.active is False
    assert session.get(Partner, partner.id) is not None
    assert partner.id not in _ids(partners.map_rows(session, viewer=ANONYMOUS))


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"name": "  "}, "Enter the service's name"),
        ({"name": "x" * 201}, "The name is 201 characters long; keep it to 200."),
        ({"name": "Hull\u202e"}, "The name contains invisible or control characters"),
        ({"short_name": ""}, "Enter a short name"),
        ({"short_name": "x" * 81}, "The short name is 81 characters long; keep it to 80."),
        ({"lead_organisation": "x" * 201}, "The lead organisation is 201 characters long"),
        ({"region": "x" * 81}, "The region is 81 characters long"),
        ({"local_authority": "x" * 201}, "The local authority area is 201 characters long"),
        ({"website": "javascript:alert(1)"}, "starting with https:// or http://"),
        ({"website": "www.example.org"}, "starting with https:// or http://"),
        ({"website": "https://example.org/" + "x" * 300}, "The website address is 320 characters long"),
        ({"latitude": 53.7, "longitude": None}, "Enter both latitude and longitude"),
        ({"latitude": 40.4, "longitude": -3.7}, "That place is outside the UK: latitude must be between 49.8 and 60.9"),
        ({"latitude": -0.3, "longitude": 53.7}, "outside the UK"),
        ({"latitude": "north", "longitude": "1"}, "must be numbers in decimal degrees"),
        ({"latitude": float("nan"), "longitude": 1.0}, "must be numbers in decimal degrees"),
        ({"contact_name": "x" * 201}, "The contact's name is 201 characters long"),
        ({"contact_email": "not an address"}, "does not look like an email address"),
        ({"profile_text": "x" * 5001}, "The profile is 5,001 characters long; keep it to 5,000."),
        ({"profile_text": "Hello\x00"}, "The profile contains invisible or control characters"),
    ],
)
def test_invalid_partner_details_are_refused_with_a_clear_message(session, changes, says):
    partner = make_partner(session)
    with pytest.raises(InvalidInput, match=re.escape(says)):
        _edit(session, _admin(session), partner, **changes)


def test_partner_names_are_unique_whatever_their_case(session):
    make_partner(session, name="Hull Music Service")
    partner = make_partner(session)
    with pytest.raises(InvalidInput, match="Another partner service is already called 'Hull Music Service'"):
        _edit(session, _admin(session), partner, name="hull music service")


def test_text_is_stored_in_one_unicode_form_with_single_spaces(session):
    partner = make_partner(session)
    changed = _edit(session, _admin(session), partner, name="  Cafe\u0301   Music  ", profile_text="One\r\n\r\nTwo  \n")
    assert changed.name == "Caf\u00e9 Music"
    assert changed.profile_text == "One\n\nTwo"


def test_saving_over_someone_elses_change_is_a_conflict(session):
    partner = make_partner(session)
    admin = _admin(session)
    seen = partner.version
    _edit(session, admin, partner, region="London", expected_version=seen)
    with pytest.raises(Conflict, match=f"Someone else changed {partner.name} while you were editing it"):
        _edit(session, admin, partner, region="South East", expected_version=seen)
    assert session.get(Partner, partner.id).region == "London"


def test_members_may_edit_their_own_services_profile_text_only(session):
    own, other = make_partner(session), make_partner(session)
    member = viewer_for(make_user(session, partner=own))
    changed = partners.update_profile_text(
        session, viewer=member, partner_id=own.id, expected_version=own.version, profile_text="We teach **everyone**."
    )
    assert changed.profile_text == "We teach **everyone**."
    with pytest.raises(PermissionDenied, match="You can change the profile of your own service only."):
        partners.update_profile_text(
            session, viewer=member, partner_id=other.id, expected_version=other.version, profile_text="Hijacked"
        )
    assert session.get(Partner, other.id).profile_text is None


def test_visitors_are_asked_to_sign_in_to_change_a_profile(session):
    partner = make_partner(session)
    with pytest.raises(PermissionDenied, match="Sign in"):
        partners.update_profile_text(
            session, viewer=ANONYMOUS, partner_id=partner.id, expected_version=partner.version, profile_text="Hi"
        )


def test_profile_text_changes_are_version_checked_and_audited(session):
    partner = make_partner(session)
    facilitator = viewer_for(make_user(session, role="facilitator"))
    seen = partner.version
    partners.update_profile_text(
        session, viewer=facilitator, partner_id=partner.id, expected_version=seen, profile_text="A"
    )
    with pytest.raises(Conflict, match="Someone else changed"):
        partners.update_profile_text(
            session, viewer=facilitator, partner_id=partner.id, expected_version=seen, profile_text="B"
        )
    summaries = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "partner_changed")).all()
    assert summaries == [f"{partner.name}: profile_text: empty -> 1 characters"]


def test_saving_unchanged_details_writes_no_audit_row(session):
    partner = make_partner(session)
    _edit(session, _admin(session), partner)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "partner_changed")).all() == []


def test_editing_an_unknown_partner_says_so(session):
    with pytest.raises(NotFound, match="no longer exists"):
        partners.update_profile_text(
            session, viewer=_admin(session), partner_id=987654, expected_version=1, profile_text="x"
        )


def test_visitors_see_no_research_projects_on_the_map_or_a_profile(session):
    partner = make_partner(session)
    make_project(session, partner, cycle="2024-25", title="Going", stage=ProjectStage.ANALYSIS)
    row = _row(partners.map_rows(session, viewer=ANONYMOUS), partner)
    assert (row["current_project"], row["current_stage"]) == (None, None)
    assert partners.profile(session, viewer=ANONYMOUS, partner_id=partner.id).projects == []
