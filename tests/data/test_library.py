"""The findings library service on SQLite and PostgreSQL: search, facets with counts, sorting, pages, scope, links."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import select

from ctdash import db, library, permissions, search
from ctdash.library import Query
from ctdash.models import Finding, FindingKind, FindingStatus, Theme, Visibility
from ctdash.seed import initialise, seed
from ctdash.viewer import ANONYMOUS
from tests.factories import make_finding, make_partner, make_user, viewer_for

PUBLISHED, PUBLIC = FindingStatus.PUBLISHED, Visibility.PUBLIC
DAY = dt.timedelta(days=1)
START = dt.datetime(2025, 1, 6, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _themes(request):
    if "session" in request.fixturenames:
        seed(request.getfixturevalue("session"))


def _browse(session, viewer=ANONYMOUS, **query) -> library.Results:
    # The index is kept per database and findings revision, which moves only at commit: these tests
    # write in a transaction rolled back at the end, so each read starts from a fresh index.
    library._indexes.clear()
    return library.browse(session, viewer=viewer, query=Query(**query))


def _titles(results: library.Results) -> list[str]:
    return [row.title for row in results.rows]


def _theme(session, slug):
    return session.scalars(select(Theme).where(Theme.slug == slug)).one()


def _published(session, partner, title, *, days=0, themes=(), **fields):
    fields.setdefault("visibility", PUBLIC)
    fields.setdefault("summary", "")
    return make_finding(
        session,
        partner,
        title=title,
        status=PUBLISHED,
        published_at=START + days * DAY,
        themes=[_theme(session, slug) for slug in themes],
        **fields,
    )


@pytest.fixture
def shelf(session):
    """Five published public findings with known words, themes, kinds, cycles and dates."""
    north, south = make_partner(session, short_name="North"), make_partner(session, short_name="South")
    _published(
        session,
        north,
        "Families return on Saturdays",
        days=1,
        themes=["socio-economic-disadvantage"],
        kind=FindingKind.ENABLER,
        cycle="2023-24",
        evidence_type="survey",
        summary="Running weekend sessions brought families back.",
    )
    _published(
        session,
        north,
        "Transport costs keep pupils away",
        days=2,
        themes=["socio-economic-disadvantage", "rural-and-geographic-access"],
        kind=FindingKind.BARRIER,
        cycle="2024-25",
        evidence_type="interviews",
        summary="Rural families said the bus fare was the reason.",
        key_quote="The families cannot pay the fare every week.",
    )
    _published(
        session,
        south,
        "Youth voice panels",
        days=3,
        themes=["youth-voice-and-co-design"],
        kind=FindingKind.ENABLER,
        cycle="2024-25",
        evidence_type="focus group",
        summary="Young people chose the repertoire; attendance rose.",
    )
    _published(
        session,
        south,
        "Instrument loans",
        days=4,
        themes=["pricing-remissions-and-instrument-access"],
        kind=FindingKind.INSIGHT,
        cycle="2024-25",
        evidence_type="participation data",
        summary="A family ran out of money for an instrument.",
    )
    _published(
        session,
        south,
        "Saturday family concerts",
        days=5,
        themes=["partnerships-with-schools-and-communities"],
        kind=FindingKind.ENABLER,
        cycle="2025-26",
        evidence_type="observation",
        summary="Concerts for the whole family.",
    )
    return {"north": north, "south": south}


# --- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Stemming: "families", "family" and "famil…" (as typed) are one word; title matches first, then the
        # key quote, then the rest, newest first within each.
        (
            "family",
            [
                "Saturday family concerts",
                "Families return on Saturdays",
                "Transport costs keep pupils away",
                "Instrument loans",
            ],
        ),
        (
            "famil",
            [
                "Saturday family concerts",
                "Families return on Saturdays",
                "Transport costs keep pupils away",
                "Instrument loans",
            ],
        ),
        (
            "families ",
            [
                "Saturday family concerts",
                "Families return on Saturdays",
                "Transport costs keep pupils away",
                "Instrument loans",
            ],
        ),
        ("saturday", ["Saturday family concerts", "Families return on Saturdays"]),
        ("running", ["Families return on Saturdays"]),  # "run" in the summary
        ("the fare", ["Transport costs keep pupils away"]),  # "the" is a common word, left out on both
        ("FARE   Rural", ["Transport costs keep pupils away"]),
        ("bus concerts", []),  # every word must match
        ("repertoire attend", ["Youth voice panels"]),  # the last word as a prefix
        ("rep", ["Youth voice panels"]),  # as typed: the start of "repertoire"
        ("rep ", []),  # ends with a space: a whole word, which "repertoire" is not
    ],
)
def test_search_matches_and_orders_the_same_on_both_databases(session, shelf, text, expected):
    assert _titles(_browse(session, text=text)) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        "*",
        "fare OR bus",
        "NEAR(fare bus)",
        "title:fare",
        "'; DROP TABLE findings; --",
        "fare\\",
        "fare & | ! :* <->",
        "^fare",
        "{title} : fare",
        "\x00fare",
        "‮fare",
        "f" * 500,
    ],
)
def test_hostile_search_text_is_only_words(session, shelf, hostile):
    results = _browse(session, text=hostile)
    assert all(word.isalnum() for word in results.words)
    assert session.scalar(select(Finding.id).limit(1)) is not None, "nothing was dropped"


def test_a_search_of_only_common_words_searches_nothing_and_says_which(session, shelf):
    results = _browse(session, text="the and of")
    assert results.words == ()
    assert results.dropped_words == ("the", "and", "of")
    assert results.total == 5


def test_the_index_follows_changes_to_a_findings_words(session, shelf):
    finding = session.scalars(select(Finding).where(Finding.title == "Instrument loans")).one()
    finding.summary = "Violins lent free of charge."
    session.flush()
    assert _titles(_browse(session, text="violin")) == ["Instrument loans"]
    assert _titles(_browse(session, text="money")) == []
    session.delete(finding)
    session.flush()
    assert _titles(_browse(session, text="violin")) == []


def test_search_terms_are_words_without_common_ones_and_the_last_may_be_a_prefix():
    assert search.terms("The families' Saturday") == search.Terms(("families", "saturday"), True, ("the",))
    assert search.terms("families ") == search.Terms(("families",), False)
    assert search.terms("the") == search.Terms((), False, ("the",))
    assert len(search.terms(" ".join(f"w{n}" for n in range(20))).words) == search.MAX_WORDS


# --- facets, filters, sorting, pages -----------------------------------------------------------


def _counts(results: library.Results, facet: str) -> dict[str, int]:
    found = next(item for item in results.facets if item.key == facet)
    return {value.label: value.count for value in found.values}


def test_facet_counts_match_a_hand_count(session, shelf):
    results = _browse(session)
    assert _counts(results, "kind") == {"Enabler": 3, "Barrier": 1, "Insight": 1}
    assert _counts(results, "partner") == {"South": 3, "North": 2}
    assert _counts(results, "cycle") == {"2025-26": 1, "2024-25": 3, "2023-24": 1}
    assert _counts(results, "theme")["Socio-economic disadvantage"] == 2
    assert sum(_counts(results, "theme").values()) == 6  # a finding counts under each of its themes
    assert _counts(results, "year") == {"2025": 5}
    assert _counts(results, "evidence")["Focus group"] == 1


def test_each_facets_counts_reflect_the_other_filters_but_not_its_own(session, shelf):
    results = _browse(session, kinds=("enabler",), partners=(shelf["south"].slug,))
    assert results.total == 2
    assert _counts(results, "kind") == {"Enabler": 2, "Insight": 1}  # South's findings of every kind
    assert _counts(results, "partner") == {"South": 2, "North": 1}  # enablers of every service
    chosen = next(item for item in results.facets if item.key == "kind").values
    assert [value.label for value in chosen if value.selected] == ["Enabler"]


def test_values_within_a_facet_widen_and_facets_narrow(session, shelf):
    assert _browse(session, cycles=("2023-24", "2025-26")).total == 2
    assert _browse(session, cycles=("2024-25",), kinds=("barrier", "insight")).total == 2
    assert _browse(session, themes=("socio-economic-disadvantage", "youth-voice-and-co-design")).total == 3
    assert _browse(session, text="famil", themes=("socio-economic-disadvantage",), kinds=("barrier",)).total == 1


def test_a_chosen_value_with_no_findings_left_is_still_shown_to_be_unchosen(session, shelf):
    results = _browse(session, kinds=("barrier",), cycles=("2025-26",))
    assert results.total == 0
    cycle = next(item for item in results.facets if item.key == "cycle")
    assert ("2025-26", 0, True) in [(value.value, value.count, value.selected) for value in cycle.values]


def test_sorting_by_newest_title_and_service(session, shelf):
    assert _titles(_browse(session))[0] == "Saturday family concerts"  # no search: newest first
    assert _titles(_browse(session, sort="title")) == sorted(_titles(_browse(session)), key=str.lower)
    assert [row.partner_name for row in _browse(session, sort="partner").rows] == ["North"] * 2 + ["South"] * 3


def test_a_listed_row_says_what_its_finding_says(session):
    """The list takes a row's text from the findings table and the rest from the index: the two agree."""
    partner = make_partner(session, short_name="Quay")
    long_summary = "Pupils said the late bus was the reason. " * 20
    finding = _published(
        session,
        partner,
        "Late buses (test data)",
        themes=["youth-voice-and-co-design", "rural-and-geographic-access"],
        kind=FindingKind.BARRIER,
        cycle="2024-25",
        evidence_type="interviews",
        summary=long_summary,
        is_example=True,
    )
    draft = make_finding(session, partner, title="Unfinished (test data)", kind=None, summary="")
    admin = viewer_for(make_user(session, role="admin"))
    rows = {row.id: row for row in _browse(session, admin).rows}

    row = rows[finding.id]
    names = [theme.name for theme in sorted(finding.themes, key=lambda theme: (theme.position, theme.name))]
    assert (row.title, row.kind, row.status, row.visibility) == (finding.title, "barrier", "published", "public")
    assert (row.partner_slug, row.partner_name, row.cycle, row.evidence_type) == (
        partner.slug,
        "Quay",
        "2024-25",
        "interviews",
    )
    assert row.themes == tuple(names) and len(names) == 2
    assert row.dated == START and row.dated.tzinfo is not None
    assert row.is_example is True and row.excerpt.endswith("…") and long_summary.startswith(row.excerpt[:-1])
    assert row.reference == library.reference(finding.id)
    unfinished = rows[draft.id]
    assert (unfinished.kind, unfinished.status, unfinished.visibility, unfinished.themes) == (
        None,
        "draft",
        "working_group",
        (),
    )
    assert unfinished.is_example is False and unfinished.dated == draft.updated_at


