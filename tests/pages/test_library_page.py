"""The findings library page, on SQLite and PostgreSQL (AppTest): the view in the URL, facets, search, scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from ctdash.models import FindingKind, FindingStatus, Partner, Theme, Visibility
from tests.factories import make_finding, make_user
from tests.pages.conftest import shown, signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
PAGE = "pages/library.py"
START = dt.datetime(2025, 3, 3, 12, tzinfo=dt.UTC)


@pytest.fixture
def shelf(database):
    """Cornwall's and Hull's findings: three published public, one published for the group, a Hull draft."""
    with database() as session:
        cornwall = session.scalars(select(Partner).where(Partner.slug == "cornwall")).one()
        hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
        themes = {theme.slug: theme for theme in session.scalars(select(Theme))}
        make_user(session, username="kit", partner=cornwall)
        make_user(session, username="lou", partner=hull)

        def finding(partner, title, days, *, theme, kind, status=FindingStatus.PUBLISHED, **fields):
            make_finding(
                session,
                partner,
                title=f"{title} (test data)",
                status=status,
                kind=kind,
                themes=[themes[theme]],
                published_at=START + dt.timedelta(days=days) if status == FindingStatus.PUBLISHED else None,
                visibility=fields.pop("visibility", Visibility.PUBLIC),
                cycle="2024-25",
                **fields,
            )

        finding(
            cornwall,
            "Saturday sessions",
            1,
            theme="socio-economic-disadvantage",
            kind=FindingKind.ENABLER,
            summary="Families came back when sessions moved to Saturdays.",
        )
        finding(
            cornwall,
            "Bus fares",
            2,
            theme="rural-and-geographic-access",
            kind=FindingKind.BARRIER,
            summary="Rural families could not pay the fare.",
        )
        finding(
            hull,
            "Youth panels",
            3,
            theme="youth-voice-and-co-design",
            kind=FindingKind.ENABLER,
            summary="Young people chose the music.",
        )
        finding(
            hull,
            "Group-only notes",
            4,
            theme="youth-voice-and-co-design",
            kind=FindingKind.INSIGHT,
            visibility=Visibility.GROUP,
            summary="Shared within the working group.",
        )
        finding(
            hull,
            "Hull draft",
            5,
            theme="youth-voice-and-co-design",
            kind=FindingKind.INSIGHT,
            status=FindingStatus.DRAFT,
            summary="Families in Hull, not yet shared.",
        )


def _open(open_app, username: str | None = None, **params):
    at = open_app()
    if username:
        signed_in_as(at, username).run()
    for name, value in params.items():
        at.query_params[name] = value
    return at.switch_page(PAGE).run()


def _titles(at) -> list[str]:
    """The titles listed, in order: each row's title is a bold link to its finding."""
    return [
        shown(title)
        for block in at.markdown
        for title in re.findall(r"\*\*\[((?:\\.|[^\]\\])*)\]\(finding\?id=\d+\)\*\*", block.value)
    ]


def _facet(at, name: str):
    return at.multiselect(key=f"library_{name}")


def test_a_visitor_sees_only_public_published_findings_newest_first(app_database, open_app, shelf):
    at = _open(open_app)
    assert not at.exception
    assert _titles(at) == ["Youth panels (test data)", "Bus fares (test data)", "Saturday sessions (test data)"]
    assert "Members of the working group sign in to see more" in at.caption[0].value


def test_a_member_sees_group_findings_and_their_services_drafts_never_anothers(app_database, open_app, shelf):
    lou = _titles(_open(open_app, "lou"))
    assert "Group-only notes (test data)" in lou and "Hull draft (test data)" in lou
    kit = _titles(_open(open_app, "kit"))
    assert "Group-only notes (test data)" in kit and "Hull draft (test data)" not in kit


def test_a_search_from_the_box_goes_into_the_url_and_narrows_the_list(app_database, open_app, shelf):
    at = _open(open_app)
    at.text_input(key="library_q").input("famil").run()
    assert not at.exception
    assert at.query_params["q"] == "famil"
    assert _titles(at) == ["Bus fares (test data)", "Saturday sessions (test data)"]
    assert at.selectbox(key="library_sort").value == "relevance"


