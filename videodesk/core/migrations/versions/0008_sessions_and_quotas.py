"""server-side studio sessions and disabled users

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', videodesk.core.db.UTCDateTime(), nullable=True))
    op.create_table(
        'sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.Column('last_seen', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', videodesk.core.db.UTCDateTime(), nullable=True),
        sa.Column('via_token_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['via_token_id'], ['api_tokens.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sessions_user_id', 'sessions', ['user_id'])
    op.create_index('ix_sessions_via_token_id', 'sessions', ['via_token_id'])


def downgrade():
    op.drop_index('ix_sessions_via_token_id', table_name='sessions')
    op.drop_index('ix_sessions_user_id', table_name='sessions')
    op.drop_table('sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
