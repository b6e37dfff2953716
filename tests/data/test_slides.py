"""A session's agenda as slides (ctdash.slides.build), on SQLite and PostgreSQL: every kind of item,
what may be presented (published only; public only in a public session) and what never is."""

from __future__ import annotations

import datetime as dt

import pytest

from ctdash import slides
from ctdash.errors import NotFound, PermissionDenied
from ctdash.models import (
    AgendaKind,
    FindingKind,
    FindingStatus,
    PartnerRole,
    PartnerRoleKind,
    ProjectStage,
    Theme,
    Visibility,
)
from ctdash.viewer import ANONYMOUS
from tests.factories import (
    make_agenda_item,
    make_finding,
    make_meeting,
    make_partner,
    make_project,
    make_user,
    viewer_for,
)

PUBLISHED = FindingStatus.PUBLISHED


def _theme(session, name: str) -> Theme:
    theme = Theme(slug=name.lower().replace(" ", "-"), name=name, position=1)
    session.add(theme)
    session.flush()
    return theme


@pytest.fixture
def room(session):
    """A facilitator, a partner with a contact and roles, and a published public finding with a quote."""
    facilitator = viewer_for(make_user(session, role="facilitator", display_name="Fran Facilitator"))
    author = make_user(session, display_name="Ada Author", email="ada.author@example.org")
    partner = make_partner(
        session,
        name="Example Music Hub (test data)",
        short_name="Example Hub",
        region="South West",
        local_authority="Exampleshire",
        lead_organisation="Example Council",
        profile_text="We teach **brass** in [every school](https://example.org/schools).",
        contact_name="Connie Contact",
        contact_email="connie@example.org",
    )
    session.add_all(
        [
            PartnerRole(partner_id=partner.id, role=PartnerRoleKind.ACTION_RESEARCH, cycle="2024-25"),
            PartnerRole(partner_id=partner.id, role=PartnerRoleKind.WORKING_GROUP, since_year=2021),
        ]
    )
    send = _theme(session, "SEND test theme")
    public = make_finding(
        session,
        partner,
        title="Loan instruments keep children playing (test data)",
        summary="Families said **free loans** mattered.\n\n- first\n- second <script>alert(1)</script>",
        kind=FindingKind.ENABLER,
        status=PUBLISHED,
        visibility=Visibility.PUBLIC,
        cycle="2024-25",
        key_quote="We kept the cornet  all year.",
        evidence_type="interviews",
        author_id=author.id,
        links="https://example.org/private-report",
        themes=[send],
    )
    return {"viewer": facilitator, "partner": partner, "public": public, "theme": send, "author": author}


def _deck(session, meeting, viewer, **options) -> slides.Deck:
    return slides.build(session, meeting.id, viewer=viewer, **options)


def _all_text(deck: slides.Deck) -> str:
    parts = [deck.title, deck.place, deck.description]
    for slide in deck.slides:
        parts += [slide.title, slide.subtitle, slide.body, slide.quote, slide.note, slide.chart_text, slide.unavailable]
        parts += [f"{label} {value}" for label, value in slide.facts]
        parts += [" ".join(row) for row in slide.table]
        parts.append(repr(slide.chart))
    return "\n".join(parts)


def test_items_become_slides_in_agenda_order(session, room):
    meeting = make_meeting(session, title="Autumn working group (test data)")
    make_agenda_item(session, meeting, "text", title="Third", position=30)
    make_agenda_item(session, meeting, "welcome", position=10)
    make_agenda_item(session, meeting, "text", title="Second", body="Words", position=20)
    deck = _deck(session, meeting, room["viewer"])
    assert [slide.title for slide in deck.slides] == ["Autumn working group (test data)", "Second", "Third"]
    assert deck.meeting_id == meeting.id and deck.join_code == meeting.join_code


def test_a_published_finding_is_shown_with_service_cycle_kind_quote_and_themes(session, room):
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "finding", finding_id=room["public"].id, body="Ask Sam to tell the story.")
    (slide,) = _deck(session, meeting, room["viewer"]).slides
    assert slide.unavailable == ""
    assert slide.title == "Loan instruments keep children playing (test data)"
    assert slide.subtitle == "Example Hub · 2024-25 · Enabler"
    assert slide.body == "Families said free loans mattered.\n\n• first\n• second"
    assert slide.quote == "We kept the cornet all year."
    assert ("Themes", "SEND test theme") in slide.facts
    assert slide.note == "Ask Sam to tell the story."


@pytest.mark.parametrize("status", [FindingStatus.DRAFT, FindingStatus.SUBMITTED, FindingStatus.RETURNED])
def test_a_finding_that_is_not_published_is_never_presented(session, room, status):
    finding = make_finding(
        session, room["partner"], title="Unfinished (test data)", summary="Secret words", status=status
    )
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "finding", finding_id=finding.id)
    (slide,) = _deck(session, meeting, room["viewer"]).slides
    assert slide.unavailable == slides.FINDING_UNPUBLISHED
    assert "Unfinished" not in _all_text(_deck(session, meeting, room["viewer"]))
    assert "Secret words" not in _all_text(_deck(session, meeting, room["viewer"]))