def test_a_facet_filters_and_its_counts_show_what_each_value_would_give(app_database, open_app, shelf):
    at = _open(open_app)
    kinds = _facet(at, "kind")
    assert kinds.options == ["Enabler (2)", "Barrier (1)"]
    kinds.select("barrier").run()
    assert at.query_params["kind"] == "barrier"
    assert _titles(at) == ["Bus fares (test data)"]
    themes = _facet(at, "theme")
    assert "Rural and geographic access (1)" in themes.options


def test_a_shared_link_opens_the_same_view_with_its_widgets_set(app_database, open_app, shelf):
    at = _open(open_app, q="families", kind="enabler", sort="title")
    assert _titles(at) == ["Saturday sessions (test data)"]
    assert at.text_input(key="library_q").value == "families"
    assert _facet(at, "kind").value == ["enabler"]
    assert at.selectbox(key="library_sort").value == "title"


def test_going_back_to_an_earlier_url_shows_that_view_again(app_database, open_app, shelf):
    at = _open(open_app)
    _facet(at, "kind").select("barrier").run()
    assert _titles(at) == ["Bus fares (test data)"]
    at.query_params.clear()  # what the browser's back button does to the URL, before Streamlit reruns
    at.run()
    assert len(_titles(at)) == 3
    assert _facet(at, "kind").value == []


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "<script>alert(1)</script>"},
        {"partner": "' OR 1=1 --"},
        {"page": "-3"},
        {"sort": "__import__('os')"},
        {"year": "1850"},
        {"q": "\"*' NEAR( OR :* <->"},
    ],
)
def test_a_hostile_link_shows_a_notice_and_no_trace(app_database, open_app, shelf, params):
    at = _open(open_app, **params)
    assert not at.exception
    assert not at.error
    if "q" not in params:
        assert (
            "left out" in shown(at.info[0].value)
            or "page 1" in shown(at.info[0].value)
            or "best match" in shown(at.info[0].value)
        )


def test_no_results_says_so_and_offers_a_way_out(app_database, open_app, shelf):
    at = _open(open_app, q="violins")
    assert "No findings match" in at.info[0].value
    at.button(key="library_clear").click().run()
    assert not at.query_params
    assert len(_titles(at)) == 3


def test_pages_of_25_with_next_and_previous(app_database, open_app, database):
    with database() as session:
        hull = session.scalars(select(Partner).where(Partner.slug == "hull")).one()
        for number in range(30):
            make_finding(
                session,
                hull,
                title=f"Finding {number:02d} (test data)",
                status=FindingStatus.PUBLISHED,
                visibility=Visibility.PUBLIC,
                published_at=START + dt.timedelta(days=number),
            )
    at = _open(open_app)
    assert len(_titles(at)) == 25
    at.button(key="library_next").click().run()
    assert at.query_params["page"] == "2"
    assert _titles(at) == [f"Finding {number:02d} (test data)" for number in (4, 3, 2, 1, 0)]
    at.button(key="library_previous").click().run()
    assert len(_titles(at)) == 25


def test_a_cached_view_is_never_served_to_another_viewer(app_database, open_app, shelf):
    assert "Hull draft (test data)" in _titles(_open(open_app, "lou", q="families"))
    assert "Hull draft (test data)" not in _titles(_open(open_app, "kit", q="families"))
    assert "Hull draft (test data)" not in _titles(_open(open_app, q="families"))


def test_clicking_a_theme_bar_filters_the_list_and_a_heat_map_cell_adds_the_service(app_database, open_app, shelf):
    at = _open(open_app, view="Charts")
    assert not at.exception
    assert at.get("vega_lite_chart"), "the charts tab draws its charts"
    at.session_state["library_chart_theme"] = {"selection": {"pick_theme": [{"theme": "rural-and-geographic-access"}]}}
    at.run()
    assert at.query_params["theme"] == "rural-and-geographic-access"
    assert _titles(at) == ["Bus fares (test data)"], "the list is shown, filtered"
    _facet(at, "theme").unselect("rural-and-geographic-access").run()
    assert len(_titles(at)) == 3, "removing the filter is not undone by the old click"
    at.query_params["view"] = "Charts"
    at.session_state["library_chart_cell"] = {
        "selection": {"pick_cell": [{"theme": "youth-voice-and-co-design", "partner": "hull"}]}
    }
    at.run()
    assert _titles(at) == ["Youth panels (test data)"]
    assert _facet(at, "partner").value == ["hull"]
