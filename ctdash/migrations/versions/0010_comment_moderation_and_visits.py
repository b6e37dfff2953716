"""comments hidden by a facilitator; people's visits for "what's new"; comments as their own area of content

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('hidden_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_comments_hidden_by_id_users'), 'users', ['hidden_by_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_index(batch_op.f('ix_comments_created_at'), ['created_at'], unique=False)

    # Bookkeeping, like sign-ins: when each person's previous and current visits began.
    op.create_table(
        'visits',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('previous_at', sa.DateTime(), nullable=True),
        sa.Column('current_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visits_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_visits')),
    )

    # A comment no longer makes the findings library's cache cold: comments have their own counter,
    # started from the findings' one so no cache key goes backwards.
    findings = op.get_bind().execute(sa.text("SELECT revision FROM data_revisions WHERE area = 'findings'")).scalar()
    op.execute(sa.text("INSERT INTO data_revisions (area, revision) VALUES ('comments', :revision)").bindparams(
        revision=findings or 0
    ))


def downgrade() -> None:
    op.execute("DELETE FROM data_revisions WHERE area = 'comments'")
    op.drop_table('visits')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_created_at'))
        batch_op.drop_constraint(batch_op.f('fk_comments_hidden_by_id_users'), type_='foreignkey')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_by_id')
        batch_op.drop_column('hidden_at')
