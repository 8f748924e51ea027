"""audio tracks of videos (languages, dubs, audio description)

Revision ID: 0018_audio
Revises: 0014_lifecycle
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0018_audio'
down_revision = '0014_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audio_tracks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('lang', sa.String(length=35), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('stream_index', sa.Integer(), nullable=True),
        sa.Column('original_name', sa.String(length=200), nullable=True),
        sa.Column('folder', sa.String(length=200), nullable=False),
        sa.Column('mp4_name', sa.String(length=200), nullable=True),
        sa.Column('created_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audio_tracks_video_id', 'audio_tracks', ['video_id'])


def downgrade():
    op.drop_index('ix_audio_tracks_video_id', table_name='audio_tracks')
    op.drop_table('audio_tracks')
