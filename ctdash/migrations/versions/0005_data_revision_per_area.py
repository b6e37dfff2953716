"""data revision per area

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

AREAS = ('accounts', 'research', 'findings')


def upgrade() -> None:
    table = op.create_table(
        'data_revisions',
        sa.Column('area', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('area', name=op.f('pk_data_revisions')),
    )
    # Each area starts from the old single counter, so no cache key ever goes backwards.
    old = op.get_bind().execute(sa.text('SELECT revision FROM data_revision WHERE id = 1')).scalar() or 0
    op.bulk_insert(table, [{'area': area, 'revision': old} for area in AREAS])
    op.drop_table('data_revision')


def downgrade() -> None:
    table = op.create_table(
        'data_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_data_revision_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision')),
    )
    newest = op.get_bind().execute(sa.text('SELECT max(revision) FROM data_revisions')).scalar() or 0
    op.bulk_insert(table, [{'id': 1, 'revision': newest}])
    op.drop_table('data_revisions')
