"""a log of the findings that changed, by data revision: the library's index reads just those again

``finding_changes`` gets one row for every insert, update and delete of a finding or of one of its
theme links, written by triggers (so bulk statements, foreign-key cascades and other programs' writes
are logged too) with an empty revision; the commit that bumps the findings revision stamps its own
rows with the new revision (``ctdash.db``). A row whose ``finding_id`` is 0 is a floor: changes at or
below its revision are no longer all kept. This one says that nothing before the migration is.

Any later revision that alters ``findings`` or ``finding_themes`` in batch mode on SQLite (which copies
the table) drops these triggers with the old table: it must call ``create_sqlite_triggers`` again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (table, the finding id's column): each change to a row of the table logs that finding.
LOGGED = (('findings', 'id'), ('finding_themes', 'finding_id'))
EVENTS = ('insert', 'update', 'delete')


def create_sqlite_triggers() -> None:
    for table, column in LOGGED:
        for event in EVENTS:
            ids = {
                'insert': f'SELECT new.{column}',
                'update': f'SELECT new.{column} UNION SELECT old.{column}',
                'delete': f'SELECT old.{column}',
            }[event]
            op.execute(
                f'CREATE TRIGGER {table}_changes_{event} AFTER {event.upper()} ON {table} BEGIN '
                f'INSERT INTO finding_changes (finding_id) {ids}; END'
            )


def _create_postgresql_triggers() -> None:
    # Per statement, over its transition tables: one insert however many rows a statement touches.
    for table, column in LOGGED:
        for event in EVENTS:
            name = f'{table}_changes_{event}'
            ids = {
                'insert': f'SELECT {column} FROM new_rows',
                'update': f'SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows',
                'delete': f'SELECT {column} FROM old_rows',
            }[event]
            tables = {
                'insert': 'NEW TABLE AS new_rows',
                'update': 'NEW TABLE AS new_rows OLD TABLE AS old_rows',
                'delete': 'OLD TABLE AS old_rows',
            }[event]
            op.execute(
                f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
                f'INSERT INTO finding_changes (finding_id) {ids}; RETURN NULL; END $$'
            )
            op.execute(
                f'CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {tables} '
                f'FOR EACH STATEMENT EXECUTE FUNCTION {name}()'
            )


def upgrade() -> None:
    op.create_table('finding_changes',
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    )
    op.create_index('ix_finding_changes_revision', 'finding_changes', ['revision', 'finding_id'], unique=False)
    op.execute(
        "INSERT INTO finding_changes (revision, finding_id) "
        "SELECT coalesce(max(revision), 0), 0 FROM data_revisions WHERE area = 'findings'"
    )
    if op.get_bind().dialect.name == 'sqlite':
        create_sqlite_triggers()
    else:
        _create_postgresql_triggers()


def downgrade() -> None:
    for table, _ in LOGGED:
        for event in EVENTS:
            name = f'{table}_changes_{event}'
            if op.get_bind().dialect.name == 'sqlite':
                op.execute(f'DROP TRIGGER IF EXISTS {name}')
            else:
                op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
                op.execute(f'DROP FUNCTION IF EXISTS {name}()')
    op.drop_index('ix_finding_changes_revision', table_name='finding_changes')
    op.drop_table('finding_changes')