def test_a_group_only_finding_never_appears_when_the_session_is_public(session, room):
    group = make_finding(
        session, room["partner"], title="Group-only finding (test data)", status=PUBLISHED, summary="Inside words"
    )
    meeting = make_meeting(session, public_only=True)
    make_agenda_item(session, meeting, "finding", finding_id=group.id)
    make_agenda_item(session, meeting, "finding", finding_id=room["public"].id)
    deck = _deck(session, meeting, room["viewer"])
    assert deck.public_only is True
    assert deck.slides[0].unavailable == slides.FINDING_GROUP_ONLY
    assert "Group-only finding" not in _all_text(deck) and "Inside words" not in _all_text(deck)
    assert deck.slides[1].unavailable == ""
    # The presenter's switch overrides the session's setting both ways.
    switched = _deck(session, meeting, room["viewer"], public_only=False)
    assert switched.slides[0].title == "Group-only finding (test data)"
    private = make_meeting(session)
    make_agenda_item(session, private, "finding", finding_id=group.id)
    assert _deck(session, private, room["viewer"], public_only=True).slides[0].unavailable == slides.FINDING_GROUP_ONLY


def test_a_deleted_finding_becomes_a_calm_unavailable_slide(session, room):
    finding = make_finding(session, room["partner"], status=PUBLISHED)
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "finding", finding_id=finding.id)
    session.delete(finding)
    session.flush()
    session.expire_all()
    (slide,) = _deck(session, meeting, room["viewer"]).slides
    assert slide.unavailable == slides.FINDING_GONE


def test_a_partner_slide_has_profile_region_and_roles_but_never_contact_details(session, room):
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "partner", partner_id=room["partner"].id)
    deck = _deck(session, meeting, room["viewer"])
    (slide,) = deck.slides
    assert slide.title == "Example Music Hub (test data)"
    assert slide.body == "We teach brass in every school."
    facts = dict(slide.facts)
    assert facts["Region"] == "South West"
    assert facts["Roles"] == "Action research partner (2024-25); Working-group member since 2021"
    assert facts["Published findings"] == "1"
    text = _all_text(deck)
    assert "Connie" not in text and "connie@example.org" not in text and "https://example.org/schools" not in text


def test_no_slide_ever_holds_contact_details_author_or_links(session, room):
    meeting = make_meeting(session, description="Bring **ideas**.")
    for kind in AgendaKind:
        fields = {"finding_id": room["public"].id} if kind == AgendaKind.FINDING else {}
        fields |= {"partner_id": room["partner"].id} if kind == AgendaKind.PARTNER else {}
        fields |= {"chart": "theme_by_partner"} if kind == AgendaKind.CHART else {}
        make_agenda_item(session, meeting, kind, body="A note", **fields)
    deck = _deck(session, meeting, room["viewer"])
    assert [slide.unavailable for slide in deck.slides] == [""] * len(AgendaKind)
    text = _all_text(deck)
    for secret in ("Connie", "connie@example.org", "Ada Author", "ada.author@example.org", "private-report", "@"):
        assert secret not in text


def test_the_map_slide_lists_services_with_region_and_roles(session, room):
    make_partner(session, name="Archived service (test data)", active=False)
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "map")
    (slide,) = _deck(session, meeting, room["viewer"]).slides
    assert slide.table[0] == ("Partner service", "Region", "Roles")
    roles = "Action research · Working group"
    assert ("Example Music Hub (test data)", "South West", roles) in slide.table
    assert all("Archived" not in row[0] for row in slide.table)
    facts = dict(slide.facts)
    assert facts["Partner services"] == str(len(slide.table) - 1)
    assert int(facts["Action research partners"]) >= 1


def test_the_status_slide_counts_projects_by_stage_without_titles(session, room):
    make_project(session, room["partner"], title="Secret project title", stage=ProjectStage.ANALYSIS)
    make_project(session, room["partner"], stage=ProjectStage.ANALYSIS, cycle="2023-24")
    make_project(session, room["partner"], stage=ProjectStage.PLANNING)
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "status")
    deck = _deck(session, meeting, room["viewer"])
    (slide,) = deck.slides
    assert ("Analysis", "2") in slide.table and ("Planning", "1") in slide.table
    assert dict(slide.facts) == {"Research projects": "3", "Cycles": "2023-24 to 2025-26"}
    assert slide.chart is not None and slide.chart_text.startswith("Research projects: 1 Planning, 2 Analysis")
    assert "Secret project title" not in _all_text(deck)


