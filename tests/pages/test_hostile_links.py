"""Hostile links: forged, malformed and repeated query parameters on every page that reads one, in AppTest
on SQLite and PostgreSQL. Each gets a calm message (never the page's "something failed"), shows nothing
the viewer may not see, and changes nothing in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ctdash import audit
from ctdash.models import AuditEvent, Finding, FindingStatus, Meeting, Partner, Visibility, WallJoin, WallPost
from ctdash.ui.errors import UNEXPECTED
from tests.factories import make_agenda_item, make_finding, make_meeting, make_project, make_user
from tests.pages.conftest import signed_in_as

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

SECRETS = (
    "Draft of another service (test data)",
    "Group-only insight (test data)",
    "Upcoming spring session (test data)",
    "Closed wall session (test data)",
    "Agenda line nobody outside may read",
    "CLOSED1",
)
# Ids no row has, in every shape a hand-edited or forged link takes.
MALFORMED = {
    "negative": "-1",
    "zero": "0",
    "huge": "9" * 30,
    "int64-edge": str(2**63),
    "words": "abc",
    "float": "1.5",
    "exponent": "1e3",
    "superscript-digit": "\u00b2",
    "arabic-indic-digit": "\u0663",
    "sql": "1 OR 1=1; DROP TABLE findings --",
    "nul": "1\x00",
    "empty": "",
    "rtl-override": "\u202e1",
}


def _texts(node, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every element's protobuf as text, the whole tree: what the browser would be sent."""
    if getattr(node, "type", None) in skip:
        return []
    found = [str(node.proto)] if getattr(node, "proto", None) is not None else []
    for child in getattr(node, "children", {}).values():
        found.extend(_texts(child, skip))
    return found


def _page_text(at, skip: frozenset[str] = frozenset()) -> str:
    return "\n".join(_texts(at._tree, skip))


def _state(database) -> tuple:
    """What a visit must never change: row counts that a page could write, and every stored version."""
    with database() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(WallPost)),
            session.scalar(select(func.count()).select_from(WallJoin)),
            tuple(session.execute(select(Finding.id, Finding.version, Finding.status).order_by(Finding.id))),
            tuple(session.execute(select(Meeting.id, Meeting.version, Meeting.wall_open).order_by(Meeting.id))),
        )


@pytest.fixture
def hidden(database):
    """fay (facilitator), kit (Cornwall member); a draft of Cambridgeshire's, a group-only finding, an upcoming
    session with a private agenda line, a past session whose wall is closed, and a Cambridgeshire project."""
    with database() as session:
        partners = {p.slug: p for p in session.scalars(select(Partner))}
        cornwall, other = partners["cornwall"], partners["cambridgeshire"]
        make_user(session, role="facilitator", username="fay")
        make_user(session, username="kit", partner=cornwall)
        draft = make_finding(session, other, title=SECRETS[0], status=FindingStatus.DRAFT)
        group = make_finding(
            session, cornwall, title=SECRETS[1], status=FindingStatus.PUBLISHED, visibility=Visibility.GROUP
        )
        upcoming = make_meeting(session, title=SECRETS[2], held_on=audit.today() + dt.timedelta(7))
        make_agenda_item(session, upcoming, "text", title=SECRETS[4], body=SECRETS[4])
        closed = make_meeting(
            session,
            title=SECRETS[3],
            held_on=audit.today() - dt.timedelta(3),
            join_code="CLOSED1",
            wall_open=False,
        )
        project = make_project(session, other, title="Cambridgeshire project (test data)")
        return {
            "draft": draft.id,
            "group": group.id,
            "upcoming": upcoming.id,
            "closed": closed.id,
            "project": project.id,
            "partner": other.id,
        }


def _visit(open_app, page: str, who: str | None, /, **query):
    at = open_app()
    if who:
        signed_in_as(at, who).run()
    for name, value in query.items():
        at.query_params[name] = value
    return at.switch_page(page).run()


def _assert_calm(at, *, hide: tuple[str, ...] = SECRETS) -> str:
    assert not at.exception, at.exception
    text = _page_text(at)
    assert UNEXPECTED not in text
    for secret in hide:
        assert secret not in text, secret
    return text


# --- objects the viewer may not see ---------------------------------------------------------------


FORBIDDEN = [
    # (who, page, parameter, the object named, what the page says instead)
    ("kit", "pages/finding.py", "id", "draft", "not shared"),
    (None, "pages/finding.py", "id", "group", "not shared"),
    (None, "pages/finding.py", "id", "draft", "not shared"),
    ("kit", "pages/session.py", "id", "upcoming", "not shared with you"),
    (None, "pages/session.py", "id", "closed", "Sign in"),
    ("kit", "pages/present.py", "session", "closed", ""),
    (None, "pages/present.py", "session", "upcoming", "Sign in"),
    (None, "pages/wall.py", "s", "CLOSED1", "wall"),
    ("kit", "pages/wall.py", "s", "closed1", "wall"),
    (None, "pages/project.py", "id", "project", "Sign in"),
    (None, "pages/share.py", "id", "draft", "Sign in"),
    ("kit", "pages/share.py", "id", "draft", ""),
]


