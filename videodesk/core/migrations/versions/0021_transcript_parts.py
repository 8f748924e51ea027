"""a long recording is transcribed in parts, cut at pauses, by any idle workers

Revision ID: 0021_transcript_parts
Revises: 0020_processing_lease
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0021_transcript_parts'
down_revision = '0020_processing_lease'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'transcript_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('start_s', sa.Float(), nullable=False),
        sa.Column('end_s', sa.Float(), nullable=False),
        sa.Column('language', sa.String(length=35), nullable=False),
        sa.Column('track', sa.String(length=200), nullable=False),
        sa.Column('words', sa.JSON(), nullable=False),
        sa.Column('translation', sa.JSON(), nullable=False),
        sa.Column('until_s', sa.Float(), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('updated_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('video_id', 'name'),
    )
    op.create_index('ix_transcript_parts_video_id', 'transcript_parts', ['video_id'])
    op.create_index('ix_transcript_parts_status', 'transcript_parts', ['status'])


def downgrade():
    op.drop_index('ix_transcript_parts_status', table_name='transcript_parts')
    op.drop_index('ix_transcript_parts_video_id', table_name='transcript_parts')
    op.drop_table('transcript_parts')