def test_a_chart_counts_only_published_findings_and_only_public_ones_in_public(session, room):
    make_finding(session, room["partner"], kind=FindingKind.BARRIER, themes=[room["theme"]])  # a draft
    make_finding(
        session, room["partner"], kind=FindingKind.BARRIER, status=PUBLISHED, themes=[room["theme"]], cycle="2024-25"
    )  # published, for the working group only
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "chart", chart="kind_by_theme")
    make_agenda_item(session, meeting, "chart", chart="kind_by_cycle", title="By year")
    group = _deck(session, meeting, room["viewer"], public_only=False)
    assert group.slides[0].title == "Enablers and barriers by theme"
    assert group.slides[0].chart_text == "Most findings are about SEND test theme (2: 1 enabler, 1 barrier)."
    assert group.slides[1].title == "By year" and group.slides[1].chart_text.startswith("2 findings in 2024-25")
    public = _deck(session, meeting, room["viewer"], public_only=True)
    assert public.slides[0].chart_text == "Most findings are about SEND test theme (1: 1 enabler)."
    counts = [row["count"] for row in public.slides[0].chart["datasets"]["kind_by_theme"]]
    assert counts == [1]


def test_a_chart_the_library_does_not_draw_is_unavailable(session, room):
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "chart", chart="pie_of_everything")
    (slide,) = _deck(session, meeting, room["viewer"]).slides
    assert slide.unavailable == slides.CHART_UNKNOWN and slide.chart is None


def test_welcome_text_and_wall_slides(session, room):
    meeting = make_meeting(session, title="Open day (test data)", place="Hall A", held_on=dt.date(2026, 12, 3))
    make_agenda_item(session, meeting, "welcome")
    make_agenda_item(session, meeting, "text", title="Break", body="Coffee *is* in the foyer.")
    make_agenda_item(session, meeting, "wall")
    welcome, text, wall = _deck(session, meeting, room["viewer"]).slides
    assert (welcome.title, welcome.subtitle) == ("Open day (test data)", "Thursday 3 December 2026 · Hall A")
    assert (text.title, text.body, text.note) == ("Break", "Coffee is in the foyer.", "")
    assert wall.title == slides.KIND_TITLES[AgendaKind.WALL] and wall.body == slides.WALL_INVITATION


def test_the_packs_deck_carries_the_walls_shown_posts_and_the_presenters_does_not(session, room):
    from ctdash import wall

    meeting = make_meeting(session, join_code="PACK1", anonymous_posts=True)
    make_agenda_item(session, meeting, "text", title="Break")
    make_agenda_item(session, meeting, "wall")
    member = viewer_for(make_user(session, role="member", partner=room["partner"]))
    for number, (viewer, words) in enumerate(
        [(member, "Evening buses stop before band ends."), (ANONYMOUS, "Waiting for the facilitator.")]
    ):
        wall.post(
            session, "PACK1", viewer=viewer, device=f"phone-{number:04d}", post_token=f"{number:032x}",
            kind="barrier", body=words,
        )  # fmt: skip
    assert _deck(session, meeting, room["viewer"]).slides[1].wall == ()
    text, on_wall = slides.for_pack(session, meeting.id, viewer=room["viewer"]).slides
    assert text.wall == ()
    assert on_wall.wall == (slides.WallTheme("No theme given", 0, 1, ("Evening buses stop before band ends.",)),)
    meeting.wall_open = False
    session.flush()
    assert slides.for_pack(session, meeting.id, viewer=member).slides[1].wall == ()  # a closed wall: staff only
    assert slides.for_pack(session, meeting.id, viewer=room["viewer"]).slides[1].wall == on_wall.wall


def test_a_broken_item_becomes_unavailable_and_the_rest_of_the_deck_builds(session, room, monkeypatch):
    def broken(context, item):
        context.session.execute(slides.select(slides.Finding.id).where(slides.func.no_such_function(1) == 1))

    monkeypatch.setitem(slides._BUILDERS, AgendaKind.MAP, broken)
    meeting = make_meeting(session)
    make_agenda_item(session, meeting, "text", title="Before")
    make_agenda_item(session, meeting, "map", title="The map")
    make_agenda_item(session, meeting, "finding", finding_id=room["public"].id)
    before, broken_slide, after = _deck(session, meeting, room["viewer"]).slides
    assert broken_slide.title == "The map" and broken_slide.unavailable == slides.FAILED
    assert before.unavailable == "" and after.unavailable == "" and after.title.startswith("Loan instruments")


def test_visitors_get_no_deck_and_a_missing_session_is_not_found(session, room):
    meeting = make_meeting(session)
    with pytest.raises(PermissionDenied):
        _deck(session, meeting, ANONYMOUS)
    with pytest.raises(NotFound):
        slides.build(session, 999_999, viewer=room["viewer"])


def test_plain_text_keeps_words_and_drops_markup_links_and_html():
    text = slides.plain_text(
        "# Heading\n\nSome **bold** [words](https://example.org) <b>and</b> <script>x()</script>"
        "![a picture](https://example.org/p.png)\n\n1. one\n2. two\n\n> quoted"
    )
    assert text == "Heading\n\nSome bold words and a picture\n\n1. one\n2. two\n\nquoted"
    assert slides.plain_text(None) == "" and slides.plain_text("   ") == ""
