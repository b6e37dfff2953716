"""The Alembic history builds the schema the models describe, up and down, on both backends."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from ctdash import db
from ctdash.models import Base, DataRevision, Partner
from ctdash.seed import initialise

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def test_upgrade_from_empty_reaches_head_with_every_table(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    assert db.schema_revision(engine) == db.head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_agree(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_base_then_upgrade_again(database_url):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    db.downgrade(engine, "base")
    assert db.schema_revision(engine) is None
    assert "partners" not in inspect(engine).get_table_names()
    db.migrate(engine)
    assert db.schema_revision(engine) == db.head_revision()
    engine.dispose()


def test_starting_again_keeps_existing_data(database_url):
    engine = db.make_engine(database_url)
    initialise(engine)
    with db.session_scope(engine) as session:
        session.scalars(select(Partner).where(Partner.slug == "hull")).one().website = "https://example.org/hull"
    initialise(engine)
    with db.session_scope(engine) as session:
        assert session.scalar(select(Partner.website).where(Partner.slug == "hull")) == "https://example.org/hull"
        assert session.get(DataRevision, "research").revision > 0
    engine.dispose()
