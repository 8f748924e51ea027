"""live streams, and stories that play one

Revision ID: 0017_live
Revises: 0015_security
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0017_live'
down_revision = '0015_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'live_streams',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('stream_key', sa.String(length=64), nullable=False),
        sa.Column('started_at', videodesk.core.db.UTCDateTime(), nullable=True),
        sa.Column('ended_at', videodesk.core.db.UTCDateTime(), nullable=True),
        sa.Column('ended_reason', sa.Text(), nullable=True),
        sa.Column('connected_at', videodesk.core.db.UTCDateTime(), nullable=True),
        sa.Column('disconnected_at', videodesk.core.db.UTCDateTime(), nullable=True),
        sa.Column('duration', sa.Float(), nullable=False),
        sa.Column('captions_lang', sa.String(length=35), nullable=True),
        sa.Column('video_id', sa.String(length=32), nullable=True),
        sa.Column('created_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stream_key'),
    )
    with op.batch_alter_table('live_streams', schema=None) as batch_op:
        batch_op.create_index('ix_live_streams_owner_id', ['owner_id'])
        batch_op.create_index('ix_live_streams_status', ['status'])
        batch_op.create_index('ix_live_streams_video_id', ['video_id'])
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_stories_live_id', ['live_id'])
        batch_op.create_foreign_key('fk_stories_live_id', 'live_streams', ['live_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'live_cues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('live_id', sa.String(length=32), nullable=False),
        sa.Column('lang', sa.String(length=35), nullable=False),
        sa.Column('start', sa.Float(), nullable=False),
        sa.Column('end', sa.Float(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['live_id'], ['live_streams.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('live_cues', schema=None) as batch_op:
        batch_op.create_index('ix_live_cues_live_id', ['live_id'])


def downgrade():
    op.drop_table('live_cues')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stories_live_id', type_='foreignkey')
        batch_op.drop_index('ix_stories_live_id')
        batch_op.drop_column('live_id')
    op.drop_table('live_streams')
