"""finding form fields: cycle, key quote, links, submitted time; attachment name, description, consent

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

KIND = sa.Enum('enabler', 'barrier', 'insight', name='finding_kind', native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cycle', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('key_quote', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('links', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        # A draft may be saved before its kind is chosen; a submitted one never lacks it.
        batch_op.alter_column('kind', existing_type=KIND, nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_findings_kind_once_submitted'), "kind IS NOT NULL OR status IN ('draft', 'returned')"
        )
        batch_op.create_index(batch_op.f('ix_findings_cycle'), ['cycle'], unique=False)
        # Everyone signed in now also sees what they wrote: keep the counts by kind reading the index alone.
        batch_op.drop_index('ix_findings_kind_scope')
        batch_op.create_index(
            'ix_findings_kind_scope', ['kind', 'status', 'visibility', 'is_example', 'partner_id', 'author_id'], unique=False
        )
    # Findings shared before these fields existed were submitted or published in their cycle's time:
    # a submitted time is not invented for them.

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('description', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('consent', sa.Boolean(), server_default='0', nullable=False))
    op.execute('UPDATE attachments SET original_name = filename')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('original_name', existing_type=sa.String(length=300), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('consent')
        batch_op.drop_column('description')
        batch_op.drop_column('original_name')

    # The old schema needs a kind on every finding: drafts saved without one become insights, the
    # kind that claims least; the new columns' contents are dropped, as a downgrade always does.
    op.execute("UPDATE findings SET kind = 'insight' WHERE kind IS NULL")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_cycle'))
        batch_op.drop_index('ix_findings_kind_scope')
        batch_op.create_index(
            'ix_findings_kind_scope', ['kind', 'status', 'visibility', 'is_example', 'partner_id'], unique=False
        )
        batch_op.drop_constraint(op.f('ck_findings_kind_once_submitted'), type_='check')
        batch_op.alter_column('kind', existing_type=KIND, nullable=False)
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('links')
        batch_op.drop_column('key_quote')
        batch_op.drop_column('cycle')
