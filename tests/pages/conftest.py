"""AppTest helpers: run the real app.py against a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import db
from ctdash.seed import initialise

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_database(monkeypatch, database_url) -> str:
    """A migrated, seeded database that the app under test will use."""
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    engine = db.make_engine(database_url)
    initialise(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def open_app():
    """Start app.py in AppTest and return it after the first run."""

    def run(timeout: float = 30) -> AppTest:
        return AppTest.from_file(APP, default_timeout=timeout).run()

    return run