@pytest.mark.parametrize(("who", "page", "name", "target", "says"), FORBIDDEN)
def test_hostile_link_to_a_hidden_object_shows_a_calm_message_and_nothing_private(
    app_database, open_app, database, hidden, who, page, name, target, says
):
    before = _state(database)
    value = str(hidden[target]) if target in hidden else target
    at = _visit(open_app, page, who, **{name: value})
    text = _assert_calm(at)
    assert says in text
    assert _state(database) == before


# --- malformed ids on every page that takes one ---------------------------------------------------


ID_PAGES = [
    ("fay", "pages/finding.py", "id"),
    ("fay", "pages/session.py", "id"),
    ("fay", "pages/project.py", "id"),
    (None, "pages/partner.py", "id"),
    ("fay", "pages/present.py", "session"),
    ("kit", "pages/share.py", "id"),
]


@pytest.mark.parametrize(("who", "page", "name"), ID_PAGES, ids=[page for _, page, _ in ID_PAGES])
@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_hostile_malformed_id_gets_a_calm_message(app_database, open_app, database, hidden, who, page, name, value):
    before = _state(database)
    at = _visit(open_app, page, who, **{name: value})
    _assert_calm(at)
    assert at.info or at.error or at.warning or at.selectbox, "the page should say what to do next"
    assert _state(database) == before


@pytest.mark.parametrize("value", ["0", "-3", "999999", "9" * 40, "two", "\u00b2", "\u0663", ""])
def test_hostile_slide_number_is_brought_into_range(app_database, open_app, database, hidden, value):
    before = _state(database)
    at = _visit(open_app, "pages/present.py", "fay", session=str(hidden["upcoming"]), slide=value)
    _assert_calm(at, hide=SECRETS[3:4])
    assert at.query_params["slide"] in (["1"], "1") or at.query_params["slide"][0].isascii()
    assert _state(database) == before


@pytest.mark.parametrize(
    "code", ["../../etc/passwd", "' OR 1=1 --", "<script>alert(1)</script>", "C" * 500, "CLOSED1\x00", "\u202eCLOSED1"]
)
def test_hostile_wall_code_finds_no_wall_and_counts_no_device(app_database, open_app, database, hidden, code):
    before = _state(database)
    at = _visit(open_app, "pages/wall.py", None, s=code)
    _assert_calm(at)
    assert "wall" in at.info[0].value
    assert _state(database) == before


def test_hostile_repeated_id_reads_one_finding_the_viewer_may_see(app_database, open_app, database, hidden):
    """``?id=<group-only>&id=<draft>``: Streamlit takes the last value; a visitor sees neither."""
    before = _state(database)
    at = _visit(open_app, "pages/finding.py", None, id=[str(hidden["group"]), str(hidden["draft"])])
    _assert_calm(at)
    assert _state(database) == before


LIBRARY_LINKS = {
    "search-for-a-draft": {"q": SECRETS[0]},
    "search-for-a-group-finding": {"q": SECRETS[1]},
    "facet-of-a-drafts-service": {"partner": "cambridgeshire", "kind": "insight"},
    "unknown-facet-values": {"theme": "<script>alert(1)</script>", "kind": "secret", "sort": "'; DROP TABLE x"},
    "huge-page": {"page": "9" * 40, "view": "Charts"},
    "repeated-and-unknown": {"kind": ["insight", "insight", "nonsense"], "debug": "1", "id": "-1"},
}


@pytest.mark.parametrize("query", LIBRARY_LINKS.values(), ids=LIBRARY_LINKS.keys())
def test_hostile_library_link_shows_only_published_public_findings(app_database, open_app, database, hidden, query):
    before = _state(database)
    at = _visit(open_app, "pages/library.py", None, **query)
    _assert_calm(at, hide=tuple(secret for secret in SECRETS if secret not in query.values()))
    shown_apart_from_the_search_box = _page_text(at, skip=frozenset({"text_input"}))
    assert not [secret for secret in SECRETS if secret in shown_apart_from_the_search_box]
    assert _state(database) == before


@pytest.mark.parametrize(
    ("who", "cycle"), [(None, "2026-27"), ("kit", "2026-27"), ("fay", "<script>"), ("fay", "9" * 40)]
)
def test_hostile_report_link_is_for_staff_and_ignores_a_forged_cycle(
    app_database, open_app, database, hidden, who, cycle
):
    before = _state(database)
    at = _visit(open_app, "pages/report.py", who, cycle=cycle)
    text = _assert_calm(at)
    assert cycle not in text
    if who != "fay":
        assert not at.get("download_button"), "no report for anyone but facilitators and administrators"
    assert _state(database) == before