def test_pages_of_25_and_a_page_past_the_end_shows_the_last(session):
    partner = make_partner(session)
    for number in range(60):
        _published(session, partner, f"Finding {number:02d}", days=number)
    first = _browse(session, sort="title")
    assert (first.total, first.pages, len(first.rows)) == (60, 3, 25)
    last = _browse(session, sort="title", page=9)
    assert last.query.page == 3
    assert _titles(last) == [f"Finding {number:02d}" for number in range(50, 60)]
    assert last.notices


def test_chart_counts_cover_the_whole_view(session, shelf):
    _browse(session)  # a fresh index
    results = library.chart_counts(session, viewer=ANONYMOUS, query=Query(cycles=("2024-25",)))
    assert ("socio-economic-disadvantage", "Socio-economic disadvantage", "barrier", 1) in results.kind_by_theme
    assert sorted(results.kind_by_cycle) == [
        ("2024-25", "barrier", 1),
        ("2024-25", "enabler", 1),
        ("2024-25", "insight", 1),
    ]
    assert sum(count for *_, count in results.theme_by_partner) == 4


# --- scope ----------------------------------------------------------------------------------------


def test_each_viewer_gets_exactly_the_findings_the_permission_rules_allow(session):
    generator = random.Random(7)
    partners = [make_partner(session) for _ in range(3)]
    people = [make_user(session, partner=partners[0]), make_user(session, partner=partners[1])]
    people += [make_user(session, role="facilitator"), make_user(session, role="admin")]
    for number in range(120):
        status = generator.choice(list(FindingStatus))
        make_finding(
            session,
            generator.choice(partners),
            title=f"Scoped finding {number}",
            status=status,
            kind=generator.choice(list(FindingKind)),
            visibility=generator.choice(list(Visibility)),
            author_id=generator.choice([person.id for person in people] + [None]),
            published_at=START + number * DAY if status == PUBLISHED else None,
        )
    for viewer in [ANONYMOUS, *(viewer_for(person) for person in people)]:
        allowed = set(session.scalars(select(Finding.id).where(permissions.visible_findings(viewer))))
        library._indexes.clear()
        shown = set(library.matching_ids(session, viewer=viewer, query=Query()))
        assert shown == allowed, viewer
        assert _browse(session, viewer).total == len(allowed)


