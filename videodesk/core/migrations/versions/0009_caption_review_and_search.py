"""caption review, translations, captioning status and the full-text index of cues

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

# SQLite: an FTS5 index over caption_cues.text, kept in step by triggers (external content).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE caption_cues_fts USING fts5(text, content='caption_cues', content_rowid='id')",
    "CREATE TRIGGER caption_cues_ai AFTER INSERT ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER caption_cues_ad AFTER DELETE ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(caption_cues_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER caption_cues_au AFTER UPDATE ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(caption_cues_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO caption_cues_fts(rowid, text) VALUES (new.id, new.text); END",
)
# PostgreSQL: a GIN index on the same expression the search query uses.
POSTGRES_FTS = ("CREATE INDEX ix_caption_cues_text_fts ON caption_cues "
                "USING GIN (to_tsvector('simple'::regconfig, text))")


def upgrade():
    with op.batch_alter_table('caption_tracks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translated_from', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', videodesk.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=120), nullable=True))
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('captioning', sa.JSON(), nullable=True))
    op.create_table(
        'caption_cues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('track_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=35), nullable=False),
        sa.Column('start', sa.Float(), nullable=False),
        sa.Column('end', sa.Float(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['track_id'], ['caption_tracks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_caption_cues_video_id', 'caption_cues', ['video_id'])
    op.create_index('ix_caption_cues_track_id', 'caption_cues', ['track_id'])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == 'sqlite' else (POSTGRES_FTS,) if dialect == 'postgresql' else ():
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('caption_cues_ai', 'caption_cues_ad', 'caption_cues_au'):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE caption_cues_fts")
    elif dialect == 'postgresql':
        op.drop_index('ix_caption_cues_text_fts', table_name='caption_cues')
    op.drop_index('ix_caption_cues_track_id', table_name='caption_cues')
    op.drop_index('ix_caption_cues_video_id', table_name='caption_cues')
    op.drop_table('caption_cues')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('captioning')
    with op.batch_alter_table('caption_tracks', schema=None) as batch_op:
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('translated_from')
