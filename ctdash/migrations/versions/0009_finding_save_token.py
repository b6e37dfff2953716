"""a finding's last save token: saving the share form again after an uncertain commit never makes a second copy

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('save_token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_findings_save_token'), ['save_token'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_save_token'))
        batch_op.drop_column('save_token')
