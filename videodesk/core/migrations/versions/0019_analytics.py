"""playback analytics: per-video, per-minute sums of the player's beacons and their histograms

Revision ID: 0019_analytics
Revises: 0016_quote
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_analytics'
down_revision = '0016_quote'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'playback_minutes',
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('minute', sa.Integer(), nullable=False),
        sa.Column('surface', sa.String(length=10), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('plays', sa.Integer(), nullable=False),
        sa.Column('exits_before_start', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('fatal_errors', sa.Integer(), nullable=False),
        sa.Column('watch_ms', sa.BigInteger(), nullable=False),
        sa.Column('stall_ms', sa.BigInteger(), nullable=False),
        sa.Column('stalls', sa.Integer(), nullable=False),
        sa.Column('startup_score_sum', sa.Float(), nullable=False),
        sa.Column('rendition_switches', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'minute', 'surface'),
    )
    op.create_index('ix_playback_minutes_minute', 'playback_minutes', ['minute'])
    op.create_table(
        'playback_bins',
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('minute', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('bin', sa.Integer(), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'minute', 'kind', 'bin'),
    )


def downgrade():
    op.drop_table('playback_bins')
    op.drop_index('ix_playback_minutes_minute', table_name='playback_minutes')
    op.drop_table('playback_minutes')
