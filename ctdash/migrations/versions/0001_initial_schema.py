"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_data_revision_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision'))
    )
    op.execute("INSERT INTO data_revision (id, revision) VALUES (1, 0)")
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=80), nullable=False),
    sa.Column('lead_organisation', sa.String(length=200), nullable=True),
    sa.Column('region', sa.String(length=80), nullable=True),
    sa.Column('local_authority', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('is_example', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name=op.f('ck_partners_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name=op.f('ck_partners_longitude_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_partners_slug'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_is_example'), ['is_example'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_region'), ['region'], unique=False)

    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('name', name=op.f('uq_themes_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_themes_slug'))
    )
    op.create_table('partner_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('action_research_partner', 'working_group_member', name='partner_role_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('cycle', sa.String(length=7), nullable=True),
    sa.Column('since_year', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_roles_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_roles'))
    )
    with op.batch_alter_table('partner_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_roles_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_roles_role'), ['role'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.String(length=7), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('research_question', sa.Text(), nullable=True),
    sa.Column('stage', sa.Enum('proposed', 'planning', 'data collection', 'analysis', 'sharing findings', 'complete', 'paused', name='project_stage', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('lead_contact', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('is_example', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_projects_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_cycle'), ['cycle'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_is_example'), ['is_example'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_stage'), ['stage'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('admin', 'facilitator', 'member', name='user_role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_users_partner_id_partners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity_type'), ['entity_type'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('enabler', 'barrier', 'insight', name='finding_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('evidence_type', sa.String(length=80), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'published', 'returned', name='finding_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('visibility', sa.Enum('working_group', 'public', name='visibility', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('is_example', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_findings_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_findings_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_findings_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_is_example'), ['is_example'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_status'), ['status'], unique=False)
        batch_op.create_index('ix_findings_status_visibility_published', ['status', 'visibility', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_visibility'), ['visibility'], unique=False)

    op.create_table('project_themes',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_themes_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_project_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'theme_id', name=op.f('pk_project_themes'))
    )
    with op.batch_alter_table('project_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('is_example', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_attachments_finding_id_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_is_example'), ['is_example'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('support', 'challenge', 'question', name='comment_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_example', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_comments_finding_id_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_is_example'), ['is_example'], unique=False)

    op.create_table('finding_themes',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_themes_finding_id_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_finding_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('finding_id', 'theme_id', name=op.f('pk_finding_themes'))
    )
    with op.batch_alter_table('finding_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('attachment_blobs',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_attachment_blobs_attachment_id_attachments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachment_blobs'))
    )


def downgrade() -> None:
    op.drop_table('attachment_blobs')
    with op.batch_alter_table('finding_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_themes_theme_id'))

    op.drop_table('finding_themes')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_is_example'))
        batch_op.drop_index(batch_op.f('ix_comments_finding_id'))
        batch_op.drop_index(batch_op.f('ix_comments_author_id'))

    op.drop_table('comments')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_is_example'))
        batch_op.drop_index(batch_op.f('ix_attachments_finding_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('project_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_themes_theme_id'))

    op.drop_table('project_themes')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_visibility'))
        batch_op.drop_index('ix_findings_status_visibility_published')
        batch_op.drop_index(batch_op.f('ix_findings_status'))
        batch_op.drop_index(batch_op.f('ix_findings_published_at'))
        batch_op.drop_index(batch_op.f('ix_findings_project_id'))
        batch_op.drop_index(batch_op.f('ix_findings_partner_id'))
        batch_op.drop_index(batch_op.f('ix_findings_kind'))
        batch_op.drop_index(batch_op.f('ix_findings_is_example'))
        batch_op.drop_index(batch_op.f('ix_findings_author_id'))

    op.drop_table('findings')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_type'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))
        batch_op.drop_index(batch_op.f('ix_users_partner_id'))

    op.drop_table('users')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_stage'))
        batch_op.drop_index(batch_op.f('ix_projects_partner_id'))
        batch_op.drop_index(batch_op.f('ix_projects_is_example'))
        batch_op.drop_index(batch_op.f('ix_projects_cycle'))

    op.drop_table('projects')
    with op.batch_alter_table('partner_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_roles_role'))
        batch_op.drop_index(batch_op.f('ix_partner_roles_partner_id'))

    op.drop_table('partner_roles')
    op.drop_table('themes')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_region'))
        batch_op.drop_index(batch_op.f('ix_partners_is_example'))
        batch_op.drop_index(batch_op.f('ix_partners_active'))

    op.drop_table('partners')
    op.drop_table('data_revision')
