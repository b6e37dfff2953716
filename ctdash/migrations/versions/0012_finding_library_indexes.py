"""covering indexes for the findings library's in-memory index: its scans read no table rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

COLUMNS = [
    'id', 'version', 'status', 'visibility', 'partner_id', 'author_id', 'kind', 'cycle', 'evidence_type', 'published_at',
    'updated_at',
]


def upgrade() -> None:
    # Plain CREATE INDEX, not batch mode: on SQLite a batch copy of the table would drop the search
    # index's triggers (migration 0011).
    op.create_index('ix_findings_library', 'findings', COLUMNS, unique=False)
    op.create_index('ix_findings_title_order', 'findings', [sa.text('lower(title)'), 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_findings_title_order', table_name='findings')
    op.drop_index('ix_findings_library', table_name='findings')
