"""Alembic environment: one connection handed in by ctdash.db, or the URL from ctdash's settings."""

from alembic import context
from sqlalchemy import create_engine

from ctdash.config import get_settings
from ctdash.models import Base, UTCDateTime, described_by_models

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # UTCDateTime is a Python-side conversion over a plain DATETIME: revisions must not import models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        compare_type=True,
        render_item=render_item,
        include_object=described_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url)
    with engine.begin() as connection:
        run_with(connection)
    engine.dispose()
