"""Every page × every role: allowed or refused, checked by the page itself when reached by URL.

A page added to pages/ without a rule in ctdash.permissions, or without a row here, fails this test.
"""

import secrets
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import db, permissions
from ctdash.seed import initialise
from tests.factories import make_user
from tests.pages.conftest import APP, signed_in_as

PAGES_DIR = Path(APP).parent / "pages"
ROLES = ["anonymous", "member", "facilitator", "admin"]
EVERYONE, SIGNED_IN, STAFF = set(ROLES), {"member", "facilitator", "admin"}, {"facilitator", "admin"}

# Who may open each page once setup is done (setup.py is only for a database with no accounts).
EXPECTED = {
    "home.py": EVERYONE,
    "library.py": EVERYONE,
    "partners.py": EVERYONE,
    "partner.py": EVERYONE,
    "research.py": SIGNED_IN,
    "project.py": SIGNED_IN,
    "share.py": SIGNED_IN,
    "finding.py": EVERYONE,
    "my_findings.py": SIGNED_IN,
    "review.py": STAFF,
    "sessions.py": SIGNED_IN,
    "session.py": SIGNED_IN,
    "present.py": STAFF,
    "setup.py": set(),
    "sign_in.py": {"anonymous"},
    "account.py": SIGNED_IN,
    "people.py": {"admin"},
    "import.py": {"admin"},
    "audit_log.py": {"admin"},
    "report.py": STAFF,
    "wall.py": EVERYONE,
}
TITLES = {
    "home.py": "Changing Tracks: inclusion dashboard",
    "library.py": "Findings library",
    "partners.py": "Partner services",
    "partner.py": "Partner profile",
    "research.py": "Research status",
    "project.py": "Research project",
    "share.py": "Share a finding",
    "finding.py": "Finding",
    "my_findings.py": "My findings",
    "review.py": "Review queue",
    "sessions.py": "Sessions",
    "session.py": "Session",
    "present.py": "Present a session",
    "setup.py": "Welcome to ctdash",
    "sign_in.py": "Sign in",
    "account.py": "My account",
    "people.py": "People",
    "import.py": "Import spreadsheets",
    "audit_log.py": "Audit log",
    "report.py": "Programme report",
    "wall.py": "Live wall",
}


def test_matrix_covers_every_page_file_and_every_rule():
    files = {path.name for path in PAGES_DIR.glob("*.py")}
    assert files == set(EXPECTED), "every page in pages/ needs a row in EXPECTED"
    assert files == set(permissions.RULES), "every page in pages/ needs a rule in ctdash.permissions.PAGES"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_database(request, tmp_path_factory):
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'ctdash.db'}"
    engine = db.make_engine(url)
    initialise(engine)
    with db.session_scope(engine) as session:
        for role in ROLES[1:]:
            make_user(session, role=role, username=role)
    engine.dispose()
    return url


@pytest.fixture
def app_as(matrix_database, monkeypatch):
    monkeypatch.setenv("CTDASH_DATABASE_URL", matrix_database)
    monkeypatch.setenv("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))

    def open_page(role: str, page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        if role != "anonymous":
            signed_in_as(at, role)
        return at.run().switch_page(f"pages/{page}").run()

    return open_page


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_access_matrix(app_as, page, role):
    at = app_as(role, page)
    assert not at.exception
    titles = [title.value for title in at.title]
    if role in EXPECTED[page]:
        assert TITLES[page] in titles, f"{role} should see {page}"
    elif page == "sign_in.py":
        assert titles == [TITLES["home.py"]], "a signed-in person is sent on from the sign-in page"
    else:
        assert TITLES[page] not in titles, f"{role} must not see {page}"
        assert at.info and at.info[0].proto.icon == ":material/lock:", "a refusal says why"
        assert not at.dataframe and not at.metric and not at.text_input, "nothing of the page is shown"
