"""video placement in stories and story revisions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_position', sa.Integer(), nullable=True))
    op.create_table(
        'story_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('created_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.Column('user_name', sa.String(length=120), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_story_revisions_story_id', 'story_revisions', ['story_id'])


def downgrade():
    op.drop_index('ix_story_revisions_story_id', table_name='story_revisions')
    op.drop_table('story_revisions')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('video_position')
