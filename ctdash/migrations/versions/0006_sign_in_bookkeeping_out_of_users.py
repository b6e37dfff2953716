"""sign-in bookkeeping out of users: remembered sign-ins as rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import secrets

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'sign_in_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    )
    op.create_index('ix_sign_in_sessions_user_id_created_at', 'sign_in_sessions', ['user_id', 'created_at'])
    # Keep each person's last sign-in as an ended session; every remembered sign-in ends, as it would
    # have after an upgrade anyway (cookies from before carry no session id).
    rows = op.get_bind().execute(sa.text('SELECT id, last_login_at FROM users WHERE last_login_at IS NOT NULL')).all()
    op.bulk_insert(
        table,
        [
            {'id': secrets.token_urlsafe(32), 'user_id': user_id, 'created_at': at, 'expires_at': at,
             'ended_at': at, 'ended_reason': 'upgrade'}
            for user_id, at in rows
        ],
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('sessions_valid_after')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_valid_after', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        'UPDATE users SET last_login_at = '
        '(SELECT max(created_at) FROM sign_in_sessions WHERE sign_in_sessions.user_id = users.id)'
    )
    op.drop_index('ix_sign_in_sessions_user_id_created_at', table_name='sign_in_sessions')
    op.drop_table('sign_in_sessions')
