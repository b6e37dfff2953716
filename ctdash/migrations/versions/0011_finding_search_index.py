"""full-text search index over findings' title, summary and key quote

SQLite: an FTS5 table with the findings as its external content (Porter stemming over unicode61,
diacritics folded), kept in step by triggers. PostgreSQL: a stored generated ``tsvector`` (English
stemming; title weighted A, key quote C, summary B) with a GIN index; the database keeps it in step.
``ctdash.search`` builds the matching queries for both.

Any later revision that alters ``findings`` in batch mode on SQLite (which copies the table) drops
these triggers with the old table: it must call ``create_sqlite_triggers`` again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER findings_search_insert AFTER INSERT ON findings BEGIN
        INSERT INTO findings_search (rowid, title, summary, key_quote)
        VALUES (new.id, new.title, new.summary, new.key_quote);
    END""",
    """CREATE TRIGGER findings_search_delete AFTER DELETE ON findings BEGIN
        INSERT INTO findings_search (findings_search, rowid, title, summary, key_quote)
        VALUES ('delete', old.id, old.title, old.summary, old.key_quote);
    END""",
    """CREATE TRIGGER findings_search_update AFTER UPDATE OF title, summary, key_quote ON findings BEGIN
        INSERT INTO findings_search (findings_search, rowid, title, summary, key_quote)
        VALUES ('delete', old.id, old.title, old.summary, old.key_quote);
        INSERT INTO findings_search (rowid, title, summary, key_quote)
        VALUES (new.id, new.title, new.summary, new.key_quote);
    END""",
)


def create_sqlite_triggers() -> None:
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'CREATE VIRTUAL TABLE findings_search USING fts5(title, summary, key_quote, '
            'content="findings", content_rowid="id", tokenize="porter unicode61 remove_diacritics 2")'
        )
        op.execute("INSERT INTO findings_search (findings_search) VALUES ('rebuild')")
        create_sqlite_triggers()
    else:
        op.execute(
            "ALTER TABLE findings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
            "setweight(to_tsvector('english'::regconfig, coalesce(key_quote, '')), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_findings_search_vector ON findings USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('findings_search_update', 'findings_search_delete', 'findings_search_insert'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS findings_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_findings_search_vector")
        op.execute("ALTER TABLE findings DROP COLUMN IF EXISTS search_vector")