def test_a_member_never_gets_another_services_drafts_and_a_visitor_never_group_only_ones(session, shelf):
    member = viewer_for(make_user(session, partner=shelf["north"]))
    make_finding(session, shelf["south"], title="South's draft about families", summary="families")
    make_finding(session, shelf["north"], title="North's draft about families", summary="families")
    _published(session, shelf["south"], "Group-only families finding", days=9, visibility=Visibility.GROUP)
    assert "South's draft about families" not in _titles(_browse(session, member, text="families"))
    assert "North's draft about families" in _titles(_browse(session, member, text="families"))
    assert "Group-only families finding" in _titles(_browse(session, member, text="families"))
    visitor = _titles(_browse(session, text="families"))
    assert "Group-only families finding" not in visitor
    assert not any("draft" in title for title in visitor)
    kinds = _counts(_browse(session), "kind")
    assert sum(kinds.values()) == 5, "a visitor's counts hold only what a visitor may see"


# --- links -----------------------------------------------------------------------------------------


def _read(session, **params):
    library._indexes.clear()
    pairs = tuple((name, tuple(values) if isinstance(values, list) else (values,)) for name, values in params.items())
    return library.read_query(session, viewer=ANONYMOUS, params=pairs)


def test_a_views_parameters_round_trip(session, shelf):
    query = Query(
        text="families",
        themes=("socio-economic-disadvantage",),
        kinds=("enabler", "barrier"),
        partners=(shelf["north"].slug,),
        cycles=("2024-25",),
        evidence=("survey",),
        years=(2025,),
        sort="title",
        page=2,
    )
    assert _read(session, **query.params()) == (query, ())
    assert Query().params() == {}


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "no-such-theme"},
        {"kind": "<script>"},
        {"partner": "' OR 1=1 --"},
        {"cycle": "1999-00"},
        {"evidence": "hearsay"},
        {"year": "twenty"},
        {"year": "99999999999999999999"},
        {"sort": "id; DROP TABLE findings"},
        {"page": "-1"},
        {"page": "1e9"},
        {"page": "99999999999"},
        {"colour": "red"},
    ],
)
def test_a_forged_or_unknown_parameter_is_left_out_with_a_notice(session, shelf, params):
    query, notices = _read(session, **params)
    assert len(notices) == 1
    assert query == Query()
    _browse(session, **{key: value for key, value in query.__dict__.items()})


