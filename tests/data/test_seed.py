from sqlalchemy import func, select

from ctdash.models import Partner, PartnerRole, PartnerRoleKind, Theme
from ctdash.seed import load_programme, seed

ACTION_RESEARCH = {
    "Cambridgeshire",
    "Cornwall",
    "Essex",
    "Hertfordshire",
    "Hull",
    "Liverpool Resonate",
    "Norfolk",
    "Southampton",
    "Waltham Forest",
}
OTHER_MEMBERS = {"Calderdale", "Ealing", "Luton", "Northamptonshire", "Thurrock", "Milton Keynes"}


def _names_with_role(session, role):
    return set(session.scalars(select(Partner.name).join(PartnerRole).where(PartnerRole.role == role)))


def test_seed_adds_the_fifteen_working_group_services(session):
    report = seed(session)
    assert report.partners_added == 15
    assert set(session.scalars(select(Partner.name))) == ACTION_RESEARCH | OTHER_MEMBERS


def test_action_research_partners_are_also_working_group_members(session):
    seed(session)
    assert _names_with_role(session, PartnerRoleKind.ACTION_RESEARCH) == ACTION_RESEARCH
    assert _names_with_role(session, PartnerRoleKind.WORKING_GROUP) == ACTION_RESEARCH | OTHER_MEMBERS


def test_seed_invents_no_years_for_real_services(session):
    seed(session)
    assert session.scalar(select(func.count()).select_from(PartnerRole).where(PartnerRole.cycle.is_not(None))) == 0
    assert session.scalar(select(func.count()).select_from(PartnerRole).where(PartnerRole.since_year.is_not(None))) == 0


def test_every_seeded_service_is_on_the_map_in_england(session):
    seed(session)
    for latitude, longitude in session.execute(select(Partner.latitude, Partner.longitude)):
        assert 49.9 < latitude < 55.9 and -6.5 < longitude < 1.8


def test_seed_adds_the_themes_vocabulary_in_order(session):
    seed(session)
    themes = session.scalars(select(Theme.name).order_by(Theme.position)).all()
    assert len(themes) == 13
    assert themes[0] == "Socio-economic disadvantage"
    assert "Special educational needs and disabilities (SEND)" in themes


def test_seeding_twice_changes_nothing(session):
    seed(session)
    again = seed(session)
    assert not again.changed
    assert session.scalar(select(func.count()).select_from(Partner)) == 15
    assert session.scalar(select(func.count()).select_from(PartnerRole)) == 24


def test_edits_made_in_the_app_survive_a_reseed(session):
    seed(session)
    cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
    cornwall.name = "Cornwall Music Service Trust"
    cornwall.region = "South West England"
    cornwall.roles = [role for role in cornwall.roles if role.role != PartnerRoleKind.ACTION_RESEARCH]
    session.flush()
    seed(session)
    session.expire_all()
    cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
    assert (cornwall.name, cornwall.region) == ("Cornwall Music Service Trust", "South West England")
    assert [role.role for role in cornwall.roles] == [PartnerRoleKind.WORKING_GROUP]


def test_programme_facts_name_the_partners_of_the_working_group():
    programme = load_programme()
    assert programme.lead == "Hertfordshire Music Service"
    assert programme.action_research_since == 2018
    assert set(programme.working_group_partners) == {"Music Mark", "Youth Music"}


def test_seeding_never_brings_back_or_changes_an_archived_or_renamed_service(session):
    seed(session)
    hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
    luton = session.scalars(select(Partner).where(Partner.slug == "luton")).one()
    hull.active = False
    luton.name = "Luton Music Hub"
    session.flush()
    report = seed(session)
    session.expire_all()
    assert report.partners_added == 0
    assert session.scalar(select(func.count()).select_from(Partner)) == 15
    assert session.scalars(select(Partner.active).where(Partner.slug == "hull")).one() is False
    assert session.scalars(select(Partner.name).where(Partner.slug == "luton")).one() == "Luton Music Hub"
    assert session.scalar(select(func.count()).select_from(Partner).where(Partner.name == "Luton")) == 0
