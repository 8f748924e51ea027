"""playback analytics: per-video, per-minute sums of the player's beacons and their histograms;
the per-day watch counts they replace keep their plays (as views) and errors

Revision ID: 0019_analytics
Revises: 0016_quote
Create Date: 2026-12-04
"""
from datetime import date

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
    _keep_watch_counts()
    op.drop_table('watch_counts')


def _keep_watch_counts():
    """Each day's 'play' and 'error' counts become that day's first minute on the article (the old
    beacons named no surface); the old quartile counts have no place in per-percent retention."""
    totals = {}
    for video_id, day, event, count in op.get_bind().execute(sa.text(
            "SELECT video_id, day, event, count FROM watch_counts WHERE event IN ('play', 'error')")):
        minute = (date.fromisoformat(day) - date(1970, 1, 1)).days * 1440
        totals.setdefault((video_id, minute), {"views": 0, "errors": 0})["views" if event == "play" else "errors"] += count
    names = ('views', 'plays', 'exits_before_start', 'errors', 'fatal_errors', 'watch_ms', 'stall_ms', 'stalls',
             'startup_score_sum', 'rendition_switches')
    table = sa.table('playback_minutes', sa.column('video_id'), sa.column('minute'), sa.column('surface'),
                     *(sa.column(name) for name in names))
    op.bulk_insert(table, [{"video_id": video_id, "minute": minute, "surface": "article", **dict.fromkeys(names, 0), **counts}
                           for (video_id, minute), counts in totals.items()])


def downgrade():
    op.create_table(
        'watch_counts',
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('event', sa.String(length=20), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'day', 'event'),
    )
    op.drop_table('playback_bins')
    op.drop_index('ix_playback_minutes_minute', table_name='playback_minutes')
    op.drop_table('playback_minutes')