def test_a_very_long_search_is_cut_with_a_notice(session, shelf):
    query, notices = _read(session, q="fare " * 100)
    assert len(query.text) == search.MAX_TEXT
    assert notices == (f"The search was cut to its first {search.MAX_TEXT} characters.",)


# --- the index across processes ---------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_committed_change_is_seen_on_the_next_read(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    try:
        with db.session_scope(engine) as session:
            partner = make_partner(session)
            _published(session, partner, "Before the change")
        with db.session_scope(engine, read_only=True) as session:
            assert _titles(library.browse(session, viewer=ANONYMOUS, query=Query())) == ["Before the change"]
        with db.session_scope(engine) as session:
            session.scalars(select(Finding)).one().title = "After the change"
        with db.session_scope(engine, read_only=True) as session:
            results = library.browse(session, viewer=ANONYMOUS, query=Query(text="after"))
        assert _titles(results) == ["After the change"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_after_each_committed_change_the_refreshed_index_equals_one_built_afresh(database_url, monkeypatch):
    engine = db.make_engine(database_url)
    initialise(engine)
    read_whole = []
    load = library._load
    monkeypatch.setattr(
        library, "_load", lambda session, ids=None: read_whole.append(ids is None) or load(session, ids)
    )
    try:
        with db.session_scope(engine) as session:
            seed(session)
            partners = [make_partner(session) for _ in range(2)]
            author = make_user(session, partner=partners[0])
            for number in range(40):
                _published(
                    session,
                    partners[number % 2],
                    f"Finding {number} about families",
                    days=number,
                    themes=["socio-economic-disadvantage"],
                    author_id=author.id,
                )
        viewers = [ANONYMOUS, viewer_for(author)]

        def views():
            with db.session_scope(engine, read_only=True) as session:
                found = [
                    (
                        library.browse(session, viewer=viewer, query=Query(text=text, sort=sort)),
                        library.chart_counts(session, viewer=viewer, query=Query(text=text, sort=sort)),
                    )
                    for viewer in viewers
                    for text in ("", "famil")
                    for sort in ("relevance", "title", "partner")
                ]
            return [(results.total, results.rows, results.facets, counts) for results, counts in found]

        views()

        def finding(session, number):
            return session.scalars(select(Finding).where(Finding.title == f"Finding {number} about families")).one()

        def add_theme(session):
            found = finding(session, 5)  # kept in a name: the session holds its rows weakly
            found.themes.append(_theme(session, "rural-and-geographic-access"))  # the row itself is not changed

        changes = [
            lambda session: setattr(finding(session, 3), "visibility", Visibility.GROUP),
            lambda session: setattr(finding(session, 4), "title", "Zebra crossings"),
            add_theme,
            lambda session: session.delete(finding(session, 6)),
            lambda session: _published(session, partners[1], "A new finding about families", days=99),
            lambda session: setattr(finding(session, 7), "status", FindingStatus.SUBMITTED),
        ]
        for change in changes:
            with db.session_scope(engine) as session:
                change(session)
            read_whole.clear()
            refreshed = views()
            assert read_whole in ([], [False]), "only the findings that changed are read again"
            library._indexes.clear()
            assert refreshed == views()
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_readers_in_parallel_threads_beside_a_writer_get_no_error_and_end_on_the_latest_view(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    try:
        with db.session_scope(engine) as session:
            seed(session)
            partner = make_partner(session)
            for number in range(30):
                _published(session, partner, f"Parallel finding {number}", days=number)
        library._indexes.clear()
        stop = threading.Event()
        errors: list[BaseException] = []

        def read():
            while not stop.is_set():
                try:
                    with db.session_scope(engine, read_only=True) as session:
                        library.browse(session, viewer=ANONYMOUS, query=Query(sort="title"))
                except BaseException as error:  # noqa: BLE001 (reported by the test)
                    errors.append(error)
                    return

        readers = [threading.Thread(target=read) for _ in range(6)]
        for reader in readers:
            reader.start()
        for number in range(10):  # each commit moves the revision: readers refresh the index meanwhile
            with db.session_scope(engine) as session:
                _published(session, partner, f"Added while reading {number}", days=100 + number)
        stop.set()
        for reader in readers:
            reader.join()
        assert errors == []
        with db.session_scope(engine, read_only=True) as session:
            assert library.browse(session, viewer=ANONYMOUS, query=Query()).total == 40
    finally:
        engine.dispose()
